"""How many assets every asset reaches within the cache's depth: exact up to a limit, estimated
beyond it, in time that grows with the graph rather than with its square.

Exact counts for every asset cost, on graphs where many assets reach much of the graph, work
and memory in proportion to the sum of all reaches, which grows with the square of the graph
(399 s and 7.7 GiB for a million assets). So counts are exact up to :data:`EXACT_LIMIT`
downstream (or upstream) assets, and above it they are estimates from the sketches of
:mod:`lineage_core.sketch`, flagged as such. The limit is what a threshold, a check or an
alert can rely on: a count at or under it is exact, and an estimated one is over it.

One direction of one graph takes two passes:

1. The sketch rounds (:func:`lineage_core.sketch.reach_runs`) give every asset's estimated
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

import numpy as np

from lineage_core.graph import bfs_depths, bounded_reach, follow_children
from lineage_core.sketch import (
    LANES,
    TOP_POSITION,
    estimate_of_runs,
    own_sketch,
    reach_runs,
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
    level_ends: Sequence[int] | None = None,
) -> DirectionCounts:
    """Every node's counts per depth in the direction of ``adjacency`` (``parents`` is its
    reverse), exact up to :data:`EXACT_LIMIT` and estimated above; with ``job_bits``, also
    each node's union of them over itself and its reach. ``positions`` orders the exact pass
    (a level order, whose ``level_ends`` may be given); ``asset_ids`` seed the sketches."""
    n = len(adjacency)
    runs_by_round, jobs = reach_runs(adjacency, max_depth, asset_ids, job_bits)

    # Only the nodes whose estimate stays under the bound can be within the limit: they are
    # followed to the end, and their children as far as they need them.
    rounds = array("b", bytes(n))
    np.frombuffer(rounds, np.int8)[runs_by_round[-1] <= runs_above(_FOLLOW_UNDER)] = max_depth
    follow_children(adjacency, rounds, max_depth)
    counts = bounded_reach(
        adjacency,
        max_depth,
        positions,
        progress,
        rounds=rounds,
        parents=parents,
        level_ends=level_ends,
    )

    by_depth = [np.frombuffer(depth, np.int32) for depth in counts]  # views: written through
    totals = np.zeros(n, np.int64)
    for depth in by_depth:
        totals += depth
    over = (totals > EXACT_LIMIT) | (np.frombuffer(rounds, np.int8) < max_depth)
    at = np.flatnonzero(over)
    for depth, row in zip(by_depth, _estimated_rows(runs_by_round[:, at]), strict=True):
        depth[at] = row
    return DirectionCounts(counts, bytearray(over.astype(np.uint8).tobytes()), jobs)


_ESTIMATES = np.array([estimate_of_runs(total) for total in range(LANES * (TOP_POSITION + 1) + 1)])


def _estimated_rows(runs_by_round: np.ndarray) -> np.ndarray:
    """Counts per depth (a row each) from sketch runs after rounds 0 (the asset itself) to
    max_depth, per column (an asset); more than the limit in all, as the flag promises."""
    cumulative = np.maximum(_ESTIMATES[runs_by_round] - 1, 0)
    cumulative[0] = 0  # the asset itself, never counted (its own bit can read as two)
    np.maximum.accumulate(cumulative, axis=0, out=cumulative)
    last = cumulative[-1]
    last[last <= EXACT_LIMIT] = EXACT_LIMIT + 1
    return np.diff(cumulative, axis=0).astype(np.int32)


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
        counts = _estimated_rows(np.array(runs_per_round)[:, None])[:, 0].tolist()
    while counts and counts[-1] == 0:
        counts.pop()
    return counts, estimated, depths
