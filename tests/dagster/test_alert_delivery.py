"""Alert delivery against real sensors, real runs of the alert job and real HTTP servers:
exactly once per sink across several sensors, sinks that fail without wedging a tick, retries
with backoff, and one digest for many threshold crossings."""

from __future__ import annotations

import time
from collections import Counter

import dagster as dg
import pytest
from alert_harness import (
    alert_defs,
    concurrently,
    fail_loader,
    keys_posted,
    location_defs,
    record_lineage,
    run_all,
    run_requested,
    stored_alert,
    tick,
    timed_tick,
)
from webhook_servers import BadServer, Webhook

from lineage_core import open_store
from lineage_dagster.sensors.alerts import AlertCursor

SENSORS = 3
TICK_LIMIT_SECONDS = 3.0  # no tick may take longer, whatever the sinks do


@pytest.fixture(name="instance")
def fixture_instance():
    with dg.instance_for_test() as instance:
        yield instance


def _hub(store_url: str, name: str, leaves: int = 6) -> None:
    """A new table ``name`` feeding ``leaves`` tables: a new threshold crossing."""
    with open_store(store_url) as store:
        store.record_edges([{"source": name, "target": f"{name}_leaf{i}"} for i in range(leaves)])


def _settle(instance, defs, cursor, *, rounds: int = 10, seconds: float = 60.0, wait=0.0):
    """Tick and run what each tick requests until a tick requests nothing (bounded); returns
    the last cursor and every (request, run result) pair."""
    deadline = time.monotonic() + seconds
    ran = []
    for _ in range(rounds):
        result, took = timed_tick(instance, defs, cursor)
        assert took < TICK_LIMIT_SECONDS
        cursor = result.cursor
        if not result.run_requests and ran:
            return cursor, ran
        ran += [
            (request, run_requested(instance, defs, request)) for request in result.run_requests
        ]
        assert time.monotonic() < deadline, "alerts did not settle in time"
        time.sleep(wait)
    raise AssertionError(f"alerts still requesting runs after {rounds} ticks")


# -- 7. several sensors over one store -----------------------------------------------------


def test_several_sensors_over_one_store_deliver_each_alert_once_per_sink(instance, store_url):
    hook = Webhook(delay=0.3)  # slow enough that the sensors' deliveries overlap
    try:
        record_lineage(store_url)
        locations = [location_defs(store_url, webhook_url=hook.url) for _ in range(SENSORS)]
        cursors = concurrently(SENSORS, lambda i: tick(instance, locations[i]).cursor)
        failed = {fail_loader(instance) for _ in range(2)}
        _hub(store_url, "wh.big.hub")
        _hub(store_url, "wh.big.other")
        expected = {f"run-failure:{run_id}" for run_id in failed} | {
            "impact-threshold:5:wh.big.hub",
            "impact-threshold:5:wh.big.other",
        }
        deadline = time.monotonic() + 120
        requested: list[tuple[int, dg.RunRequest]] = []
        for round_ in range(6):
            results = concurrently(
                SENSORS, lambda i, cursors=cursors: tick(instance, locations[i], cursors[i])
            )
            cursors = [result.cursor for result in results]
            asked = [(i, r) for i, result in enumerate(results) for r in result.run_requests]
            requested += asked
            for i, request in asked:  # one at a time: Dagster configures logging per run
                run_requested(instance, locations[i], request)
            if not asked and round_ > 0:
                break
            assert time.monotonic() < deadline
        assert keys_posted(hook.requests) == Counter(dict.fromkeys(expected, 1))
        runs_per_key = Counter(
            key
            for _, request in requested
            for key in request.run_config["ops"]["lineage_alert_report"]["config"]["dedup_keys"]
            or [request.run_config["ops"]["lineage_alert_report"]["config"]["dedup_key"]]
        )
        assert runs_per_key == Counter(dict.fromkeys(expected, 1))
        with open_store(store_url) as store:
            deliveries = [d for d in store.alert_deliveries() if d["dedup_key"] in expected]
        assert sorted((d["dedup_key"], d["sink"]) for d in deliveries) == sorted(
            (key, sink) for key in expected for sink in ("job", "log", "webhook")
        )
        assert {(d["status"], d["attempts"]) for d in deliveries} == {("delivered", 1)}
    finally:
        hook.close()


