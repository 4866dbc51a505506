"""Alert records: one row per deduplication key, so an event alerts once across restarts.

The rules that decide when to alert live in :mod:`lineage_core.alerting`; this module only
keeps what was raised and how its deliveries went.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lineage_core.store.backends.base import Session
from lineage_core.store.context import StoreContext, now
from lineage_core.store.rows import alert_from_row


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
    row = session.fetch_one("select_alert_status", ctx.params(dedup_key=dedup_key))
    if row is not None:
        return row[0]
    session.execute(
        "insert_alert",
        ctx.params(
            dedup_key=dedup_key, kind=kind, asset=asset, status=status,
            body=session.json(dict(body)), now=now(),
        ),
    )  # fmt: skip
    return None


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


def resolve(ctx: StoreContext, session: Session, dedup_key: str) -> None:
    session.execute("resolve_alert", ctx.params(dedup_key=dedup_key, now=now()))


def alerts(
    ctx: StoreContext, session: Session, kind: str | None, limit: int
) -> list[dict[str, Any]]:
    rows = session.fetch_all("select_alerts", ctx.params(kind=kind, limit=limit))
    return [alert_from_row(row) for row in rows]


def open_alerts(ctx: StoreContext, session: Session, kind: str) -> dict[str, str]:
    return dict(session.fetch_all("select_open_alert_assets", ctx.params(kind=kind)))
