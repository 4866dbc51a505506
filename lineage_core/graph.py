"""Depth-bounded reachability over a whole graph at once, for the impact cache.

Refreshing the cache asks, for every asset, how many assets lie within 15 levels down and up,
at which depth each first appears, and which Dagster jobs touch them. One walk per asset is
quadratic on large graphs; instead every asset keeps its reach as a bitset and the reach
grows one level per round from its neighbours' reach:

    R_0(v) = {v},   R_k(v) = {v} | OR over neighbours c of R_{k-1}(c)

so ``|R_k(v)| - |R_{k-1}(v)|`` assets lie at shortest distance ``k``. A round recomputes only
the assets with a neighbour whose reach changed in the previous round, from those neighbours
alone: the others' bits are in the asset's reach already. Cycles are harmless: reaches only
grow, and a round counts each asset's growth once. The same rounds OR any other per-asset
bits instead: context positions (:func:`bounded_union`), or the sketches of
:mod:`lineage_core.sketch`.

Bits are positions in a level order (:func:`level_order`), cut into blocks of a fixed size
that are swept one after the other (depth counts add up across blocks). A block's bitsets
are rows of 64-bit words in one array, one row per asset the block has reached, and a round
is a few array operations (:func:`or_segments`): an asset whose reach lies in a few levels
touches only those levels' rows, and memory holds one block's bitsets at a time. Blocks end
where levels end when they can: in a layered graph an asset's reach at one depth is one level.

Exact reaches are only ever followed for a bounded number of rounds per asset (``rounds``):
the impact cache counts exactly up to a limit and estimates beyond it, and an asset known to
reach more than the limit is left out of the rounds that follow. That keeps the work of a
sweep to the assets whose reach is small, instead of every asset once per block (which grew
with the square of the graph: at a million assets every level was swept a dozen times).

:func:`bounded_union` sweeps blocks of label positions the same way (:func:`_sweep`), and
hands each wanted asset its union as a Python int."""

from __future__ import annotations

from array import array
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import chain, compress, count, repeat
from operator import lt, setitem

import numpy as np

_BLOCK_BITS = 8_192  # positions per block of the exact pass: rows of at most 1 kB
_UNION_BLOCK_BITS = 2_048  # label positions per block of bounded_union
_SLOTS = 16  # a parent's first inputs are OR-ed slot by slot, the rest per parent

Rounds = Sequence[int]  # per node: how many rounds it is followed for


def scatter(target: list | array, keys: Iterable[int], values: Iterable) -> None:
    """``target[key] = value`` pairwise, without a bytecode loop."""
    deque(map(setitem, repeat(target), keys, values), 0)


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
    """Children and parents lists; a pair of assets joined by several jobs is one adjacency.

    Every list holds the same int object for a node (``nodes[t]``, not the fresh one that
    reading ``targets`` makes): at a million assets and 3.8 million edges that is 120 MB
    less in each process that holds the lists. Only lists with a repeated child are rebuilt.
    """
    nodes = list(range(n))
    down: list[list[int]] = [[] for _ in nodes]
    for s, t in zip(sources, targets, strict=True):
        down[s].append(nodes[t])
    for v, children in enumerate(down):
        if len(children) > 1 and len(set(children)) < len(children):
            down[v] = list(dict.fromkeys(children))
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
    return ordered_levels(adjacency)[0]


def ordered_levels(adjacency: Sequence[Sequence[int]]) -> tuple[list[int], list[int]]:
    """:func:`level_order`, and where each level ends in it: what :func:`bounded_reach`
    cuts its blocks by, known here without walking the levels again."""
    position = [0] * len(adjacency)
    ends: list[int] = []
    placed = 0
    for level in _levels(adjacency):
        scatter(position, level, range(placed, placed + len(level)))
        placed += len(level)
        ends.append(placed)
    return position, ends


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
    adjacency: Sequence[Sequence[int]],
    parents: Sequence[Sequence[int]],
    rank: list[int],
    size: int,
    level_ends: Sequence[int] | None = None,
) -> Iterator[tuple[int, int]]:
    """(start, end) rank ranges of at most ``size``: whole levels where they fit, even slices
    of a level that does not."""
    n = len(adjacency)
    if level_ends is None:
        level_ends = _level_ends((adjacency, parents), rank)
    ends = [*level_ends, n]
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


