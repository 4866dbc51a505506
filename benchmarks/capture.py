"""Capture benchmark: the lineage capture sensor draining a backlog of finished runs.

A backlog of ``--runs`` (default 1,000) finished runs of a 10-op job (three extracts, two
joins, a pass-through, an aggregation, three loads; reads and writes declared through op
metadata, one extract's source chosen by run config so that some runs retire edges) is kept
in a Dagster instance directory under ``--home`` (default ``/tmp/lineage_capture_bench``);
it is generated once with ``execute_in_process`` and reused.

For each lineage store backend (a SQLite file, a fresh PostgreSQL database created and
dropped here) it prints the runs per second of the capture sensor draining the backlog (the
sensor evaluated with ``build_sensor_context`` until its cursor stops moving) next to the
*floor*: the time the instance takes just to hand over those runs (listing them by status
change, then per run ``get_run_record_by_id``, ``get_records_for_run`` of the event types
capture reads, with the same paging, and ``get_execution_plan_snapshot``). Target: capture
costs at most 1.5x the floor. Each of ``--repeat`` rounds runs the floor, then a capture into
a fresh store; the best of each is kept. The sensor's code location also defines
``--location-assets`` assets (their table names are read once per tick), as real ones do.

The Dagster instance is the default local one (SQLite run and event-log storage, no compute
logs). The floor reads an execution plan snapshot per run, as the brief of this benchmark
says; capture reads each distinct plan once (snapshot ids are content hashes).

    .venv/bin/python benchmarks/capture.py
    .venv/bin/python benchmarks/capture.py --runs 100 --backend sqlite --profile /tmp/capture.prof
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import psycopg
from psycopg import sql

from lineage_core import open_store
from lineage_dagster import LineageResource, build_lineage_capture_sensor, record_lineage
from lineage_dagster.runs import CAPTURED_EVENT_TYPES
from lineage_dagster.sensors.capture import FINISHED

GENERATOR_VERSION = 1
DEFAULT_HOME = Path(tempfile.gettempdir()) / "lineage_capture_bench"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_RATIO = 1.5
PAGE = 200  # the sensor's default max_runs_per_tick: runs listed per status-change page
REGIONS = 5

# -- the job: 10 ops, reads and writes declared in metadata ----------------------------------


@dg.op
def extract_orders(context: dg.OpExecutionContext):
    record_lineage(context, reads=["shop.raw.orders"])
    return 1


@dg.op(config_schema={"region": int})
def extract_customers(context: dg.OpExecutionContext):
    region = context.op_config["region"]
    context.add_output_metadata({"lineage/reads": [f"shop.raw.customers_{region}"]})
    return 2


@dg.op
def extract_payments(context: dg.OpExecutionContext):
    record_lineage(context, reads=["shop.raw.payments"])
    return 3


@dg.op
def join_orders_customers(orders, customers):
    return orders + customers


@dg.op
def clean(rows):
    return rows


@dg.op
def load_order_facts(context: dg.OpExecutionContext, rows):
    record_lineage(
        context,
        writes=["shop.mart.order_facts"],
        columns=[{"target": "shop.mart.order_facts.id", "sources": ["shop.raw.orders.id"]}],
    )
    return rows


@dg.op
def join_payments(rows, payments):
    return rows + payments


@dg.op
def load_revenue(context: dg.OpExecutionContext, rows):
    context.add_output_metadata({"lineage/writes": ["shop.mart.revenue"]})
    return rows


@dg.op
def aggregate(rows):
    return rows


@dg.op
def load_daily(context: dg.OpExecutionContext, rows):
    record_lineage(context, reads=["shop.ref.calendar"], writes=["shop.mart.daily"])


@dg.job
def shop_daily():
    cleaned = clean(join_orders_customers(extract_orders(), extract_customers()))
    load_order_facts(cleaned)
    with_payments = join_payments(cleaned, extract_payments())
    load_revenue(with_payments)
    load_daily(aggregate(with_payments))


def run_config(index: int) -> dict[str, Any]:
    return {
        "ops": {"extract_customers": {"config": {"region": index % REGIONS}}},
        "loggers": {"console": {"config": {"log_level": "ERROR"}}},
    }


# -- the backlog -----------------------------------------------------------------------------


def backlog_home(root: Path, runs: int) -> Path:
    return root / f"v{GENERATOR_VERSION}_runs{runs}"


@contextmanager
def open_instance(home: Path) -> Iterator[dg.DagsterInstance]:
    home.mkdir(parents=True, exist_ok=True)
    settings = home / "dagster.yaml"
    if not settings.exists():
        settings.write_text(
            "telemetry:\n  enabled: false\n"
            "compute_logs:\n  module: dagster.core.storage.noop_compute_log_manager\n"
            "  class: NoOpComputeLogManager\n"
        )
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        yield instance
    finally:
        instance.dispose()


def finished_runs(instance: dg.DagsterInstance) -> int:
    return instance.get_runs_count(
        dg.RunsFilter(job_name=shop_daily.name, statuses=[dg.DagsterRunStatus.SUCCESS])
    )


def generate(instance: dg.DagsterInstance, home: Path, runs: int) -> tuple[int, float]:
    """Add runs until the backlog holds ``runs``; returns (runs generated, seconds), summed
    over every session that generated part of this backlog."""
    log = home / "generation.json"
    so_far = json.loads(log.read_text()) if log.exists() else {"runs": 0, "seconds": 0.0}
    have = finished_runs(instance)
    started = time.perf_counter()
    for index in range(have, runs):
        result = shop_daily.execute_in_process(instance=instance, run_config=run_config(index))
        assert result.success
        if (index + 1) % 100 == 0:
            print(f"  generated {index + 1}/{runs} runs", file=sys.stderr, flush=True)
    if have < runs:
        so_far["runs"] += runs - have
        so_far["seconds"] += time.perf_counter() - started
        log.write_text(json.dumps(so_far))
    return so_far["runs"], so_far["seconds"]


# -- the two measurements --------------------------------------------------------------------


def floor(instance: dg.DagsterInstance) -> int:
    """Hand over every finished run's logs as capture reads them, and nothing else."""
    handed = 0
    for event_type in FINISHED.values():
        after = 0
        while True:
            page = instance.fetch_run_status_changes(
                dg.RunStatusChangeRecordsFilter(event_type=event_type, after_storage_id=after),
                limit=PAGE,
                ascending=True,
            )
            for change in page.records:
                record = instance.get_run_record_by_id(change.run_id)
                run = record.dagster_run
                cursor = None
                while True:
                    events = instance.get_records_for_run(
                        run.run_id, cursor=cursor, of_type=CAPTURED_EVENT_TYPES, limit=1000
                    )
                    if not events.has_more:
                        break
                    cursor = events.cursor
                if run.execution_plan_snapshot_id:
                    instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
                handed += 1
                after = change.storage_id
            if len(page.records) < PAGE:
                break
    return handed


