"""Delivering alerts: each alert to each sink once, across any number of sensors and runs.

**Records.** An alert is recorded once per deduplication key (:func:`record`) with one
delivery per sink, each allowing a number of attempts. Recording again (a second sensor, a
tick that re-reads the same events) changes nothing.

**Claims.** Whoever delivers first claims (:func:`claim_due`): one conditional UPDATE takes
the deliveries that are pending, due (their backoff passed), with attempts left and a free
lease (none, or expired), adds an attempt to each and sets a lease. SQLite serialises writers;
PostgreSQL re-checks the condition on each row it locks and skips rows another claimer holds;
so of any number of claimers exactly one holds each attempt.

**Attempts.** The holder of a claim delivers it with :func:`send`: it first confirms the
attempt is still the delivery's current one and extends the lease over its time budget, then
calls each sink with what is left of that budget, and records each outcome (again only while
the attempt is current). Any failure of a sink, an exception included, is that delivery's
failure. A sink that timed out is not called again within the claim; a failed attempt frees
the lease and waits ``backoff * 2 ** (attempt - 1)`` (at most an hour) for the next claim,
and the last attempt allowed fails the delivery for good.

**Lost holders.** A holder that never delivers (a requested run that never starts, a process
that dies) loses nothing: its lease runs out and a later claim takes the next attempt. If the
old holder wakes up afterwards, its attempt is no longer current and it delivers nothing. An
attempt that died after a sink took the alert is the one case where a sink can see it twice.
When the lease of the last attempt allowed runs out, :func:`fail_abandoned` fails the
delivery for good.

**Messages.** :func:`messages` turns claims into what is sent: one message per run failure or
schema change, and one digest for every threshold crossing claimed together (its deliveries
stay per crossing, so each is delivered once and resolves on its own).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import ValidationError

from lineage_core.alerting.render import Alert, threshold_digest
from lineage_core.store.rows import DeliveryClaim

if TYPE_CHECKING:
    from lineage_core.store import LineageStore

Sink = Callable[[Alert], tuple[bool, str]]  # delivers one alert: (delivered, detail)
LEASE_MARGIN_SECONDS = 60.0  # a holder's lease outlasts its budget by this much
DETAIL_LIMIT = 300  # characters of a sink's detail kept


class Budget:
    """A time budget shared by several steps: the seconds left of it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    @property
    def spent(self) -> bool:
        return self.left() <= 0


@dataclass(frozen=True)
class Message:
    """What one run (or one log line) sends: an alert or a digest, and the claims it settles."""

    alert: Alert
    claims: tuple[DeliveryClaim, ...]

    @property
    def key(self) -> str:
        """Unique to this set of attempts, so a retry never repeats an earlier run's key."""
        held = ",".join(f"{c.delivery_id}.{c.attempt}" for c in sorted(self.claims, key=_order))
        return f"{self.alert.dedup_key}:{hashlib.sha1(held.encode()).hexdigest()[:12]}"

    @property
    def attempt(self) -> int:
        return max(claim.attempt for claim in self.claims)

    @property
    def sinks(self) -> list[str]:
        return sorted({claim.sink for claim in self.claims})


@dataclass
class Delivery:
    """What became of one alert: already handled before, or delivered (or not) per sink."""

    alert: Alert
    skipped: bool = False
    delivered: bool = True
    results: dict[str, str] = field(default_factory=dict)


def record(store: LineageStore, alert: Alert, sinks: Mapping[str, int]) -> bool:
    """Record ``alert`` with a delivery to each sink (sink -> attempts allowed); True if new."""
    return store.record_alert(
        alert.dedup_key, kind=alert.kind, body=alert.payload(), asset=alert.asset, sinks=sinks
    )


def baseline(store: LineageStore, alert: Alert) -> None:
    """Record an alert as already known, without delivering it (a sensor's first look)."""
    store.claim_alert(
        alert.dedup_key, kind=alert.kind, body=alert.payload(), asset=alert.asset,
        status="baseline",
    )  # fmt: skip


def claim_due(
    store: LineageStore,
    sinks: Sequence[str],
    *,
    lease_seconds: float,
    limit: int = 200,
    dedup_key: str | None = None,
) -> list[DeliveryClaim]:
    """Claim the due deliveries to ``sinks`` (see the module docstring)."""
    if not sinks:
        return []
    return store.claim_alert_deliveries(
        sinks=sinks, lease_seconds=lease_seconds, limit=limit, dedup_key=dedup_key
    )


