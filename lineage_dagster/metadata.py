"""The metadata conventions: how ops and assets say what they read and write.

Usable with no helper at all, as plain metadata on an output, a materialization or an
observation:

- ``lineage/reads``, ``lineage/writes``: lists of qualified table names;
- ``lineage/sql`` (with optional ``lineage/dialect``): SQL the step ran, parsed for reads,
  writes and column mappings;
- ``lineage/columns``: declared column mappings,
  ``[{"target": "db.t.col", "sources": ["db.s.col"], "transformation": "..."}]``;
- and Dagster's own keys on assets: ``dagster/table_name``, ``dagster/column_lineage``,
  ``dagster/column_schema``.

``record_lineage`` writes these keys for you, and inside an asset also emits Dagster's
``dagster/column_lineage`` so the column mappings show in the Dagster UI. What the keys mean
is decided in :mod:`lineage_core.capture`; this module only unwraps Dagster's values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import dagster as dg

from lineage_core import ColumnMapping
from lineage_core.capture import COLUMNS, DIALECT, READS, SQL, WRITES, Declaration
from lineage_core.capture import parse_declaration as _parse_declaration
from lineage_core.resolution import NameContext
from lineage_dagster.translator import (
    TABLE_NAME,
    LineageTranslator,
    asset_graph_of,
    plain_value,
    tables_of_graph,
)

COLUMN_LINEAGE = "dagster/column_lineage"
COLUMN_SCHEMA = "dagster/column_schema"

__all__ = [
    "COLUMNS",
    "COLUMN_LINEAGE",
    "COLUMN_SCHEMA",
    "DIALECT",
    "READS",
    "SQL",
    "TABLE_NAME",
    "WRITES",
    "column_lineage_declaration",
    "markdown_table",
    "parse_metadata",
    "record_lineage",
]


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table, the form Dagster renders in run and check metadata."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def parse_metadata(
    metadata: Mapping[str, Any],
    *,
    where: str,
    dialect: str | None = None,
    names: NameContext | None = None,
    files: bool = False,
) -> Declaration:
    """The lineage one Dagster metadata mapping declares; bad values become errors."""
    values = {key: plain_value(value) for key, value in metadata.items()}
    return _parse_declaration(values, where=where, dialect=dialect, names=names, files=files)


def column_lineage_declaration(
    value: Any, target_table: str, table_of: Mapping[dg.AssetKey, str | None], *, where: str
) -> Declaration:
    """Dagster's ``dagster/column_lineage`` as column mappings onto ``target_table``,
    validated as declared mappings are (a name the store cannot keep is an error)."""
    lineage = plain_value(value)
    if not isinstance(lineage, dg.TableColumnLineage):
        return Declaration()
    mappings = []
    for column, deps in lineage.deps_by_column.items():
        sources = [
            f"{table_of[dep.asset_key]}.{dep.column_name}"
            for dep in deps
            if table_of.get(dep.asset_key)
        ]
        if sources:
            mappings.append({"target": f"{target_table}.{column}", "sources": sources})
    return _parse_declaration({COLUMNS: mappings}, where=f"{where}: {COLUMN_LINEAGE}")


def record_lineage(
    context: dg.OpExecutionContext | dg.AssetExecutionContext,
    *,
    reads: Iterable[str] = (),
    writes: Iterable[str] = (),
    sql: str | None = None,
    dialect: str | None = None,
    columns: Sequence[ColumnMapping | Mapping[str, Any]] = (),
    output_name: str | None = None,
    translator: LineageTranslator | None = None,
) -> dict[str, Any]:
    """Declare what this op or asset read and wrote; returns the metadata it added.

    Inside an asset it also adds ``dagster/column_lineage`` for the columns of the asset's
    own table, so the Dagster UI shows them.
    """
    metadata: dict[str, Any] = {}
    if reads := list(reads):
        metadata[READS] = dg.MetadataValue.json(reads)
    if writes := list(writes):
        metadata[WRITES] = dg.MetadataValue.json(writes)
    if sql is not None:
        metadata[SQL] = sql
    if dialect is not None:
        metadata[DIALECT] = dialect
    mappings = [ColumnMapping.model_validate(c) for c in columns]
    if mappings:
        metadata[COLUMNS] = dg.MetadataValue.json([m.to_json() for m in mappings])
    try:
        column_lineage = _asset_column_lineage(context, metadata, output_name, translator)
    except Exception as exc:  # lineage must never fail the user's step
        context.log.warning(f"Lineage: could not derive dagster/column_lineage: {exc}")
        column_lineage = None
    if column_lineage is not None:
        metadata[COLUMN_LINEAGE] = column_lineage
    context.add_output_metadata(metadata, output_name=output_name)
    return metadata


def _asset_column_lineage(
    context: Any,
    metadata: Mapping[str, Any],
    output_name: str | None,
    translator: LineageTranslator | None,
) -> dg.TableColumnLineage | None:
    assets_def = getattr(context, "assets_def", None) if _has_assets(context) else None
    if assets_def is None:
        return None
    translator = translator or LineageTranslator()
    declaration = parse_metadata(metadata, where="record_lineage")
    if not declaration.columns:
        return None
    key = (
        assets_def.get_asset_key_for_output(output_name)
        if output_name
        else next(iter(assets_def.keys))
    )
    table_of = tables_of_graph(asset_graph_of(context), translator)
    own = table_of.get(key)
    if own is None:
        return None
    asset_of = {table: asset_key for asset_key, table in table_of.items() if table}
    deps: dict[str, list[dg.TableColumnDep]] = {}
    for mapping in declaration.columns:
        table, _, column = mapping.target.rpartition(".")
        if table != own:
            continue
        for source in mapping.sources:
            source_table, _, source_column = source.rpartition(".")
            if source_table in asset_of:
                deps.setdefault(column, []).append(
                    dg.TableColumnDep(asset_key=asset_of[source_table], column_name=source_column)
                )
    return dg.TableColumnLineage(deps_by_column=deps) if deps else None


def _has_assets(context: Any) -> bool:
    try:
        return bool(context.has_assets_def)
    except Exception:
        return False
