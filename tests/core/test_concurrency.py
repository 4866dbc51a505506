"""Several processes on one store: a refresh racing writers never commits a wrong fresh
entry, reads one snapshot, and writers never collide (deadlocks, duplicate keys).

Each race is driven in a bounded loop (a count and a deadline) or, for the refresh's write
window, deterministically from inside it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from lineage_core import open_store

ETL = {"job": "etl", "code_location": "loc"}
LINEAGE = str(Path(sys.executable).parent / "lineage")


def _run_threads(targets: list[Callable[[], None]], deadline: float) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as exc:  # every failure is the test's to report
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(target)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + 1)
        assert not thread.is_alive(), "a thread was still running at the deadline"
    return errors


def _fresh_entries_are_right(store, names) -> None:
    """Every fresh cache entry equals the live answer for the graph as committed."""
    for name in names:
        cached = store.impact(name)
        if not cached.cached:
            continue
        live = store.impact(name, live=True)
        assert (cached.total_impacted_assets, cached.counts_by_depth) == (
            live.total_impacted_assets,
            live.counts_by_depth,
        ), name
        assert cached.affected_workflows == live.affected_workflows, name


def test_a_write_inside_the_refresh_write_window_never_leaves_a_wrong_fresh_entry(store_url):
    """Edges a->b->c and the store's first refresh; while it writes its entries, another
    process records c->d. Before the fix the refresh's new rows were invisible to the
    writer's stale marking and committed fresh: impact(a) said 2 downstream, live 3."""
    with open_store(store_url) as store:
        store.record_edge("w.a", "w.b", op="load", **ETL)
        store.record_edge("w.b", "w.c", op="model", **ETL)

        writer_done = threading.Event()

        def record_downstream() -> None:
            with open_store(store_url) as other:
                other.record_edge("w.c", "w.d", job="reports", op="publish", code_location="loc")
            writer_done.set()

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "write" and done == total and not writer_done.is_set():
                thread = threading.Thread(target=record_downstream)
                thread.start()
                writer_done.wait(1.0)  # the window: the writer runs now, or waits for us

        store.refresh_impact_cache(method="bfs", progress=progress)
        assert writer_done.wait(30), "the writer never finished"
        live = store.impact("w.a", live=True)
        cached = store.impact("w.a")
        assert live.total_impacted_assets == 3
        assert not cached.cached or cached.total_impacted_assets == 3
        _fresh_entries_are_right(store, ["w.a", "w.b", "w.c", "w.d"])
        store.refresh_impact_cache()
        assert store.impact("w.a").cached and store.impact("w.a").total_impacted_assets == 3


@pytest.mark.postgres
def test_refreshes_read_one_snapshot_while_new_tables_are_recorded(postgres_url):
    """A refresh used to read assets, then edges, in separate statements: edges recorded
    in between pointed at assets it had not read (a raw KeyError in most refreshes)."""
    with open_store(postgres_url) as store:
        store.record_edges(
            [{"source": f"s.t{i}", "target": f"s.t{i + 1}", **ETL} for i in range(200)]
        )
    stop = time.monotonic() + 20
    refreshes = {"done": 0}

    def keep_writing() -> None:
        with open_store(postgres_url) as writer:
            n = 0
            while time.monotonic() < stop and refreshes["done"] < 25:
                writer.record_edges(
                    [{"source": f"s.t{n}", "target": f"n.new{n}_{k}", **ETL} for k in range(20)]
                )
                n += 1

    def keep_refreshing() -> None:
        with open_store(postgres_url) as refresher:
            while time.monotonic() < stop and refreshes["done"] < 25:
                refresher.refresh_impact_cache(stale_only=False, method="bfs", workers=1)
                refreshes["done"] += 1

    errors = _run_threads([keep_writing, keep_refreshing], stop)
    assert errors == []
    assert refreshes["done"] >= 5
    with open_store(postgres_url) as store:
        _fresh_entries_are_right(store, ["s.t0", "s.t100", "s.t199"])


