"""Refreshing the impact cache: every stale entry recomputed from one read of the graph.

The whole graph is read once; a few entries are answered by one in-memory walk each, many by
the bitset pass of :mod:`lineage_core.graph` over every asset at once (both give the same
entries; :func:`choose_method` picks the cheaper from a sample of walks). On large graphs with
a second CPU the pass's upstream half runs in a second process
(:mod:`lineage_core.store.reach_worker`) while this one does the downstream half.

A refresh that races with writers never leaves a wrong entry fresh: if the graph version moved
while it computed, its entries are written stale.
"""

from __future__ import annotations

import heapq
import logging
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from lineage_core.errors import InvalidArgument
from lineage_core.graph import bfs_depths, bounded_reach, bounded_union, level_order
from lineage_core.models import DEFAULT_MAX_DEPTH, RefreshResult
from lineage_core.store import cache
from lineage_core.store.catalog import asset_info
from lineage_core.store.context import BULK, StoreContext, now
from lineage_core.store.impact import depth_counts_of, trim
from lineage_core.store.reach_worker import Halves, upstream_half

Method = Literal["auto", "bfs", "bitset"]
Progress = Callable[[str, int, int], None]

_log = logging.getLogger(__name__)
_PARALLEL_FROM = 20_000  # assets from which a refresh's upstream pass gets its own process


def refresh_impact_cache(
    ctx: StoreContext,
    *,
    stale_only: bool,
    method: Method,
    progress: Progress | None,
    workers: int | None,
) -> RefreshResult:
    if workers is not None and workers not in (1, 2):
        raise InvalidArgument(f"workers must be 1 or 2, got {workers}")
    if method not in ("auto", "bfs", "bitset"):
        raise InvalidArgument(f"Unknown refresh method {method!r}")
    started = time.monotonic()
    # One snapshot for every read: assets and edges recorded meanwhile would otherwise show
    # edges between assets the refresh never saw.
    with ctx.session(snapshot=True) as session:
        ctx.require_lineage(session)
        version = session.fetch_one("select_graph_version", ctx.params())[0]
        asset_ids = [row[0] for row in session.fetch_all("select_asset_ids", ctx.params())]
        edges = session.fetch_all("select_active_edge_contexts", ctx.params())
        wanted_ids = (
            [row[0] for row in session.fetch_all("select_stale_asset_ids", ctx.params())]
            if stale_only
            else asset_ids
        )
    if not wanted_ids:
        return RefreshResult(
            entries_refreshed=0,
            stale_only=stale_only,
            method="none",
            seconds=time.monotonic() - started,
        )
    index = {asset_id: i for i, asset_id in enumerate(asset_ids)}
    n = len(asset_ids)
    no_job = cache.no_job_id(ctx)
    context_bits = cache.context_positions(
        ctx, {(job_id, op) for _, _, job_id, op in edges if job_id != no_job}
    )
    # Edges of several jobs between the same two assets are one adjacency; every job's
    # context lands on both endpoints' labels. 380,000 edges go through these loops.
    bit_of = {context: 1 << position for context, position in context_bits.items()}
    labels = [0] * n
    pairs = set()
    for source_id, target_id, job_id, op in edges:
        s, t = index[source_id], index[target_id]
        pairs.add((s, t))
        if job_id != no_job:
            bit = bit_of[(job_id, op)]
            labels[s] |= bit
            labels[t] |= bit
    edge_count = len(edges)
    del edges
    down: list[list[int]] = [[] for _ in range(n)]
    up: list[list[int]] = [[] for _ in range(n)]
    for s, t in pairs:
        down[s].append(t)
        up[t].append(s)
    del pairs
    wanted = [index[asset_id] for asset_id in wanted_ids]
    depth = DEFAULT_MAX_DEPTH

    if method == "auto":
        method = choose_method(down, up, wanted, edge_count, depth)
    if method == "bfs":
        results = _by_walks(down, up, labels, wanted, depth, progress)
    else:
        results = _by_bitsets(down, up, labels, wanted, depth, context_bits, progress, workers)
    _write_entries(ctx, results, asset_ids, context_bits, depth, version, progress)
    largest = heapq.nsmallest(
        5, ((-sum(down), asset_ids[v]) for v, (down, _, _) in results.items())
    )
    with ctx.session() as session:
        names = {
            asset_id: info[1]
            for asset_id, info in asset_info(session, [i for _, i in largest]).items()
        }
    return RefreshResult(
        entries_refreshed=len(results),
        stale_only=stale_only,
        method=method,
        seconds=time.monotonic() - started,
        largest=[(names[asset_id], -count) for count, asset_id in largest],
    )


