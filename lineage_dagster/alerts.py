"""Alerts on large downstream impact, delivered where people look.

The impact alert sensor watches three things:

1. a failed run of a job whose tables have a downstream impact at or above the threshold:
   those tables will now be stale downstream;
2. schema drift found by profiling on such a table;
3. new lineage that pushes an asset's downstream impact to the threshold or over it.

Each alert has a deduplication key recorded in the lineage store before it is delivered, so
the same event never alerts twice, across ticks and restarts. Sinks: the Dagster log, a run of
the ``lineage_alert`` job (its run page shows the report; runs are tagged, so alerts are
searchable in the UI), and a webhook (JSON POST with a Slack-compatible ``text`` field,
retried with backoff and a timeout). A sink that fails is recorded as failed; it never blocks
the other alerts or the cursor.
"""

import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
from pydantic import BaseModel, Field

from lineage_core import AssetNotFound, Edition, ImpactAnalysis, LineageError, StoreError
from lineage_core.store import LineageStore
from lineage_dagster.resources import LineageResource
from lineage_dagster.sensors import _owned

ALERT_JOB = "lineage_alert"
SINKS = ("log", "job", "webhook")


class Alert(BaseModel):
    """One alert: short text for people, the full report and figures for machines."""

    dedup_key: str
    kind: str  # run_failure | schema_drift | impact_threshold
    title: str
    text: str
    report: str
    asset: str | None = None
    run_id: str | None = None
    downstream_assets: int = 0
    downstream_jobs: int = 0
    tables: list[dict[str, Any]] = Field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "alert": self.model_dump(mode="json")}


# -- building alerts -----------------------------------------------------------------------


def _top(impacts: Sequence[ImpactAnalysis], top: int) -> list[tuple[int, str]]:
    seen: dict[str, int] = {}
    for impact in impacts:
        for node in impact.downstream_assets:
            seen[node.qualified_name] = min(node.depth, seen.get(node.qualified_name, node.depth))
    return sorted((depth, name) for name, depth in seen.items())[:top]


def _jobs(impacts: Sequence[ImpactAnalysis]) -> list[str]:
    return sorted({job.workflow_name for impact in impacts for job in impact.affected_workflows})


def _report(title: str, impacts: Sequence[ImpactAnalysis], extra: str = "") -> str:
    lines = [f"## {title}", ""]
    if extra:
        lines += [extra, ""]
    lines += ["| table | downstream assets | max depth | jobs |", "|---|---|---|---|"]
    for impact in impacts:
        depth = max(impact.counts_by_depth, default=0)
        lines.append(
            f"| {impact.asset} | {impact.total_impacted_assets} | {depth} | "
            f"{impact.total_impacted_workflows} |"
        )
    lines += ["", "| depth | impacted asset |", "|---|---|"]
    lines += [f"| {depth} | {name} |" for depth, name in _top(impacts, 20)]
    jobs = _jobs(impacts)
    if jobs:
        lines += ["", "Affected Dagster jobs: " + ", ".join(jobs)]
    return "\n".join(lines)


def _summary(impacts: Sequence[ImpactAnalysis], top: int) -> str:
    total = sum(i.total_impacted_assets for i in impacts)
    jobs = _jobs(impacts)
    depth = max((max(i.counts_by_depth, default=0) for i in impacts), default=0)
    shown = ", ".join(f"{name} (depth {d})" for d, name in _top(impacts, top))
    text = f"{total} downstream table(s) up to depth {depth} and {len(jobs)} job(s)"
    if jobs:
        text += f" ({', '.join(jobs[:top])}{', ...' if len(jobs) > top else ''})"
    return text + (f". Top: {shown}" if shown else "")


def run_failure_alert(run: dg.DagsterRun, impacts: Sequence[ImpactAnalysis], top: int) -> Alert:
    tables = ", ".join(i.asset for i in impacts)
    title = f"Run of {run.job_name} failed: {tables} will be stale downstream"
    text = (
        f":rotating_light: Dagster run {run.run_id[:8]} of job {run.job_name} failed. "
        f"{tables} will now be stale downstream: {_summary(impacts, top)}. "
        f"Look at the run {run.run_id} and `lineage impact {impacts[0].asset}`."
    )
    return Alert(
        dedup_key=f"run-failure:{run.run_id}",
        kind="run_failure",
        title=title,
        text=text,
        report=_report(title, impacts, f"Run `{run.run_id}` of job `{run.job_name}` failed."),
        asset=impacts[0].asset,
        run_id=run.run_id,
        downstream_assets=sum(i.total_impacted_assets for i in impacts),
        downstream_jobs=len(_jobs(impacts)),
        tables=[{"table": i.asset, "downstream": i.total_impacted_assets} for i in impacts],
    )


