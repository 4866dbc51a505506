"""Capture that stays right on real pipelines: re-execution, failed steps, op-job
materializations and bad runs, against a real Dagster instance and both backends."""

import os
import sqlite3

import dagster as dg
import psycopg
import pytest

from lineage_core import open_store
from lineage_dagster import (
    CaptureCursor,
    LineageResource,
    build_lineage_capture_sensor,
    record_lineage,
)

FAIL_LOAD = "LINEAGE_TEST_FAIL_LOAD"

# -- an op ETL: two extracts that read, a join, a load that writes ----------------------------


@dg.op
def extract_orders(context: dg.OpExecutionContext):
    record_lineage(context, reads=["shop.raw.orders"])
    return [1]


@dg.op
def extract_customers(context: dg.OpExecutionContext):
    record_lineage(context, reads=["shop.raw.customers"])
    return [2]


@dg.op
def join(orders, customers):
    return orders + customers


@dg.op
def load(context: dg.OpExecutionContext, rows):
    if os.environ.get(FAIL_LOAD):
        raise RuntimeError("the warehouse refused the load")
    record_lineage(context, writes=["shop.mart.facts"])
    return len(rows)


@dg.job(executor_def=dg.in_process_executor)
def etl():
    load(join(extract_orders(), extract_customers()))


EXPECTED = {
    ("shop.raw.orders", "shop.mart.facts", "load"),
    ("shop.raw.customers", "shop.mart.facts", "load"),
}

# -- op jobs logging materializations (Dagster's documented pattern) --------------------------


@dg.op
def stage(context: dg.OpExecutionContext):
    record_lineage(context, reads=["shop.raw.events"])
    context.log_event(dg.AssetMaterialization(asset_key=["shop", "stg", "events"]))
    return 1


@dg.op
def publish(context: dg.OpExecutionContext, staged):
    yield dg.AssetMaterialization(asset_key=["shop", "mart", "daily_events"])
    yield dg.Output(staged)


@dg.op(out={"report": dg.Out(is_required=False), "rest": dg.Out(is_required=False)})
def half_done(context: dg.OpExecutionContext, staged):
    yield dg.Output(1, "report", metadata={"lineage/writes": ["shop.mart.never_written"]})
    yield dg.AssetMaterialization(asset_key=["shop", "mart", "written"])
    raise RuntimeError("failed after writing one table")


@dg.job(executor_def=dg.in_process_executor)
def materializing_ops():
    publish(stage())


@dg.job(executor_def=dg.in_process_executor)
def failing_after_materializing():
    half_done(stage())


# -- bad input: NUL bytes, over-long names -----------------------------------------------------


@dg.op
def nul_sql(context: dg.OpExecutionContext):
    context.add_output_metadata({"lineage/sql": "INSERT INTO shop.x SELECT * FROM shop.y\x00"})


@dg.op
def nul_column(context: dg.OpExecutionContext):
    context.add_output_metadata(
        {
            "lineage/reads": ["shop.raw.a"],
            "lineage/writes": ["shop.mart.a"],
            "lineage/columns": [{"target": "shop.mart.a.c\x00", "sources": ["shop.raw.a.c"]}],
        }
    )


@dg.op
def nul_name(context: dg.OpExecutionContext):
    context.add_output_metadata({"lineage/writes": ['shop."bad\x00name"', "shop.mart.good"]})


LONG_OP = "o" * 3000


@dg.op(name=LONG_OP)
def long_named(context: dg.OpExecutionContext):
    record_lineage(context, reads=["shop.raw.long"], writes=["shop.mart.long"])


@dg.op
def fine(context: dg.OpExecutionContext):
    record_lineage(context, reads=["shop.raw.fine"], writes=["shop.mart.fine"])


@dg.job(executor_def=dg.in_process_executor)
def bad_input():
    nul_sql()
    nul_column()
    nul_name()
    long_named()
    fine()


@dg.job(executor_def=dg.in_process_executor)
def good_job():
    fine()


def _definitions(store_url: str, **sensor_args) -> dg.Definitions:
    return dg.Definitions(
        jobs=[etl, materializing_ops, failing_after_materializing, bad_input, good_job],
        sensors=[build_lineage_capture_sensor(**sensor_args)],
        resources={"lineage": LineageResource(database_url=store_url)},
    )


def _tick(instance, defs: dg.Definitions, cursor: str | None = None):
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=defs, resources=defs.resources
    )
    return defs.resolve_sensor_def("lineage_capture_sensor")(context)


def _active(store_url):
    with open_store(store_url) as store:
        return {(e.source, e.target, e.op) for e in store.edges()}


