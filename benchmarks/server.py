"""Explorer server benchmark: the HTTP API of ``lineage serve`` on 127.0.0.1, on both backends.

The store holds the traversal benchmark's ``layered`` graph (20 layers x 5,000 assets, ~380,000
edges; ``--quick``: 16 x 400), built once through the store API and reused (PostgreSQL
database ``lineage_bench_server_layered``, SQLite file under ``--sqlite-dir``), with its
impact cache refreshed. ``lineage serve`` runs in its own process; the clients are threads of
this one, each with a keep-alive connection. Three figures:

1. a cached impact (the first page of 100 downstream assets with counts, jobs and failed
   writes) over HTTP, one client: p50 and p95 (target: p50 under 15 ms);
2. a walk's JSON over HTTP (15 levels downstream and upstream from roots of several layers):
   p50 per root, with the answer's size, next to the same walk and JSON in-process;
3. ``--clients`` (20) concurrent clients for ``--seconds`` (60) on a mix of routes (asset
   search and detail, cached impact, walks of small reach, column links): p50, p95,
   requests per second and errors.

    .venv/bin/python benchmarks/server.py --backend both
    .venv/bin/python benchmarks/server.py --quick --seconds 10 --json /tmp/server.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from graph_stores import Layered, layered_graph, open_built, targets

from lineage_core.store import LineageStore

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
IMPACT_REQUESTS = 300
WALK_REPEATS = 5
HOLD_SECONDS = 15.0


@dataclass
class Figures:
    backend: str
    impact_p50_ms: float = 0.0
    impact_p95_ms: float = 0.0
    walks: list[dict] = field(default_factory=list)
    load_clients: int = 0
    load_seconds: float = 0.0
    load_requests: int = 0
    load_errors: int = 0
    load_p50_ms: float = 0.0
    load_p95_ms: float = 0.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def timed_get(client: httpx.Client, path: str) -> tuple[float, httpx.Response]:
    began = time.perf_counter()
    response = client.get(path)
    return time.perf_counter() - began, response


class Served:
    """``lineage serve`` in its own process, on a free port of 127.0.0.1."""

    def __init__(self, url: str) -> None:
        lineage = str(Path(sys.executable).parent / "lineage")
        self.process = subprocess.Popen(
            [lineage, "--db", url, "serve", "--port", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.url = ""
        bound = threading.Event()

        def read() -> None:
            for line in self.process.stderr:
                if "Lineage explorer on " in line:
                    self.url = line.split(" on ", 1)[1].split()[0]
                    bound.set()

        threading.Thread(target=read, daemon=True).start()
        if not bound.wait(60):
            self.process.kill()
            raise SystemExit("lineage serve did not start")
        for _ in range(200):
            try:
                httpx.get(f"{self.url}/api/config", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def cached_impact(client: httpx.Client, roots: list[str], figures: Figures) -> None:
    paths = [f"/api/lineage/assets/{root}/impact" for root in roots]
    for path in paths:  # warm up: the server's caches and the first connection
        assert timed_get(client, path)[1].json()["cached"], path
    timings = []
    for index in range(IMPACT_REQUESTS):
        seconds, response = timed_get(client, paths[index % len(paths)])
        assert response.status_code == 200, response.text
        timings.append(seconds)
    figures.impact_p50_ms = statistics.median(timings) * 1000
    figures.impact_p95_ms = percentile(timings, 0.95) * 1000


def walks(
    client: httpx.Client, store: LineageStore, roots: list[tuple[str, str]], figures: Figures
) -> None:
    # The first walk starts the server's load of the graph it holds in memory; walks go to
    # the database until that copy is loaded (a few seconds at this size).
    assert timed_get(client, f"/api/lineage/assets/{roots[0][1]}/downstream")[1].status_code == 200
    time.sleep(HOLD_SECONDS)
    for label, root in roots:
        for direction in ("downstream", "upstream"):
            path = f"/api/lineage/assets/{root}/{direction}"
            timings, size, nodes, edges = [], 0, 0, 0
            for _ in range(WALK_REPEATS):
                seconds, response = timed_get(client, path)
                assert response.status_code == 200, response.text
                timings.append(seconds)
                size = len(response.content)
            answer = response.json()
            nodes, edges = answer["totalNodes"], len(answer["edges"])
            direct = []
            for _ in range(WALK_REPEATS):
                began = time.perf_counter()
                getattr(store, direction)(root).to_json_bytes()
                direct.append(time.perf_counter() - began)
            figures.walks.append(
                {
                    "root": label,
                    "direction": direction,
                    "nodes": nodes,
                    "edges": edges,
                    "bytes": size,
                    "http_p50_ms": statistics.median(timings) * 1000,
                    "in_process_p50_ms": statistics.median(direct) * 1000,
                }
            )


def load(
    url: str,
    headers: dict[str, str],
    roots: list[str],
    clients: int,
    seconds: float,
    figures: Figures,
) -> None:
    paths = ["/api/lineage/assets?search=l19_a00001&limit=20"]
    for root in roots:
        paths += [
            f"/api/lineage/assets/{root}",
            f"/api/lineage/assets/{root}/impact",
            f"/api/lineage/assets/{root}/downstream?max_depth=2",
            f"/api/lineage/assets/{root}/upstream?max_depth=2",
            f"/api/lineage/assets/{root}/columns",
        ]
    results: list[list[tuple[float, bool]]] = [[] for _ in range(clients)]
    until = time.monotonic() + seconds

    def client_loop(mine: list[tuple[float, bool]], offset: int) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            turn = offset
            while time.monotonic() < until:
                began = time.perf_counter()
                try:
                    good = client.get(paths[turn % len(paths)]).status_code == 200
                except httpx.HTTPError:
                    good = False
                mine.append((time.perf_counter() - began, good))
                turn += 1

    threads = [
        threading.Thread(target=client_loop, args=(results[i], i * 7)) for i in range(clients)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    timings = [seconds for mine in results for seconds, _ in mine]
    figures.load_clients, figures.load_seconds = clients, elapsed
    figures.load_requests = len(timings)
    figures.load_errors = sum(not good for mine in results for _, good in mine)
    figures.load_p50_ms = statistics.median(timings) * 1000
    figures.load_p95_ms = percentile(timings, 0.95) * 1000


def run_backend(args: argparse.Namespace, target, graph) -> Figures:
    log = print if not args.json_only else (lambda text: None)
    store, _ = open_built(target, graph, args.rebuild, log)
    try:
        if store.stale_cache_entries():
            log("  refreshing the impact cache")
            store.refresh_impact_cache()
        for token in store.tokens():
            if token.name == "benchmark" and token.active:
                store.revoke_token("benchmark")
        secret = store.create_token("benchmark")[1]
        headers = {"Authorization": f"Bearer {secret}"}
        figures = Figures(target.backend)
        served = Served(target.url)
        try:
            with httpx.Client(base_url=served.url, headers=headers, timeout=120) as client:
                impact_roots = [name for label, name in graph.roots if label != "layer 0"]
                cached_impact(client, impact_roots, figures)
                picked = {}
                for label, name in graph.roots:
                    picked.setdefault(label, name)
                walks(client, store, list(picked.items()), figures)
            small = [name for label, name in graph.roots if label in ("layer 15", "layer 19")]
            load(served.url, headers, small, args.clients, args.seconds, figures)
        finally:
            served.stop()
        return figures
    finally:
        store.close()


def report(figures: Figures) -> None:
    print(f"\n== {figures.backend} ==")
    print(
        f"cached impact over HTTP: p50 {figures.impact_p50_ms:.2f} ms, "
        f"p95 {figures.impact_p95_ms:.2f} ms ({IMPACT_REQUESTS} requests, one client)"
    )
    print("walk JSON over HTTP (15 levels):")
    print(f"  {'root':<9} {'direction':<10} {'nodes':>7} {'edges':>8} {'KiB':>8} "
          f"{'HTTP p50 ms':>12} {'in-process':>11}")  # fmt: skip
    for walk in figures.walks:
        print(
            f"  {walk['root']:<9} {walk['direction']:<10} {walk['nodes']:>7,} "
            f"{walk['edges']:>8,} {walk['bytes'] / 1024:>8,.0f} {walk['http_p50_ms']:>12.1f} "
            f"{walk['in_process_p50_ms']:>11.1f}"
        )
    rate = figures.load_requests / figures.load_seconds if figures.load_seconds else 0
    print(
        f"{figures.load_clients} concurrent clients for {figures.load_seconds:.0f} s: "
        f"{figures.load_requests:,} requests ({rate:,.0f}/s), p50 {figures.load_p50_ms:.1f} ms, "
        f"p95 {figures.load_p95_ms:.1f} ms, {figures.load_errors} errors"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="A 6,400-asset graph.")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--sqlite-dir", default="/tmp")
    parser.add_argument("--rebuild", action="store_true", help="Rebuild the stored graph.")
    parser.add_argument("--json", help="Also write the figures to this file.")
    parser.add_argument("--json-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    spec = Layered(layers=16, width=400, root_layers=(0, 5, 10, 15)) if args.quick else Layered()
    graph = layered_graph("server_layered", spec)
    found = []
    for target in targets(args, graph):
        print(f"{target.backend}: {graph.assets:,} assets, {graph.edge_count:,} edges")
        figures = run_backend(args, target, graph)
        report(figures)
        found.append(asdict(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(found, indent=2))


if __name__ == "__main__":
    main()
