"""Rows to domain models, in one place.

Backends return rows of Python values (see :mod:`lineage_core.store.backends.base`); these
functions name their columns and build the models. Walks can return hundreds of thousands of
edges, so their answers stay columns (:class:`WalkColumns`) until a caller reads the nodes or
edges, which are then built without pydantic's per-call validation (see :func:`graph_node`)
from values the store produced itself, or asks for the JSON, which is written from the
columns.
"""

from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from json.encoder import encode_basestring_ascii
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
    Model,
    NodeDirection,
    TableProfile,
    Tenant,
    deferred_graph,
    deferred_parts,
    node_direction,
)

Direction = Literal["upstream", "downstream"]
AssetInfo = tuple[str, str, str]  # (name, qualified name, type)
# The edges of one (job id, op, transformation type), as two columns: sources and targets.
EdgeGroup = tuple[int, str, "str | None", list[int], list[int]]


@dataclass(slots=True)
class Walk:
    """A walk's result before it becomes a model."""

    depths: dict[int, int]  # asset id -> shortest depth (root excluded)
    groups: list[EdgeGroup]  # the edges
    truncated: bool


def edge_groups(rows: Iterable[Sequence[Any]]) -> list[EdgeGroup]:
    """(source, target, job id, op, transformation type) rows as groups, in first-seen order."""
    grouped: dict[tuple, EdgeGroup] = {}
    for source, target, job_id, op, transformation in rows:
        group = grouped.get((job_id, op, transformation))
        if group is None:
            group = grouped[(job_id, op, transformation)] = (job_id, op, transformation, [], [])
        group[3].append(source)
        group[4].append(target)
    return list(grouped.values())


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
    estimated: bool = False,
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
        estimated=estimated,
    )


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a large result is built, as it was after.

    Building a 200,000-edge graph allocates ~800,000 objects, none of them cyclic garbage; the
    collections they trigger scan the whole heap again and again (~40% of a large walk).
    Reference counting still frees everything; a caller who turned the collector off keeps
    it off. Also a decorator (``@gc_paused()``): a walk's answer builds its models and JSON
    under it when they are read, after the walk (with collections, in a process holding a
    large heap, its 200,000 models took three times as long).
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
# copies the set before it adds to it. A node's direction is set only in ``full`` answers.
_NODE_FIELDS = ("id", "name", "qualified_name", "type", "depth", "direction")
_EDGE_FIELDS = ("source", "target", "workflow_id", "op", "code_location", "transformation_type")
for _model, _fields in ((GraphNode, _NODE_FIELDS), (GraphEdge, _EDGE_FIELDS)):
    if tuple(_model.model_fields) != _fields:
        raise RuntimeError(f"{_model.__name__} fields changed: update the store's constructor")
_DIRECTED_NODE_SET, _EDGE_SET = set(_NODE_FIELDS), set(_EDGE_FIELDS)
_NODE_SET = _DIRECTED_NODE_SET - {"direction"}
_new = object.__new__
_set_attribute = object.__setattr__


def graph_node(
    id: str,
    name: str,
    qualified_name: str,
    type: str,
    depth: int,
    direction: NodeDirection | None = None,
) -> GraphNode:
    node = _new(GraphNode)
    _set_attribute(
        node,
        "__dict__",
        {
            "id": id,
            "name": name,
            "qualified_name": qualified_name,
            "type": type,
            "depth": depth,
            "direction": direction,
        },
    )
    _set_attribute(
        node, "__pydantic_fields_set__", _NODE_SET if direction is None else _DIRECTED_NODE_SET
    )
    _set_attribute(node, "__pydantic_extra__", None)
    _set_attribute(node, "__pydantic_private__", None)
    return node


@dataclass(slots=True)
class PreparedNodes:
    """What a graph held in memory works out once for all its answers' nodes: each asset's
    place in qualified-name order (``ranks``) and its node's JSON up to the depth
    (``heads``); answers then sort by integers and write a node by one concatenation."""

    ranks: dict[int, int]
    heads: dict[int, str]

    @classmethod
    def of(cls, info: Mapping[int, AssetInfo]) -> PreparedNodes:
        ordered = sorted(info, key=lambda asset_id: info[asset_id][1])
        ranks = dict(zip(ordered, range(len(ordered)), strict=True))
        escape = encode_basestring_ascii
        heads = {
            asset_id: _NODE_HEAD % (asset_id, escape(name), escape(qualified), escape(kind))
            for asset_id, (name, qualified, kind) in info.items()
        }
        return cls(ranks, heads)


