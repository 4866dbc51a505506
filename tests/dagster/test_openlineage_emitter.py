"""The OpenLineage emitter sensor: real Dagster runs captured into a real store, sent to real
HTTP servers on 127.0.0.1 (a recording one, one that is down, one that hangs, and our own
``lineage serve``), every event checked against the vendored OpenLineage specification."""

import logging.handlers
import socket
import time
from collections import Counter

import dagster as dg
import pytest
from webhook_servers import BadServer, Webhook

from lineage_core import open_store
from lineage_core.openlineage import validate_event
from lineage_core.server import open_server_store, start
from lineage_dagster import (
    EmitterCursor,
    LineageResource,
    build_lineage_capture_sensor,
    build_openlineage_emitter_sensor,
    record_lineage,
)

SQL = "INSERT INTO shop.stg.orders SELECT id, amount * 100 AS cents FROM shop.raw.orders"


@dg.op
def load_orders(context: dg.OpExecutionContext):
    record_lineage(context, sql=SQL)
    return 1


@dg.op
def build_report(context: dg.OpExecutionContext, _rows):
    record_lineage(
        context,
        reads=["shop.stg.orders", 'file."s3://shop-lake/customers.parquet"'],
        writes=["shop.mart.report"],
        columns=[{"target": "shop.mart.report.total", "sources": ["shop.stg.orders.cents"],
                  "transformation": "sum"}],
    )  # fmt: skip


@dg.job
def shop_orders():
    build_report(load_orders())


@dg.op
def failing(context: dg.OpExecutionContext):
    raise RuntimeError("boom")


@dg.job
def broken():
    failing()


@pytest.fixture(name="instance")
def fixture_instance():
    with dg.instance_for_test() as instance:
        yield instance


def _definitions(
    store_url: str, *sensors: dg.SensorDefinition, location: str | None = None
) -> dg.Definitions:
    return dg.Definitions(
        jobs=[shop_orders, broken],
        sensors=[build_lineage_capture_sensor(code_location=location), *sensors],
        resources={"lineage": LineageResource(database_url=store_url)},
    )


def _tick(instance, defs: dg.Definitions, name: str, cursor: str | None = None):
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=defs, resources=defs.resources
    )
    return defs.resolve_sensor_def(name)(context)


def _tick_logged(instance, defs: dg.Definitions, name: str, cursor: str | None = None):
    """``_tick``, with the messages the sensor logged on its context's log."""
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=defs, resources=defs.resources
    )
    logged = logging.handlers.BufferingHandler(capacity=10_000)
    context.log.addHandler(logged)
    return defs.resolve_sensor_def(name)(context), [r.getMessage() for r in logged.buffer]


def _emitter(url: str, **options) -> dg.SensorDefinition:
    options = {"backoff_seconds": 0.05, "request_timeout_seconds": 5.0, **options}
    return build_openlineage_emitter_sensor(url=url, **options)


def _captured(instance, store_url: str, runs: int = 1, location: str | None = None) -> list[str]:
    """Run the job ``runs`` times and let the capture sensor of ``location`` record them;
    their run ids."""
    ids = [shop_orders.execute_in_process(instance=instance).run_id for _ in range(runs)]
    _tick(instance, _definitions(store_url, location=location), "lineage_capture_sensor")
    return ids


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accepted(hook: Webhook) -> list[dict]:
    return [body for body, status in zip(hook.requests, hook.statuses, strict=True) if status < 300]


def _identity(event: dict) -> tuple[str, str, str]:
    return (event["run"]["runId"], event["job"]["name"], event["eventType"])