Entry = tuple[list[int], list[int], int]  # (downstream counts, upstream counts, context bits)


def _by_walks(
    down: Sequence[Sequence[int]],
    up: Sequence[Sequence[int]],
    labels: Sequence[int],
    wanted: Sequence[int],
    depth: int,
    progress: Progress | None,
) -> dict[int, Entry]:
    results = {}
    for done, v in enumerate(wanted, start=1):
        d_depths = bfs_depths(down, v, depth)
        u_depths = bfs_depths(up, v, depth)
        bits = labels[v]
        for u in d_depths:
            bits |= labels[u]
        results[v] = (depth_counts_of(d_depths, depth), depth_counts_of(u_depths, depth), bits)
        if progress and done % 100 == 0:
            progress("walk", done, len(wanted))
    return results


def _by_bitsets(
    down: Sequence[Sequence[int]],
    up: Sequence[Sequence[int]],
    labels: list[int],
    wanted: Sequence[int],
    depth: int,
    context_bits: Mapping[tuple[int, str], int],
    progress: Progress | None,
    workers: int | None,
) -> dict[int, Entry]:
    n = len(down)
    # One level order for both directions: what an asset reaches at one depth, up or down,
    # sits in a few blocks of bits (see lineage_core.graph).
    positions = level_order(down)
    if workers is None:
        workers = 2 if n >= _PARALLEL_FROM and (os.cpu_count() or 1) > 1 else 1
    # With a second process, each side also ORs half of the context bits (the union is linear
    # in them), so that the two sides finish at about the same time.
    split = (max(context_bits.values(), default=0) + 1) // 2 if workers == 2 else 0
    high = [label >> split for label in labels] if split else None
    with _second_half(up, depth, positions, high, workers) as second:
        down_reach = bounded_reach(
            down, depth, positions, (lambda k: progress("downstream", k, n)) if progress else None
        )
        low = [label & ((1 << split) - 1) for label in labels] if split else labels
        unions = bounded_union(down, depth, low)
        up_counts, high_unions = second(
            (lambda k: progress("upstream", k, n)) if progress else None
        )
    if high_unions is not None:
        unions = [a | b << split for a, b in zip(unions, high_unions, strict=True)]
    return {v: (down_reach[v].depth_counts, up_counts[v], unions[v]) for v in wanted}