def lineage_graph(
    direction: Direction,
    root_id: int,
    root_name: str,
    max_depth: int,
    walk: Walk,
    info: Mapping[int, AssetInfo],
    jobs: Mapping[int, tuple[str, str]],
    prepared: PreparedNodes | None = None,
) -> LineageGraph:
    """A walk as the answer: a LineageGraph whose nodes and edges are built from the walk's
    columns when first read (:class:`WalkColumns`)."""
    return deferred_graph(
        WalkColumns(walk.depths, info, walk.groups, jobs, prepared=prepared),
        direction=direction,
        root_asset_id=str(root_id),
        root=root_name,
        max_depth=max_depth,
        total_nodes=len(walk.depths),
        truncated=walk.truncated,
    )


def full_graph(up: LineageGraph, down: LineageGraph, max_depth: int) -> LineageGraph | None:
    """Two walks' answers as one (see ``walks.full``), from their columns; None unless both
    are still deferred store answers."""
    up_columns, down_columns = deferred_parts(up), deferred_parts(down)
    if not (isinstance(up_columns, WalkColumns) and isinstance(down_columns, WalkColumns)):
        return None
    columns = up_columns.joined(down_columns)
    return deferred_graph(
        columns,
        direction="full",
        root_asset_id=up.root_asset_id,
        root=up.root,
        max_depth=max_depth,
        total_nodes=len(columns.ordered_depths()),
        truncated=up.truncated or down.truncated,
        upstream_count=up.total_nodes,
        downstream_count=down.total_nodes,
    )


