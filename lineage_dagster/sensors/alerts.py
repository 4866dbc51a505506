"""The impact alert sensor, and the ``lineage_alert`` job whose runs deliver its alerts.

What deserves an alert, and how each alert reaches each sink once, are
:mod:`lineage_core.alerting`'s (its ``delivery`` module explains claims, leases and retries).
This module wires them to Dagster:

- **The sensor** feeds the rules the code location's failed runs, the new profiles and the
  impact cache, and records every alert with a delivery per sink. Then it claims: the ``log``
  sink it delivers in the tick (one warning line per message); ``job`` and ``webhook``
  deliveries it claims with a lease of ``delivery_lease_seconds`` and turns into run
  requests, one per message: each run failure and schema change has its own run (run
  failures tagged ``lineage/severity: high`` and given a higher ``dagster/priority``), and the
  threshold crossings claimed in one tick share one digest run. It never calls a remote
  sink, and its whole tick stops within ``time_budget_seconds`` (what is left waits for the
  next tick; the cursors only move past what was recorded).
- **A run of ``lineage_alert``** carries its claims (delivery id and attempt) in its config.
  It starts them (only while they are their deliveries' current attempts), shows the report
  (that is the ``job`` sink), posts the webhook within ``webhook_timeout_seconds`` for the
  whole request, and records each outcome. It fails when a sink failed, so a red alert run
  is an undelivered alert; a failed delivery is claimed again after its backoff, by a new
  run with a new run key, until its attempts run out and it is failed for good.
- **A run that never starts** (dropped, stuck in the queue, canceled): its claims' leases run
  out and a later tick claims the next attempt and requests another run. When the old run
  starts at last, its attempts are no longer current: it shows the report and delivers
  nothing. So ``delivery_lease_seconds`` should exceed how long an alert run may wait in the
  queue; too short costs a second run, never a second delivery.

Several code locations each holding these definitions over one lineage store deliver each
alert once per sink: recording is idempotent and every attempt has exactly one claimer.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from lineage_core import Edition, LineageStore, StoreError
from lineage_core.alerting import (
    Alert,
    Budget,
    DeliveryClaim,
    Message,
    baseline,
    claim_due,
    fail_abandoned,
    messages,
    post_webhook,
    record,
    run_failure_alert,
    schema_drift_alerts,
    send,
    stale_tables,
    threshold_crossings,
)
from lineage_dagster.resources import LineageResource
from lineage_dagster.runs import location_of, run_belongs_to, step_base
from lineage_dagster.sensors.cursors import SensorCursor

ALERT_JOB = "lineage_alert"
SINKS = ("log", "job", "webhook")
RUN_SINKS = ("job", "webhook")  # delivered by a run of the alert job
CLAIMS_PER_TICK = 200
STORE_SECONDS = 5.0  # an alert run's budget: its webhook's timeout and this, for the store


class ClaimConfig(dg.Config):
    """One claimed attempt a run settles."""

    delivery_id: int
    attempt: int
    sink: str
    dedup_key: str


class AlertConfig(dg.Config):
    kind: str
    title: str
    text: str
    report: str
    asset: str | None = None
    downstream_assets: int = 0
    downstream_jobs: int = 0
    dedup_key: str = ""
    severity: str = "low"
    run_id: str | None = None
    tables: list[dict[str, Any]] = []
    dedup_keys: list[str] = []
    claims: list[ClaimConfig] = []
    retry_backoff_seconds: float = 30.0

    def alert(self) -> Alert:
        return Alert.model_validate(self.model_dump(include=set(Alert.model_fields)))

    def held(self) -> tuple[DeliveryClaim, ...]:
        return tuple(
            DeliveryClaim(c.delivery_id, c.attempt, c.sink, c.dedup_key) for c in self.claims
        )


def build_lineage_alert_job(
    *,
    name: str = ALERT_JOB,
    webhook_url: str | None = None,
    webhook_timeout_seconds: float = 5.0,
) -> dg.JobDefinition:
    """The job an alert launches: its run page shows the impact report, and it posts the
    webhook (``webhook_url``, the whole request within ``webhook_timeout_seconds``) when its
    config claims that sink. It fails when a delivery it was asked for failed."""

    @dg.op(name=f"{name}_report")
    def report_alert(context: dg.OpExecutionContext, config: AlertConfig, lineage: LineageResource):
        alert = config.alert()
        context.log.warning(alert.text)
        budget = Budget(webhook_timeout_seconds + STORE_SECONDS)

        def to_job(alert: Alert) -> tuple[bool, str]:
            return True, f"shown by run {context.run_id}"

        def to_webhook(alert: Alert) -> tuple[bool, str]:
            if not webhook_url:
                return False, f"the {name} job was built without a webhook_url"
            timeout = min(webhook_timeout_seconds, budget.left())
            return post_webhook(webhook_url, alert.payload(), timeout=timeout)

        outcomes: dict[str, tuple[bool, str]] = {}
        if config.claims:
            with lineage.get_store() as store:
                outcomes = send(
                    store, Message(alert, config.held()), {"job": to_job, "webhook": to_webhook},
                    budget=budget, backoff_seconds=config.retry_backoff_seconds,
                )  # fmt: skip
            if not outcomes:
                context.log.info("A later attempt took over these deliveries: nothing to do")
        yield dg.Output(
            alert.title,
            metadata={
                "report": dg.MetadataValue.md(alert.report),
                "kind": alert.kind,
                "severity": alert.severity,
                "asset": alert.asset or "",
                "downstream_assets": alert.downstream_assets,
                "downstream_jobs": alert.downstream_jobs,
                "deliveries": {sink: detail for sink, (_, detail) in outcomes.items()},
            },
        )
        failed = {sink: detail for sink, (ok, detail) in outcomes.items() if not ok}
        if failed:
            raise dg.Failure(
                description="Alert not delivered: "
                + "; ".join(f"{sink}: {detail}" for sink, detail in failed.items()),
                metadata={"dedup_keys": alert.dedup_keys or [alert.dedup_key]},
                allow_retries=False,
            )

    @dg.job(
        name=name,
        description="Shows one lineage impact alert (or a digest) and delivers it to its sinks.",
        tags={"lineage": "alert"},
        executor_def=dg.in_process_executor,  # one op: no step subprocess per alert
    )
    def alert_job() -> None:
        report_alert()

    return alert_job


class AlertCursor(SensorCursor):
    """Starting over is safe: alerts are deduplicated by key in the store, so nothing
    alerts twice."""

    failures_after: int = 0
    profiles_after: int | None = None  # None: not started, baseline at the current profile
    thresholds_baselined: bool = False


@dataclass
class _Tick:
    raised: int = 0
    logged: int = 0
    run_requests: list[dg.RunRequest] = field(default_factory=list)


def build_impact_alert_sensor(
    *,
    threshold: int,
    name: str = "lineage_impact_alert_sensor",
    sinks: Sequence[str] = ("log", "job"),
    webhook_url: str | None = None,
    webhook_timeout_seconds: float = 5.0,
    webhook_attempts: int = 5,
    webhook_backoff_seconds: float = 30.0,
    top: int = 5,
    refresh_limit: int = 5_000,
    minimum_interval_seconds: int = 30,
    code_location: str | None = None,
    alert_job: dg.JobDefinition | None = None,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED,
    time_budget_seconds: float = 20.0,
    max_delivery_attempts: int = 3,
    delivery_lease_seconds: float = 600.0,
) -> dg.SensorDefinition:
    """A sensor that alerts when a failure, a schema change or new lineage touches
    ``threshold`` or more downstream assets.

    ``sinks`` picks among ``log``, ``job`` (a run of the ``lineage_alert`` job) and
    ``webhook`` (added automatically when ``webhook_url`` is given; posted by that run, the
    whole request within ``webhook_timeout_seconds``). A webhook delivery is attempted up to
    ``webhook_attempts`` times, each by its own run, the n-th retry waiting
    ``webhook_backoff_seconds * 2 ** (n - 1)``; the other sinks allow
    ``max_delivery_attempts`` (a run that does not start within ``delivery_lease_seconds``
    costs one). A tick stops within ``time_budget_seconds``. Threshold crossings are read from
    the impact cache; when at most ``refresh_limit`` entries are stale, the sensor refreshes
    them first so new lineage alerts without waiting for the hourly refresh. On its first tick
    it takes the assets already over the threshold as a baseline, without alerting. Without
    ``alert_job`` the sensor builds one with the webhook options; a job of your own must be
    built with the same ``webhook_url``.
    """
    unknown = set(sinks) - set(SINKS)
    if unknown:
        raise dg.DagsterInvalidDefinitionError(f"Unknown alert sinks {sorted(unknown)}")
    if threshold < 1:
        raise dg.DagsterInvalidDefinitionError("threshold must be at least 1")
    if min(webhook_attempts, max_delivery_attempts) < 1:
        raise dg.DagsterInvalidDefinitionError("delivery attempts must be at least 1")
    sinks = tuple(dict.fromkeys([*sinks, *(["webhook"] if webhook_url else [])]))
    if "webhook" in sinks and not webhook_url:
        raise dg.DagsterInvalidDefinitionError("the webhook sink needs webhook_url")
    alert_job = alert_job or build_lineage_alert_job(
        webhook_url=webhook_url, webhook_timeout_seconds=webhook_timeout_seconds
    )
    attempts = {
        sink: webhook_attempts if sink == "webhook" else max_delivery_attempts
        for sink in SINKS
        if sink in sinks
    }
    run_sinks = [sink for sink in RUN_SINKS if sink in sinks]

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
        budget = Budget(time_budget_seconds)
        tick = _Tick()

        def raise_alert(store: LineageStore, alert: Alert) -> None:
            tick.raised += record(store, alert, attempts)

        def to_log(alert: Alert) -> tuple[bool, str]:
            context.log.warning(alert.text)
            return True, "delivered"

        try:
            with lineage.get_store() as store:
                if store.edition() is not Edition.PREMIUM:
                    return dg.SkipReason(
                        f"Lineage is not enabled for tenant {store.tenant!r} (standard edition)"
                    )
                location = location_of(context, code_location)
                _failed_runs(context, store, cursor, threshold, top, location, raise_alert, budget)
                _schema_changes(store, cursor, threshold, top, raise_alert, budget)
                if not budget.spent:
                    _thresholds(store, cursor, threshold, top, refresh_limit, raise_alert)
                for key in fail_abandoned(store):
                    context.log.error(f"Alert {key}: a delivery failed for good (lease ran out)")
                if "log" in sinks and not budget.spent:
                    for message in messages(
                        claim_due(store, ["log"], lease_seconds=budget.left() + 60.0)
                    ):
                        send(store, message, {"log": to_log}, budget=budget, backoff_seconds=0)
                        tick.logged += 1
                claims = claim_due(
                    store, run_sinks, lease_seconds=delivery_lease_seconds, limit=CLAIMS_PER_TICK
                )
                tick.run_requests += [
                    _run_request(alert_job, message, webhook_backoff_seconds)
                    for message in messages(claims)
                ]
        except StoreError as exc:
            return dg.SensorResult(
                run_requests=tick.run_requests,
                skip_reason=f"Lineage store unavailable ({exc}); will retry",
                cursor=cursor.model_dump_json(),
            )
        summary = (
            f"{tick.raised} alert(s) raised, {tick.logged} logged, "
            f"{len(tick.run_requests)} run(s) requested"
        )
        return dg.SensorResult(
            run_requests=tick.run_requests,
            skip_reason=None if tick.run_requests else summary,
            cursor=cursor.model_dump_json(),
        )

    return impact_alert_sensor


def _run_request(alert_job: dg.JobDefinition, message: Message, backoff: float) -> dg.RunRequest:
    alert = message.alert
    config = {
        **alert.model_dump(mode="json"),
        "claims": [
            {"delivery_id": c.delivery_id, "attempt": c.attempt, "sink": c.sink,
             "dedup_key": c.dedup_key}
            for c in message.claims
        ],
        "retry_backoff_seconds": backoff,
    }  # fmt: skip
    tags = {
        "lineage/alert": alert.kind,
        "lineage/severity": alert.severity,
        "lineage/asset": alert.asset or "",
        "lineage/alerts": str(len(alert.dedup_keys) or 1),
        "lineage/attempt": str(message.attempt),
        "lineage/sinks": ",".join(message.sinks),
    }
    if alert.severity == "high":
        tags["dagster/priority"] = "5"  # ahead of digests in a queued run coordinator
    return dg.RunRequest(
        run_key=message.key,
        job_name=alert_job.name,
        run_config={"ops": {f"{alert_job.name}_report": {"config": config}}},
        tags=tags,
    )


def _failed_runs(
    context, store, cursor: AlertCursor, threshold, top, location, raise_alert, budget
) -> None:
    instance = context.instance
    records = instance.fetch_run_status_changes(
        dg.RunStatusChangeRecordsFilter(
            event_type=dg.DagsterEventType.RUN_FAILURE, after_storage_id=cursor.failures_after
        ),
        limit=100,
        ascending=True,
    ).records
    for change in records:
        if budget.spent:
            return
        run = instance.get_run_by_id(change.run_id)
        if run is not None and run_belongs_to(run, location, context.repository_def):
            succeeded = {
                step_base(step.event_log_entry.dagster_event.step_key)
                for step in instance.get_records_for_run(
                    run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS
                ).records
            }
            impacts = stale_tables(store, run.job_name, succeeded, threshold, top)
            if impacts:
                raise_alert(store, run_failure_alert(run.run_id, run.job_name, impacts, top))
        cursor.failures_after = change.storage_id


def _schema_changes(
    store: LineageStore, cursor: AlertCursor, threshold, top, raise_alert, budget
) -> None:
    if cursor.profiles_after is None:
        cursor.profiles_after = store.last_profile_id()
        return
    for profile_id, alert in schema_drift_alerts(store, cursor.profiles_after, threshold, top):
        if budget.spent:
            return
        if alert is not None:
            raise_alert(store, alert)
        cursor.profiles_after = profile_id


def _thresholds(store: LineageStore, cursor, threshold, top, refresh_limit, raise_alert) -> None:
    for alert in threshold_crossings(store, threshold, top, refresh_limit):
        if cursor.thresholds_baselined:
            raise_alert(store, alert)
        else:
            baseline(store, alert)
    cursor.thresholds_baselined = True
