"""The refresh and profiling jobs and their schedules, run for real on a real instance."""

import importlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import dagster as dg
import polars as pl
import psycopg
import pytest
from warehouse_trap import TRAP, trap_warehouse

from lineage_core import InvalidArgument, open_store
from lineage_core.openlineage import receive
from lineage_dagster import LineageResource
from lineage_dagster.jobs import (
    DOWNSTREAM_ASSETS,
    build_profile_tables_job,
    build_refresh_impact_cache_job,
)
from lineage_dagster.schedules import (
    build_profile_tables_schedule,
    build_refresh_impact_cache_schedule,
)


@dg.asset(metadata={"dagster/table_name": "shop.raw.orders"})
def orders():
    return 1


@dg.asset(metadata={"dagster/table_name": "shop.raw.customers"})
def customers():
    return 1


@pytest.fixture(name="instance")
def fixture_instance():
    with dg.instance_for_test() as instance:
        yield instance


def _defs(store_url, connections=None):
    refresh = build_refresh_impact_cache_job()
    profile = build_profile_tables_job()
    return dg.Definitions(
        assets=[orders, customers],
        jobs=[refresh, profile],
        schedules=[
            build_refresh_impact_cache_schedule(refresh),
            build_profile_tables_schedule(profile),
        ],
        resources={
            "lineage": LineageResource(database_url=store_url, connections=connections or {})
        },
    )


def _observations(instance, key):
    records = instance.fetch_observations(key, limit=100, ascending=True).records
    return [r.asset_observation.metadata for r in records]


def test_refresh_job_refreshes_stale_entries_or_all(instance, store_url):
    with open_store(store_url) as store:
        store.record_edge("shop.raw.orders", "shop.stg.orders", job="etl")
        store.record_edge("shop.stg.orders", "shop.mart.revenue", job="etl")
        store.record_edge("shop.raw.customers", "shop.mart.revenue", job="crm")
    job = _defs(store_url).resolve_job_def("lineage_refresh_impact_cache")
    result = job.execute_in_process(instance=instance)
    assert result.output_for_node("lineage_refresh_impact_cache_op") == 4
    with open_store(store_url) as store:
        assert store.stale_cache_entries() == 0
        store.record_edge("shop.stg.orders", "shop.mart.margin", job="etl")
        assert store.stale_cache_entries() == 4  # 3 stale + 1 new

    second = job.execute_in_process(instance=instance)
    assert second.output_for_node("lineage_refresh_impact_cache_op") == 4
    everything = job.execute_in_process(
        instance=instance,
        run_config={"ops": {"lineage_refresh_impact_cache_op": {"config": {"refresh_all": True}}}},
    )
    assert everything.output_for_node("lineage_refresh_impact_cache_op") == 5
    metadata = everything.get_step_success_events()[0]
    assert metadata.step_key == "lineage_refresh_impact_cache_op"


def _openlineage_run(store) -> str:
    """A run sent in as two OpenLineage events, as ``lineage serve`` records them."""
    run = str(uuid.uuid4())
    for event_type, datasets in (("START", "inputs"), ("COMPLETE", "outputs")):
        table = "shop.raw.orders" if datasets == "inputs" else "shop.stg.from_airflow"
        receive(store, {
            "eventType": event_type, "eventTime": "2026-03-01T08:00:00Z",
            "producer": "https://example.com/producer",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": run}, "job": {"namespace": "airflow", "name": "orders_dag"},
            datasets: [{"namespace": "postgres://shop:5432", "name": table}],
        })  # fmt: skip
    return run


def _refresh_metadata(result) -> dict:
    [metadata] = [
        e.event_specific_data.metadata
        for e in result.all_events
        if e.step_key == "lineage_refresh_impact_cache_op" and e.event_type_value == "STEP_OUTPUT"
    ]
    return {key: value.value for key, value in metadata.items() if "openlineage" in key}


