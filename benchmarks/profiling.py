"""Profiling benchmark: ``profile_table`` against the naive load-everything-into-polars way.

Inputs, generated once per run: a Parquet file (10 million rows) in a temporary directory and
a PostgreSQL table (2 million rows, analysed as autovacuum would) in a scratch schema. Both
have ints, floats, strings with a few thousand distincts, dates and nulls.

Every measurement runs in a fresh interpreter, which reports its own wall time (imports
excluded) and peak resident memory (``VmHWM``), so one measurement's memory never counts
against another. Cases are interleaved and repeated; the table shows the fastest run, since
on a shared machine the minimum is the least disturbed figure, and the largest peak memory.

    .venv/bin/python benchmarks/profiling.py                  # full size, about 3 minutes
    .venv/bin/python benchmarks/profiling.py --parquet-rows 1000000 --postgres-rows 200000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import polars as pl
import psycopg
from psycopg import sql

from lineage_core.profiling import profile_table

POSTGRES_URL = os.environ.get(
    "LINEAGE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
MODES = ("default", "exact", "naive")
HEADER = "| source   | mode    |     best |   median | cli. CPU |  peak RSS | faster | memory |"
RULE = "|----------|---------|----------|----------|----------|-----------|--------|--------|"


def generate_parquet(path: Path, rows: int) -> None:
    index = pl.int_range(rows, dtype=pl.Int64)

    def every(step: int, value: pl.Expr) -> pl.Expr:
        return pl.when(index % step == 0).then(None).otherwise(value)

    pl.select(
        id=index,
        customer_id=(index.hash(1) % 200_000).cast(pl.Int64),
        quantity=every(13, (index.hash(2) % 50).cast(pl.Int32)),
        amount=every(7, (index.hash(3) % 1_000_000).cast(pl.Float64) / 100),
        category=every(11, pl.format("category-{}", index.hash(4) % 3_000)),
        order_date=pl.lit(date(2015, 1, 1)) + pl.duration(days=index.hash(5) % 3_650),
    ).write_parquet(path, row_group_size=256_000)


def generate_postgres(url: str, schema: str, rows: int) -> None:
    with psycopg.connect(url, autocommit=True) as database:
        table = sql.Identifier(schema, "orders")
        database.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        database.execute(
            sql.SQL(
                """
                CREATE TABLE {table} AS
                SELECT g AS id,
                       (hashint8(g) & 2147483647) % 200000 AS customer_id,
                       CASE WHEN g % 13 = 0 THEN NULL
                            ELSE ((hashint8(g * 3) & 2147483647) % 50)::integer END AS quantity,
                       CASE WHEN g % 7 = 0 THEN NULL
                            ELSE ((hashint8(g * 5) & 2147483647) % 1000000) / 100.0::float8
                       END AS amount,
                       CASE WHEN g % 11 = 0 THEN NULL
                            ELSE 'category-' || ((hashint8(g * 7) & 2147483647) % 3000) END
                         AS category,
                       DATE '2015-01-01' + ((hashint8(g * 11) & 2147483647) % 3650)::integer
                         AS order_date
                FROM generate_series(1::bigint, {rows}) AS g
                """
            ).format(table=table, rows=sql.Literal(rows))
        )
        database.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY (id)").format(table))
        database.execute(sql.SQL("VACUUM ANALYZE {}").format(table))


def naive_statistics(frame: pl.DataFrame) -> dict[str, int]:
    """What profiling computes, the way the design document did it: all rows in memory."""
    aggregates: list[pl.Expr] = [pl.len().alias("rows")]
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        aggregates += [
            column.null_count().alias(f"{name}:nulls"),
            column.drop_nulls().n_unique().alias(f"{name}:distinct"),
            column.min().alias(f"{name}:min"),
            column.max().alias(f"{name}:max"),
        ]
        if dtype.is_numeric():
            aggregates.append(column.mean().alias(f"{name}:mean"))
    summary = frame.select(aggregates).row(0, named=True)
    duplicates = frame.height - frame.n_unique()
    distincts = {key.split(":")[0]: value for key, value in summary.items() if ":distinct" in key}
    return {"duplicates": duplicates, **distincts}


def measure(source: str, mode: str, location: str) -> dict[str, object]:
    """Run one case in this (fresh) interpreter and report time, memory and distincts."""
    started = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    if mode == "naive":
        if source == "parquet":
            frame = pl.read_parquet(location)
        else:
            url, schema = location.split("|")
            with psycopg.connect(url) as database:
                query = sql.SQL("SELECT * FROM {}").format(sql.Identifier(schema, "orders"))
                frame = pl.read_database(query.as_string(database), database)
        result = naive_statistics(frame)
        approximate: list[str] = []
    else:
        if source == "parquet":
            name, connection = "orders", location
        else:
            url, schema = location.split("|")
            name, connection = f"{schema}.orders", url
        profile = profile_table(name, connection, exact=mode == "exact")
        result = {c.column_name: c.distinct_count for c in profile.column_profiles}
        result["duplicates"] = profile.duplicate_count
        approximate = [c.column_name for c in profile.column_profiles if c.distinct_approximate]
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime - cpu_before,
        "peak_mb": _peak_mb(),
        "result": result,
        "approximate": approximate,
    }


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(source: str, mode: str, location: str) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, __file__, "--measure", source, mode, location],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"{source}/{mode} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def distinct_error(approximate: dict[str, object], exact: dict[str, object]) -> dict[str, float]:
    errors = {}
    for column, truth in exact.items():
        guess = approximate.get(column)
        if column == "duplicates" or not truth or guess is None:
            continue
        errors[column] = (guess - truth) / truth * 100
    return errors


def report(source: str, runs: dict[str, list[dict[str, object]]]) -> list[str]:
    naive_time = min(r["seconds"] for r in runs["naive"])
    naive_peak = max(r["peak_mb"] for r in runs["naive"])
    lines = []
    for mode in MODES:
        times = [r["seconds"] for r in runs[mode]]
        peak = max(r["peak_mb"] for r in runs[mode])
        cpu = min(r["cpu_seconds"] for r in runs[mode])
        lines.append(
            f"| {source:<8} | {mode:<7} | {min(times):6.2f} s | {statistics.median(times):6.2f} s "
            f"| {cpu:6.2f} s | {peak:6.0f} MB | {naive_time / min(times):5.1f}x "
            f"| {peak / naive_peak:6.1%} |"
        )
    exact_result = runs["exact"][0]["result"]
    naive_result = runs["naive"][0]["result"]
    if exact_result != naive_result:
        lines.append(f"| MISMATCH exact {exact_result} != naive {naive_result}")
    lines += error_lines(runs["default"][0], exact_result, "default")
    return lines


def error_lines(run: dict[str, object], exact: dict[str, object], label: str) -> list[str]:
    errors = distinct_error(run["result"], exact)
    approximated = set(run["approximate"])
    shown = ", ".join(
        f"{column} {error:+.2f}%" for column, error in errors.items() if column in approximated
    )
    lines = [f"|          | distinct error, {label} vs exact: {shown or 'none approximated'}"]
    exact_columns = sorted(set(errors) - approximated)
    if exact_columns:
        lines.append(f"|          | counted exactly in {label} mode: {', '.join(exact_columns)}")
    return lines


def analyze_errors(url: str, schema: str, exact: dict[str, object]) -> str:
    """How far ANALYZE's own n_distinct is from the truth, for comparison with the profile."""
    with psycopg.connect(url) as database:
        rows = database.execute(
            "SELECT attname, n_distinct, (SELECT reltuples FROM pg_class "
            "WHERE oid = format('%%I.orders', %s::text)::regclass) "
            "FROM pg_stats WHERE schemaname = %s AND tablename = 'orders'",
            (schema, schema),
        ).fetchall()
    shown = []
    for column, estimate, tuples in rows:
        truth = exact.get(column)
        if truth and column != "id":
            guess = estimate if estimate > 0 else -estimate * tuples
            shown.append(f"{column} {(guess - truth) / truth * 100:+.2f}%")
    return ", ".join(shown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parquet-rows", type=int, default=10_000_000)
    parser.add_argument("--postgres-rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--only", choices=("parquet", "postgres"), help="benchmark one input")
    parser.add_argument("--measure", nargs=3, metavar=("SOURCE", "MODE", "LOCATION"))
    arguments = parser.parse_args()
    if arguments.measure:
        print(json.dumps(measure(*arguments.measure), default=str))
        return

    schema = f"bench_profiling_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="profiling-bench-") as directory:
        parquet = Path(directory) / "orders.parquet"
        started = time.perf_counter()
        if arguments.only != "postgres":
            generate_parquet(parquet, arguments.parquet_rows)
        if arguments.only != "parquet":
            generate_postgres(arguments.postgres_url, schema, arguments.postgres_rows)
        print(
            f"generated {arguments.parquet_rows:,} Parquet rows and {arguments.postgres_rows:,} "
            f"PostgreSQL rows in {time.perf_counter() - started:.0f} s"
        )
        try:
            sources = {
                "parquet": f"file://{directory}/{{table}}.parquet",
                "postgres": f"{arguments.postgres_url}|{schema}",
            }
            if arguments.only:
                sources = {arguments.only: sources[arguments.only]}
            naive_locations = {"parquet": str(parquet), "postgres": sources["postgres"]}
            runs = {source: {mode: [] for mode in MODES} for source in sources}
            for _ in range(arguments.repeat):
                for source in sources:
                    for mode in MODES:
                        location = naive_locations[source] if mode == "naive" else sources[source]
                        runs[source][mode].append(run_case(source, mode, location))
            print(f"\n{HEADER}\n{RULE}")
            for source in sources:
                print("\n".join(report(source, runs[source])))
            if "postgres" in sources:
                exact = runs["postgres"]["exact"][0]["result"]
                errors = analyze_errors(arguments.postgres_url, schema, exact)
                print(f"|          | for comparison, ANALYZE's n_distinct alone: {errors}")
            print(
                "\nfaster: naive best time / this best time; memory: this peak RSS / naive peak RSS"
            )
        finally:
            with psycopg.connect(arguments.postgres_url, autocommit=True) as database:
                database.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
                )


if __name__ == "__main__":
    main()