def test_a_captured_run_is_sent_as_valid_openlineage_events(instance, store_url):
    [run_id] = _captured(instance, store_url)
    hook = Webhook()
    try:
        defs = _definitions(store_url, _emitter(hook.url, api_key="secret-key"))
        result = _tick(instance, defs, "lineage_openlineage_emitter")
    finally:
        hook.close()
    assert "Sent 1 run(s) as 6 OpenLineage event(s)" in result.skip_reason.skip_message
    events = hook.requests
    for event in events:
        assert validate_event(event) == "run"
    assert [(e["job"]["name"], e["eventType"]) for e in events] == [
        ("shop_orders", "START"),
        ("shop_orders.build_report", "START"),
        ("shop_orders.build_report", "COMPLETE"),
        ("shop_orders.load_orders", "START"),
        ("shop_orders.load_orders", "COMPLETE"),
        ("shop_orders", "COMPLETE"),
    ]
    assert {e["job"]["namespace"] for e in events} == {"dagster"}
    assert events[0]["run"]["runId"] == run_id
    assert set(hook.paths) == {"/hook/api/v1/lineage"}
    assert {h["Authorization"] for h in hook.headers} == {"Bearer secret-key"}

    report = events[2]
    assert report["run"]["facets"]["parent"]["run"]["runId"] == run_id
    assert sorted((d["namespace"], d["name"]) for d in report["inputs"]) == [
        ("dagster", "shop.stg.orders"), ("s3://shop-lake", "customers.parquet"),
    ]  # fmt: skip
    [output] = report["outputs"]
    assert output["name"] == "shop.mart.report"
    assert output["facets"]["columnLineage"]["fields"] == {
        "total": {"inputFields": [{
            "namespace": "dagster", "name": "shop.stg.orders", "field": "cents",
            "transformations": [{"type": "DIRECT", "subtype": "TRANSFORMATION",
                                 "description": "sum"}],
        }]}
    }  # fmt: skip
    load = events[4]
    assert load["job"]["facets"]["sql"]["query"] == SQL
    assert (
        load["outputs"][0]["facets"]["columnLineage"]["fields"]["cents"]["inputFields"][0]["field"]
        == "amount"
    )
    assert events[3]["outputs"] == [] and events[3]["inputs"]  # START: inputs only


def test_the_cursor_moves_past_sent_runs_only_and_sends_nothing_twice(instance, store_url):
    _captured(instance, store_url, runs=2)
    hook = Webhook()
    try:
        defs = _definitions(store_url, _emitter(hook.url))
        first = _tick(instance, defs, "lineage_openlineage_emitter")
        again = _tick(instance, defs, "lineage_openlineage_emitter", cursor=first.cursor)
        assert "Sent 0 run(s)" in again.skip_reason.skip_message
        _captured(instance, store_url)  # a third run, captured later
        third = _tick(instance, defs, "lineage_openlineage_emitter", cursor=again.cursor)
        assert "Sent 1 run(s)" in third.skip_reason.skip_message
    finally:
        hook.close()
    assert Counter(map(_identity, hook.requests)).most_common(1)[0][1] == 1
    assert len({e["run"]["runId"] for e in hook.requests if e["job"]["name"] == "shop_orders"}) == 3


def test_an_endpoint_that_is_down_loses_nothing(instance, store_url):
    _captured(instance, store_url, runs=2)
    down = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    defs = _definitions(store_url, _emitter(down, attempts_per_event=2))
    refused = _tick(instance, defs, "lineage_openlineage_emitter")
    message = refused.skip_reason.skip_message
    assert "Sent 0 run(s)" in message and "endpoint unreachable" in message
    assert EmitterCursor.parse(refused.cursor).sent == []

    hook = Webhook(failures=3)  # up again, answering 500 three times first
    try:
        defs = _definitions(store_url, _emitter(hook.url, attempts_per_event=2))
        flaky = _tick(instance, defs, "lineage_openlineage_emitter", cursor=refused.cursor)
        assert "Sent 0 run(s)" in flaky.skip_reason.skip_message  # two tries, both 500
        done = _tick(instance, defs, "lineage_openlineage_emitter", cursor=flaky.cursor)
        assert "Sent 2 run(s) as 12 OpenLineage event(s)" in done.skip_reason.skip_message
        idle = _tick(instance, defs, "lineage_openlineage_emitter", cursor=done.cursor)
        assert "Sent 0 run(s)" in idle.skip_reason.skip_message
    finally:
        hook.close()
    accepted = list(map(_identity, _accepted(hook)))
    assert len(accepted) == 12 and len(set(accepted)) == 12  # everything, nothing twice


