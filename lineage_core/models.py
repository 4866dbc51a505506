"""The domain objects the store returns and accepts.

Field names are snake_case in Python; ``to_json()`` renders the camelCase shapes of the
design document's REST responses (``rootAssetId``, ``totalNodes``, ``downstreamAssets``...),
so the command line's ``--json`` output is a drop-in for clients of that API.

Dagster terms replace the document's: a *job* is a Dagster job (the document's workflow), an
*op* is an op or asset step (its node), a *code location* is its workspace, and *trigger* is
the schedule or sensor that launched the run (its job).
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from lineage_core.errors import InvalidName
from lineage_core.names import check_label, normalise_name

DEFAULT_MAX_DEPTH = 15
MAX_DEPTH_LIMIT = 100


class Model(BaseModel):
    """Base: camelCase aliases for JSON, snake_case in Python, immutable."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class Edition(StrEnum):
    STANDARD = "standard"
    PREMIUM = "premium"


class Tenant(Model):
    name: str
    edition: Edition
    created_at: datetime | None = None

    @property
    def lineage_enabled(self) -> bool:
        return self.edition is Edition.PREMIUM


class ColumnMapping(Model):
    """Target column computed from source columns, as ``table.column`` strings."""

    target: str
    sources: list[str] = Field(default_factory=list)
    transformation: str | None = None


class EdgeColumn(Model):
    """A column-to-column link on one table edge (column names only, tables are the edge's)."""

    source: str
    target: str
    transformation: str | None = None

    @field_validator("source", "target", "transformation")
    @classmethod
    def _storable(cls, value: str | None, info: ValidationInfo) -> str | None:
        return check_label(value, f"column mapping {info.field_name}")


class EdgeIn(Model):
    """An edge as a caller records it: names, not ids; normalised on construction."""

    source: str
    target: str
    job: str | None = None
    op: str | None = None
    code_location: str | None = None
    trigger: str | None = None
    transformation: str | None = None
    sql: str | None = None
    columns: list[EdgeColumn] = Field(default_factory=list)
    run_id: str | None = None
    executed_at: datetime | None = None

    @field_validator("source", "target")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return normalise_name(value)

    @field_validator("job", "op", "code_location", "trigger", "transformation")
    @classmethod
    def _storable(cls, value: str | None, info: ValidationInfo) -> str | None:
        return check_label(value, info.field_name.replace("_", " "))

    @field_validator("sql")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise InvalidName("Invalid SQL: it contains a NUL byte")
        return value


class Asset(Model):
    id: int
    name: str
    qualified_name: str
    type: str = "table"
    database: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    connection: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    is_source: bool = False
    is_target: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Edge(Model):
    """A stored edge with its Dagster context and execution history."""

    id: int
    source: str
    target: str
    job: str | None = None
    op: str | None = None
    code_location: str | None = None
    trigger: str | None = None
    transformation_type: str | None = None
    transformation_logic: str | None = None
    columns: list[EdgeColumn] = Field(default_factory=list)
    last_run_id: str | None = None
    last_execution_at: datetime | None = None
    execution_count: int = 0
    active: bool = True
    created_at: datetime | None = None


NodeDirection = Literal["upstream", "downstream", "both"]


class GraphNode(Model):
    """An asset of a walk at its shortest depth from the root.

    ``direction`` says on which side of the root a ``full`` answer's asset lies (``both``: on
    a cycle through the root). Upstream and downstream answers leave it None, and their JSON
    leaves it out, so that their shape stays the design document's.
    """

    id: str
    name: str
    qualified_name: str
    type: str
    depth: int
    direction: NodeDirection | None = Field(default=None, exclude_if=lambda value: value is None)


def node_direction(upstream: bool, downstream: bool) -> NodeDirection:
    """The side of a ``full`` answer's asset, from which of the two walks reached it."""
    if upstream:
        return "both" if downstream else "upstream"
    return "downstream"


