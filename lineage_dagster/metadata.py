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
``dagster/column_lineage`` so the column mappings show in the Dagster UI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from lineage_core import ColumnMapping, InvalidName, normalise_name, parse_name
from lineage_core.sql import extract_lineage

READS = "lineage/reads"
WRITES = "lineage/writes"
SQL = "lineage/sql"
DIALECT = "lineage/dialect"
COLUMNS = "lineage/columns"
TABLE_NAME = "dagster/table_name"
COLUMN_LINEAGE = "dagster/column_lineage"
COLUMN_SCHEMA = "dagster/column_schema"


class LineageTranslator:
    """Maps Dagster assets to tables; subclass and override a ``get_*`` method to change one
    decision."""

    def get_table_name(self, asset_key: dg.AssetKey, metadata: Mapping[str, Any]) -> str | None:
        """``dagster/table_name`` when set, else the key's last three parts joined by dots.

        Return ``None`` for assets that are not tables (they then take no part in lineage).
        """
        table = _raw(metadata.get(TABLE_NAME))
        if isinstance(table, str) and table.strip():
            return table
        return ".".join(asset_key.path[-3:])

    def get_asset_key(self, table: str) -> dg.AssetKey:
        """The key of the external asset that stands for a table only lineage knows of."""
        return dg.AssetKey([_key_part(part) for part in parse_name(table).parts])

    def get_group_name(self, table: str) -> str | None:
        """The asset group of such a table: its first name part (database or schema)."""
        parts = parse_name(table).parts
        return _key_part(parts[0]) if len(parts) > 1 else None

    def get_dialect(self, asset_key: dg.AssetKey, metadata: Mapping[str, Any]) -> str | None:
        """The SQL dialect of the asset's table names (affects identifier case)."""
        dialect = _raw(metadata.get(DIALECT))
        return dialect if isinstance(dialect, str) else None


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table, the form Dagster renders in run and check metadata."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _key_part(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", part) or "_"


def _raw(value: Any) -> Any:
    """The plain Python value behind a Dagster metadata value."""
    return value.value if isinstance(value, dg.MetadataValue) else value


@dataclass
class Declaration:
    """What one piece of metadata declares, with the problems found in it."""

    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    columns: list[ColumnMapping] = field(default_factory=list)
    sql: str | None = None
    errors: list[str] = field(default_factory=list)

    def merge(self, other: Declaration) -> None:
        self.reads |= other.reads
        self.writes |= other.writes
        self.columns.extend(other.columns)
        if other.sql:
            self.sql = other.sql if not self.sql else f"{self.sql};\n{other.sql}"
        self.errors.extend(other.errors)


def _names(value: Any, key: str, where: str, dialect: str | None, errors: list[str]) -> set[str]:
    value = _raw(value)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.append(f"{where}: {key} must be a list of table names, got {type(value).__name__}")
        return set()
    names = set()
    for name in value:
        try:
            names.add(normalise_name(name, dialect))
        except InvalidName as exc:
            errors.append(f"{where}: {key}: {exc}")
    return names


def _columns(value: Any, where: str, dialect: str | None, errors: list[str]) -> list[ColumnMapping]:
    value = _raw(value)
    if not isinstance(value, list):
        errors.append(f"{where}: {COLUMNS} must be a list of mappings, got {type(value).__name__}")
        return []
    mappings = []
    for item in value:
        try:
            mapping = ColumnMapping.model_validate(item)
            mappings.append(
                ColumnMapping(
                    target=_normalise_column(mapping.target, dialect),
                    sources=[_normalise_column(s, dialect) for s in mapping.sources],
                    transformation=mapping.transformation,
                )
            )
        except (ValueError, InvalidName) as exc:
            errors.append(f"{where}: {COLUMNS}: invalid mapping {item!r}: {exc}".splitlines()[0])
    return mappings


def _normalise_column(qualified: str, dialect: str | None) -> str:
    table, dot, column = qualified.rpartition(".")
    if not dot or not table or not column:
        raise InvalidName(f"expected table.column, got {qualified!r}")
    return f"{normalise_name(table, dialect)}.{column.strip().strip(chr(34)).lower()}"


def parse_metadata(
    metadata: Mapping[str, Any], *, where: str, dialect: str | None = None
) -> Declaration:
    """The lineage one metadata mapping declares; bad values become errors, never exceptions."""
    declaration = Declaration()
    errors = declaration.errors
    dialect = _raw(metadata.get(DIALECT)) if DIALECT in metadata else dialect
    if dialect is not None and not isinstance(dialect, str):
        errors.append(f"{where}: {DIALECT} must be a string")
        dialect = None
    if READS in metadata:
        declaration.reads |= _names(metadata[READS], READS, where, dialect, errors)
    if WRITES in metadata:
        declaration.writes |= _names(metadata[WRITES], WRITES, where, dialect, errors)
    if COLUMNS in metadata:
        declaration.columns.extend(_columns(metadata[COLUMNS], where, dialect, errors))
    if SQL in metadata:
        sql = _raw(metadata[SQL])
        if not isinstance(sql, str):
            errors.append(f"{where}: {SQL} must be a string, got {type(sql).__name__}")
        else:
            found = extract_lineage(sql, dialect)
            declaration.sql = sql
            declaration.reads |= set(found.reads)
            declaration.writes |= set(found.writes)
            declaration.columns.extend(found.columns)
            errors.extend(f"{where}: {SQL}: {warning}" for warning in found.warnings)
    return declaration


def column_lineage_mappings(
    value: Any, target_table: str, table_of: Mapping[dg.AssetKey, str | None]
) -> list[ColumnMapping]:
    """Dagster's ``dagster/column_lineage`` as our column mappings onto ``target_table``."""
    lineage = _raw(value)
    if not isinstance(lineage, dg.TableColumnLineage):
        return []
    mappings = []
    for column, deps in lineage.deps_by_column.items():
        sources = [
            f"{table_of[dep.asset_key]}.{dep.column_name.lower()}"
            for dep in deps
            if table_of.get(dep.asset_key)
        ]
        if sources:
            mappings.append(
                ColumnMapping(target=f"{target_table}.{column.lower()}", sources=sources)
            )
    return mappings


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
    table_of = _tables(_asset_graph(context), translator)
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


def _asset_graph(context: Any) -> Any:
    """The code location's asset graph, or the job's when the step runs outside one."""
    try:
        return context.repository_def.asset_graph
    except Exception:
        return context.job_def.asset_layer.asset_graph


def tables_of_assets(
    repository_def: dg.RepositoryDefinition, translator: LineageTranslator
) -> dict[dg.AssetKey, str | None]:
    """The normalised table name of every asset the code location defines."""
    return _tables(repository_def.asset_graph, translator)


def tables_in_context(context: Any, translator: LineageTranslator) -> dict[dg.AssetKey, str | None]:
    """Tables of the code location's assets as a step sees them.

    A run launched from a code location knows the whole location; a run executed in process
    only knows its own job's assets.
    """
    return _tables(_asset_graph(context), translator)


def _tables(graph: Any, translator: LineageTranslator) -> dict[dg.AssetKey, str | None]:
    tables: dict[dg.AssetKey, str | None] = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        metadata = node.metadata or {}
        table = translator.get_table_name(key, metadata)
        try:
            tables[key] = (
                normalise_name(table, translator.get_dialect(key, metadata)) if table else None
            )
        except InvalidName:
            tables[key] = None
    return tables