def test_refresh_job_prunes_openlineage_events_past_its_retention(instance, store_url):
    with open_store(store_url) as store:
        _openlineage_run(store)
        edges = [(e.source, e.target, e.execution_count) for e in store.edges()]
    assert edges == [("shop.raw.orders", "shop.stg.from_airflow", 1)]
    job = _defs(store_url).resolve_job_def("lineage_refresh_impact_cache")

    def refresh(retention):
        config = {"openlineage_retention": retention}
        return job.execute_in_process(
            instance=instance,
            run_config={"ops": {"lineage_refresh_impact_cache_op": {"config": config}}},
            raise_on_error=False,
        )

    kept = job.execute_in_process(instance=instance)  # the default retention: 30 days
    assert _refresh_metadata(kept) == {
        "openlineage_events_pruned": 0, "openlineage_runs_pruned": 0,
    }  # fmt: skip
    time.sleep(1.1)
    assert _refresh_metadata(refresh(None))["openlineage_events_pruned"] == 0
    pruned = refresh("1s")
    assert pruned.success
    assert _refresh_metadata(pruned) == {
        "openlineage_events_pruned": 2, "openlineage_runs_pruned": 1,
    }  # fmt: skip
    with open_store(store_url) as store:
        assert store.prune_openlineage_events(before="2100-01-01", dry_run=True).events_removed == 0
        assert [(e.source, e.target, e.execution_count) for e in store.edges()] == edges

    unreadable = refresh("a month")
    assert not unreadable.success
    assert "openlineage_retention must be a span of time" in _messages(instance, unreadable)


def _execute_in_location(tmp_path, monkeypatch, store_url, job, run_config=None, env=None):
    """Run ``job`` of tests/dagster/location.py through the dagster CLI; return its instance."""
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    config = tmp_path / "run_config.json"
    config.write_text(json.dumps(run_config or {}))
    process_env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "LINEAGE_DATABASE_URL": store_url,
        **(env or {}),
    }
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "job", "execute", "-f", LOCATION,
         "-a", "defs", "-j", job, "-c", str(config)],
        env=process_env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return done, dg.DagsterInstance.get()


LOCATION = str(Path(__file__).with_name("location.py"))


def test_refresh_job_observes_impact_counts_on_the_assets(tmp_path, monkeypatch, store_url):
    with open_store(store_url) as store:
        store.record_edge("shop.raw.orders", "shop.stg.orders", job="etl")
        store.record_edge("shop.stg.orders", "shop.mart.revenue", job="etl")
        store.record_edge("shop.raw.customers", "shop.mart.revenue", job="crm")
    done, instance = _execute_in_location(
        tmp_path, monkeypatch, store_url, "lineage_refresh_impact_cache"
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with instance:
        [observed] = _observations(instance, orders.key)
        assert observed[DOWNSTREAM_ASSETS].value == 2
        assert observed["lineage/downstream_jobs"].value == 2  # etl, and crm writes revenue
        assert observed["lineage/upstream_assets"].value == 0
        [observed] = _observations(instance, customers.key)
        assert observed[DOWNSTREAM_ASSETS].value == 1


def test_schedules_request_the_jobs_with_their_config(instance, store_url):
    defs = _defs(store_url)
    refresh = defs.resolve_schedule_def("lineage_refresh_impact_cache_schedule")
    assert refresh.cron_schedule == "0 * * * *"
    [request] = refresh.evaluate_tick(dg.build_schedule_context(instance=instance)).run_requests
    assert request.run_config == {
        "ops": {
            "lineage_refresh_impact_cache_op": {
                "config": {"refresh_all": False, "openlineage_retention": "30d"}
            }
        }
    }
    kept = build_refresh_impact_cache_schedule(
        build_refresh_impact_cache_job(), openlineage_retention=None
    )
    [request] = kept.evaluate_tick(dg.build_schedule_context(instance=instance)).run_requests
    assert request.run_config["ops"]["lineage_refresh_impact_cache_op"]["config"] == {
        "refresh_all": False, "openlineage_retention": None,
    }  # fmt: skip
    with pytest.raises(InvalidArgument, match="openlineage_retention"):
        build_refresh_impact_cache_schedule(
            build_refresh_impact_cache_job(), openlineage_retention="1 month"
        )
    nightly = defs.resolve_schedule_def("lineage_profile_tables_schedule")
    assert nightly.cron_schedule == "0 2 * * *"
    assert nightly.evaluate_tick(dg.build_schedule_context(instance=instance)).run_requests


@pytest.fixture(name="warehouse")
def fixture_warehouse(tmp_path):
    """A SQLite database and a folder of Parquet files, with known contents."""
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER, amount REAL, note TEXT)")
        conn.executemany(
            "INSERT INTO orders VALUES (?, ?, ?)",
            [(1, 10.0, "a"), (2, None, "b"), (3, 30.0, None), (3, 30.0, None)],
        )
        conn.execute("CREATE TABLE y (keep INTEGER)")
    files = tmp_path / "files"
    files.mkdir()
    pl.DataFrame({"id": [1, 2, 3, None], "name": ["x", "y", "y", "z"]}).write_parquet(
        files / "customers.parquet"
    )
    return {"shop": f"sqlite:///{db}", "lake": str(files / "{table}.parquet")}, db


