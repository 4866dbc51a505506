"""Traversal benchmark: walks, impact and the impact cache on large graphs, on both backends.

Three graphs are recorded through the public store API (``record_edges`` with Dagster job and
op context, one job per layer):

1. ``layered``: 20 layers x 5,000 assets, every asset outside layer 0 fed by 3-5 assets of
   the previous layer (~380,000 edges);
2. ``cycles``: the same graph plus 1% back-edges (to an asset of an earlier layer);
3. ``diamond``: hub0 -> 8 middles -> hub1 -> 8 middles -> ... -> hub10.

It prints the median and p95 of 15-level walks grouped by reach size, three ways: the walk
(its answer's models not built: they are built when read), the walk and its JSON bytes (what
a server sends, ``to_json_bytes()``), and, once per root, the walk with its nodes and edges
read. Then cached and live impact, a full and an incremental refresh of the impact cache
(time and peak memory), and the design document's ``UNION ALL`` recursive query. Beside the
walks, an in-memory BFS over the same edges (plain dict adjacency and visited set), with the
store's ratio to that BFS, and to that BFS followed by the same work (the same answer's
models, or its JSON, by the store's own constructor): the second ratio is what the store adds
over walking in memory and answering in Python.

Graphs are built once and kept (PostgreSQL databases ``lineage_bench_<graph>``, SQLite files
under ``--sqlite-dir``): a rerun reuses a store that already holds the same graph. The graphs
and their stores are in ``graph_stores.py``; the measurements stay together here (about 700
lines) because they share one row type, one BFS baseline and one table.

With ``--assets N`` it runs one layered graph of N assets instead (20 layers, 3-5 parents;
databases ``lineage_bench_scale_N``), and adds the sizes of the database and of the cache's
tables before and after one stale-and-refresh cycle (the incremental refresh's 100 edges).

    .venv/bin/python benchmarks/traversal.py --backend both
    .venv/bin/python benchmarks/traversal.py --quick --backend sqlite --json /tmp/bench.json
    .venv/bin/python benchmarks/traversal.py --assets 1000000 --backend postgres --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from graph_stores import (
    Graph,
    Layered,
    Target,
    asset_name,
    graphs,
    layered_graph,
    open_built,
    targets,
)

from lineage_core import open_store
from lineage_core.models import deferred_parts
from lineage_core.store import LineageStore
from lineage_core.store.held import DEFAULT_HELD_EDGES
from lineage_core.store.rows import Walk, WalkColumns, edge_groups, gc_paused, lineage_graph

DEPTH = 15
BUILD_MARKER = "benchmark-build"
GENERATOR_VERSION = 1
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

# -- measurements ----------------------------------------------------------------------------


@dataclass
class Row:
    backend: str
    graph: str
    measure: str
    group: str = ""
    samples: list[float] = field(default_factory=list)  # seconds
    reach: float | None = None  # mean assets reached
    edges: float | None = None  # mean edges returned
    bfs: list[float] = field(default_factory=list)  # seconds
    answer: list[float] = field(default_factory=list)  # seconds: BFS plus the answer's models
    target_ms: float | None = None
    note: str = ""

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.samples) * 1000 if self.samples else None

    @property
    def p95_ms(self) -> float | None:
        return _p95(self.samples) * 1000 if self.samples else None

    @property
    def bfs_ms(self) -> float | None:
        return statistics.median(self.bfs) * 1000 if self.bfs else None

    @property
    def ratio(self) -> float | None:
        if self.samples and self.bfs:
            return statistics.median(self.samples) / max(statistics.median(self.bfs), 1e-9)
        return None

    @property
    def answer_ms(self) -> float | None:
        return statistics.median(self.answer) * 1000 if self.answer else None

    @property
    def answer_ratio(self) -> float | None:
        if self.samples and self.answer:
            return statistics.median(self.samples) / max(statistics.median(self.answer), 1e-9)
        return None

    @property
    def met(self) -> str:
        if self.target_ms is None or not self.samples:
            return ""
        return "yes" if self.median_ms <= self.target_ms else "NO"

    def as_json(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "graph": self.graph,
            "measure": self.measure,
            "group": self.group,
            "n": len(self.samples),
            "median_ms": self.median_ms,
            "p95_ms": self.p95_ms,
            "reach": self.reach,
            "edges": self.edges,
            "bfs_median_ms": self.bfs_ms,
            "ratio_vs_bfs": self.ratio,
            "bfs_and_models_median_ms": self.answer_ms,
            "ratio_vs_bfs_and_models": self.answer_ratio,
            "target_ms": self.target_ms,
            "met": self.met,
            "note": self.note,
        }


def _p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered) + 0.5) - 1))]


def reach_group(reached: int) -> str:
    if reached == 0:
        return "0"
    if reached < 1_000:
        return "<1k"
    if reached < 10_000:
        return "1k-10k"
    if reached < 40_000:
        return "10k-40k"
    return ">=40k"


_GROUP_ORDER = {"0": 0, "<1k": 1, "1k-10k": 2, "10k-40k": 3, ">=40k": 4}
_WALK_TARGETS = {"0": 5.0, "<1k": 5.0, ">=40k": 100.0}
_JSON_TARGETS = {">=40k": 150.0}  # the walk and its JSON bytes


class Bfs:
    """The yardstick: plain dict adjacency and a visited set, loaded once (assets numbered,
    as the store's ids are)."""

    def __init__(self, edges: Iterable[dict[str, Any]]) -> None:
        self.ids: dict[str, int] = {}
        self.down: dict[int, list[tuple]] = {}
        self.up: dict[int, list[tuple]] = {}
        for e in edges:
            source = self.ids.setdefault(e["source"], len(self.ids))
            target = self.ids.setdefault(e["target"], len(self.ids))
            row = (source, target, e.get("job"), e.get("op"), e.get("transformation"))
            self.down.setdefault(source, []).append(row)
            self.up.setdefault(target, []).append(row)
        self.names = list(self.ids)

    def walk(
        self, root: str, direction: str, max_depth: int = DEPTH
    ) -> tuple[dict[int, int], list[tuple]]:
        """Each asset at its shortest depth, and every edge out of the assets expanded."""
        adjacency = self.down if direction == "downstream" else self.up
        far = 1 if direction == "downstream" else 0
        start = self.ids[root]
        seen = {start: 0}
        edges: list[tuple] = []
        frontier = [start]
        for depth in range(1, max_depth + 1):
            following = []
            for asset in frontier:
                for edge in adjacency.get(asset, ()):
                    edges.append(edge)
                    other = edge[far]
                    if other not in seen:
                        seen[other] = depth
                        following.append(other)
            if not following:
                break
            frontier = following
        del seen[start]
        return seen, edges

    def answer(self, root: str, direction: str, max_depth: int = DEPTH) -> Any:
        """The same walk turned into the store's answer, by the store's own constructor
        (its columns, from which nodes, edges and JSON are built when asked for)."""
        depths, edges = self.walk(root, direction, max_depth)
        names = self.names
        info = {
            asset: (names[asset].rsplit(".", 1)[-1], names[asset], "table")
            for asset in [self.ids[root], *depths]
        }
        jobs = {job: ("bench", job) for job in {edge[2] for edge in edges}}
        walk = Walk(depths, edge_groups(edges), False)
        return lineage_graph(direction, self.ids[root], root, max_depth, walk, info, jobs)

    def models(self, root: str, direction: str) -> Any:
        """The answer with its pydantic models built: what any Python API returning this
        graph as models pays on top of the walk itself."""
        return read_models(self.answer(root, direction))

    def json(self, root: str, direction: str) -> bytes:
        """The answer's JSON, written as the store writes its own."""
        return self.answer(root, direction).to_json_bytes()


def edge_count(graph: Any) -> int:
    """How many edges an answer holds, without building them."""
    parts = deferred_parts(graph)
    if isinstance(parts, WalkColumns):
        return sum(len(group[3]) for group in parts.groups)
    return len(graph.edges)


def read_models(graph: Any) -> Any:
    graph.nodes, graph.edges  # noqa: B018 (built when first read)
    return graph


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def measure_walks(
    store: LineageStore, graph: Graph, bfs: Bfs, backend: str, repeat: int, check: bool
) -> list[Row]:
    """Per direction and reach: the store's walk (its answer's models unbuilt), the same
    walk and its JSON bytes (what a server sends), and, once per root, the walk with its
    models read; each beside the in-memory BFS and the BFS plus the same work."""
    rows: dict[tuple[str, str, str], Row] = {}
    sizes: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for direction in ("downstream", "upstream"):
        walk = store.downstream if direction == "downstream" else store.upstream
        for label, root in graph.roots:
            walk(root)  # warm the caches once (first touch of the root's pages)
            for attempt in range(repeat):
                measures = [
                    ("", lambda walk=walk, root=root: walk(root), bfs.models),
                    (", JSON", lambda walk=walk, root=root: walk(root).to_json_bytes(), bfs.json),
                ]
                if attempt == 0:
                    measures.append(
                        (
                            ", models",
                            lambda walk=walk, root=root: read_models(walk(root)),
                            bfs.models,
                        )
                    )
                for kind, run_store, run_answer in measures:
                    seconds, result = timed(run_store)
                    # The baselines run with the cyclic garbage collector paused, as the
                    # store's walks do (collections over a large answer's objects would
                    # dominate).
                    with gc_paused():
                        bfs_seconds, (depths, edges) = timed(
                            lambda root=root, direction=direction: bfs.walk(root, direction)
                        )
                        answer_seconds, _ = timed(
                            lambda root=root, direction=direction, run=run_answer: run(
                                root, direction
                            )
                        )
                    if kind == ", models" and check and not result.truncated:
                        _check(result, bfs, depths, edges, root, direction)
                    if kind == "":
                        size = (result.total_nodes, edge_count(result))
                    group = label if graph.name == "diamond" else reach_group(size[0])
                    key = (direction, kind, group)
                    row = rows.setdefault(
                        key,
                        Row(
                            backend,
                            graph.name,
                            f"{direction} {DEPTH} levels{kind}",
                            group,
                            target_ms=_walk_target(graph.name, kind, group),
                        ),
                    )
                    row.samples.append(seconds)
                    row.bfs.append(bfs_seconds)
                    row.answer.append(answer_seconds)
                    sizes.setdefault(key, []).append(size)
    for key, row in rows.items():
        row.reach = statistics.mean(r for r, _ in sizes[key])
        row.edges = statistics.mean(e for _, e in sizes[key])
        row.note = _WALK_NOTES[key[1]]
    return sorted(rows.values(), key=lambda r: (r.measure, _GROUP_ORDER.get(r.group, 9), r.group))


def measure_held_walks(
    target: Target, graph: Graph, bfs: Bfs, repeat: int, check: bool
) -> list[Row]:
    """The same walks through a store that holds the graph in memory (as ``lineage serve``
    does), after timing the load of that copy."""
    with open_store(target.url, hold_graph=DEFAULT_HELD_EDGES) as held:
        seconds, loaded = timed(held.load_graph)
        load = Row(
            target.backend,
            graph.name,
            "hold the graph in memory (load)",
            f"{graph.edge_count:,} edges",
            [seconds],
            note="loaded" if loaded else f"not held: over {DEFAULT_HELD_EDGES:,} edges",
        )
        if not loaded:
            return [load]
        walked = measure_walks(held, graph, bfs, f"{target.backend}, held", repeat, check)
        if held._ctx.held.hits < sum(len(row.samples) for row in walked):
            raise SystemExit("a walk of the held store went to the database")
    return [load, *walked]


_WALK_NOTES = {
    "": "models unbuilt; bfs+models: BFS and the models built",
    ", JSON": "walk and to_json_bytes(); bfs+models: BFS and the same JSON from its columns",
    ", models": "walk and its nodes and edges read; bfs+models: BFS and the models built",
}


def _walk_target(graph: str, kind: str, group: str) -> float | None:
    if kind == ", JSON":
        return _JSON_TARGETS.get(group)
    if kind == ", models":
        return None
    return 5.0 if graph == "diamond" else _WALK_TARGETS.get(group)


def _check(
    result: Any, bfs: Bfs, depths: dict[int, int], edges: list[tuple], root: str, direction: str
) -> None:
    got = {node.qualified_name: node.depth for node in result.nodes}
    want = {bfs.names[asset]: depth for asset, depth in depths.items()}
    if got != want or len(result.edges) != len(edges) or result.truncated:
        raise SystemExit(
            f"store and BFS disagree on the {direction} walk from {root}: "
            f"{len(got)} vs {len(want)} assets, {len(result.edges)} vs {len(edges)} edges"
        )


def measure_impact(
    store: LineageStore, graph: Graph, backend: str, repeat: int, live: bool
) -> list[Row]:
    rows: dict[str, Row] = {}
    kind = "live" if live else "cached"
    for _, root in graph.roots:
        store.impact(root, live=live)
        for _ in range(repeat):
            seconds, result = timed(lambda root=root: store.impact(root, live=live))
            if result.cached == live:
                raise SystemExit(f"impact({root}, live={live}) answered cached={result.cached}")
            group = reach_group(result.total_impacted_assets)
            row = rows.setdefault(
                group,
                Row(
                    backend,
                    graph.name,
                    f"impact {kind}",
                    group,
                    target_ms=10.0 if not live else None,
                ),
            )
            row.samples.append(seconds)
            row.reach = result.total_impacted_assets if row.reach is None else row.reach
    for row in rows.values():
        row.note = "counts, jobs, first page of 100"
    return sorted(rows.values(), key=lambda r: _GROUP_ORDER.get(r.group, 9))


def refresh_in_child(url: str) -> dict[str, Any]:
    """A full refresh in a fresh process, to read its peak RSS."""
    out = subprocess.run(
        [sys.executable, __file__, "--refresh-child", url],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes(pid: int | str = "self") -> int:
    """A process's own peak RSS (``VmHWM``). Not ``ru_maxrss``: Linux carries the peak of
    the process that spawned it across ``execve``, so a refresh started from this benchmark
    (or a worker started by the refresh) would report its parent's peak when larger."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


class WorkerPeaks:
    """The peak RSS of this process's child processes, read every 20 ms while they run (the
    last 20 ms of a worker's life may go unseen): each one's ``VmHWM``, the largest kept."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> WorkerPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.02):
            for task in Path(f"/proc/{me}/task").iterdir():
                try:
                    children = (task / "children").read_text().split()
                    self.peak = max([self.peak, *(peak_rss_bytes(pid) for pid in children)])
                except OSError:  # a thread or a child that ended meanwhile
                    continue


def refresh_child(url: str) -> None:
    store = open_store(url)
    before = _rss_bytes()
    started, cpu = time.perf_counter(), time.process_time()
    stages: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        stages.setdefault(stage, time.perf_counter() - started)

    with WorkerPeaks() as workers:
        result = store.refresh_impact_cache(stale_only=False, progress=progress)
    seconds = time.perf_counter() - started
    peak = peak_rss_bytes()
    store.close()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": time.process_time() - cpu,
                "write_seconds": seconds - stages.get("write", seconds),
                "entries": result.entries_refreshed,
                "estimated": result.entries_estimated,
                "method": result.method,
                "rss_before": before,
                "rss_peak": peak,
                "worker_rss_peak": workers.peak,
            }
        )
    )


