"""The impact alert sensor: real failed runs, real profiles, new edges, a real webhook server."""

import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from lineage_core import open_store
from lineage_core.profiling import profile_table
from lineage_dagster import LineageResource
from lineage_dagster.sensors.alerts import AlertCursor, build_impact_alert_sensor


@dg.op(config_schema={"fail": bool})
def load(context):
    if context.op_config["fail"]:
        raise RuntimeError("the warehouse is on fire")


@dg.job
def loader():
    load()


class Webhook:
    """A real HTTP server on 127.0.0.1 that records what it receives."""

    def __init__(self, failures: int = 0) -> None:
        self.requests: list[dict] = []
        self.failures = failures
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append(json.loads(body))
                status = 500 if len(outer.requests) <= outer.failures else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(name="webhook")
def fixture_webhook():
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture(name="instance")
def fixture_instance():
    with dg.instance_for_test() as instance:
        yield instance


def _lineage(store_url, downstream=6):
    with open_store(store_url) as store:
        store.record_edge("wh.raw.src", "wh.stg.orders", job="loader", op="load", run_id="r0")
        store.record_edges(
            [
                {"source": "wh.stg.orders", "target": f"wh.mart.m{i}", "job": f"mart{i % 2}"}
                for i in range(downstream)
            ]
        )


def _defs(store_url, **kwargs):
    return dg.Definitions(
        jobs=[loader],
        sensors=[build_impact_alert_sensor(threshold=5, **kwargs)],
        resources={"lineage": LineageResource(database_url=store_url)},
    )


def _tick(instance, defs, cursor=None):
    sensor = defs.resolve_sensor_def("lineage_impact_alert_sensor")
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=defs, resources=defs.resources
    )
    return sensor.evaluate_tick(context)


def _fail(instance):
    result = loader.execute_in_process(
        instance=instance, run_config={"ops": {"load": {"config": {"fail": True}}}},
        raise_on_error=False,
    )  # fmt: skip
    assert not result.success
    return result.run_id


def test_failed_run_alerts_once_with_a_useful_text(instance, store_url, webhook):
    _lineage(store_url)
    defs = _defs(store_url, webhook_url=webhook.url)
    run_id = _fail(instance)
    first = _tick(instance, defs)
    again = _tick(instance, defs)  # the same events, as after a lost cursor

    [request] = first.run_requests
    assert request.run_key == f"run-failure:{run_id}"
    assert request.tags["lineage/alert"] == "run_failure"
    assert again.run_requests == []
    [posted] = webhook.requests
    text = posted["text"]
    assert f"run {run_id[:8]} of job loader failed" in text
    assert "wh.stg.orders will now be stale downstream" in text
    assert "6 downstream table(s) up to depth 1 and 3 job(s) (loader, mart0, mart1)" in text
    assert "Top: wh.mart.m0 (depth 1)" in text
    assert "lineage impact wh.stg.orders" in text
    assert len(text) < 600
    assert posted["alert"]["downstream_assets"] == 6
    with open_store(store_url) as store:
        [alert] = store.alerts(kind="run_failure")
    assert alert["status"] == "delivered"
    assert alert["deliveries"]["webhook"].startswith("HTTP 200")


def test_the_alert_job_shows_the_report(instance, store_url):
    _lineage(store_url)
    defs = _defs(store_url)
    _fail(instance)
    [request] = _tick(instance, defs).run_requests
    job = defs.resolve_job_def("lineage_alert")
    result = job.execute_in_process(instance=instance, run_config=request.run_config)
    [output] = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    report = output.event_specific_data.metadata["report"].value
    assert "| wh.stg.orders | 6 | 1 | 3 |" in report
    assert "| 1 | wh.mart.m0 |" in report


def test_small_impact_does_not_alert(instance, store_url, webhook):
    _lineage(store_url, downstream=3)
    defs = _defs(store_url, webhook_url=webhook.url)
    _fail(instance)
    result = _tick(instance, defs)
    assert result.run_requests == [] and webhook.requests == []
    assert AlertCursor.parse(result.cursor).failures_after > 0