def location_assets(count: int) -> list[dg.AssetSpec]:
    """Assets the code location defines besides the job (the sensor names their tables)."""
    return [
        dg.AssetSpec(
            f"model_{i}",
            deps=[f"model_{i // 2}"] if i else [],
            metadata={"dagster/table_name": f"warehouse.marts.model_{i}"},
        )
        for i in range(count)
    ]


def capture(instance: dg.DagsterInstance, store_url: str, assets: int) -> tuple[int, int]:
    """Evaluate the capture sensor until its cursor stops moving; returns (ticks, runs)."""
    defs = dg.Definitions(
        jobs=[shop_daily],
        assets=location_assets(assets),
        sensors=[build_lineage_capture_sensor(max_runs_per_tick=PAGE)],
        resources={"lineage": LineageResource(database_url=store_url)},
    )
    sensor = defs.resolve_sensor_def("lineage_capture_sensor")
    cursor, ticks = None, 0
    while True:
        context = dg.build_sensor_context(
            instance=instance, cursor=cursor, definitions=defs, resources=defs.resources
        )
        result = sensor(context)
        ticks += 1
        if result.cursor == cursor:
            break
        cursor = result.cursor
    with open_store(store_url) as store:
        captured = len(store.executions(limit=1_000_000))
    return ticks, captured


# -- stores ----------------------------------------------------------------------------------


