"""Distinct-count sketches that merge by OR, for estimating reaches past the exact limit.

Counting exactly how many assets lie within 15 levels of every asset costs, for the assets
that reach much of a large graph, time and memory that grow with the square of the graph.
Past :data:`lineage_core.reach.EXACT_LIMIT` the impact cache therefore estimates, with a
probabilistic counting sketch (Flajolet and Martin's PCSA, "probabilistic counting with
stochastic averaging"): an asset's sketch sets one bit, chosen by a hash of its id, in one of
``LANES`` bitmaps, at a position that is ``k`` with probability ``2**-(k+1)``. The sketch of
a set is the OR of its members' sketches, so a reach's sketch grows by the same rounds of ORs
as an exact reach does (:mod:`lineage_core.graph`), at a fixed 512 bytes an asset.

The bitmaps are 16-bit lanes of one Python int for one asset (the per-entry walks), and of
64 words in a row of an array for every asset at once (:func:`reach_runs`, the refresh's
passes); bit ``b`` of the int is bit ``b % 64`` of word ``b // 64``. The estimate reads, per
lane, how many of its lowest bits are all set (``R``): ``x ^ (x + LOW_BITS)`` turns each
lane's run of low ones, and the zero above it, into ones, so one addition, one XOR and one bit
count give the sum of ``R`` over all lanes (the same per 64-bit word). Positions stop at 14,
so a lane's top bit is never set and the addition never carries into the next lane. Relative
error is about 0.78 / sqrt(LANES), 4.9% with 256 lanes; the estimate only ever grows as bits
are added, which the exact pass relies on.

Estimates depend on asset ids only (the hash is fixed), so every refresh, full or
incremental, and the per-entry walks give the same estimate for the same reach.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from itertools import repeat
from operator import lshift, or_

import numpy as np

from lineage_core.graph import Buffers, csr, or_segments, segments, set_bits

LANES = 256
LANE_BITS = 16
TOP_POSITION = LANE_BITS - 2  # a lane's top bit stays clear: the addition never carries out
SKETCH_BITS = LANES * LANE_BITS  # job bits, when carried along, sit above these
LOW_BITS = sum(1 << (lane * LANE_BITS) for lane in range(LANES))
_PHI = 0.77351  # PCSA's correction factor
_KAPPA = 1.75  # small-range correction (Scheuermann and Mauve)
_MASK64 = (1 << 64) - 1


def _mix(value: int) -> int:
    """SplitMix64's finaliser: a fixed 64-bit hash of an id, the same in every process."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def own_sketch(asset_id: int) -> int:
    """The sketch of the one-asset set ``{asset_id}``: a single bit."""
    hashed = _mix(asset_id)
    lane = hashed % LANES
    rest = hashed >> 8 | 1 << 56  # a sentinel bit: no more than 56 trailing zeros
    position = min((rest & -rest).bit_length() - 1, TOP_POSITION)
    return 1 << (lane * LANE_BITS + position)


def sketch_of(asset_ids: Iterable[int]) -> int:
    """The sketch of a set of assets."""
    value = 0
    for asset_id in asset_ids:
        value |= own_sketch(asset_id)
    return value


def runs(sketch: int) -> int:
    """The sum over lanes of each lane's run of low set bits: what the estimate reads.

    Bits above the sketch (job bits carried in the same int) cancel out in the XOR.
    """
    return (sketch ^ (sketch + LOW_BITS)).bit_count() - LANES


def estimate_of_runs(total_runs: int) -> int:
    """The estimated number of distinct assets of a sketch whose runs add up to ``total_runs``."""
    mean = total_runs / LANES
    return round(LANES / _PHI * (2.0**mean - 2.0 ** (-_KAPPA * mean)))


def estimate(sketch: int) -> int:
    return estimate_of_runs(runs(sketch))


def runs_above(count: int) -> int:
    """The least sum of runs whose estimate exceeds ``count`` (estimates grow with runs)."""
    low, high = 0, LANES * (TOP_POSITION + 1)
    while low < high:
        middle = (low + high) // 2
        if estimate_of_runs(middle) > count:
            high = middle
        else:
            low = middle + 1
    return low


RELATIVE_ERROR = 0.78 / math.sqrt(LANES)


# -- every asset's sketch at once ------------------------------------------------------------

