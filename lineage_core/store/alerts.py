"""Alert records and their deliveries: an event alerts once, and reaches each sink once.

An alert is one row per deduplication key. Each of its sinks has a delivery row (attempts so
far and allowed, a lease, when the next attempt may start, the last outcome). A claimer takes
a delivery with one conditional UPDATE that adds an attempt and sets a lease, so of any number
of claimers exactly one holds each attempt; starting and finishing an attempt only touch the
row while that attempt is still its current one. The alert row keeps a summary (an overall
status and a detail per sink) in the same transaction as every delivery change.

The rules that decide when to alert, and how claims become messages, live in
:mod:`lineage_core.alerting`; this module only keeps what was raised and how it went.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from lineage_core.store.backends.base import Session
from lineage_core.store.context import StoreContext, now
from lineage_core.store.rows import (
    DeliveryClaim,
    alert_from_row,
    claim_from_rows,
    delivery_from_row,
)

MAX_BACKOFF_SECONDS = 3600.0
ABANDONED = "its last attempt never finished (the lease ran out)"


def claim(
    ctx: StoreContext,
    session: Session,
    dedup_key: str,
    *,
    kind: str,
    body: Mapping[str, Any],
    asset: str | None,
    status: str,
) -> str | None:
    """Insert the alert unless its key exists: None when inserted, else the key's status."""
    inserted = session.execute(
        "insert_alert",
        ctx.params(
            dedup_key=dedup_key, kind=kind, asset=asset, status=status,
            body=session.json(dict(body)), now=now(),
        ),
    )  # fmt: skip
    if inserted:
        return None
    row = session.fetch_one("select_alert_status", ctx.params(dedup_key=dedup_key))
    return row[0] if row is not None else None


def record(
    ctx: StoreContext,
    session: Session,
    dedup_key: str,
    *,
    kind: str,
    body: Mapping[str, Any],
    asset: str | None,
    sinks: Mapping[str, int],
) -> bool:
    new = (
        claim(ctx, session, dedup_key, kind=kind, body=body, asset=asset, status="pending") is None
    )
    moment = now()
    session.execute_many(
        "insert_alert_delivery",
        [
            ctx.params(dedup_key=dedup_key, sink=sink, max_attempts=attempts, now=moment)
            for sink, attempts in sinks.items()
        ],
    )
    return new


def finish(
    ctx: StoreContext, session: Session, dedup_key: str, status: str, deliveries: Mapping
) -> None:
    session.execute(
        "update_alert",
        ctx.params(
            dedup_key=dedup_key, status=status, deliveries=session.json(dict(deliveries)),
            now=now(),
        ),
    )  # fmt: skip


def claim_deliveries(
    ctx: StoreContext,
    session: Session,
    *,
    sinks: Sequence[str],
    lease_seconds: float,
    limit: int,
    dedup_key: str | None,
) -> list[DeliveryClaim]:
    moment = now()
    claimed = session.fetch_all(
        "claim_alert_deliveries",
        ctx.params(
            sinks=session.array(sinks), now=moment,
            lease_until=moment + timedelta(seconds=lease_seconds), limit=limit,
            dedup_key=dedup_key,
        ),
    )  # fmt: skip
    if not claimed:
        return []
    alert_ids = sorted({row[1] for row in claimed})
    rows = session.fetch_all("select_claimed_alerts", ctx.params(ids=session.array(alert_ids)))
    alerts = {row[0]: row for row in rows}
    _summarise(ctx, session, alert_ids, moment)
    return [claim_from_rows(row, alerts[row[1]]) for row in sorted(claimed, key=lambda r: r[0])]


def start_deliveries(
    ctx: StoreContext, session: Session, claims: Iterable[DeliveryClaim], lease_seconds: float
) -> list[DeliveryClaim]:
    moment = now()
    lease_until = moment + timedelta(seconds=lease_seconds)
    held = []
    for claim in claims:
        params = ctx.params(
            delivery_id=claim.delivery_id, attempt=claim.attempt, lease_until=lease_until,
            now=moment,
        )  # fmt: skip
        if session.fetch_one("start_alert_delivery", params) is not None:
            held.append(claim)
    return held