def schema_drift_alert(profile_id: int, profile, impact: ImpactAnalysis, top: int) -> Alert:
    drift = profile.drift
    change = (
        f"added {drift.columns_added}, removed {drift.columns_removed}, "
        f"retyped {[c.column for c in drift.columns_retyped]}"
    )
    title = f"Schema of {impact.asset} changed; {impact.total_impacted_assets} assets depend on it"
    text = (
        f":warning: The schema of {impact.asset} changed ({change}). It feeds "
        f"{_summary([impact], top)}. Look at `lineage profiles {impact.asset}` and "
        f"`lineage impact {impact.asset}`."
    )
    return Alert(
        dedup_key=f"schema-drift:{profile_id}",
        kind="schema_drift",
        title=title,
        text=text,
        report=_report(title, [impact], f"Schema change: {change}."),
        asset=impact.asset,
        downstream_assets=impact.total_impacted_assets,
        downstream_jobs=impact.total_impacted_workflows,
        tables=[{"table": impact.asset, "downstream": impact.total_impacted_assets}],
    )


def threshold_alert(threshold: int, impact: ImpactAnalysis, top: int) -> Alert:
    title = (
        f"{impact.asset} now has {impact.total_impacted_assets} downstream assets "
        f"(threshold {threshold})"
    )
    text = (
        f":chart_with_upwards_trend: New lineage pushed {impact.asset} over the impact threshold "
        f"of {threshold}: {_summary([impact], top)}. Changes to it now need care; look at "
        f"`lineage impact {impact.asset}`."
    )
    return Alert(
        dedup_key=f"impact-threshold:{threshold}:{impact.asset}",
        kind="impact_threshold",
        title=title,
        text=text,
        report=_report(title, [impact]),
        asset=impact.asset,
        downstream_assets=impact.total_impacted_assets,
        downstream_jobs=impact.total_impacted_workflows,
        tables=[{"table": impact.asset, "downstream": impact.total_impacted_assets}],
    )


# -- delivering alerts ----------------------------------------------------------------------


def post_webhook(
    url: str, payload: dict[str, Any], *, timeout: float, attempts: int, backoff: float
) -> tuple[bool, str]:
    """POST JSON, retrying on errors and 5xx answers; returns (delivered, detail)."""
    body = json.dumps(payload).encode()
    detail = ""
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return True, f"HTTP {response.status} after {attempt} attempt(s)"
        except urllib.error.HTTPError as exc:
            detail = f"HTTP {exc.code}"
            if exc.code < 500 and exc.code != 429:
                return False, f"{detail} (not retried)"
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            detail = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        if attempt < attempts:
            time.sleep(backoff * 2 ** (attempt - 1))
    return False, f"{detail} after {attempts} attempt(s)"


class AlertConfig(dg.Config):
    kind: str
    title: str
    text: str
    report: str
    asset: str | None = None
    downstream_assets: int = 0
    downstream_jobs: int = 0


def build_lineage_alert_job(*, name: str = ALERT_JOB) -> dg.JobDefinition:
    """The job an alert launches: its run page shows the impact report."""

    @dg.op(name=f"{name}_report")
    def report_alert(context: dg.OpExecutionContext, config: AlertConfig) -> dg.Output[str]:
        context.log.warning(config.text)
        return dg.Output(
            config.title,
            metadata={
                "report": dg.MetadataValue.md(config.report),
                "kind": config.kind,
                "asset": config.asset or "",
                "downstream_assets": config.downstream_assets,
                "downstream_jobs": config.downstream_jobs,
            },
        )

    @dg.job(
        name=name,
        description="Shows one lineage impact alert.",
        tags={"lineage": "alert"},
        executor_def=dg.in_process_executor,  # one op: no step subprocess per alert
    )
    def alert_job() -> None:
        report_alert()

    return alert_job


# -- the sensor ------------------------------------------------------------------------------