def measure_refresh(
    store: LineageStore, target: Target, graph: Graph, log: Callable[[str], None]
) -> list[Row]:
    child = refresh_in_child(target.url)
    peak_gib = child["rss_peak"] / 2**30
    worker_gib = child["worker_rss_peak"] / 2**30
    delta_gib = (child["rss_peak"] - child["rss_before"]) / 2**30
    log(
        f"  full refresh {child['seconds']:.1f} s, peak RSS {peak_gib:.2f} GiB "
        f"+ {worker_gib:.2f} GiB in its worker process"
    )
    full = Row(
        target.backend,
        graph.name,
        "cache refresh full",
        f"{child['entries']:,} entries",
        [child["seconds"]],
        target_ms=60_000.0 if graph.name != "diamond" else None,
        note=(
            f"{child['method']}, {child['estimated']:,} with estimates; "
            f"writing ~{child['write_seconds']:.0f} s of it; "
            f"client CPU {child['cpu_seconds']:.0f} s; peak RSS {peak_gib:.2f} GiB "
            f"(+{delta_gib:.2f} GiB over the process before refreshing; VmHWM) "
            f"plus {worker_gib:.2f} GiB in its worker process (0: none was started)"
        ),
    )
    return [full]


def incremental_edges(graph: Graph, count: int = 100) -> list[dict[str, Any]]:
    spec = graph.spec
    assert isinstance(spec, Layered)
    existing = {(e["source"], e["target"]) for e in graph.edges}
    rng = random.Random(spec.seed + 2)
    edges: list[dict[str, Any]] = []
    while len(edges) < count:
        layer = rng.randrange(1, spec.layers)
        source = asset_name(layer - 1, rng.randrange(spec.width))
        target = asset_name(layer, rng.randrange(spec.width))
        if (source, target) in existing:
            continue
        existing.add((source, target))
        edges.append(
            {
                "source": source,
                "target": target,
                "job": "bench_incremental",
                "op": "new_edge",
                "code_location": "bench",
            }
        )
    return edges


