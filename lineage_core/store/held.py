"""The tenant's graph held in memory by a long-lived process, so that walks skip the database.

A server answers many walks of a graph that changes far less often than it is read. Through
the database a walk costs a query per level and one for the assets' names (about 250 ms for
a walk reaching 47,000 assets on PostgreSQL); over a copy in memory it is a few set
operations per level, at the cost of about 210 bytes of memory per edge.

The copy is labelled with the tenant's graph version, which every write that changes what a
walk returns moves (an edge added, re-activated, retired or deleted; an edge's transformation
type or an asset's type changed). A walk uses the copy only when the version read in its own
session equals the copy's, so it never answers from a graph older than the store; otherwise
it walks the database as before, and a reload starts in the background. Reloads are spaced
so that loading takes at most a third of the process's time when the graph changes
constantly, and a graph with more than the configured number of active edges is not held
at all (its walks stay on the database).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from array import array
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate, compress, repeat

from lineage_core.errors import LineageError
from lineage_core.graph import next_level
from lineage_core.store.backends.base import Session
from lineage_core.store.context import StoreContext
from lineage_core.store.rows import AssetInfo, Direction, EdgeGroup, PreparedNodes, Walk

_log = logging.getLogger(__name__)

DEFAULT_HELD_EDGES = 2_000_000  # about 400 MB of memory at this size
_FAILURE_PAUSE_SECONDS = 30.0  # after a failed load, walks stay on the database this long
_MASK_FROM = 16  # answers with over 1/16 of the edges are grouped by a mask, not a sort
_LOAD_SHARE = 3  # a reload waits twice its last duration: loading takes a third of the time


@dataclass(slots=True)
class Side:
    """One direction's adjacency, compressed: the edges of asset number ``i`` are
    ``numbers[start[i]:start[i + 1]]``, their far ends ``far[start[i]:start[i + 1]]``."""

    start: array  # asset number -> where its edges begin (one more at the end)
    numbers: array  # edge numbers, by near end
    far: array  # the far end's id of each of them


@dataclass(slots=True)
class HeldGraph:
    """One version of a tenant's active edges and every asset's (name, qualified name,
    type), arranged for walks in arrays (about 210 bytes an edge, names and node JSON too).

    Edges are numbered in context order (job, op, transformation type), so the edges a walk
    picks, once sorted, fall into its answer's groups by slicing: no Python work per edge
    but a sort and two lookups in C.
    """

    version: int
    info: dict[int, AssetInfo]
    prepared: PreparedNodes  # every asset's place in name order and node JSON
    index: dict[int, int]  # asset id -> asset number
    contexts: list[tuple[int, str, str | None]]  # context number -> (job id, op, transformation)
    first_edges: list[int]  # context number -> its first edge number (one more at the end)
    sources: array  # edge number -> source id
    targets: array  # edge number -> target id
    out: Side
    into: Side

    def walk(self, root: int, direction: Direction, max_depth: int, max_nodes: int) -> Walk:
        """The walk :func:`lineage_core.store.walks.walk` makes through the database: each
        asset at its shortest depth, the cap keeping a capped level's lowest ids, and every
        edge out of (or into) the assets expanded whose far end is kept."""
        downstream = direction == "downstream"
        side = self.out if downstream else self.into
        start, numbers, far = side.start, side.numbers, side.far
        far_of = self.targets if downstream else self.sources
        index = self.index
        depths: dict[int, int] = {}
        seen = {root}
        picked: list[int] = []  # the numbers of the answer's edges
        frontier: Iterable[int] = (root,)
        truncated = False
        for depth in range(1, max_depth + 1):
            reached: set[int] = set()
            update, extend, level = reached.update, picked.extend, len(picked)
            for asset in frontier:
                number = index.get(asset)
                if number is not None:
                    begin, end = start[number], start[number + 1]
                    if begin != end:
                        update(far[begin:end])
                        extend(numbers[begin:end])
            following, capped = next_level(reached, seen, depths, depth, max_nodes)
            if capped:  # edges to assets the cap left out are left out too
                truncated = True
                picked[level:] = [edge for edge in picked[level:] if far_of[edge] in seen]
            if not following:
                break
            frontier = following
        return Walk(depths, self._groups(picked), truncated)

    def _groups(self, picked: list[int]) -> list[EdgeGroup]:
        if len(picked) * _MASK_FROM > len(self.sources):
            return self._masked_groups(picked)
        picked.sort()
        first, sources, targets = self.first_edges, self.sources, self.targets
        groups: list[EdgeGroup] = []
        start, count = 0, len(picked)
        while start < count:
            number = bisect_right(first, picked[start]) - 1
            stop = bisect_left(picked, first[number + 1], start)
            chunk = picked[start:stop]
            job_id, op, transformation = self.contexts[number]
            groups.append(
                (
                    job_id,
                    op,
                    transformation,
                    list(map(sources.__getitem__, chunk)),
                    list(map(targets.__getitem__, chunk)),
                )
            )
            start = stop
        return groups

    def _masked_groups(self, picked: list[int]) -> list[EdgeGroup]:
        """The same groups by a mask over all edges, for answers holding a good share of
        the graph: marking and compressing cost less than sorting then."""
        mask = bytearray(len(self.sources))
        deque(map(mask.__setitem__, picked, repeat(1)), maxlen=0)
        first, sources, targets = self.first_edges, self.sources, self.targets
        groups: list[EdgeGroup] = []
        for number, (job_id, op, transformation) in enumerate(self.contexts):
            begin, end = first[number], first[number + 1]
            kept = mask[begin:end]
            if 1 in kept:
                groups.append(
                    (
                        job_id,
                        op,
                        transformation,
                        list(compress(sources[begin:end], kept)),
                        list(compress(targets[begin:end], kept)),
                    )
                )
        return groups


def build(version: int, assets: Iterable[tuple], edges: Iterable[tuple]) -> HeldGraph:
    """The held graph from (id, name, qualified name, type) asset rows and (source, target,
    job id, op, transformation) edge rows."""
    info = {row[0]: (row[1], row[2], sys.intern(row[3])) for row in assets}
    by_context: dict[tuple, list[tuple[int, int]]] = {}
    for source, target, job_id, op, transformation in edges:
        by_context.setdefault((job_id, op, transformation), []).append((source, target))
    first_edges: list[int] = []
    sources, targets = array("q"), array("q")
    for pairs in by_context.values():
        first_edges.append(len(sources))
        sources.extend(pair[0] for pair in pairs)
        targets.extend(pair[1] for pair in pairs)
    first_edges.append(len(sources))
    contexts = list(by_context)
    del by_context
    ids = sorted(info.keys() | set(sources) | set(targets))
    index = dict(zip(ids, range(len(ids)), strict=True))
    return HeldGraph(
        version=version,
        info=info,
        prepared=PreparedNodes.of(info),
        index=index,
        contexts=contexts,
        first_edges=first_edges,
        sources=sources,
        targets=targets,
        out=_side(index, sources, targets),
        into=_side(index, targets, sources),
    )


def _side(index: dict[int, int], near: array, far: array) -> Side:
    """The adjacency by ``near`` end, as a counting sort of the edge numbers."""
    near_numbers = array("i", map(index.__getitem__, near))
    start = array("i", bytes(4 * (len(index) + 1)))
    for number in near_numbers:
        start[number + 1] += 1
    start = array("i", accumulate(start))
    place = array("i", start)
    numbers = array("i", bytes(4 * len(near)))
    for edge, number in enumerate(near_numbers):
        numbers[place[number]] = edge
        place[number] += 1
    return Side(start, numbers, array("q", map(far.__getitem__, numbers)))


class GraphHolder:
    """Holds one tenant's graph for a store, reloading it in the background when the graph
    version moves (see the module docstring)."""

    def __init__(self, ctx: StoreContext, max_edges: int = DEFAULT_HELD_EDGES) -> None:
        self._ctx = ctx
        self.max_edges = max_edges
        self._graph: HeldGraph | None = None
        self._lock = threading.Lock()
        self._loader: threading.Thread | None = None
        self._not_before = 0.0  # no load starts before this (monotonic seconds)
        self._too_large: int | None = None  # the version found over max_edges
        self._closed = False
        self.loads = 0  # copies loaded
        self.hits = 0  # walks answered from a copy

    def current(self, version: int) -> HeldGraph | None:
        """The copy when it is of ``version`` (read in the walk's own session); else None,
        and a reload is started unless one is running or due later."""
        graph = self._graph
        if graph is not None and graph.version == version:
            self.hits += 1
            return graph
        if self._ctx.in_transaction:  # a transaction sees its own writes: walk those
            return None
        self._start(version)
        return None

    def load(self) -> HeldGraph | None:
        """Load the current version now, in the caller's thread; None when the graph is
        over ``max_edges``. Waits for a background load that is running."""
        loader = self._loader
        if loader is not None:
            loader.join()
        return self._load()

    def close(self) -> None:
        self._closed = True
        loader = self._loader
        if loader is not None:
            loader.join()

    def _start(self, version: int) -> None:
        with self._lock:
            if self._closed or version == self._too_large:
                return
            if self._loader is not None and self._loader.is_alive():
                return
            if time.monotonic() < self._not_before:
                return
            self._loader = threading.Thread(
                target=self._load, name=f"lineage-held-graph-{self._ctx.tenant}", daemon=True
            )
            self._loader.start()

    def _load(self) -> HeldGraph | None:
        started = time.monotonic()
        try:
            with self._ctx.session(snapshot=True) as session:
                graph = _read(self._ctx, session, self.max_edges)
        except LineageError as exc:
            _log.warning(
                "Could not hold tenant %r's graph in memory (walks use the database): %s",
                self._ctx.tenant,
                exc,
            )
            self._not_before = time.monotonic() + _FAILURE_PAUSE_SECONDS
            return None
        spent = time.monotonic() - started
        self._not_before = time.monotonic() + (_LOAD_SHARE - 1) * spent
        if isinstance(graph, int):  # over the limit at this version
            self._too_large = graph
            return None
        self._graph = graph
        self.loads += 1
        return graph


def _read(ctx: StoreContext, session: Session, max_edges: int) -> HeldGraph | int:
    """The graph as of the session's snapshot, or its version when it is too large to hold."""
    version = session.fetch_one("select_graph_version", ctx.params())[0]
    if session.fetch_one("count_held_edges", ctx.params())[0] > max_edges:
        return version
    assets = session.fetch_all("select_held_assets", ctx.params())
    edges = session.fetch_all("select_held_edges", ctx.params())
    return build(version, assets, edges)
