"""The capture sensor: records the lineage of every finished run of its code location.

It keeps one cursor per run outcome (success, failure, cancellation), each a storage id in
the event log, so no outcome's backlog hides another's and no run is skipped. A run's cursor
moves only after the store committed that run; the store's upserts are keyed by run id, so a
run seen twice (after a crash or an outage) changes nothing. Runs are written in groups, one
transaction (one disk flush) per group; when a group fails, its runs are retried one by one,
so the cursor still stops exactly after the last committed run.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import dagster as dg

from lineage_core import Edition, LineageStore, StoreError, StoreUnavailable
from lineage_core.capture import SUCCESS, RunLineage, apply_run, apply_run_edge_by_edge
from lineage_core.resolution import NameContext
from lineage_dagster.resources import LineageResource
from lineage_dagster.runs import location_of, read_run, run_belongs_to
from lineage_dagster.sensors.cursors import SensorCursor
from lineage_dagster.specs import CAPTURED
from lineage_dagster.translator import (
    TABLE_NAME,
    LineageTranslator,
    declared_keys,
    plain_value,
    tables_of_assets,
)

ET = dg.DagsterEventType
FINISHED = {
    "success": ET.RUN_SUCCESS,
    "failure": ET.RUN_FAILURE,
    "canceled": ET.RUN_CANCELED,
}
GROUP_SIZE = 25  # runs committed in one transaction
MAX_ATTEMPTS = 3  # ticks a run may fail to be written (not an outage) before it is skipped


class CaptureCursor(SensorCursor):
    """Last event-log storage id handled, per run outcome, and the failed attempts to write
    the run the cursor stopped at. Starting over from the first run is safe: capture is
    idempotent per run."""

    after: dict[str, int] = {}
    attempts: dict[str, int] = {}  # run id -> ticks whose write of it failed


@dataclass
class TickReport:
    asset_events: list[dg.AssetMaterialization] = field(default_factory=list)
    runs_seen: int = 0
    runs_captured: int = 0
    edges_created: int = 0
    edges_seen: int = 0
    edges_retired: int = 0
    runs_with_errors: int = 0
    runs_skipped: int = 0
    more_pending: bool = False
    problems: list[str] = field(default_factory=list)

    def add(self, other: TickReport) -> None:
        self.asset_events += other.asset_events
        self.runs_captured += other.runs_captured
        self.edges_created += other.edges_created
        self.edges_seen += other.edges_seen
        self.edges_retired += other.edges_retired
        self.runs_with_errors += other.runs_with_errors

    def summary(self) -> str:
        text = (
            f"Captured lineage of {self.runs_captured} run(s): {self.edges_seen} edge(s), "
            f"{self.edges_created} new, {self.edges_retired} retired"
        )
        if self.runs_with_errors:
            text += f"; {self.runs_with_errors} run(s) had metadata problems (see the log)"
        if self.runs_skipped:
            text += (
                f"; {self.runs_skipped} run(s) could not be written after {MAX_ATTEMPTS} "
                "attempts and were recorded edge by edge (see their execution rows)"
            )
        if self.more_pending:
            text += "; more runs pending, continuing next tick"
        for problem in self.problems:
            text += f"; {problem}"
        return text


Pending = tuple[str, int, RunLineage | None]  # (outcome, storage id, lineage or not ours)


def _capture(
    store: LineageStore,
    lineage: RunLineage,
    report: TickReport,
    captured: Mapping[str, dg.AssetKey] | None = None,
) -> None:
    result = apply_run(store, lineage)
    report.asset_events += _materializations(lineage, captured or {})
    report.runs_captured += 1
    report.edges_seen += result.edges_seen
    report.edges_created += result.edges_created
    report.edges_retired += result.edges_retired
    report.runs_with_errors += 1 if result.had_errors else 0


class _HeldRun(Exception):
    """A run failed to be written this tick: the cursor stops before it until a later tick
    writes it, or gives up on it after ``max_attempts``."""

    def __init__(self, run_id: str, error: Exception, attempt: int, max_attempts: int) -> None:
        super().__init__(f"run {run_id}: {error}")
        self.run_id, self.error, self.attempt, self.max_attempts = (
            run_id, error, attempt, max_attempts,
        )  # fmt: skip


def _commit(
    store: LineageStore,
    group: list[Pending],
    cursor: CaptureCursor,
    report: TickReport,
    log,
    max_attempts: int = MAX_ATTEMPTS,
    captured: Mapping[str, dg.AssetKey] | None = None,
) -> None:
    """Write a group of runs in one transaction, then move the cursor past them. When the
    group fails, its runs are written one by one, so the runs before a failing one are kept;
    a run that fails on its own raises (an outage) or is held (:class:`_HeldRun`)."""
    if not group:
        return
    written = TickReport()
    try:
        with store.transaction():
            for _, _, lineage in group:
                if lineage is not None:
                    _capture(store, lineage, written, captured)
    except StoreUnavailable:
        raise
    except Exception as exc:
        if len(group) > 1:
            for one in group:
                _commit(store, [one], cursor, report, log, max_attempts, captured)
            return
        _failed(store, group[0], exc, cursor, report, log, max_attempts)
        return
    report.add(written)
    for outcome, storage_id, lineage in group:
        _past(cursor, outcome, storage_id, lineage, report)
        for problem in lineage.errors[:20] if lineage else ():
            log.warning(f"run {lineage.run_id} ({lineage.job}): {problem}")


def _materializations(
    lineage: RunLineage, captured: Mapping[str, dg.AssetKey]
) -> list[dg.AssetMaterialization]:
    """What a run wrote into tables that are external assets of this location
    (``build_lineage_asset_specs``), as materializations of those assets linked to the run."""
    if lineage.status != SUCCESS:
        return []
    events = []
    for op, table in sorted(lineage.written):
        key = captured.get(table)
        if key is not None:
            events.append(
                dg.AssetMaterialization(
                    asset_key=key,
                    description=f"Written by {lineage.job}.{op} (captured lineage)",
                    metadata={
                        "lineage/run": dg.MetadataValue.dagster_run(lineage.run_id),
                        "lineage/job": lineage.job,
                        "lineage/op": op,
                    },
                )
            )
    return events


def captured_tables(repository_def: dg.RepositoryDefinition | None) -> dict[str, dg.AssetKey]:
    """Table -> key of the external assets ``build_lineage_asset_specs`` added to the location
    (never the assets the user defines)."""
    if repository_def is None:
        return {}
    graph = repository_def.asset_graph
    found = {}
    for key in graph.get_all_asset_keys():
        metadata = graph.get(key).metadata or {}
        table = plain_value(metadata.get(TABLE_NAME))
        if plain_value(metadata.get(CAPTURED)) is True and isinstance(table, str):
            found[table] = key
    return found


def _past(
    cursor: CaptureCursor, outcome: str, storage_id: int, lineage: RunLineage | None, report
) -> None:
    cursor.after[outcome] = storage_id
    if lineage is not None:
        cursor.attempts.pop(lineage.run_id, None)
    report.runs_seen += 1


def _failed(
    store: LineageStore,
    pending: Pending,
    error: Exception,
    cursor: CaptureCursor,
    report: TickReport,
    log,
    max_attempts: int,
) -> None:
    """One run that the store would not take, and not for an outage: held for a few ticks
    (the store may recover), then written edge by edge with its failure recorded, so that one
    bad run never stops capture for good."""
    outcome, storage_id, lineage = pending
    assert lineage is not None  # runs that are not ours write nothing, so cannot fail
    attempt = cursor.attempts.get(lineage.run_id, 0) + 1
    if attempt < max_attempts:
        cursor.attempts[lineage.run_id] = attempt
        raise _HeldRun(lineage.run_id, error, attempt, max_attempts) from error
    failure = f"the run could not be written in {attempt} attempts: {type(error).__name__}: {error}"
    log.error(f"run {lineage.run_id} ({lineage.job}): {failure}; writing it edge by edge")
    try:
        result = apply_run_edge_by_edge(store, lineage, failure)
        report.edges_seen += result.edges_seen
        report.edges_created += result.edges_created
    except StoreUnavailable:
        raise
    except Exception as exc:
        log.error(f"run {lineage.run_id}: not even its failure could be recorded: {exc}")
    report.runs_skipped += 1
    _past(cursor, outcome, storage_id, lineage, report)


def build_lineage_capture_sensor(
    *,
    name: str = "lineage_capture_sensor",
    minimum_interval_seconds: int = 30,
    max_runs_per_tick: int = 200,
    time_budget_seconds: float = 40.0,
    max_attempts_per_run: int = MAX_ATTEMPTS,
    translator: LineageTranslator | None = None,
    code_location: str | None = None,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED,
) -> dg.SensorDefinition:
    """A sensor that records the lineage of every finished run of its code location.

    Add it (with the ``lineage`` resource) to each code location; every location's sensor
    captures its own runs into the one shared store. A tick handles at most
    ``max_runs_per_tick`` runs within ``time_budget_seconds`` and carries the rest over.

    Bad metadata is that run's error, recorded on its execution row. A run the store will not
    take holds the cursor; after ``max_attempts_per_run`` ticks (unless the store is
    unreachable, which holds it for as long as it lasts) it is written edge by edge, its
    failure recorded, and capture moves on.
    """
    translator = translator or LineageTranslator()

    @dg.sensor(
        name=name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description="Records table lineage from the metadata of finished runs "
        "(success, failure, cancellation) into the lineage store.",
    )
    def lineage_capture_sensor(
        context: dg.SensorEvaluationContext, lineage: LineageResource
    ) -> dg.SensorResult | dg.SkipReason:
        return _capture_tick(
            context, lineage, translator, location_of(context, code_location),
            max_runs_per_tick, time_budget_seconds, max_attempts_per_run,
        )  # fmt: skip

    return lineage_capture_sensor


def _capture_tick(
    context: dg.SensorEvaluationContext,
    lineage: LineageResource,
    translator: LineageTranslator,
    location: str | None,
    max_runs: int,
    budget: float,
    max_attempts: int,
) -> dg.SensorResult | dg.SkipReason:
    deadline = time.monotonic() + budget
    cursor = CaptureCursor.parse(context.cursor)
    report = TickReport()
    if cursor.restarted_because:
        context.log.warning(f"Capture starts over from the first run: {cursor.restarted_because}")
        report.problems.append(f"started over: {cursor.restarted_because}")
    instance = context.instance
    try:
        with lineage.get_store() as store:
            if store.edition() is not Edition.PREMIUM:
                return dg.SkipReason(
                    f"Lineage is not enabled for tenant {store.tenant!r} (standard edition); "
                    "upgrade it to premium with `lineage tenant set`"
                )
            pending = []
            for outcome, event_type in FINISHED.items():
                page = instance.fetch_run_status_changes(
                    dg.RunStatusChangeRecordsFilter(
                        event_type=event_type, after_storage_id=cursor.after.get(outcome, 0)
                    ),
                    limit=max_runs,
                    ascending=True,
                )
                pending += [(record.storage_id, outcome, record.run_id) for record in page.records]
                report.more_pending |= len(page.records) >= max_runs
            pending.sort()
            names, connections = lineage.get_names(), lineage.get_connections()
            captured = captured_tables(context.repository_def) if pending else {}
            table_of = (
                _tables(context, store, translator, names, connections, location)
                if pending
                else None
            )
            group: list[Pending] = []
            for seen, (storage_id, outcome, run_id) in enumerate(pending):
                if seen >= max_runs or time.monotonic() > deadline:
                    report.more_pending = True
                    break
                run_record = instance.get_run_record_by_id(run_id)
                run_lineage = None
                if run_record is not None and run_belongs_to(
                    run_record.dagster_run, location, context.repository_def, instance
                ):
                    run_lineage = _read(
                        instance, run_record, context, translator, location, table_of, names,
                        connections, lineage.file_lineage,
                    )  # fmt: skip
                group.append((outcome, storage_id, run_lineage))
                if len(group) >= GROUP_SIZE:
                    _commit(store, group, cursor, report, context.log, max_attempts, captured)
                    group = []
            _commit(store, group, cursor, report, context.log, max_attempts, captured)
    except _HeldRun as held:
        context.log.error(
            f"Could not write {held}, attempt {held.attempt} of {held.max_attempts}; "
            "will retry next tick"
        )
        return dg.SensorResult(
            skip_reason=f"Lineage store unavailable or refusing a run ({held.error}); "
            f"{report.runs_captured} run(s) captured before it failed, the rest will be "
            f"retried next tick (run {held.run_id[:8]}: attempt {held.attempt} of "
            f"{held.max_attempts}, then it is recorded with its error and skipped)",
            cursor=cursor.serialize(),
            asset_events=report.asset_events,
        )
    except StoreError as exc:
        context.log.error(f"Lineage store unavailable, will retry: {exc}")
        return dg.SensorResult(
            skip_reason=f"Lineage store unavailable ({exc}); {report.runs_captured} run(s) "
            "captured before it failed, the rest will be retried next tick",
            cursor=cursor.serialize(),
            asset_events=report.asset_events,
        )
    return dg.SensorResult(
        skip_reason=report.summary(), cursor=cursor.serialize(), asset_events=report.asset_events
    )


def _tables(
    context: dg.SensorEvaluationContext,
    store: LineageStore,
    translator: LineageTranslator,
    names: NameContext,
    connections: Mapping[str, str],
    location: str | None,
):
    """The code location's table names, once per tick (``None``: each run tries on its own).

    The tables this location declares are shared through the store; an asset it knows only
    by key (a dependency on another location's dbt model, say) takes the table the defining
    location declared, so both locations name it alike.
    """
    if context.repository_def is None:
        return {}
    try:
        graph = context.repository_def.asset_graph
        tables = tables_of_assets(context.repository_def, translator, names, connections)
        declared = declared_keys(graph)
        mine = {
            key.to_user_string(): table
            for key, table in tables.items()
            if table and key in declared and graph.get(key).is_materializable
        }
        _share(store, mine, location)
        undeclared = {key.to_user_string(): key for key in tables if key not in declared}
        for user_key, table in store.tables_of_asset_keys(undeclared).items():
            tables[undeclared[user_key]] = table
        return tables
    except StoreUnavailable:
        raise
    except Exception:
        context.log.exception("Could not name the tables of the code location's assets")
        return None


# What each (store, tenant, location) was last told, so a tick shares its keys only when they
# changed (a location's assets change when its code does, not at every tick).
_SHARED: dict[tuple[str, str, str | None], frozenset] = {}


def _share(store: LineageStore, tables: Mapping[str, str], location: str | None) -> None:
    marker = (store.backend.describe(), store.tenant, location)
    items = frozenset(tables.items())
    if _SHARED.get(marker) != items:
        store.record_asset_keys(tables, code_location=location)
        _SHARED[marker] = items


def _read(
    instance, run_record, context, translator, location, table_of, names, connections, files
) -> RunLineage:
    try:
        return read_run(
            instance,
            run_record,
            repository_def=context.repository_def,
            translator=translator,
            code_location=location,
            table_of=table_of,
            names=names,
            connections=connections,
            files=files,
        )
    except Exception as exc:  # a run we cannot read must not stop the others
        run = run_record.dagster_run
        context.log.exception(f"Could not read the lineage of run {run.run_id}")
        return RunLineage(
            run_id=run.run_id,
            job=run.job_name,
            code_location=location,
            status=run.status.value,
            started_at=None,
            completed_at=None,
            errors=[f"could not read the run: {type(exc).__name__}: {exc}"],
        )
