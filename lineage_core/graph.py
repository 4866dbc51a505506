"""Depth-bounded reachability over a whole graph at once, for the impact cache.

Refreshing the cache asks, for every asset, how many assets lie within 15 levels down and up,
at which depth each first appears, and which Dagster jobs touch them. One walk per asset is
quadratic on large graphs; instead every asset keeps its reach as a bitset (a Python int) and
the reach grows one level per round from its neighbours' *newly reached* bits only:

    R_k(v) = R_{k-1}(v) | OR over neighbours c of  D_{k-1}(c),   D_k(v) = R_k(v) & ~R_{k-1}(v)

so each round touches only assets whose neighbours changed in the previous round, and a
round's new bits ``D_k(v)`` are exactly the assets at shortest distance ``k``. Cycles are
harmless: a bit is only ever new once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(slots=True)
class Reach:
    """What one asset reaches in one direction within the depth limit."""

    depth_counts: list[int] = field(default_factory=list)  # index 0 = depth 1

    @property
    def total(self) -> int:
        return sum(self.depth_counts)

    @property
    def max_depth(self) -> int:
        return len(self.depth_counts)


def _trimmed(counts: list[int]) -> list[int]:
    while counts and counts[-1] == 0:
        counts.pop()
    return counts


def bounded_reach(
    adjacency: Sequence[Sequence[int]],
    max_depth: int,
    bit_of: Sequence[int],
    progress: Callable[[int], None] | None = None,
) -> list[Reach]:
    """Per node: how many nodes first appear at each depth 1..max_depth (itself excluded).

    ``bit_of`` maps a node to its bit position; ordering bits so that a node's reach sits in
    low positions keeps the integers short (Python ints are as long as their highest bit).
    """
    n = len(adjacency)
    single = [1 << bit_of[v] for v in range(n)]
    parents: list[list[int]] = [[] for _ in range(n)]
    reach = [0] * n
    counts: list[list[int]] = [[] for _ in range(n)]
    delta: dict[int, int] = {}
    for v, neighbours in enumerate(adjacency):
        bits = 0
        for c in neighbours:
            bits |= single[c]
            parents[c].append(v)
        if bits:
            reach[v] = bits
            delta[v] = bits
            counts[v].append((bits & ~single[v]).bit_count())
    for depth in range(2, max_depth + 1):
        if progress:
            progress(depth)
        if not delta:
            break
        candidates: set[int] = set()
        for c in delta:
            candidates.update(parents[c])
        new_delta: dict[int, int] = {}
        for v in candidates:
            acc = 0
            for c in adjacency[v]:
                d = delta.get(c)
                if d:
                    acc |= d
            fresh = acc & ~reach[v]
            if fresh:
                new_delta[v] = fresh
        for v, fresh in new_delta.items():
            reach[v] |= fresh
            row = counts[v]
            row.extend([0] * (depth - 1 - len(row)))
            row.append((fresh & ~single[v]).bit_count())
        delta = new_delta
    return [Reach(_trimmed(row)) for row in counts]


def bounded_union(
    adjacency: Sequence[Sequence[int]],
    max_depth: int,
    labels: Sequence[int],
) -> list[int]:
    """Per node: the OR of ``labels`` over itself and every node within ``max_depth`` levels.

    Used for the jobs that touch an asset's downstream: ``labels[v]`` holds a bit per
    (job, op) context of the edges incident to ``v``.
    """
    n = len(adjacency)
    parents: list[list[int]] = [[] for _ in range(n)]
    for v, neighbours in enumerate(adjacency):
        for c in neighbours:
            parents[c].append(v)
    union = list(labels)
    delta = {v: bits for v, bits in enumerate(labels) if bits}
    for _ in range(max_depth):
        if not delta:
            break
        candidates: set[int] = set()
        for c in delta:
            candidates.update(parents[c])
        new_delta: dict[int, int] = {}
        for v in candidates:
            acc = 0
            for c in adjacency[v]:
                d = delta.get(c)
                if d:
                    acc |= d
            fresh = acc & ~union[v]
            if fresh:
                new_delta[v] = fresh
        for v, fresh in new_delta.items():
            union[v] |= fresh
        delta = new_delta
    return union


def bfs_depths(adjacency: Sequence[Sequence[int]], start: int, max_depth: int) -> dict[int, int]:
    """Shortest depth of every node within ``max_depth`` of ``start`` (``start`` excluded)."""
    seen = {start: 0}
    frontier = [start]
    for depth in range(1, max_depth + 1):
        following = []
        for v in frontier:
            for c in adjacency[v]:
                if c not in seen:
                    seen[c] = depth
                    following.append(c)
        if not following:
            break
        frontier = following
    del seen[start]
    return seen
