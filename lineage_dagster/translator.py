"""How Dagster assets map to tables: one decision per ``LineageTranslator.get_*`` method.

Subclass the translator and override one method to change one decision, as with
dagster-dbt's ``DagsterDbtTranslator``; pass the instance to ``lineage_definitions`` (or to
each ``build_*`` factory) and every sensor, job and check decides the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import dagster as dg

from lineage_core import InvalidName, parse_name
from lineage_core.capture import DIALECT, names_for
from lineage_core.resolution import NameContext

TABLE_NAME = "dagster/table_name"


def plain_value(value: Any) -> Any:
    """The plain Python value behind a Dagster metadata value (or the value itself)."""
    return value.value if isinstance(value, dg.MetadataValue) else value


class LineageTranslator:
    """Maps Dagster assets to tables; subclass and override a ``get_*`` method to change one
    decision."""

    def get_table_name(self, asset_key: dg.AssetKey, metadata: Mapping[str, Any]) -> str | None:
        """``dagster/table_name`` when set, else the key's last three parts joined by dots.

        Return ``None`` for assets that are not tables (they then take no part in lineage).

        Examples:
            Name every asset of the ``warehouse`` key prefix in the ``analytics`` database,
            and leave reports out of lineage:

            .. code-block:: python

                class MyTranslator(LineageTranslator):
                    def get_table_name(self, asset_key, metadata):
                        if asset_key.path[0] == "reports":
                            return None
                        if asset_key.path[0] == "warehouse":
                            return "analytics.public." + asset_key.path[-1]
                        return super().get_table_name(asset_key, metadata)
        """
        table = plain_value(metadata.get(TABLE_NAME))
        if isinstance(table, str) and table.strip():
            return table
        return ".".join(asset_key.path[-3:])

    def get_asset_key(self, table: str) -> dg.AssetKey:
        """The key of the external asset that stands for a table only lineage knows of.

        Examples:
            Put every captured table under one key prefix:

            .. code-block:: python

                class MyTranslator(LineageTranslator):
                    def get_asset_key(self, table):
                        return super().get_asset_key(table).with_prefix("lineage")
        """
        return dg.AssetKey([_key_part(part) for part in parse_name(table).parts])

    def get_group_name(self, table: str) -> str | None:
        """The asset group of such a table: its first name part (database or schema).

        Examples:
            One group for every captured table:

            .. code-block:: python

                class MyTranslator(LineageTranslator):
                    def get_group_name(self, table):
                        return "captured_tables"
        """
        parts = parse_name(table).parts
        return _key_part(parts[0]) if len(parts) > 1 else None

    def get_dialect(self, asset_key: dg.AssetKey, metadata: Mapping[str, Any]) -> str | None:
        """The SQL dialect of the asset's table names (affects identifier case).

        Examples:
            Every asset's tables live in Snowflake, where unquoted names are upper case:

            .. code-block:: python

                class MyTranslator(LineageTranslator):
                    def get_dialect(self, asset_key, metadata):
                        return super().get_dialect(asset_key, metadata) or "snowflake"
        """
        dialect = plain_value(metadata.get(DIALECT))
        return dialect if isinstance(dialect, str) else None


def _key_part(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", part) or "_"


def table_of_asset(
    key: dg.AssetKey,
    metadata: Mapping[str, Any],
    translator: LineageTranslator,
    names: NameContext | None = None,
    connections: Mapping[str, str] | None = None,
) -> str | None:
    """The table an asset stands for, resolved through ``names`` narrowed by the asset's own
    connection and defaults; None when it is not a table. An invalid name raises
    ``InvalidName``."""
    table = translator.get_table_name(key, metadata)
    if not table:
        return None
    values = {name: plain_value(value) for name, value in metadata.items()}
    context = names_for(values, names, connections)
    return context.resolve(table, translator.get_dialect(key, metadata))


def tables_of_graph(
    graph: Any,
    translator: LineageTranslator,
    names: NameContext | None = None,
    connections: Mapping[str, str] | None = None,
) -> dict[dg.AssetKey, str | None]:
    """The table of every asset of an asset graph (None where it is not a table or its name
    is invalid). An asset without ``dagster/table_name`` that a dbt source points at names
    the source's relation."""
    from lineage_dagster.dbt import dbt_source_tables

    declared = dbt_source_tables(graph)
    tables: dict[dg.AssetKey, str | None] = {}
    for key in graph.get_all_asset_keys():
        metadata = dict(graph.get(key).metadata or {})
        if key in declared and TABLE_NAME not in metadata:
            metadata[TABLE_NAME] = declared[key]
        try:
            tables[key] = table_of_asset(key, metadata, translator, names, connections)
        except InvalidName:
            tables[key] = None
    return tables


def declared_keys(graph: Any) -> set[dg.AssetKey]:
    """The assets whose table the code location declares (``dagster/table_name``, or the
    relation of the dbt source the asset stands for), rather than one read off the key."""
    from lineage_dagster.dbt import dbt_source_tables

    declared = set(dbt_source_tables(graph))
    for key in graph.get_all_asset_keys():
        if TABLE_NAME in (graph.get(key).metadata or {}):
            declared.add(key)
    return declared


def tables_of_assets(
    repository_def: dg.RepositoryDefinition,
    translator: LineageTranslator,
    names: NameContext | None = None,
    connections: Mapping[str, str] | None = None,
) -> dict[dg.AssetKey, str | None]:
    """The resolved table name of every asset the code location defines."""
    return tables_of_graph(repository_def.asset_graph, translator, names, connections)


def asset_graph_of(context: Any) -> Any:
    """The code location's asset graph, or the job's when the step runs outside one."""
    try:
        return context.repository_def.asset_graph
    except Exception:
        return context.job_def.asset_layer.asset_graph


def tables_in_context(
    context: Any,
    translator: LineageTranslator,
    names: NameContext | None = None,
    connections: Mapping[str, str] | None = None,
) -> dict[dg.AssetKey, str | None]:
    """Tables of the code location's assets as a step sees them.

    A run launched from a code location knows the whole location; a run executed in process
    only knows its own job's assets.
    """
    return tables_of_graph(asset_graph_of(context), translator, names, connections)
