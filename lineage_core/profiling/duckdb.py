"""The DuckDB engine: the SQLite engine's aggregate passes, in DuckDB's dialect.

DuckDB is the usual local warehouse of Dagster projects (dagster-duckdb, dbt-duckdb). The
file is opened with ``read_only=True``, so nothing can be written to it and a file that does
not exist is refused, never created. DuckDB lets one process hold a file for writing or any
number of processes read it, which the profile has to live with:

* a file held for writing by another process cannot be profiled until that process lets it
  go, and while a profile reads the file other processes cannot open it for writing;
* a file open for writing in this very process (a ``dagster-duckdb`` resource inside its
  ``with`` block) is refused too: DuckDB keeps one open database per file and process and
  will not hand out a read-only connection to a writable one.

Both are :class:`~lineage_core.errors.StoreUnavailable` errors that say so. The time limit is
a thread that calls ``interrupt()`` on the connection from the profile's deadline on, which
stops the running statement.

``count(*)`` is the cheap row count that decides what is affordable (it reads no column of a
table; a view runs once more). Up to ``distinct_exact_limit`` rows distinct counts are
exact; above it they are ``approx_count_distinct`` (HyperLogLog) estimates flagged
``distinct_approximate``. A column that is a whole primary key or unique constraint on its
own is counted exactly for free. Duplicate rows, counted up to ``duplicate_row_limit`` rows,
are the rows minus the distinct rows, ``count(DISTINCT row(every column))``, so the column
statistics need no grouping.

The aggregates run in passes of :data:`COLUMNS_PER_PASS` columns. DuckDB takes time that
grows with the square of a query's ``DISTINCT`` aggregates to plan it (400 take seconds, over
four rows), while a pass reads only its own columns from DuckDB's columnar storage, so
several narrow passes cost less than one wide one. They all see the same data, since no
writer can open the file while it is read.

A name is ``database.schema.table``: the database part is ignored, since the connection chose
the file and its catalog (named after the file's stem) is the only one there; the schema part
defaults to ``main``. Names reach SQL only through
:func:`~lineage_core.profiling.queries.quote_identifier`, the table always qualified with its
catalog and schema as the catalog spells them; the catalog queries are named blocks in
``sql/duckdb.sql``. Since a name is found in the catalog first, it never reaches a DataFrame
held in a Python variable (DuckDB's replacement scans).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Sequence
from pathlib import Path

from lineage_core.connections import Connection
from lineage_core.errors import NotFound, StoreUnavailable
from lineage_core.names import QualifiedName
from lineage_core.profiling.plan import (
    Measured,
    MeasuredColumn,
    Plan,
    ProfilingError,
    first_line,
    measure_in_passes,
)
from lineage_core.profiling.queries import QuotedName, load_queries, quote_identifier

try:
    import duckdb
except ImportError as error:  # an optional dependency
    raise ProfilingError(
        "Profiling a DuckDB file needs the duckdb package: pip install 'dagster-lineage[duckdb]'"
    ) from error

DIALECT = "duckdb"
DEFAULT_SCHEMA = "main"
COLUMNS_PER_PASS = 32
# How often the interrupt is repeated after the deadline, for a statement started just then.
INTERRUPT_INTERVAL_SECONDS = 0.05


def measure(parsed: QualifiedName, connection: Connection, plan: Plan) -> Measured:
    """Profile ``parsed`` in the DuckDB file of ``connection``."""
    path = Path(connection.target)
    if not path.is_file():
        raise StoreUnavailable(
            f"Cannot open {connection} to profile {parsed}: no DuckDB file at {path}"
        )
    try:
        database = duckdb.connect(str(path), read_only=True)
    except duckdb.ConnectionException as error:
        raise StoreUnavailable(
            f"Cannot open {connection} read-only to profile {parsed}: this process already has "
            "it open with other settings, for writing most likely, and DuckDB keeps one open "
            f"database per file and process; close that connection first ({first_line(error)})"
        ) from error
    except duckdb.Error as error:
        raise StoreUnavailable(
            f"Cannot open {connection} to profile {parsed}: {first_line(error)}"
        ) from error
    done = threading.Event()
    watcher = threading.Thread(
        target=_interrupt_from_deadline, args=(database, plan.deadline, done), daemon=True
    )
    watcher.start()
    try:
        return _measure(database, parsed, connection, plan)
    except duckdb.InterruptException as error:
        raise plan.timeout() from error
    except duckdb.Error as error:
        raise ProfilingError(f"Profiling {plan.label} failed: {first_line(error)}") from error
    finally:
        done.set()
        watcher.join()
        database.close()


def _interrupt_from_deadline(
    database: duckdb.DuckDBPyConnection, deadline: float, done: threading.Event
) -> None:
    """Interrupt whatever ``database`` runs from ``deadline`` on, until ``done`` is set.

    The interrupt is repeated because DuckDB drops one that arrives between two statements.
    """
    wait = deadline - time.monotonic()
    while not done.wait(max(wait, 0.0)):
        database.interrupt()
        wait = INTERRUPT_INTERVAL_SECONDS


def _measure(
    database: duckdb.DuckDBPyConnection,
    parsed: QualifiedName,
    connection: Connection,
    plan: Plan,
) -> Measured:
    queries = load_queries("duckdb")
    schema = parsed.schema or DEFAULT_SCHEMA
    found = database.execute(
        queries["find_table"], {"schema": schema, "table": parsed.table}
    ).fetchone()
    if found is None:
        raise NotFound(f"Table {parsed} not found in schema {schema!r} of {connection}")
    catalog, schema, table = found
    relation = quote_identifier(catalog, schema, table)
    info = database.execute(
        queries["select_columns"], {"catalog": catalog, "schema": schema, "table": table}
    ).fetchall()
    columns = [MeasuredColumn(name, data_type) for name, data_type, _mean, _unique in info]
    averaged = {name for name, _type, has_mean, _unique in info if has_mean}
    unique = {name for name, _type, _mean, is_unique in info if is_unique}

    row_count = database.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
    exact_distinct = plan.counts_distinct_exactly(row_count)
    count_duplicates = plan.counts_duplicates(row_count) and bool(columns)

    def run_pass(chunk: Sequence[MeasuredColumn], first: bool) -> tuple:
        query = _aggregate_query(
            relation,
            chunk,
            every_column=columns if count_duplicates and first else (),
            averaged=averaged,
            unique=unique,
            exact_distinct=exact_distinct,
        )
        return database.execute(query).fetchone()

    row_count, duplicates = measure_in_passes(
        columns, COLUMNS_PER_PASS, run_pass, unique=unique, approximate=not exact_distinct
    )
    return Measured(
        row_count=row_count,
        columns=columns,
        duplicates=duplicates,
        exact=(count_duplicates and exact_distinct) or not columns,
    )


def _aggregate_query(
    relation: QuotedName,
    columns: Sequence[MeasuredColumn],
    *,
    every_column: Sequence[MeasuredColumn],
    averaged: Collection[str],
    unique: Collection[str],
    exact_distinct: bool,
) -> str:
    """One SELECT: row count, duplicate rows over ``every_column`` (none: not counted), then
    five aggregates per column of ``columns``.

    ``min``/``max`` order every DuckDB type (lists, structs and booleans included); only
    numeric types have a mean. Unique columns need no distinct count.
    """
    targets = ["count(*)"]
    if every_column:
        every = ", ".join(quote_identifier(column.name) for column in every_column)
        targets.append(f"count(*) - count(DISTINCT row({every}))")
    else:
        targets.append("NULL")
    for column in columns:
        ref = quote_identifier(column.name)
        targets += [f"count({ref})", f"min({ref})", f"max({ref})"]
        targets.append(f"avg({ref})" if column.name in averaged else "NULL")
        if column.name in unique:
            targets.append("NULL")
        elif exact_distinct:
            targets.append(f"count(DISTINCT {ref})")
        else:
            targets.append(f"approx_count_distinct({ref})")
    return f"SELECT {', '.join(targets)} FROM {relation}"