class AlertCursor(BaseModel):
    failures_after: int = 0
    profiles_after: int | None = None  # None: not started, baseline at the current profile
    thresholds_baselined: bool = False

    @classmethod
    def parse(cls, text: str | None) -> "AlertCursor":
        return cls.model_validate_json(text) if text else cls()


@dataclass
class _Tick:
    alerts: int = 0
    failed: int = 0
    skipped: int = 0
    run_requests: list[dg.RunRequest] = field(default_factory=list)


def build_impact_alert_sensor(
    *,
    threshold: int,
    name: str = "lineage_impact_alert_sensor",
    sinks: Sequence[str] = ("log", "job"),
    webhook_url: str | None = None,
    webhook_timeout_seconds: float = 5.0,
    webhook_attempts: int = 3,
    webhook_backoff_seconds: float = 0.5,
    top: int = 5,
    refresh_limit: int = 5_000,
    minimum_interval_seconds: int = 30,
    code_location: str | None = None,
    alert_job: dg.JobDefinition | None = None,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED,
) -> dg.SensorDefinition:
    """A sensor that alerts when a failure, a schema change or new lineage touches
    ``threshold`` or more downstream assets.

    ``sinks`` picks among ``log``, ``job`` (a run of the ``lineage_alert`` job) and
    ``webhook`` (added automatically when ``webhook_url`` is given). Threshold crossings are
    read from the impact cache; when at most ``refresh_limit`` entries are stale, the sensor
    refreshes them first so new lineage alerts without waiting for the hourly refresh. On its
    first tick it takes the assets already over the threshold as a baseline, without alerting.
    """
    unknown = set(sinks) - set(SINKS)
    if unknown:
        raise dg.DagsterInvalidDefinitionError(f"Unknown alert sinks {sorted(unknown)}")
    if threshold < 1:
        raise dg.DagsterInvalidDefinitionError("threshold must be at least 1")
    sinks = tuple(dict.fromkeys([*sinks, *(["webhook"] if webhook_url else [])]))
    if "webhook" in sinks and not webhook_url:
        raise dg.DagsterInvalidDefinitionError("the webhook sink needs webhook_url")
    alert_job = alert_job or build_lineage_alert_job()

    @dg.sensor(
        name=name,
        jobs=[alert_job],
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description=f"Alerts when a failed run, a schema change or new lineage affects "
        f"{threshold} or more downstream assets.",
    )
    def impact_alert_sensor(
        context: dg.SensorEvaluationContext, lineage: LineageResource
    ) -> dg.SensorResult | dg.SkipReason:
        cursor = AlertCursor.parse(context.cursor)
        tick = _Tick()

        def deliver(store: LineageStore, alert: Alert) -> None:
            status = store.claim_alert(
                alert.dedup_key, kind=alert.kind, body=alert.payload(), asset=alert.asset
            )
            if status is not None and status != "pending":
                tick.skipped += 1
                return
            results: dict[str, Any] = {}
            if "log" in sinks:
                context.log.warning(alert.text)
                results["log"] = "delivered"
            if "job" in sinks:
                tick.run_requests.append(
                    dg.RunRequest(
                        run_key=alert.dedup_key,
                        job_name=alert_job.name,
                        run_config={
                            "ops": {
                                f"{alert_job.name}_report": {
                                    "config": alert.model_dump(
                                        include=set(AlertConfig.model_fields)
                                    )
                                }
                            }
                        },
                        tags={"lineage/alert": alert.kind, "lineage/asset": alert.asset or ""},
                    )
                )
                results["job"] = "requested"
            ok = True
            if "webhook" in sinks:
                delivered, detail = post_webhook(
                    webhook_url,
                    alert.payload(),
                    timeout=webhook_timeout_seconds,
                    attempts=webhook_attempts,
                    backoff=webhook_backoff_seconds,
                )
                results["webhook"] = detail
                if not delivered:
                    ok = False
                    context.log.error(f"Alert {alert.dedup_key}: webhook failed: {detail}")
            store.finish_alert(
                alert.dedup_key, status="delivered" if ok else "failed", deliveries=results
            )
            tick.alerts += 1
            tick.failed += 0 if ok else 1

        try:
            with lineage.get_store() as store:
                if store.edition() is not Edition.PREMIUM:
                    return dg.SkipReason(
                        f"Lineage is not enabled for tenant {store.tenant!r} (standard edition)"
                    )
                location = code_location or (
                    context.code_location_origin.location_name
                    if context.code_location_origin
                    else None
                )
                _failed_runs(context, store, cursor, threshold, top, location, deliver)
                _schema_changes(store, cursor, threshold, top, deliver)
                _thresholds(store, cursor, threshold, top, refresh_limit, deliver)
        except StoreError as exc:
            return dg.SensorResult(
                run_requests=tick.run_requests,
                skip_reason=f"Lineage store unavailable ({exc}); will retry",
                cursor=cursor.model_dump_json(),
            )
        summary = (
            f"{tick.alerts} alert(s) raised ({tick.failed} with a failed sink), "
            f"{tick.skipped} already handled"
        )
        return dg.SensorResult(
            run_requests=tick.run_requests,
            skip_reason=None if tick.run_requests else summary,
            cursor=cursor.model_dump_json(),
        )

    return impact_alert_sensor


