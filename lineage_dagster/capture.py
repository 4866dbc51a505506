"""From one finished Dagster run to the edges it produced.

Reads the run's step graph (its execution plan snapshot), the metadata its steps emitted
(outputs, materializations, observations) and the asset definitions of the code location
(table names and deps live there, not in the events), then hands the steps to
``lineage_core.propagation``. Nothing here writes to the store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dagster as dg

from lineage_core import EdgeIn, InvalidName, normalise_name
from lineage_core.propagation import StepLineage, propagate
from lineage_dagster.metadata import (
    COLUMN_LINEAGE,
    LineageTranslator,
    column_lineage_mappings,
    parse_metadata,
    tables_of_assets,
)

ET = dg.DagsterEventType
_EVENT_TYPES = {
    ET.STEP_SUCCESS,
    ET.STEP_FAILURE,
    ET.STEP_OUTPUT,
    ET.ASSET_MATERIALIZATION,
    ET.ASSET_OBSERVATION,
}
_MAPPING_KEY = re.compile(r"\[[^\]]*\]")


@dataclass
class RunLineage:
    """What one run says: edges to record, tables each op wrote, problems found."""

    run_id: str
    job: str
    code_location: str | None
    status: str
    started_at: datetime | None
    completed_at: datetime | None
    edges: list[EdgeIn] = field(default_factory=list)
    written: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (op, table) -> sources
    assets: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


def _base(step_key: str) -> str:
    """Dynamic steps ``op[key]`` count as their op."""
    return _MAPPING_KEY.sub("", step_key)


def _records(instance: dg.DagsterInstance, run_id: str) -> Iterator[dg.EventLogRecord]:
    cursor = None
    while True:
        page = instance.get_records_for_run(run_id, cursor=cursor, of_type=_EVENT_TYPES, limit=1000)
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
        graph = _plan_graph(instance.get_execution_plan_snapshot(snapshot_id))
        if len(_STEP_GRAPHS) >= _STEP_GRAPHS_KEPT:
            _STEP_GRAPHS.pop(next(iter(_STEP_GRAPHS)), None)
        _STEP_GRAPHS[snapshot_id] = graph
    return graph


def _plan_graph(plan) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for step in plan.steps:
        upstream = graph.setdefault(_base(step.key), set())
        for step_input in step.inputs:
            if step_input.dagster_type_key == "Nothing":
                continue  # an ordering dependency: no data, so no lineage, flows through it
            for handle in step_input.upstream_output_handles:
                upstream.add(_base(handle.step_key))
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
    result = RunLineage(
        run_id=run.run_id,
        job=run.job_name,
        code_location=code_location,
        status=run.status.value,
        started_at=_timestamp(run_record.start_time),
        completed_at=_timestamp(run_record.end_time) or run_record.update_timestamp,
    )
    graph = _step_graph(instance, run)
    if table_of is None:
        table_of = tables_of_assets(repository_def, translator) if repository_def else {}
    asset_graph = repository_def.asset_graph if repository_def else None
    steps: dict[str, StepLineage] = {
        key: StepLineage(key=key, upstream=sorted(upstream), succeeded=False)
        for key, upstream in graph.items()
    }

    def step_of(key: str) -> StepLineage:
        if key not in steps:
            steps[key] = StepLineage(key=key, succeeded=False)
        return steps[key]

    for record in _records(instance, run.run_id):
        event = record.event_log_entry.dagster_event
        if event is None or event.step_key is None:
            continue
        step = step_of(_base(event.step_key))
        where = f"step {event.step_key}"
        if event.event_type == ET.STEP_SUCCESS:
            step.succeeded = True
        elif event.event_type == ET.STEP_FAILURE:
            pass
        elif event.event_type == ET.STEP_OUTPUT:
            _declare(
                step, parse_metadata(event.step_output_data.metadata or {}, where=where), result
            )
        else:
            is_materialization = event.event_type == ET.ASSET_MATERIALIZATION
            asset_event = (
                record.event_log_entry.asset_materialization
                if is_materialization
                else record.event_log_entry.asset_observation
            )
            _asset_event(
                step,
                asset_event,
                is_materialization,
                where,
                result,
                table_of,
                asset_graph,
                translator,
            )
    for step in steps.values():
        if step.succeeded:
            for table in step.writes:
                result.written.setdefault((step.key, table), set())
    for edge in propagate(list(steps.values())):
        result.edges.append(
            EdgeIn(
                source=edge.source,
                target=edge.target,
                job=result.job,
                op=edge.step,
                code_location=code_location,
                transformation=edge.transformation,
                sql=edge.sql,
                columns=list(edge.columns),
                run_id=result.run_id,
                executed_at=result.completed_at,
            )
        )
        result.written.setdefault((edge.step, edge.target), set()).add(edge.source)
        result.assets |= {edge.source, edge.target}
    return result


def _declare(step: StepLineage, declaration, result: RunLineage) -> None:
    step.reads |= declaration.reads
    step.writes |= declaration.writes
    step.columns.extend(declaration.columns)
    if declaration.sql:
        step.sql = declaration.sql if not step.sql else f"{step.sql};\n{declaration.sql}"
    result.errors.extend(declaration.errors)
    result.assets |= declaration.reads | declaration.writes


def _asset_event(
    step: StepLineage,
    asset_event: dg.AssetMaterialization | dg.AssetObservation,
    is_materialization: bool,
    where: str,
    result: RunLineage,
    table_of: Mapping[dg.AssetKey, str | None],
    asset_graph,
    translator: LineageTranslator,
) -> None:
    key = asset_event.asset_key
    metadata = dict(asset_event.metadata or {})
    node = asset_graph.get(key) if asset_graph is not None and asset_graph.has(key) else None
    definition_metadata = dict(node.metadata or {}) if node is not None else {}
    dialect = translator.get_dialect(key, {**definition_metadata, **metadata})
    _declare(step, parse_metadata(metadata, where=where, dialect=dialect), result)
    if not is_materialization:
        return
    table = translator.get_table_name(key, {**definition_metadata, **metadata})
    if not table:
        return
    try:
        table = normalise_name(table, dialect)
    except InvalidName as exc:
        result.errors.append(f"{where}: asset {key.to_user_string()}: {exc}")
        return
    step.materializes_assets = True
    step.writes.add(table)
    result.assets.add(table)
    if node is not None:
        for parent in sorted(node.parent_keys, key=lambda k: k.to_user_string()):
            source = table_of.get(parent)
            if source:
                step.explicit.append((source, table, "asset"))
    lineage_value = metadata.get(COLUMN_LINEAGE) or definition_metadata.get(COLUMN_LINEAGE)
    if lineage_value is not None:
        step.columns.extend(column_lineage_mappings(lineage_value, table, table_of))