class GraphEdge(Model):
    source: str
    target: str
    workflow_id: str | None = None  # the Dagster job name, as the document calls it
    op: str | None = None
    code_location: str | None = None
    transformation_type: str | None = None


class LineageGraph(Model):
    direction: Literal["upstream", "downstream", "full"]
    root_asset_id: str
    root: str
    max_depth: int
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    total_nodes: int
    truncated: bool = False
    upstream_count: int | None = None
    downstream_count: int | None = None

    def to_json_bytes(self) -> bytes:
        """``json.dumps(self.to_json())`` as bytes: the document a server sends.

        A store's walk answer writes it straight from the walk's columns, without building a
        model per node and edge, as long as its ``nodes`` and ``edges`` have not both been read
        (see :func:`deferred_graph`).
        """
        return json.dumps(self.to_json()).encode()


class GraphParts(Protocol):
    """What a deferred :class:`LineageGraph` builds its ``nodes``, ``edges`` and JSON from."""

    def nodes(self) -> list[GraphNode]: ...
    def edges(self) -> list[GraphEdge]: ...
    def json_bytes(self, graph: LineageGraph) -> bytes:
        """Exactly ``json.dumps(graph.to_json()).encode()``, ``graph`` being built from these."""
        ...


_GRAPH_FIELDS = tuple(LineageGraph.model_fields)
_BUILT_WHEN_READ = ("nodes", "edges")
_READ_AS_THEY_ARE = frozenset(
    {*_GRAPH_FIELDS, "to_json_bytes", "__class__"} - set(_BUILT_WHEN_READ)
)
_get_attribute = object.__getattribute__
_set_attribute = object.__setattr__


class _DeferredGraph(LineageGraph):
    """A :class:`LineageGraph` whose ``nodes`` and ``edges`` are built when first read.

    Reading its other fields costs nothing, and ``to_json_bytes()`` writes from its parts.
    Anything else (equality, ``model_dump``, ``to_json()``, iteration, copies, ``repr``)
    first builds what is missing, then makes the object a plain ``LineageGraph`` (its class is
    swapped: the layout is the same), which it stays.
    """

    def __getattribute__(self, name: str) -> Any:
        if name in _READ_AS_THEY_ARE:
            return _get_attribute(self, name)
        if name in _BUILT_WHEN_READ:
            return _built_part(self, name)
        _make_plain(self)
        return _get_attribute(self, name)

    def __eq__(self, other: object) -> bool:
        _make_plain(self)
        return self == other

    def __copy__(self) -> LineageGraph:
        _make_plain(self)
        return copy.copy(self)

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> LineageGraph:
        _make_plain(self)
        return copy.deepcopy(self, memo)

    def to_json_bytes(self) -> bytes:
        parts = _get_attribute(self, "__pydantic_private__")
        if parts is None:
            _make_plain(self)
            return LineageGraph.to_json_bytes(self)
        return parts.json_bytes(self)


def _built_part(graph: LineageGraph, name: str) -> Any:
    values = _get_attribute(graph, "__dict__")
    if name not in values:
        values[name] = getattr(_get_attribute(graph, "__pydantic_private__"), name)()
        if all(part in values for part in _BUILT_WHEN_READ):
            _make_plain(graph)
    return values[name]


def _make_plain(graph: LineageGraph) -> None:
    """Build the parts not yet read and make ``graph`` a plain ``LineageGraph``: its values in
    field order, as ``model_construct`` leaves them."""
    if type(graph) is not _DeferredGraph:
        return
    values = _get_attribute(graph, "__dict__")
    parts = _get_attribute(graph, "__pydantic_private__")
    for name in _BUILT_WHEN_READ:
        if name not in values:
            values[name] = getattr(parts, name)()
    _set_attribute(graph, "__dict__", {name: values[name] for name in _GRAPH_FIELDS})
    _set_attribute(graph, "__pydantic_private__", None)
    _set_attribute(graph, "__class__", LineageGraph)


