"""How many assets every asset reaches within the cache's depth: exact up to a limit, estimated
beyond it, in time that grows with the graph rather than with its square.

Exact counts for every asset cost, on graphs where many assets reach much of the graph, work
and memory in proportion to the sum of all reaches, which grows with the square of the graph
(399 s and 7.7 GiB for a million assets). So counts are exact up to :data:`EXACT_LIMIT`
downstream (or upstream) assets, and above it they are estimates from the sketches of
:mod:`lineage_core.sketch`, flagged as such. The limit is what a threshold, a check or an
alert can rely on: a count at or under it is exact, and an estimated one is over it.

One direction of one graph takes two passes:

1. The sketch rounds (:func:`lineage_core.graph.union_rounds`) give every asset's estimated
   reach after each round, and carry the job bits along (jobs are few: their union is exact).
2. The exact pass (:func:`lineage_core.graph.bounded_reach`) follows only the assets whose
   final estimate is at most 1.5 times the limit, and their children as far as they need
   them. Those of them counted within the limit are exact; all others are estimated.

An asset within the limit is estimated only if its sketch reads more than 1.5 times its
reach: with 256 lanes, a chance below 10**-16 (the sketch's standard error is 4.9%; this is
over ten of them). Everything past that bound costs no exact work, which is what keeps the
pass linear: the assets within the limit reach few assets each.

The per-entry walks (:func:`walked_counts`) give one asset the same counts and flag.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import add, gt, le, lshift, lt, or_, rshift, sub, xor

from lineage_core.graph import bfs_depths, bounded_reach, follow_children, scatter, union_rounds
from lineage_core.sketch import (
    LANES,
    LOW_BITS,
    SKETCH_BITS,
    estimate_of_runs,
    own_sketch,
    runs,
    runs_above,
)

EXACT_LIMIT = 10_000  # counts up to this many assets are exact; above it, estimated
_FOLLOW_UNDER = EXACT_LIMIT * 3 // 2  # an estimate over this is taken as over the limit


@dataclass
class DirectionCounts:
    """One direction's answer for every node of a graph."""

    counts: list[array]  # per depth (index 0 = depth 1), per node: assets first seen there
    estimated: bytearray  # per node: 1 where the counts are estimates (the reach is over the limit)
    jobs: list[int] | None  # per node: the union of the job bits over its reach, when asked for

    def of(self, v: int) -> list[int]:
        """Node ``v``'s counts per depth, trailing zeros left out."""
        row = [depth[v] for depth in self.counts]
        while row and row[-1] == 0:
            row.pop()
        return row


def direction_counts(
    adjacency: Sequence[Sequence[int]],
    parents: Sequence[Sequence[int]],
    max_depth: int,
    asset_ids: Sequence[int],
    positions: Sequence[int],
    *,
    job_bits: Sequence[int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> DirectionCounts:
    """Every node's counts per depth in the direction of ``adjacency`` (``parents`` is its
    reverse), exact up to :data:`EXACT_LIMIT` and estimated above; with ``job_bits``, also
    each node's union of them over itself and its reach. ``positions`` orders the exact pass
    (a level order); ``asset_ids`` seed the sketches."""
    n = len(adjacency)
    own = map(own_sketch, asset_ids)
    if job_bits is not None:
        own = map(or_, own, map(lshift, job_bits, repeat(SKETCH_BITS)))
    own = list(own)
    runs_by_round = [array("H", map(runs, own))]
    bit_count = int.bit_count

    def after_round(k: int, changed: list[int], values: list[int]) -> None:
        row = array("H", runs_by_round[-1])
        found = map(bit_count, map(xor, values, map(add, values, repeat(LOW_BITS))))
        scatter(row, changed, map(sub, found, repeat(LANES)))
        runs_by_round.append(row)

    sketches = union_rounds(adjacency, max_depth, own, after_round, parents=parents)
    del own  # the same list, now the sketches
    jobs = list(map(rshift, sketches, repeat(SKETCH_BITS))) if job_bits is not None else None
    del sketches
    while len(runs_by_round) <= max_depth:  # rounds in which nothing changed
        runs_by_round.append(runs_by_round[-1])

    # Only the nodes whose estimate stays under the bound can be within the limit: they are
    # followed to the end, and their children as far as they need them.
    threshold = runs_above(_FOLLOW_UNDER)
    rounds = array("b", bytes(n))
    scatter(rounds, compress(range(n), map(le, runs_by_round[-1], repeat(threshold))),
             repeat(max_depth))  # fmt: skip
    follow_children(adjacency, rounds, max_depth)
    counts = bounded_reach(adjacency, max_depth, positions, progress, rounds=rounds)

    totals = list(map(sum, zip(*counts, strict=True))) if counts else [0] * n
    estimated = bytearray(map(gt, totals, repeat(EXACT_LIMIT)))
    for v in compress(range(n), map(lt, rounds, repeat(max_depth))):
        estimated[v] = 1
    for v in compress(range(n), estimated):
        row = _estimated_row([runs_row[v] for runs_row in runs_by_round])
        for depth, count in enumerate(row):
            counts[depth][v] = count
    return DirectionCounts(counts, estimated, jobs)


def _estimated_row(runs_per_round: Sequence[int]) -> list[int]:
    """Counts per depth from a node's sketch runs after rounds 0 (itself) to max_depth; more
    than the limit in all, as the flag promises."""
    cumulative = [max(estimate_of_runs(total) - 1, 0) for total in runs_per_round]
    for k in range(1, len(cumulative)):
        cumulative[k] = max(cumulative[k], cumulative[k - 1])
    if cumulative[-1] <= EXACT_LIMIT:
        cumulative[-1] = EXACT_LIMIT + 1
    return [cumulative[k] - cumulative[k - 1] for k in range(1, len(cumulative))]


def walked_counts(
    adjacency: Sequence[Sequence[int]], v: int, max_depth: int, asset_ids: Sequence[int]
) -> tuple[list[int], bool, dict[int, int]]:
    """One node's counts per depth (trailing zeros left out), whether they are estimated, and
    the depth of every node reached: the same counts as :func:`direction_counts` gives it."""
    depths = bfs_depths(adjacency, v, max_depth)
    counts = [0] * max_depth
    for depth in depths.values():
        counts[depth - 1] += 1
    by_depth = [own_sketch(asset_ids[v])] + [0] * max_depth
    for u, depth in depths.items():
        by_depth[depth] |= own_sketch(asset_ids[u])
    runs_per_round = []
    sketch = 0
    for part in by_depth:
        sketch |= part
        runs_per_round.append(runs(sketch))
    estimated = len(depths) > EXACT_LIMIT or runs_per_round[-1] > runs_above(_FOLLOW_UNDER)
    if estimated:
        counts = _estimated_row(runs_per_round)
    while counts and counts[-1] == 0:
        counts.pop()
    return counts, estimated, depths