def sizes(target: Target) -> dict[str, int]:
    """Bytes of the database, of the cache's entries and of its stale marks (dead row versions
    included: what a stale-and-refresh cycle leaves behind)."""
    tables = ("lineage_impact_cache", "lineage_cache_stale")
    if target.backend == "postgres":
        with psycopg.connect(target.conninfo) as conn:
            row = conn.execute(
                "SELECT pg_database_size(current_database()),"
                " pg_total_relation_size(%s), pg_total_relation_size(%s)",
                tables,
            ).fetchone()
        return dict(zip(("database", *tables), row, strict=True))
    conn = sqlite3.connect(target.path)
    try:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        found = {"database": conn.execute("PRAGMA page_count").fetchone()[0] * page}
        for table in tables:  # the table and its indexes, by pages (the dbstat table)
            found[table] = conn.execute(
                "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?"
                " OR name IN (SELECT name FROM sqlite_master WHERE tbl_name = ?)",
                (table, table),
            ).fetchone()[0]
        return found
    finally:
        conn.close()


def _mb(found: dict[str, int]) -> str:
    return ", ".join(
        f"{name.removeprefix('lineage_')} {size / 2**20:,.0f} MB" for name, size in found.items()
    )


def measure_incremental(
    store: LineageStore, target: Target, graph: Graph, log: Callable[[str], None]
) -> list[Row]:
    backend = target.backend
    edges = incremental_edges(graph)
    before = sizes(target)
    record_seconds, recorded = timed(lambda: store.record_edges(edges))
    stale = store.stale_cache_entries()
    refresh_seconds, result = timed(lambda: store.refresh_impact_cache())
    after = sizes(target)
    log(
        f"  incremental: recorded 100 edges in {record_seconds:.2f} s "
        f"({recorded.cache_entries_marked_stale:,} marked stale), refresh {refresh_seconds:.1f} s"
        f"; sizes before {before}, after {after}"
    )
    # Put the graph back as it was built (the edges are retired: walks ignore them).
    ids = [
        edge.id
        for source in sorted({e["source"] for e in edges})
        for edge in store.edges(source)
        if edge.job == "bench_incremental"
    ]
    store.retire_edges(ids)
    return [
        Row(
            backend,
            graph.name,
            "record 100 new edges",
            f"{recorded.cache_entries_marked_stale:,} marked stale",
            [record_seconds],
            note="marks are rows of their own: no cache entry is written",
        ),
        Row(
            backend,
            graph.name,
            "cache refresh incremental",
            f"{stale:,} stale entries",
            [refresh_seconds],
            target_ms=5_000.0,
            note=(
                f"{result.method}, {result.entries_refreshed:,} entries recomputed, "
                f"{result.entries_changed:,} written"
            ),
        ),
        Row(backend, graph.name, "sizes before the cycle", "", note=_mb(before)),
        Row(backend, graph.name, "sizes after record and refresh", "", note=_mb(after)),
    ]


