"""The impact alert sensor, and the ``lineage_alert`` job whose runs show its alerts.

What deserves an alert, and the one-delivery-per-event bookkeeping, are
:mod:`lineage_core.alerting`'s. This sensor feeds it the code location's failed runs, and
turns alerts into the sinks Dagster offers: a log line, a run of the ``lineage_alert`` job
(its run page shows the report; runs are tagged, so alerts are searchable in the UI), and a
webhook (JSON POST with a Slack-compatible ``text`` field, retried with backoff and a
timeout). A sink that fails is recorded as failed; it never blocks the other alerts or the
cursor.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import dagster as dg
from pydantic import BaseModel, ValidationError

from lineage_core import Edition, LineageStore, StoreError
from lineage_core.alerting import (
    Alert,
    Sink,
    baseline,
    deliver,
    post_webhook,
    run_failure_alert,
    schema_drift_alerts,
    stale_tables,
    threshold_crossings,
)
from lineage_dagster.resources import LineageResource
from lineage_dagster.runs import location_of, run_belongs_to, step_base

ALERT_JOB = "lineage_alert"
SINKS = ("log", "job", "webhook")


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


class AlertCursor(BaseModel):
    failures_after: int = 0
    profiles_after: int | None = None  # None: not started, baseline at the current profile
    thresholds_baselined: bool = False

    @classmethod
    def parse(cls, text: str | None) -> "AlertCursor":
        """The cursor in ``text``; a malformed one starts over (alerts are deduplicated by
        key in the store, so nothing alerts twice)."""
        if not text:
            return cls()
        try:
            return cls.model_validate_json(text)
        except ValidationError:
            return cls()


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

        def to_log(alert: Alert) -> tuple[bool, str]:
            context.log.warning(alert.text)
            return True, "delivered"

        def to_job(alert: Alert) -> tuple[bool, str]:
            tick.run_requests.append(_run_request(alert_job, alert))
            return True, "requested"

        def to_webhook(alert: Alert) -> tuple[bool, str]:
            delivered, detail = post_webhook(
                webhook_url,
                alert.payload(),
                timeout=webhook_timeout_seconds,
                attempts=webhook_attempts,
                backoff=webhook_backoff_seconds,
            )
            if not delivered:
                context.log.error(f"Alert {alert.dedup_key}: webhook failed: {detail}")
            return delivered, detail

        available: dict[str, Sink] = {"log": to_log, "job": to_job, "webhook": to_webhook}
        chosen = {sink: available[sink] for sink in SINKS if sink in sinks}

        def send(store: LineageStore, alert: Alert) -> None:
            outcome = deliver(store, alert, chosen)
            if outcome.skipped:
                tick.skipped += 1
            else:
                tick.alerts += 1
                tick.failed += 0 if outcome.delivered else 1

        try:
            with lineage.get_store() as store:
                if store.edition() is not Edition.PREMIUM:
                    return dg.SkipReason(
                        f"Lineage is not enabled for tenant {store.tenant!r} (standard edition)"
                    )
                location = location_of(context, code_location)
                _failed_runs(context, store, cursor, threshold, top, location, send)
                _schema_changes(store, cursor, threshold, top, send)
                _thresholds(store, cursor, threshold, top, refresh_limit, send)
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


def _run_request(alert_job: dg.JobDefinition, alert: Alert) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=alert.dedup_key,
        job_name=alert_job.name,
        run_config={
            "ops": {
                f"{alert_job.name}_report": {
                    "config": alert.model_dump(include=set(AlertConfig.model_fields))
                }
            }
        },
        tags={"lineage/alert": alert.kind, "lineage/asset": alert.asset or ""},
    )


def _failed_runs(context, store, cursor: AlertCursor, threshold, top, location, send) -> None:
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
        if run is not None and run_belongs_to(run, location, context.repository_def):
            succeeded = {
                step_base(step.event_log_entry.dagster_event.step_key)
                for step in instance.get_records_for_run(
                    run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS
                ).records
            }
            impacts = stale_tables(store, run.job_name, succeeded, threshold, top)
            if impacts:
                send(store, run_failure_alert(run.run_id, run.job_name, impacts, top))
        cursor.failures_after = record.storage_id


def _schema_changes(store: LineageStore, cursor: AlertCursor, threshold, top, send) -> None:
    if cursor.profiles_after is None:
        cursor.profiles_after = store.last_profile_id()
        return
    for profile_id, alert in schema_drift_alerts(store, cursor.profiles_after, threshold, top):
        if alert is not None:
            send(store, alert)
        cursor.profiles_after = profile_id


def _thresholds(store: LineageStore, cursor, threshold, top, refresh_limit, send) -> None:
    for alert in threshold_crossings(store, threshold, top, refresh_limit):
        if cursor.thresholds_baselined:
            send(store, alert)
        else:
            baseline(store, alert)
    cursor.thresholds_baselined = True
