"""Depth-bounded reachability over a whole graph at once, for the impact cache.

Refreshing the cache asks, for every asset, how many assets lie within 15 levels down and up,
at which depth each first appears, and which Dagster jobs touch them. One walk per asset is
quadratic on large graphs; instead every asset keeps its reach as a bitset (a Python int) and
the reach grows one level per round from its neighbours' reach:

    R_0(v) = {v},   R_k(v) = {v} | OR over neighbours c of R_{k-1}(c)

so ``|R_k(v)| - |R_{k-1}(v)|`` assets lie at shortest distance ``k``. A round recomputes only
the assets with a neighbour whose reach changed in the previous round. Cycles are harmless:
reaches only grow, and a round counts each asset's growth once.

Propagating whole reaches rather than each round's new bits costs no more, as a new-bits set
is as wide as the reach it grows (the highest bit sets an int's size), and saves a bitset per
node and two operations per node and round. ``int.bit_count`` dominates what is left: on wide
ints it is ten times slower than an OR.

Bits are positions in a level order (:func:`level_order`), and the positions are cut into
blocks that are swept one after the other (depth counts add up across blocks). A Python int
costs as much as its highest bit: with blocks, an asset whose reach lies in a few levels
touches only those levels' small ints, and memory holds one block's bitsets at a time. Blocks
end where levels end: in a layered graph an asset's reach at one depth is one level, and a
block cut through that level would double the work for it. On graphs where everything reaches
everything (long cycles) every block is busy; blocks then grow, within a memory budget, to
amortise the per-block cost.

Each round runs as a few ``map`` pipelines over its assets rather than a loop in bytecode:
on layered graphs the ints are a few hundred bytes and interpreter overhead would dominate.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import reduce
from itertools import chain, compress, count, repeat
from operator import add, ne, or_, setitem, sub


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
_BLOCK_MEMORY = 1 << 30  # bytes of bitsets a block may hold: ~2 ints of its width per node
_BUSY = 0.25  # share of (node, depth) pairs active in a block above which blocks grow


def _scatter(target: list, keys: Iterable[int], values: Iterable) -> None:
    """``target[key] = value`` pairwise, without a bytecode loop."""
    deque(map(setitem, repeat(target), keys, values), 0)


def _grown(
    candidates: list[int],
    children: Callable[[int], Sequence[int]],
    values: list[int],
    own: list[int],
) -> list[int]:
    """Per candidate: its own bits OR its children's ``values``, without a bytecode loop."""
    return list(
        map(
            reduce,
            repeat(or_),
            map(map, repeat(values.__getitem__), map(children, candidates)),
            map(own.__getitem__, candidates),
        )
    )


def reverse(adjacency: Sequence[Sequence[int]]) -> list[list[int]]:
    """The same graph with every edge turned around (children lists become parents lists)."""
    parents: list[list[int]] = [[] for _ in range(len(adjacency))]
    for v, neighbours in enumerate(adjacency):
        for c in neighbours:
            parents[c].append(v)
    return parents


def _levels(adjacency: Sequence[Sequence[int]]) -> Iterator[list[int]]:
    """Breadth-first levels from the nodes nothing points to, then from each node left over."""
    n = len(adjacency)
    has_parent = bytearray(n)
    for neighbours in adjacency:
        for c in neighbours:
            has_parent[c] = 1
    placed = bytearray(n)
    frontier = [v for v in range(n) if not has_parent[v]]
    done = first = 0
    while True:
        for v in frontier:
            placed[v] = 1
        while frontier:
            yield frontier
            done += len(frontier)
            following = []
            for v in frontier:
                for c in adjacency[v]:
                    if not placed[c]:
                        placed[c] = 1
                        following.append(c)
            frontier = following
        if done == n:
            return
        while placed[first]:
            first += 1
        frontier = [first]


def level_order(adjacency: Sequence[Sequence[int]]) -> list[int]:
    """A bit position per node: breadth-first levels from the nodes nothing points to.

    Nodes at the same distance from the graph's sources sit side by side, so what a node
    reaches at one depth (in either direction) falls within a few blocks of positions. Nodes
    reachable only through cycles are placed by a walk from the first one left.
    """
    position = [0] * len(adjacency)
    _scatter(position, chain.from_iterable(_levels(adjacency)), count())
    return position