# -- the design document's UNION ALL recursion -------------------------------------------------

_UNION_ALL = {
    "downstream": """
WITH RECURSIVE downstream AS (
    SELECT le.target_id AS asset_id, le.source_id AS parent_id, da.asset_name,
           da.qualified_name, da.asset_type, le.job_id, le.transformation_type, 1 AS depth
    FROM lineage_edges le
    JOIN lineage_assets da ON le.target_id = da.id
    WHERE le.source_id = {root}
    UNION ALL
    SELECT le.target_id, le.source_id, da.asset_name, da.qualified_name, da.asset_type,
           le.job_id, le.transformation_type, d.depth + 1
    FROM lineage_edges le
    JOIN lineage_assets da ON le.target_id = da.id
    JOIN downstream d ON le.source_id = d.asset_id
    WHERE d.depth < {depth}
)
SELECT DISTINCT asset_id, asset_name, qualified_name, asset_type, job_id,
       transformation_type, depth
FROM downstream
ORDER BY depth, asset_name""",
    "upstream": """
WITH RECURSIVE upstream AS (
    SELECT le.source_id AS asset_id, le.target_id AS child_id, da.asset_name,
           da.qualified_name, da.asset_type, le.job_id, le.transformation_type, 1 AS depth
    FROM lineage_edges le
    JOIN lineage_assets da ON le.source_id = da.id
    WHERE le.target_id = {root}
    UNION ALL
    SELECT le.source_id, le.target_id, da.asset_name, da.qualified_name, da.asset_type,
           le.job_id, le.transformation_type, u.depth + 1
    FROM lineage_edges le
    JOIN lineage_assets da ON le.source_id = da.id
    JOIN upstream u ON le.target_id = u.asset_id
    WHERE u.depth < {depth}
)
SELECT DISTINCT asset_id, asset_name, qualified_name, asset_type, job_id,
       transformation_type, depth
FROM upstream
ORDER BY depth, asset_name""",
}