def _run_profile(defs, instance, **config):
    job = defs.resolve_job_def("lineage_profile_tables")
    return job.execute_in_process(
        instance=instance,
        run_config={"ops": {"lineage_profile_tables_select": {"config": config}}},
        raise_on_error=False,
    )


def test_profile_job_profiles_each_table_and_lists_failures(instance, store_url, warehouse):
    connections, _ = warehouse
    defs = _defs(store_url, connections)
    result = _run_profile(
        defs,
        instance,
        tables=[
            "shop.raw.orders",
            "lake.raw.customers",
            "shop.raw.missing",
            "shop.raw.x; DROP TABLE y",
        ],
    )
    assert not result.success  # the summary fails the run, listing the failures
    failure = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    [summary_failure] = failure
    message = summary_failure.event_specific_data.error.message
    assert "2 of 4 table(s) could not be profiled" in message
    assert "shop.raw.missing" in message and "x; DROP TABLE y" in message

    with open_store(store_url) as store:
        [orders_profile] = store.profiles("shop.raw.orders")
        [customers_profile] = store.profiles("lake.raw.customers")
    assert orders_profile.row_count == 4
    assert orders_profile.duplicate_count == 1
    by_column = {c.column_name: c for c in orders_profile.column_profiles}
    assert by_column["amount"].null_count == 1
    assert by_column["amount"].max == 30.0
    assert customers_profile.row_count == 4
    assert {c.column_name: c.distinct_count for c in customers_profile.column_profiles} == {
        "id": 3,
        "name": 3,
    }
    _, db = warehouse
    with sqlite3.connect(db) as conn:  # the malicious name did nothing
        assert conn.execute("SELECT count(*) FROM y").fetchone() == (0,)


def test_profile_job_detects_drift_between_runs(instance, store_url, warehouse):
    connections, db = warehouse
    defs = _defs(store_url, connections)
    assert _run_profile(defs, instance, tables=["shop.raw.orders"]).success
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE orders ADD COLUMN region TEXT")
        conn.execute("DELETE FROM orders WHERE id < 3")
    assert _run_profile(defs, instance, tables=["shop.raw.orders"]).success
    with open_store(store_url) as store:
        latest, first = store.profiles("shop.raw.orders")
    assert first.drift is None
    assert latest.drift.columns_added == ["region"]
    assert latest.drift.row_count_change_percentage == -50.0
    assert latest.drift.large_swings


def test_profile_job_selects_by_search_and_by_job(instance, store_url, warehouse):
    connections, _ = warehouse
    with open_store(store_url) as store:
        store.record_edge("shop.raw.orders", "lake.raw.customers", job="sync")
    defs = _defs(store_url, connections)
    assert _run_profile(defs, instance, search="orders").success
    assert _run_profile(defs, instance, jobs=["sync"]).success
    with open_store(store_url) as store:
        assert len(store.profiles("shop.raw.orders")) == 2
        assert len(store.profiles("lake.raw.customers")) == 1