def test_an_outage_in_the_middle_of_a_run_resumes_at_the_next_event(instance, store_url):
    _captured(instance, store_url)
    hook = Webhook(answers=(200, 200, 503, 503))  # takes two events, then fails twice
    try:
        defs = _definitions(store_url, _emitter(hook.url, attempts_per_event=2))
        stopped = _tick(instance, defs, "lineage_openlineage_emitter")
        assert list(EmitterCursor.parse(stopped.cursor).partial.values()) == [2]
        resumed = _tick(instance, defs, "lineage_openlineage_emitter", cursor=stopped.cursor)
        assert "Sent 1 run(s) as 4 OpenLineage event(s)" in resumed.skip_reason.skip_message
    finally:
        hook.close()
    accepted = list(map(_identity, _accepted(hook)))
    assert len(accepted) == 6 and len(set(accepted)) == 6


def test_a_run_the_endpoint_keeps_refusing_is_given_up_and_the_next_sent(instance, store_url):
    first, second = _captured(instance, store_url, runs=2)
    hook = Webhook(answers=(400, 400))  # the first event of the first run, twice
    try:
        defs = _definitions(store_url, _emitter(hook.url, max_refusals_per_run=2))
        held = _tick(instance, defs, "lineage_openlineage_emitter")
        assert "endpoint refused" in held.skip_reason.skip_message
        assert len(hook.requests) == 1  # a refusal is not retried within the tick
        moved_on = _tick(instance, defs, "lineage_openlineage_emitter", cursor=held.cursor)
    finally:
        hook.close()
    assert "gave up 1 run(s)" in moved_on.skip_reason.skip_message
    assert "Sent 1 run(s) as 6" in moved_on.skip_reason.skip_message
    sent_runs = {e["run"]["runId"] for e in _accepted(hook) if e["job"]["name"] == "shop_orders"}
    assert sent_runs == {second} and first != second


def test_a_tick_ends_within_its_time_budget_against_a_hanging_endpoint(instance, store_url):
    _captured(instance, store_url)
    hanging = BadServer("hang", hold=6.0)
    try:
        defs = _definitions(
            store_url, _emitter(hanging.url, time_budget_seconds=1.5, request_timeout_seconds=5)
        )
        began = time.monotonic()
        result = _tick(instance, defs, "lineage_openlineage_emitter")
        took = time.monotonic() - began
    finally:
        hanging.close()
    assert took < 4.0, took
    assert "Sent 0 run(s)" in result.skip_reason.skip_message
    assert EmitterCursor.parse(result.cursor).sent == []


def test_runs_that_came_in_as_openlineage_are_not_sent_back(instance, store_url):
    with open_store(store_url) as store:
        store.record_execution(run_id="from-airflow", execution_type="openlineage", job="dag",
                               status="SUCCESS")  # fmt: skip
    hook = Webhook()
    try:
        defs = _definitions(store_url, _emitter(hook.url))
        result = _tick(instance, defs, "lineage_openlineage_emitter")
    finally:
        hook.close()
    assert hook.requests == []
    assert EmitterCursor.parse(result.cursor).sent  # settled, not asked again


def test_a_failed_run_is_sent_as_fail(instance, store_url):
    broken.execute_in_process(instance=instance, raise_on_error=False)
    _tick(instance, _definitions(store_url), "lineage_capture_sensor")
    hook = Webhook()
    try:
        _tick(instance, _definitions(store_url, _emitter(hook.url)), "lineage_openlineage_emitter")
    finally:
        hook.close()
    assert [e["eventType"] for e in hook.requests] == ["START", "FAIL"]