def deferred_graph(
    parts: GraphParts,
    *,
    direction: Literal["upstream", "downstream", "full"],
    root_asset_id: str,
    root: str,
    max_depth: int,
    total_nodes: int,
    truncated: bool = False,
    upstream_count: int | None = None,
    downstream_count: int | None = None,
) -> LineageGraph:
    """A ``LineageGraph`` equal to ``LineageGraph.model_construct(nodes=parts.nodes(),
    edges=parts.edges(), ...)`` that builds ``nodes`` and ``edges`` only when they are read.

    For answers of hundreds of thousands of edges: a model per edge costs more than the walk
    that found them, and a server sending ``to_json_bytes()`` never needs one.
    """
    graph = _DeferredGraph.__new__(_DeferredGraph)
    _set_attribute(
        graph,
        "__dict__",
        {
            "direction": direction,
            "root_asset_id": root_asset_id,
            "root": root,
            "max_depth": max_depth,
            "total_nodes": total_nodes,
            "truncated": truncated,
            "upstream_count": upstream_count,
            "downstream_count": downstream_count,
        },
    )
    _set_attribute(graph, "__pydantic_fields_set__", set(_GRAPH_FIELDS))
    _set_attribute(graph, "__pydantic_extra__", None)
    _set_attribute(graph, "__pydantic_private__", parts)
    return graph


def deferred_parts(graph: LineageGraph) -> GraphParts | None:
    """The parts a deferred graph builds from, None once it is a plain ``LineageGraph``."""
    if type(graph) is not _DeferredGraph:
        return None
    return _get_attribute(graph, "__pydantic_private__")


class AffectedJob(Model):
    """A Dagster job touching the impacted assets; the document's ``affectedWorkflows`` item."""

    workflow_id: str
    workflow_name: str
    code_location: str | None = None
    workspace_name: str | None = None
    ops: list[str] = Field(default_factory=list)


class ImpactAnalysis(Model):
    asset_id: str
    asset: str
    max_depth: int
    downstream_assets: list[GraphNode]
    affected_workflows: list[AffectedJob]
    code_locations: list[str]
    counts_by_depth: dict[int, int]
    total_impacted_assets: int
    total_impacted_workflows: int
    page_offset: int = 0
    page_limit: int = 100
    cached: bool = False
    computed_at: datetime | None = None
    # The counts are estimates: more than the impact cache counts exactly (10,000 assets).
    estimated: bool = False


class JobReference(Model):
    """How one Dagster job and op uses a table (``lineage jobs NAME``)."""

    job: str
    op: str | None = None
    code_location: str | None = None
    access: Literal["read", "write"]
    execution_count: int
    last_run_id: str | None = None
    last_execution_at: datetime | None = None


class JobAssets(Model):
    """The tables one Dagster job reads and writes (the document's workflow assets route)."""

    workflow_id: str
    code_location: str | None = None
    reads: list[str]
    writes: list[str]
    total_assets: int


class RecordResult(Model):
    assets_created: int = 0
    edges_created: int = 0
    edges_updated: int = 0
    cache_entries_marked_stale: int = 0


class OpenLineagePruneResult(Model):
    """What pruning kept OpenLineage events removed (with ``dry_run``: would remove): the
    events, and the runs they were of, none of whose events was received since ``before``."""

    events_removed: int
    runs_removed: int
    before: datetime
    dry_run: bool = False


class RefreshResult(Model):
    """What a refresh did: entries recomputed, of which ``entries_changed`` came out different
    and were written (the others were left as they were), and ``entries_estimated`` carry
    counts past the exact limit."""

    entries_refreshed: int
    stale_only: bool
    method: Literal["bfs", "bitset", "none"]
    seconds: float
    largest: list[tuple[str, int]] = Field(default_factory=list)
    entries_changed: int = 0
    entries_estimated: int = 0


