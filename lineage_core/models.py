"""The domain objects the store returns and accepts.

Field names are snake_case in Python; ``to_json()`` renders the camelCase shapes of the
design document's REST responses (``rootAssetId``, ``totalNodes``, ``downstreamAssets``...),
so the command line's ``--json`` output is a drop-in for clients of that API.

Dagster terms replace the document's: a *job* is a Dagster job (the document's workflow), an
*op* is an op or asset step (its node), a *code location* is its workspace, and *trigger* is
the schedule or sensor that launched the run (its job).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

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


class GraphNode(Model):
    id: str
    name: str
    qualified_name: str
    type: str
    depth: int


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


class RefreshResult(Model):
    entries_refreshed: int
    stale_only: bool
    method: Literal["bfs", "bitset", "none"]
    seconds: float
    largest: list[tuple[str, int]] = Field(default_factory=list)


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