def _impact(store: LineageStore, table: str, top: int) -> ImpactAnalysis | None:
    try:
        return store.impact(table, limit=top)
    except AssetNotFound:
        return None


def _failed_runs(context, store, cursor: AlertCursor, threshold, top, location, deliver) -> None:
    instance = context.instance
    records = instance.fetch_run_status_changes(
        dg.RunStatusChangeRecordsFilter(
            event_type=dg.DagsterEventType.RUN_FAILURE, after_storage_id=cursor.failures_after
        ),
        limit=100,
        ascending=True,
    ).records
    for record in records:
        run = instance.get_run_by_id(record.run_id)
        if run is not None and _owned(run, location, context.repository_def):
            impacts = _stale_tables(instance, store, run, threshold, top)
            if impacts:
                deliver(store, run_failure_alert(run, impacts, top))
        cursor.failures_after = record.storage_id


def _stale_tables(instance, store: LineageStore, run, threshold: int, top: int):
    """Tables the job writes whose writing ops did not succeed in this run, if impactful."""
    try:
        written = store.job_assets(run.job_name).writes
    except LineageError:
        return []
    succeeded = {
        record.event_log_entry.dagster_event.step_key
        for record in instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS
        ).records
    }
    impacts = []
    for table in written:
        writers = {
            ref.op for ref in store.jobs_for_asset(table) if ref.job == run.job_name
            and ref.access == "write"
        }  # fmt: skip
        if writers and writers <= succeeded:
            continue
        impact = _impact(store, table, top)
        if impact is not None and impact.total_impacted_assets >= threshold:
            impacts.append(impact)
    return sorted(impacts, key=lambda i: -i.total_impacted_assets)


def _schema_changes(store: LineageStore, cursor: AlertCursor, threshold, top, deliver) -> None:
    if cursor.profiles_after is None:
        cursor.profiles_after = store.last_profile_id()
        return
    for profile_id, table, profile in store.schema_changes_after(cursor.profiles_after):
        impact = _impact(store, table, top)
        if impact is not None and impact.total_impacted_assets >= threshold:
            deliver(store, schema_drift_alert(profile_id, profile, impact, top))
        cursor.profiles_after = profile_id


def _thresholds(store: LineageStore, cursor, threshold, top, refresh_limit, deliver) -> None:
    if 0 < store.stale_cache_entries() <= refresh_limit:
        store.refresh_impact_cache(stale_only=True)
    over = {name for name, _, _ in store.assets_over_threshold(threshold)}
    prefix = f"impact-threshold:{threshold}:"
    open_alerts = {
        key: asset for key, asset in store.open_alerts("impact_threshold").items()
        if key.startswith(prefix)
    }  # fmt: skip
    for key, asset in open_alerts.items():
        if asset not in over:
            store.resolve_alert(key)  # back under: a later crossing alerts again
    known = set(open_alerts.values())
    for name in sorted(over - known):
        impact = _impact(store, name, top)
        if impact is None:
            continue
        alert = threshold_alert(threshold, impact, top)
        if not cursor.thresholds_baselined:
            store.claim_alert(
                alert.dedup_key, kind=alert.kind, body=alert.payload(), asset=name,
                status="baseline",
            )  # fmt: skip
        else:
            deliver(store, alert)
    cursor.thresholds_baselined = True
