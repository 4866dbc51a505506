"""The capture sensor against a real Dagster instance, real runs and a real store."""

import dagster as dg
import pytest

from lineage_core import open_store
from lineage_dagster import (
    CaptureCursor,
    LineageResource,
    build_lineage_capture_sensor,
    record_lineage,
)

# -- an op-based ETL job: two extracts, a join, a pass-through transformation, two loads ------


@dg.op
def extract_orders(context: dg.OpExecutionContext):
    record_lineage(context, reads=["shop.raw.orders"])
    return [1, 2]


@dg.op
def extract_customers(context: dg.OpExecutionContext):
    context.add_output_metadata({"lineage/reads": ["shop.raw.customers"]})  # no helper
    return [3]


@dg.op
def join_orders_customers(orders, customers):
    return orders + customers


@dg.op
def clean(rows):
    return [r for r in rows if r]


@dg.op
def load_order_facts(context: dg.OpExecutionContext, rows):
    record_lineage(context, writes=["shop.mart.order_facts"])
    return len(rows)


@dg.op
def load_customer_summary(context: dg.OpExecutionContext, rows):
    context.add_output_metadata({"lineage/writes": ["shop.mart.customer_summary"]})
    return len(rows)


@dg.job
def shop_etl():
    cleaned = clean(join_orders_customers(extract_orders(), extract_customers()))
    load_order_facts(cleaned)
    load_customer_summary(cleaned)


@dg.op(config_schema={"fail": bool})
def publish(context: dg.OpExecutionContext, rows):
    if context.op_config["fail"]:
        raise RuntimeError("publish failed")
    record_lineage(context, writes=["shop.export.feed"])


@dg.job
def etl_then_publish():
    rows = clean(extract_orders())
    load_order_facts(rows)
    publish(rows)


@dg.op
def bad_metadata(context: dg.OpExecutionContext):
    context.add_output_metadata(
        {"lineage/reads": 42, "lineage/writes": ["ok.target", "bad..name"], "lineage/sql": "SELEC"}
    )
    return 1


@dg.op
def good_after_bad(context: dg.OpExecutionContext, _x):
    record_lineage(context, reads=["ok.source"], writes=["ok.other"])


@dg.job
def messy():
    good_after_bad(bad_metadata())


# -- assets with table names, deps and SQL -------------------------------------------------


@dg.asset(metadata={"dagster/table_name": "wh.raw.events"})
def raw_events():
    return 1


@dg.asset(deps=[raw_events], metadata={"dagster/table_name": "wh.stg.events"})
def stg_events():
    return 2


@dg.asset(deps=[stg_events, raw_events], metadata={"dagster/table_name": "wh.mart.daily"})
def daily(context: dg.AssetExecutionContext):
    record_lineage(
        context,
        sql="INSERT INTO wh.mart.daily (day, n) "
        "SELECT CAST(ts AS DATE), COUNT(id) FROM wh.stg.events GROUP BY 1",
    )
    return 3


ALL = [
    shop_etl,
    etl_then_publish,
    messy,
]


def _definitions(store_url: str, **sensor_args) -> dg.Definitions:
    return dg.Definitions(
        jobs=ALL,
        assets=[raw_events, stg_events, daily],
        sensors=[build_lineage_capture_sensor(**sensor_args)],
        resources={"lineage": LineageResource(database_url=store_url)},
    )


def _tick(instance, defs: dg.Definitions, cursor: str | None = None, name="lineage_capture_sensor"):
    sensor = defs.resolve_sensor_def(name)
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=defs, resources=defs.resources
    )
    result = sensor(context)
    return result, context


@pytest.fixture(name="instance")
def fixture_instance():
    with dg.instance_for_test() as instance:
        yield instance


def _edges(store_url):
    with open_store(store_url) as store:
        return {(e.source, e.target, e.job, e.op) for e in store.edges()}


