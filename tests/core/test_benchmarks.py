"""The traversal benchmark still runs, and still checks its walks against its own BFS."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_traversal_benchmark_runs_and_agrees_with_its_bfs(tmp_path):
    out = tmp_path / "figures.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "traversal.py"),
            "--quick",
            "--backend",
            "sqlite",
            "--graphs",
            "diamond",
            "--sqlite-dir",
            str(tmp_path),
            "--repeat",
            "1",
            "--union-timeout",
            "0.5",
            "--json",
            str(out),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    rows = json.loads(out.read_text())
    walks = {(row["measure"], row["group"]): row for row in rows if "15 levels" in row["measure"]}
    hub0 = walks[("downstream 15 levels", "hub0")]
    assert (hub0["reach"], hub0["edges"]) == (71, 120)
    assert hub0["bfs_median_ms"] is not None and hub0["bfs_and_models_median_ms"] is not None
    union = next(row for row in rows if row["measure"].startswith("UNION ALL"))
    assert "did not finish" in union["note"]  # the design document's query explodes here


def test_a_sized_layered_graph_reports_refreshes_memory_and_sizes(tmp_path):
    out = tmp_path / "figures.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "traversal.py"),
            "--assets",
            "2000",
            "--backend",
            "sqlite",
            "--sqlite-dir",
            str(tmp_path),
            "--repeat",
            "1",
            "--skip-union",
            "--json",
            str(out),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    rows = {row["measure"]: row for row in json.loads(out.read_text())}
    assert rows["cache refresh full"]["group"].endswith(" entries")  # the assets recorded
    assert "worker process" in rows["cache refresh full"]["note"]
    assert "written" in rows["cache refresh incremental"]["note"]
    for measure in ("sizes before the cycle", "sizes after record and refresh"):
        assert "impact_cache" in rows[measure]["note"] and "cache_stale" in rows[measure]["note"]
    assert rows["impact live"]["n"] >= 1 and rows["impact cached"]["n"] >= 1
    assert any(" levels" in measure for measure in rows)  # the walks ran


def test_skip_walks_keeps_the_cache_figures_and_leaves_the_walks_out(tmp_path):
    out = tmp_path / "figures.json"
    subprocess.run(
        [
            sys.executable, str(ROOT / "benchmarks" / "traversal.py"), "--assets", "2000",
            "--backend", "sqlite", "--sqlite-dir", str(tmp_path), "--repeat", "1",
            "--skip-union", "--skip-walks", "--json", str(out),
        ],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    rows = {row["measure"]: row for row in json.loads(out.read_text())}
    assert not [measure for measure in rows if " levels" in measure]
    for measure in ("cache refresh full", "cache refresh incremental", "impact live"):
        assert rows[measure]["n"] >= 1


_PEAKS = """
import subprocess, sys, numpy as np
sys.path.insert(0, sys.argv[1])
from traversal import WorkerPeaks, peak_rss_bytes
import resource
held = np.ones(300 * 2**20 // 8)  # 300 MB in this process, touched
child = "import numpy as np, time; a = np.ones(200 * 2**20 // 8); time.sleep(0.5)"
with WorkerPeaks() as workers:
    subprocess.run([sys.executable, "-c", child], check=True)
own = subprocess.run(
    [sys.executable, "-c", f"import sys; sys.path.insert(0, {sys.argv[1]!r}); "
     "from traversal import peak_rss_bytes; import resource; "
     "print(peak_rss_bytes(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)"],
    check=True, capture_output=True, text=True,
).stdout.split()
print(workers.peak, *own)
"""


def test_peak_memory_is_each_process_own_not_the_one_that_started_it():
    """A process started by a larger one reports that one's peak as its ru_maxrss; the
    benchmark reads each process's own peak, and its workers' while they run."""
    found = subprocess.run(
        [sys.executable, "-c", _PEAKS, str(ROOT / "benchmarks")],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.split()
    worker, own, maxrss = (int(value) for value in found)
    mb = 2**20
    assert 200 * mb <= worker < 290 * mb  # the worker's 200 MB, not this process's 300
    assert own < 200 * mb  # a bare interpreter
    assert maxrss >= 300 * mb  # what ru_maxrss says instead
