"""Lineage as of a past moment, on both backends: walks, full answers and impact over the
edges active then, the history that answers them (first sightings, retirements and
re-activations, the upgrade that backfills it), and the times the three APIs accept."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, date, datetime, timedelta, timezone

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage_core import InvalidArgument, LineageGraph, open_store
from lineage_core.models import EdgeInterval
from lineage_core.store import LineageStore
from lineage_core.timestamps import parse_timestamp

ETL = {"job": "daily_etl", "code_location": "shop"}


def tick() -> datetime:
    """A moment strictly between the writes before and after it."""
    time.sleep(0.005)
    at = datetime.now(UTC)
    time.sleep(0.005)
    return at


def names(graph: LineageGraph) -> set[str]:
    return {node.qualified_name for node in graph.nodes}


def edge_names(graph: LineageGraph) -> set[tuple]:
    by_id = {node.id: node.qualified_name for node in graph.nodes}
    by_id[graph.root_asset_id] = graph.root
    return {
        (by_id[e.source], by_id[e.target], e.workflow_id, e.op, e.code_location)
        for e in graph.edges
    }


def edge_id(store: LineageStore, source: str, target: str) -> int:
    [edge] = [e for e in store.edges(source, include_retired=True) if e.target == target]
    return edge.id


# -- the walks ---------------------------------------------------------------------------


def test_an_edge_retired_at_t2_is_walked_as_of_before_t2_and_not_after(store):
    store.record_edges(
        [{"source": "s.a", "target": "s.b", **ETL}, {"source": "s.b", "target": "s.c", **ETL}]
    )
    t1 = tick()
    store.retire_edges([edge_id(store, "s.b", "s.c")])
    t2 = tick()

    assert names(store.downstream("s.a", as_of=t1)) == {"s.b", "s.c"}
    assert names(store.downstream("s.a", as_of=t2)) == names(store.downstream("s.a")) == {"s.b"}
    assert names(store.upstream("s.c", as_of=t1)) == {"s.a", "s.b"}
    assert names(store.upstream("s.c", as_of=t2)) == set()
    [interval] = store.edge_intervals(edge_id(store, "s.b", "s.c"))
    assert interval.active_from < t1
    assert interval.active_until is not None and t1 < interval.active_until < t2


def test_an_edge_recorded_again_is_walked_in_both_stretches_and_not_between(store):
    store.record_edge("s.a", "s.b", op="load", **ETL)
    t1 = tick()
    store.retire_edges([edge_id(store, "s.a", "s.b")])
    t2 = tick()
    store.record_edge("s.a", "s.b", op="load", **ETL)
    t3 = tick()

    assert [names(store.downstream("s.a", as_of=t)) for t in (t1, t2, t3)] == [
        {"s.b"},
        set(),
        {"s.b"},
    ]
    first, second = store.edge_intervals(edge_id(store, "s.a", "s.b"))
    assert first.active_from < t1 < first.active_until < t2 < second.active_from < t3
    assert second.active_until is None
    # Recording an active edge again opens nothing.
    store.record_edge("s.a", "s.b", op="load", **ETL)
    assert len(store.edge_intervals(edge_id(store, "s.a", "s.b"))) == 2


def test_an_edge_added_after_t_is_not_walked_as_of_t(store):
    store.record_edge("s.a", "s.b", **ETL)
    t1 = tick()
    store.record_edges(
        [{"source": "s.b", "target": "s.c", **ETL}, {"source": "s.x", "target": "s.a", **ETL}]
    )

    assert names(store.downstream("s.a", as_of=t1)) == {"s.b"}
    assert names(store.downstream("s.a")) == {"s.b", "s.c"}
    assert names(store.upstream("s.a", as_of=t1)) == set()
    assert edge_names(store.full("s.b", as_of=t1)) == {("s.a", "s.b", "daily_etl", None, "shop")}


def test_an_asset_recorded_after_t_answers_its_root_alone(store):
    store.record_edge("s.a", "s.b", **ETL)
    t1 = tick()
    store.record_edge("s.b", "s.late", **ETL)

    graph = store.upstream("s.late", as_of=t1)
    late = store.get_asset("s.late")
    assert (graph.root, graph.root_asset_id, graph.direction) == (
        "s.late",
        str(late.id),
        "upstream",
    )
    assert (graph.nodes, graph.edges, graph.total_nodes, graph.truncated) == ([], [], 0, False)
    assert store.impact("s.late", as_of=t1).total_impacted_assets == 0


def test_an_as_of_full_answer_says_each_side_as_the_present_one_does(store):
    store.record_edges(
        [
            {"source": "s.a", "target": "s.b", **ETL},
            {"source": "s.b", "target": "s.c", **ETL},
            {"source": "s.c", "target": "s.b", "op": "back", **ETL},
        ]
    )
    now = tick()
    past, present = store.full("s.b", as_of=now), store.full("s.b")
    assert edge_names(past) == edge_names(present) and len(past.edges) == 3
    assert (past.upstream_count, past.downstream_count) == (2, 1)
    sides = {node.qualified_name: (node.depth, node.direction) for node in past.nodes}
    assert sides == {n.qualified_name: (n.depth, n.direction) for n in present.nodes}
    assert sides == {"s.a": (1, "upstream"), "s.c": (1, "both")}


def test_an_as_of_walk_keeps_the_depth_and_the_node_cap(store):
    store.record_edges(
        [{"source": "s.root", "target": f"s.leaf{i}", **ETL} for i in range(5)]
        + [{"source": "s.leaf0", "target": "s.far", **ETL}]
    )
    at = tick()
    assert names(store.downstream("s.root", 1, as_of=at)) == {f"s.leaf{i}" for i in range(5)}
    capped = store.downstream("s.root", max_nodes=3, as_of=at)
    # The cap keeps the nearest, and at the level it cuts, the lowest ids (names in order).
    assert capped.truncated and capped.total_nodes == 3 and len(capped.edges) == 3
    assert names(capped) == {"s.leaf0", "s.leaf1", "s.leaf2"}


def test_a_first_sighting_is_the_earliest_run_when_it_is_older(store):
    run_at = datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    store.record_edge("s.a", "s.b", run_id="r1", executed_at=run_at, **ETL)
    assert store.edge_intervals(edge_id(store, "s.a", "s.b")) == [
        EdgeInterval(active_from=datetime(2026, 1, 1, 10, 0, tzinfo=UTC))
    ]
    assert names(store.downstream("s.a", as_of="2026-01-01T10:00:00Z")) == {"s.b"}
    assert names(store.downstream("s.a", as_of="2026-01-01T09:59:59Z")) == set()
    assert names(store.downstream("s.a", as_of=date(2025, 12, 31))) == set()


def test_another_tenants_edges_never_appear(store):
    store.create_tenant("acme", edition="premium")
    acme = store.with_tenant("acme")
    store.record_edge("s.a", "s.b", **ETL)
    acme.record_edges(
        [
            {"source": "s.a", "target": "s.secret", **ETL},
            {"source": "s.a", "target": "s.b"},
            {"source": "s.b", "target": "s.c"},
        ]
    )
    t1 = tick()
    acme.retire_edges([edge_id(acme, "s.b", "s.c")])
    acme.record_edge("s.a", "s.later")

    for at in (t1, tick()):
        assert names(store.downstream("s.a", as_of=at)) == {"s.b"}
        assert store.impact("s.a", as_of=at).total_impacted_assets == 1
    assert names(acme.downstream("s.a", as_of=t1)) == {"s.secret", "s.c", "s.b"}
    assert store.edge_intervals(edge_id(acme, "s.b", "s.c")) == []


# -- impact --------------------------------------------------------------------------------

HISTORY = [  # (source, target, job, op): a diamond, a cycle, a second job, a second location
    ("s.a", "s.b", "etl", "load"),
    ("s.a", "s.c", "etl", "load"),
    ("s.b", "s.d", "etl", "model"),
    ("s.c", "s.d", "marts", "model"),
    ("s.d", "s.e", "marts", "publish"),
    ("s.e", "s.d", "marts", "back"),
    ("s.e", "s.f", "reports", "publish"),
    ("s.x", "s.a", "ingest", "pull"),
]


def _record(store: LineageStore, edges) -> None:
    store.record_edges(
        [
            {"source": s, "target": t, "job": j, "op": o, "code_location": f"loc_{j[0]}"}
            for s, t, j, o in edges
        ]
    )


def _retire(store: LineageStore, edges) -> None:
    stored = {(e.source, e.target, e.job, e.op): e.id for e in store.edges()}
    store.retire_edges([stored[edge] for edge in edges])


def _impact_view(found) -> tuple:
    return (
        found.total_impacted_assets,
        found.counts_by_depth,
        [(node.qualified_name, node.depth) for node in found.downstream_assets],
        found.affected_workflows,
        found.code_locations,
        found.total_impacted_workflows,
        found.cached,
    )


def test_impact_as_of_is_the_live_impact_of_the_edges_active_then(store):
    _record(store, HISTORY)
    _retire(store, [HISTORY[2], HISTORY[6]])
    t1 = tick()
    _record(store, [("s.f", "s.g", "reports", "late"), HISTORY[2]])
    _retire(store, [HISTORY[4]])
    store.refresh_impact_cache()  # the cache answers the present, never the past
    then = [edge for edge in HISTORY if edge not in (HISTORY[2], HISTORY[6])]
    store.create_tenant("then", edition="premium")
    replica = store.with_tenant("then")
    _record(replica, then)
    replica.record_assets(targets=["s.f"])  # known then, with no edge active

    for depth in (15, 2):
        past = store.impact("s.a", as_of=t1, max_depth=depth)
        assert _impact_view(past) == _impact_view(replica.impact("s.a", live=True, max_depth=depth))
    past = store.impact("s.a", as_of=t1, limit=2, offset=1)
    assert _impact_view(past) == _impact_view(replica.impact("s.a", live=True, limit=2, offset=1))
    assert (past.page_limit, past.page_offset, past.computed_at) == (2, 1, None)
    for walk in ("upstream", "downstream", "full"):
        for name in ("s.a", "s.d", "s.f"):
            answer = getattr(store, walk)(name, as_of=t1)
            assert edge_names(answer) == edge_names(getattr(replica, walk)(name))
            assert {(n.qualified_name, n.depth, n.direction) for n in answer.nodes} == {
                (n.qualified_name, n.depth, n.direction) for n in getattr(replica, walk)(name).nodes
            }


NAMES = [f"s.t{i}" for i in range(7)]
EDGES = st.lists(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)),
    min_size=1,
    max_size=14,
    unique=True,
).map(lambda pairs: [(s, t, "etl", "op") for s, t in pairs if s != t])


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edges=EDGES, retired=st.sets(st.integers(0, 13)), added=st.sets(st.integers(0, 13)))
def test_any_history_walks_as_of_t_as_a_store_of_the_edges_active_then(
    store, edges, retired, added
):
    """Each example in tenants of its own: a history, and a replica of its moment t1."""
    tenant = f"h{time.monotonic_ns()}"
    store.create_tenant(tenant, edition="premium")
    store.create_tenant(f"{tenant}r", edition="premium")
    history, replica = store.with_tenant(tenant), store.with_tenant(f"{tenant}r")
    before = [edge for i, edge in enumerate(edges) if i not in added]
    history.record_assets(sources=NAMES)
    replica.record_assets(sources=NAMES)
    if before:
        _record(history, before)
    _retire(history, [edge for i, edge in enumerate(before) if i in retired])
    t1 = tick()
    _record(history, edges)  # the late ones, and the retired ones again
    _retire(history, edges[:1])
    then = [edge for i, edge in enumerate(before) if i not in retired]
    if then:
        _record(replica, then)

    for name in ("s.t0", "s.t3"):
        for walk in ("upstream", "downstream"):
            assert edge_names(getattr(history, walk)(name, as_of=t1)) == edge_names(
                getattr(replica, walk)(name)
            )
        assert _impact_view(history.impact(name, as_of=t1)) == _impact_view(
            replica.impact(name, live=True)
        )


# -- times -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01T12:30", datetime(2026, 11, 1, 12, 30, tzinfo=UTC)),
        ("2026-11-01T12:30:00Z", datetime(2026, 11, 1, 12, 30, tzinfo=UTC)),
        ("2026-11-01T12:30:00+02:00", datetime(2026, 11, 1, 10, 30, tzinfo=UTC)),
        (" 2026-11-01 12:30:00.250-05:00 ", datetime(2026, 11, 1, 17, 30, 0, 250_000, tzinfo=UTC)),
        (date(2026, 11, 1), datetime(2026, 11, 1, tzinfo=UTC)),
        (datetime(2026, 11, 1, 8), datetime(2026, 11, 1, 8, tzinfo=UTC)),
        ("2026-11-01t12:30:00z", datetime(2026, 11, 1, 12, 30, tzinfo=UTC)),  # RFC 3339 allows it
        # Beyond the first or last UTC instant there is: that instant, which answers the same.
        ("0001-01-01T00:00:00+01:00", datetime.min.replace(tzinfo=UTC)),
        ("9999-12-31T23:59:59-01:00", datetime.max.replace(tzinfo=UTC)),
    ],
)
def test_times_are_iso_8601_naive_ones_utc_and_a_date_its_midnight(text, expected):
    parsed = parse_timestamp(text)
    assert parsed == expected and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text", ["", "yesterday", "2026-13-01", "2026-11-01T25:00", "1" * 200, "2026-11-01T12:00+25:00"]
)
def test_a_time_that_is_not_one_is_refused_naming_the_parameter(text):
    with pytest.raises(InvalidArgument, match="as_of"):
        parse_timestamp(text, "as_of")


def test_the_store_refuses_a_bad_time_before_walking(store):
    store.record_edge("s.a", "s.b")
    for call in (store.upstream, store.downstream, store.full, store.impact):
        with pytest.raises(InvalidArgument, match="as_of must be an ISO 8601 time"):
            call("s.a", as_of="not a time")
    with pytest.raises(InvalidArgument, match="until"):
        store.diff("s.a", until="soon")


# -- the upgrade ------------------------------------------------------------------------


def test_upgrading_a_store_gives_each_edge_one_interval_from_what_it_kept(bare_store_url):
    """A store of version 7 kept only ``active`` and ``retired_at``: the upgrade gives each
    edge one interval, from its first sighting (its recording, or its earliest run) to its
    retirement."""
    run_at = datetime(2026, 3, 1, 11, 30, tzinfo=timezone(timedelta(hours=2)))  # 09:30 UTC
    with open_store(bare_store_url) as store:
        store.record_edge("s.a", "s.b", run_id="r1", executed_at=run_at, **ETL)
        store.record_edge("s.b", "s.c", **ETL)
        before_retiring = tick()
        store.retire_edges([edge_id(store, "s.b", "s.c")])
        after_retiring = tick()
    as_version_7(bare_store_url)

    with open_store(bare_store_url) as store:
        assert store.edge_intervals(edge_id(store, "s.a", "s.b")) == [
            EdgeInterval(active_from=run_at)
        ]
        [retired] = store.edge_intervals(edge_id(store, "s.b", "s.c"))
        assert retired.active_from < before_retiring < retired.active_until < after_retiring
        assert names(store.downstream("s.a", as_of=before_retiring)) == {"s.b", "s.c"}
        assert names(store.downstream("s.a", as_of=after_retiring)) == {"s.b"}
        # The history goes on from there.
        store.record_edge("s.b", "s.c", **ETL)
        assert len(store.edge_intervals(edge_id(store, "s.b", "s.c"))) == 2


def as_version_7(url: str) -> None:
    """The store at ``url`` as version 7 left it: no edge history (the rows it kept, edges,
    runs and retirements, are the same)."""
    statements = [
        "DROP TABLE lineage_edge_intervals",
        "ALTER TABLE lineage_edges DROP COLUMN first_seen_at",
        "DELETE FROM lineage_schema_migrations WHERE version = 8",
    ]
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            for statement in statements:
                conn.execute(statement)
        return
    with psycopg.connect(url) as conn:
        for statement in statements:
            conn.execute(statement)