def validate_depth(max_depth: int) -> int:
    """Depths outside 1..100 are refused: 0 is meaningless, huge ones only cost time."""
    from lineage_core.errors import InvalidArgument

    if isinstance(max_depth, bool) or not isinstance(max_depth, int):
        raise InvalidArgument(f"max_depth must be an integer, got {max_depth!r}")
    if not 1 <= max_depth <= MAX_DEPTH_LIMIT:
        raise InvalidArgument(f"max_depth must be between 1 and {MAX_DEPTH_LIMIT}, got {max_depth}")
    return max_depth


class SqlLineageIssue(Model):
    """Why part of a script's lineage is missing, for programs as ``warnings`` are for people.

    ``kind`` tells whose failure it was: ``parse``, sqlglot could not read the statement (its
    tables came from a keyword scan, without columns); ``unsupported``, sqlglot read it but not
    as far as lineage needs (an opaque command, a query it cannot scope); ``internal``, the
    extractor itself failed, a bug that the "never raises" promise would otherwise hide.
    ``statement`` and ``line`` locate the statement in the script (1-based), when the failure
    belongs to one.
    """

    kind: Literal["parse", "unsupported", "internal"]
    message: str
    statement: int | None = None
    line: int | None = None


class TableFlow(Model):
    """One table (or file) that a written table was made from, within one SQL text."""

    source: str
    target: str


class SqlLineage(Model):
    """What one SQL text (a statement or a whole script) reads, writes and computes.

    ``files`` lists the names among ``reads`` and ``writes`` that are files rather than tables
    (``file."data/x.parquet"``), when extraction was asked for them, so that a caller can give
    those assets the type "file".

    ``flows`` pairs them: which of ``reads`` each of ``writes`` was made from, statement by
    statement, so that a script of unrelated statements does not become every read crossed
    with every write. A flow through a temporary table joins its ends (``a -> #t -> b`` is
    ``a -> b``); a real table written and then read keeps its own node (``a -> t``, ``t -> b``).
    """

    reads: list[str] = Field(default_factory=list)
    writes: list[str] = Field(default_factory=list)
    flows: list[TableFlow] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    columns: list[ColumnMapping] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    dialect: str | None = None
    errors: list[SqlLineageIssue] = Field(default_factory=list)


class ColumnProfile(Model):
    column_name: str
    data_type: str
    null_count: int
    null_percentage: float
    distinct_count: int | None = None
    distinct_approximate: bool = False
    min: Any = None
    max: Any = None
    mean: float | None = None


class ColumnTypeChange(Model):
    column: str
    before: str
    after: str


class ProfileDrift(Model):
    """How a profile differs from the previous profile of the same table."""

    previous_profile_id: int | None = None
    columns_added: list[str] = Field(default_factory=list)
    columns_removed: list[str] = Field(default_factory=list)
    columns_retyped: list[ColumnTypeChange] = Field(default_factory=list)
    row_count_change_percentage: float | None = None
    null_percentage_swings: dict[str, float] = Field(default_factory=dict)
    large_swings: list[str] = Field(default_factory=list)

    @property
    def schema_changed(self) -> bool:
        return bool(self.columns_added or self.columns_removed or self.columns_retyped)


class TableProfile(Model):
    """One profiling result; the JSON keeps the document's ``rowCount``/``columnProfiles``."""

    profile_id: int | None = None
    asset_id: str | None = None
    asset: str
    connection: str | None = None
    row_count: int
    column_count: int
    table_size_bytes: int | None = None
    duplicate_count: int | None = None
    duplicate_count_approximate: bool = False
    null_percentage: float | None = None
    column_profiles: list[ColumnProfile]
    exact: bool = False
    profiled_at: datetime | None = None
    profile_duration_ms: int | None = None
    drift: ProfileDrift | None = None


