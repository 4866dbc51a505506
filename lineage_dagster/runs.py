"""What one finished Dagster run says, read into step records for :mod:`lineage_core.capture`.

Reads the run's step graph (its execution plan snapshot), the metadata its steps emitted
(outputs, materializations, observations) and the asset definitions of the code location
(table names and deps live there, not in the events). The lineage rules (which edges the
steps produce, what counts as written) are core's; nothing here writes to the store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from lineage_core import InvalidName
from lineage_core.capture import RunLineage, assemble_run, declare, names_for
from lineage_core.propagation import StepLineage
from lineage_core.resolution import NameContext
from lineage_dagster.dbt import DbtColumns, project_dirs
from lineage_dagster.metadata import COLUMN_LINEAGE, column_lineage_declaration, parse_metadata
from lineage_dagster.translator import (
    TABLE_NAME,
    LineageTranslator,
    plain_value,
    tables_of_assets,
)

ET = dg.DagsterEventType
CAPTURED_EVENT_TYPES = {
    ET.STEP_SUCCESS,
    ET.STEP_FAILURE,
    ET.STEP_OUTPUT,
    ET.ASSET_MATERIALIZATION,
    ET.ASSET_OBSERVATION,
}
_MAPPING_KEY = re.compile(r"\[[^\]]*\]")


def run_belongs_to(
    run: dg.DagsterRun,
    location: str | None,
    repository_def: dg.RepositoryDefinition | None,
    instance: dg.DagsterInstance | None = None,
) -> bool:
    """Runs of this code location only: each location's sensors handle their own runs."""
    origin = run.remote_job_origin
    if origin is not None and location is not None:
        return origin.location_name == location
    if repository_def is None:
        return True
    if not run.job_name.startswith("__"):
        return repository_def.has_job(run.job_name)
    # An implicit asset job (a run of `materialize`, `execute_in_process`, the UI's
    # "Materialize") exists in every location with assets: the run is this location's if it
    # materialized this location's assets.
    graph = repository_def.asset_graph
    if run.asset_selection:
        return any(
            graph.has(key) and graph.get(key).is_materializable for key in run.asset_selection
        )
    if instance is None or not run.execution_plan_snapshot_id:
        return True
    ops = {
        graph.get(key).assets_def.op.name
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable
    }
    return bool(ops & set(_step_graph(instance, run)))


def location_of(context: dg.SensorEvaluationContext, configured: str | None) -> str | None:
    """The code location a sensor serves: as configured, else where it was loaded from."""
    if configured:
        return configured
    origin = context.code_location_origin
    return origin.location_name if origin is not None else None


def step_base(step_key: str) -> str:
    """Dynamic steps ``op[key]`` count as their op."""
    return _MAPPING_KEY.sub("", step_key)


def _records(instance: dg.DagsterInstance, run_id: str) -> Iterator[dg.EventLogRecord]:
    cursor = None
    while True:
        page = instance.get_records_for_run(
            run_id, cursor=cursor, of_type=CAPTURED_EVENT_TYPES, limit=1000
        )
        yield from page.records
        if not page.has_more:
            return
        cursor = page.cursor


# Step graphs by execution plan snapshot id: the id is a hash of the plan, so runs of one job
# version share it and a graph read once holds for all of them.
_STEP_GRAPHS: dict[str, dict[str, set[str]]] = {}
_STEP_GRAPHS_KEPT = 256


def _step_graph(instance: dg.DagsterInstance, run: dg.DagsterRun) -> dict[str, set[str]]:
    snapshot_id = run.execution_plan_snapshot_id
    if not snapshot_id:
        return {}
    graph = _STEP_GRAPHS.get(snapshot_id)
    if graph is None:
        graph = plan_graph(instance.get_execution_plan_snapshot(snapshot_id))
        if len(_STEP_GRAPHS) >= _STEP_GRAPHS_KEPT:
            _STEP_GRAPHS.pop(next(iter(_STEP_GRAPHS)), None)
        _STEP_GRAPHS[snapshot_id] = graph
    return graph


def plan_graph(plan: Any) -> dict[str, set[str]]:
    """Step -> the steps whose outputs it consumes, from an execution plan snapshot."""
    graph: dict[str, set[str]] = {}
    for step in plan.steps:
        upstream = graph.setdefault(step_base(step.key), set())
        for step_input in step.inputs:
            if step_input.dagster_type_key == "Nothing":
                continue  # an ordering dependency: no data, so no lineage, flows through it
            for handle in step_input.upstream_output_handles:
                upstream.add(step_base(handle.step_key))
    return graph


