"""Rows to domain models, in one place.

Backends return rows of Python values (see :mod:`lineage_core.store.backends.base`); these
functions name their columns and build the models. Walks can return hundreds of thousands of
edges, so the graph models are built without pydantic's per-call validation (see
:func:`graph_node`), from values the store produced itself.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from lineage_core.models import (
    AffectedJob,
    Asset,
    Edge,
    EdgeColumn,
    GraphEdge,
    GraphNode,
    ImpactAnalysis,
    LineageGraph,
    TableProfile,
    Tenant,
)

Direction = Literal["upstream", "downstream"]
AssetInfo = tuple[str, str, str]  # (name, qualified name, type)


@dataclass(slots=True)
class Walk:
    """A walk's result before it becomes a model."""

    depths: dict[int, int]  # asset id -> shortest depth (root excluded)
    edges: list[tuple]  # (source_id, target_id, job_id, op, transformation_type)
    truncated: bool


def tenant_from_row(row: tuple) -> Tenant:
    name, edition, created_at = row
    return Tenant(name=name, edition=edition, created_at=created_at)


def asset_from_row(row: tuple) -> Asset:
    (
        asset_id,
        kind,
        name,
        qualified,
        database,
        schema,
        connection,
        metadata,
        is_source,
        is_target,
        created_at,
        updated_at,
    ) = row
    return Asset(
        id=asset_id,
        type=kind,
        name=name,
        qualified_name=qualified,
        database=database,
        schema=schema,
        connection=connection,
        metadata=metadata or {},
        is_source=is_source,
        is_target=is_target,
        created_at=created_at,
        updated_at=updated_at,
    )


def edge_from_row(row: tuple) -> Edge:
    (
        edge_id,
        source,
        target,
        job,
        location,
        op,
        trigger,
        kind,
        logic,
        columns,
        run_id,
        executed_at,
        count,
        active,
        created_at,
    ) = row
    return Edge(
        id=edge_id,
        source=source,
        target=target,
        job=job or None,
        code_location=location or None,
        op=op or None,
        trigger=trigger,
        transformation_type=kind,
        transformation_logic=logic,
        columns=[EdgeColumn.model_validate(c) for c in columns or []],
        last_run_id=run_id,
        last_execution_at=executed_at,
        execution_count=count,
        active=active,
        created_at=created_at,
    )


def profile_from_row(row: tuple) -> TableProfile:
    profile_id, body = row
    return TableProfile.model_validate(body).model_copy(update={"profile_id": profile_id})


_EXECUTION_COLUMNS = (
    "run_id",
    "execution_type",
    "job",
    "code_location",
    "status",
    "assets_discovered",
    "edges_created",
    "errors",
    "started_at",
    "completed_at",
    "notes",
)
_ALERT_COLUMNS = ("dedup_key", "kind", "asset", "status", "body", "deliveries", "created_at")
_DELIVERY_COLUMNS = (
    "dedup_key",
    "sink",
    "status",
    "attempts",
    "max_attempts",
    "detail",
    "lease_until",
    "next_attempt_at",
)


@dataclass(frozen=True, slots=True)
class DeliveryClaim:
    """One attempt at delivering an alert to one sink, held by whoever claimed it.

    Only ``delivery_id`` and ``attempt`` identify the claim to the store; the rest says what
    to deliver (``body`` is the alert's payload as recorded).
    """

    delivery_id: int
    attempt: int
    sink: str
    dedup_key: str
    kind: str = ""
    body: Mapping[str, Any] = field(default_factory=dict)


def execution_from_row(row: tuple) -> dict[str, Any]:
    return dict(zip(_EXECUTION_COLUMNS, row, strict=True))


def alert_from_row(row: tuple) -> dict[str, Any]:
    return dict(zip(_ALERT_COLUMNS, row, strict=True))


def delivery_from_row(row: tuple) -> dict[str, Any]:
    return dict(zip(_DELIVERY_COLUMNS, row, strict=True))


def claim_from_rows(claimed: tuple, alert: tuple) -> DeliveryClaim:
    """A claim from its delivery row (id, alert id, sink, attempts) and its alert's row
    (id, key, kind, body)."""
    delivery_id, _, sink, attempt = claimed
    _, dedup_key, kind, body = alert
    return DeliveryClaim(delivery_id, attempt, sink, dedup_key, kind, body)