class LastWrite(Model):
    """The latest captured run of a Dagster job that writes a table, as the explorer shows it.

    ``written`` says whether that run's capture recorded writing the table: a run that failed
    before its writing step ran leaves ``status`` FAILURE and ``written`` false (the table is
    stale); one whose writing step materialized it before the run failed has ``written`` true.
    """

    run_id: str
    job: str | None = None
    code_location: str | None = None
    status: str | None = None
    at: datetime | None = None
    written: bool = False


class AssetDetail(Asset):
    """An asset with what the explorer's asset panel shows beside it: the Dagster asset key a
    code location declared for its table, and the last run that wrote it."""

    dagster_asset_key: str | None = None
    last_write: LastWrite | None = None


class ColumnLink(Model):
    """One column-to-column link of a stored edge, with the edge's tables and Dagster context."""

    source_table: str
    source_column: str
    target_table: str
    target_column: str
    transformation: str | None = None
    job: str | None = None
    op: str | None = None
    code_location: str | None = None
    edge_id: int | None = None


class AssetColumns(Model):
    """The column links into and out of one table: one shape for the explorer's HTTP API and
    ``lineage columns --json``."""

    asset: str
    incoming: list[ColumnLink]
    outgoing: list[ColumnLink]


class WorkflowAsset(Model):
    """A table a Dagster job reads or writes, in the design document's workflow-assets shape."""

    asset_id: str
    asset_name: str
    qualified_name: str
    asset_type: str
    is_source: bool
    is_target: bool


class ApiToken(Model):
    """A bearer token of the explorer's HTTP API, as listed: never the token itself, which is
    shown once when it is made and kept only as a hash."""

    name: str
    tenant: str
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class EdgeInterval(Model):
    """A stretch of time an edge was active: from ``active_from`` up to, not including,
    ``active_until`` (None while it still is). An edge retired and recorded again has one
    interval per stretch."""

    active_from: datetime
    active_until: datetime | None = None


class DiffAsset(Model):
    """An asset that joined (or left) the walk of a diff's root between its two times.

    ``at`` is when it did: the first moment since which a path of edges, all active ever
    since, has linked it to the root within the depth (or, for one that left, the last
    moment such a path still did). ``depth`` is its depth at the diff's ``until`` (joined)
    or ``since`` (left).
    """

    id: str
    name: str
    qualified_name: str
    type: str
    depth: int
    at: datetime


class DiffEdge(Model):
    """An edge that joined (or left) the walk of a diff's root between its two times.

    ``at`` is when it did, as for :class:`DiffAsset`. ``active_from`` and ``active_until``
    are the edge's own active interval at the diff's ``until`` (joined) or ``since`` (left):
    a left edge with ``active_until`` None was not retired itself, it was cut off by an edge
    before it; a joined edge whose ``active_from`` is before ``since`` was there all along
    and is new to the walk only.
    """

    edge_id: int
    source: str
    target: str
    job: str | None = None
    op: str | None = None
    code_location: str | None = None
    transformation_type: str | None = None
    active_from: datetime
    active_until: datetime | None = None
    at: datetime


class LineageDiff(Model):
    """How the downstream (or upstream) of ``root`` changed from ``since`` to ``until``.

    The two walks' net difference: an asset or edge in the walk at ``until`` and not at
    ``since`` was ``added``, one in the walk at ``since`` and not at ``until`` was
    ``removed`` (retired, or cut off by a retired edge). Something that came and went in
    between, or went and came back, is in neither list. Each list is ordered by ``at``. With
    ``since`` after ``until`` the lists are those of the way forward, swapped.
    """

    root_asset_id: str
    root: str
    direction: Literal["upstream", "downstream"]
    max_depth: int
    since: datetime
    until: datetime
    added_assets: list[DiffAsset]
    removed_assets: list[DiffAsset]
    added_edges: list[DiffEdge]
    removed_edges: list[DiffEdge]