def _timestamp(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


def read_run(
    instance: dg.DagsterInstance,
    run_record: dg.RunRecord,
    *,
    repository_def: dg.RepositoryDefinition | None,
    translator: LineageTranslator,
    code_location: str | None,
    table_of: Mapping[dg.AssetKey, str | None] | None = None,
    names: NameContext | None = None,
    connections: Mapping[str, str] | None = None,
    files: bool = False,
) -> RunLineage:
    """The lineage of one finished run; bad metadata is reported in ``errors``, never raised.

    ``table_of`` (``tables_of_assets`` of the code location, with the same ``names``) can be
    computed once and shared by many runs; by default it is computed here. ``names`` (and the
    ``connections`` a step's ``lineage/connection`` may name) resolve unqualified and aliased
    table names; ``files=True`` keeps the files SQL reads and writes as file assets. A
    re-execution (a run with a parent) that executed only some steps takes the other steps'
    declarations from the nearest ancestor run that executed them, so lineage flows through
    them as it did then.
    """
    run = run_record.dagster_run
    lineage = RunLineage(
        run_id=run.run_id,
        job=run.job_name,
        code_location=code_location,
        status=run.status.value,
        started_at=_timestamp(run_record.start_time),
        completed_at=_timestamp(run_record.end_time) or run_record.update_timestamp,
    )
    if table_of is None:
        table_of = (
            tables_of_assets(repository_def, translator, names, connections)
            if repository_def
            else {}
        )
    reader = _EventReader(
        table_of,
        repository_def.asset_graph if repository_def else None,
        translator,
        names or NameContext(),
        connections or {},
        files,
        project_dirs(repository_def),
    )
    graph = _step_graph(instance, run)
    steps = reader.steps(instance, run.run_id, graph, lineage)
    executed = _executed(run)
    if run.parent_run_id and executed is not None:
        # Only steps upstream of what ran here matter; the others neither ran nor fed it.
        missing = _upstream_of(executed, graph) - executed
        for key in set(steps) - executed - missing:
            del steps[key]
        found = _from_ancestors(instance, run.parent_run_id, missing, reader)
        for key in sorted(missing):
            borrowed = found.get(key)
            steps[key] = StepLineage(
                key=key,
                upstream=steps[key].upstream,
                reads=borrowed.reads if borrowed else set(),
                writes=borrowed.writes if borrowed else set(),
                columns=borrowed.columns if borrowed else [],
                sql=borrowed.sql if borrowed else None,
                succeeded=False,
                ran=False,
            )
        if lost := sorted(missing - found.keys()):
            lineage.notes.append(
                f"step(s) {', '.join(lost)} did not run here and no earlier run of "
                f"{run.root_run_id or run.parent_run_id} says what they read: lineage through "
                "them is missing"
            )
    return assemble_run(lineage, list(steps.values()))


_ANCESTORS_READ = 20  # re-executions of re-executions looked through, at most


def _upstream_of(keys: set[str], graph: Mapping[str, set[str]]) -> set[str]:
    """``keys`` and every step they consume outputs of, directly or not."""
    seen, frontier = set(keys), list(keys)
    while frontier:
        for upstream in graph.get(frontier.pop(), ()):
            if upstream not in seen:
                seen.add(upstream)
                frontier.append(upstream)
    return seen


def _executed(run: dg.DagsterRun) -> set[str] | None:
    """The steps this run executed (op names), or None for all of them."""
    keys = run.step_keys_to_execute
    return None if keys is None else {step_base(key) for key in keys}


def _from_ancestors(
    instance: dg.DagsterInstance, parent_id: str, missing: set[str], reader: _EventReader
) -> dict[str, StepLineage]:
    """The succeeded steps among ``missing``, each from the nearest ancestor that ran it."""
    found: dict[str, StepLineage] = {}
    run_id: str | None = parent_id
    for _ in range(_ANCESTORS_READ):
        if run_id is None or not missing - found.keys():
            break
        parent = instance.get_run_by_id(run_id)
        if parent is None:
            break
        steps = reader.steps(instance, run_id, _step_graph(instance, parent), None)
        for key in missing - found.keys():
            step = steps.get(key)
            if step is not None and step.succeeded:
                found[key] = step
        run_id = parent.parent_run_id
    return found


class _EventReader:
    """Turns one run's events into step records, for the run itself or an ancestor."""

    def __init__(
        self,
        table_of: Mapping[dg.AssetKey, str | None],
        asset_graph: Any,
        translator: LineageTranslator,
        names: NameContext,
        connections: Mapping[str, str],
        files: bool,
        dbt_projects: list,
    ) -> None:
        self.files = files
        self.dbt_projects = dbt_projects
        self.table_of = table_of
        self.asset_graph = asset_graph
        self.translator = translator
        self.names = names
        self.connections = connections

    def _context(self, *metadata: Mapping[str, Any]) -> NameContext:
        """The names of one step or asset: its metadata's connection and defaults, the later
        mapping winning."""
        values: dict[str, Any] = {}
        for mapping in metadata:
            values.update((key, plain_value(value)) for key, value in mapping.items())
        return names_for(values, self.names, self.connections)

    def steps(
        self,
        instance: dg.DagsterInstance,
        run_id: str,
        graph: Mapping[str, set[str]],
        lineage: RunLineage | None,
    ) -> dict[str, StepLineage]:
        """The steps of one run; their problems and files go to ``lineage`` (None: an
        ancestor's, whose problems were reported on its own run)."""
        errors = lineage.errors if lineage is not None else []
        steps: dict[str, StepLineage] = {
            key: StepLineage(key=key, upstream=sorted(upstream), succeeded=False)
            for key, upstream in graph.items()
        }
        dbt = DbtColumns(run_id, self.dbt_projects)
        for record in _records(instance, run_id):
            event = record.event_log_entry.dagster_event
            if event is None or event.step_key is None:
                continue
            key = step_base(event.step_key)
            step = steps.setdefault(key, StepLineage(key=key, succeeded=False))
            where = f"step {event.step_key}"
            entry = record.event_log_entry
            if event.event_type == ET.STEP_SUCCESS:
                step.succeeded = True
            elif event.event_type == ET.STEP_OUTPUT:
                metadata = event.step_output_data.metadata or {}
                declaration = parse_metadata(
                    metadata, where=where, names=self._context(metadata), files=self.files
                )
                declare(step, declaration, lineage)
                errors.extend(declaration.errors)
            elif event.event_type == ET.ASSET_MATERIALIZATION:
                self._asset_event(step, entry.asset_materialization, True, where, lineage, dbt)
            elif event.event_type == ET.ASSET_OBSERVATION:
                self._asset_event(step, entry.asset_observation, False, where, lineage, dbt)
        return steps

    def _asset_event(
        self,
        step: StepLineage,
        asset_event: dg.AssetMaterialization | dg.AssetObservation,
        is_materialization: bool,
        where: str,
        lineage: RunLineage | None,
        dbt: DbtColumns,
    ) -> None:
        """What an asset event adds to its step: its metadata's declaration and, for a
        materialization, the asset's table as written (and materialized, the evidence that
        survives a failed step), with edges from the asset's deps when the step computes an
        asset definition of the code location."""
        graph, translator = self.asset_graph, self.translator
        key = asset_event.asset_key
        metadata = dict(asset_event.metadata or {})
        node = graph.get(key) if graph is not None and graph.has(key) else None
        definition_metadata = dict(node.metadata or {}) if node is not None else {}
        dialect = translator.get_dialect(key, {**definition_metadata, **metadata})
        names = self._context(definition_metadata, metadata)
        declaration = parse_metadata(
            metadata, where=where, dialect=dialect, names=names, files=self.files
        )
        declare(step, declaration, lineage)
        errors = lineage.errors if lineage is not None else []
        errors.extend(declaration.errors)
        if not is_materialization:
            return
        known = node is not None and TABLE_NAME not in metadata
        table = self.table_of.get(key) if known else None
        try:
            table = table or _own_table(key, definition_metadata, metadata, translator, names)
        except InvalidName as exc:
            errors.append(f"{where}: asset {key.to_user_string()}: {exc}")
            return
        if not table:
            return
        step.writes.add(table)
        step.materialized.add(table)
        if node is None or not node.is_materializable:
            return  # an op reporting a table it wrote: its edges follow the step graph
        step.materializes_assets = True
        for parent in sorted(node.parent_keys, key=lambda k: k.to_user_string()):
            source = self.table_of.get(parent)
            if source:
                step.explicit.append((source, table, "asset"))
        lineage_value = metadata.get(COLUMN_LINEAGE) or definition_metadata.get(COLUMN_LINEAGE)
        if lineage_value is not None:
            found = column_lineage_declaration(lineage_value, table, self.table_of, where=where)
        else:
            found = dbt.declaration(step.key, definition_metadata, table, where=where)
        if found is not None:
            step.columns.extend(found.columns)
            errors.extend(found.errors)


def _own_table(
    key: dg.AssetKey,
    definition_metadata: Mapping[str, Any],
    metadata: Mapping[str, Any],
    translator: LineageTranslator,
    names: NameContext,
) -> str | None:
    """The table of an asset event the code location's graph does not name: an op reporting
    a materialization, or an event's own ``dagster/table_name``."""
    merged = {**definition_metadata, **metadata}
    table = translator.get_table_name(key, merged)
    return names.resolve(table, translator.get_dialect(key, merged)) if table else None