def _write_entries(
    ctx: StoreContext,
    results: Mapping[int, Entry],
    asset_ids: Sequence[int],
    context_bits: Mapping[tuple[int, str], int],
    depth: int,
    version: int,
    progress: Progress | None,
) -> None:
    computed_at = now()
    count_jobs = JobCounter(context_bits)
    with ctx.session(write=True) as session:
        current = session.fetch_one("lock_graph_version", ctx.params())[0]
        # If lineage changed while we computed, new entries start stale (conservative); a
        # writer that changes it from now on waits for this commit, then marks these rows.
        stale_version = current if current > version else 0
        tenant = ctx.tenant_id

        def entries() -> Iterator[tuple]:
            # str() of a list of ints is its JSON text, at a quarter of json.dumps' cost.
            for done, (v, (down_counts, up_counts, bits)) in enumerate(results.items(), 1):
                down_counts, up_counts = trim(down_counts), trim(up_counts)
                yield (
                    asset_ids[v],
                    tenant,
                    depth,
                    sum(down_counts),
                    len(down_counts),
                    str(down_counts),
                    sum(up_counts),
                    len(up_counts),
                    str(up_counts),
                    bits.to_bytes((bits.bit_length() + 7) // 8, "little"),
                    count_jobs(bits),
                    version,
                    stale_version,
                    computed_at,
                )
                if progress and done % BULK == 0:
                    progress("write", done, len(results))

        session.execute("create_cache_load")
        session.copy_rows("copy_cache_load", entries())
        session.execute("merge_cache_load")
        if progress:
            progress("write", len(results), len(results))


def choose_method(
    down: Sequence[Sequence[int]],
    up: Sequence[Sequence[int]],
    wanted: Sequence[int],
    edge_count: int,
    depth: int,
) -> Literal["bfs", "bitset"]:
    """Walks per entry or the bitset pass, whichever a sample of walks says is cheaper.

    A walk costs about 0.7 us per asset it reaches; the bitset pass about 2 us per asset and
    edge per level, more where reaches are large (its bitsets are then wide). Measured on
    100,000-asset graphs, the estimate is within 2x of the break-even point.
    """
    n = len(down)
    if len(wanted) <= 64:
        return "bfs"
    if len(wanted) > n // 4:
        return "bitset"
    sample = wanted[:: max(1, len(wanted) // 8)][:8]
    reached = sum(len(bfs_depths(down, v, depth)) + len(bfs_depths(up, v, depth)) for v in sample)
    per_walk = reached / len(sample)
    density = per_walk / (2 * n)
    walks = 0.7 * per_walk * len(wanted)
    bitset = 2.0 * (n + edge_count) * depth * (1 + 4 * density)
    return "bfs" if walks < bitset else "bitset"


@contextmanager
def _second_half(
    up: Sequence[Sequence[int]],
    max_depth: int,
    positions: Sequence[int],
    labels: Sequence[int] | None,
    workers: int,
) -> Iterator[Callable[[Callable[[int], None] | None], Halves]]:
    """The upstream half of the bitset pass (and, with ``labels``, their downstream union),
    started in a second process when ``workers=2``; yields the function that collects it.
    With one worker, or if the second process fails, that function computes it here instead.
    """

    def here(progress: Callable[[int], None] | None) -> Halves:
        return upstream_half(up, max_depth, positions, labels, progress)

    if workers == 1:
        yield here
        return
    with tempfile.TemporaryDirectory(prefix="lineage-refresh-") as folder:
        source, target = Path(folder, "input.pickle"), Path(folder, "output.pickle")
        with source.open("wb") as file:
            pickle.dump((up, max_depth, positions, labels), file, pickle.HIGHEST_PROTOCOL)
        with Path(folder, "errors.txt").open("w+b") as errors:
            worker = subprocess.Popen(
                [sys.executable, "-m", "lineage_core.store.reach_worker", str(source), str(target)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
            try:

                def collect(progress: Callable[[int], None] | None) -> Halves:
                    if worker.wait() == 0:
                        with target.open("rb") as file:
                            counts, union = pickle.load(file)
                        if progress:
                            progress(len(counts))
                        return counts, union
                    errors.seek(0)
                    lines = errors.read().decode(errors="replace").strip().splitlines()
                    _log.warning(
                        "The upstream refresh worker failed (%s); computing here",
                        lines[-1] if lines else f"exit status {worker.returncode}",
                    )
                    return here(progress)

                yield collect
            finally:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()


class JobCounter:
    """The number of distinct jobs among the contexts whose bits are set.

    A full refresh counts an entry per asset, each over up to thousands of contexts. With few
    jobs, one AND per job against the job's mask of contexts is cheapest; with many, the set
    bytes are mapped to job bits through masks cached on first use.
    """

    def __init__(self, positions: Mapping[tuple[int, str], int]) -> None:
        jobs: dict[int, int] = {}
        self._job_bit: dict[int, int] = {}
        by_job: dict[int, int] = defaultdict(int)
        for (job_id, _), position in sorted(positions.items(), key=lambda item: item[1]):
            self._job_bit[position] = 1 << jobs.setdefault(job_id, len(jobs))
            by_job[job_id] |= 1 << position
        self._job_masks = list(by_job.values())
        width = (max(positions.values(), default=0) + 8) // 8  # bytes of the widest entry
        self._by_mask = len(self._job_masks) <= width
        self._masks: dict[int, int] = {}

    def __call__(self, bits: int) -> int:
        if self._by_mask:
            return sum(1 for mask in self._job_masks if bits & mask)
        job_bits = 0
        masks = self._masks
        for offset, byte in enumerate(bits.to_bytes((bits.bit_length() + 7) // 8, "little")):
            if not byte:
                continue
            mask = masks.get(offset << 8 | byte)
            if mask is None:
                mask = 0
                for i in range(8):
                    if byte >> i & 1:
                        mask |= self._job_bit.get(offset * 8 + i, 0)
                masks[offset << 8 | byte] = mask
            job_bits |= mask
        return job_bits.bit_count()
