"""Column lineage of dbt models, read off their compiled SQL, with no change to the project.

dagster-dbt emits ``dagster/column_lineage`` only when a project asks for it
(``fetch_column_metadata()``), and then often fails to resolve columns. Every dbt asset
definition carries what is needed instead: its node's unique id and the manifest
(``dagster_dbt/unique_id``, ``dagster_dbt/manifest``). The SQL a run executed is in the
manifest of the run's own dbt invocation (dagster-dbt writes it to
``<project>/<target>/<op>-<run id[:7]>-<suffix>/manifest.json``, the target being
``$DBT_TARGET_PATH`` or ``target``, relative to the project folder, which comes from the
asset's ``DbtProject`` or from the code location's ``DbtCliResource``), else in the
definitions' manifest when it was compiled. The columns of the tables it reads come from
``catalog.json`` when there is one: documented columns are often a subset, and taken as the
whole table they would send an unqualified column to the wrong table. The SQL is then read by
:func:`lineage_core.extract_lineage` as ``CREATE TABLE <relation> AS <compiled SQL>``, so its
mappings are named by the manifest's relations, as dagster-dbt names the tables.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lineage_core.capture import COLUMNS, Declaration, parse_declaration
from lineage_dagster.translator import plain_value

UNIQUE_ID = "dagster_dbt/unique_id"
MANIFEST = "dagster_dbt/manifest"
PROJECT = "dagster_dbt/project"

# dbt adapter types whose SQL dialect sqlglot names differently
_DIALECTS = {"databricks": "databricks", "spark": "spark", "sqlserver": "tsql", "fabric": "tsql"}


class DbtColumns:
    """Column mappings of the dbt models one run built; artifacts are read once per run."""

    def __init__(self, run_id: str, project_dirs: Sequence[Path] = ()) -> None:
        self.run_id = run_id
        self.project_dirs = list(project_dirs)
        self._artifacts: dict[tuple[str, str], tuple[dict, dict] | None] = {}

    def declaration(
        self, step_key: str, definition: Mapping[str, Any], table: str, *, where: str
    ) -> Declaration | None:
        """The column mappings into ``table`` computed by the dbt node behind an asset, or
        None when the asset is not a dbt model or its compiled SQL is nowhere to be found."""
        unique_id = plain_value(definition.get(UNIQUE_ID))
        wrapper = plain_value(definition.get(MANIFEST))
        manifest = getattr(wrapper, "manifest", None)
        if not isinstance(unique_id, str) or not isinstance(manifest, Mapping):
            return None
        node = manifest.get("nodes", {}).get(unique_id)
        if node is None or node.get("resource_type") not in ("model", "snapshot"):
            return None
        compiled, catalog = self._run_artifacts(step_key, plain_value(definition.get(PROJECT)))
        run_node = compiled.get("nodes", {}).get(unique_id) or {}
        sql = run_node.get("compiled_code") or node.get("compiled_code")
        relation = node.get("relation_name")
        if not sql or not relation:
            return None
        adapter = str(manifest.get("metadata", {}).get("adapter_type") or "")
        dialect = _DIALECTS.get(adapter, adapter or None)
        schema = _known_columns(manifest, catalog, node)
        from lineage_core.sql import extract_lineage

        found = extract_lineage(f"CREATE TABLE {relation} AS {sql}", dialect, schema=schema)
        mappings = [
            {"target": m.target, "sources": m.sources, "transformation": m.transformation}
            for m in found.columns
            if m.target.rpartition(".")[0] == table
        ]
        return parse_declaration({COLUMNS: mappings}, where=f"{where}: dbt {unique_id}")

    def _run_artifacts(self, step_key: str, project: Any) -> tuple[dict, dict]:
        """The manifest and catalog of this run's dbt invocation of ``step_key`` (empty
        when none is found), read once."""
        key = (step_key, str(getattr(project, "project_dir", "")))
        if key not in self._artifacts:
            folders = _target_folders(project, self.project_dirs)
            self._artifacts[key] = _find_artifacts(self.run_id, step_key, folders)
        return self._artifacts[key] or ({}, {})


def project_dirs(repository_def: Any) -> list[Path]:
    """The project folders the code location's resources are configured with (a
    ``DbtCliResource``'s ``project_dir``): where dbt wrote the artifacts of runs whose assets
    carry no ``DbtProject``."""
    found = []
    try:
        resources = repository_def.get_top_level_resources() if repository_def else {}
    except Exception:  # a location whose resources cannot be listed: no folders from it
        return []
    for resource in resources.values():
        field = getattr(resource, "config_field", None)
        config = field.default_value if field is not None and field.default_provided else {}
        folder = config.get("project_dir") if isinstance(config, Mapping) else None
        if isinstance(folder, str) and folder:
            found.append(Path(folder))
    return found


def _target_folders(project: Any, project_dirs: Sequence[Path]) -> list[Path]:
    """Where a dbt invocation may have written its artifacts: ``$DBT_TARGET_PATH`` (as dbt
    resolves it, against the project folder), the project's target path, ``target``."""
    folders = []
    target = os.environ.get("DBT_TARGET_PATH")
    project_folders = [getattr(project, "project_dir", None), *project_dirs]
    for project_dir in filter(None, project_folders):
        folders += [Path(project_dir) / (target or "target"), Path(project_dir) / "target"]
    if target:
        folders.append(Path(target))
    if (target_path := getattr(project, "target_path", None)) is not None:
        folders.append(Path(target_path))
    return list(dict.fromkeys(folder for folder in folders if folder.is_dir()))


