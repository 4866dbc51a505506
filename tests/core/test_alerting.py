"""The alert rules without Dagster: real stores, plain functions as sinks."""

from __future__ import annotations

import sqlite3

from lineage_core.alerting import (
    Alert,
    baseline,
    deliver,
    estimate_decides,
    impact_of,
    impact_problems,
    run_failure_alert,
    schema_change_risk,
    schema_drift_alerts,
    stale_tables,
    threshold_alert,
    threshold_crossings,
)
from lineage_core.models import ProfileDrift
from lineage_core.profiling import profile_table


def _fan_out(store, downstream: int) -> None:
    store.record_edge("wh.raw.src", "wh.stg.orders", job="loader", op="load", run_id="r0")
    store.record_edges(
        [
            {"source": "wh.stg.orders", "target": f"wh.mart.m{i}", "job": f"mart{i % 2}"}
            for i in range(downstream)
        ]
    )


def _alert(key: str = "k1") -> Alert:
    return Alert(dedup_key=key, kind="impact_threshold", title="t", text="x", report="r")


def test_an_alert_is_delivered_once_per_key(store):
    calls = []

    def sink(alert):
        calls.append(alert.dedup_key)
        return True, "ok"

    first = deliver(store, _alert(), {"sink": sink})
    second = deliver(store, _alert(), {"sink": sink})
    assert (first.skipped, first.delivered, first.results) == (False, True, {"sink": "ok"})
    assert second.skipped and calls == ["k1"]
    [record] = store.alerts()
    assert (record["status"], record["deliveries"]) == ("delivered", {"sink": "ok"})


def test_one_failing_sink_marks_the_alert_failed_but_every_sink_is_tried(store):
    tried = []

    def failing(alert):
        tried.append("failing")
        return False, "HTTP 500"

    def working(alert):
        tried.append("working")
        return True, "ok"

    outcome = deliver(store, _alert(), {"failing": failing, "working": working})
    assert not outcome.delivered and tried == ["failing", "working"]
    assert store.alerts()[0]["status"] == "failed"


def test_an_interrupted_delivery_is_delivered_again(store):
    store.claim_alert("k1", kind="impact_threshold", body={})  # pending: never finished
    outcome = deliver(store, _alert(), {"sink": lambda alert: (True, "ok")})
    assert not outcome.skipped and store.alerts()[0]["status"] == "delivered"


def test_a_baselined_alert_is_never_delivered(store):
    baseline(store, _alert())
    assert deliver(store, _alert(), {"sink": lambda alert: (True, "ok")}).skipped


def test_stale_tables_are_those_whose_writers_did_not_all_succeed(store):
    _fan_out(store, 6)
    [impact] = stale_tables(store, "loader", succeeded_steps=set(), threshold=5, top=3)
    assert (impact.asset, impact.total_impacted_assets) == ("wh.stg.orders", 6)
    assert len(impact.downstream_assets) == 3
    assert stale_tables(store, "loader", succeeded_steps={"load"}, threshold=5, top=3) == []
    assert stale_tables(store, "loader", succeeded_steps=set(), threshold=7, top=3) == []
    assert stale_tables(store, "no_such_job", succeeded_steps=set(), threshold=1, top=3) == []


def test_threshold_crossings_alert_once_and_resolve_when_back_under(store):
    _fan_out(store, 6)
    alerts = threshold_crossings(store, threshold=5, top=3, refresh_limit=1_000)
    assert {a.dedup_key: (a.downstream_assets, a.downstream_jobs) for a in alerts} == {
        "impact-threshold:5:wh.raw.src": (7, 3),  # loader, mart0, mart1
        "impact-threshold:5:wh.stg.orders": (6, 3),
    }
    for alert in alerts:
        deliver(store, alert, {})
    assert threshold_crossings(store, threshold=5, top=3, refresh_limit=1_000) == []
    for i in range(6):
        store.remove_edges("wh.stg.orders", f"wh.mart.m{i}")
    assert threshold_crossings(store, threshold=5, top=3, refresh_limit=1_000) == []
    assert store.open_alerts("impact_threshold") == {}
    _fan_out(store, 6)
    again = threshold_crossings(store, threshold=5, top=3, refresh_limit=1_000)
    assert {a.dedup_key for a in again} == {a.dedup_key for a in alerts}  # keys free again


