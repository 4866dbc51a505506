"""OpenLineage in the store: what each event of a run said, and the edges a run recorded.

OpenLineage spreads a run over several events, in any order: inputs on START, outputs on
COMPLETE, a COMPLETE that arrives first. Each event is kept (once per digest of what it
said) under the run its edges count under, and every new event reads back all of them, so
the run is always recorded from the union of what its events said. Writers of one run are
serialised for the transaction (an advisory lock on PostgreSQL; SQLite's write lock), so two
events arriving together cannot each miss the other.

Kept events are for merging only: the edges and the execution row recorded from them are
the lineage. :func:`prune` deletes the events of runs none of whose events was received
since a time (by when they were received, not the client's ``eventTime``: a replay of old
events is a run talking now); it locks each run as a writer does, so an event arriving
meanwhile keeps its run. It never touches an edge. An event that arrives later still for a
pruned run finds no events, but the run's execution row: the store then keeps that row's
status, times, errors and notes as the run's first event (``PRUNED``, a :class:`PrunedRun`),
so the run goes on from what was recorded rather than from the late event alone, and the
recording can keep the edges' columns (:mod:`lineage_core.openlineage.ingest`).

Going out, :func:`run_edges` gives the edges one run recorded, from the per-run counts
(``lineage_edge_runs``), not from the edges' last run: a later run of the same job
recording the same edge does not take it from an earlier run still waiting to be sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import Field

from lineage_core.models import Edge, Model, OpenLineagePruneResult
from lineage_core.store.backends.base import Session
from lineage_core.store.catalog import edges as stored_edges
from lineage_core.store.context import StoreContext, aware, now

MAX_EVENTS_PER_RUN = 10_000  # events of one run read back (a run sending more is merged from these)
MAX_RUN_EDGES = 10_000
EXECUTION_TYPE = "openlineage"  # the execution rows of runs recorded from events
PRUNED = "PRUNED"  # the event type (and digest) of what a pruned run's execution row kept
PRUNE_BATCH = 500  # runs pruned per transaction: a PostgreSQL lock each, and short locks


class PrunedRun(Model):
    """What a run whose events were pruned still was, from its execution row: kept as its
    first event when another one arrives."""

    status: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    errors: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


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
    said) of all the run's events, oldest first: for a run whose events were pruned, a
    ``PRUNED`` one first, what a :class:`PrunedRun` says. Call it in a write transaction:
    the run's lock is held until that commits."""
    key = ctx.params(lineage_run_id=lineage_run_id)
    session.execute("lock_openlineage_run", key)
    _keep_pruned_run(ctx, session, lineage_run_id, event_time)
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


def _keep_pruned_run(
    ctx: StoreContext, session: Session, lineage_run_id: str, event_time: datetime
) -> None:
    """When the run has no events left but an execution row, keep what that row says as
    its first event, once: the events still to come are merged with it."""
    row = session.fetch_one(
        "select_pruned_openlineage_run",
        ctx.params(lineage_run_id=lineage_run_id, execution_type=EXECUTION_TYPE),
    )
    if row is None:
        return
    status, started_at, completed_at, errors, notes = row
    kept = PrunedRun(
        status=status, started_at=started_at, completed_at=completed_at, errors=errors,
        notes=notes,
    )  # fmt: skip
    session.execute(
        "insert_openlineage_event",
        ctx.params(
            lineage_run_id=lineage_run_id, run_id=lineage_run_id, digest=PRUNED,
            event_type=PRUNED, event_time=aware(started_at or event_time),
            said=session.json(kept.to_json()), now=now(),
        ),
    )  # fmt: skip


def prune(ctx: StoreContext, *, before: datetime, dry_run: bool) -> OpenLineagePruneResult:
    """Delete the kept events of the runs none of whose events was received since
    ``before``, ``PRUNE_BATCH`` runs a transaction; ``dry_run`` counts them instead."""
    before = aware(before)
    if dry_run:
        with ctx.session() as session:
            events, runs = session.fetch_one(
                "count_idle_openlineage_events", ctx.params(before=before)
            )
        return OpenLineagePruneResult(
            events_removed=events, runs_removed=runs, before=before, dry_run=True
        )
    events = runs = 0
    while True:
        with ctx.session(write=True) as session:
            locked = session.fetch_all(
                "lock_idle_openlineage_runs", ctx.params(before=before, limit=PRUNE_BATCH)
            )
            if not locked:
                break
            deleted = session.fetch_all(
                "delete_idle_openlineage_events",
                ctx.params(before=before, runs=session.array([run for run, _ in locked])),
            )
        events += len(deleted)
        runs += len({run for (run,) in deleted})
        if len(locked) < PRUNE_BATCH:
            break
    return OpenLineagePruneResult(events_removed=events, runs_removed=runs, before=before)


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
