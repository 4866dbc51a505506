"""How an asset's downstream (or upstream) changed between two moments.

Two as-of walks (:mod:`.as_of`), at ``since`` and at ``until``, in one snapshot of the store;
their net difference is the answer: assets and edges in the later walk only were added, those
in the earlier walk only were removed. An edge is the same edge across its retirements (its
id), so one retired and recorded again in between is no change.

Each change comes with when it happened. An edge of the later walk has been active since the
start of its interval; an asset or edge joined the walk at the first moment since which a path
of such edges (within the depth) links it to the root: along a path, the latest start; over
paths, the earliest (:func:`reach_times`). That moment is after ``since``, or the asset would
have been in the earlier walk. An asset or edge that left did so at the last moment a path of
the earlier walk's edges still linked it: along a path the earliest end, over paths the latest.

A ``since`` after ``until`` asks the way back: the same changes the other way round, what was
added from ``until`` to ``since`` being removed from ``since`` to ``until``, at the same times.
"""

from __future__ import annotations

import operator
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from lineage_core.errors import InvalidArgument
from lineage_core.models import DiffAsset, DiffEdge, LineageDiff, validate_depth
from lineage_core.store.as_of import EdgeAt, WalkAt, walk
from lineage_core.store.catalog import asset_info, job_names, lineage_root
from lineage_core.store.context import StoreContext
from lineage_core.store.impact import UNBOUNDED
from lineage_core.store.rows import AssetInfo, Direction

WINDOW = timedelta(days=7)  # a diff's default span, back from its ``until``
BEFORE_ALL = datetime.min.replace(tzinfo=UTC)
AFTER_ALL = datetime.max.replace(tzinfo=UTC)


def diff(
    ctx: StoreContext,
    name: str,
    *,
    since: datetime,
    until: datetime,
    max_depth: int,
    direction: Direction,
) -> LineageDiff:
    validate_depth(max_depth)
    if direction not in ("downstream", "upstream"):
        raise InvalidArgument(f"direction must be downstream or upstream, got {direction!r}")
    if since > until:  # the way back: the same changes, the other way round
        ahead = diff(ctx, name, since=until, until=since, max_depth=max_depth, direction=direction)
        return ahead.model_copy(
            update={
                "since": since,
                "until": until,
                "added_assets": ahead.removed_assets,
                "removed_assets": ahead.added_assets,
                "added_edges": ahead.removed_edges,
                "removed_edges": ahead.added_edges,
            }
        )
    deadline = time.monotonic() + ctx.timeout
    with ctx.session(timeout=ctx.timeout, snapshot=True) as session:
        root_id, root_name = lineage_root(ctx, session, name)
        before = walk(ctx, session, root_id, direction, max_depth, UNBOUNDED, deadline, since)
        after = walk(ctx, session, root_id, direction, max_depth, UNBOUNDED, deadline, until)
        info = asset_info(session, before.depths.keys() | after.depths.keys() | {root_id})
        jobs = job_names(ctx, session, {e.job_id for e in [*before.edges, *after.edges]})
    joined, joined_edges = reach_times(root_id, after.edges, max_depth, direction, joined=True)
    left, left_edges = reach_times(root_id, before.edges, max_depth, direction, joined=False)
    return LineageDiff(
        root_asset_id=str(root_id),
        root=root_name,
        direction=direction,
        max_depth=max_depth,
        since=since,
        until=until,
        added_assets=_assets(after.depths.keys() - before.depths.keys(), after, joined, info),
        removed_assets=_assets(before.depths.keys() - after.depths.keys(), before, left, info),
        added_edges=_edges(_only_in(after, before), joined_edges, info, jobs),
        removed_edges=_edges(_only_in(before, after), left_edges, info, jobs),
    )


def reach_times(
    root_id: int,
    edges: Sequence[EdgeAt],
    max_depth: int,
    direction: Direction,
    *,
    joined: bool,
) -> tuple[dict[int, datetime], dict[int, datetime]]:
    """(asset id -> time, edge id -> time) of when each joined (``joined``) or left the walk.

    A bottleneck path search limited to ``max_depth`` hops, breadth first: each round extends
    the labels that improved in the round before by one edge, so every (hops, time) label that
    is the best at its number of hops is extended, and no other. For ``joined`` a path's time
    is its latest edge start and the best is the earliest; for left, its earliest edge end
    (an open interval never ends) and the best is the latest. An edge's time is that of the
    path through its near end, combined with its own.
    """
    better: Callable[[datetime, datetime], bool] = operator.lt if joined else operator.gt
    along: Callable[[datetime, datetime], datetime] = max if joined else min
    start = BEFORE_ALL if joined else AFTER_ALL
    out: dict[int, list[tuple[EdgeAt, int, datetime]]] = defaultdict(list)
    for edge in edges:
        near, far = _ends(edge, direction)
        own = edge.active_from if joined else (edge.active_until or AFTER_ALL)
        out[near].append((edge, far, own))
    assets: dict[int, datetime] = {root_id: start}
    edge_times: dict[int, datetime] = {}
    frontier = {root_id: start}
    for _ in range(max_depth):
        following: dict[int, datetime] = {}
        for node, reached_at in frontier.items():
            for edge, far, own in out.get(node, ()):
                at = along(reached_at, own)
                if edge.id not in edge_times or better(at, edge_times[edge.id]):
                    edge_times[edge.id] = at
                if far not in assets or better(at, assets[far]):
                    assets[far] = following[far] = at
        if not following:
            break
        frontier = following
    del assets[root_id]
    return assets, edge_times


def _ends(edge: EdgeAt, direction: Direction) -> tuple[int, int]:
    """(near end, far end) of an edge as a walk in ``direction`` crosses it."""
    if direction == "downstream":
        return edge.source_id, edge.target_id
    return edge.target_id, edge.source_id


def _only_in(walk: WalkAt, other: WalkAt) -> list[EdgeAt]:
    others = {edge.id for edge in other.edges}
    return [edge for edge in walk.edges if edge.id not in others]


def _assets(
    ids: set[int], walked: WalkAt, times: Mapping[int, datetime], info: Mapping[int, AssetInfo]
) -> list[DiffAsset]:
    found = [
        DiffAsset(
            id=str(asset_id),
            name=info[asset_id][0],
            qualified_name=info[asset_id][1],
            type=info[asset_id][2],
            depth=walked.depths[asset_id],
            at=times[asset_id],
        )
        for asset_id in ids
    ]
    return sorted(found, key=lambda asset: (asset.at, asset.depth, asset.qualified_name))


def _edges(
    edges: Sequence[EdgeAt],
    times: Mapping[int, datetime],
    info: Mapping[int, AssetInfo],
    jobs: Mapping[int, tuple[str, str]],
) -> list[DiffEdge]:
    found = []
    for edge in edges:
        location, job = jobs.get(edge.job_id, ("", ""))
        found.append(
            DiffEdge(
                edge_id=edge.id,
                source=info[edge.source_id][1],
                target=info[edge.target_id][1],
                job=job or None,
                op=edge.op or None,
                code_location=location or None,
                transformation_type=edge.transformation_type,
                active_from=edge.active_from,
                active_until=edge.active_until,
                at=times[edge.id],
            )
        )
    return sorted(found, key=lambda edge: (edge.at, edge.source, edge.target, edge.edge_id))