def test_threshold_crossings_wait_for_the_refresh_beyond_the_limit(store):
    _fan_out(store, 6)
    assert threshold_crossings(store, threshold=5, top=3, refresh_limit=2) == []
    assert store.stale_cache_entries() == 8


def test_schema_drift_alerts_only_where_the_impact_reaches_the_threshold(store, tmp_path):
    _fan_out(store, 6)
    database = tmp_path / "wh.db"
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER)")
    store.add_profile(profile_table("wh.stg.orders", f"sqlite:///{database}"))
    after = store.last_profile_id()
    with sqlite3.connect(database) as conn:
        conn.execute("DROP TABLE orders")
        conn.execute("CREATE TABLE orders (id TEXT, note TEXT)")
    store.add_profile(profile_table("wh.stg.orders", f"sqlite:///{database}"))
    [(profile_id, alert)] = list(schema_drift_alerts(store, after, threshold=5, top=3))
    assert profile_id == store.last_profile_id() and alert.kind == "schema_drift"
    assert "added ['note'], removed [], retyped ['id']" in alert.text
    [(_, nothing)] = list(schema_drift_alerts(store, after, threshold=7, top=3))
    assert nothing is None


def test_impact_problems_pass_at_the_limit_and_fail_above_it(store):
    _fan_out(store, 6)
    impact = store.impact("wh.stg.orders")
    assert impact_problems(impact, max_assets=6, max_jobs=3) == []
    assert impact_problems(impact, max_assets=5, max_jobs=None) == ["6 downstream assets (limit 5)"]
    assert impact_problems(impact, max_assets=None, max_jobs=2) == [
        "3 downstream Dagster jobs (limit 2)"
    ]


def test_schema_change_risk_needs_both_a_change_and_dependants(store):
    _fan_out(store, 6)
    impact = store.impact("wh.stg.orders")
    drift = ProfileDrift(columns_added=["note"])
    assert schema_change_risk(drift, impact, min_downstream=6) == (True, True)
    assert schema_change_risk(drift, impact, min_downstream=7) == (True, False)
    assert schema_change_risk(ProfileDrift(), impact, min_downstream=1) == (False, False)
    assert schema_change_risk(None, impact, min_downstream=1) == (False, False)


def test_alert_texts_name_the_tables_jobs_and_where_to_look(store):
    _fan_out(store, 6)
    impact = store.impact("wh.stg.orders", limit=2)
    failure = run_failure_alert("0123456789abcdef", "loader", [impact], top=2)
    assert failure.dedup_key == "run-failure:0123456789abcdef"
    assert failure.text.startswith(":rotating_light: Dagster run 01234567 of job loader failed.")
    assert "6 downstream table(s) up to depth 1 and 3 job(s) (loader, mart0, ...)" in failure.text
    assert "| wh.stg.orders | 6 | 1 | 3 |" in failure.report
    crossing = threshold_alert(5, impact, top=2)
    assert crossing.payload()["text"] == crossing.text
    assert crossing.payload()["alert"]["downstream_assets"] == 6


def test_a_threshold_above_the_exact_limit_is_decided_on_a_live_count(store, monkeypatch):
    """Past the cache's exact limit a count is an estimate, known to be over the limit: a
    threshold at or under the limit is decided by it, one above it by the live count."""
    from lineage_core import reach

    monkeypatch.setattr(reach, "EXACT_LIMIT", 3)  # a chain of eight crosses it
    monkeypatch.setattr(reach, "_FOLLOW_UNDER", 4)
    store.record_edges(
        [
            {"source": f"c.n{i}", "target": f"c.n{i + 1}", "job": "etl", "op": f"op{i}"}
            for i in range(7)
        ]
    )
    store.refresh_impact_cache()
    cached = store.impact("c.n0")
    assert cached.cached and cached.estimated and cached.total_impacted_assets > 3
    assert [(j.workflow_name, j.ops) for j in cached.affected_workflows] == [("etl", [])]
    assert estimate_decides(cached, 5) and not estimate_decides(cached, 2)
    assert impact_of(store, "c.n0", 5, threshold=2).cached  # over 3, so over 2: decided
    live = impact_of(store, "c.n0", 5, threshold=5)
    assert not live.cached and not live.estimated and live.total_impacted_assets == 7
    near = store.impact("c.n5")  # two downstream: within the limit, exact
    assert near.cached and not near.estimated and near.total_impacted_assets == 2