def test_concurrent_writers_and_refreshes_all_succeed(store_url):
    """Writers recording the same new edges between existing assets used to fail on the
    unique key (an import failed outright), and writers and refreshes deadlocked."""
    with open_store(store_url) as store:
        store.record_edges([{"source": f"p.a{i}", "target": f"p.b{i}", **ETL} for i in range(50)])
    stop = time.monotonic() + 25
    rounds = 6

    def writer(name: str) -> Callable[[], None]:
        def run() -> None:
            with open_store(store_url) as mine:
                for round_ in range(rounds):
                    if time.monotonic() > stop:
                        return
                    # The same new edges from every writer, in opposite orders, one run each.
                    edges = [
                        {"source": f"p.b{i}", "target": f"p.c{round_}_{i}", "run_id": f"{name}"
                         f"-{round_}", "op": "fan", **ETL}
                        for i in range(50)
                    ]  # fmt: skip
                    mine.record_edges(edges if name == "w1" else edges[::-1])

        return run

    def refresher() -> None:
        with open_store(store_url) as mine:
            while time.monotonic() < stop:
                mine.refresh_impact_cache(workers=1)
                if mine.stale_cache_entries() == 0:
                    time.sleep(0.05)

    errors = _run_threads([writer("w1"), writer("w2"), writer("w3"), refresher], stop)
    assert errors == [], [f"{type(e).__name__}: {e}" for e in errors]
    with open_store(store_url) as store:
        fan = [e for e in store.edges(limit=100_000) if e.op == "fan"]
        assert len(fan) == rounds * 50
        assert {e.execution_count for e in fan} == {3}  # one run per writer, each counted once
        store.refresh_impact_cache()
        _fresh_entries_are_right(store, ["p.a0", "p.b0", "p.a49"])


PARENT = r"""
import pickle, random, subprocess, sys, tempfile, time
from array import array
from pathlib import Path

random.seed(7)
n = 150_000
sources = array("i", (random.randrange(0, i) for i in range(1, n) for _ in range(3)))
targets = array("i", (i for i in range(1, n) for _ in range(3)))
folder = Path(tempfile.mkdtemp(prefix="lineage-refresh-"))
source, target = folder / "input.pickle", folder / "output.pickle"
with source.open("wb") as file:
    inputs = (sources, targets, array("q", range(1, n + 1)), array("i", range(n)), 15)
    pickle.dump(inputs, file, pickle.HIGHEST_PROTOCOL)
from lineage_core.store.reach_worker import command
worker = subprocess.Popen(command(str(source), str(target)))
print(worker.pid, folder, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize("after", [0.05, 0.5, 2.0])  # importing, reading, computing
def test_a_killed_refresh_leaves_no_worker_and_no_files_behind(after):
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        worker_pid, folder = parent.stdout.readline().split()
        worker = int(worker_pid)
        time.sleep(after)
        assert _alive(worker), "the worker finished before the test could kill its parent"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while (_alive(worker) or Path(folder).exists()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(worker), "the worker outlived its parent"
        assert not Path(folder).exists(), "the worker's files were left behind"
    finally:
        parent.kill()


def test_reading_a_sqlite_store_does_not_wait_for_a_writer(sqlite_url, tmp_path):
    """Every open used to take the write lock for migrations: `lineage assets` waited 30 s
    for another process's write, then failed with "database is locked"."""
    with open_store(sqlite_url) as store:
        store.record_edge("r.a", "r.b", **ETL)
    path = sqlite_url.removeprefix("sqlite:///")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         f"conn = sqlite3.connect({path!r}, isolation_level=None)\n"
         "conn.execute('BEGIN IMMEDIATE')\n"
         "conn.execute(\"UPDATE lineage_assets SET updated_at = updated_at\")\n"
         "print('holding', flush=True)\n"
         "time.sleep(20)\n"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        listed = subprocess.run(
            [LINEAGE, "--db", sqlite_url, "assets", "--json"],
            capture_output=True, text=True, timeout=15,
        )  # fmt: skip
        assert listed.returncode == 0, listed.stderr
        assert time.monotonic() - started < 10
        assert '"r.a"' in listed.stdout
        with open_store(sqlite_url) as store:
            assert {a.qualified_name for a in store.assets()} == {"r.a", "r.b"}
    finally:
        holder.kill()
