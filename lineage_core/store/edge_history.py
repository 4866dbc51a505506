"""When each edge was active: the intervals behind lineage as of a date.

An edge row says whether the edge is active now; ``lineage_edge_intervals`` says when it was,
one row per stretch of activity ``[active_from, active_until)``, the last one open while the
edge is active. An edge's first interval starts when it was first seen (``first_seen_at``:
its recording, or its earliest run when that is older, as when a run is captured late);
retiring it closes the open interval, and recording it again opens a new one at that moment.

The edge writes (:mod:`.writes`) call these in the transaction of the change itself, so the
history cannot disagree with ``active``; a new edge's ``first_seen_at`` is written with the
edge itself (:func:`first_seen`): setting it afterwards would rewrite every new row, which
added half again to a bulk import on PostgreSQL. Removing an edge deletes its history with it (the
rows cascade): a removed edge was a mistake to undo, not a change, and no date shows it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from lineage_core.models import EdgeInterval
from lineage_core.store.backends.base import Session
from lineage_core.store.context import StoreContext, aware, chunks


def first_seen(runs: Mapping[str, datetime] | None, recorded_at: datetime) -> datetime:
    """When a new edge was first seen: its recording, or its earliest run when that is older
    (a run captured late), in UTC (SQLite compares times as text)."""
    return min([recorded_at, *(aware(at) for at in (runs or {}).values())]).astimezone(UTC)


def record_new(
    ctx: StoreContext, session: Session, first_seen_at: Sequence[tuple[int, datetime]]
) -> None:
    """Open the first interval of edges inserted in this transaction, (edge id, first seen)."""
    rows = sorted((ctx.tenant_id, edge_id, at) for edge_id, at in first_seen_at)
    for batch in chunks(rows):
        session.copy_rows("copy_edge_intervals", batch)


def reopen(ctx: StoreContext, session: Session, edge_ids: Sequence[int], at: datetime) -> None:
    """Open an interval at ``at`` for re-activated edges; one already open is kept."""
    for batch in chunks(sorted(edge_ids)):
        session.execute("open_edge_intervals", ctx.params(ids=session.array(batch), now=at))


def close(ctx: StoreContext, session: Session, edge_ids: Sequence[int], at: datetime) -> None:
    """End the open interval of retired edges at ``at``."""
    for batch in chunks(sorted(edge_ids)):
        session.execute("close_edge_intervals", ctx.params(ids=session.array(batch), now=at))


def intervals(ctx: StoreContext, session: Session, edge_id: int) -> list[EdgeInterval]:
    rows = session.fetch_all("select_edge_intervals", ctx.params(edge_id=edge_id))
    return [EdgeInterval(active_from=start, active_until=end) for start, end in rows]
