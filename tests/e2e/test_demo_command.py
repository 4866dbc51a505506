"""`make demo`, as the README's first screen gives it: one command, Dagster and the lineage
explorer on one store, both where it says, and Ctrl-C stops everything.

The demo runs with a DAGSTER_HOME and ports of its own (``PORT``, ``EXPLORER_PORT``); a demo
job is launched through the Dagster UI's GraphQL API, and what its run wrote must show in
the explorer (API and page) and as explorer links on the asset in Dagster.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dagster_processes import (
    ISOLATED_ENV,
    REPO_ROOT,
    DagsterDeployment,
    DeploymentError,
    free_port,
    wait_for,
)
from headless_chromium import HeadlessChromium, find_chromium

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning:gql.*")]

ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "e2e" / "demo"
IN_PROCESS = {"execution": {"config": {"in_process": {}}}}
OBSERVATIONS_QUERY = """
query Observations($path: [String!]!) {
  assetOrError(assetKey: {path: $path}) {
    ... on Asset {
      assetObservations(limit: 20) {
        runId
        metadataEntries { label ... on UrlMetadataEntry { url } }
      }
    }
  }
}
"""


@dataclass
class Demo:
    process: subprocess.Popen
    dagster: DagsterDeployment
    explorer_url: str
    log: Path

    def explorer(self, path: str) -> Any:
        with urllib.request.urlopen(self.explorer_url + path, timeout=10) as response:
            return json.load(response)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(name="demo", scope="module")
def fixture_demo(tmp_path_factory) -> Iterator[Demo]:
    """`make demo PORT=... EXPLORER_PORT=...` in its own process group, up and answering."""
    home = tmp_path_factory.mktemp("demo_home")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port, explorer_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ISOLATED_ENV}
    env.update(DAGSTER_HOME=str(home), MAKEFLAGS="")
    log = ARTIFACTS / "make-demo.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "demo", f"PORT={port}",
             f"EXPLORER_PORT={explorer_port}"],
            cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    # The deployment object only to talk to the webserver it started; the demo owns it.
    dagster = DagsterDeployment(
        home=home, artifacts=ARTIFACTS, instance_yaml=REPO_ROOT / "dagster.yaml", port=port
    )
    dagster.processes["make demo"] = process
    demo = Demo(process, dagster, f"http://127.0.0.1:{explorer_port}", log)
    try:
        wait_for(dagster._location_loaded, timeout=180, interval=0.5, what="the Dagster UI")
        wait_for(dagster._daemons_healthy, timeout=120, interval=0.5, what="the daemon")
        wait_for(lambda: demo.explorer("/api/config"), timeout=60, what="the explorer")
        yield demo
    except DeploymentError as exc:
        raise DeploymentError(f"{exc}\n{demo.output()[-4000:]}") from None
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_the_demo_says_where_dagster_and_the_explorer_are(demo: Demo) -> None:
    output = demo.output()
    assert f"Dagster UI:       {demo.dagster.url}" in output
    assert f"Lineage explorer: {demo.explorer_url}" in output
    config = demo.explorer("/api/config")
    # One store, one tenant, no tokens on loopback, and runs linked back to this Dagster.
    assert config == {"dagsterUrl": demo.dagster.url, "auth": False, "tenant": "default"}
    readme = (REPO_ROOT / "README.md").read_text().split("## Contents")[0]
    assert "make demo" in readme and "http://127.0.0.1:3000" in readme
    assert "http://127.0.0.1:3100" in readme


def test_a_run_in_dagster_shows_in_the_explorer_and_links_back(demo: Demo) -> None:
    dagster = demo.dagster
    dagster.run_job("ingest_raw", IN_PROCESS, timeout=240)
    staging = dagster.run_job("build_staging", IN_PROCESS, timeout=240)

    def captured() -> dict[str, Any] | None:
        graph = demo.explorer("/api/lineage/assets/warehouse.raw_orders/downstream?max_depth=1")
        return (
            graph
            if any(n["qualifiedName"] == "warehouse.stg_orders" for n in graph["nodes"])
            else None
        )

    graph = wait_for(captured, timeout=90, what="the capture sensor to record build_staging")
    assert {(e["workflowId"], e["op"]) for e in graph["edges"]} >= {
        ("build_staging", "load_stg_orders")
    }
    detail = demo.explorer("/api/lineage/assets/warehouse.stg_orders")
    assert detail["lastWrite"]["runId"] == staging

    # The refresh job observes the tables; each observation links to its explorer page.
    refresh = dagster.run_job("lineage_refresh_impact_cache", timeout=240)
    asset = dagster.graphql(OBSERVATIONS_QUERY, {"path": ["warehouse", "stg_orders"]})
    observation = next(
        o for o in asset["assetOrError"]["assetObservations"] if o["runId"] == refresh
    )
    links = [e["url"] for e in observation["metadataEntries"] if e["label"] == "lineage/explorer"]
    assert links == [f"{demo.explorer_url}/?asset=warehouse.stg_orders"]

    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("Chromium is not installed: .ci/run installs it", pytrace=False)
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    link = links[0] + "&" + urllib.parse.urlencode({"direction": "upstream", "depth": 1})
    with HeadlessChromium(binary, log=ARTIFACTS / "chromium.log") as browser:
        browser.goto(link)
        browser.wait_for(
            "[...document.querySelectorAll('[data-testid=table-node]')]"
            ".map((n) => n.dataset.qualifiedName).sort().join() =="
            " 'warehouse.raw_orders,warehouse.stg_orders'",
            what="the explorer drawing stg_orders with its upstream",
        )
        browser.screenshot(ARTIFACTS / "explorer-from-dagster-link.png")


def test_ctrl_c_stops_dagster_and_the_explorer(demo: Demo) -> None:
    group = demo.process.pid
    os.killpg(group, signal.SIGINT)  # what Ctrl-C sends to the terminal's foreground group
    demo.process.wait(timeout=60)
    deadline = time.monotonic() + 30

    def left() -> list[str]:
        ps = subprocess.run(["ps", "-eo", "pgid=,args="], capture_output=True, text=True)
        return [line for line in ps.stdout.splitlines() if line.split()[0] == str(group)]

    while left() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert left() == []
    with pytest.raises(OSError):
        urllib.request.urlopen(demo.explorer_url + "/api/config", timeout=2)
