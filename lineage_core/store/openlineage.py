"""OpenLineage in the store: what each event of a run said, and the edges a run recorded.

OpenLineage spreads a run over several events, in any order: inputs on START, outputs on
COMPLETE, a COMPLETE that arrives first. Each event is kept (once per digest of what it
said) under the run its edges count under, and every new event reads back all of them, so
the run is always recorded from the union of what its events said. Writers of one run are
serialised for the transaction (an advisory lock on PostgreSQL; SQLite's write lock), so two
events arriving together cannot each miss the other.

Going out, :func:`run_edges` gives the edges one run recorded, from the per-run counts
(``lineage_edge_runs``), not from the edges' last run: a later run of the same job
recording the same edge does not take it from an earlier run still waiting to be sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from lineage_core.models import Edge
from lineage_core.store.backends.base import Session
from lineage_core.store.catalog import edges as stored_edges
from lineage_core.store.context import StoreContext, aware, now

MAX_EVENTS_PER_RUN = 10_000  # events of one run read back (a run sending more is merged from these)
MAX_RUN_EDGES = 10_000


def add_run_event(
    ctx: StoreContext,
    session: Session,
    *,
    lineage_run_id: str,
    run_id: str,
    digest: str,
    event_type: str,
    event_time: datetime,
    said: Mapping[str, Any],
) -> list[tuple[str, str, datetime, dict[str, Any]]]:
    """Keep one event of ``lineage_run_id`` and return (run id, event type, time, what it
    said) of all the run's events, oldest first. Call it in a write transaction: the run's
    lock is held until that commits."""
    key = ctx.params(lineage_run_id=lineage_run_id)
    session.execute("lock_openlineage_run", key)
    session.execute(
        "insert_openlineage_event",
        ctx.params(
            lineage_run_id=lineage_run_id,
            run_id=run_id,
            digest=digest,
            event_type=event_type,
            event_time=aware(event_time),
            said=session.json(dict(said)),
            now=now(),
        ),
    )
    rows = session.fetch_all("select_openlineage_events", {**key, "limit": MAX_EVENTS_PER_RUN})
    return [(own, kind, aware(at), body) for own, kind, at, body in rows]


def run_edges(
    ctx: StoreContext, session: Session, run_id: str, *, job: str, code_location: str | None
) -> list[Edge]:
    """The stored edges one run of ``job`` recorded (retired ones included), by source,
    target and op."""
    rows = session.fetch_all(
        "select_run_edge_targets",
        ctx.params(run_id=run_id, job=job, code_location=code_location or "", limit=MAX_RUN_EDGES),
    )
    wanted = {edge_id for edge_id, _ in rows}
    found: dict[int, Edge] = {}
    for target in sorted({target for _, target in rows}):
        for edge in stored_edges(ctx, session, target, include_retired=True, limit=MAX_RUN_EDGES):
            if edge.id in wanted:
                found[edge.id] = edge
    return sorted(found.values(), key=lambda edge: (edge.source, edge.target, edge.op or ""))
