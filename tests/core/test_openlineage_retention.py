"""Retention of the OpenLineage events the store keeps for merging runs: pruning the runs idle
since a time, on a real SQLite file and a real PostgreSQL database, through the store and
through ``lineage openlineage prune``.

Events are received at the moment ``receive`` runs, so a test takes a cutoff between two
receipts (``_cutoff``) instead of waiting for a real age to pass; only the command, which
takes an age, waits a second."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from lineage_core import open_store
from lineage_core.openlineage import receive
from lineage_core.store import LineageStore

PRODUCER = "https://example.com/producer"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
FACET = {"_producer": PRODUCER, "_schemaURL": "https://openlineage.io/spec/facets/x.json"}
WAREHOUSE = "postgres://warehouse:5432"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
FUTURE = datetime(2100, 1, 1, tzinfo=UTC)  # a cutoff after every receipt: everything is idle


def event(
    event_type: str,
    run_id: str,
    *,
    inputs: tuple[str, ...] = (),
    outputs: tuple[str, ...] = (),
    at: datetime = T0,
    job: str = "orders_dag.load",
    columns: dict[str, list[tuple[str, str]]] | None = None,
) -> dict:
    """A run event; ``columns`` maps an output column to its (input dataset, field)s."""
    body = {
        "eventType": event_type,
        "eventTime": at.isoformat(),
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
        "run": {"runId": run_id},
        "job": {"namespace": "airflow", "name": job},
        "inputs": [{"namespace": WAREHOUSE, "name": name} for name in inputs],
        "outputs": [{"namespace": WAREHOUSE, "name": name} for name in outputs],
    }
    if columns:
        fields = {
            target: {"inputFields": [{"namespace": WAREHOUSE, "name": name, "field": field}
                                     for name, field in sources]}
            for target, sources in columns.items()
        }  # fmt: skip
        body["outputs"][0]["facets"] = {"columnLineage": {**FACET, "fields": fields}}
    return body


def new_run() -> str:
    return str(uuid.uuid4())


def _cutoff() -> datetime:
    """A time strictly after every event received so far and before every later one."""
    time.sleep(0.01)
    at = datetime.now(UTC)
    time.sleep(0.01)
    return at


def _kept(store: LineageStore) -> tuple[int, int]:
    """(events, runs) the store keeps now: what pruning everything would remove."""
    counted = store.prune_openlineage_events(before=FUTURE, dry_run=True)
    return counted.events_removed, counted.runs_removed


def _edges(store: LineageStore) -> list[tuple]:
    """Everything an edge is, as the store answers it."""
    return sorted(
        (
            e.source, e.target, e.job, e.op, e.code_location, e.transformation_logic,
            tuple((c.source, c.target, c.transformation) for c in e.columns),
            e.execution_count, e.last_run_id, e.last_execution_at, e.active,
        )
        for e in store.edges(include_retired=True)
    )  # fmt: skip


def _execution(store: LineageStore, run_id: str) -> dict:
    [found] = [x for x in store.executions(limit=1000) if x["run_id"] == run_id]
    return found


# -- which runs go ------------------------------------------------------------------------------


def test_runs_idle_since_the_cutoff_are_pruned_and_the_others_kept(store):
    finished, abandoned, talking = new_run(), new_run(), new_run()
    receive(store, event("START", finished, inputs=("warehouse.raw.orders",)))
    receive(store, event("COMPLETE", finished, outputs=("warehouse.stg.orders",)))
    receive(store, event("START", abandoned, inputs=("warehouse.raw.refunds",)))
    receive(store, event("START", talking, inputs=("warehouse.raw.customers",)))
    cutoff = _cutoff()
    recent = new_run()
    receive(store, event("START", recent, inputs=("warehouse.raw.payments",)))
    receive(store, event("RUNNING", talking, at=T0 + timedelta(hours=1)))

    pruned = store.prune_openlineage_events(before=cutoff)

    # the finished run and the one that never ended went; the run that sent an event since,
    # however old its START, and the run started since, are whole
    assert (pruned.events_removed, pruned.runs_removed) == (3, 2)
    assert (pruned.before, pruned.dry_run) == (cutoff, False)
    assert _kept(store) == (3, 2)
    talked = receive(store, event("COMPLETE", talking, outputs=("warehouse.stg.customers",)))
    assert talked.events_merged == 3
    assert [(e.source, e.target) for e in talked.edges] == [
        ("warehouse.raw.customers", "warehouse.stg.customers")
    ]
    assert store.prune_openlineage_events(before=cutoff).events_removed == 0  # nothing left


def test_a_resent_event_keeps_its_run_from_going_idle(store):
    run = new_run()
    start = event("START", run, inputs=("warehouse.raw.orders",))
    receive(store, start)
    cutoff = _cutoff()
    assert receive(store, start).events_merged == 1  # a client resending: still one event
    assert store.prune_openlineage_events(before=cutoff).events_removed == 0
    assert _kept(store) == (1, 1)


def test_a_dry_run_counts_what_would_go_and_deletes_nothing(store):
    old, recent = new_run(), new_run()
    receive(store, event("START", old, inputs=("warehouse.raw.orders",)))
    receive(store, event("COMPLETE", old, outputs=("warehouse.stg.orders",)))
    cutoff = _cutoff()
    receive(store, event("START", recent, inputs=("warehouse.raw.orders",)))

    rehearsed = store.prune_openlineage_events(before=cutoff, dry_run=True)

    assert (rehearsed.events_removed, rehearsed.runs_removed, rehearsed.dry_run) == (2, 1, True)
    assert _kept(store) == (3, 2)
    done = store.prune_openlineage_events(before=cutoff)
    assert (done.events_removed, done.runs_removed) == (2, 1)


def test_pruning_one_tenant_leaves_another_tenants_events(store):
    store.create_tenant("acme", edition="premium")
    acme = store.with_tenant("acme")
    run = new_run()  # the same run id for both tenants: two runs
    for tenant in (store, acme):
        receive(tenant, event("START", run, inputs=("warehouse.raw.orders",)))
        receive(tenant, event("COMPLETE", run, outputs=("warehouse.stg.orders",)))

    pruned = acme.prune_openlineage_events(before=FUTURE)

    assert (pruned.events_removed, pruned.runs_removed) == (2, 1)
    assert _kept(acme) == (0, 0)
    assert _kept(store) == (2, 1)
    again = receive(store, event("RUNNING", run, at=T0 + timedelta(minutes=1)))
    assert again.events_merged == 3


# -- what stays -----------------------------------------------------------------------------------


def test_pruning_changes_no_edge_and_no_run(store):
    first = new_run()
    receive(store, event("START", first, inputs=("warehouse.raw.orders", "warehouse.raw.fx")))
    receive(store, event(
        "COMPLETE", first, outputs=("warehouse.stg.orders",), at=T0 + timedelta(minutes=5),
        columns={"cents": [("warehouse.raw.orders", "amount")],
                 "rate": [("warehouse.raw.fx", "r")]},
    ))  # fmt: skip
    for day in (1, 2):
        later = new_run()
        receive(store, event("COMPLETE", later, inputs=("warehouse.stg.orders",),
                             outputs=("warehouse.mart.revenue",), job="revenue_dag.build",
                             at=T0 + timedelta(days=day)))  # fmt: skip
    edges, executions = _edges(store), store.executions(limit=1000)
    stale = store.stale_cache_entries()
    assert len(edges) == 3

    pruned = store.prune_openlineage_events(before=FUTURE)

    assert (pruned.events_removed, pruned.runs_removed) == (4, 3)
    assert _edges(store) == edges
    assert store.executions(limit=1000) == executions
    assert store.stale_cache_entries() == stale  # nothing of the graph moved
    downstream = store.downstream("warehouse.raw.orders")
    assert {n.qualified_name for n in downstream.nodes} == {
        "warehouse.stg.orders", "warehouse.mart.revenue",
    }  # fmt: skip


def test_a_late_event_for_a_pruned_run_goes_on_from_what_was_recorded(store):
    run = new_run()
    receive(store, event("START", run, inputs=("warehouse.raw.orders", "warehouse.raw.fx")))
    receive(store, event(
        "COMPLETE", run, inputs=("warehouse.raw.orders", "warehouse.raw.fx"),
        outputs=("warehouse.stg.orders",), at=T0 + timedelta(minutes=5),
        columns={"cents": [("warehouse.raw.orders", "amount")],
                 "id": [("warehouse.raw.orders", "id")], "rate": [("warehouse.raw.fx", "r")]},
    ))  # fmt: skip
    edges, recorded = _edges(store), _execution(store, run)
    store.prune_openlineage_events(before=FUTURE)

    # a client replaying its spool: an event of the run that says less than the run did
    late = receive(store, event(
        "RUNNING", run, inputs=("warehouse.raw.orders",), outputs=("warehouse.stg.orders",),
        at=T0 + timedelta(minutes=2), columns={"cents": [("warehouse.raw.orders", "amount")]},
    ))  # fmt: skip

    assert (late.status, late.events_merged) == ("SUCCESS", 1)
    assert _edges(store) == edges  # both edges, the one the event told of with all its columns
    execution = _execution(store, run)
    assert (execution["status"], execution["started_at"], execution["completed_at"]) == (
        "SUCCESS", T0, T0 + timedelta(minutes=5),
    )  # fmt: skip
    assert execution["notes"][0].endswith("before its earlier events were pruned")
    assert recorded["status"] == "SUCCESS"

    # and the run goes on merging its late events with what it was, not the late ones alone
    again = receive(store, event("OTHER", run, at=T0 + timedelta(minutes=3)))
    assert (again.status, again.events_merged) == ("SUCCESS", 2)
    assert _edges(store) == edges


def test_a_run_pruned_while_running_ends_when_its_end_arrives(store):
    run = new_run()
    receive(store, event("START", run, inputs=("warehouse.raw.orders",)))
    store.prune_openlineage_events(before=FUTURE)
    assert _execution(store, run)["status"] == "STARTED"

    ended = receive(store, event("COMPLETE", run, outputs=("warehouse.stg.orders",),
                                 at=T0 + timedelta(days=40)))  # fmt: skip

    execution = _execution(store, run)
    assert (ended.status, execution["started_at"], execution["completed_at"]) == (
        "SUCCESS", T0, T0 + timedelta(days=40),
    )  # fmt: skip
    # as documented: the inputs only the pruned START named pair with no output now
    assert ended.edges == [] and store.edges() == []


def test_pruning_waits_for_a_run_being_recorded_and_then_keeps_it(store_url):
    """An event of an idle run arriving while pruning: whichever comes first, the run is
    either pruned before the event (which then goes on from its execution row) or kept with
    the event; never are its old events deleted under an event that merged them."""
    run = new_run()
    with open_store(store_url) as store:
        receive(store, event("START", run, inputs=("warehouse.raw.orders",)))
        cutoff = _cutoff()
        merged = threading.Event()
        results: dict[str, int] = {}

        def record_slowly() -> None:
            with open_store(store_url) as writer, writer.transaction():
                receipt = receive(writer, event("COMPLETE", run, outputs=("warehouse.stg.x",)))
                results["merged"] = receipt.events_merged
                merged.set()
                time.sleep(1.0)  # the transaction, and the run's lock, stay open

        writer = threading.Thread(target=record_slowly)
        writer.start()
        assert merged.wait(30)
        pruned = store.prune_openlineage_events(before=cutoff)
        writer.join(30)
        assert results["merged"] == 2
        assert pruned.events_removed == 0
        assert _kept(store) == (2, 1)


# -- the command --------------------------------------------------------------------------------


def test_the_command_prunes_runs_older_than_a_span_and_can_rehearse(run, store_url):
    with open_store(store_url) as store:
        old = new_run()
        receive(store, event("START", old, inputs=("warehouse.raw.orders",)))
        receive(store, event("COMPLETE", old, outputs=("warehouse.stg.orders",)))
        edges = _edges(store)
    time.sleep(1.1)

    assert "Would prune 0 OpenLineage event(s)" in run("openlineage", "prune", "--older-than",
                                                        "30d", "--dry-run").output  # fmt: skip
    rehearsed = run("openlineage", "prune", "--older-than", "1s", "--dry-run").output
    assert rehearsed.startswith("Would prune 2 OpenLineage event(s) of 1 run(s)")
    answer = json.loads(run("openlineage", "prune", "--older-than", "1s", "--json").output)
    assert (answer["eventsRemoved"], answer["runsRemoved"], answer["dryRun"]) == (2, 1, False)
    assert "Pruned 0 " in run("openlineage", "prune", "--older-than", "1s").output
    with open_store(store_url) as store:
        assert _kept(store) == (0, 0)
        assert _edges(store) == edges


@pytest.mark.parametrize("span", ["30", "30 days", "0d", "-1d", "soon"])
def test_the_command_refuses_a_span_it_cannot_read(run, span):
    refused = run("openlineage", "prune", "--older-than", span, code=2)
    assert refused.stderr.startswith("lineage: --older-than must be")
    assert len(refused.stderr.strip().splitlines()) == 1