def test_a_webhook_slower_than_its_timeout_gets_one_request_per_attempt(instance, store_url):
    slow = Webhook(delay=1.5)
    try:
        record_lineage(store_url)
        defs = alert_defs(
            store_url, webhook_url=slow.url, webhook_timeout_seconds=0.5, webhook_attempts=3,
            webhook_backoff_seconds=60,
        )  # fmt: skip
        run_id = fail_loader(instance)
        result, took = timed_tick(instance, defs)
        run_all(instance, defs, result.run_requests)
        assert took < TICK_LIMIT_SECONDS
        assert len(slow.requests) == 1  # the attempt timed out: not retried in this claim
        alert = stored_alert(store_url, f"run-failure:{run_id}")
        assert alert["status"] == "pending"  # retried later, not failed while it arrived
        again, _ = timed_tick(instance, defs, result.cursor)
        assert again.run_requests == [] and len(slow.requests) == 1  # the backoff holds
    finally:
        slow.close()


# -- 8. sinks that fail, hang or trickle ---------------------------------------------------


def test_a_webhook_answering_garbage_fails_its_delivery_and_never_the_tick(instance, store_url):
    garbage = BadServer("garbage")
    try:
        record_lineage(store_url)
        defs = alert_defs(
            store_url, webhook_url=garbage.url, webhook_attempts=3, webhook_backoff_seconds=0.05
        )
        first = f"run-failure:{fail_loader(instance)}"
        cursor, ran = _settle(instance, defs, None, wait=0.1)
        assert garbage.requests == 3  # one per attempt, then failed for good
        assert [run.success for _, run in ran] == [False, False, False]  # red: not delivered
        alert = stored_alert(store_url, first)
        assert alert["status"] == "failed"
        assert "BadStatusLine" in alert["deliveries"]["webhook"]
        assert "after 3 attempt(s)" in alert["deliveries"]["webhook"]

        second = fail_loader(instance)  # other alerts are still raised
        result, took = timed_tick(instance, defs, cursor)
        assert took < TICK_LIMIT_SECONDS
        [request] = result.run_requests
        assert second in request.run_config["ops"]["lineage_alert_report"]["config"]["report"]
    finally:
        garbage.close()


@pytest.mark.parametrize("answer", ["trickle", "hang"])
def test_a_webhook_that_trickles_or_hangs_cannot_hold_a_tick_or_a_run(instance, store_url, answer):
    server = BadServer(answer, interval=1.5, hold=9.0)
    try:
        record_lineage(store_url)
        defs = alert_defs(
            store_url, webhook_url=server.url, webhook_timeout_seconds=2.0,
            webhook_backoff_seconds=60,
        )  # fmt: skip
        run_id = fail_loader(instance)
        result, took = timed_tick(instance, defs)
        assert took < TICK_LIMIT_SECONDS
        [request] = result.run_requests
        start = time.monotonic()
        run = run_requested(instance, defs, request)
        assert time.monotonic() - start < 2.0 + 4.0  # the whole request is bounded
        assert not run.success and server.requests == 1
        alert = stored_alert(store_url, f"run-failure:{run_id}")
        assert alert["status"] == "pending"
        assert "no complete reply within 2s" in alert["deliveries"]["webhook"]
    finally:
        server.close()


def test_a_tick_past_its_budget_leaves_the_rest_to_the_next_tick(instance, store_url):
    record_lineage(store_url)
    spent = alert_defs(store_url, time_budget_seconds=0.0)
    key = f"run-failure:{fail_loader(instance)}"
    result, took = timed_tick(instance, spent)
    assert took < TICK_LIMIT_SECONDS and result.run_requests == []
    assert AlertCursor.parse(result.cursor).failures_after == 0  # the run is still ahead
    [request] = tick(instance, alert_defs(store_url), result.cursor).run_requests
    assert request.run_config["ops"]["lineage_alert_report"]["config"]["dedup_key"] == key