def test_profile_job_on_postgres_through_a_url(instance, store_url, postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA sales")
        conn.execute("CREATE TABLE sales.orders (id int, amount numeric)")
        conn.execute("INSERT INTO sales.orders VALUES (1, 5), (2, NULL), (3, 7)")
    defs = _defs(store_url)
    result = _run_profile(defs, instance, tables=["sales.orders"], connection=postgres_url)
    assert result.success
    with open_store(store_url) as store:
        [profile] = store.profiles("sales.orders")
    assert profile.row_count == 3
    amount = next(c for c in profile.column_profiles if c.column_name == "amount")
    assert (amount.null_count, amount.min, amount.max) == (1, 5, 7)


def test_profiles_are_observed_on_the_matching_assets(tmp_path, monkeypatch, store_url, warehouse):
    connections, db = warehouse
    env = {"LINEAGE_CONNECTIONS": json.dumps(connections)}
    config = {"ops": {"lineage_profile_tables_select": {"config": {"tables": ["shop.raw.orders"]}}}}
    for attempt in range(2):
        done, instance = _execute_in_location(
            tmp_path, monkeypatch, store_url, "lineage_profile_tables", config, env
        )
        assert done.returncode == 0, done.stderr[-3000:]
        if attempt == 0:
            with sqlite3.connect(db) as conn:
                conn.execute("ALTER TABLE orders ADD COLUMN region TEXT")
    with instance:
        first, second = _observations(instance, orders.key)
    assert first["dagster/row_count"].value == 4
    assert [c.name for c in first["dagster/column_schema"].value.columns] == [
        "id",
        "amount",
        "note",
    ]
    stats = first["lineage/column_statistics"].value.records
    assert {r.data["column"]: r.data["null %"] for r in stats} == {
        "id": 0.0,
        "amount": 25.0,
        "note": 50.0,
    }
    assert first["lineage/duplicate_count"].value == 1
    assert "lineage/drift" not in first
    assert second["lineage/drift"].value["columnsAdded"] == ["region"]


@pytest.fixture(name="trapped_warehouse")
def fixture_trapped_warehouse(bare_postgres_url) -> str:
    return trap_warehouse(bare_postgres_url)


def _summary(result) -> dict:
    """The metadata of the profiling run's summary."""
    [metadata] = [
        e.event_specific_data.metadata
        for e in result.all_events
        if e.step_key == "lineage_profile_tables_summary" and e.event_type_value == "STEP_OUTPUT"
    ]
    return metadata


def _messages(instance, result) -> str:
    """Everything the run logged, with its events' errors."""
    return "\n".join(
        entry.user_message + str(getattr(entry.dagster_event, "event_specific_data", "") or "")
        for entry in instance.all_logs(result.run_id)
    )


@pytest.mark.parametrize("tenant", ["basic", "ghost"])
def test_profile_job_checks_the_edition_before_reading_the_warehouse(
    instance, store_url, trapped_warehouse, tenant
):
    with open_store(store_url) as store:
        store.create_tenant("basic")
    defs = dg.Definitions(
        jobs=[build_profile_tables_job()],
        resources={"lineage": LineageResource(database_url=store_url, tenant=tenant)},
    )
    result = _run_profile(defs, instance, tables=["sales.orders"], connection=trapped_warehouse)
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failure.step_key == "lineage_profile_tables_select"
    message = failure.event_specific_data.error.message
    assert ("not enabled" if tenant == "basic" else "Unknown tenant 'ghost'") in message
    assert {e.step_key for e in result.all_events} == {None, "lineage_profile_tables_select"}
    assert TRAP not in _messages(instance, result)

    # The trap is real: the default tenant's run reads the table and trips it.
    defs = _defs(store_url)
    read = _run_profile(defs, instance, tables=["sales.orders"], connection=trapped_warehouse)
    assert not read.success and TRAP in _messages(instance, read)


def test_profile_job_skips_tables_without_a_connection_and_says_so(instance, store_url, warehouse):
    connections, _ = warehouse
    with open_store(store_url) as store:
        store.record_edge("crm.customers", "shop.raw.orders", job="ingest")
        store.record_edge("shop_api.orders", "shop.raw.orders", job="ingest")
    result = _run_profile(_defs(store_url, connections), instance)  # every known table
    assert result.success
    output = _summary(result)
    assert output["tables_profiled"].value == 1
    assert output["tables_failed"].value == 0
    assert output["tables_skipped"].value == 2
    assert {"crm.customers", "shop_api.orders"} <= set(output["skipped"].value.split(", "))
    assert "no connection" in output["summary"].value
    logged = _messages(instance, result)
    assert "Skipped 2 table(s) without a connection: crm.customers, shop_api.orders" in logged
    with open_store(store_url) as store:
        assert len(store.profiles("shop.raw.orders")) == 1
        assert store.profiles("crm.customers") == []


def test_profile_job_still_fails_on_a_connection_it_cannot_find(instance, store_url, warehouse):
    connections, _ = warehouse
    result = _run_profile(
        _defs(store_url, connections), instance, tables=["crm.customers"], connection="nope"
    )
    assert not result.success
    assert "Unknown connection 'nope'" in _messages(instance, result)


DEMO = "lineage_dagster.demo.definitions"
DEMO_JOBS = ["ingest_raw", "build_staging", "load_payments", "build_marts", "build_customer_assets"]
SOURCE_SYSTEM_TABLES = [
    "crm.customers",
    "payments_api.payments",
    "shop_api.order_items",
    "shop_api.orders",
    "shop_api.products",
    "tracking.web_events",
]


@pytest.fixture(name="demo")
def fixture_demo(tmp_path, monkeypatch):
    """The demo code location loaded as `make demo` loads it, under a fresh DAGSTER_HOME."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    for name in ("LINEAGE_DATABASE_URL", "LINEAGE_DEMO_DIR", "LINEAGE_CONNECTIONS"):
        monkeypatch.delenv(name, raising=False)
    shutil.copy(Path(__file__).parents[2] / "dagster.yaml", tmp_path / "dagster.yaml")
    sys.modules.pop(DEMO, None)
    try:
        with dg.DagsterInstance.get() as instance:
            yield importlib.import_module(DEMO).defs, instance
    finally:
        sys.modules.pop(DEMO, None)


def test_the_hourly_profiling_run_of_the_demo_is_green(demo, tmp_path):
    """The demo's jobs, the capture sensor, then the profiling run its schedule requests: the
    source systems' tables have no connection and are skipped, the run stays green."""
    defs, instance = demo
    for job in DEMO_JOBS:
        assert defs.resolve_job_def(job).execute_in_process(instance=instance).success, job
    sensor, cursor = defs.resolve_sensor_def("lineage_capture_sensor"), None
    for _ in range(10):  # until a tick finds nothing new
        context = dg.build_sensor_context(
            instance=instance, definitions=defs, resources=defs.resources, cursor=cursor
        )
        sensor(context)
        if context.cursor == cursor:
            break
        cursor = context.cursor
    with open_store(f"sqlite:///{tmp_path / 'lineage.db'}", create=False) as store:
        known = {asset.qualified_name for asset in store.assets(limit=1000)}
    assert set(SOURCE_SYSTEM_TABLES) <= known and len(known) == 25

    schedule = defs.resolve_schedule_def("lineage_profile_tables_schedule")
    [request] = schedule.evaluate_tick(dg.build_schedule_context(instance=instance)).run_requests
    result = defs.resolve_job_def("lineage_profile_tables").execute_in_process(
        instance=instance, run_config=request.run_config, raise_on_error=False
    )
    assert result.success
    summary = _summary(result)
    assert (summary["tables_profiled"].value, summary["tables_failed"].value) == (19, 0)
    assert summary["skipped"].value.split(", ") == SOURCE_SYSTEM_TABLES
