"""The impact alert sensor: real failed runs, real profiles, new edges, a real webhook server."""

import sqlite3
import time

import dagster as dg
import pytest
from alert_harness import (
    alert_defs,
    fail_loader,
    record_lineage,
    run_all,
    tick,
)
from webhook_servers import Webhook

from lineage_core import open_store
from lineage_core.profiling import profile_table
from lineage_dagster.sensors.alerts import AlertCursor


@pytest.fixture(name="webhook")
def fixture_webhook():
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture(name="instance")
def fixture_instance():
    with dg.instance_for_test() as instance:
        yield instance


def _config(request: dg.RunRequest) -> dict:
    return request.run_config["ops"]["lineage_alert_report"]["config"]


def _keys(request: dg.RunRequest) -> list[str]:
    """The alert keys a run delivers: its alert's, or each of a digest's."""
    return _config(request)["dedup_keys"] or [_config(request)["dedup_key"]]


def test_failed_run_alerts_once_with_a_useful_text(instance, store_url, webhook):
    record_lineage(store_url)
    defs = alert_defs(store_url, webhook_url=webhook.url)
    run_id = fail_loader(instance)
    first = tick(instance, defs)
    again = tick(instance, defs)  # the same events, as after a lost cursor

    [request] = first.run_requests
    assert request.run_key.startswith(f"run-failure:{run_id}:")  # one key per attempt
    assert request.tags["lineage/alert"] == "run_failure"
    assert again.run_requests == []
    assert webhook.requests == []  # the run posts it, not the sensor
    [run] = run_all(instance, defs, first.run_requests)
    assert run.success
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
    record_lineage(store_url)
    defs = alert_defs(store_url)
    fail_loader(instance)
    [request] = tick(instance, defs).run_requests
    job = defs.resolve_job_def("lineage_alert")
    result = job.execute_in_process(instance=instance, run_config=request.run_config)
    [output] = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    report = output.event_specific_data.metadata["report"].value
    assert "| wh.stg.orders | 6 | 1 | 3 |" in report
    assert "| 1 | wh.mart.m0 |" in report


def test_small_impact_does_not_alert(instance, store_url, webhook):
    record_lineage(store_url, downstream=3)
    defs = alert_defs(store_url, webhook_url=webhook.url)
    fail_loader(instance)
    result = tick(instance, defs)
    assert result.run_requests == [] and webhook.requests == []
    assert AlertCursor.parse(result.cursor).failures_after > 0


def test_webhook_down_is_retried_recorded_as_failed_and_does_not_block(instance, store_url):
    record_lineage(store_url)
    flaky = Webhook(failures=1)
    try:
        defs = alert_defs(store_url, webhook_url=flaky.url, webhook_backoff_seconds=0.01)
        fail_loader(instance)
        result = tick(instance, defs)
        assert len(result.run_requests) == 1
        [red] = run_all(instance, defs, result.run_requests)  # one 500: not delivered
        time.sleep(0.05)  # the backoff
        result = tick(instance, defs, cursor=result.cursor)
        [green] = run_all(instance, defs, result.run_requests)  # a new run delivers it
        assert len(flaky.requests) == 2  # one 500, then delivered
        assert (red.success, green.success) == (False, True)
    finally:
        flaky.close()

    dead = alert_defs(
        store_url, webhook_url=flaky.url, webhook_attempts=3, webhook_backoff_seconds=0.01
    )
    fail_loader(instance)
    fail_loader(instance)
    result = tick(instance, dead, cursor=result.cursor)
    assert len(result.run_requests) == 2  # both alerts still reach their other sinks
    for _ in range(5):  # each retry is a run of its own, until the attempts run out
        if not result.run_requests:
            break
        run_all(instance, dead, result.run_requests)
        time.sleep(0.05)
        result = tick(instance, dead, cursor=result.cursor)
    with open_store(store_url) as store:
        statuses = sorted(a["status"] for a in store.alerts(kind="run_failure"))
        failed = [a for a in store.alerts() if a["status"] == "failed"]
    assert statuses == ["delivered", "failed", "failed"]
    assert "after 3 attempt(s)" in failed[0]["deliveries"]["webhook"]
    assert failed[0]["deliveries"]["job"].startswith("shown by run ")
    again = tick(instance, dead, cursor=result.cursor)
    assert again.run_requests == []  # the cursor moved past them and no attempt is left


def test_schema_drift_on_an_impactful_table_alerts(instance, store_url, tmp_path, webhook):
    record_lineage(store_url)
    db = tmp_path / "wh.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER, amount REAL)")
        conn.execute("INSERT INTO orders VALUES (1, 2.0)")
    defs = alert_defs(store_url, webhook_url=webhook.url)
    cursor = tick(instance, defs).cursor  # baseline
    with open_store(store_url) as store:
        store.add_profile(profile_table("wh.stg.orders", f"sqlite:///{db}"))
        with sqlite3.connect(db) as conn:
            conn.execute("ALTER TABLE orders ADD COLUMN region TEXT")
        store.add_profile(profile_table("wh.stg.orders", f"sqlite:///{db}"))
    result = tick(instance, defs, cursor=cursor)
    [request] = result.run_requests
    assert request.tags["lineage/alert"] == "schema_drift"
    run_all(instance, defs, result.run_requests)
    [posted] = webhook.requests
    assert "The schema of wh.stg.orders changed (added ['region']" in posted["text"]
    assert tick(instance, defs, cursor=result.cursor).run_requests == []


def test_new_lineage_pushing_impact_over_the_threshold_alerts(instance, store_url, webhook):
    record_lineage(store_url, downstream=3)
    with open_store(store_url) as store:
        store.record_edge("wh.big.hub", "wh.big.a")
        for i in range(6):
            store.record_edge("wh.big.a", f"wh.big.leaf{i}")
    defs = alert_defs(store_url, webhook_url=webhook.url)
    first = tick(instance, defs)
    assert first.run_requests == [] and webhook.requests == []  # already over: baseline

    with open_store(store_url) as store:
        store.record_edge("wh.stg.orders", "wh.mart.extra1")
        store.record_edge("wh.stg.orders", "wh.mart.extra2")
    second = tick(instance, defs, cursor=first.cursor)
    [digest] = second.run_requests  # one run for both crossings, each keeping its key
    keys = _keys(digest)
    assert keys == ["impact-threshold:5:wh.raw.src", "impact-threshold:5:wh.stg.orders"]
    run_all(instance, defs, second.run_requests)
    assert any("wh.stg.orders now has 5 downstream assets (threshold 5)" in r["text"]
               for r in webhook.requests)  # fmt: skip
    assert tick(instance, defs, cursor=second.cursor).run_requests == []

    with open_store(store_url) as store:  # back under, then over again: a new alert
        store.remove_edges("wh.stg.orders", "wh.mart.extra1")
        store.remove_edges("wh.stg.orders", "wh.mart.extra2")
    third = tick(instance, defs, cursor=second.cursor)
    assert third.run_requests == []
    with open_store(store_url) as store:
        store.record_edge("wh.stg.orders", "wh.mart.extra3")
        store.record_edge("wh.stg.orders", "wh.mart.extra4")
    fourth = tick(instance, defs, cursor=third.cursor)
    assert "impact-threshold:5:wh.stg.orders" in [k for r in fourth.run_requests for k in _keys(r)]