class WalkColumns:
    """A walk's answer as columns, what its deferred LineageGraph is built from (the
    :class:`~lineage_core.models.GraphParts` of the store's walks).

    Assets by id with their depth and (name, qualified name, type); edges in groups of one
    (job, op, transformation type); job names by id; in a ``full`` answer, the side of the
    root each asset lies on (``directions``). Ids become text once per asset, a job's names
    and JSON once per group. Nodes are ordered by depth then qualified name when first
    needed (the sort is half the cost of a 50,000-asset answer's nodes).
    """

    __slots__ = ("_depths", "_ordered", "directions", "groups", "info", "jobs", "prepared")

    def __init__(
        self,
        depths: dict[int, int],
        info: Mapping[int, AssetInfo],
        groups: list[EdgeGroup],
        jobs: Mapping[int, tuple[str, str]],
        *,
        ordered: bool = False,
        directions: Mapping[int, NodeDirection] | None = None,
        prepared: PreparedNodes | None = None,
    ) -> None:
        self._depths = depths
        self._ordered = ordered
        self.info = info
        self.groups = groups
        self.jobs = jobs
        self.directions = directions
        self.prepared = prepared

    def ordered_depths(self) -> dict[int, int]:
        """Asset id -> depth, in node order."""
        if not self._ordered:
            ranks = self.prepared.ranks if self.prepared is not None else None
            self._depths = dict(by_depth_then_name(self._depths, self.info, ranks))
            self._ordered = True
        return self._depths

    def contexts(self) -> dict[int, tuple[str | None, str | None]]:
        """Job id -> (job, code location) as edges carry them."""
        return {
            job_id: (job or None, location or None) for job_id, (location, job) in self.jobs.items()
        }

    @gc_paused()
    def nodes(self) -> list[GraphNode]:
        info, directions = self.info, self.directions or {}
        return [
            graph_node(str(asset_id), *info[asset_id], depth, directions.get(asset_id))
            for asset_id, depth in self.ordered_depths().items()
        ]

    @gc_paused()
    def edges(self) -> list[GraphEdge]:
        # ``info`` may hold a whole graph (one held in memory): ids from the answer's depths.
        text_ids = {asset_id: str(asset_id) for asset_id in self._depths}
        contexts = self.contexts()
        edges: list[GraphEdge] = []
        append = edges.append
        new, set_attribute, fields_set = _new, _set_attribute, _EDGE_SET
        for job_id, op, transformation, sources, targets in self.groups:
            job, location = contexts.get(job_id, _NO_CONTEXT)
            op = op or None
            for source_id, target_id in zip(sources, targets, strict=True):
                # As graph_node does, inlined: this loop runs once per edge of the answer.
                edge = new(GraphEdge)
                set_attribute(
                    edge,
                    "__dict__",
                    {
                        "source": text_ids.get(source_id) or str(source_id),
                        "target": text_ids.get(target_id) or str(target_id),
                        "workflow_id": job,
                        "op": op,
                        "code_location": location,
                        "transformation_type": transformation,
                    },
                )
                set_attribute(edge, "__pydantic_fields_set__", fields_set)
                set_attribute(edge, "__pydantic_extra__", None)
                set_attribute(edge, "__pydantic_private__", None)
                append(edge)
        return edges

    @gc_paused()
    def json_bytes(self, graph: LineageGraph) -> bytes:
        """``json.dumps(graph.to_json())``, written from the columns: a node's strings escaped
        once, a group's job, op and transformation once, then one ``%`` format per group of
        edges with the ids as numbers (a decimal id needs no escaping)."""
        skeleton = json.dumps(
            {alias: _PLACEHOLDERS.get(name) or getattr(graph, name) for name, alias in _GRAPH_KEYS}
        )
        nodes_at, edges_at = skeleton.index(_NODES_HERE), skeleton.index(_EDGES_HERE)
        text = "".join(
            (
                skeleton[:nodes_at],
                "[",
                self._nodes_json(),
                "]",
                skeleton[nodes_at + len(_NODES_HERE) : edges_at],
                "[",
                self._edges_json(),
                "]",
                skeleton[edges_at + len(_EDGES_HERE) :],
            )
        )
        return text.encode()

    def _nodes_json(self) -> str:
        if self.prepared is not None:
            heads, directions = self.prepared.heads, self.directions
            ordered = self.ordered_depths().items()
            if directions is None:
                return ", ".join([f"{heads[asset_id]}{depth}}}" for asset_id, depth in ordered])
            return ", ".join(
                [
                    f'{heads[asset_id]}{depth}, "direction": "{directions[asset_id]}"}}'
                    for asset_id, depth in ordered
                ]
            )
        info, types = self.info, {}
        nodes = [
            (
                asset_id,
                encode_basestring_ascii(name),
                encode_basestring_ascii(qualified_name),
                types.get(kind) or types.setdefault(kind, encode_basestring_ascii(kind)),
                depth,
            )
            for asset_id, depth in self.ordered_depths().items()
            for name, qualified_name, kind in (info[asset_id],)
        ]
        directions = self.directions
        if directions is None:
            return ", ".join([_NODE_FORMAT % node for node in nodes])
        # A direction is one of three fixed words: nothing to escape.
        return ", ".join([_DIRECTED_NODE_FORMAT % (*node, directions[node[0]]) for node in nodes])

    def _edges_json(self) -> str:
        contexts = self.contexts()
        parts = []
        for job_id, op, transformation, sources, targets in self.groups:
            job, location = contexts.get(job_id, _NO_CONTEXT)
            context = (job, op or None, location, transformation)
            one = _EDGE_FORMAT % tuple(_json_text(value).replace("%", "%%") for value in context)
            ends: list[int] = [0] * (2 * len(sources))
            ends[0::2] = sources
            ends[1::2] = targets
            if ends:
                parts.append(", ".join([one] * len(sources)) % tuple(ends))
        return ", ".join(parts)

    def joined(self, down: WalkColumns) -> WalkColumns:
        """These (upstream) columns and ``down``'s as one answer, as ``walks.full`` joins two
        graphs: upstream assets first, each asset once at its smaller depth, each edge once."""
        depths = dict(self.ordered_depths())
        shared = False
        for asset_id, depth in down.ordered_depths().items():
            known = depths.get(asset_id)
            if known is None or depth < known:
                depths[asset_id] = depth
            shared = shared or known is not None
        jobs = {**self.jobs, **down.jobs}
        groups = self.groups + down.groups
        if shared:  # a cycle through the root: an edge may be on both sides (else never)
            groups = _unique_edges(groups, jobs)
        upstream_ids, downstream_ids = self._depths, down._depths
        directions = {
            asset_id: node_direction(asset_id in upstream_ids, asset_id in downstream_ids)
            for asset_id in depths
        }
        return WalkColumns(
            depths,
            self.info if self.info is down.info else {**self.info, **down.info},
            groups,
            jobs,
            ordered=True,
            directions=directions,
            prepared=self.prepared if self.prepared is down.prepared else None,
        )


