"""Depth-bounded reachability over a whole graph at once, for the impact cache.

Refreshing the cache asks, for every asset, how many assets lie within 15 levels down and up,
at which depth each first appears, and which Dagster jobs touch them. One walk per asset is
quadratic on large graphs; instead every asset keeps its reach as a bitset (a Python int) and
the reach grows one level per round from its neighbours' reach:

    R_0(v) = {v},   R_k(v) = {v} | OR over neighbours c of R_{k-1}(c)

so ``|R_k(v)| - |R_{k-1}(v)|`` assets lie at shortest distance ``k``. A round recomputes only
the assets with a neighbour whose reach changed in the previous round. Cycles are harmless:
reaches only grow, and a round counts each asset's growth once. The same rounds OR any other
per-asset bits instead (:func:`union_rounds`, :func:`bounded_union`): job bits, or the
sketches of :mod:`lineage_core.sketch`.

Bits are positions in a level order (:func:`level_order`), cut into blocks of a fixed size
that are swept one after the other (depth counts add up across blocks). A Python int costs as
much as its highest bit: with blocks, an asset whose reach lies in a few levels touches only
those levels' small ints, and memory holds one block's bitsets at a time. Blocks end where
levels end when they can: in a layered graph an asset's reach at one depth is one level.

Exact reaches are only ever followed for a bounded number of rounds per asset (``rounds``):
the impact cache counts exactly up to a limit and estimates beyond it, and an asset known to
reach more than the limit is left out of the rounds that follow. That keeps the work of a
sweep to the assets whose reach is small, instead of every asset once per block (which grew
with the square of the graph: at a million assets every level was swept a dozen times).

Each round runs as a few ``map`` pipelines over its assets rather than a loop in bytecode:
on layered graphs the ints are a few hundred bytes and interpreter overhead would dominate.
"""

from __future__ import annotations

from array import array
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import reduce
from itertools import chain, compress, count, repeat
from operator import add, gt, lt, ne, or_, setitem, sub

_BLOCK_BITS = 8_192  # positions per block of the exact pass: ints of at most 1 kB
_UNION_BLOCK_BITS = 4_096  # label positions per block of bounded_union

Rounds = Sequence[int]  # per node: how many rounds it is followed for


def scatter(target: list | array, keys: Iterable[int], values: Iterable) -> None:
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


def _candidates(
    parents_of: Callable[[int], Sequence[int]],
    changed: Iterable[int],
    rounds: Rounds | None,
    k: int,
) -> list[int]:
    """The parents of the nodes that changed, those followed for more than ``k`` rounds."""
    found = set(chain.from_iterable(map(parents_of, changed)))
    if rounds is None:
        return list(found)
    return list(compress(found, map(gt, map(rounds.__getitem__, found), repeat(k))))


def reverse(adjacency: Sequence[Sequence[int]]) -> list[list[int]]:
    """The same graph with every edge turned around (children lists become parents lists)."""
    parents: list[list[int]] = [[] for _ in range(len(adjacency))]
    for v, neighbours in enumerate(adjacency):
        for c in neighbours:
            parents[c].append(v)
    return parents


def adjacency_lists(
    sources: Sequence[int], targets: Sequence[int], n: int
) -> tuple[list[list[int]], list[list[int]]]:
    """Children and parents lists; a pair of assets joined by several jobs is one adjacency."""
    down: list[list[int]] = [[] for _ in range(n)]
    for s, t in zip(sources, targets, strict=True):
        down[s].append(t)
    down = [list(dict.fromkeys(c)) if len(c) > 1 else c for c in down]
    return down, reverse(down)


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
    scatter(position, chain.from_iterable(_levels(adjacency)), count())
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