def _find_artifacts(
    run_id: str, step_key: str, folders: Sequence[Path]
) -> tuple[dict, dict] | None:
    op = step_key.split("[", 1)[0]
    for folder in folders:
        for invocation in sorted(folder.glob(f"{op}-{run_id[:7]}-*")):
            manifest = _read_json(invocation / "manifest.json")
            if manifest:
                catalog = _read_json(invocation / "catalog.json") or _read_json(
                    folder / "catalog.json"
                )
                return manifest, catalog
        catalog = _read_json(folder / "catalog.json")
        if catalog:
            return _read_json(folder / "manifest.json"), catalog
    return None


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _known_columns(
    manifest: Mapping[str, Any], catalog: Mapping[str, Any], node: Mapping[str, Any]
) -> dict[str, list[str]]:
    """Columns of the relations ``node`` reads, as the catalog (the database) has them."""
    columns: dict[str, list[str]] = {}
    entries = {**catalog.get("sources", {}), **catalog.get("nodes", {})}
    nodes = {**manifest.get("sources", {}), **manifest.get("nodes", {})}
    for parent in node.get("depends_on", {}).get("nodes", []):
        relation = nodes.get(parent, {}).get("relation_name")
        found = entries.get(parent, {}).get("columns")
        if relation and found:
            columns[relation] = list(found)
    return columns


TRANSLATOR = "dagster_dbt/dagster_dbt_translator"


def dbt_source_tables(graph: Any) -> dict[Any, str]:
    """Asset key -> table, for the keys dbt sources stand for: a Python asset that a dbt
    source points at names the same table as the source's relation in the manifest, so the
    asset and the dbt models reading it meet on one node."""
    found: dict[Any, str] = {}
    seen: set[int] = set()
    for key in graph.get_all_asset_keys():
        metadata = graph.get(key).metadata or {}
        wrapper = plain_value(metadata.get(MANIFEST))
        manifest = getattr(wrapper, "manifest", None)
        translator = plain_value(metadata.get(TRANSLATOR))
        if not isinstance(manifest, Mapping) or id(manifest) in seen or translator is None:
            continue
        seen.add(id(manifest))
        for source in manifest.get("sources", {}).values():
            relation = source.get("relation_name")
            try:
                source_key = translator.get_asset_key(source)
            except Exception:  # a user's translator that cannot name a source
                continue
            if relation:
                found.setdefault(source_key, relation)
    return found