def _execution(store_url, run_id):
    with open_store(store_url) as store:
        return next(e for e in store.executions(limit=1000) if e["run_id"] == run_id)


@pytest.fixture(name="instance")
def fixture_instance():
    with dg.instance_for_test() as instance:
        yield instance


def _run(instance, monkeypatch, fail: bool, options: dg.ReexecutionOptions | None = None):
    if fail:
        monkeypatch.setenv(FAIL_LOAD, "1")
    else:
        monkeypatch.delenv(FAIL_LOAD, raising=False)
    result = dg.execute_job(dg.reconstructable(etl), instance=instance, reexecution_options=options)
    assert result.success is not fail
    return result.run_id


def test_reexecution_from_failure_keeps_and_counts_the_lineage(instance, store_url, monkeypatch):
    defs = _definitions(store_url)
    first = _run(instance, monkeypatch, fail=False)
    failed = _run(instance, monkeypatch, fail=True)
    cursor = _tick(instance, defs).cursor
    assert {(s, t, op) for s, t, op in _active(store_url)} == EXPECTED

    options = dg.ReexecutionOptions.from_failure(failed, instance)
    retried = _run(instance, monkeypatch, fail=False, options=options)
    assert instance.get_run_by_id(retried).step_keys_to_execute == ["load"]
    result = _tick(instance, defs, cursor)
    assert "Captured lineage of 1 run(s): 2 edge(s), 0 new, 0 retired" in (
        result.skip_reason.skip_message
    )
    assert _active(store_url) == EXPECTED
    with open_store(store_url) as store:
        assert {n.qualified_name for n in store.downstream("shop.raw.orders").nodes} == {
            "shop.mart.facts"
        }
        assert {e.execution_count for e in store.edges()} == {2}  # the first run, the retry
        assert {e.last_run_id for e in store.edges()} == {retried}
    notes = _execution(store_url, retried)["notes"]
    assert any("did not run in this run" in note and "extract_orders" in note for note in notes)
    assert _execution(store_url, first)["notes"] == []


def test_reexecuting_all_steps_counts_as_a_fresh_run(instance, store_url, monkeypatch):
    defs = _definitions(store_url)
    first = _run(instance, monkeypatch, fail=False)
    again = _run(instance, monkeypatch, fail=False, options=dg.ReexecutionOptions(first))
    fresh = _run(instance, monkeypatch, fail=False)
    _tick(instance, defs)
    with open_store(store_url) as store:
        edges = store.edges()
    assert {(e.source, e.target, e.op) for e in edges} == EXPECTED
    assert {e.execution_count for e in edges} == {3}
    assert _execution(store_url, again)["notes"] == []
    assert {again, fresh}


def test_a_reexecution_of_a_reexecution_finds_the_steps_further_up(
    instance, store_url, monkeypatch
):
    defs = _definitions(store_url)
    failed = _run(instance, monkeypatch, fail=True)
    failed_again = _run(
        instance,
        monkeypatch,
        fail=True,
        options=dg.ReexecutionOptions.from_failure(failed, instance),
    )
    options = dg.ReexecutionOptions.from_failure(failed_again, instance)
    last = _run(instance, monkeypatch, fail=False, options=options)
    _tick(instance, defs)
    assert _active(store_url) == EXPECTED
    with open_store(store_url) as store:
        assert {e.last_run_id for e in store.edges()} == {last}


def test_chained_ops_that_log_materializations_give_their_edges(instance, store_url):
    defs = _definitions(store_url)
    assert materializing_ops.execute_in_process(instance=instance).success
    _tick(instance, defs)
    assert _active(store_url) == {
        ("shop.raw.events", "shop.stg.events", "stage"),
        ("shop.stg.events", "shop.mart.daily_events", "publish"),
    }


def test_a_failed_step_keeps_the_tables_it_materialized(instance, store_url):
    defs = _definitions(store_url)
    run = failing_after_materializing.execute_in_process(instance=instance, raise_on_error=False)
    assert not run.success
    _tick(instance, defs)
    assert _active(store_url) == {
        ("shop.raw.events", "shop.stg.events", "stage"),
        ("shop.stg.events", "shop.mart.written", "half_done"),
    }
    execution = _execution(store_url, run.run_id)
    assert execution["status"] == "FAILURE" and execution["edges_created"] == 2
    assert any("failed after materializing shop.mart.written" in n for n in execution["notes"])
    assert any("shop.mart.never_written were not recorded" in n for n in execution["notes"])