@contextmanager
def sqlite_store() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="lineage_capture_store_") as directory:
        url = f"sqlite:///{Path(directory) / 'lineage.db'}"
        open_store(url).close()
        yield url


@contextmanager
def postgres_store(admin_url: str) -> Iterator[str]:
    name = f"lineage_bench_capture_{uuid.uuid4().hex[:8]}"
    info = psycopg.conninfo.conninfo_to_dict(admin_url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    user, host, port = (
        info.get("user", "postgres"),
        info.get("host", "127.0.0.1"),
        info.get("port", "5432"),
    )
    url = f"postgresql://{user}@{host}:{port}/{name}"
    try:
        open_store(url).close()
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def measure(
    instance: dg.DagsterInstance,
    backend: str,
    store: Callable[[], Any],
    runs: int,
    repeat: int,
    profile: Path | None,
    assets: int,
) -> dict[str, Any]:
    """Best of ``repeat`` rounds, each a floor pass then a capture into a fresh store."""
    floors, captures, ticks = [], [], 0
    for round_ in range(repeat):
        handed, seconds = timed(lambda: floor(instance))
        assert handed == runs, f"the instance handed over {handed} runs, expected {runs}"
        floors.append(seconds)
        with store() as url:
            profiler = cProfile.Profile() if profile and round_ == repeat - 1 else None
            if profiler:
                profiler.enable()
            (ticks, captured), seconds = timed(lambda url=url: capture(instance, url, assets))
            if profiler:
                profiler.disable()
                path = profile.with_name(f"{profile.stem}_{backend}{profile.suffix}")
                profiler.dump_stats(path)
                print(f"\nprofile of the {backend} capture ({path}):", file=sys.stderr)
                stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative")
                stats.print_stats(30)
        assert captured == runs, f"captured {captured} runs, expected {runs}"
        captures.append(seconds)
    floor_s, capture_s = min(floors), min(captures)
    return {
        "backend": backend,
        "runs": runs,
        "ticks": ticks,
        "location_assets": assets,
        "floor_seconds": floor_s,
        "capture_seconds": capture_s,
        "floor_runs_per_second": runs / floor_s,
        "capture_runs_per_second": runs / capture_s,
        "ratio": capture_s / floor_s,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1_000, help="runs in the backlog")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME, help="backlog directory root")
    parser.add_argument("--repeat", type=int, default=2, help="rounds per backend (best kept)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LINEAGE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a server where the benchmark may create and drop a database",
    )
    parser.add_argument(
        "--location-assets", type=int, default=200, help="assets the code location defines"
    )
    parser.add_argument("--profile", type=Path, help="cProfile the last capture to this path")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--generate-only", action="store_true", help="build the backlog, stop")
    args = parser.parse_args(argv)

    home = backlog_home(args.home, args.runs)
    assets = args.location_assets
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    stores = {"sqlite": sqlite_store, "postgres": lambda: postgres_store(args.postgres_url)}
    with open_instance(home) as instance:
        generated, seconds = generate(instance, home, args.runs)
        rate = f" ({generated / seconds:.2f} runs/s)" if seconds else ""
        print(f"backlog: {args.runs} runs in {home}; generating them took {seconds:.1f}s{rate}")
        if args.generate_only:
            return 0
        results = []
        for backend in backends:
            store = stores[backend]
            results.append(
                measure(instance, backend, store, args.runs, args.repeat, args.profile, assets)
            )
    print(f"\n{'backend':<10}{'runs':>7}{'floor runs/s':>15}{'capture runs/s':>17}{'ratio':>8}")
    for r in results:
        verdict = "ok" if r["ratio"] <= TARGET_RATIO else f"> {TARGET_RATIO}x"
        print(
            f"{r['backend']:<10}{r['runs']:>7}{r['floor_runs_per_second']:>15.1f}"
            f"{r['capture_runs_per_second']:>17.1f}{r['ratio']:>7.2f}x  {verdict}"
        )
    if args.json:
        args.json.write_text(
            json.dumps({"generation_seconds": seconds, "results": results}, indent=2)
        )
    return 0 if all(r["ratio"] <= TARGET_RATIO for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
