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

from lineage_core import InvalidName, normalise_name
from lineage_core.capture import RunLineage, assemble_run, declare
from lineage_core.propagation import StepLineage
from lineage_dagster.metadata import COLUMN_LINEAGE, column_lineage_mappings, parse_metadata
from lineage_dagster.translator import LineageTranslator, tables_of_assets

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
    run: dg.DagsterRun, location: str | None, repository_def: dg.RepositoryDefinition | None
) -> bool:
    """Runs of this code location only: each location's sensors handle their own runs."""
    origin = run.remote_job_origin
    if origin is not None and location is not None:
        return origin.location_name == location
    if repository_def is None:
        return True
    return repository_def.has_job(run.job_name) or run.job_name.startswith("__")


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
) -> RunLineage:
    """The lineage of one finished run; bad metadata is reported in ``errors``, never raised.

    ``table_of`` (``tables_of_assets`` of the code location) can be computed once and shared
    by many runs; by default it is computed here.
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
        table_of = tables_of_assets(repository_def, translator) if repository_def else {}
    asset_graph = repository_def.asset_graph if repository_def else None
    steps: dict[str, StepLineage] = {
        key: StepLineage(key=key, upstream=sorted(upstream), succeeded=False)
        for key, upstream in _step_graph(instance, run).items()
    }
    for record in _records(instance, run.run_id):
        event = record.event_log_entry.dagster_event
        if event is None or event.step_key is None:
            continue
        key = step_base(event.step_key)
        step = steps.setdefault(key, StepLineage(key=key, succeeded=False))
        where = f"step {event.step_key}"
        if event.event_type == ET.STEP_SUCCESS:
            step.succeeded = True
        elif event.event_type == ET.STEP_OUTPUT:
            declaration = parse_metadata(event.step_output_data.metadata or {}, where=where)
            declare(step, declaration)
            lineage.errors.extend(declaration.errors)
        elif event.event_type in (ET.ASSET_MATERIALIZATION, ET.ASSET_OBSERVATION):
            entry = record.event_log_entry
            is_materialization = event.event_type == ET.ASSET_MATERIALIZATION
            asset_event = (
                entry.asset_materialization if is_materialization else entry.asset_observation
            )
            _asset_event(
                step, asset_event, is_materialization, where, lineage, table_of, asset_graph,
                translator,
            )  # fmt: skip
    return assemble_run(lineage, list(steps.values()))


def _asset_event(
    step: StepLineage,
    asset_event: dg.AssetMaterialization | dg.AssetObservation,
    is_materialization: bool,
    where: str,
    lineage: RunLineage,
    table_of: Mapping[dg.AssetKey, str | None],
    asset_graph: Any,
    translator: LineageTranslator,
) -> None:
    """What an asset event adds to its step: its metadata's declaration and, for a
    materialization, the asset's table as written, with edges from the asset's deps."""
    key = asset_event.asset_key
    metadata = dict(asset_event.metadata or {})
    node = asset_graph.get(key) if asset_graph is not None and asset_graph.has(key) else None
    definition_metadata = dict(node.metadata or {}) if node is not None else {}
    dialect = translator.get_dialect(key, {**definition_metadata, **metadata})
    declaration = parse_metadata(metadata, where=where, dialect=dialect)
    declare(step, declaration)
    lineage.errors.extend(declaration.errors)
    if not is_materialization:
        return
    table = translator.get_table_name(key, {**definition_metadata, **metadata})
    if not table:
        return
    try:
        table = normalise_name(table, dialect)
    except InvalidName as exc:
        lineage.errors.append(f"{where}: asset {key.to_user_string()}: {exc}")
        return
    step.materializes_assets = True
    step.writes.add(table)
    if node is not None:
        for parent in sorted(node.parent_keys, key=lambda k: k.to_user_string()):
            source = table_of.get(parent)
            if source:
                step.explicit.append((source, table, "asset"))
    lineage_value = metadata.get(COLUMN_LINEAGE) or definition_metadata.get(COLUMN_LINEAGE)
    if lineage_value is not None:
        step.columns.extend(column_lineage_mappings(lineage_value, table, table_of))
