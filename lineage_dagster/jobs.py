"""Lineage maintenance as ordinary Dagster jobs: scheduled, logged, retried, plotted."""

import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg
from pydantic import BaseModel, Field

from lineage_core import (
    AssetNotFound,
    LineageError,
    LineageStore,
    NotFound,
    OpenLineagePruneResult,
    TableProfile,
)
from lineage_core.connections import connection_for_table
from lineage_core.profiling import profile_table
from lineage_core.profiling.drift import describe_schema_change
from lineage_core.timestamps import earlier, parse_duration
from lineage_dagster.checks import IMPACT_CHECK, evaluate_impact_check
from lineage_dagster.metadata import markdown_table
from lineage_dagster.resources import LineageResource
from lineage_dagster.translator import (
    LineageTranslator,
    plain_value,
    tables_in_context,
)

REFRESH_JOB = "lineage_refresh_impact_cache"
DOWNSTREAM_ASSETS = "lineage/downstream_assets"
DOWNSTREAM_JOBS = "lineage/downstream_jobs"
UPSTREAM_ASSETS = "lineage/upstream_assets"
OPENLINEAGE_RETENTION = "30d"


class RefreshImpactCacheConfig(dg.Config):
    refresh_all: bool = Field(
        default=False, description="Recompute every cache entry, not only the stale ones."
    )
    observe_assets: bool = Field(
        default=True,
        description="Emit each table asset's impact counts as an observation (plotted in the UI).",
    )
    openlineage_retention: str | None = Field(
        default=OPENLINEAGE_RETENTION,
        description="Prune the OpenLineage events `lineage serve` kept of runs idle for longer "
        "than this (30d, 12h, 1d12h; units s, m, h, d, w); null keeps them all. Only the "
        "events go: the edges and runs recorded from them stay.",
    )


def build_refresh_impact_cache_job(
    *,
    name: str = REFRESH_JOB,
    translator: LineageTranslator | None = None,
    largest: int = 10,
    asset_checks: Sequence[dg.AssetChecksDefinition] = (),
) -> dg.JobDefinition:
    """A job that refreshes the impact cache (stale entries; all with ``refresh_all``) and
    prunes the kept OpenLineage events of runs idle longer than ``openlineage_retention``.

    Its run logs what it refreshed, how long it took and the largest impacts, and observes
    every asset of the code location that maps to a table with its downstream counts, so the
    Dagster UI plots an asset's downstream count over time. It also evaluates the impact
    checks of external tables (``build_impact_checks`` on specs Dagster never executes), which
    would otherwise sit at "Not evaluated" forever.
    """
    translator = translator or LineageTranslator()

    @dg.op(name=f"{name}_op", description="Recompute stale impact cache entries.")
    def refresh_impact_cache(
        context: dg.OpExecutionContext, config: RefreshImpactCacheConfig, lineage: LineageResource
    ) -> dg.Output[int]:
        started = time.monotonic()
        retention = _retention(config.openlineage_retention)

        def progress(stage: str, done: int, total: int) -> None:
            context.log.debug(f"{stage}: {done}/{total}")

        with lineage.get_store() as store:
            result = store.refresh_impact_cache(
                stale_only=not config.refresh_all, progress=progress
            )
            context.log.info(
                f"Refreshed {result.entries_refreshed} impact cache entries in "
                f"{result.seconds:.2f} s ({result.method})"
            )
            top = store.largest_impacts(largest)
            for asset, downstream, jobs in top:
                context.log.info(f"{asset}: {downstream} downstream asset(s), {jobs} job(s)")
            observed = _observe(context, store, translator, lineage) if config.observe_assets else 0
            pruned = _prune_openlineage(context, store, retention)
        checked = _evaluate_external_checks(context, lineage, asset_checks)
        return dg.Output(
            result.entries_refreshed,
            metadata={
                "entries_refreshed": result.entries_refreshed,
                "method": result.method,
                "seconds": round(time.monotonic() - started, 3),
                "assets_observed": observed,
                "external_checks_evaluated": checked,
                "openlineage_events_pruned": pruned.events_removed if pruned else 0,
                "openlineage_runs_pruned": pruned.runs_removed if pruned else 0,
                "largest_impacts": dg.MetadataValue.md(
                    markdown_table(["asset", "downstream assets", "jobs"], top)
                ),
            },
        )

    @dg.job(
        name=name,
        description="Refreshes the lineage impact cache and plots downstream counts per asset.",
        tags={"lineage": "maintenance"},
    )
    def refresh_job() -> None:
        refresh_impact_cache()

    return refresh_job