def union_all(
    target: Target, root_id: int, direction: str, limit: float
) -> tuple[float | None, int]:
    """(seconds or None when it ran past ``limit``, distinct rows)."""
    if target.backend == "postgres":
        query = _UNION_ALL[direction].format(root="%(root)s", depth="%(depth)s")
        with psycopg.connect(target.conninfo) as conn:
            conn.execute(
                "SELECT set_config('statement_timeout', %s, false)", [str(int(limit * 1000))]
            )
            try:
                seconds, rows = timed(
                    lambda: conn.execute(query, {"root": root_id, "depth": DEPTH}).fetchall()
                )
            except psycopg.errors.QueryCanceled:
                return None, 0
            return seconds, len(rows)
    query = _UNION_ALL[direction].format(root=":root", depth=":depth")
    conn = sqlite3.connect(target.path)
    try:
        deadline = time.monotonic() + limit
        conn.set_progress_handler(lambda: time.monotonic() > deadline, 100_000)
        try:
            seconds, rows = timed(
                lambda: conn.execute(query, {"root": root_id, "depth": DEPTH}).fetchall()
            )
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                return None, 0
            raise
        return seconds, len(rows)
    finally:
        conn.close()


def union_roots(graph: Graph) -> list[tuple[str, str, str]]:
    """(label, root, direction): a few roots, from a small reach to the explosive ones."""
    if graph.name == "diamond":
        return [("hub0", graph.roots[0][1], "downstream")]
    by_layer: dict[str, str] = {}
    for label, root in graph.roots:
        by_layer.setdefault(label, root)
    wanted = [("layer 15", "downstream"), ("layer 10", "downstream"), ("layer 0", "downstream")]
    return [(label, by_layer[label], direction) for label, direction in wanted if label in by_layer]


