"""Depth-bounded reachability over a whole graph at once, for the impact cache.

Refreshing the cache asks, for every asset, how many assets lie within 15 levels down and up,
at which depth each first appears, and which Dagster jobs touch them. One walk per asset is
quadratic on large graphs; instead every asset keeps its reach as a bitset (a Python int) and
the reach grows one level per round from its neighbours' *newly reached* bits only:

    R_k(v) = R_{k-1}(v) | OR over neighbours c of  D_{k-1}(c),   D_k(v) = R_k(v) & ~R_{k-1}(v)

so each round touches only assets whose neighbours changed in the previous round, and a
round's new bits ``D_k(v)`` are exactly the assets at shortest distance ``k``. Cycles are
harmless: a bit is only ever new once.

Bits are positions in a level order (:func:`level_order`), and the positions are cut into
blocks that are swept one after the other (depth counts add up across blocks). A Python int
costs as much as its highest bit, and ``bit_count`` on a 100,000-bit int takes ~20 us: with
blocks, an asset whose reach lies in a few levels touches only those levels' small ints, and
memory holds one block's bitsets at a time. On graphs where everything reaches everything
(long cycles) every block is busy; blocks then grow, within a memory budget, to amortise the
per-block cost.
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


_BLOCK_BITS = 4_096
_BLOCK_MEMORY = 1 << 30  # bytes of bitsets a block may hold: ~3 ints of its width per node
_BUSY = 0.25  # share of (node, depth) pairs active in a block above which blocks grow


def level_order(adjacency: Sequence[Sequence[int]]) -> list[int]:
    """A bit position per node: breadth-first levels from the nodes nothing points to.

    Nodes at the same distance from the graph's sources sit side by side, so what a node
    reaches at one depth (in either direction) falls within a few blocks of positions. Nodes
    reachable only through cycles are placed by a walk from the first one left.
    """
    n = len(adjacency)
    has_parent = bytearray(n)
    for neighbours in adjacency:
        for c in neighbours:
            has_parent[c] = 1
    placed = bytearray(n)
    order: list[int] = []
    frontier = [v for v in range(n) if not has_parent[v]]
    first = 0
    while True:
        for v in frontier:
            placed[v] = 1
        while frontier:
            order.extend(frontier)
            following = []
            for v in frontier:
                for c in adjacency[v]:
                    if not placed[c]:
                        placed[c] = 1
                        following.append(c)
            frontier = following
        if len(order) == n:
            break
        while placed[first]:
            first += 1
        frontier = [first]
    position = [0] * n
    for i, v in enumerate(order):
        position[v] = i
    return position


def bounded_reach(
    adjacency: Sequence[Sequence[int]],
    max_depth: int,
    bit_of: Sequence[int] | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    block_bits: int = _BLOCK_BITS,
) -> list[Reach]:
    """Per node: how many nodes first appear at each depth 1..max_depth (itself excluded).

    ``bit_of`` maps a node to its bit position (distinct positions; by default
    :func:`level_order`). The positions are swept in blocks; ``progress`` receives the
    number of nodes whose block is done.
    """
    n = len(adjacency)
    if bit_of is None:
        bit_of = level_order(adjacency)
    parents: list[list[int]] = [[] for _ in range(n)]
    for v, neighbours in enumerate(adjacency):
        for c in neighbours:
            parents[c].append(v)
    by_position = sorted(range(n), key=bit_of.__getitem__)
    counts = [[0] * max_depth for _ in range(n)]
    largest = max(block_bits, _BLOCK_MEMORY * 8 // (3 * max(n, 1)))
    size, start = block_bits, 0
    while start < n:
        block = by_position[start : start + size]
        lo = bit_of[block[0]]
        # Depth 1: the block's nodes as children. A node's own bit starts in its reach (as the
        # root of a walk starts in the visited set), so no delta ever holds it.
        delta: dict[int, int] = {}
        for c in block:
            bit = 1 << (bit_of[c] - lo)
            for p in parents[c]:
                delta[p] = delta.get(p, 0) | bit
        reach = dict(delta)
        for c in block:
            own = 1 << (bit_of[c] - lo)
            bits = reach.get(c, 0)
            if bits & own:
                bits ^= own
                if bits:
                    delta[c] = bits
                else:
                    del delta[c]
            reach[c] = bits | own
        for v, bits in delta.items():
            counts[v][0] += bits.bit_count()
        active = len(delta)
        for k in range(1, max_depth):
            if not delta:
                break
            acc: dict[int, int] = {}
            get = acc.get
            for c, d in delta.items():
                for p in parents[c]:
                    acc[p] = get(p, 0) | d
            new_delta: dict[int, int] = {}
            for v, bits in acc.items():
                seen = reach.get(v)
                if seen is None:
                    reach[v] = bits
                else:
                    bits = (bits | seen) ^ seen  # bits & ~seen, without a negative int
                    if not bits:
                        continue
                    reach[v] = seen | bits
                new_delta[v] = bits
                counts[v][k] += bits.bit_count()
            active += len(new_delta)
            delta = new_delta
        del reach, delta
        start += len(block)
        if progress:
            progress(start)
        if active > _BUSY * n * max_depth:
            size = min(size * 4, largest)
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
        acc: dict[int, int] = {}
        get = acc.get
        for c, d in delta.items():
            for p in parents[c]:
                acc[p] = get(p, 0) | d
        new_delta: dict[int, int] = {}
        for v, bits in acc.items():
            seen = union[v]
            bits = (bits | seen) ^ seen
            if bits:
                new_delta[v] = bits
                union[v] = seen | bits
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
