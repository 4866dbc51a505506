"""The OpenLineage emitter: sends each captured run to a Marquez-compatible endpoint.

It reads the lineage store's capture feed (the execution rows the capture sensor writes, in
id order), not the Dagster instance, so what it sends is what lineage recorded: each run's
edges with their columns and SQL, as OpenLineage events (built by
:mod:`lineage_core.openlineage.emit`). Runs that came in as OpenLineage are not sent back.

The cursor only moves past what the endpoint took: an endpoint that is down, overloaded or
refusing the key holds the cursor at the run being sent (and at the event within it, so no
event is sent twice), and the next tick goes on from there; nothing is lost. An event the
endpoint refuses as such (400, 413, 415, 422) is tried again on the next ticks, then, after
``max_refusals_per_run`` ticks, that run is given up with an error in the log, so that one
bad run never stops the others. Each refusal and failed answer is logged with its status,
the run and event, and the start of the endpoint's reply (where Marquez says why). Each POST
is retried with backoff within the tick, whose whole work ends within
``time_budget_seconds``.

PostgreSQL shows an execution row when its transaction commits, so a lower capture id can
appear after a higher one: the cursor keeps the ids it sent within a window below the
highest (as the explorer's live channel does) and asks again for what lies in it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from lineage_core import Edition, LineageStore, StoreError
from lineage_core.openlineage import EmitSettings, deliver, gather_run, lineage_url
from lineage_dagster.resources import LineageResource
from lineage_dagster.runs import location_of
from lineage_dagster.sensors.cursors import SensorCursor

CAPTURE_TYPE = "dagster_run"  # execution rows the capture sensor writes
LOOKBACK = 32  # capture ids below the highest sent that are asked for again
MAX_REFUSALS = 3


class EmitterCursor(SensorCursor):
    """``after``: every capture up to it is settled; ``sent``: ids above it already sent;
    ``partial``: capture id -> events of it the endpoint took; ``refusals``: capture id ->
    ticks the endpoint refused one of its events. Starting over from the first capture is
    harmless: endpoints keep an event once."""

    after: int = 0
    sent: list[int] = []
    partial: dict[str, int] = {}
    refusals: dict[str, int] = {}

    def settle(self, capture_id: int) -> None:
        self.sent = sorted({*self.sent, capture_id})
        self.partial.pop(str(capture_id), None)
        self.refusals.pop(str(capture_id), None)

    def compact(self, holding: int | None) -> None:
        """Move ``after`` up to the window below the highest id sent, never past the
        capture still being sent (``holding``)."""
        if not self.sent:
            return
        floor = max(self.after, self.sent[-1] - LOOKBACK)
        if holding is not None:
            floor = min(floor, holding - 1)
        self.after = max(self.after, floor)
        self.sent = [capture_id for capture_id in self.sent if capture_id > self.after]


@dataclass
class _Tick:
    runs_sent: int = 0
    events_sent: int = 0
    runs_given_up: int = 0
    holding: int | None = None
    problem: str | None = None
    more_pending: bool = False
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"Sent {self.runs_sent} run(s) as {self.events_sent} OpenLineage event(s)"
        if self.runs_given_up:
            text += f"; gave up {self.runs_given_up} run(s) the endpoint kept refusing (see log)"
        if self.problem:
            text += f"; {self.problem}"
        if self.more_pending:
            text += "; more runs pending, continuing next tick"
        return "; ".join([text, *self.problems])


def build_openlineage_emitter_sensor(
    *,
    url: str,
    api_key: str | dg.EnvVar | None = None,
    namespace: str = "dagster",
    dataset_namespaces: Mapping[str, str] | None = None,
    default_dataset_namespace: str | None = None,
    name: str = "lineage_openlineage_emitter",
    minimum_interval_seconds: int = 30,
    max_runs_per_tick: int = 100,
    time_budget_seconds: float = 40.0,
    request_timeout_seconds: float = 10.0,
    attempts_per_event: int = 3,
    backoff_seconds: float = 0.5,
    max_refusals_per_run: int = MAX_REFUSALS,
    code_location: str | None = None,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED,
) -> dg.SensorDefinition:
    """A sensor that sends each run the capture sensor recorded to an OpenLineage endpoint
    (Marquez, or any server taking ``POST {url}/api/v1/lineage``), with ``Authorization:
    Bearer {api_key}`` when a key is given (a ``dg.EnvVar`` is read at each tick)::

        import dagster as dg
        from lineage_dagster import build_openlineage_emitter_sensor, lineage_definitions

        defs = lineage_definitions(
            dg.Definitions(
                sensors=[
                    build_openlineage_emitter_sensor(
                        url="http://marquez:5000",
                        api_key=dg.EnvVar("MARQUEZ_API_KEY"),
                        dataset_namespaces={"warehouse": "postgres://warehouse:5432"},
                    )
                ]
            ),
        )

    ``namespace`` is every job's OpenLineage namespace; ``dataset_namespaces`` maps a
    database to its dataset namespace (other tables take ``default_dataset_namespace``,
    default ``namespace``). It sends the runs of its code location (``code_location``,
    default: where it is loaded from). A tick sends at most ``max_runs_per_tick`` runs
    within ``time_budget_seconds``; each POST gets ``attempts_per_event`` tries
    (``backoff_seconds`` doubling) of at most ``request_timeout_seconds``.
    """
    endpoint = lineage_url(url)
    settings = EmitSettings(
        namespace=namespace,
        dataset_namespaces=dict(dataset_namespaces or {}),
        default_dataset_namespace=default_dataset_namespace,
    )

    @dg.sensor(
        name=name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description=f"Sends captured lineage to {endpoint} as OpenLineage events.",
    )
    def openlineage_emitter(
        context: dg.SensorEvaluationContext, lineage: LineageResource
    ) -> dg.SensorResult | dg.SkipReason:
        key = api_key.get_value() if isinstance(api_key, dg.EnvVar) else api_key
        options = _Options(
            endpoint, key, settings, max_runs_per_tick, time_budget_seconds,
            request_timeout_seconds, attempts_per_event, backoff_seconds, max_refusals_per_run,
        )  # fmt: skip
        return _emit_tick(context, lineage, location_of(context, code_location), options)

    return openlineage_emitter


@dataclass(frozen=True)
class _Options:
    endpoint: str
    api_key: str | None
    settings: EmitSettings
    max_runs: int
    budget: float
    request_timeout: float
    attempts: int
    backoff: float
    max_refusals: int


def _emit_tick(
    context: dg.SensorEvaluationContext,
    lineage: LineageResource,
    location: str | None,
    options: _Options,
) -> dg.SensorResult | dg.SkipReason:
    deadline = time.monotonic() + options.budget
    cursor = EmitterCursor.parse(context.cursor)
    tick = _Tick()
    if cursor.restarted_because:
        context.log.warning(f"Emitting starts over from the first run: {cursor.restarted_because}")
        tick.problems.append(f"started over: {cursor.restarted_because}")
    try:
        with lineage.get_store() as store:
            if store.edition() is not Edition.PREMIUM:
                return dg.SkipReason(
                    f"Lineage is not enabled for tenant {store.tenant!r} (standard edition)"
                )
            _, _, captures = store.capture_feed(
                cursor.after, known=set(cursor.sent), limit=options.max_runs
            )
            tick.more_pending = len(captures) >= options.max_runs
            for capture in captures:
                if time.monotonic() > deadline:
                    tick.more_pending = True
                    break
                if capture["execution_type"] != CAPTURE_TYPE or (
                    location is not None and capture["code_location"] != location
                ):
                    cursor.settle(capture["id"])  # not this sensor's to send
                    continue
                if not _send_run(store, capture, cursor, tick, options, deadline, context.log):
                    tick.holding = capture["id"]
                    break
    except StoreError as exc:
        context.log.error(f"Lineage store unavailable, will retry: {exc}")
        tick.problem = f"lineage store unavailable ({exc}); the rest is sent next tick"
    cursor.compact(tick.holding)
    return dg.SensorResult(skip_reason=tick.summary(), cursor=cursor.serialize())


def _send_run(
    store: LineageStore,
    capture: Mapping[str, Any],
    cursor: EmitterCursor,
    tick: _Tick,
    options: _Options,
    deadline: float,
    log: logging.Logger,
) -> bool:
    """Send one capture's events from where the cursor left it; False when the tick must
    stop here (the endpoint is unreachable, out of time, or refused it for now)."""
    capture_id = capture["id"]
    events = gather_run(store, capture, options.settings)
    start = cursor.partial.get(str(capture_id), 0)
    for index in range(start, len(events)):
        if time.monotonic() > deadline:
            tick.more_pending = True
            return False
        sent = deliver(
            options.endpoint, events[index], api_key=options.api_key, deadline=deadline,
            attempts=options.attempts, backoff_seconds=options.backoff,
            timeout_seconds=options.request_timeout,
        )  # fmt: skip
        if sent.outcome == "delivered":
            cursor.partial[str(capture_id)] = index + 1
            tick.events_sent += 1
            continue
        run = (
            f"run {capture['run_id']} ({capture['job']}), event {index + 1} of {len(events)} "
            f"({events[index].get('eventType')} of {events[index]['job'].get('name')})"
        )
        if sent.outcome == "unreachable":
            log.warning(f"OpenLineage endpoint unreachable sending {run}: {sent.detail}")
            tick.problem = f"endpoint unreachable ({sent.detail}); {run} is sent next tick"
            return False
        refusals = cursor.refusals.get(str(capture_id), 0) + 1
        if refusals < options.max_refusals:
            cursor.refusals[str(capture_id)] = refusals
            log.warning(f"OpenLineage endpoint refused {run}: {sent.detail}; tried again next tick")
            tick.problem = f"endpoint refused {run} ({sent.detail}), attempt {refusals}"
            return False
        log.error(
            f"OpenLineage endpoint refused {run} in {refusals} ticks: {sent.detail}; "
            "giving up on this run"
        )
        tick.runs_given_up += 1
        cursor.settle(capture_id)
        return True
    cursor.settle(capture_id)
    tick.runs_sent += 1
    return True
