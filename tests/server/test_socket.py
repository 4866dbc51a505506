"""The explorer on a real uvicorn socket on 127.0.0.1, on both backends: routes, the live
channel (Server-Sent Events), shutdown, ``lineage serve`` itself and concurrent clients."""

from __future__ import annotations

import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from served_app import FAST
from sse_client import EventReader

from lineage_core.cli import main
from lineage_core.cli.app import EXIT_ERROR
from lineage_core.server import start

NEW_RUN = [
    {"source": "warehouse.stg.orders", "target": "warehouse.mart.daily", "job": "marts",
     "op": "daily", "code_location": "shop", "run_id": "run-9"},
]  # fmt: skip


def record_run(store, run_id: str = "run-9") -> None:
    """Record a run's capture as the capture sensor does: edges and execution together."""
    with store.transaction():
        store.record_edges([{**edge, "run_id": run_id} for edge in NEW_RUN])
        store.record_execution(
            run_id=run_id, job="marts", code_location="shop", status="SUCCESS", edges_created=1
        )


def test_the_routes_answer_over_a_real_socket(running, served):
    assert running.url.startswith("http://127.0.0.1:")
    with httpx.Client(base_url=running.url, headers=served.tokens.header()) as client:
        assert client.get("/api/config").json()["auth"] is True
        assert client.get("/api/lineage/assets").json()["totalAssets"] == 9
        down = client.get("/api/lineage/assets/warehouse.stg.orders/downstream").json()
        assert down["totalNodes"] == 2
        impact = client.get("/api/lineage/assets/warehouse.stg.orders/impact").json()
        assert impact["cached"] is True and impact["failedWrites"] == ["warehouse.mart.revenue"]
        encoded = client.get("/api/lineage/assets/file.%22data%2Forders.csv%22/downstream")
        assert encoded.json()["root"] == 'file."data/orders.csv"'
        assert client.get("/api/lineage/assets", headers={"Authorization": ""}).status_code == 401
        assert client.get("/").status_code == 200


def test_a_live_client_is_told_of_a_captured_run(running, served):
    url = f"{running.url}/api/lineage/events"
    with (
        EventReader(url, served.tokens.header()) as reader,
        EventReader(url, served.tokens.header("acme")) as other_tenant,
    ):
        reader.wait("comment", "connected")
        other_tenant.wait("comment", "connected")
        version = served.store.capture_feed(None)[0]
        record_run(served.store)
        captured = reader.wait("run_captured", timeout=10)
        assert captured.data == {
            "runId": "run-9",
            "job": "marts",
            "codeLocation": "shop",
            "status": "SUCCESS",
            "edgesCreated": 1,
            "assets": ["warehouse.mart.daily", "warehouse.stg.orders"],
        }
        assert captured.id is not None and captured.id.isdigit()
        changed = reader.wait("assets_changed", timeout=10)
        assert changed.data["graphVersion"] > version
        assert changed.data["assets"] == ["warehouse.mart.daily", "warehouse.stg.orders"]
        time.sleep(3 * FAST["poll_seconds"])
        assert not [e for e in other_tenant.drain() if e.kind != "comment"]
        assert reader.status == 200


def test_the_live_channel_beats_and_replays_what_a_client_missed(running, served):
    url = f"{running.url}/api/lineage/events"
    _, _, captures = served.store.capture_feed(0)
    first = captures[0]["id"]
    with EventReader(url, served.tokens.header(), last_event_id=str(first)) as reader:
        replayed = [reader.wait("run_captured") for _ in captures[1:]]
        assert [event.data["runId"] for event in replayed] == ["run-2", "run-3", "run-4"]
        reader.wait("comment", "heartbeat", timeout=5 * FAST["heartbeat_seconds"])
        record_run(served.store, "run-10")
        assert reader.wait("run_captured").data["runId"] == "run-10"


def test_stopping_the_server_ends_open_streams(served):
    server = start(store=served.store, **FAST)
    with EventReader(f"{server.url}/api/lineage/events", served.tokens.header()) as reader:
        reader.wait("comment", "connected")
        began = time.monotonic()
        server.stop()
        assert not server.thread.is_alive()
        assert reader.ended.wait(5)
        assert time.monotonic() - began < 5


