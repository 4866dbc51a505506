"""Lineage as of a past moment: walks and impact over the edges active then.

An edge was active at ``at`` when one of its intervals holds it (:mod:`.edge_history`). The
walk is :mod:`.walks`' breadth-first walk, one query per level with the whole frontier as an
array and a visited set here, each asset once at its shortest depth, with the same node cap;
only its edges are those of that moment, each with the interval that held it (a diff needs
when it began or ended). It has no one-query shortcut for small reaches and no cache: these
are questions about the past, asked now and then, and the answer is built with the models'
own constructors.

An asset unknown at ``at`` (recorded later) has no edge active then: its answer is the root
alone, an empty graph. A name unknown now is ``AssetNotFound`` at any date, as a removed
asset's history goes with it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from lineage_core.errors import InvalidArgument, QueryTimeout
from lineage_core.graph import next_level
from lineage_core.models import (
    GraphEdge,
    GraphNode,
    ImpactAnalysis,
    LineageGraph,
    validate_depth,
)
from lineage_core.store.backends.base import Session
from lineage_core.store.catalog import asset_info, job_names, lineage_root
from lineage_core.store.context import StoreContext, chunks
from lineage_core.store.impact import UNBOUNDED, depth_counts_of
from lineage_core.store.rows import AssetInfo, Direction, by_depth_then_name, impact_model

_FRONTIER = 50_000  # ids per query of a level
_EDGE_QUERIES = {"downstream": "select_out_edges_at", "upstream": "select_in_edges_at"}


class EdgeAt(NamedTuple):
    """An edge as a walk at a moment reached it, with the active interval holding it."""

    id: int
    source_id: int
    target_id: int
    job_id: int
    op: str
    transformation_type: str | None
    active_from: datetime
    active_until: datetime | None


@dataclass(slots=True)
class WalkAt:
    """A walk at a moment before it becomes a model."""

    depths: dict[int, int]  # asset id -> shortest depth (root excluded)
    edges: list[EdgeAt]  # level by level
    truncated: bool


def instant(at: datetime) -> str:
    """``at`` as the queries take it: ISO text in UTC with all six digits of microseconds.

    SQLite compares its times as text, and a time written without a fraction or with three
    digits still sorts as the instant it names against a full one (``+`` and ``.`` sort before
    the digits); PostgreSQL casts the text to ``timestamptz``.
    """
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def walk(
    ctx: StoreContext,
    session: Session,
    root_id: int,
    direction: Direction,
    max_depth: int,
    max_nodes: int,
    deadline: float,
    at: datetime,
) -> WalkAt:
    """The assets within ``max_depth`` of ``root_id`` through edges active at ``at``."""
    query = _EDGE_QUERIES[direction]
    downstream = direction == "downstream"
    params = {"at": instant(at)}
    depths: dict[int, int] = {}
    seen = {root_id}
    edges: list[EdgeAt] = []
    frontier = [root_id]
    truncated = False
    for depth in range(1, max_depth + 1):
        if time.monotonic() > deadline:
            raise QueryTimeout(f"The {direction} walk ran past {ctx.timeout:g} s")
        level: dict[int, EdgeAt] = {}  # by edge id: overlapping intervals count once
        for batch in chunks(frontier, _FRONTIER):
            for row in session.fetch_all(query, ctx.params(ids=session.array(batch), **params)):
                level.setdefault(row[0], EdgeAt(*row))
        found = list(level.values())
        reached = {edge.target_id if downstream else edge.source_id for edge in found}
        following, capped = next_level(reached, seen, depths, depth, max_nodes)
        if capped:  # edges to assets the cap left out are left out too
            truncated = True
            found = [e for e in found if (e.target_id if downstream else e.source_id) in seen]
        edges.extend(found)
        if not following:
            break
        frontier = sorted(following)
    return WalkAt(depths, edges, truncated)


def graph(
    ctx: StoreContext,
    name: str,
    direction: Direction,
    max_depth: int,
    max_nodes: int,
    at: datetime,
) -> LineageGraph:
    """The upstream or downstream answer of ``name`` as it stood at ``at``."""
    validate_depth(max_depth)
    if max_nodes < 1:
        raise InvalidArgument(f"max_nodes must be at least 1, got {max_nodes}")
    deadline = time.monotonic() + ctx.timeout
    with ctx.session(timeout=ctx.timeout) as session:
        root_id, root_name = lineage_root(ctx, session, name)
        found = walk(ctx, session, root_id, direction, max_depth, max_nodes, deadline, at)
        info = asset_info(session, found.depths.keys() | {root_id})
        jobs = job_names(ctx, session, {edge.job_id for edge in found.edges})
    return LineageGraph(
        direction=direction,
        root_asset_id=str(root_id),
        root=root_name,
        max_depth=max_depth,
        nodes=graph_nodes(found.depths, info),
        edges=[graph_edge(edge, jobs) for edge in found.edges],
        total_nodes=len(found.depths),
        truncated=found.truncated,
    )


def graph_nodes(depths: Mapping[int, int], info: Mapping[int, AssetInfo]) -> list[GraphNode]:
    """Nodes by depth, then qualified name, as the store's walks order them."""
    return [
        GraphNode(
            id=str(asset_id),
            name=info[asset_id][0],
            qualified_name=info[asset_id][1],
            type=info[asset_id][2],
            depth=depth,
        )
        for asset_id, depth in by_depth_then_name(depths, info)
    ]


def graph_edge(edge: EdgeAt, jobs: Mapping[int, tuple[str, str]]) -> GraphEdge:
    location, job = jobs.get(edge.job_id, ("", ""))
    return GraphEdge(
        source=str(edge.source_id),
        target=str(edge.target_id),
        workflow_id=job or None,
        op=edge.op or None,
        code_location=location or None,
        transformation_type=edge.transformation_type,
    )


def impact(
    ctx: StoreContext, name: str, *, max_depth: int, limit: int, offset: int, at: datetime
) -> ImpactAnalysis:
    """What breaks if ``name`` changes, over the edges active at ``at``: as the live impact
    computes it (never from the cache, which holds only the present)."""
    validate_depth(max_depth)
    if limit < 0 or offset < 0:
        raise InvalidArgument("limit and offset must not be negative")
    deadline = time.monotonic() + ctx.timeout
    with ctx.session(timeout=ctx.timeout) as session:
        root_id, root_name = lineage_root(ctx, session, name)
        found = walk(ctx, session, root_id, "downstream", max_depth, UNBOUNDED, deadline, at)
        contexts = _contexts_touching(ctx, session, found.depths.keys() | {root_id}, at)
        info = asset_info(session, found.depths.keys())
        page = by_depth_then_name(found.depths, info)[offset : offset + limit]
        jobs = job_names(ctx, session, {job_id for job_id, _ in contexts})
    return impact_model(
        root_id,
        root_name,
        max_depth,
        depth_counts_of(found.depths, max_depth),
        contexts,
        jobs,
        page,
        info,
        offset=offset,
        limit=limit,
        cached=False,
        computed_at=None,
    )


def _contexts_touching(
    ctx: StoreContext, session: Session, ids: Iterable[int], at: datetime
) -> list[tuple[int, str]]:
    """The (job id, op) of the edges active at ``at`` into or out of ``ids``."""
    contexts: set[tuple[int, str]] = set()
    for batch in chunks(sorted(ids), _FRONTIER):
        rows = session.fetch_all(
            "select_contexts_touching_at",
            ctx.params(ids=session.array(batch), at=instant(at)),
        )
        contexts.update((job_id, op) for job_id, op in rows)
    return sorted(contexts)
