"""Real pieces for the alert tests: a job that fails on request, and helpers that tick the
alert sensor and run what it asks for, as the daemon would."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dagster as dg

from lineage_core import open_store
from lineage_dagster import LineageResource, lineage_definitions
from lineage_dagster.sensors.alerts import build_impact_alert_sensor

SENSOR = "lineage_impact_alert_sensor"


@dg.op(config_schema={"fail": bool})
def load(context):
    if context.op_config["fail"]:
        raise RuntimeError("the warehouse is on fire")


@dg.job
def loader():
    load()


def record_lineage(store_url: str, downstream: int = 6) -> None:
    """``wh.stg.orders`` (written by ``loader``) feeds ``downstream`` marts."""
    with open_store(store_url) as store:
        store.record_edge("wh.raw.src", "wh.stg.orders", job="loader", op="load", run_id="r0")
        store.record_edges(
            [
                {"source": "wh.stg.orders", "target": f"wh.mart.m{i}", "job": f"mart{i % 2}"}
                for i in range(downstream)
            ]
        )


def alert_defs(store_url: str, **kwargs: Any) -> dg.Definitions:
    return dg.Definitions(
        jobs=[loader],
        sensors=[build_impact_alert_sensor(threshold=5, **kwargs)],
        resources={"lineage": LineageResource(database_url=store_url)},
    )


def location_defs(store_url: str, **options: Any) -> dg.Definitions:
    """A code location as users build one: their job, and ``lineage_definitions``."""
    return lineage_definitions(
        dg.Definitions(jobs=[loader]), database_url=store_url, impact_threshold=5, **options
    )


def tick(instance, defs: dg.Definitions, cursor: str | None = None):
    sensor = defs.resolve_sensor_def(SENSOR)
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=defs, resources=defs.resources
    )
    return sensor.evaluate_tick(context)


def timed_tick(instance, defs: dg.Definitions, cursor: str | None = None):
    """(the tick's result, how long it took in seconds)."""
    start = time.monotonic()
    result = tick(instance, defs, cursor)
    return result, time.monotonic() - start


def fail_loader(instance) -> str:
    result = loader.execute_in_process(
        instance=instance, run_config={"ops": {"load": {"config": {"fail": True}}}},
        raise_on_error=False,
    )  # fmt: skip
    assert not result.success
    return result.run_id


def run_requested(instance, defs: dg.Definitions, request: dg.RunRequest):
    """Run what the sensor asked for, as the daemon would: its job, config and tags."""
    job = defs.resolve_job_def(request.job_name)
    return job.execute_in_process(
        instance=instance, run_config=request.run_config, tags=request.tags,
        raise_on_error=False,
    )  # fmt: skip


def run_all(instance, defs: dg.Definitions, requests: Sequence[dg.RunRequest]) -> list:
    return [run_requested(instance, defs, request) for request in requests]


def concurrently(count: int, work: Callable[[int], Any]) -> list[Any]:
    """``work(0)`` ... ``work(count - 1)`` in threads started together; their results in order."""
    barrier = threading.Barrier(count)

    def started(index: int) -> Any:
        barrier.wait(timeout=30)
        return work(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(started, range(count)))


def keys_posted(requests: Sequence[dict]) -> Counter:
    """How many times each alert key reached a webhook (a digest counts for each of its keys)."""
    counts: Counter = Counter()
    for posted in requests:
        alert = posted["alert"]
        counts.update(alert.get("dedup_keys") or [alert["dedup_key"]])
    return counts


def stored_alert(store_url: str, dedup_key: str) -> dict[str, Any]:
    with open_store(store_url) as store:
        [alert] = [a for a in store.alerts(limit=1000) if a["dedup_key"] == dedup_key]
    return alert
