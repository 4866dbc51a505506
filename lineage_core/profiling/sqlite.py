"""The SQLite engine: the PostgreSQL engine's single aggregate pass, in SQLite's dialect.

The file is opened read-only (``mode=ro``) and every statement runs in one read transaction,
so all of them see one snapshot. A progress handler aborts a statement once the profile's
deadline has passed.

``count(*)`` is the cheap row count that decides what is affordable: SQLite walks the
b-tree's pages without decoding rows. Up to ``distinct_exact_limit`` rows distinct counts
are exact; above it only the columns leading an index get an estimate, from ANALYZE's
``sqlite_stat1``, and the others have none. The ``INTEGER PRIMARY KEY`` (the rowid) and
columns with a single-column unique index are counted exactly for free. Duplicate rows are
counted up to ``duplicate_row_limit`` rows, by grouping on every column as in PostgreSQL.

Names reach SQL only through :func:`~lineage_core.profiling.queries.quote_identifier` (double
quotes, inner quotes doubled); the schema queries are named blocks in ``sql/sqlite.sql``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.request import pathname2url

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
    first_line,
    measure_in_passes,
)
from lineage_core.profiling.queries import QuotedName, load_queries, quote_identifier

DIALECT = "sqlite"


def measure(parsed: QualifiedName, connection: Connection, plan: Plan) -> Measured:
    """Profile ``parsed`` in the SQLite file of ``connection``."""
    path = Path(connection.target)
    if not path.is_file():
        raise StoreUnavailable(
            f"Cannot open {connection} to profile {parsed}: no SQLite file at {path}"
        )
    try:
        database = sqlite3.connect(
            "file:" + pathname2url(str(path.resolve())) + "?mode=ro",
            uri=True,
            isolation_level=None,
            timeout=min(plan.remaining(), 5.0),
        )
    except sqlite3.Error as error:
        raise StoreUnavailable(
            f"Cannot open {connection} to profile {parsed}: {first_line(error)}"
        ) from error
    database.set_progress_handler(lambda: int(time.monotonic() > plan.deadline), 1000)
    try:
        database.execute("BEGIN")  # one read snapshot for every statement below
        return _measure(database, parsed, connection, plan)
    except sqlite3.OperationalError as error:
        if time.monotonic() > plan.deadline or "interrupt" in str(error):
            raise plan.timeout() from error
        raise ProfilingError(f"Profiling {plan.label} failed: {first_line(error)}") from error
    except sqlite3.DatabaseError as error:
        raise StoreUnavailable(
            f"Cannot read {connection} to profile {parsed}: {first_line(error)}"
        ) from error
    finally:
        database.close()


def _measure(
    database: sqlite3.Connection, parsed: QualifiedName, connection: Connection, plan: Plan
) -> Measured:
    queries = load_queries("sqlite")
    found = database.execute(queries["find_table"], {"table": parsed.table}).fetchone()
    if found is None:
        raise NotFound(f"Table {parsed} not found in {connection}")
    table, kind = found
    relation = quote_identifier(table)
    info = database.execute(queries["select_columns"], {"table": table}).fetchall()
    columns = [MeasuredColumn(name, declared or "ANY") for name, declared, _pk in info]
    unique = _unique_columns(database, table, info) if kind == "table" else set()

    row_count = database.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
    exact_distinct = plan.counts_distinct_exactly(row_count)
    count_duplicates = plan.counts_duplicates(row_count) and bool(columns)

    def run_pass(chunk: Sequence[MeasuredColumn], _first: bool) -> tuple:
        wants_distinct = [exact_distinct and column.name not in unique for column in chunk]
        query = _aggregate_query(relation, chunk, columns, wants_distinct, count_duplicates)
        return database.execute(query).fetchone()

    row_count, duplicates = measure_in_passes(
        columns, MAX_COLUMNS_PER_PASS, run_pass, unique=unique
    )

    if not exact_distinct:
        _estimates(database, table, columns, row_count)
    return Measured(
        row_count=row_count,
        columns=columns,
        size_bytes=_size(database, table, plan) if kind == "table" else None,
        duplicates=duplicates,
        exact=(count_duplicates and exact_distinct) or not columns,
    )


def _aggregate_query(
    relation: QuotedName,
    columns: Sequence[MeasuredColumn],
    every_column: Sequence[MeasuredColumn],
    wants_distinct: Sequence[bool],
    duplicates: bool,
) -> str:
    """The SQLite twin of the PostgreSQL aggregate pass; identifiers are quoted by doubling."""
    numeric = "FILTER (WHERE typeof({0}) IN ('integer', 'real'))"
    targets = ["sum(n)", "coalesce(sum(n), 0) - count(*)"] if duplicates else ["count(*)", "NULL"]
    inner = []
    for index, (column, distinct) in enumerate(zip(columns, wants_distinct, strict=True), 1):
        source = quote_identifier(column.name)
        if duplicates:
            ref = f"c{index}"
            inner.append(f"{source} AS {ref}")
            only_numeric = numeric.format(ref)
            targets += [
                f"sum(n) FILTER (WHERE {ref} IS NOT NULL)",
                f"min({ref})",
                f"max({ref})",
                f"total({ref} * n) {only_numeric} / sum(n) {only_numeric}",
            ]
        else:
            ref = source
            targets += [
                f"count({ref})",
                f"min({ref})",
                f"max({ref})",
                f"avg({ref}) {numeric.format(ref)}",
            ]
        targets.append(f"count(DISTINCT {ref})" if distinct else "NULL")
    if duplicates:
        keys = ", ".join(quote_identifier(column.name) for column in every_column)
        grouped = f"(SELECT {', '.join(inner)}, count(*) AS n FROM {relation} GROUP BY {keys})"
        return f"SELECT {', '.join(targets)} FROM {grouped}"
    return f"SELECT {', '.join(targets)} FROM {relation}"


def _unique_columns(
    database: sqlite3.Connection, table: str, info: Sequence[tuple[str, str, int]]
) -> set[str]:
    keys = [(name, declared) for name, declared, pk in info if pk]
    unique = set()
    if len(keys) == 1 and keys[0][1].upper() == "INTEGER":  # the rowid itself
        unique.add(keys[0][0])
    query = load_queries("sqlite")["select_unique_columns"]
    rows = database.execute(query, {"table": table}).fetchall()
    unique.update(name for (name,) in rows if name is not None)
    return unique


def _estimates(
    database: sqlite3.Connection, table: str, columns: Sequence[MeasuredColumn], row_count: int
) -> None:
    """Distinct estimates from ANALYZE's ``sqlite_stat1`` for columns leading an index."""
    queries = load_queries("sqlite")
    if not database.execute(queries["find_stat1"]).fetchone():
        return
    rows = database.execute(queries["select_stat1"], {"table": table}).fetchall()
    by_name = {column.name: column for column in columns}
    for name, stat in rows:
        column = by_name.get(name)
        fields = (stat or "").split()
        if column is None or column.distinct is not None or len(fields) < 2:
            continue
        try:
            sampled_rows, rows_per_value = int(fields[0]), int(fields[1])
        except ValueError:
            continue
        if rows_per_value <= 0 or abs(sampled_rows - row_count) > STATS_STALE_FRACTION * max(
            row_count, 1
        ):
            continue
        column.distinct = min(round(sampled_rows / rows_per_value), column.non_null)
        column.distinct_approximate = True


def _size(database: sqlite3.Connection, table: str, plan: Plan) -> int | None:
    """Bytes of the table's b-tree and its indexes, when SQLite was built with dbstat."""
    queries = load_queries("sqlite")
    names = [
        name for (name,) in database.execute(queries["select_storage_names"], {"table": table})
    ]
    total = 0
    try:
        for name in names:
            row = database.execute(queries["select_storage_size"], {"name": name}).fetchone()
            total += row[0] if row and row[0] else 0
    except sqlite3.OperationalError:
        if time.monotonic() > plan.deadline:
            raise
        return None
    return total