def _blocks(
    adjacency: Sequence[Sequence[int]], parents: Sequence[Sequence[int]], rank: list[int], size: int
) -> Iterator[tuple[int, int]]:
    """(start, end) rank ranges of at most ``size``: whole levels where they fit, even slices
    of a level that does not."""
    n = len(adjacency)
    ends = [*_level_ends((adjacency, parents), rank), n]
    start = e = 0
    while start < n:
        while ends[e] <= start:
            e += 1
        end = ends[e]
        if end - start > size:
            slices = -(-(end - start) // size)
            end = start + -(-(end - start) // slices)
        else:
            while e + 1 < len(ends) and ends[e + 1] - start <= size:
                e += 1
                end = ends[e]
        yield start, end
        start = end


def bounded_reach(
    adjacency: Sequence[Sequence[int]],
    max_depth: int,
    bit_of: Sequence[int] | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    rounds: Rounds | None = None,
    block_bits: int = _BLOCK_BITS,
) -> list[array]:
    """Per depth ``k`` (index ``k - 1``), per node: how many nodes first appear at depth ``k``.

    ``bit_of`` orders the nodes (distinct positions; by default :func:`level_order`); the
    positions are swept in blocks of at most ``block_bits``; ``progress`` receives the number
    of nodes whose block is done. With ``rounds``, node ``v`` is followed for its first
    ``rounds[v]`` depths only, and its counts beyond are left at 0: the caller must make sure
    that a node followed for ``k`` rounds has children followed for ``k - 1`` at least.
    """
    n = len(adjacency)
    if bit_of is None:
        bit_of = level_order(adjacency)
    parents = reverse(adjacency)
    parents_of, children = parents.__getitem__, adjacency.__getitem__
    by_rank = sorted(range(n), key=bit_of.__getitem__)
    rank = [0] * n
    scatter(rank, by_rank, count())
    counts = [array("i", bytes(4 * n)) for _ in range(max_depth)]
    own, reach = [0] * n, [0] * n
    total = [0] * n  # bit count of reach; the own bit makes it 1, and is never counted
    bit_count = int.bit_count
    # Refresh orders both directions by the downstream graph's levels: either graph may match.
    for start, end in _blocks(adjacency, parents, rank, block_bits):
        block = by_rank[start:end]
        bits = list(map((1).__lshift__, range(len(block))))
        scatter(own, block, bits)
        scatter(reach, block, bits)
        scatter(total, block, repeat(1))
        touched = set(block)
        changed: list[int] = block
        for k in range(max_depth):
            candidates = _candidates(parents_of, changed, rounds, k)
            if not candidates:
                break
            touched.update(candidates)
            grown = _grown(candidates, children, reach, own)
            totals = list(map(bit_count, grown))
            new = list(map(sub, totals, map(total.__getitem__, candidates)))
            scatter(reach, candidates, grown)
            scatter(total, candidates, totals)
            row = counts[k]
            scatter(row, candidates, map(add, map(row.__getitem__, candidates), new))
            changed = list(compress(candidates, new))
        scatter(own, block, repeat(0))
        scatter(reach, touched, repeat(0))
        scatter(total, touched, repeat(0))
        if progress:
            progress(end)
    return counts


def follow_children(adjacency: Sequence[Sequence[int]], rounds: array, max_depth: int) -> None:
    """Raise ``rounds`` so that a node followed for ``r`` rounds has its children followed for
    ``r - 1`` at least, as the exact pass needs."""
    children_of = adjacency.__getitem__
    by_rounds: list[list[int]] = [[] for _ in range(max_depth + 1)]
    for u in compress(range(len(rounds)), rounds):
        by_rounds[rounds[u]].append(u)
    for r in range(max_depth, 1, -1):
        found = set(chain.from_iterable(map(children_of, by_rounds[r])))
        lifted = list(compress(found, map(lt, map(rounds.__getitem__, found), repeat(r - 1))))
        scatter(rounds, lifted, repeat(r - 1))
        by_rounds[r - 1].extend(lifted)


def depth_counts(counts: Sequence[Sequence[int]], v: int) -> list[int]:
    """Node ``v``'s counts per depth from :func:`bounded_reach`, trailing zeros left out."""
    row = [depth[v] for depth in counts]
    while row and row[-1] == 0:
        row.pop()
    return row


def union_rounds(
    adjacency: Sequence[Sequence[int]],
    max_depth: int,
    own: list[int],
    after_round: Callable[[int, list[int], list[int]], None] | None = None,
    *,
    parents: Sequence[Sequence[int]] | None = None,
) -> list[int]:
    """Per node: the OR of ``own`` over itself and every node within ``max_depth`` levels.

    Whole ints, no blocks: for bits that are few or fixed in number per node (job bits,
    sketches). ``own`` becomes the answer: its values are replaced in place, so that the
    graph's values are held once. ``after_round(k, nodes, values)`` sees, after round ``k``
    (from 1), the nodes whose value changed in it and their new values.
    """
    n = len(adjacency)
    parents_of = (parents if parents is not None else reverse(adjacency)).__getitem__
    children = adjacency.__getitem__
    # A node's value only grows, and holds its own bits: OR-ing its children's into its
    # current value gives the same as into its own bits, without keeping those (the whole
    # graph's own bits would be one more value per node held all along).
    union = own
    changed = list(compress(range(n), union))
    for k in range(1, max_depth + 1):
        candidates = list(set(chain.from_iterable(map(parents_of, changed))))
        if not candidates:
            break
        grown = _grown(candidates, children, union, union)
        keep = list(map(ne, grown, map(union.__getitem__, candidates)))
        changed = list(compress(candidates, keep))
        grown = list(compress(grown, keep))
        scatter(union, changed, grown)
        if after_round:
            after_round(k, changed, grown)
    return union


def bounded_union(
    adjacency: Sequence[Sequence[int]],
    max_depth: int,
    labels: Mapping[int, Iterable[int]],
    wanted: Iterable[int],
    *,
    rounds: Rounds | None = None,
    block_bits: int = _UNION_BLOCK_BITS,
) -> dict[int, int]:
    """Per wanted node: the union, over itself and every node within ``max_depth`` levels, of
    the label positions ``labels[node]``, as an int with those bits set.

    Label positions are swept in blocks of ``block_bits``, so a node's ints stay small when
    its labels are near each other; ``rounds`` as for :func:`bounded_reach` (the wanted nodes
    followed for all ``max_depth``).
    """
    n = len(adjacency)
    parents_of, children = reverse(adjacency).__getitem__, adjacency.__getitem__
    by_block: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for v, positions in labels.items():
        for position in positions:
            by_block[position // block_bits].append((v, position % block_bits))
    wanted = set(wanted)
    found: dict[int, int] = dict.fromkeys(wanted, 0)
    own, union = [0] * n, [0] * n
    for block in sorted(by_block):
        for v, bit in by_block[block]:
            own[v] |= 1 << bit
        seeded = list({v for v, _ in by_block[block]})
        scatter(union, seeded, map(own.__getitem__, seeded))
        touched = set(seeded)
        changed = seeded
        for k in range(max_depth):
            candidates = _candidates(parents_of, changed, rounds, k)
            if not candidates:
                break
            touched.update(candidates)
            grown = _grown(candidates, children, union, own)
            keep = list(map(ne, grown, map(union.__getitem__, candidates)))
            changed = list(compress(candidates, keep))
            scatter(union, changed, compress(grown, keep))
        shift = block * block_bits
        for v in touched & wanted:
            found[v] |= union[v] << shift
        scatter(own, seeded, repeat(0))
        scatter(union, touched, repeat(0))
    return found


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


def next_level(
    reached: set[int], seen: set[int], depths: dict[int, int], depth: int, max_nodes: int
) -> tuple[set[int], bool]:
    """The assets first met at ``depth`` of a walk, and whether the node cap cut them.

    ``reached`` is every asset the level's edges lead to; those not ``seen`` yet are new, and
    of them only as many as ``max_nodes`` leaves room for are kept, the lowest ids (the cap
    keeps the nearest; within a level any order would do, ids make it repeatable). The kept
    ones join ``seen`` and ``depths``. Every walk of the store (through the database, at a
    past moment, in memory) takes its levels this way, so all give the same answer.
    """
    following = reached - seen
    room = max_nodes - len(depths)
    capped = len(following) > room
    if capped:
        following = set(sorted(following)[:room])
    seen |= following
    depths.update(dict.fromkeys(following, depth))
    return following, capped