def test_op_job_yields_exactly_the_expected_edges(instance, store_url):
    defs = _definitions(store_url)
    assert shop_etl.execute_in_process(instance=instance).success
    result, _ = _tick(instance, defs)

    sources = ["shop.raw.customers", "shop.raw.orders"]
    targets = {"load_order_facts": "shop.mart.order_facts",
               "load_customer_summary": "shop.mart.customer_summary"}  # fmt: skip
    assert _edges(store_url) == {
        (s, target, "shop_etl", op) for s in sources for op, target in targets.items()
    }
    assert "Captured lineage of 1 run(s): 4 edge(s), 4 new" in result.skip_reason.skip_message
    with open_store(store_url) as store:
        [execution] = store.executions()
        assert execution["edges_created"] == 4 and execution["errors"] == []
        assert execution["assets_discovered"] == 4
        [edge] = [e for e in store.edges("shop.mart.order_facts") if e.source == "shop.raw.orders"]
        assert edge.transformation_type == "transform"
        assert edge.execution_count == 1


def test_replaying_the_same_runs_changes_nothing(instance, store_url):
    defs = _definitions(store_url)
    shop_etl.execute_in_process(instance=instance)
    result, _ = _tick(instance, defs)
    again, _ = _tick(instance, defs, cursor=None)  # as if the cursor had been lost
    assert "4 edge(s), 0 new" in again.skip_reason.skip_message
    with open_store(store_url) as store:
        assert {e.execution_count for e in store.edges()} == {1}
    nothing, _ = _tick(instance, defs, cursor=result.cursor)
    assert "Captured lineage of 0 run(s)" in nothing.skip_reason.skip_message


def test_failed_run_keeps_the_edges_of_steps_that_succeeded(instance, store_url):
    defs = _definitions(store_url)
    run = etl_then_publish.execute_in_process(
        instance=instance,
        run_config={"ops": {"publish": {"config": {"fail": True}}}},
        raise_on_error=False,
    )
    assert not run.success
    _tick(instance, defs)
    assert _edges(store_url) == {
        ("shop.raw.orders", "shop.mart.order_facts", "etl_then_publish", "load_order_facts")
    }
    with open_store(store_url) as store:
        assert store.executions()[0]["status"] == "FAILURE"


def test_bad_metadata_is_recorded_and_the_rest_is_captured(instance, store_url):
    defs = _definitions(store_url)
    messy.execute_in_process(instance=instance)
    shop_etl.execute_in_process(instance=instance)
    result, _ = _tick(instance, defs)
    edges = _edges(store_url)
    assert ("ok.source", "ok.other", "messy", "good_after_bad") in edges
    assert len([e for e in edges if e[2] == "shop_etl"]) == 4
    assert "1 run(s) had metadata problems" in result.skip_reason.skip_message
    with open_store(store_url) as store:
        errors = {x["job"]: x["errors"] for x in store.executions()}
    assert any("lineage/reads must be a list" in e for e in errors["messy"])
    assert any("bad..name" in e for e in errors["messy"])
    assert errors["shop_etl"] == []


def test_assets_yield_table_edges_even_when_materialized_alone(instance, store_url):
    defs = _definitions(store_url)
    assets = [raw_events, stg_events, daily]
    dg.materialize(assets, instance=instance)
    _tick(instance, defs)
    expected = {
        ("wh.raw.events", "wh.stg.events"),
        ("wh.stg.events", "wh.mart.daily"),
        ("wh.raw.events", "wh.mart.daily"),
    }
    assert {(s, t) for s, t, _, _ in _edges(store_url)} == expected

    cursor = None
    for _ in range(2):  # materialize one asset alone, twice: nothing lost, nothing retired
        dg.materialize(assets, instance=instance, selection="stg_events")
        result, _ = _tick(instance, defs, cursor=cursor)
        cursor = result.cursor
    with open_store(store_url) as store:
        assert {(e.source, e.target) for e in store.edges()} == expected
        assert store.downstream("wh.raw.events").total_nodes == 2


