"""Walks: the assets upstream or downstream of one asset, each once at its shortest depth.

Breadth-first, one query per level with the whole frontier as an array, and a visited set on
this side: each asset is reached once, whatever the number of paths to it (the design
document's ``UNION ALL`` recursion enumerates every path and explodes on diamonds). A walk
whose reach is small is answered in one round trip instead (:func:`small_walk`). A store
that holds its graph in memory (:mod:`lineage_core.store.held`) walks that copy instead when
it is of the current graph version.

A level's edges arrive grouped by (job, op, transformation type), two id arrays a group, and
stay columns: the answer is a LineageGraph that builds a model per node and edge only when
they are read, and writes its JSON from the columns (:class:`~.rows.WalkColumns`). Nothing on
the way costs a Python object per edge.
"""

from __future__ import annotations

import time
from collections import defaultdict

from lineage_core.errors import InvalidArgument, QueryTimeout
from lineage_core.graph import bfs_depths, next_level
from lineage_core.models import (
    GraphEdge,
    GraphNode,
    LineageGraph,
    node_direction,
    validate_depth,
)
from lineage_core.store.backends.base import Session
from lineage_core.store.catalog import asset_info, job_names, versioned_root
from lineage_core.store.context import StoreContext, chunks
from lineage_core.store.rows import (
    Direction,
    EdgeGroup,
    Walk,
    edge_groups,
    full_graph,
    gc_paused,
    lineage_graph,
)

DEFAULT_MAX_NODES = 100_000
_SMALL_WALK = 2_000  # (asset, depth) pairs up to which a walk takes two queries, not one a level
_FRONTIER = 50_000  # ids per query of a level
_EDGE_QUERIES = {"downstream": "select_out_edge_groups", "upstream": "select_in_edge_groups"}
_SMALL_WALK_QUERIES = {
    "downstream": "select_small_walk_downstream",
    "upstream": "select_small_walk_upstream",
}
_NEIGHBOUR_QUERIES = {"downstream": "select_child_ids", "upstream": "select_parent_ids"}


def graph(
    ctx: StoreContext, name: str, direction: Direction, max_depth: int, max_nodes: int
) -> LineageGraph:
    validate_depth(max_depth)
    if max_nodes < 1:
        raise InvalidArgument(f"max_nodes must be at least 1, got {max_nodes}")
    deadline = time.monotonic() + ctx.timeout
    with gc_paused():
        with ctx.session(timeout=ctx.timeout) as session:
            root_id, root_name, version = versioned_root(ctx, session, name)
            held = ctx.held.current(version) if ctx.held is not None else None
            prepared = None
            if held is not None and root_id in held.info:
                found = held.walk(root_id, direction, max_depth, max_nodes)
                info = held.info  # every asset of the graph: the answer reads only its own
                prepared = held.prepared
            else:
                found = walk(ctx, session, root_id, direction, max_depth, max_nodes, deadline)
                info = asset_info(session, found.depths.keys() | {root_id})
            jobs = job_names(ctx, session, {group[0] for group in found.groups})
        return lineage_graph(direction, root_id, root_name, max_depth, found, info, jobs, prepared)


def full(up: LineageGraph, down: LineageGraph, max_depth: int) -> LineageGraph:
    """Upstream and downstream together; an asset on both sides (a cycle) appears once, and
    each node says which walks reached it (its ``direction``)."""
    joined = full_graph(up, down, max_depth)
    if joined is not None:
        return joined
    nodes: dict[str, GraphNode] = {node.id: node for node in up.nodes}
    for node in down.nodes:
        if node.id not in nodes or node.depth < nodes[node.id].depth:
            nodes[node.id] = node
    up_ids, down_ids = {node.id for node in up.nodes}, {node.id for node in down.nodes}
    for key, node in nodes.items():
        direction = node_direction(key in up_ids, key in down_ids)
        nodes[key] = node.model_copy(update={"direction": direction})
    edges: dict[tuple, GraphEdge] = {}
    for edge in [*up.edges, *down.edges]:
        edges[(edge.source, edge.target, edge.workflow_id, edge.code_location, edge.op)] = edge
    return LineageGraph.model_construct(
        direction="full",
        root_asset_id=up.root_asset_id,
        root=up.root,
        max_depth=max_depth,
        nodes=list(nodes.values()),
        edges=list(edges.values()),
        total_nodes=len(nodes),
        truncated=up.truncated or down.truncated,
        upstream_count=up.total_nodes,
        downstream_count=down.total_nodes,
    )


