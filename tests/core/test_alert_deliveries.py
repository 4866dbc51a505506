"""Alert deliveries without Dagster: atomic claims on both backends, leases, attempts and
backoff, digests, the webhook's deadline against real servers, and the store upgrade."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from webhook_servers import BadServer, Webhook

from lineage_core import open_store
from lineage_core.alerting import Alert, deliver, messages, post_webhook, threshold_digest
from lineage_core.store.rows import DeliveryClaim

CLAIMERS = 4


def _alert(key: str = "run-failure:r1", kind: str = "run_failure", **fields) -> Alert:
    return Alert(dedup_key=key, kind=kind, title=f"title of {key}", text="x", report="r", **fields)


def _together(count: int, work):
    barrier = threading.Barrier(count)

    def started(index: int):
        barrier.wait(timeout=30)
        return work(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(started, range(count)))


def test_concurrent_deliveries_of_one_alert_reach_the_sink_once(store_url):
    calls = Counter()
    lock = threading.Lock()

    def slow_sink(alert):
        with lock:
            calls[alert.dedup_key] += 1
        time.sleep(0.2)  # long enough for every other claimer to arrive meanwhile
        return True, "ok"

    stores = [open_store(store_url) for _ in range(CLAIMERS)]
    try:
        deadline = time.monotonic() + 60
        for round_ in range(3):
            alert = _alert(f"run-failure:r{round_}")
            outcomes = _together(
                CLAIMERS, lambda i, a=alert: deliver(stores[i], a, {"sink": slow_sink})
            )
            assert [o.skipped for o in outcomes].count(False) == 1
            assert time.monotonic() < deadline
    finally:
        for store in stores:
            store.close()
    assert calls == Counter({f"run-failure:r{i}": 1 for i in range(3)})


def test_each_attempt_has_exactly_one_claimer(store_url):
    with open_store(store_url) as store:
        for i in range(10):
            store.record_alert(
                f"k{i}", kind="run_failure", body=_alert(f"k{i}").payload(),
                sinks={"job": 3, "webhook": 3},
            )  # fmt: skip
    stores = [open_store(store_url) for _ in range(CLAIMERS)]
    taken: Counter = Counter()
    try:
        deadline = time.monotonic() + 60
        for _ in range(3):  # every lease runs out: each round claims the next attempt
            rounds = _together(
                CLAIMERS,
                lambda i: stores[i].claim_alert_deliveries(
                    sinks=["job", "webhook"], lease_seconds=0.3
                ),
            )
            taken.update((c.delivery_id, c.attempt) for claims in rounds for c in claims)
            time.sleep(0.35)
            assert time.monotonic() < deadline
    finally:
        for store in stores:
            store.close()
    assert len(taken) == 10 * 2 * 3  # 10 alerts, 2 sinks, 3 attempts each
    assert set(taken.values()) == {1}
    with open_store(store_url) as store:
        assert store.claim_alert_deliveries(sinks=["job", "webhook"], lease_seconds=1) == []
        assert len(store.fail_abandoned_alert_deliveries()) == 10  # no attempt left
        assert {a["status"] for a in store.alerts()} == {"failed"}


def test_a_failed_delivery_waits_its_backoff_and_fails_for_good_at_the_limit(store):
    tried = []

    def failing(alert):
        tried.append(time.monotonic())
        raise OSError("the sink is down")  # any exception is the delivery's failure

    first = deliver(store, _alert(), {"sink": failing}, max_attempts=3, backoff_seconds=0.2)
    assert (first.skipped, first.delivered) == (False, False)
    assert first.results == {"sink": "OSError: the sink is down"}
    assert deliver(store, _alert(), {"sink": failing}, max_attempts=3).skipped  # backing off
    [record] = store.alerts()
    assert record["status"] == "pending" and "attempt 1 of 3, next in 0.2s" in str(record)
    deadline = time.monotonic() + 10
    while len(tried) < 3:
        deliver(store, _alert(), {"sink": failing}, max_attempts=3, backoff_seconds=0.2)
        time.sleep(0.05)
        assert time.monotonic() < deadline
    assert tried[1] - tried[0] >= 0.2 and tried[2] - tried[1] >= 0.4  # doubling
    assert deliver(store, _alert(), {"sink": failing}, max_attempts=3).skipped
    [record] = store.alerts()
    assert record["status"] == "failed"
    assert record["deliveries"]["sink"].endswith("failed for good after 3 attempt(s)")
    [delivery] = store.alert_deliveries()
    assert (delivery["status"], delivery["attempts"], delivery["max_attempts"]) == ("failed", 3, 3)


def test_a_superseded_attempt_can_neither_start_nor_finish(store):
    store.record_alert("k", kind="run_failure", body=_alert("k").payload(), sinks={"job": 3})
    [old] = store.claim_alert_deliveries(sinks=["job"], lease_seconds=0.5)
    assert store.claim_alert_deliveries(sinks=["job"], lease_seconds=0.5) == []  # leased
    time.sleep(0.6)
    [new] = store.claim_alert_deliveries(sinks=["job"], lease_seconds=60)
    assert (old.attempt, new.attempt) == (1, 2)
    assert store.start_alert_deliveries([old], lease_seconds=60) == []
    done = dict(delivered=True, detail="ok", backoff_seconds=1)
    assert store.finish_alert_deliveries([old], **done) == ["superseded"]
    assert store.start_alert_deliveries([new], lease_seconds=60) == [new]
    assert store.finish_alert_deliveries([new], **done) == ["delivered"]
    assert store.finish_alert_deliveries([new], **done) == ["superseded"]  # settled
    [record] = store.alerts()
    assert (record["status"], record["deliveries"]) == ("delivered", {"job": "ok (attempt 2)"})


def test_a_last_attempt_whose_lease_runs_out_fails_for_good_visibly(store):
    store.record_alert("k", kind="run_failure", body=_alert("k").payload(), sinks={"job": 1})
    [claim] = store.claim_alert_deliveries(sinks=["job"], lease_seconds=0.5)
    assert store.fail_abandoned_alert_deliveries() == []  # still leased
    time.sleep(0.6)
    assert store.fail_abandoned_alert_deliveries() == ["k"]
    [record] = store.alerts()
    assert record["status"] == "failed" and "lease ran out" in record["deliveries"]["job"]
    assert store.start_alert_deliveries([claim], lease_seconds=60) == []


def test_resolved_and_baselined_alerts_are_never_claimed(store):
    body = _alert("impact-threshold:5:a", "impact_threshold").payload()
    store.record_alert("impact-threshold:5:a", kind="impact_threshold", body=body, sinks={"job": 3})
    store.resolve_alert("impact-threshold:5:a")
    store.claim_alert("impact-threshold:5:b", kind="impact_threshold", body={}, status="baseline")
    store.record_alert("impact-threshold:5:b", kind="impact_threshold", body={}, sinks={"job": 3})
    assert store.claim_alert_deliveries(sinks=["job"], lease_seconds=60) == []


def _claim(key: str, kind: str, sink: str = "job", delivery_id: int = 1, **fields) -> DeliveryClaim:
    body = _alert(key, kind, **fields).payload()
    return DeliveryClaim(delivery_id, 1, sink, key, kind, body)


def test_claims_become_one_message_per_failure_and_one_digest_for_crossings():
    claims = [
        _claim(f"impact-threshold:5:t{i}", "impact_threshold", delivery_id=i, asset=f"t{i}",
               downstream_assets=10 + i)
        for i in range(4)
    ] + [
        _claim("run-failure:r1", "run_failure", delivery_id=10, severity="high"),
        _claim("run-failure:r1", "run_failure", "webhook", delivery_id=11, severity="high"),
    ]  # fmt: skip
    failure, digest = messages(claims)
    assert failure.alert.dedup_key == "run-failure:r1" and failure.sinks == ["job", "webhook"]
    assert digest.alert.dedup_keys == [f"impact-threshold:5:t{i}" for i in range(4)]
    assert digest.alert.title == "4 tables crossed the impact threshold: t3, t2, t1 and 1 more"
    assert len(digest.claims) == 4 and digest.alert.downstream_assets == 13
    assert failure.key != messages(claims[4:5])[0].key  # another set of attempts, another key
    [alone] = messages(claims[:1])
    assert alone.alert.dedup_key == "impact-threshold:5:t0" and alone.alert.dedup_keys == []


def test_a_claim_whose_record_is_no_alert_payload_still_makes_a_message():
    [message] = messages([DeliveryClaim(1, 1, "job", "run-failure:r9", "run_failure", {})])
    assert (message.alert.dedup_key, message.alert.title) == (
        "run-failure:r9",
        "Alert run-failure:r9",
    )


def test_a_digest_of_one_crossing_is_the_crossing_itself():
    crossing = _alert("impact-threshold:5:t", "impact_threshold", asset="t")
    assert threshold_digest([crossing]) is crossing


# -- the webhook's deadline, against real servers ------------------------------------------


@pytest.mark.parametrize("answer", ["trickle", "hang"])
def test_a_webhook_call_ends_at_its_deadline_whatever_the_server_does(answer):
    server = BadServer(answer, interval=0.3, hold=9.0)
    try:
        start = time.monotonic()
        delivered, detail = post_webhook(server.url, {"text": "x"}, timeout=1.0, attempts=3)
        took = time.monotonic() - start
    finally:
        server.close()
    assert not delivered and detail == "no complete reply within 1s"
    assert took < 1.5 and server.requests == 1  # a timeout is never retried


def test_a_webhook_answering_garbage_is_a_failed_delivery_not_an_exception():
    server = BadServer("garbage")
    try:
        delivered, detail = post_webhook(server.url, {"text": "x"}, timeout=2.0, attempts=3)
    finally:
        server.close()
    assert not delivered and detail.startswith("BadStatusLine")
    assert server.requests == 1  # the server may have taken it: not retried


def test_a_webhook_answering_500_is_retried_within_the_call_when_asked():
    hook = Webhook(failures=2)
    try:
        assert post_webhook(hook.url, {"text": "x"}, timeout=5.0) == (False, "HTTP 500")
        retried = post_webhook(hook.url, {"text": "x"}, timeout=5.0, attempts=2, backoff=0.01)
    finally:
        hook.close()
    assert retried == (True, "HTTP 200 after 2 attempt(s)")
    assert len(hook.requests) == 3


def test_an_unreachable_or_invalid_webhook_is_a_failed_delivery():
    hook = Webhook()
    url = hook.url
    hook.close()
    delivered, detail = post_webhook(url, {}, timeout=2.0, attempts=2, backoff=0.01)
    assert not delivered and detail.startswith("ConnectionRefusedError")
    assert detail.endswith("after 2 attempt(s)")
    assert post_webhook("ftp://example.org/x", {}, timeout=1.0)[0] is False


# -- the store upgrade -----------------------------------------------------------------------


def test_upgrading_a_store_at_version_4_adds_alert_deliveries(bare_store_url, monkeypatch):
    """Version 5 added the deliveries table: a store at version 4 upgrades in place and keeps
    its alerts; an alert interrupted before the upgrade is delivered once recorded again."""
    from lineage_core.store.backends import base

    load_migrations = base.load_migrations
    monkeypatch.setattr(base, "load_migrations", lambda backend: load_migrations(backend)[:4])
    with open_store(bare_store_url) as store:
        store.claim_alert("run-failure:old", kind="run_failure", body={"text": "old"})
        store.claim_alert("run-failure:done", kind="run_failure", body={}, status="pending")
        store.finish_alert("run-failure:done", status="delivered", deliveries={"log": "ok"})
    monkeypatch.undo()

    with open_store(bare_store_url) as store:
        assert {a["dedup_key"]: a["status"] for a in store.alerts()} == {
            "run-failure:old": "pending",
            "run-failure:done": "delivered",
        }
        again = deliver(store, _alert("run-failure:old"), {"log": lambda alert: (True, "ok")})
        assert (again.skipped, again.delivered) == (False, True)
        assert deliver(store, _alert("run-failure:done"), {"log": lambda a: (True, "x")}).skipped
        [delivery] = store.alert_deliveries()
        assert (delivery["dedup_key"], delivery["status"]) == ("run-failure:old", "delivered")


def test_a_hanging_webhook_reads_as_no_reply_whichever_timer_fires_first():
    """The socket's timeout and the call's deadline are equally long: whichever fires first,
    the detail is the same (it once read ``TimeoutError: timed out`` under load)."""
    server = BadServer("hang", hold=60.0)
    details = Counter()
    deadline = time.monotonic() + 30
    try:
        for _ in range(40):
            if time.monotonic() > deadline:
                break
            delivered, detail = post_webhook(server.url, {"text": "x"}, timeout=0.2, attempts=1)
            assert not delivered
            details[detail] += 1
    finally:
        server.close()
    assert details == Counter({"no complete reply within 0.2s": sum(details.values())})
    assert sum(details.values()) >= 20