def test_bad_input_is_that_runs_error_and_capture_carries_on(instance, store_url):
    defs = _definitions(store_url)
    bad = bad_input.execute_in_process(instance=instance)
    later = good_job.execute_in_process(instance=instance)
    result = _tick(instance, defs)
    message = result.skip_reason.skip_message
    assert "Captured lineage of 2 run(s)" in message
    assert "1 run(s) had metadata problems" in message
    assert CaptureCursor.parse(result.cursor).attempts == {}
    assert _active(store_url) == {
        ("shop.raw.fine", "shop.mart.fine", "fine"),  # both runs, counted once each
        ("shop.raw.a", "shop.mart.a", "nul_column"),  # the bad mapping alone is dropped
    }
    errors = _execution(store_url, bad.run_id)["errors"]
    assert any("lineage/sql" in e and "NUL byte" in e for e in errors)
    assert any("lineage/columns" in e and "NUL byte" in e for e in errors)
    assert any("lineage/writes" in e and "NUL byte" in e for e in errors)
    assert any(e.startswith("step ooooo") and "longer than 500 characters" in e for e in errors)
    assert _execution(store_url, later.run_id)["errors"] == []


def _refuse_edges_into(store_url: str, table: str) -> None:
    """A real database refusing one run's write, not an outage: a trigger on the edges."""
    if store_url.startswith("sqlite"):
        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as conn:
            conn.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON lineage_edges WHEN NEW.target_id = "
                f"(SELECT id FROM lineage_assets WHERE qualified_name = '{table}') "
                "BEGIN SELECT RAISE(ABORT, 'this edge is refused'); END"
            )
        return
    with psycopg.connect(store_url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN IF NEW.target_id = "
            f"(SELECT id FROM lineage_assets WHERE qualified_name = '{table}') THEN "
            "RAISE EXCEPTION 'this edge is refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON lineage_edges "
            "FOR EACH ROW EXECUTE FUNCTION refuse()"
        )


def test_a_run_the_store_keeps_refusing_is_skipped_after_bounded_ticks(instance, store_url):
    defs = _definitions(store_url, max_attempts_per_run=3)
    with open_store(store_url) as store:
        store.upsert_asset("shop.mart.daily_events")
    _refuse_edges_into(store_url, "shop.mart.daily_events")
    refused = materializing_ops.execute_in_process(instance=instance)
    later = good_job.execute_in_process(instance=instance)

    cursor = None
    for attempt in (1, 2):
        result = _tick(instance, defs, cursor)
        assert f"attempt {attempt} of 3" in result.skip_reason.skip_message
        cursor = result.cursor
        assert CaptureCursor.parse(cursor).attempts == {refused.run_id: attempt}
        assert _active(store_url) == set()

    result = _tick(instance, defs, cursor)
    message = result.skip_reason.skip_message
    assert "Captured lineage of 1 run(s)" in message and "1 run(s) could not be written" in message
    assert CaptureCursor.parse(result.cursor).attempts == {}
    assert _active(store_url) == {
        ("shop.raw.events", "shop.stg.events", "stage"),  # kept: only one edge was refused
        ("shop.raw.fine", "shop.mart.fine", "fine"),  # the run after it is captured
    }
    errors = _execution(store_url, refused.run_id)["errors"]
    assert errors[0].startswith("the run could not be written in 3 attempts")
    assert any("shop.stg.events -> shop.mart.daily_events" in e for e in errors)
    assert _execution(store_url, later.run_id)["errors"] == []


# -- DuckDB: file reads as file assets, names through the step's connection -------------------


@dg.op
def load_trips(context: dg.OpExecutionContext):
    context.add_output_metadata(
        {
            "lineage/connection": "taxi",
            "lineage/sql": "CREATE TABLE trips AS SELECT * FROM "
            "read_parquet('./data/raw/trips.parquet'); "
            "COPY (SELECT * FROM trips) TO 'exports/trips.csv'; "
            "INSERT INTO zones SELECT * FROM read_csv('data/raw/zones.csv')",
        }
    )


@dg.job(executor_def=dg.in_process_executor)
def duckdb_files():
    load_trips()


@pytest.mark.parametrize("file_lineage", [True, False])
def test_file_reads_become_file_assets_when_asked(instance, store_url, file_lineage):
    defs = dg.Definitions(
        jobs=[duckdb_files],
        sensors=[build_lineage_capture_sensor()],
        resources={
            "lineage": LineageResource(
                database_url=store_url,
                file_lineage=file_lineage,
                connections={"taxi": "duckdb:///warehouse/taxi.duckdb"},
            )
        },
    )
    duckdb_files.execute_in_process(instance=instance)
    _tick(instance, defs)
    with open_store(store_url) as store:
        assets = {a.qualified_name: a.type for a in store.assets()}
    if not file_lineage:  # a path is no table
        assert _active(store_url) == set()
        return
    # The step names the connection `taxi`: a DuckDB file, so unqualified names are
    # taxi.main.<name>, and its SQL is read as DuckDB's.
    # One edge per statement's flow: not every file read crossed with every write.
    assert _active(store_url) == {
        ('file."data/raw/trips.parquet"', "taxi.main.trips", "load_trips"),
        ("taxi.main.trips", 'file."exports/trips.csv"', "load_trips"),
        ('file."data/raw/zones.csv"', "taxi.main.zones", "load_trips"),
    }
    assert assets == {
        'file."data/raw/trips.parquet"': "file",
        'file."data/raw/zones.csv"': "file",
        'file."exports/trips.csv"': "file",
        "taxi.main.trips": "table",
        "taxi.main.zones": "table",
    }