def walk(
    ctx: StoreContext,
    session: Session,
    root_id: int,
    direction: Direction,
    max_depth: int,
    max_nodes: int,
    deadline: float,
    *,
    with_edges: bool = True,
) -> Walk:
    small = small_walk(ctx, session, root_id, direction, max_depth, max_nodes, deadline, with_edges)
    if small is not None:
        return small
    # A group's far ends are its targets downstream, its sources upstream; without edges,
    # a level is only the ids it reaches.
    query = (_EDGE_QUERIES if with_edges else _NEIGHBOUR_QUERIES)[direction]
    far = 4 if direction == "downstream" else 3
    depths: dict[int, int] = {}
    seen = {root_id}
    groups: list[EdgeGroup] = []
    frontier = [root_id]
    truncated = False
    for depth in range(1, max_depth + 1):
        if time.monotonic() > deadline:
            raise QueryTimeout(f"The {direction} walk ran past {ctx.timeout:g} s")
        rows: list[tuple] = []
        for batch in chunks(frontier, _FRONTIER):
            rows.extend(session.fetch_all(query, ctx.params(ids=session.array(batch))))
        if with_edges:
            reached = set().union(*[row[far] for row in rows])
        else:
            reached = {row[0] for row in rows}
        following, capped = next_level(reached, seen, depths, depth, max_nodes)
        truncated = truncated or capped
        if with_edges:
            # Edges to assets left out by the cap are left out too.
            groups.extend(_within(rows, far, seen) if capped else rows)
        if not following:
            break
        frontier = list(following)
    return Walk(depths, groups, truncated)


def _within(groups: list[EdgeGroup], far: int, kept: set[int]) -> list[EdgeGroup]:
    """The groups' edges whose far end (column ``far``) is kept."""
    within = []
    for group in groups:
        job_id, op, transformation, sources, targets = group
        keep = [index for index, end in enumerate(group[far]) if end in kept]
        if keep:
            kept_sources = [sources[index] for index in keep]
            kept_targets = [targets[index] for index in keep]
            within.append((job_id, op, transformation, kept_sources, kept_targets))
    return within


def small_walk(
    ctx: StoreContext,
    session: Session,
    root_id: int,
    direction: Direction,
    max_depth: int,
    max_nodes: int,
    deadline: float,
    with_edges: bool,
) -> Walk | None:
    """The same walk in one query when the reach is small, None when it is not.

    A recursive query lists every (asset, depth) within ``max_depth`` once (UNION, not the
    design document's UNION ALL: a diamond cannot multiply rows) and, while there are at
    most _SMALL_WALK of them, returns the edges out of the assets walked through; shortest
    depths are then found in memory over just those edges. Fifteen round trips become one;
    past _SMALL_WALK the level-by-level walk is cheaper.
    """
    rows = session.fetch_all(
        _SMALL_WALK_QUERIES[direction],
        ctx.params(root=root_id, max_depth=max_depth, limit=_SMALL_WALK + 1),
    )
    pairs = next(row[5] for row in rows if row[5] is not None)
    if pairs > _SMALL_WALK:
        return None
    if time.monotonic() > deadline:
        raise QueryTimeout(f"The {direction} walk ran past {ctx.timeout:g} s")
    near, far = (0, 1) if direction == "downstream" else (1, 0)
    edges = [row[:5] for row in rows if row[5] is None]
    adjacency: dict[int, list[int]] = defaultdict(list)
    for edge in edges:
        adjacency[edge[near]].append(edge[far])
    depths = bfs_depths(adjacency, root_id, max_depth)
    truncated = len(depths) > max_nodes
    if truncated:  # the cap keeps the nearest, lowest ids first, as the level walk does
        depths = dict(sorted(depths.items(), key=lambda item: (item[1], item[0]))[:max_nodes])
        kept = depths.keys() | {root_id}
        edges = [edge for edge in edges if edge[near] in kept and edge[far] in kept]
    return Walk(depths, edge_groups(edges) if with_edges else [], truncated)


def reach_ids(
    ctx: StoreContext, session: Session, start: set[int], direction: Direction, max_depth: int
) -> set[int]:
    """``start`` and every asset within ``max_depth`` of it, ids only."""
    query = _NEIGHBOUR_QUERIES[direction]
    seen = set(start)
    frontier = sorted(start)
    for _ in range(max_depth):
        following: list[int] = []
        for batch in chunks(frontier, _FRONTIER):
            for (found,) in session.fetch_all(query, ctx.params(ids=session.array(batch))):
                if found not in seen:
                    seen.add(found)
                    following.append(found)
        if not following:
            break
        frontier = following
    return seen