class Buffers:
    """Arrays kept for all rounds and grown when too small: fresh memory costs a page fault
    per 4 kB on first touch, more than the work done on it."""

    def __init__(self, width: int) -> None:
        self.width = width
        self._held: dict[str, np.ndarray] = {}

    def get(
        self,
        name: str,
        rows: int,
        dtype: type = np.uint64,
        width: int | None = None,
        *,
        keep: int = 0,
    ) -> np.ndarray:
        """``rows`` rows of the buffer ``name``; when it grows, only its first ``keep`` rows
        move to the new one."""
        held = self._held.get(name)
        if held is None or len(held) < rows:
            grown = np.empty((max(rows, 2 * len(held) if held is not None else rows),
                              width or self.width), dtype=dtype)  # fmt: skip
            if held is not None and keep:
                grown[:keep] = held[:keep]
            held = self._held[name] = grown
        return held[:rows]


def or_segments(
    values: np.ndarray,
    sources: np.ndarray,
    heads: np.ndarray,
    lengths: np.ndarray,
    buffers: Buffers,
) -> np.ndarray:
    """Per segment ``sources[head : head + length]`` (lengths descending): the OR of the rows
    of ``values`` it names.

    Slot by slot (the segments longer than ``r`` are a prefix, OR-ed with their ``r``-th row
    at once), then one reduction per segment for what lies past :data:`_SLOTS`: a reduction
    per segment costs microseconds each (``ufunc.reduceat`` took most of a round), and most
    assets have a few inputs. Rows are taken from ``values`` once each, straight into place.
    """
    take = np.take
    merged = take(
        values, sources[heads], axis=0, out=buffers.get("merged", len(heads)), mode="wrap"
    )
    longest = int(lengths[0]) if len(lengths) else 0
    for r in range(1, min(longest, _SLOTS)):
        m = int(np.searchsorted(-lengths, -r, "left"))  # segments longer than r
        slot = buffers.get("slot", m)
        merged[:m] |= take(values, sources[heads[:m] + r], axis=0, out=slot, mode="wrap")
    for i in range(int(np.searchsorted(-lengths, -_SLOTS, "left"))):
        start = int(heads[i])
        rest = sources[start + _SLOTS : start + int(lengths[i])]
        merged[i] |= np.bitwise_or.reduce(values[rest], axis=0)
    return merged


def csr(adjacency: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """``(starts, flat)``: node ``v``'s neighbours are ``flat[starts[v] : starts[v + 1]]``."""
    n = len(adjacency)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, adjacency), dtype=np.int64, count=n), out=starts[1:])
    return starts, np.frombuffer(array("i", chain.from_iterable(adjacency)), dtype=np.int32)


