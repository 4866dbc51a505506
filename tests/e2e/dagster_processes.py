"""A real Dagster deployment for end-to-end tests: webserver and daemon as processes.

``DagsterDeployment`` starts ``dagster-webserver`` and ``dagster-daemon run`` on the repository's
``workspace.yaml`` with a DAGSTER_HOME of its own, waits until the webserver answers GraphQL
with the code location loaded, and always stops both process groups. Their logs stay in the
artifacts directory; ``log_tails()`` shows the ends of them when a test fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from dagster_graphql import DagsterGraphQLClient

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOCATION = "lineage_demo"
REPOSITORY = "__repository__"
DEMO_JOBS = ("ingest_raw", "build_staging", "load_payments", "build_marts", "build_customer_assets")

# Settings of the developer's shell that would point the deployment somewhere else.
ISOLATED_ENV = ("DAGSTER_HOME", "DAGSTER_PG_URL", "LINEAGE_DATABASE_URL", "LINEAGE_DEMO_DIR",
                "LINEAGE_CONNECTIONS")  # fmt: skip

WORKSPACE_QUERY = """
query {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""

DAEMON_HEALTH_QUERY = """
query { instance { daemonHealth { allDaemonStatuses { daemonType healthy } } } }
"""
NEEDED_DAEMONS = {"SENSOR", "SCHEDULER", "QUEUED_RUN_COORDINATOR"}

SCHEDULE_QUERY = """
query Schedule($selector: ScheduleSelector!) {
  scheduleOrError(scheduleSelector: $selector) {
    __typename
    ... on Schedule { id scheduleState { status } }
  }
}
"""
STOP_SCHEDULE = """
mutation Stop($id: String) {
  stopRunningSchedule(id: $id) {
    __typename
    ... on ScheduleStateResult { scheduleState { status } }
    ... on PythonError { message }
  }
}
"""

RUNS_QUERY = """
query Runs($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    __typename
    ... on Runs { results { runId jobName status runConfigYaml tags { key value } } }
    ... on PythonError { message }
  }
}
"""

T = TypeVar("T")


class DeploymentError(AssertionError):
    """The deployment did not come up, or a run did not end as expected."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    probe: Callable[[], T | None], *, timeout: float, interval: float = 1.0, what: str
) -> T:
    """Call ``probe`` until it returns something truthy, and return that."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = probe()
            if value:
                return value
        except DeploymentError:
            raise
        except Exception as exc:  # the probe's own errors: keep polling, report the last
            last_error = exc
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise DeploymentError(f"Timed out after {timeout:.0f} s waiting for {what}{detail}")
        time.sleep(interval)


@dataclass
class DagsterDeployment:
    """``dagster-webserver`` and ``dagster-daemon`` on ``workspace.yaml`` in ``home``."""

    home: Path
    artifacts: Path
    instance_yaml: Path
    env: Mapping[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    stopped_schedules: Sequence[str] = ()
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    started_at: float = field(default_factory=time.monotonic)

    def mark(self, step: str) -> None:
        """Note how long after the start ``step`` finished."""
        self.timings[step] = time.monotonic() - self.started_at

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def environment(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if k not in ISOLATED_ENV}
        return {**base, "DAGSTER_HOME": str(self.home), **self.env}

    def start(self, timeout: float = 120.0) -> None:
        """Start the webserver, wait for it, then the daemon, and wait for its heartbeats.

        One after the other: two processes creating a fresh instance's tables at the same time
        race (the daemon died with ``table alembic_version already exists``), so the webserver
        creates them first.
        """
        self.started_at = time.monotonic()
        self.home.mkdir(parents=True, exist_ok=True)
        self.artifacts.mkdir(parents=True, exist_ok=True)
        (self.home / "dagster.yaml").write_text(self.instance_yaml.read_text())
        self._spawn(
            "webserver",
            [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", self.host,
             "-p", str(self.port)],
        )  # fmt: skip
        self._wait(self._location_loaded, timeout, "the webserver and code location")
        # Before the daemon: its first scheduler pass records the state of every schedule that
        # runs by default, and a stop at the same moment races it (on PostgreSQL a duplicate-key
        # error in the daemon and the schedule left running; on SQLite, most likely the same
        # race, an HTTP 500 from the stop).
        for schedule in self.stopped_schedules:
            self.stop_schedule(schedule)
        self._spawn("daemon", [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"])
        self._wait(self._daemons_healthy, timeout, "the daemon's sensor, scheduler and run queue")

    def _spawn(self, name: str, command: list[str]) -> None:
        log = (self.artifacts / f"{name}.log").open("wb")
        try:
            self.processes[name] = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: code servers, runs and all
            )
        finally:
            log.close()

    def stop(self, grace: float = 15.0) -> None:
        """Terminate both process groups (SIGTERM, then SIGKILL after ``grace`` seconds)."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            _signal_group(process, signal.SIGKILL)  # stragglers: gRPC servers, run workers
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise DeploymentError(
                    f"dagster {name} exited with status {process.returncode}\n{self.log_tails()}"
                )

    def log_tails(self, lines: int = 60) -> str:
        parts = []
        for name in self.processes:
            path = self.artifacts / f"{name}.log"
            text = path.read_text(errors="replace").splitlines() if path.exists() else []
            parts.append(f"--- last {lines} lines of {path} ---\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)

    # -- GraphQL ------------------------------------------------------------------------------

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                body = json.load(response)
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:2000]
            raise DeploymentError(f"GraphQL answered HTTP {exc.code}: {detail}") from None
        if body.get("errors"):
            raise DeploymentError(f"GraphQL errors: {body['errors']}")
        return body["data"]

    def client(self) -> DagsterGraphQLClient:
        return DagsterGraphQLClient(self.host, port_number=self.port, timeout=60)

    def _wait(self, probe: Callable[[], bool], timeout: float, what: str) -> None:
        try:
            wait_for(probe, timeout=timeout, interval=0.5, what=what)
        except DeploymentError as exc:
            raise DeploymentError(f"{exc}\n{self.log_tails()}") from None

    def _location_loaded(self) -> bool:
        self.check_alive()
        workspace = self.graphql(WORKSPACE_QUERY)["workspaceOrError"]
        if workspace["__typename"] != "Workspace":
            raise DeploymentError(f"workspace failed to load: {workspace}")
        for entry in workspace["locationEntries"]:
            if entry["name"] != LOCATION or entry["loadStatus"] != "LOADED":
                continue
            loaded = entry["locationOrLoadError"] or {}
            if loaded.get("__typename") == "PythonError":
                raise DeploymentError(f"{LOCATION} failed to load: {loaded['message']}")
            return loaded.get("__typename") == "RepositoryLocation"
        return False

    def _daemons_healthy(self) -> bool:
        self.check_alive()
        health = self.graphql(DAEMON_HEALTH_QUERY)["instance"]["daemonHealth"]
        healthy = {d["daemonType"] for d in health["allDaemonStatuses"] if d["healthy"]}
        return healthy >= NEEDED_DAEMONS

    def stop_schedule(self, name: str) -> None:
        """Switch a schedule off, as its toggle in the UI does."""
        selector = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY,
                    "scheduleName": name}  # fmt: skip
        schedule = self.graphql(SCHEDULE_QUERY, {"selector": selector})["scheduleOrError"]
        if schedule["__typename"] != "Schedule":
            raise DeploymentError(f"no schedule {name}: {schedule}")
        result = self.graphql(STOP_SCHEDULE, {"id": schedule["id"]})
        state = result["stopRunningSchedule"].get("scheduleState") or {}
        if state.get("status") != "STOPPED":
            raise DeploymentError(f"could not stop {name}: {result}")

    def runs(self, *, tags: Mapping[str, str]) -> list[dict[str, Any]]:
        """Runs carrying all of ``tags``, newest first."""
        run_filter = {"tags": [{"key": k, "value": v} for k, v in tags.items()]}
        result = self.graphql(RUNS_QUERY, {"filter": run_filter})["runsOrError"]
        if result["__typename"] != "Runs":
            raise DeploymentError(f"runs query failed: {result}")
        return result["results"]

    def run_job(
        self,
        job_name: str,
        run_config: Mapping[str, Any] | None = None,
        *,
        tags: Mapping[str, str] | None = None,
        expect: str = "SUCCESS",
        timeout: float = 120.0,
    ) -> str:
        """Submit ``job_name`` through the GraphQL client and wait for it to end as ``expect``."""
        client = self.client()
        run_id = client.submit_job_execution(
            job_name,
            repository_location_name=LOCATION,
            repository_name=REPOSITORY,
            run_config=dict(run_config or {}),
            tags=dict(tags or {}),
        )
        ended = {"SUCCESS", "FAILURE", "CANCELED"}

        def finished() -> str | None:
            self.check_alive()
            status = client.get_run_status(run_id).value
            return status if status in ended else None

        status = wait_for(finished, timeout=timeout, interval=0.5, what=f"run of {job_name}")
        if status != expect:
            raise DeploymentError(
                f"run {run_id} of {job_name} ended {status}, expected {expect}\n{self.log_tails()}"
            )
        return run_id


def _signal_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)