# -- findings from real projects: several locations in process, tables from nothing ----------


@dg.asset(metadata={"dagster/table_name": "wh.s.first"})
def first_asset() -> None: ...


@dg.asset(deps=[first_asset], metadata={"dagster/table_name": "wh.s.second"})
def second_asset() -> None: ...


@dg.asset(metadata={"dagster/table_name": "wh.s.elsewhere"})
def elsewhere_asset() -> None: ...


def _location(name: str, store_url: str, assets) -> dg.Definitions:
    return dg.Definitions(
        assets=assets,
        sensors=[build_lineage_capture_sensor(code_location=name)],
        resources={"lineage": LineageResource(database_url=store_url)},
    )


def test_an_in_process_asset_run_is_captured_by_the_location_of_its_assets(instance, store_url):
    """Runs without a remote origin (materialize, execute_in_process) used to be claimed by
    every location with an implicit asset job: the last one overwrote the execution row."""
    one = _location("one", store_url, [first_asset, second_asset])
    two = _location("two", store_url, [elsewhere_asset])
    run = dg.materialize([first_asset, second_asset], instance=instance)
    for defs in (one, two):
        _tick(instance, defs)
    with open_store(store_url) as store:
        assert {(e.source, e.target, e.code_location) for e in store.edges()} == {
            ("wh.s.first", "wh.s.second", "one")
        }
        [execution] = store.executions()
    assert (execution["run_id"], execution["code_location"], execution["edges_created"]) == (
        run.run_id,
        "one",
        1,
    )


@dg.op
def report_table(context: dg.OpExecutionContext) -> None:
    context.log_event(dg.AssetMaterialization(asset_key=["wh", "s", "from_nothing"]))
    record_lineage(context, reads=["wh.s.only_read"])


@dg.job(executor_def=dg.in_process_executor)
def unsourced():
    report_table()


def test_a_table_written_from_no_source_is_a_known_asset(instance, store_url):
    defs = dg.Definitions(
        jobs=[unsourced],
        sensors=[build_lineage_capture_sensor()],
        resources={"lineage": LineageResource(database_url=store_url)},
    )
    unsourced.execute_in_process(instance=instance)
    _tick(instance, defs)
    with open_store(store_url) as store:
        assets = {a.qualified_name: (a.is_source, a.is_target) for a in store.assets()}
        assert store.downstream("wh.s.from_nothing").total_nodes == 0  # known, not an error
    # The read table is read by the step that wrote the other: that is an edge.
    assert _active(store_url) == {("wh.s.only_read", "wh.s.from_nothing", "report_table")}
    assert assets == {"wh.s.from_nothing": (False, True), "wh.s.only_read": (True, False)}


@dg.op
def audit_log(context: dg.OpExecutionContext) -> None:
    record_lineage(context, reads=["shop.raw.audit"], writes=["shop.mart.audit"])


@dg.job(executor_def=dg.in_process_executor)
def etl_and_audit():
    load(join(extract_orders(), extract_customers()))
    audit_log()


def test_a_reexecution_notes_only_the_steps_that_fed_what_it_ran(instance, store_url, monkeypatch):
    defs = dg.Definitions(
        jobs=[etl_and_audit],
        sensors=[build_lineage_capture_sensor()],
        resources={"lineage": LineageResource(database_url=store_url)},
    )
    monkeypatch.setenv(FAIL_LOAD, "1")
    job = dg.reconstructable(etl_and_audit)
    failed = dg.execute_job(job, instance=instance)
    monkeypatch.delenv(FAIL_LOAD)
    options = dg.ReexecutionOptions.from_failure(failed.run_id, instance)
    retried = dg.execute_job(job, instance=instance, reexecution_options=options)
    assert retried.success
    _tick(instance, defs)
    [note] = _execution(store_url, retried.run_id)["notes"]
    assert "extract_customers, extract_orders, join did not run" in note
    assert "audit_log" not in note