def finish_deliveries(
    ctx: StoreContext,
    session: Session,
    claims: Iterable[DeliveryClaim],
    *,
    delivered: bool,
    detail: str,
    backoff_seconds: float,
) -> list[str]:
    moment = now()
    statuses, alert_ids = [], set()
    for claim in claims:
        row = session.fetch_one("select_alert_delivery", ctx.params(delivery_id=claim.delivery_id))
        if row is None or row[1] != claim.attempt or row[3] != "pending":
            statuses.append("superseded")
            continue
        alert_id, attempts, max_attempts, _ = row
        status, text, next_attempt_at = _outcome(
            delivered, detail, attempts, max_attempts, backoff_seconds, moment
        )
        session.execute(
            "finish_alert_delivery",
            ctx.params(
                delivery_id=claim.delivery_id, attempt=claim.attempt, status=status, detail=text,
                next_attempt_at=next_attempt_at, now=moment,
            ),
        )  # fmt: skip
        statuses.append(status)
        alert_ids.add(alert_id)
    _summarise(ctx, session, sorted(alert_ids), moment)
    return statuses


def _outcome(
    delivered: bool,
    detail: str,
    attempts: int,
    max_attempts: int,
    backoff_seconds: float,
    moment: datetime,
) -> tuple[str, str, datetime]:
    """(status, detail, next attempt) after an attempt: delivered; failed and retried after
    ``backoff_seconds * 2 ** (attempts - 1)`` (capped); or, with no attempt left, failed."""
    if delivered:
        return "delivered", detail if attempts == 1 else f"{detail} (attempt {attempts})", moment
    if attempts >= max_attempts:
        return "failed", f"{detail}; failed for good after {attempts} attempt(s)", moment
    delay = min(backoff_seconds * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
    text = f"{detail}; attempt {attempts} of {max_attempts}, next in {delay:.3g}s"
    return "pending", text, moment + timedelta(seconds=delay)


def fail_abandoned(ctx: StoreContext, session: Session) -> list[str]:
    moment = now()
    rows = session.fetch_all(
        "fail_abandoned_alert_deliveries", ctx.params(detail=ABANDONED, now=moment)
    )
    alert_ids = sorted({row[0] for row in rows})
    if not alert_ids:
        return []
    _summarise(ctx, session, alert_ids, moment)
    keys = session.fetch_all("select_claimed_alerts", ctx.params(ids=session.array(alert_ids)))
    return sorted(row[1] for row in keys)


def _summarise(
    ctx: StoreContext, session: Session, alert_ids: Sequence[int], moment: datetime
) -> None:
    """Write each alert's overall status (pending while a delivery is, else failed if one
    failed, else delivered) and a detail per sink."""
    if not alert_ids:
        return
    states = defaultdict(dict)
    rows = session.fetch_all(
        "select_alert_delivery_states", ctx.params(ids=session.array(alert_ids))
    )
    for alert_id, sink, status, attempts, detail, lease_until in rows:
        if status == "pending" and lease_until is not None and lease_until > moment:
            detail = f"attempt {attempts} in progress"
        states[alert_id][sink] = (status, detail or status)
    session.execute_many(
        "update_alert_summary",
        [
            ctx.params(
                alert_id=alert_id, status=_overall([s for s, _ in sinks.values()]),
                deliveries=session.json({sink: d for sink, (_, d) in sinks.items()}), now=moment,
            )
            for alert_id, sinks in states.items()
        ],
    )  # fmt: skip


def _overall(statuses: Sequence[str]) -> str:
    if "pending" in statuses:
        return "pending"
    return "failed" if "failed" in statuses else "delivered"


def deliveries(
    ctx: StoreContext, session: Session, dedup_key: str | None, limit: int
) -> list[dict[str, Any]]:
    rows = session.fetch_all(
        "select_alert_deliveries", ctx.params(dedup_key=dedup_key, limit=limit)
    )
    return [delivery_from_row(row) for row in rows]


def resolve(ctx: StoreContext, session: Session, dedup_key: str) -> None:
    session.execute("resolve_alert", ctx.params(dedup_key=dedup_key, now=now()))


def alerts(
    ctx: StoreContext, session: Session, kind: str | None, limit: int
) -> list[dict[str, Any]]:
    rows = session.fetch_all("select_alerts", ctx.params(kind=kind, limit=limit))
    return [alert_from_row(row) for row in rows]


def open_alerts(ctx: StoreContext, session: Session, kind: str) -> dict[str, str]:
    return dict(session.fetch_all("select_open_alert_assets", ctx.params(kind=kind)))