def test_webhook_down_is_retried_recorded_as_failed_and_does_not_block(instance, store_url):
    _lineage(store_url)
    flaky = Webhook(failures=1)
    try:
        defs = _defs(store_url, webhook_url=flaky.url, webhook_backoff_seconds=0.01)
        _fail(instance)
        result = _tick(instance, defs)
        assert len(flaky.requests) == 2  # one 500, then delivered
        assert len(result.run_requests) == 1
    finally:
        flaky.close()

    dead = _defs(store_url, webhook_url=flaky.url, webhook_attempts=3, webhook_backoff_seconds=0.01)
    _fail(instance)
    _fail(instance)
    result = _tick(instance, dead, cursor=result.cursor)
    assert len(result.run_requests) == 2  # both alerts still reach their other sinks
    with open_store(store_url) as store:
        statuses = sorted(a["status"] for a in store.alerts(kind="run_failure"))
        failed = [a for a in store.alerts() if a["status"] == "failed"]
    assert statuses == ["delivered", "failed", "failed"]
    assert "after 3 attempt(s)" in failed[0]["deliveries"]["webhook"]
    again = _tick(instance, dead, cursor=result.cursor)
    assert again.run_requests == []  # the cursor moved past them


def test_schema_drift_on_an_impactful_table_alerts(instance, store_url, tmp_path, webhook):
    _lineage(store_url)
    db = tmp_path / "wh.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER, amount REAL)")
        conn.execute("INSERT INTO orders VALUES (1, 2.0)")
    defs = _defs(store_url, webhook_url=webhook.url)
    cursor = _tick(instance, defs).cursor  # baseline
    with open_store(store_url) as store:
        store.add_profile(profile_table("wh.stg.orders", f"sqlite:///{db}"))
        with sqlite3.connect(db) as conn:
            conn.execute("ALTER TABLE orders ADD COLUMN region TEXT")
        store.add_profile(profile_table("wh.stg.orders", f"sqlite:///{db}"))
    result = _tick(instance, defs, cursor=cursor)
    [request] = result.run_requests
    assert request.tags["lineage/alert"] == "schema_drift"
    [posted] = webhook.requests
    assert "The schema of wh.stg.orders changed (added ['region']" in posted["text"]
    assert _tick(instance, defs, cursor=result.cursor).run_requests == []


def test_new_lineage_pushing_impact_over_the_threshold_alerts(instance, store_url, webhook):
    _lineage(store_url, downstream=3)
    with open_store(store_url) as store:
        store.record_edge("wh.big.hub", "wh.big.a")
        for i in range(6):
            store.record_edge("wh.big.a", f"wh.big.leaf{i}")
    defs = _defs(store_url, webhook_url=webhook.url)
    first = _tick(instance, defs)
    assert first.run_requests == [] and webhook.requests == []  # already over: baseline

    with open_store(store_url) as store:
        store.record_edge("wh.stg.orders", "wh.mart.extra1")
        store.record_edge("wh.stg.orders", "wh.mart.extra2")
    second = _tick(instance, defs, cursor=first.cursor)
    keys = sorted(r.run_key for r in second.run_requests)
    assert keys == ["impact-threshold:5:wh.raw.src", "impact-threshold:5:wh.stg.orders"]
    assert any("pushed wh.stg.orders over the impact threshold of 5" in r["text"]
               for r in webhook.requests)  # fmt: skip
    assert _tick(instance, defs, cursor=second.cursor).run_requests == []

    with open_store(store_url) as store:  # back under, then over again: a new alert
        store.remove_edges("wh.stg.orders", "wh.mart.extra1")
        store.remove_edges("wh.stg.orders", "wh.mart.extra2")
    third = _tick(instance, defs, cursor=second.cursor)
    assert third.run_requests == []
    with open_store(store_url) as store:
        store.record_edge("wh.stg.orders", "wh.mart.extra3")
        store.record_edge("wh.stg.orders", "wh.mart.extra4")
    fourth = _tick(instance, defs, cursor=third.cursor)
    assert "impact-threshold:5:wh.stg.orders" in [r.run_key for r in fourth.run_requests]