@pytest.mark.parametrize("location", [None, "shop"])
def test_a_round_trip_through_our_own_endpoint_gives_back_the_same_edges(
    instance, store_url, location
):
    """Captured from Dagster, sent as OpenLineage, received by ``lineage serve`` for another
    tenant of the store: the same edges, with their job, op, code location, columns and SQL."""
    [run_id] = _captured(instance, store_url, location=location)
    base = open_server_store(store_url)
    try:
        base.create_tenant("received", edition="premium")
        _, token = base.create_token("dagster-emitter", tenant="received")
        with start(store=base, poll_seconds=0.2, heartbeat_seconds=1.0) as server:
            emitter = _emitter(server.url, api_key=token, code_location=location)
            result = _tick(
                instance, _definitions(store_url, emitter), "lineage_openlineage_emitter"
            )
        assert "Sent 1 run(s) as 6" in result.skip_reason.skip_message
        received = base.with_tenant("received")
        assert _edge_shapes(received.edges()) == _edge_shapes(base.edges())
        assert len(received.edges()) == 3
        assert {e.code_location for e in received.edges()} == {location}
        assert {e.last_run_id for e in received.edges()} == {run_id}
        [execution] = received.executions()
        assert (execution["run_id"], execution["execution_type"], execution["status"]) == (
            run_id, "openlineage", "SUCCESS",
        )  # fmt: skip
    finally:
        base.close()


def _edge_shapes(edges) -> set:
    return {
        (e.source, e.target, e.job, e.op, e.code_location, e.transformation_logic,
         tuple(sorted((c.source, c.target, c.transformation) for c in e.columns)))
        for e in edges
    }  # fmt: skip


def test_the_emitter_sends_the_runs_of_its_own_code_location(instance, store_url):
    [mine] = _captured(instance, store_url, location="shop")
    with open_store(store_url) as store:  # a run another location's capture sensor recorded
        store.record_execution(run_id="0c8e5a3e-3f6c-4c56-9d6e-2f1d7a9b6c01", job="theirs",
                               code_location="elsewhere", status="SUCCESS")  # fmt: skip
    hook = Webhook()
    try:
        defs = _definitions(store_url, _emitter(hook.url, code_location="shop"))
        _tick(instance, defs, "lineage_openlineage_emitter")
    finally:
        hook.close()
    assert {e["run"]["runId"] for e in hook.requests if "parent" not in e["run"]["facets"]} == {
        mine
    }


REFUSALS = {
    "Marquez's JSON": (
        b'{"code":400,"message":"job.facets.sql: unknown field \\"dialekt\\""}',
        '{"code":400,"message":"job.facets.sql: unknown field \\"dialekt\\""}',
    ),
    "binary garbage, longer than shown": (
        b"\x00\xff\x1b[31m\r\n<html>" + "é".encode() * 2000,
        "\ufffd [31m <html>" + "é" * 484 + "...",  # 500 characters in all
    ),
}


@pytest.mark.parametrize(("body", "shown"), REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refusal_is_logged_with_its_status_run_and_reply_and_sent_again(
    instance, store_url, body, shown
):
    [run_id] = _captured(instance, store_url)
    hook = Webhook(answers=(400,), bodies=(body,))
    try:
        defs = _definitions(store_url, _emitter(hook.url))
        refused, logged = _tick_logged(instance, defs, "lineage_openlineage_emitter")
        resent = _tick(instance, defs, "lineage_openlineage_emitter", cursor=refused.cursor)
    finally:
        hook.close()
    [warning] = [message for message in logged if "endpoint refused" in message]
    assert warning == (
        f"OpenLineage endpoint refused run {run_id} (shop_orders), event 1 of 6 (START of "
        f"shop_orders): HTTP 400 (not retried): {shown}; tried again next tick"
    )
    assert len(shown) <= 500 and shown.isprintable()
    assert EmitterCursor.parse(refused.cursor).sent == []  # held at the refused event
    assert "Sent 1 run(s) as 6 OpenLineage event(s)" in resent.skip_reason.skip_message
    accepted = list(map(_identity, _accepted(hook)))
    assert len(accepted) == 6 and len(set(accepted)) == 6
    assert _identity(hook.requests[0]) == accepted[0]  # the refused event, sent again