_WORDS = SKETCH_BITS // 64  # a sketch as 64-bit words: four lanes each
_LOW_WORD = np.uint64(sum(1 << (lane * LANE_BITS) for lane in range(64 // LANE_BITS)))
_CHUNK_BYTES = 1 << 24  # the rows gathered at once: 16 MB
_BLOCK_WORDS = 32  # sketch words per block of rounds: half the sketch


def own_bits(asset_ids: Sequence[int]) -> np.ndarray:
    """The bit :func:`own_sketch` sets, for many assets at once (the same hash, vectorised)."""
    value = np.asarray(asset_ids, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    value = (value ^ (value >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    value = (value ^ (value >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    value ^= value >> np.uint64(31)
    lane = (value % np.uint64(LANES)).astype(np.int64)
    rest = value >> np.uint64(8) | np.uint64(1 << 56)
    lowest = rest & (~rest + np.uint64(1))  # a power of two: exact as a float
    position = np.minimum(np.log2(lowest.astype(np.float64)).astype(np.int64), TOP_POSITION)
    return lane * LANE_BITS + position


def _runs(words: np.ndarray, buffers: Buffers) -> np.ndarray:
    """:func:`runs` of every row of sketch words (of whole words' lanes: four each)."""
    rows = len(words)
    width = words.shape[1]
    spread = np.add(words, _LOW_WORD, out=buffers.get("spread", rows, width=width))
    np.bitwise_xor(spread, words, out=spread)
    counted = np.bitwise_count(spread, out=buffers.get("counted", rows, np.uint8, width))
    return counted.sum(axis=1, dtype=np.int32) - width * (64 // LANE_BITS)


def reach_runs(
    adjacency: Sequence[Sequence[int]],
    max_depth: int,
    asset_ids: Sequence[int],
    job_bits: Sequence[int] | None = None,
) -> tuple[np.ndarray, list[int] | None]:
    """Per round ``k`` from 0 (the asset itself) to ``max_depth`` (a row each), per node (a
    column): the runs of the sketch of what it reaches within ``k`` levels; with ``job_bits``,
    also the union of them over every node's reach.

    The rounds of :mod:`lineage_core.graph`, with every node's sketch a row of 64-bit words
    in one array and each round a few array operations: as Python ints, a million sketches
    cost a microsecond per edge and round, most of it in scattered memory. Lanes never mix,
    so the rounds run once per block of :data:`_BLOCK_WORDS` words (the job words with the
    last) and the runs add up: a round needs the values before it and those it grows, two
    copies of the rows, and a block at a time they take half the memory (the whole sketch is
    520 MB a copy at a million assets). At a million assets that took the rounds from 1.49 to
    1.07 GiB at their peak and 14.4 to 13.5 s; blocks of 16 words, to 0.85 GiB but 17.3 s.
    """
    n = len(adjacency)
    job_words = -(-max(job_bits, default=0).bit_length() // 64) if job_bits is not None else 0
    bits = own_bits(asset_ids)
    starts, children = csr(adjacency)
    parents = np.repeat(np.arange(n, dtype=np.int32), np.diff(starts))
    total = np.zeros((max_depth + 1, n), dtype=np.uint16)
    jobs = None
    for first in range(0, _WORDS, _BLOCK_WORDS):
        last = min(first + _BLOCK_WORDS, _WORDS)
        extra = job_words if last == _WORDS else 0
        values = np.zeros((n, last - first + extra), dtype=np.uint64)
        inside = np.flatnonzero((bits >= 64 * first) & (bits < 64 * last))
        set_bits(values, inside, bits[inside] - 64 * first)
        for j in range(extra):
            shift, mask = 64 * j, (1 << 64) - 1
            values[:, last - first + j] = np.fromiter(
                ((b >> shift) & mask for b in job_bits or ()), dtype=np.uint64, count=n
            )
        round_zero = np.zeros(n, dtype=np.uint16)  # one bit: its lane's run, if it is low
        round_zero[inside] = bits[inside] % LANE_BITS == 0
        _rounds(values, last - first, children, parents, max_depth, round_zero, total)
        if last == _WORDS and job_bits is not None:
            jobs = [0] * n
            for j in range(extra):
                words = values[:, last - first + j].tolist()
                jobs = list(map(or_, jobs, map(lshift, words, repeat(64 * j))))
        del values
    return total, jobs


def _rounds(
    values: np.ndarray,
    sketch_words: int,
    children: np.ndarray,
    parents: np.ndarray,
    max_depth: int,
    round_zero: np.ndarray,
    total: np.ndarray,
) -> None:
    """The rounds over one block of words (``values``, grown in place), its runs added to
    ``total`` row by row.

    A round takes only the edges whose child changed in the one before (a parent's value
    already holds its other children's), OR-reduces them per parent, and writes the rows
    that grew after the round (a round reads only the values of the one before). Rows are
    gathered in chunks into buffers kept for all rounds: fresh memory costs a page fault per
    4 kB on first touch.
    """
    n, width = values.shape
    buffers = Buffers(width)
    rows = max(1, _CHUNK_BYTES // (8 * width))
    runs = round_zero
    total[0] += runs
    changed = np.ones(n, dtype=bool)
    # The rows that grew, written after the round; untouched pages cost no memory.
    found = np.empty((n, width), dtype=np.uint64)
    for depth in range(1, max_depth + 1):
        taken = changed[children]
        from_children, to_parents = children[taken], parents[taken]
        grown_at: list[np.ndarray] = []
        grown_runs: list[np.ndarray] = []
        filled = start = 0
        while start < len(to_parents):
            end = min(start + rows, len(to_parents))
            if end < len(to_parents):  # a parent's edges stay in one chunk
                end = int(np.searchsorted(to_parents, to_parents[end], "left"))
                if end == start:
                    end = int(np.searchsorted(to_parents, to_parents[start], "right"))
            part = to_parents[start:end]
            heads, lengths = segments(part)
            who = part[heads]
            sources = from_children[start:end]
            merged = or_segments(values, sources, heads, lengths, buffers)
            before = np.take(values, who, axis=0, out=buffers.get("before", len(who)), mode="wrap")
            merged |= before
            differs = np.not_equal(merged, before, out=buffers.get("differs", len(who), bool))
            grew = differs.any(axis=1)
            count = int(np.count_nonzero(grew))
            if count == len(who):
                found[filled : filled + count] = merged
            else:
                into = found[filled : filled + count]
                np.take(merged, np.flatnonzero(grew), axis=0, out=into, mode="wrap")
            grown_at.append(who[grew])
            filled += count
            grown_runs.append(_runs(found[filled - count : filled, :sketch_words], buffers))
            start = end
        if not filled:  # nothing grew: every later round would repeat this one
            total[depth:] += runs
            return
        at = np.concatenate(grown_at)
        values[at] = found[:filled]
        runs = runs.copy()
        runs[at] = np.concatenate(grown_runs)
        changed[:] = False
        changed[at] = True
        total[depth] += runs