def test_a_failed_delivery_is_retried_by_a_new_run_after_its_backoff(instance, store_url):
    flaky = Webhook(failures=1)  # 500, then 200
    try:
        record_lineage(store_url)
        defs = alert_defs(store_url, webhook_url=flaky.url, webhook_backoff_seconds=2.0)
        key = f"run-failure:{fail_loader(instance)}"
        result, took = timed_tick(instance, defs)
        assert took < TICK_LIMIT_SECONDS
        [first] = result.run_requests
        [failed] = run_all(instance, defs, [first])
        assert len(flaky.requests) == 1 and not failed.success
        assert stored_alert(store_url, key)["status"] == "pending"
        early, _ = timed_tick(instance, defs, result.cursor)
        assert early.run_requests == []  # still backing off
        time.sleep(2.1)
        later, _ = timed_tick(instance, defs, early.cursor)
        [second] = later.run_requests
        assert second.run_key != first.run_key  # a new run for the new attempt
        assert second.tags["lineage/attempt"] == "2"
        [delivered] = run_all(instance, defs, [second])
        assert delivered.success and len(flaky.requests) == 2
        alert = stored_alert(store_url, key)
        assert alert["status"] == "delivered"
        assert alert["deliveries"]["webhook"].startswith("HTTP 200")
        assert timed_tick(instance, defs, later.cursor)[0].run_requests == []
    finally:
        flaky.close()


# -- 9. no alert flood; runs that say whether they delivered ---------------------------------


def test_many_threshold_crossings_in_one_tick_are_one_digest_and_a_failure_stands_out(
    instance, store_url
):
    hook = Webhook()
    try:
        record_lineage(store_url)
        defs = alert_defs(store_url, webhook_url=hook.url)
        cursor = tick(instance, defs).cursor  # baseline
        hubs = [f"wh.hub.h{i:02}" for i in range(15)]
        for hub in hubs:
            _hub(store_url, hub)
        run_id = fail_loader(instance)
        result, took = timed_tick(instance, defs, cursor)
        assert took < TICK_LIMIT_SECONDS
        by_kind = {r.tags["lineage/alert"]: r for r in result.run_requests}
        assert len(result.run_requests) == 2 and set(by_kind) == {"run_failure", "impact_threshold"}
        failure, digest = by_kind["run_failure"], by_kind["impact_threshold"]
        assert failure.tags["lineage/severity"] == "high"
        failure_config = failure.run_config["ops"]["lineage_alert_report"]["config"]
        assert failure_config["title"].startswith("Run of loader failed")
        digest_config = digest.run_config["ops"]["lineage_alert_report"]["config"]
        assert digest_config["dedup_keys"] == [f"impact-threshold:5:{hub}" for hub in hubs]
        assert digest_config["title"].startswith("15 tables crossed the impact threshold")
        for hub in hubs:
            assert f"| {hub} | 6 |" in digest_config["report"]
        assert all(run.success for run in run_all(instance, defs, result.run_requests))
        assert keys_posted(hook.requests) == Counter(
            {f"run-failure:{run_id}": 1, **{f"impact-threshold:5:{hub}": 1 for hub in hubs}}
        )
        for hub in hubs:
            assert stored_alert(store_url, f"impact-threshold:5:{hub}")["status"] == "delivered"

        with open_store(store_url) as store:  # one table back under, then over again
            for i in range(6):
                store.remove_edges(hubs[3], f"{hubs[3]}_leaf{i}")
        quiet = tick(instance, defs, result.cursor)
        assert quiet.run_requests == []
        with open_store(store_url) as store:
            assert f"impact-threshold:5:{hubs[3]}" not in store.open_alerts("impact_threshold")
        _hub(store_url, hubs[3])
        [again] = tick(instance, defs, quiet.cursor).run_requests
        assert again.run_config["ops"]["lineage_alert_report"]["config"]["dedup_key"] == (
            f"impact-threshold:5:{hubs[3]}"
        )
    finally:
        hook.close()


def test_a_run_that_never_starts_loses_nothing_and_a_late_start_delivers_nothing(
    instance, store_url
):
    hook = Webhook()
    try:
        record_lineage(store_url)
        defs = alert_defs(store_url, webhook_url=hook.url, delivery_lease_seconds=1.0)
        key = f"run-failure:{fail_loader(instance)}"
        result = tick(instance, defs)
        [lost] = result.run_requests  # the daemon never launches it
        held = tick(instance, defs, result.cursor)
        assert held.run_requests == []  # the lease is still held
        time.sleep(1.1)
        after = tick(instance, defs, held.cursor)
        [retry] = after.run_requests
        assert retry.run_key != lost.run_key and retry.tags["lineage/attempt"] == "2"
        late = run_requested(instance, defs, lost)  # starts at last, after its lease
        assert late.success and hook.requests == []  # superseded: nothing delivered twice
        assert run_requested(instance, defs, retry).success
        assert keys_posted(hook.requests) == Counter({key: 1})
        assert stored_alert(store_url, key)["status"] == "delivered"
        assert tick(instance, defs, after.cursor).run_requests == []
    finally:
        hook.close()