def _retention(text: str | None) -> timedelta | None:
    """The retention configured, refused before any work when it cannot be read."""
    if text is None:
        return None
    try:
        return parse_duration(text, "openlineage_retention")
    except LineageError as exc:
        raise dg.Failure(description=str(exc)) from exc


def _prune_openlineage(
    context: dg.OpExecutionContext, store: LineageStore, retention: timedelta | None
) -> OpenLineagePruneResult | None:
    if retention is None:
        return None
    pruned = store.prune_openlineage_events(before=earlier(datetime.now(UTC), retention))
    context.log.info(
        f"Pruned {pruned.events_removed} kept OpenLineage event(s) of {pruned.runs_removed} "
        f"run(s) with no event since {pruned.before:%Y-%m-%d %H:%M:%S} UTC"
    )
    return pruned


def _observe(
    context: dg.OpExecutionContext, store, translator: LineageTranslator, lineage: LineageResource
) -> int:
    tables = tables_in_context(context, translator, lineage.get_names(), lineage.get_connections())
    summaries = store.impact_summaries(table for table in tables.values() if table)
    observed = 0
    for key, table in sorted(tables.items(), key=lambda item: item[0].to_user_string()):
        summary = summaries.get(table) if table else None
        if summary is None:
            continue
        context.log_event(
            dg.AssetObservation(
                asset_key=key,
                metadata={
                    DOWNSTREAM_ASSETS: dg.MetadataValue.int(summary["downstream_assets"]),
                    DOWNSTREAM_JOBS: dg.MetadataValue.int(summary["downstream_jobs"]),
                    UPSTREAM_ASSETS: dg.MetadataValue.int(summary["upstream_assets"]),
                    "lineage/table": dg.MetadataValue.text(table),
                    **_explorer(lineage, table),
                },
            )
        )
        observed += 1
    return observed


def _explorer(lineage: LineageResource, table: str) -> dict[str, Any]:
    link = lineage.explorer_link(table)
    return {"lineage/explorer": dg.MetadataValue.url(link)} if link else {}


def _evaluate_external_checks(
    context: dg.OpExecutionContext,
    lineage: LineageResource,
    asset_checks: Sequence[dg.AssetChecksDefinition],
) -> int:
    """Evaluate the impact checks whose asset Dagster cannot execute, reporting each result as
    a runless check evaluation on that asset: the code location's checks when the run knows
    its location, else (a run executed in process) the ``asset_checks`` the job was given."""
    specs: dict[dg.AssetCheckKey, Any] = {}
    executable: set[dg.AssetKey] = set()
    try:
        graph = context.repository_def.asset_graph
        specs = {key: graph.get_check_spec(key) for key in graph.asset_check_keys}
        executable = {key for key in graph.get_all_asset_keys() if graph.get(key).is_executable}
    except Exception:  # no code location: only the checks handed to the job
        pass
    for checks_def in asset_checks:
        for spec in checks_def.check_specs:
            specs.setdefault(spec.key, spec)
    evaluated = 0
    for check_key, spec in sorted(specs.items(), key=lambda item: item[0].to_user_string()):
        enforced = plain_value((spec.metadata or {}).get(IMPACT_CHECK))
        if not isinstance(enforced, dict) or check_key.asset_key in executable:
            continue  # not ours, or evaluated when Dagster materializes the asset
        verdict = evaluate_impact_check(lineage, enforced)
        context.instance.report_runless_asset_event(
            dg.AssetCheckEvaluation(
                asset_key=check_key.asset_key, check_name=check_key.name, **verdict
            )
        )
        context.log.info(f"{check_key.to_user_string()}: {verdict['description']}")
        evaluated += 1
    return evaluated


PROFILE_JOB = "lineage_profile_tables"


class ProfileTablesConfig(dg.Config):
    """Which tables to profile: a list, a search pattern, the tables of Dagster jobs, or all."""

    tables: list[str] = Field(default_factory=list, description="Qualified table names.")
    search: str | None = Field(default=None, description="Known assets whose name contains this.")
    jobs: list[str] = Field(
        default_factory=list, description="The tables these Dagster jobs read and write."
    )
    connection: str | None = Field(
        default=None,
        description="Connection for tables without one: a name from the resource's "
        "connections or a URL. Otherwise a table uses the connection recorded on its asset, "
        "then the connection named like its database part.",
    )
    exact: bool = Field(default=False, description="Exact distinct and duplicate counts.")
    timeout_seconds: float = Field(default=300.0, description="Time limit per table.")
    max_tables: int = Field(default=500, description="Refuse selections larger than this.")