def test_sql_in_asset_metadata_yields_column_mappings(instance, store_url):
    defs = _definitions(store_url)
    dg.materialize([raw_events, stg_events, daily], instance=instance)
    _tick(instance, defs)
    with open_store(store_url) as store:
        [edge] = [e for e in store.edges("wh.mart.daily") if e.source == "wh.stg.events"]
    assert edge.transformation_type == "sql"
    assert "GROUP BY" in edge.transformation_logic
    assert {(c.source, c.target) for c in edge.columns} == {("ts", "day"), ("id", "n")}


def test_asset_emits_dagster_column_lineage_for_the_ui(instance, store_url):
    dg.materialize([raw_events, stg_events, daily], instance=instance)
    event = instance.get_latest_materialization_event(daily.key)
    lineage = event.asset_materialization.metadata["dagster/column_lineage"].value
    assert {c: [d.column_name for d in deps] for c, deps in lineage.deps_by_column.items()} == {
        "day": ["ts"],
        "n": ["id"],
    }
    assert lineage.deps_by_column["day"][0].asset_key == stg_events.key


@dg.op(config_schema={"reads": list})
def configurable_load(context: dg.OpExecutionContext):
    record_lineage(context, reads=context.op_config["reads"], writes=["x.target"])


@dg.job
def reconfigured():
    configurable_load()


def test_stale_edges_are_retired_only_on_evidence(instance, store_url):
    defs = dg.Definitions(
        jobs=[reconfigured],
        sensors=[build_lineage_capture_sensor()],
        resources={"lineage": LineageResource(database_url=store_url)},
    )
    cursor = None
    for reads in (["x.a", "x.b"], ["x.a"]):
        reconfigured.execute_in_process(
            instance=instance,
            run_config={"ops": {"configurable_load": {"config": {"reads": reads}}}},
        )
        result, _ = _tick(instance, defs, cursor=cursor)
        cursor = result.cursor
    with open_store(store_url) as store:
        active = {(e.source, e.target) for e in store.edges()}
        history = {(e.source, e.active) for e in store.edges(include_retired=True)}
    assert active == {("x.a", "x.target")}
    assert history == {("x.a", True), ("x.b", False)}


def _fail_after_first_execution(store_url: str, enable: bool) -> None:
    """A real database failure mid-tick: a trigger refuses the second execution row."""
    if store_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as conn:
            conn.execute("DROP TRIGGER IF EXISTS lineage_test_outage")
            if enable:
                conn.execute(
                    "CREATE TRIGGER lineage_test_outage BEFORE INSERT ON lineage_executions "
                    "WHEN (SELECT count(*) FROM lineage_executions) >= 1 "
                    "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
                )
        return
    import psycopg

    with psycopg.connect(store_url, autocommit=True) as conn:
        conn.execute("DROP TRIGGER IF EXISTS lineage_test_outage ON lineage_executions")
        if enable:
            conn.execute(
                "CREATE OR REPLACE FUNCTION lineage_test_outage() RETURNS trigger AS $$ BEGIN "
                "IF (SELECT count(*) FROM lineage_executions) >= 1 THEN "
                "RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            conn.execute(
                "CREATE TRIGGER lineage_test_outage BEFORE INSERT ON lineage_executions "
                "FOR EACH ROW EXECUTE FUNCTION lineage_test_outage()"
            )


