"""The benchmark graphs, and the stores that hold them, built once and reused.

``layered`` (20 layers of assets, each outside layer 0 fed by 3-5 assets of the layer
before), ``cycles`` (the same with 1% back-edges) and ``diamond`` (hubs joined by eight
middles each) are generated from a fixed seed and recorded through the public store API, with
Dagster job and op context, one job per layer. A store remembers the fingerprint of the graph
it holds, so a rerun reuses it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from lineage_core import open_store
from lineage_core.store import LineageStore
from lineage_core.store.backends.base import load_migrations

BUILD_MARKER = "benchmark-build"
GENERATOR_VERSION = 1

# -- graphs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layered:
    layers: int = 20
    width: int = 5_000
    min_parents: int = 3
    max_parents: int = 5
    back_fraction: float = 0.0
    seed: int = 20240917
    root_layers: tuple[int, ...] = (0, 2, 5, 10, 15, 19)
    roots_per_layer: int = 5


@dataclass(frozen=True)
class Diamond:
    diamonds: int = 10
    middles: int = 8


@dataclass
class Graph:
    name: str
    spec: Layered | Diamond
    batches: list[list[dict[str, Any]]]  # one record_edges call each (one Dagster job)
    roots: list[tuple[str, str]]  # (label, asset name)
    assets: int

    @property
    def edges(self) -> Iterable[dict[str, Any]]:
        for batch in self.batches:
            yield from batch

    @property
    def edge_count(self) -> int:
        return sum(len(batch) for batch in self.batches)

    @property
    def fingerprint(self) -> str:
        """The generator's parameters and the store's schema: a change of either rebuilds."""
        schema = [
            sql for backend in ("sqlite", "postgres") for _, _, sql in load_migrations(backend)
        ]
        text = json.dumps([GENERATOR_VERSION, self.name, asdict(self.spec), schema], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def asset_name(layer: int, index: int) -> str:
    return f"wh.l{layer:02d}.t{index:05d}"


def layered_graph(name: str, spec: Layered) -> Graph:
    rng = random.Random(spec.seed)
    batches = []
    count = 0
    for layer in range(1, spec.layers):
        batch = []
        for index in range(spec.width):
            parents = rng.sample(range(spec.width), rng.randint(spec.min_parents, spec.max_parents))
            for parent in parents:
                batch.append(
                    {
                        "source": asset_name(layer - 1, parent),
                        "target": asset_name(layer, index),
                        "job": f"layer_{layer:02d}_job",
                        "op": f"build_t{index // 100:03d}",
                        "code_location": "bench",
                        "transformation": "sql",
                        "run_id": f"bench-run-{layer:02d}",
                    }
                )
        batches.append(batch)
        count += len(batch)
    if spec.back_fraction:
        existing = {(e["source"], e["target"]) for batch in batches for e in batch}
        back: list[dict[str, Any]] = []
        wanted = round(count * spec.back_fraction)
        while len(back) < wanted:
            layer = rng.randrange(1, spec.layers)
            source = asset_name(layer, rng.randrange(spec.width))
            target = asset_name(rng.randrange(layer), rng.randrange(spec.width))
            if (source, target) in existing:
                continue
            existing.add((source, target))
            back.append(
                {
                    "source": source,
                    "target": target,
                    "job": "feedback_job",
                    "op": "feed_back",
                    "code_location": "bench",
                    "transformation": "sql",
                    "run_id": "bench-run-feedback",
                }
            )
        batches.append(back)
    pick = random.Random(spec.seed + 1)
    roots = [
        (f"layer {layer}", asset_name(layer, index))
        for layer in spec.root_layers
        if layer < spec.layers
        for index in sorted(pick.sample(range(spec.width), spec.roots_per_layer))
    ]
    return Graph(name, spec, batches, roots, spec.layers * spec.width)


def diamond_graph(spec: Diamond) -> Graph:
    batch = []
    for k in range(spec.diamonds):
        for j in range(1, spec.middles + 1):
            middle = f"wh.diamond.m{k:02d}_{j}"
            for source, target in (
                (f"wh.diamond.hub{k:02d}", middle),
                (middle, f"wh.diamond.hub{k + 1:02d}"),
            ):
                batch.append(
                    {
                        "source": source,
                        "target": target,
                        "job": "diamond_job",
                        "op": f"op_{k:02d}",
                        "code_location": "bench",
                        "transformation": "sql",
                    }
                )
    roots = [
        ("hub0", "wh.diamond.hub00"),
        (f"hub{spec.diamonds}", f"wh.diamond.hub{spec.diamonds:02d}"),
    ]
    assets = spec.diamonds * (spec.middles + 1) + 1
    return Graph("diamond", spec, [batch], roots, assets)


def graphs(quick: bool) -> list[Graph]:
    if quick:
        base = Layered(layers=16, width=400, root_layers=(0, 2, 5, 10, 15), roots_per_layer=3)
    else:
        base = Layered()
    return [
        layered_graph("layered", base),
        layered_graph("cycles", Layered(**{**asdict(base), "back_fraction": 0.01})),
        diamond_graph(Diamond()),
    ]


# -- stores: build once, reuse ---------------------------------------------------------------


def _with_database(url: str, database: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = database
    return psycopg.conninfo.make_conninfo(**info)


def _as_url(conninfo: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(conninfo)
    user = info.get("user", "postgres")
    host = info.get("host", "127.0.0.1")
    port = info.get("port", "5432")
    return f"postgresql://{user}@{host}:{port}/{info['dbname']}"


@dataclass
class Target:
    backend: str
    url: str
    reset: Callable[[], None]
    conninfo: str | None = None  # PostgreSQL: for the UNION ALL connection
    path: str | None = None  # SQLite: for the UNION ALL connection


def targets(args: argparse.Namespace, graph: Graph) -> list[Target]:
    suffix = "_quick" if args.quick else ""
    found = []
    if args.backend in ("sqlite", "both"):
        path = Path(args.sqlite_dir) / f"lineage_bench_{graph.name}{suffix}.db"

        def reset_sqlite(path: Path = path) -> None:
            for extra in ("", "-wal", "-shm"):
                Path(f"{path}{extra}").unlink(missing_ok=True)

        found.append(Target("sqlite", f"sqlite:///{path}", reset_sqlite, path=str(path)))
    if args.backend in ("postgres", "both"):
        database = f"lineage_bench_{graph.name}{suffix}"
        conninfo = _with_database(args.postgres_url, database)

        def reset_postgres(database: str = database) -> None:
            with psycopg.connect(args.postgres_url, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(database)))
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))

        def ensure_postgres(database: str = database) -> None:
            with psycopg.connect(args.postgres_url, autocommit=True) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [database]
                ).fetchone()
                if not exists:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))

        ensure_postgres()
        found.append(Target("postgres", _as_url(conninfo), reset_postgres, conninfo=conninfo))
    return found


def _built(store: LineageStore, graph: Graph) -> bool:
    return any(
        row["run_id"] == f"{BUILD_MARKER}:{graph.name}" and row["status"] == graph.fingerprint
        for row in store.executions(limit=1000)
    )


def open_built(
    target: Target, graph: Graph, rebuild: bool, log: Callable[[str], None]
) -> tuple[LineageStore, float | None]:
    """The store holding ``graph``, recorded now (build seconds) or reused (None), vacuumed."""
    if not rebuild:
        store = open_store(target.url)
        if _built(store, graph):
            vacuum(target)
            return store, None
        store.close()
    target.reset()
    store = open_store(target.url)
    log(f"  building {graph.name} on {target.backend}: {graph.edge_count:,} edges")
    started = time.perf_counter()
    for batch in graph.batches:
        store.record_edges(batch)
    seconds = time.perf_counter() - started
    store.record_execution(
        run_id=f"{BUILD_MARKER}:{graph.name}",
        execution_type="benchmark",
        status=graph.fingerprint,
        edges_created=graph.edge_count,
    )
    log(f"  built in {seconds:.1f} s ({graph.edge_count / seconds:,.0f} edges/s)")
    vacuum(target)
    return store, seconds


def vacuum(target: Target) -> None:
    """On PostgreSQL, VACUUM (ANALYZE) the graph's tables, as autovacuum does to a store at
    rest: walks read edges by index-only scans, which visit the table for every row until a
    vacuum has marked its pages all-visible (a server may run with autovacuum off)."""
    if target.backend != "postgres":
        return
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) lineage_edges, lineage_assets")
