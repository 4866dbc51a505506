"""The store contract: every backend must pass every test here."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest

from lineage_core import (
    AssetNotFound,
    Edition,
    InvalidArgument,
    InvalidName,
    LineageNotEnabled,
    StoreUnavailable,
    TenantExists,
    TenantNotFound,
    open_store,
)
from lineage_core.errors import LineageError

ETL = {"job": "daily_etl", "code_location": "warehouse"}


def test_recording_an_edge_twice_never_duplicates_it(store):
    first = store.record_edge("raw.orders", "stg.orders", op="load", **ETL)
    second = store.record_edge("RAW.Orders", "stg.orders", op="load", **ETL)

    assert (first.assets_created, first.edges_created) == (2, 1)
    assert (second.assets_created, second.edges_created, second.edges_updated) == (0, 0, 1)
    assert len(store.edges()) == 1
    assert [a.qualified_name for a in store.assets()] == ["raw.orders", "stg.orders"]


def test_edges_of_different_jobs_or_ops_are_distinct(store):
    store.record_edge("a.t1", "a.t2", op="x", **ETL)
    store.record_edge("a.t1", "a.t2", op="y", **ETL)
    store.record_edge("a.t1", "a.t2", job="other", op="x", code_location="warehouse")

    assert sorted((e.job, e.op) for e in store.edges()) == [
        ("daily_etl", "x"),
        ("daily_etl", "y"),
        ("other", "x"),
    ]


def test_execution_count_counts_each_run_once(store):
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for run, offset in [("run-1", 0), ("run-2", 1), ("run-1", 0), ("run-2", 1)]:
        store.record_edge(
            "a.src", "a.dst", op="copy", run_id=run, executed_at=t0 + timedelta(hours=offset), **ETL
        )
    [edge] = store.edges()
    assert edge.execution_count == 2
    assert edge.last_run_id == "run-2"
    assert edge.last_execution_at == t0 + timedelta(hours=1)


def test_replaying_an_older_run_keeps_the_latest_run(store):
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    store.record_edge("a.src", "a.dst", run_id="new", executed_at=t0 + timedelta(days=1), **ETL)
    store.record_edge("a.src", "a.dst", run_id="old", executed_at=t0, **ETL)
    [edge] = store.edges()
    assert (edge.execution_count, edge.last_run_id) == (2, "new")


def test_self_loops_are_dropped(store):
    result = store.record_edges(
        [{"source": "a.t", "target": "A.T"}, {"source": "a.t", "target": "a.u"}]
    )
    assert result.edges_created == 1
    assert [(e.source, e.target) for e in store.edges()] == [("a.t", "a.u")]


def test_column_mappings_and_sql_are_kept_on_the_edge(store):
    store.record_edge(
        "raw.customers",
        "stg.customers",
        op="clean",
        sql="INSERT INTO stg.customers SELECT id FROM raw.customers",
        transformation="transform",
        columns=[{"source": "id", "target": "customer_id", "transformation": "CAST"}],
        **ETL,
    )
    [edge] = store.edges("stg.customers")
    assert edge.transformation_type == "transform"
    assert edge.transformation_logic.startswith("INSERT INTO")
    assert [(c.source, c.target, c.transformation) for c in edge.columns] == [
        ("id", "customer_id", "CAST")
    ]


def test_a_walks_column_mappings_are_read_per_edge_in_one_query(store, monkeypatch):
    store.record_edges(
        [
            {"source": "m.root", "target": f"m.t{i}", "job": "load", "op": f"op{i % 3}",
             "columns": [{"source": "id", "target": f"c{i}"}]}
            for i in range(300)
        ]
        + [
            # Edges of other jobs between the same tables, one without mappings.
            {"source": "m.root", "target": "m.t0", "job": "backfill",
             "columns": [{"source": "key", "target": "c0", "transformation": "hash"}]},
            {"source": "m.root", "target": "m.t0", "job": "audit"},
        ]
    )  # fmt: skip
    graph = store.downstream("m.root")
    with store.backend.session() as session:
        session_type = type(session)
    run, fetch_all = [], session_type.fetch_all

    def counted(self, name, params=None):
        run.append(name)
        return fetch_all(self, name, params)

    monkeypatch.setattr(session_type, "fetch_all", counted)
    found = store.edge_columns(graph.edges)
    assert run.count("select_edge_columns") == 1
    names = {node.id: node.qualified_name for node in graph.nodes}
    by_edge = {
        (names[edge.target], edge.workflow_id, edge.op): [
            (c.source, c.target, c.transformation) for c in columns
        ]
        for edge, columns in zip(graph.edges, found, strict=True)
    }
    assert len(by_edge) == len(graph.edges) == 302
    assert by_edge[("m.t7", "load", "op1")] == [("id", "c7", None)]
    assert by_edge[("m.t0", "backfill", None)] == [("key", "c0", "hash")]
    assert by_edge[("m.t0", "audit", None)] == []
    assert store.edge_columns([]) == []


def test_assets_search_and_roles(store):
    store.record_edge("db.raw.orders", "db.stg.orders")
    store.record_edge("db.stg.orders", "db.mart.revenue")
    found = {a.qualified_name: a for a in store.assets(search="ORDERS")}
    assert set(found) == {"db.raw.orders", "db.stg.orders"}
    raw, stg = found["db.raw.orders"], found["db.stg.orders"]
    assert (raw.is_source, raw.is_target) == (True, False)
    assert (stg.is_source, stg.is_target) == (True, True)
    assert (raw.database, raw.schema_, raw.name) == ("db", "raw", "orders")
    assert store.assets(search="100%") == []


def test_upsert_asset_merges_metadata(store):
    store.upsert_asset("a.t", metadata={"columns": ["id"]}, connection="warehouse")
    asset = store.upsert_asset("a.t", type="view", metadata={"owner": "data"})
    assert asset.type == "view"
    assert asset.connection == "warehouse"
    assert asset.metadata == {"columns": ["id"], "owner": "data"}


def test_unknown_asset_names_the_closest_known_ones(store):
    store.record_edge("sales.orders", "sales.order_items")
    with pytest.raises(AssetNotFound) as caught:
        store.downstream("sales.ordrs")
    assert "sales.orders" in caught.value.suggestions
    assert "did you mean" in str(caught.value)


def test_invalid_names_are_refused_before_anything_is_written(store):
    with pytest.raises(InvalidName, match="part 2 is empty"):
        store.record_edges([{"source": "a.b", "target": "c.d"}, {"source": "a..b", "target": "x"}])
    assert store.edges() == []
    with pytest.raises(InvalidName, match="500"):
        store.record_edge("x" * 501, "y")


@pytest.mark.parametrize("depth", [0, 101, -1])
def test_depth_outside_1_to_100_is_refused(store, depth):
    store.record_edge("a.x", "a.y")
    with pytest.raises(InvalidArgument, match="between 1 and 100"):
        store.downstream("a.x", max_depth=depth)


def test_remove_edges_of_one_job_only(store):
    store.record_edge("a.x", "a.y", job="one")
    store.record_edge("a.x", "a.y", job="two")
    assert store.remove_edges("a.x", "a.y", job="one") == 1
    assert [e.job for e in store.edges()] == ["two"]
    assert store.remove_edges("a.x", "a.y") == 1
    assert store.downstream("a.x").total_nodes == 0


def test_retired_edges_keep_history_but_leave_walks(store):
    store.record_edge("a.x", "a.y", op="o", **ETL)
    store.record_edge("a.y", "a.z", op="o", **ETL)
    [edge] = store.edges("a.x")
    assert store.retire_edges([edge.id]) == 1
    assert [n.qualified_name for n in store.downstream("a.x").nodes] == []
    assert [e.active for e in store.edges("a.x", include_retired=True)] == [False]
    store.record_edge("a.x", "a.y", op="o", **ETL)  # seen again: active again
    assert store.downstream("a.x").total_nodes == 2


def test_jobs_for_asset_and_job_assets(store):
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    store.record_edge("raw.a", "stg.a", op="load_a", run_id="r1", executed_at=t0, **ETL)
    store.record_edge(
        "stg.a", "mart.m", op="build_m", run_id="r2", executed_at=t0 + timedelta(hours=1), **ETL
    )
    store.record_edge("stg.a", "mart.n", job="reports", op="n", run_id="r3", executed_at=t0)
    refs = {(r.job, r.op, r.access): r for r in store.jobs_for_asset("stg.a")}
    assert set(refs) == {
        ("daily_etl", "load_a", "write"),
        ("daily_etl", "build_m", "read"),
        ("reports", "n", "read"),
    }
    assert refs[("daily_etl", "build_m", "read")].last_run_id == "r2"
    assert refs[("daily_etl", "load_a", "write")].code_location == "warehouse"
    assets = store.job_assets("daily_etl")
    assert (assets.reads, assets.writes) == (["raw.a", "stg.a"], ["mart.m", "stg.a"])
    with pytest.raises(LineageError, match="nightly"):
        store.job_assets("nightly")


def test_default_tenant_is_premium_and_new_tenants_are_explicit(store):
    assert store.edition() is Edition.PREMIUM
    with pytest.raises(TenantNotFound, match="lineage tenant add acme"):
        store.with_tenant("acme")
    tenant = store.create_tenant("acme")
    assert tenant.edition is Edition.STANDARD
    with pytest.raises(TenantExists):
        store.create_tenant("acme")
    assert [(t.name, t.edition) for t in store.tenants()] == [
        ("acme", Edition.STANDARD),
        ("default", Edition.PREMIUM),
    ]


def test_standard_edition_refuses_every_lineage_feature(store):
    store.create_tenant("basic", edition="standard")
    basic = store.with_tenant("basic")
    refused = [
        lambda: basic.record_edge("a.x", "a.y"),
        lambda: basic.downstream("a.x"),
        lambda: basic.upstream("a.x"),
        lambda: basic.full("a.x"),
        lambda: basic.impact("a.x"),
        lambda: basic.assets(),
        lambda: basic.jobs_for_asset("a.x"),
        lambda: basic.job_assets("j"),
        lambda: basic.profiles("a.x"),
        lambda: basic.refresh_impact_cache(),
    ]
    for call in refused:
        with pytest.raises(LineageNotEnabled, match="upgrade to Premium"):
            call()
    store.set_edition("basic", Edition.PREMIUM)
    basic.record_edge("a.x", "a.y")
    assert basic.downstream("a.x").total_nodes == 1


def test_unknown_edition_is_refused(store):
    with pytest.raises(InvalidArgument, match="standard"):
        store.create_tenant("x", edition="gold")


def test_tenants_with_overlapping_names_never_see_each_other(store):
    store.create_tenant("other", edition="premium")
    other = store.with_tenant("other")
    store.record_edge("shared.a", "shared.b", job="mine")
    other.record_edge("shared.a", "shared.c", job="theirs")
    other.record_edge("shared.c", "shared.d", job="theirs")

    assert [n.qualified_name for n in store.downstream("shared.a").nodes] == ["shared.b"]
    assert [n.qualified_name for n in other.downstream("shared.a").nodes] == [
        "shared.c",
        "shared.d",
    ]
    assert [j.workflow_id for j in store.impact("shared.a").affected_workflows] == ["mine"]
    assert [a.qualified_name for a in other.assets()] == ["shared.a", "shared.c", "shared.d"]
    with pytest.raises(AssetNotFound):
        store.upstream("shared.d")
    store.refresh_impact_cache()
    assert other.stale_cache_entries() == 3
    assert store.stale_cache_entries() == 0


def test_profiles_are_kept_as_history(store):
    from lineage_core.models import ColumnProfile, TableProfile

    def profile(rows: int, columns: dict[str, str]) -> TableProfile:
        return TableProfile(
            asset="Sales.Orders",
            row_count=rows,
            column_count=len(columns),
            column_profiles=[
                ColumnProfile(column_name=c, data_type=t, null_count=0, null_percentage=0.0)
                for c, t in columns.items()
            ],
        )

    first = store.add_profile(profile(100, {"id": "INTEGER", "amount": "REAL"}))
    second = store.add_profile(profile(10, {"id": "TEXT", "note": "TEXT"}))
    assert first.drift is None
    assert second.drift.columns_added == ["note"]
    assert second.drift.columns_removed == ["amount"]
    assert [(c.column, c.before, c.after) for c in second.drift.columns_retyped] == [
        ("id", "INTEGER", "TEXT")
    ]
    history = store.profiles("sales.orders")
    assert [p.profile_id for p in history] == [second.profile_id, first.profile_id]
    assert history[0].to_json()["rowCount"] == 10


def test_executions_are_recorded_once_per_run(store):
    store.record_execution(run_id="r1", job="etl", status="SUCCESS", edges_created=3)
    store.record_execution(
        run_id="r1", job="etl", status="SUCCESS", edges_created=4, errors=["bad metadata"]
    )
    [execution] = store.executions()
    assert (execution["edges_created"], execution["errors"]) == (4, ["bad metadata"])


def _open_concurrently(url: str, queue) -> None:
    try:
        open_store(url).close()
        queue.put("ok")
    except Exception as exc:  # reported to the parent, which asserts
        queue.put(repr(exc))


def test_two_processes_migrating_a_fresh_database_at_once(bare_store_url):
    store_url = bare_store_url
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [
        context.Process(target=_open_concurrently, args=(store_url, queue)) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sorted(queue.get(timeout=5) for _ in workers) == ["ok"] * 4
    with open_store(store_url) as store:
        store.record_edge("a.x", "a.y")
        assert [t.name for t in store.tenants()] == ["default"]


def test_unreachable_postgres_gives_one_clear_error():
    expected = r"Cannot reach PostgreSQL at 127\.0\.0\.1:1/nothing"
    with pytest.raises(StoreUnavailable, match=expected):
        open_store("postgresql://postgres@127.0.0.1:1/nothing")


def test_unsupported_url_is_refused():
    with pytest.raises(InvalidArgument, match="Unsupported"):
        open_store("mysql://localhost/x")


def test_upgrading_a_store_keeps_its_lineage_and_recomputes_its_cache(bare_store_url, monkeypatch):
    store_url = bare_store_url
    """Version 3 changed the cache's job column: an older store upgrades in place, its old
    entries count as stale, and the next refresh answers as the live walk does."""
    from lineage_core.store.backends import base

    load_migrations = base.load_migrations
    # Version 2, with the edge history of version 8 that every write of an edge now keeps.
    monkeypatch.setattr(
        base,
        "load_migrations",
        lambda backend: [m for m in load_migrations(backend) if m[0] <= 2 or m[0] == 8],
    )
    with open_store(store_url) as store:
        store.record_edge("a.t1", "a.t2", op="load", **ETL)
        store.record_edge("a.t2", "a.t3", op="model", **ETL)
    old_entry = (
        "INSERT INTO lineage_impact_cache (asset_id, tenant_id, max_depth, downstream_count, "
        "downstream_max_depth, downstream_depth_counts, upstream_count, upstream_max_depth, "
        "upstream_depth_counts, job_contexts, job_count, computed_version, stale_version, "
        "computed_at) SELECT id, tenant_id, 15, 7, 1, '[7]', 0, 0, '[]', '[[1, \"x\"]]', 1, "
        "99, 0, '2026-01-01T00:00:00+00:00' FROM lineage_assets"
    )
    if store_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as conn:
            conn.execute(old_entry)
    else:
        import psycopg

        with psycopg.connect(store_url) as conn:
            conn.execute(old_entry)
    monkeypatch.undo()

    with open_store(store_url) as store:
        assert store.stale_cache_entries() == 3
        assert store.impact("a.t1").cached is False
        assert store.refresh_impact_cache().entries_refreshed == 3
        cached, live = store.impact("a.t1"), store.impact("a.t1", live=True)
        assert cached.cached and cached.total_impacted_assets == 2
        assert [(j.workflow_name, j.ops) for j in cached.affected_workflows] == [
            ("daily_etl", ["load", "model"])
        ]
        assert cached.affected_workflows == live.affected_workflows