@pytest.fixture(name="lineage_serve")
def fixture_lineage_serve(served):
    """``lineage_serve(*options)``: ``lineage serve`` in its own process, and its URL."""
    started: list[subprocess.Popen] = []

    def launch(*options: str) -> tuple[subprocess.Popen, str]:
        command = [str(Path(sys.executable).parent / "lineage"), "--db", served.url, "serve"]
        process = subprocess.Popen(
            [*command, "--port", "0", *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process, _served_url(process)

    yield launch
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _served_url(process: subprocess.Popen) -> str:
    """The URL ``lineage serve`` prints once bound; its other output is drained after."""
    lines: list[str] = []
    found = threading.Event()

    def read() -> None:
        for line in process.stderr:
            lines.append(line)
            if "Lineage explorer on " in line:
                found.set()

    threading.Thread(target=read, daemon=True).start()
    assert found.wait(30), "".join(lines)
    url = next(line for line in lines if "Lineage explorer on " in line).split(" on ")[1]
    url = url.split()[0]
    for _ in range(100):  # bound, then uvicorn starts answering
        try:
            httpx.get(f"{url}/api/config", timeout=1)
            return url
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("".join(lines))


def test_lineage_serve_answers_and_stops_on_sigint_with_a_live_client(lineage_serve, served):
    process, url = lineage_serve()
    headers = served.tokens.header()
    assert httpx.get(f"{url}/api/lineage/assets", headers=headers).json()["totalAssets"] == 9
    assert httpx.get(f"{url}/api/lineage/assets").status_code == 401
    with EventReader(f"{url}/api/lineage/events", headers) as reader:
        reader.wait("comment", "connected")
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 0
        assert reader.ended.wait(5)


def test_lineage_serve_without_tokens_stops_on_sigterm(lineage_serve):
    process, url = lineage_serve("--no-auth")
    assert httpx.get(f"{url}/api/lineage/assets").json()["totalAssets"] == 9
    assert httpx.get(f"{url}/api/config").json()["tenant"] == "default"
    process.send_signal(signal.SIGTERM)
    assert process.wait(15) == 0


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.1", "::", "example.com"])
def test_lineage_serve_without_tokens_refuses_a_non_loopback_host(served, host):
    result = CliRunner().invoke(main, ["--db", served.url, "serve", "--no-auth", "--host", host])
    assert result.exit_code == EXIT_ERROR
    assert "--no-auth serves lineage without tokens" in result.stderr


CLIENTS = 20
SECONDS = 5.0
PATHS = [
    "/api/lineage/assets",
    "/api/lineage/assets/warehouse.stg.orders",
    "/api/lineage/assets/warehouse.main.orders/downstream",
    "/api/lineage/assets/warehouse.stg.orders/full",
    "/api/lineage/assets/warehouse.stg.orders/impact",
    "/api/lineage/assets/warehouse.stg.orders/columns",
]


def hammer(url: str, headers: dict[str, str], until: float) -> Iterator[tuple[float, bool]]:
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        turn = 0
        while time.monotonic() < until:
            path = PATHS[turn % len(PATHS)]
            turn += 1
            began = time.perf_counter()
            try:
                good = client.get(path).status_code == 200
            except httpx.HTTPError:
                good = False
            yield time.perf_counter() - began, good


def test_twenty_concurrent_clients_get_no_errors(running, served):
    results: list[list[tuple[float, bool]]] = [[] for _ in range(CLIENTS)]
    until = time.monotonic() + SECONDS
    threads = [
        threading.Thread(
            target=lambda i=i: results[i].extend(hammer(running.url, served.tokens.header(), until))
        )
        for i in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(SECONDS + 60)
    timings = sorted(seconds for client in results for seconds, _ in client)
    errors = sum(not good for client in results for _, good in client)
    p50, p95 = statistics.median(timings), timings[int(len(timings) * 0.95)]
    print(f"{len(timings)} requests, p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    assert errors == 0
    assert all(client for client in results)
