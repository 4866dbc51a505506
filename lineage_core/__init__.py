"""Table and column lineage, impact analysis and profiling, independent of Dagster.

Start with :func:`open_store`; every question is a method of the returned ``LineageStore``.
:func:`extract_lineage` and :func:`split_statements` read SQL without a store; they are loaded
on first use, so that importing this package does not import sqlglot.
"""

from typing import TYPE_CHECKING, Any

from lineage_core.errors import (
    AssetHasEdges,
    AssetNotFound,
    ImportFileError,
    InvalidArgument,
    InvalidName,
    LineageError,
    LineageNotEnabled,
    NotFound,
    OperatorOnly,
    QueryTimeout,
    SqlLineageError,
    StoreDataError,
    StoreError,
    StoreNotFound,
    StoreUnavailable,
    TenantExists,
    TenantNotFound,
)
from lineage_core.models import (
    AffectedJob,
    Asset,
    ColumnMapping,
    ColumnProfile,
    DiffAsset,
    DiffEdge,
    Edge,
    EdgeColumn,
    EdgeIn,
    EdgeInterval,
    Edition,
    GraphEdge,
    GraphNode,
    ImpactAnalysis,
    JobAssets,
    JobReference,
    LineageDiff,
    LineageGraph,
    OpenLineagePruneResult,
    ProfileDrift,
    RecordResult,
    RefreshResult,
    SqlLineage,
    SqlLineageIssue,
    TableFlow,
    TableProfile,
    Tenant,
)
from lineage_core.names import QualifiedName, normalise_name, parse_name, qualify
from lineage_core.store import LineageStore, default_database_url, open_store

if TYPE_CHECKING:
    from lineage_core.sql import extract_lineage, split_statements

__all__ = [
    "AffectedJob",
    "Asset",
    "AssetHasEdges",
    "AssetNotFound",
    "ColumnMapping",
    "ColumnProfile",
    "DiffAsset",
    "DiffEdge",
    "Edge",
    "EdgeColumn",
    "EdgeIn",
    "EdgeInterval",
    "Edition",
    "GraphEdge",
    "GraphNode",
    "ImpactAnalysis",
    "ImportFileError",
    "InvalidArgument",
    "InvalidName",
    "JobAssets",
    "JobReference",
    "LineageDiff",
    "LineageError",
    "LineageGraph",
    "LineageNotEnabled",
    "LineageStore",
    "NotFound",
    "OpenLineagePruneResult",
    "OperatorOnly",
    "ProfileDrift",
    "QualifiedName",
    "QueryTimeout",
    "RecordResult",
    "RefreshResult",
    "SqlLineage",
    "SqlLineageError",
    "SqlLineageIssue",
    "StoreDataError",
    "StoreError",
    "StoreNotFound",
    "StoreUnavailable",
    "TableFlow",
    "TableProfile",
    "Tenant",
    "TenantExists",
    "TenantNotFound",
    "default_database_url",
    "extract_lineage",
    "normalise_name",
    "open_store",
    "parse_name",
    "qualify",
    "split_statements",
]

_SQL_ENTRY_POINTS = frozenset({"extract_lineage", "split_statements"})


def __getattr__(name: str) -> Any:
    """The SQL entry points, imported on first use (PEP 562): sqlglot is slow to import."""
    if name in _SQL_ENTRY_POINTS:
        from lineage_core import sql

        value = globals()[name] = getattr(sql, name)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