def _unique_edges(groups: list[EdgeGroup], jobs: Mapping[int, tuple[str, str]]) -> list[EdgeGroup]:
    """Each edge once, by what its model shows (ends, job, code location, op), first kept."""
    seen: set[tuple] = set()
    unique: list[EdgeGroup] = []
    for job_id, op, transformation, sources, targets in groups:
        location, job = jobs.get(job_id, ("", ""))
        context = (job or None, location or None, op or None)
        kept: EdgeGroup = (job_id, op, transformation, [], [])
        for source_id, target_id in zip(sources, targets, strict=True):
            key = (source_id, target_id, context)
            if key not in seen:
                seen.add(key)
                kept[3].append(source_id)
                kept[4].append(target_id)
        if kept[3]:
            unique.append(kept)
    return unique


def _json_text(value: str | None) -> str:
    """A string or None as ``json.dumps`` writes it (ASCII, escaped)."""
    return "null" if value is None else encode_basestring_ascii(value)


def _aliases(model: type[Model]) -> list[tuple[str, str]]:
    return [(name, field.alias or name) for name, field in model.model_fields.items()]


# The JSON the models dump, as formats: keys in field order, as ``to_json()`` writes them.
_NO_CONTEXT = (None, None)
_GRAPH_KEYS = _aliases(LineageGraph)
_NODES_HERE, _EDGES_HERE = '"\\u0000nodes"', '"\\u0000edges"'
_PLACEHOLDERS = {"nodes": "\x00nodes", "edges": "\x00edges"}


def _json_format(
    model: type[Model], formats: Mapping[str, str], *, left_out: Collection[str] = ()
) -> str:
    """A %-format of a model's JSON: its keys in field order but those ``left_out``, each
    value a ``%s`` unless ``formats`` says otherwise."""
    return (
        "{"
        + ", ".join(
            f'"{alias}": {formats.get(name, "%s")}'
            for name, alias in _aliases(model)
            if name not in left_out
        )
        + "}"
    )


# A node's direction is left out of its JSON when None (upstream and downstream answers).
_NODE_FORMAT = _json_format(GraphNode, {"id": '"%d"', "depth": "%d"}, left_out={"direction"})
_DIRECTED_NODE_FORMAT = _json_format(GraphNode, {"id": '"%d"', "depth": "%d", "direction": '"%s"'})
# A node's JSON up to its depth, the last key before the direction.
_NODE_HEAD = _NODE_FORMAT.removesuffix("%d}")
if _NODE_HEAD == _NODE_FORMAT or not _DIRECTED_NODE_FORMAT.startswith(_NODE_HEAD):
    raise RuntimeError("GraphNode's depth is no longer its last field but direction")
# Formatted twice: once with a group's job, op, location and transformation, then its ends.
_EDGE_FORMAT = _json_format(GraphEdge, {"source": '"%%d"', "target": '"%%d"'})


def by_depth_then_name(
    depths: Mapping[int, int],
    info: Mapping[int, AssetInfo],
    ranks: Mapping[int, int] | None = None,
) -> list[tuple[int, int]]:
    """(asset id, depth) ordered by depth, then qualified name (by its place in ``ranks``,
    every asset's in qualified-name order, when given)."""
    by_depth: dict[int, list[int]] = defaultdict(list)
    for asset_id, depth in depths.items():
        by_depth[depth].append(asset_id)
    order = ranks if ranks is not None else {asset_id: info[asset_id][1] for asset_id in depths}
    key = order.__getitem__
    return [
        (asset_id, depth)
        for depth in sorted(by_depth)
        for asset_id in sorted(by_depth[depth], key=key)
    ]