def messages(claims: Sequence[DeliveryClaim]) -> list[Message]:
    """One message per claimed alert, except threshold crossings: one digest for them all.

    Run failures come first, then schema changes, then the digest.
    """
    by_key: dict[str, list[DeliveryClaim]] = {}
    for claim in sorted(claims, key=_order):
        by_key.setdefault(claim.dedup_key, []).append(claim)
    alerts = {key: alert_of(held[0]) for key, held in by_key.items()}
    found = [
        Message(alert, tuple(by_key[key]))
        for key, alert in alerts.items()
        if alert.kind != "impact_threshold"
    ]
    crossings = [key for key, alert in alerts.items() if alert.kind == "impact_threshold"]
    if crossings:
        digest = threshold_digest([alerts[key] for key in crossings])
        found.append(Message(digest, tuple(c for key in crossings for c in by_key[key])))
    return sorted(found, key=lambda m: _SEVERITY_ORDER.get(m.alert.severity, 3))


def alert_of(claim: DeliveryClaim) -> Alert:
    """The alert a claim is about, as it was recorded (its key alone if the record is not an
    alert's payload)."""
    try:
        return Alert.model_validate(claim.body["alert"])
    except (KeyError, TypeError, ValidationError):
        text = f"Alert {claim.dedup_key}"
        return Alert(dedup_key=claim.dedup_key, kind=claim.kind, title=text, text=text, report="")


def send(
    store: LineageStore,
    message: Message,
    sinks: Mapping[str, Sink],
    *,
    budget: Budget,
    backoff_seconds: float,
) -> dict[str, tuple[bool, str]]:
    """Deliver ``message`` to the sink of each of its claims still held, in ``sinks`` order,
    within ``budget``; record every outcome. Returns (delivered, detail) per sink attempted:
    empty when every claim was superseded by a later attempt."""
    held = store.start_alert_deliveries(
        list(message.claims), lease_seconds=budget.left() + LEASE_MARGIN_SECONDS
    )
    outcomes: dict[str, tuple[bool, str]] = {}
    for name in [*sinks, *sorted({c.sink for c in held} - set(sinks))]:
        claimed = [claim for claim in held if claim.sink == name]
        if not claimed:
            continue
        outcome = _attempt(sinks.get(name), message.alert, budget)
        store.finish_alert_deliveries(
            claimed, delivered=outcome[0], detail=outcome[1], backoff_seconds=backoff_seconds
        )
        outcomes[name] = outcome
    return outcomes


def deliver(
    store: LineageStore,
    alert: Alert,
    sinks: Mapping[str, Sink],
    *,
    max_attempts: int = 1,
    backoff_seconds: float = 30.0,
    budget_seconds: float = 30.0,
) -> Delivery:
    """Record ``alert`` and deliver it now to the in-process ``sinks``, once per key and sink.

    A key already delivered, failed for good, baselined, held by another claimer or backing
    off is skipped. With ``max_attempts`` above one, calling again after the backoff retries
    the sinks that failed.
    """
    record(store, alert, dict.fromkeys(sinks, max_attempts))
    claims = claim_due(
        store, list(sinks), lease_seconds=budget_seconds + LEASE_MARGIN_SECONDS,
        dedup_key=alert.dedup_key,
    )  # fmt: skip
    if not claims:
        return Delivery(alert, skipped=True)
    outcomes = send(
        store, Message(alert, tuple(claims)), sinks, budget=Budget(budget_seconds),
        backoff_seconds=backoff_seconds,
    )  # fmt: skip
    if not outcomes:
        return Delivery(alert, skipped=True)
    return Delivery(
        alert,
        delivered=all(ok for ok, _ in outcomes.values()),
        results={name: detail for name, (_, detail) in outcomes.items()},
    )


def fail_abandoned(store: LineageStore) -> list[str]:
    """Fail for good the deliveries whose last attempt's lease ran out; their alerts' keys."""
    return store.fail_abandoned_alert_deliveries()


def _attempt(sink: Sink | None, alert: Alert, budget: Budget) -> tuple[bool, str]:
    if sink is None:
        return False, "no such sink here"
    if budget.spent:
        return False, f"not attempted: the {budget.seconds:.3g}s budget was spent"
    try:
        delivered, detail = sink(alert)
    except Exception as exc:  # a sink's failure is its delivery's, never its caller's
        delivered, detail = False, f"{type(exc).__name__}: {exc}"
    return bool(delivered), _printable(str(detail))


def _printable(text: str, limit: int = DETAIL_LIMIT) -> str:
    """A detail fit to store and show: what a server answered may hold any bytes."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _order(claim: DeliveryClaim) -> tuple[str, str, int]:
    return claim.dedup_key, claim.sink, claim.delivery_id


_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
