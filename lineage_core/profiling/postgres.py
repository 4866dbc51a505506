"""The PostgreSQL engine: every aggregate runs in the database, one row comes back.

A profile is one ``SELECT`` of five aggregates per column (300 columns a pass, PostgreSQL's
result has at most 1664 columns), inside a ``REPEATABLE READ READ ONLY`` transaction, so
every statement sees one snapshot and nothing can be written, whatever a name or a function
in a view tries. Each statement runs under a ``statement_timeout`` of what is left of the
profile's time, so the server cancels it at the deadline.

Which statistics are affordable is decided first from the planner's row estimate
(``EXPLAIN``), which costs nothing:

* distinct counts are exact (``COUNT(DISTINCT)``) up to ``distinct_exact_limit`` rows. Above
  it they are estimates flagged ``distinct_approximate``: ``pg_stats.n_distinct`` when ANALYZE
  is recent and its sample saw most values, else an exact count of the values whose hash
  falls in a slice of the hash space, scaled up (see :func:`_plan_estimate`). A column with a
  single-column unique index is counted exactly for free (distinct = non-null rows).
* duplicate rows (rows minus distinct rows) need the table grouped by every column, so they
  are counted only up to ``duplicate_row_limit`` rows (or with ``exact=True``) and are
  ``None`` above it. The grouping weights each group by its size, so the column statistics
  still come from the same single pass.

The table reaches SQL only through :class:`psycopg.sql.Identifier`; the catalog queries are
named blocks in ``sql/postgres.sql``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from lineage_core.connections import Connection
from lineage_core.errors import NotFound, StoreUnavailable
from lineage_core.names import QualifiedName
from lineage_core.profiling.plan import (
    MAX_COLUMNS_PER_PASS,
    STATS_STALE_FRACTION,
    Measured,
    MeasuredColumn,
    Plan,
    ProfilingError,
    chunks,
    first_line,
)
from lineage_core.profiling.queries import load_queries

DIALECT = "postgres"

# ANALYZE's n_distinct is trusted when its sample (300 x statistics target rows) is at least
# this many times the estimate, so that it saw nearly every value several times.
STATS_TRUSTED_SHARE = 4
# A hash slice holding this many distinct values estimates within ~1 / sqrt(n) = 0.8%.
SAMPLED_VALUES = 16_384
# Below this many values in the slice the estimate is too noisy (> 10%) to report.
MIN_SAMPLED_VALUES = 100


@dataclass
class _PgColumn:
    column: MeasuredColumn
    is_bool: bool
    has_mean: bool
    has_min_max: bool
    has_distinct: bool
    is_unique: bool
    statistics_target: int
    hash_schema: str | None
    hash_function: str | None
    # How the distinct count is estimated above the exact limit: from ANALYZE's n_distinct
    # and/or by counting the distinct values whose hash falls in 1 / 2**sample_level of the
    # hash space (0: no sampling).
    stats_estimate: float | None = None
    sample_level: int = 0

    @property
    def wants_estimate(self) -> bool:
        return self.has_distinct and not self.is_unique


def measure(parsed: QualifiedName, connection: Connection, plan: Plan) -> Measured:
    """Profile ``parsed`` in the PostgreSQL database of ``connection``."""
    try:
        database = psycopg.connect(
            connection.target,
            autocommit=False,
            connect_timeout=max(2, min(10, math.ceil(plan.remaining()))),
            application_name="lineage-profiler",
        )
    except psycopg.Error as error:
        raise StoreUnavailable(
            f"Cannot connect to {connection} to profile {parsed}: {first_line(error)}"
        ) from error
    try:
        # BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY: every statement sees one snapshot
        # and nothing can be written, whatever a name or a function in a view tries.
        database.read_only = True
        database.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with database.cursor() as cursor:
            return _measure(cursor, parsed, connection, plan)
    except psycopg.errors.QueryCanceled as error:
        raise plan.timeout() from error
    except psycopg.Error as error:
        if database.broken:
            raise StoreUnavailable(
                f"Lost the connection to {connection} while profiling {parsed}: {first_line(error)}"
            ) from error
        raise ProfilingError(f"Profiling {plan.label} failed: {first_line(error)}") from error
    finally:
        database.close()


def _time_limit(cursor: psycopg.Cursor[Any], plan: Plan) -> None:
    milliseconds = max(1, math.floor(plan.remaining() * 1000))
    cursor.execute(load_queries("postgres")["set_time_limit"], {"milliseconds": str(milliseconds)})


def _measure(
    cursor: psycopg.Cursor[Any], parsed: QualifiedName, connection: Connection, plan: Plan
) -> Measured:
    queries = load_queries("postgres")
    _time_limit(cursor, plan)
    cursor.execute(queries["find_table"], {"table": parsed.table, "schema": parsed.schema})
    found = cursor.fetchone()
    if found is None:
        where = f"schema {parsed.schema!r}" if parsed.schema else "the search path"
        raise NotFound(f"Table {parsed} not found in {where} of {connection}")
    oid, schema, table, _kind, size_bytes, analyzed, modified = found
    relation = sql.Identifier(schema, table)
    cursor.execute(queries["select_columns"], {"oid": oid})
    columns = [
        _PgColumn(MeasuredColumn(name, data_type), *flags)
        for name, data_type, *flags in cursor.fetchall()
    ]

    if plan.exact:
        exact_distinct = count_duplicates = True
    else:
        cursor.execute(sql.SQL("EXPLAIN (FORMAT JSON) SELECT * FROM {}").format(relation))
        estimated_rows = max(1, int(cursor.fetchone()[0][0]["Plan"]["Plan Rows"]))
        exact_distinct = plan.counts_distinct_exactly(estimated_rows)
        count_duplicates = plan.counts_duplicates(estimated_rows)
        if not exact_distinct:
            fresh = analyzed and (modified or 0) <= STATS_STALE_FRACTION * estimated_rows
            estimates: dict[str, float] = {}
            if fresh:
                cursor.execute(queries["select_stats"], {"schema": schema, "table": table})
                estimates = dict(cursor.fetchall())
            for column in columns:
                if column.wants_estimate:
                    estimate = estimates.get(column.column.name) or None  # 0: unknown
                    _plan_estimate(column, estimate, estimated_rows, plan)
    count_duplicates = count_duplicates and bool(columns)

    row_count = 0
    duplicates = None
    for position, chunk in enumerate(chunks(columns, MAX_COLUMNS_PER_PASS)):
        _time_limit(cursor, plan)
        query = _aggregate_query(relation, chunk, columns, exact_distinct, count_duplicates)
        cursor.execute(query)
        values = cursor.fetchone()
        if position == 0:
            row_count = int(values[0] or 0)
            duplicates = int(values[1]) if count_duplicates else None
        for index, column in enumerate(chunk):
            non_null, low, high, mean, distinct = values[2 + 5 * index : 7 + 5 * index]
            stats = column.column
            stats.non_null = int(non_null or 0)
            stats.min, stats.max, stats.mean = low, high, mean
            if column.is_unique:
                stats.distinct = stats.non_null
            elif exact_distinct and distinct is not None:
                stats.distinct = int(distinct)
            elif column.wants_estimate:
                _apply_estimate(column, distinct, row_count)
    database_exact = count_duplicates and all(
        c.column.distinct is not None and not c.column.distinct_approximate
        for c in columns
        if c.has_distinct
    )
    return Measured(
        row_count=row_count,
        columns=[column.column for column in columns],
        size_bytes=int(size_bytes) if size_bytes is not None else None,
        duplicates=duplicates,
        exact=database_exact or (not columns),
    )


def _plan_estimate(
    column: _PgColumn, estimate: float | None, estimated_rows: int, plan: Plan
) -> None:
    """Choose how to estimate a column's distinct count when counting it exactly is too dear.

    ANALYZE reads a sample of 300 x statistics-target rows. When that sample holds each
    value several times its n_distinct is close to exact; when most values are rare it can
    be off by 20% or more. Those columns instead count the distinct values whose hash lands
    in a 1 / 2**k slice of the hash space and scale up: exact within the slice, with a
    relative error of about 1 / sqrt(values in the slice). k is the smallest level that
    keeps the sorted slice within ``distinct_exact_limit`` rows, coarser when the slice would
    hold more values than accuracy needs.
    """
    column.stats_estimate = estimate
    distinct = None
    if estimate is not None:
        distinct = estimate if estimate > 0 else -estimate * estimated_rows
        if distinct * STATS_TRUSTED_SHARE <= 300 * column.statistics_target:
            return
    if column.hash_function is None:
        return
    by_rows = math.ceil(math.log2(estimated_rows / max(plan.distinct_exact_limit, 1)))
    by_accuracy = math.floor(math.log2(distinct / SAMPLED_VALUES)) if distinct else 0
    column.sample_level = min(62, max(1, by_rows, by_accuracy))


def _apply_estimate(column: _PgColumn, sampled: int | None, row_count: int) -> None:
    stats = column.column
    count: float | None = None
    if column.sample_level and sampled is not None and sampled >= MIN_SAMPLED_VALUES:
        count = sampled * 2**column.sample_level
    elif column.stats_estimate is not None:
        estimate = column.stats_estimate
        count = estimate if estimate > 0 else -estimate * row_count
    if count is not None:
        stats.distinct = min(round(count), stats.non_null)
        stats.distinct_approximate = True


def _group_key(column: _PgColumn) -> sql.Composable:
    """Group by the value, or by its text where the type has no equality (json, point)."""
    source = sql.Identifier(column.column.name)
    return source if column.has_distinct else sql.SQL("{}::text").format(source)


def _aggregate_query(
    relation: sql.Composable,
    columns: Sequence[_PgColumn],
    every_column: Sequence[_PgColumn],
    exact_distinct: bool,
    count_duplicates: bool,
) -> sql.Composed:
    """One SELECT: row count, duplicates, then five aggregates per column of ``columns``.

    Counting duplicates groups the table by every column first and weights each group by
    its size, so the column statistics still come from the same single pass. The grouping
    always spans ``every_column``, even when a wide table is profiled a slice at a time.
    """
    null = sql.SQL("NULL")
    targets: list[sql.Composable] = []
    if count_duplicates:
        weight = sql.Identifier("n")
        targets += [
            sql.SQL("sum({})").format(weight),
            sql.SQL("coalesce(sum({}), 0) - count(*)").format(weight),
        ]
        inner: list[sql.Composable] = []
    else:
        targets += [sql.SQL("count(*)"), null]
    for index, column in enumerate(columns, start=1):
        source = sql.Identifier(column.column.name)
        if count_duplicates:
            ref = sql.Identifier(f"c{index}")
            inner.append(sql.SQL("{} AS {}").format(_group_key(column), ref))
            not_null = sql.SQL("FILTER (WHERE {} IS NOT NULL)").format(ref)
            targets.append(sql.SQL("sum({}) {}").format(weight, not_null))
        else:
            ref = source
            targets.append(sql.SQL("count({})").format(ref))
        if column.is_bool:
            targets += [sql.SQL("bool_and({})").format(ref), sql.SQL("bool_or({})").format(ref)]
        elif column.has_min_max:
            targets += [sql.SQL("min({})").format(ref), sql.SQL("max({})").format(ref)]
        else:
            targets += [null, null]
        if not column.has_mean:
            targets.append(null)
        elif count_duplicates:
            targets.append(
                sql.SQL("sum({ref}::numeric * {w}) {nn} / nullif(sum({w}) {nn}, 0)").format(
                    ref=ref, w=weight, nn=not_null
                )
            )
        else:
            targets.append(sql.SQL("avg({})").format(ref))
        if exact_distinct and column.wants_estimate:
            targets.append(sql.SQL("count(DISTINCT {})").format(ref))
        elif column.sample_level:
            in_slice = sql.SQL("({}({}, 0) & {}) = 0").format(
                sql.Identifier(column.hash_schema, column.hash_function),
                ref,
                sql.Literal((1 << column.sample_level) - 1),
            )
            targets.append(sql.SQL("count(DISTINCT {}) FILTER (WHERE {})").format(ref, in_slice))
        else:
            targets.append(null)
    if count_duplicates:
        keys = sql.SQL(", ").join(_group_key(column) for column in every_column)
        source_rows = sql.SQL("(SELECT {}, count(*) AS {} FROM {} GROUP BY {}) AS grouped").format(
            sql.SQL(", ").join(inner), weight, relation, keys
        )
    else:
        source_rows = relation
    return sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(targets), source_rows)