def measure_union_all(
    store: LineageStore, target: Target, graph: Graph, limit: float, log: Callable[[str], None]
) -> list[Row]:
    rows = []
    for label, root, direction in union_roots(graph):
        root_id = store.get_asset(root).id
        store_seconds, result = timed(
            lambda root=root, direction=direction: (
                store.downstream(root) if direction == "downstream" else store.upstream(root)
            )
        )
        seconds, count = union_all(target, root_id, direction, limit)
        if seconds is None:
            note = f"did not finish in {limit:g} s"
            log(f"  UNION ALL {direction} from {label}: {note}")
        else:
            note = f"{count:,} distinct (asset, job, depth) rows"
        rows.append(
            Row(
                target.backend,
                graph.name,
                f"UNION ALL {direction}",
                label,
                [seconds] if seconds is not None else [],
                reach=result.total_nodes,
                bfs=[],
                note=f"{note}; store walk {store_seconds * 1000:.1f} ms",
            )
        )
    return rows


# -- output ----------------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def print_table(rows: list[Row], out: Any = sys.stdout) -> None:
    header = (
        "backend",
        "graph",
        "measure",
        "group",
        "n",
        "reach",
        "edges",
        "median ms",
        "p95 ms",
        "bfs ms",
        "x bfs",
        "bfs+models ms",
        "x bfs+models",
        "target ms",
        "met",
        "note",
    )
    lines = [header]
    for r in rows:
        lines.append(
            (
                r.backend,
                r.graph,
                r.measure,
                r.group,
                str(len(r.samples)),
                _fmt(r.reach, 0),
                _fmt(r.edges, 0),
                _fmt(r.median_ms, 2),
                _fmt(r.p95_ms, 2),
                _fmt(r.bfs_ms, 2),
                _fmt(r.ratio, 2),
                _fmt(r.answer_ms, 2),
                _fmt(r.answer_ratio, 2),
                _fmt(r.target_ms, 0),
                r.met,
                r.note,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    for line in lines:
        cells = [
            cell.rjust(width) if 4 <= i <= 13 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=False))
        ]
        print("  ".join([*cells, line[-1]]).rstrip(), file=out)