def set_bits(rows: np.ndarray, at: np.ndarray, positions: np.ndarray) -> None:
    """Set bit ``positions[i]`` of row ``at[i]`` of ``rows`` (64-bit words), for every i."""
    ones = np.left_shift(np.uint64(1), (positions % 64).astype(np.uint64))
    np.bitwise_or.at(rows, (at, positions // 64), ones)


def _followed(
    adjacency: Sequence[Sequence[int]],
    parents: Sequence[Sequence[int]] | None,
    rounds: Rounds | None,
    max_depth: int,
) -> tuple[Sequence[Sequence[int]], tuple[np.ndarray, np.ndarray], np.ndarray]:
    """What :func:`_sweep` walks: the parents lists (``reverse(adjacency)`` unless given),
    them as :func:`csr` arrays, and how many rounds each node is followed for."""
    if parents is None:
        parents = reverse(adjacency)
    followed = np.full(len(adjacency), max_depth, np.int8)
    if rounds is not None:
        followed = np.array(rounds, np.int8)
    return parents, csr(parents), followed


def _expand(starts: np.ndarray, flat: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(node, neighbour)`` arrays: one pair per neighbour of each of ``nodes``."""
    lengths = starts[nodes + 1] - starts[nodes]
    first = np.repeat(starts[nodes] - np.cumsum(lengths) + lengths, lengths)
    return np.repeat(nodes, lengths), flat[first + np.arange(len(first))]


def segments(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Heads and lengths of the runs of equal ``keys``, longest first (as :func:`or_segments`
    takes them)."""
    heads = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    lengths = np.diff(heads, append=len(keys))
    order = np.argsort(-lengths, kind="stable")
    return heads[order], lengths[order]


def bounded_reach(
    adjacency: Sequence[Sequence[int]],
    max_depth: int,
    bit_of: Sequence[int] | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    rounds: Rounds | None = None,
    block_bits: int = _BLOCK_BITS,
    parents: Sequence[Sequence[int]] | None = None,
    level_ends: Sequence[int] | None = None,
) -> list[array]:
    """Per depth ``k`` (index ``k - 1``), per node: how many nodes first appear at depth ``k``.

    ``bit_of`` orders the nodes (distinct positions; by default :func:`level_order`); the
    positions are swept in blocks of at most ``block_bits``; ``progress`` receives the number
    of nodes whose block is done. With ``rounds``, node ``v`` is followed for its first
    ``rounds[v]`` depths only, and its counts beyond are left at 0: the caller must make sure
    that a node followed for ``k`` rounds has children followed for ``k - 1`` at least.
    ``parents`` is the reverse of ``adjacency``, and ``level_ends`` the level ends of
    ``bit_of`` (:func:`ordered_levels`), when the caller has them.

    A block's bitsets are rows of 64-bit words, one per node it has touched, and a round is a
    few array operations over the edges from the nodes that changed in the one before to
    their followed parents (a parent's row already holds its other children's bits).
    """
    n = len(adjacency)
    if bit_of is None:
        bit_of = level_order(adjacency)
    parents, up, followed = _followed(adjacency, parents, rounds, max_depth)
    by_rank = np.argsort(np.asarray(bit_of, dtype=np.int64), kind="stable")
    rank = [0] * n
    scatter(rank, by_rank.tolist(), count())
    counts = [array("i", bytes(4 * n)) for _ in range(max_depth)]
    by_depth = [np.frombuffer(depth, np.int32) for depth in counts]  # views: written through
    row_of = np.full(n, -1, dtype=np.int64)  # a node's row in its block's bitsets
    kept_buffers: dict[int, Buffers] = {}  # by width: blocks are mostly of one size
    for start, end in _blocks(adjacency, parents, rank, block_bits, level_ends):
        block = by_rank[start:end]
        size = len(block)
        width = -(-size // 64)
        buffers = kept_buffers.setdefault(width, Buffers(width))
        bits = buffers.get("bits", size)
        bits[:] = 0
        local = np.arange(size)
        set_bits(bits, local, local)
        touched = _sweep(up, followed, row_of, block, max_depth, buffers, by_depth)
        row_of[touched] = -1
        if progress:
            progress(end)
    return counts


def _sweep(
    up: tuple[np.ndarray, np.ndarray],
    followed: np.ndarray,
    row_of: np.ndarray,
    seeded: np.ndarray,
    max_depth: int,
    buffers: Buffers,
    by_depth: list[np.ndarray] | None = None,
) -> np.ndarray:
    """The rounds of one block, from the rows ``buffers.get("bits")`` holds for ``seeded``:
    each round ORs the rows of the nodes that changed into those of their parents followed
    that far, giving touched nodes rows of their own (``row_of``). With ``by_depth``, the new
    bits of each round are added to its counts. Returns the nodes touched."""
    starts, flat = up
    bits = buffers.get("bits", len(seeded))
    total = np.bitwise_count(bits).sum(axis=1, dtype=np.int64) if by_depth is not None else None
    row_of[seeded] = np.arange(len(seeded))
    used = len(seeded)
    touched = [seeded]
    changed = seeded
    for k in range(max_depth):
        children, found = _expand(starts, flat, changed)
        kept = followed[found] > k
        children, found = children[kept], found[kept]
        if not len(found):
            break
        order = np.argsort(found, kind="stable")
        children, found = children[order], found[order]
        heads, lengths = segments(found)
        who = found[heads]
        fresh = who[row_of[who] < 0]
        if len(fresh):
            row_of[fresh] = np.arange(used, used + len(fresh))
            bits = buffers.get("bits", used + len(fresh), keep=used)
            bits[used:] = 0
            if total is not None:
                total = np.concatenate((total, np.zeros(len(fresh), np.int64)))
            used += len(fresh)
            touched.append(fresh)
        rows = row_of[who]
        merged = or_segments(bits, row_of[children], heads, lengths, buffers)
        before = np.take(bits, rows, axis=0, out=buffers.get("before", len(rows)), mode="wrap")
        merged |= before
        if total is not None and by_depth is not None:
            totals = np.bitwise_count(merged).sum(axis=1, dtype=np.int64)
            new = totals - total[rows]
            by_depth[k][who] += new.astype(np.int32)
            grew = new > 0
            total[rows[grew]] = totals[grew]
        else:
            grew = (merged != before).any(axis=1)
        bits[rows[grew]] = merged[grew]
        changed = who[grew]
        if not len(changed):
            break
    return np.concatenate(touched)


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


def bounded_union(
    adjacency: Sequence[Sequence[int]],
    max_depth: int,
    labels: Mapping[int, Iterable[int]],
    wanted: Iterable[int],
    *,
    rounds: Rounds | None = None,
    block_bits: int = _UNION_BLOCK_BITS,
    parents: Sequence[Sequence[int]] | None = None,
) -> dict[int, int]:
    """Per wanted node: the union, over itself and every node within ``max_depth`` levels, of
    the label positions ``labels[node]``, as an int with those bits set.

    Label positions are swept in blocks of ``block_bits``, so a node's ints stay small when
    its labels are near each other; ``rounds`` as for :func:`bounded_reach` (the wanted nodes
    followed for all ``max_depth``); ``parents`` the reverse of ``adjacency``, when known.
    """
    n = len(adjacency)
    _, up, followed = _followed(adjacency, parents, rounds, max_depth)
    by_block: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for v, positions in labels.items():
        for position in positions:
            by_block[position // block_bits].append((v, position % block_bits))
    wanted = np.unique(np.fromiter(wanted, dtype=np.int64))
    found: dict[int, int] = dict.fromkeys(wanted.tolist(), 0)
    row_of = np.full(n, -1, dtype=np.int64)
    width = -(-block_bits // 64)
    buffers = Buffers(width)
    for block in sorted(by_block):
        nodes, at = np.array(by_block[block], dtype=np.int64).T
        seeded, rows = np.unique(nodes, return_inverse=True)
        bits = buffers.get("bits", len(seeded))
        bits[:] = 0
        set_bits(bits, rows, at)
        touched = _sweep(up, followed, row_of, seeded, max_depth, buffers)
        reported = wanted[row_of[wanted] >= 0]
        if len(reported):
            bits = buffers.get("bits", len(touched))  # a row per node touched
            shift = block * block_bits
            rows_bytes = bits[row_of[reported]].tobytes()
            step = width * 8
            for i, v in enumerate(reported.tolist()):
                value = int.from_bytes(rows_bytes[i * step : (i + 1) * step], "little")
                if value:
                    found[v] |= value << shift
        row_of[touched] = -1
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