def _level_ends(graphs: Iterable[Sequence[Sequence[int]]], rank: list[int]) -> list[int]:
    """Where each level ends in rank order, if the ranks are the level order of one of ``graphs``.

    Ranks that follow neither graph's levels get no ends; blocks are then cut by size alone.
    A wrong graph is usually told apart by its first level (its sources), before any walk.
    """
    get = rank.__getitem__
    for graph in graphs:
        ends: list[int] = []
        start = 0
        for level in _levels(graph):
            end = start + len(level)
            if min(map(get, level)) != start or max(map(get, level)) != end - 1:
                break
            ends.append(end)
            start = end
        else:
            return ends
    return []


def bounded_reach(
    adjacency: Sequence[Sequence[int]],
    max_depth: int,
    bit_of: Sequence[int] | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    block_bits: int = _BLOCK_BITS,
) -> list[Reach]:
    """Per node: how many nodes first appear at each depth 1..max_depth (itself excluded).

    ``bit_of`` orders the nodes (distinct positions; by default :func:`level_order`). The
    positions are swept in blocks of about ``block_bits`` (whole levels where the order is a
    level order); ``progress`` receives the number of nodes whose block is done.
    """
    n = len(adjacency)
    if bit_of is None:
        bit_of = level_order(adjacency)
    parents = reverse(adjacency)
    parents_of, children = parents.__getitem__, adjacency.__getitem__
    by_rank = sorted(range(n), key=bit_of.__getitem__)
    rank = [0] * n
    _scatter(rank, by_rank, count())
    # Refresh orders both directions by the downstream graph's levels: either graph may match.
    ends = [*_level_ends((adjacency, parents), rank), n]
    per_depth = [[0] * n for _ in range(max_depth)]
    largest = max(block_bits, _BLOCK_MEMORY * 8 // (2 * max(n, 1)))
    bit_count = int.bit_count
    size = block_bits
    start = e = 0
    while start < n:
        while ends[e] <= start:
            e += 1
        end = ends[e]
        if end - start > largest:  # a level too wide for memory: even slices of it
            slices = -(-(end - start) // largest)
            end = start + -(-(end - start) // slices)
        else:  # whole levels, as many as fit
            while e + 1 < len(ends) and ends[e + 1] - start <= size:
                e += 1
                end = ends[e]
        block = by_rank[start:end]
        own = [0] * n
        _scatter(own, block, map((1).__lshift__, range(len(block))))
        reach = own[:]
        total = [0] * n  # bit count of reach; the own bit makes it 1, and is never counted
        _scatter(total, block, repeat(1))
        changed = block
        busy = 0
        for k in range(max_depth):
            candidates = list(set(chain.from_iterable(map(parents_of, changed))))
            if not candidates:
                break
            grown = _grown(candidates, children, reach, own)
            totals = list(map(bit_count, grown))
            new = list(map(sub, totals, map(total.__getitem__, candidates)))
            _scatter(reach, candidates, grown)
            _scatter(total, candidates, totals)
            counts = per_depth[k]
            _scatter(counts, candidates, map(add, map(counts.__getitem__, candidates), new))
            changed = list(compress(candidates, new))
            busy += len(changed)
        del own, reach, total
        start = end
        if progress:
            progress(start)
        if busy > _BUSY * n * max_depth:
            size = min(size * 4, largest)
    if not per_depth:
        return [Reach() for _ in range(n)]
    return [Reach(_trimmed(list(row))) for row in zip(*per_depth, strict=True)]


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
    parents_of, children = reverse(adjacency).__getitem__, adjacency.__getitem__
    own = list(labels)
    union = own[:]
    changed = list(compress(range(n), own))
    for _ in range(max_depth):
        candidates = list(set(chain.from_iterable(map(parents_of, changed))))
        if not candidates:
            break
        grown = _grown(candidates, children, union, own)
        changed = list(compress(candidates, map(ne, grown, map(union.__getitem__, candidates))))
        _scatter(union, candidates, grown)
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