# -- main ------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> list[Row]:
    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    rows: list[Row] = []
    chosen = (
        [layered_graph(f"scale_{args.assets}", Layered(width=args.assets // 20))]
        if args.assets
        else graphs(args.quick)
    )
    for graph in chosen:
        if args.assets:  # a layer-0 asset no edge reads from was never recorded
            recorded = {name for e in graph.edges for name in (e["source"], e["target"])}
            graph.roots = [(label, root) for label, root in graph.roots if root in recorded]
        if args.graphs and graph.name not in args.graphs:
            continue
        log(f"{graph.name}: {graph.assets:,} assets, {graph.edge_count:,} edges")
        bfs = Bfs(graph.edges)
        for target in targets(args, graph):
            store, built = open_built(target, graph, args.rebuild, log)
            try:
                rows.append(
                    Row(
                        target.backend,
                        graph.name,
                        "build (record_edges)",
                        f"{graph.edge_count:,} edges",
                        [built] if built is not None else [],
                        note="reused the stored graph"
                        if built is None
                        else (f"{graph.edge_count / built:,.0f} edges/s"),
                    )
                )
                if graph.name != "diamond" and not args.skip_refresh:
                    rows += measure_refresh(store, target, graph, log)
                if not args.skip_walks:
                    log(f"  walks on {target.backend}")
                    rows += measure_walks(
                        store, graph, bfs, target.backend, args.repeat, args.check
                    )
                if not args.skip_held and not args.skip_walks:
                    log(f"  walks on {target.backend}, the graph held in memory")
                    rows += measure_held_walks(target, graph, bfs, args.repeat, args.check)
                if graph.name != "diamond" and not args.skip_refresh:
                    log(f"  impact on {target.backend}")
                    rows += measure_impact(store, graph, target.backend, args.repeat, live=False)
                    rows += measure_impact(store, graph, target.backend, 1, live=True)
                if graph.name in ("layered", f"scale_{args.assets}") and not args.skip_refresh:
                    rows += measure_incremental(store, target, graph, log)
                if not args.skip_union:
                    rows += measure_union_all(store, target, graph, args.union_timeout, log)
            finally:
                store.close()
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="a scaled-down graph (~6k assets)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LINEAGE_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a server where lineage_bench_* databases may be created and dropped",
    )
    parser.add_argument("--sqlite-dir", default="/tmp/lineage_bench")
    parser.add_argument("--graphs", nargs="*", choices=("layered", "cycles", "diamond"))
    parser.add_argument(
        "--skip-held", action="store_true", help="skip the walks of a graph held in memory"
    )
    parser.add_argument(
        "--skip-walks", action="store_true", help="skip the walks (the impact cache's figures only)"
    )
    parser.add_argument(
        "--assets",
        type=int,
        metavar="N",
        help="only a layered graph of N assets (20 layers, 3-5 parents), database scale_N",
    )
    parser.add_argument(
        "--repeat", type=int, default=None, help="timed walks per root (3; quick 2)"
    )
    parser.add_argument("--rebuild", action="store_true", help="record the graphs again")
    parser.add_argument("--union-timeout", type=float, default=None, help="seconds (60; quick 2)")
    parser.add_argument("--skip-union", action="store_true")
    parser.add_argument("--skip-refresh", action="store_true")
    parser.add_argument(
        "--no-check",
        dest="check",
        action="store_false",
        help="do not compare each walk with the in-memory BFS",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--refresh-child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.refresh_child:
        refresh_child(args.refresh_child)
        return
    if args.union_timeout is None:
        args.union_timeout = 2.0 if args.quick else 60.0
    if args.repeat is None:
        args.repeat = 2 if args.quick else 3
    load_before = os.getloadavg()
    rows = run(args)
    load_after = os.getloadavg()
    print_table(rows)
    print(
        f"load average (1/5/15 min) before {'/'.join(f'{x:.1f}' for x in load_before)}, "
        f"after {'/'.join(f'{x:.1f}' for x in load_after)} on {os.cpu_count()} CPUs; "
        "walk ratios compare medians of the store and of the in-memory BFS run back to back; "
        "bfs+models adds to the BFS the same work on its result (the answer's models, or "
        "its JSON, as each row's note says)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps([row.as_json() for row in rows], indent=2) + "\n")


if __name__ == "__main__":
    main()