def impact_model(
    root_id: int,
    root_name: str,
    max_depth: int,
    depth_counts: Sequence[int],
    contexts: Sequence[tuple[int, str]],
    jobs: Mapping[int, tuple[str, str]],
    page: Sequence[tuple[int, int]],
    info: Mapping[int, AssetInfo],
    *,
    offset: int,
    limit: int,
    cached: bool,
    computed_at: datetime | None,
) -> ImpactAnalysis:
    ops: dict[tuple[str, str], set[str]] = defaultdict(set)
    for job_id, op in contexts:
        location, job = jobs.get(job_id, ("", ""))
        if not job:
            continue
        bucket = ops[(location, job)]
        if op:
            bucket.add(op)
    affected = [
        AffectedJob(
            workflow_id=job,
            workflow_name=job,
            code_location=location or None,
            workspace_name=location or None,
            ops=sorted(op_names),
        )
        for (location, job), op_names in sorted(
            ops.items(), key=lambda item: (item[0][1], item[0][0])
        )
    ]
    counts = {depth: count for depth, count in enumerate(depth_counts, start=1) if count}
    nodes = [
        GraphNode(
            id=str(asset_id),
            name=info[asset_id][0],
            qualified_name=info[asset_id][1],
            type=info[asset_id][2],
            depth=depth,
        )
        for asset_id, depth in page
    ]
    return ImpactAnalysis(
        asset_id=str(root_id),
        asset=root_name,
        max_depth=max_depth,
        downstream_assets=nodes,
        affected_workflows=affected,
        code_locations=sorted({a.code_location for a in affected if a.code_location}),
        counts_by_depth=counts,
        total_impacted_assets=sum(depth_counts),
        total_impacted_workflows=len(affected),
        page_offset=offset,
        page_limit=limit,
        cached=cached,
        computed_at=computed_at,
    )


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a large result is built, as it was after.

    Building a 200,000-edge graph allocates ~800,000 objects, none of them cyclic garbage; the
    collections they trigger scan the whole heap again and again (~40% of a large walk).
    Reference counting still frees everything; a caller who turned the collector off keeps
    it off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# pydantic's ``model_construct`` walks every field and alias on each call (~5 us). These set
# the same four attributes directly (~0.7 us; edges inline it): the models equal, dump and
# copy as ``model_construct``'s. The field lists are checked against the models at import.
# Every model of a kind shares one fields-set: the models are frozen, and ``model_copy``
# copies the set before it adds to it.
_NODE_FIELDS = ("id", "name", "qualified_name", "type", "depth")
_EDGE_FIELDS = ("source", "target", "workflow_id", "op", "code_location", "transformation_type")
for _model, _fields in ((GraphNode, _NODE_FIELDS), (GraphEdge, _EDGE_FIELDS)):
    if tuple(_model.model_fields) != _fields:
        raise RuntimeError(f"{_model.__name__} fields changed: update the store's constructor")
_NODE_SET, _EDGE_SET = set(_NODE_FIELDS), set(_EDGE_FIELDS)
_new = object.__new__
_set_attribute = object.__setattr__


def graph_node(id: str, name: str, qualified_name: str, type: str, depth: int) -> GraphNode:
    node = _new(GraphNode)
    _set_attribute(
        node,
        "__dict__",
        {"id": id, "name": name, "qualified_name": qualified_name, "type": type, "depth": depth},
    )
    _set_attribute(node, "__pydantic_fields_set__", _NODE_SET)
    _set_attribute(node, "__pydantic_extra__", None)
    _set_attribute(node, "__pydantic_private__", None)
    return node


def lineage_graph(
    direction: Direction,
    root_id: int,
    root_name: str,
    max_depth: int,
    walk: Walk,
    info: Mapping[int, AssetInfo],
    jobs: Mapping[int, tuple[str, str]],
) -> LineageGraph:
    """A walk as the answer model: ids turned into text once per asset, job names looked up
    once per job, one model per node and per edge."""
    text_ids = {asset_id: str(asset_id) for asset_id in info}
    nodes = [
        graph_node(text_ids[asset_id], *info[asset_id], depth)
        for asset_id, depth in by_depth_then_name(walk.depths, info)
    ]
    contexts = {job_id: (job or None, location or None) for job_id, (location, job) in jobs.items()}
    no_context = (None, None)
    edges = []
    append = edges.append
    new, set_attribute, fields_set = _new, _set_attribute, _EDGE_SET
    for source_id, target_id, job_id, op, transformation in walk.edges:
        job, location = contexts.get(job_id, no_context)
        # As graph_node does, inlined: this loop runs once per edge of the answer.
        edge = new(GraphEdge)
        set_attribute(
            edge,
            "__dict__",
            {
                "source": text_ids.get(source_id) or str(source_id),
                "target": text_ids.get(target_id) or str(target_id),
                "workflow_id": job,
                "op": op or None,
                "code_location": location,
                "transformation_type": transformation,
            },
        )
        set_attribute(edge, "__pydantic_fields_set__", fields_set)
        set_attribute(edge, "__pydantic_extra__", None)
        set_attribute(edge, "__pydantic_private__", None)
        append(edge)
    return LineageGraph.model_construct(
        direction=direction,
        root_asset_id=str(root_id),
        root=root_name,
        max_depth=max_depth,
        nodes=nodes,
        edges=edges,
        total_nodes=len(nodes),
        truncated=walk.truncated,
        upstream_count=None,
        downstream_count=None,
    )


def by_depth_then_name(
    depths: Mapping[int, int], info: Mapping[int, AssetInfo]
) -> list[tuple[int, int]]:
    """(asset id, depth) ordered by depth, then qualified name."""
    by_depth: dict[int, list[int]] = defaultdict(list)
    for asset_id, depth in depths.items():
        by_depth[depth].append(asset_id)
    names = {asset_id: info[asset_id][1] for asset_id in depths}
    return [
        (asset_id, depth)
        for depth in sorted(by_depth)
        for asset_id in sorted(by_depth[depth], key=names.__getitem__)
    ]