class ProfileTask(BaseModel):
    """One table to profile, with the run's settings, as handed to its own step."""

    table: str
    connection: str | None = None
    exact: bool = False
    timeout_seconds: float = 300.0


class ProfileOutcome(BaseModel):
    """What became of one table: profiled, failed (``error``) or skipped (``skipped``, the
    reason: it has no connection, as a source system's table often has not)."""

    table: str
    profile_id: int | None = None
    row_count: int | None = None
    schema_changed: bool = False
    error: str | None = None
    skipped: str | None = None


def _mapping_key(table: str, seen: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", table)[:80] or "table"
    key, n = base, 1
    while key in seen:
        n += 1
        key = f"{base}_{n}"
    seen.add(key)
    return key


def _select_tables(store, config: ProfileTablesConfig) -> list[str]:
    if config.tables:
        return sorted(set(config.tables))  # validated on each table's own step
    if config.jobs:
        selected: set[str] = set()
        for job in config.jobs:
            assets = store.job_assets(job)
            selected |= set(assets.reads) | set(assets.writes)
        return sorted(selected)
    found = store.assets(search=config.search, limit=config.max_tables + 1)
    return [asset.qualified_name for asset in found]


def profile_metadata(profile: TableProfile) -> dict[str, Any]:
    """A profile as asset metadata the Dagster UI shows and plots."""
    columns = dg.TableSchema(
        columns=[dg.TableColumn(c.column_name, c.data_type) for c in profile.column_profiles]
    )
    stats_schema = dg.TableSchema(
        columns=[
            dg.TableColumn("column", "string"),
            dg.TableColumn("type", "string"),
            dg.TableColumn("null %", "float"),
            dg.TableColumn("distinct", "int"),
            dg.TableColumn("min", "string"),
            dg.TableColumn("max", "string"),
            dg.TableColumn("mean", "float"),
        ]
    )
    records = [
        dg.TableRecord(
            {
                "column": c.column_name,
                "type": c.data_type,
                "null %": c.null_percentage,
                "distinct": c.distinct_count,
                "min": None if c.min is None else str(c.min),
                "max": None if c.max is None else str(c.max),
                "mean": c.mean,
            }
        )
        for c in profile.column_profiles
    ]
    metadata: dict[str, Any] = {
        "dagster/row_count": dg.MetadataValue.int(profile.row_count),
        "dagster/column_schema": dg.MetadataValue.table_schema(columns),
        "lineage/column_count": dg.MetadataValue.int(profile.column_count),
        "lineage/column_statistics": dg.MetadataValue.table(records, schema=stats_schema),
        "lineage/profile_id": dg.MetadataValue.int(profile.profile_id or 0),
        "lineage/exact": dg.MetadataValue.bool(profile.exact),
    }
    if profile.null_percentage is not None:
        metadata["lineage/null_percentage"] = dg.MetadataValue.float(profile.null_percentage)
    if profile.duplicate_count is not None:
        metadata["lineage/duplicate_count"] = dg.MetadataValue.int(profile.duplicate_count)
    if profile.table_size_bytes is not None:
        metadata["lineage/table_size_bytes"] = dg.MetadataValue.int(profile.table_size_bytes)
    if profile.drift is not None and (profile.drift.schema_changed or profile.drift.large_swings):
        metadata["lineage/drift"] = dg.MetadataValue.json(profile.drift.to_json())
    return metadata


def build_profile_tables_job(
    *,
    name: str = PROFILE_JOB,
    translator: LineageTranslator | None = None,
) -> dg.JobDefinition:
    """A job that profiles the selected tables, one step per table, and stores the history.

    The tenant's edition is checked first: a standard (or unknown) tenant's run fails before
    any table is read. Each table is its own (dynamic) step: a table that fails logs its
    error on its own step while the others finish; the summary step then fails the run,
    listing every failure. A table without a connection (a source system's, typically) is
    skipped, not failed: the summary lists it and the run stays green.
    Each profile is observed on the matching Dagster asset (``dagster/row_count``,
    ``dagster/column_schema``, column statistics), so the UI shows and plots it.
    """
    translator = translator or LineageTranslator()

    @dg.op(name=f"{name}_select", out=dg.DynamicOut(ProfileTask))
    def select_tables(
        context: dg.OpExecutionContext, config: ProfileTablesConfig, lineage: LineageResource
    ):
        try:
            with lineage.get_store() as store:
                store.require_lineage()
                tables = _select_tables(store, config)
        except LineageError as exc:
            raise dg.Failure(description=str(exc)) from exc
        if len(tables) > config.max_tables:
            raise dg.Failure(
                f"The selection names more than {config.max_tables} tables; narrow it or raise "
                "max_tables"
            )
        context.log.info(f"Profiling {len(tables)} table(s): {', '.join(tables[:20])}")
        seen: set[str] = set()
        for table in tables:
            task = ProfileTask(
                table=table,
                connection=config.connection,
                exact=config.exact,
                timeout_seconds=config.timeout_seconds,
            )
            yield dg.DynamicOutput(task, mapping_key=_mapping_key(table, seen))

    @dg.op(name=f"{name}_profile")
    def profile_one(
        context: dg.OpExecutionContext, lineage: LineageResource, task: ProfileTask
    ) -> ProfileOutcome:
        table = task.table
        try:
            with lineage.get_store() as store:
                store.require_lineage()  # again: a re-executed step skips the selection
                try:
                    asset_connection = store.get_asset(table).connection
                except AssetNotFound:
                    asset_connection = None
                try:
                    connection = connection_for_table(
                        table,
                        asset_connection=asset_connection,
                        fallback=task.connection,
                        connections=lineage.get_connections(),
                    )
                except NotFound as exc:
                    if task.connection is not None:
                        raise  # the run's own connection is unknown: a real error
                    context.log.info(f"Skipped {table}: {exc}")
                    return ProfileOutcome(table=table, skipped="no connection")
                profile = profile_table(
                    table, connection, exact=task.exact, timeout_seconds=task.timeout_seconds
                )
                stored = store.add_profile(profile)
        except LineageError as exc:
            context.log.error(f"Could not profile {table}: {exc}")
            return ProfileOutcome(table=table, error=str(exc))
        drift = stored.drift
        if drift is not None and drift.schema_changed:
            context.log.warning(f"Schema drift on {table}: {describe_schema_change(drift)}")
        for swing in drift.large_swings if drift else []:
            context.log.warning(f"{table}: {swing}")
        _observe_profile(context, stored, translator, lineage)
        return ProfileOutcome(
            table=table,
            profile_id=stored.profile_id,
            row_count=stored.row_count,
            schema_changed=bool(drift and drift.schema_changed),
        )

    @dg.op(name=f"{name}_summary")
    def summarize(context: dg.OpExecutionContext, outcomes: list[ProfileOutcome]) -> dg.Output[int]:
        failed = [o for o in outcomes if o.error]
        skipped = sorted(o.table for o in outcomes if o.skipped)
        attempted = len(outcomes) - len(skipped)
        rows = [
            (
                o.table, o.row_count, "yes" if o.schema_changed else "",
                f"skipped: {o.skipped}" if o.skipped else "failed" if o.error else "profiled",
                o.error or "",
            )
            for o in outcomes
        ]  # fmt: skip
        metadata = {
            "tables_profiled": attempted - len(failed),
            "tables_failed": len(failed),
            "tables_skipped": len(skipped),
            "skipped": dg.MetadataValue.text(", ".join(skipped)),
            "summary": dg.MetadataValue.md(
                markdown_table(["table", "rows", "schema drift", "outcome", "error"], sorted(rows))
            ),
        }
        if skipped:
            context.log.info(
                f"Skipped {len(skipped)} table(s) without a connection: {', '.join(skipped)}; "
                "to profile them, name a connection after their first part or record one on "
                "their asset"
            )
        if failed:
            raise dg.Failure(
                description=f"{len(failed)} of {attempted} table(s) could not be profiled: "
                + "; ".join(f"{o.table}: {o.error}" for o in failed),
                metadata=metadata,
            )
        context.log.info(f"Profiled {attempted} table(s)")
        return dg.Output(attempted, metadata=metadata)

    @dg.job(
        name=name,
        description="Profiles tables with polars and records their history and drift.",
        tags={"lineage": "profiling"},
    )
    def profile_job() -> None:
        summarize(select_tables().map(profile_one).collect())

    return profile_job


def _observe_profile(
    context: dg.OpExecutionContext, profile: TableProfile, translator, lineage: LineageResource
) -> None:
    tables = tables_in_context(context, translator, lineage.get_names(), lineage.get_connections())
    keys = [key for key, table in tables.items() if table == profile.asset]
    if not keys:
        context.log.info(f"No Dagster asset maps to {profile.asset}; profile stored only")
        return
    for key in keys:
        metadata = {**profile_metadata(profile), **_explorer(lineage, profile.asset)}
        context.log_event(dg.AssetObservation(asset_key=key, metadata=metadata))