def test_store_failure_mid_tick_keeps_the_cursor_and_loses_nothing(instance, store_url):
    defs = _definitions(store_url)
    for _ in range(3):
        shop_etl.execute_in_process(instance=instance)
    open_store(store_url).close()
    _fail_after_first_execution(store_url, enable=True)
    failed, _ = _tick(instance, defs)
    assert "Lineage store unavailable" in failed.skip_reason.skip_message
    assert "1 run(s) captured before it failed" in failed.skip_reason.skip_message
    assert len(CaptureCursor.parse(failed.cursor).after) == 1  # moved past the first run only

    _fail_after_first_execution(store_url, enable=False)
    result, _ = _tick(instance, defs, cursor=failed.cursor)
    assert "Captured lineage of 2 run(s)" in result.skip_reason.skip_message
    with open_store(store_url) as store:
        assert {e.execution_count for e in store.edges()} == {3}  # each run counted once
        assert len(store.executions()) == 3


def test_unreachable_store_skips_the_tick_and_keeps_the_cursor(instance):
    defs = _definitions("postgresql://postgres@127.0.0.1:1/nothing")
    shop_etl.execute_in_process(instance=instance)
    result, _ = _tick(instance, defs, cursor='{"after": {"success": 1}}')
    assert "Cannot reach PostgreSQL" in result.skip_reason.skip_message
    assert CaptureCursor.parse(result.cursor).after == {"success": 1}


def test_backlog_drains_across_ticks_with_nothing_lost_or_doubled(instance, store_url):
    defs = dg.Definitions(
        jobs=[reconfigured],
        sensors=[build_lineage_capture_sensor(max_runs_per_tick=7)],
        resources={"lineage": LineageResource(database_url=store_url)},
    )
    runs = 20
    for i in range(runs):
        reconfigured.execute_in_process(
            instance=instance,
            run_config={"ops": {"configurable_load": {"config": {"reads": [f"b.s{i}"]}}}},
        )
    cursor, ticks = None, 0
    while True:
        result, _ = _tick(instance, defs, cursor=cursor)
        ticks += 1
        cursor = result.cursor
        if "more runs pending" not in result.skip_reason.skip_message:
            break
    assert ticks == 3
    with open_store(store_url) as store:
        assert len(store.executions(limit=1000)) == runs
        # each run retired the previous run's edge: one active, every one in history once
        assert len(store.edges(include_retired=True)) == runs
        assert len(store.edges()) == 1


def test_standard_tenant_skips_with_a_reason(instance, store_url):
    with open_store(store_url) as store:
        store.create_tenant("basic", edition="standard")
    defs = dg.Definitions(
        jobs=[shop_etl],
        sensors=[build_lineage_capture_sensor()],
        resources={"lineage": LineageResource(database_url=store_url, tenant="basic")},
    )
    shop_etl.execute_in_process(instance=instance)
    result, _ = _tick(instance, defs)
    assert "not enabled" in result.skip_message


def test_each_code_location_captures_only_its_own_runs(instance, store_url):
    @dg.job(name="other_location_job")
    def other_job():
        extract_orders()

    first = _definitions(store_url)
    second = dg.Definitions(
        jobs=[other_job],
        sensors=[build_lineage_capture_sensor(name="second_capture")],
        resources={"lineage": LineageResource(database_url=store_url)},
    )
    shop_etl.execute_in_process(instance=instance)
    other_job.execute_in_process(instance=instance)
    _tick(instance, first)
    _tick(instance, second, name="second_capture")
    with open_store(store_url) as store:
        executions = sorted(x["job"] for x in store.executions())
    assert executions == ["other_location_job", "shop_etl"]


@pytest.mark.parametrize("bad", ["not json", '{"after": {"success": "x"}}', "[1, 2]"])
def test_a_malformed_cursor_starts_over_and_says_so(instance, store_url, bad):
    defs = _definitions(store_url)
    assert shop_etl.execute_in_process(instance=instance).success
    result, _ = _tick(instance, defs, cursor=bad)
    message = result.skip_reason.skip_message
    assert "Captured lineage of 1 run(s): 4 edge(s), 4 new" in message
    assert "started over: the stored cursor" in message and "unreadable" in message
    assert CaptureCursor.parse(result.cursor).after  # a good cursor again, past the run
    assert len(_edges(store_url)) == 4
