"""Table profiling: statistics computed where the data lives, never by copying the table out.

A profile is one pass of aggregates over a table. In PostgreSQL, SQLite and DuckDB the
aggregates run inside the database (a ``SELECT`` per slice of columns, read-only, with a
time limit), so only one row a slice travels back. For Parquet and CSV files polars scans
lazily with its streaming engine, so memory stays bounded by the batch size, not by the file.

Which statistics are affordable is decided before the pass from a cheap row count. Two
statistics cost more than a scan and are bounded: distinct counts are exact up to
``distinct_exact_limit`` rows and flagged ``distinct_approximate`` estimates above it;
duplicate rows are counted up to ``duplicate_row_limit`` rows and are ``None`` above it.
``exact=True`` lifts both limits. How each source counts and estimates is told by its engine:

* :mod:`~lineage_core.profiling.postgres`, :mod:`~lineage_core.profiling.sqlite`,
  :mod:`~lineage_core.profiling.duckdb` (the only module importing duckdb, an optional
  dependency) and :mod:`~lineage_core.profiling.files` (the only module importing polars),
  each imported only when a table is profiled through that kind of connection;
* :mod:`~lineage_core.profiling.plan`, what they share: limits, deadline, measurements;
* :mod:`~lineage_core.profiling.sketches`, the HyperLogLog arithmetic of the file engine;
* :mod:`~lineage_core.profiling.drift`, the drift between two profiles, which the store
  computes when it keeps one, so importing this package never imports polars or a driver.

Table names are validated by :func:`lineage_core.names.parse_name` and reach SQL only as quoted
identifiers, and reach the file system only as checked path segments. Connections (URLs and
file locations) are read by :mod:`lineage_core.connections`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from types import ModuleType

from lineage_core.connections import Connection, ConnectionKind
from lineage_core.errors import InvalidArgument
from lineage_core.models import TableProfile
from lineage_core.names import normalise_name, parse_name
from lineage_core.profiling.drift import compare_profiles
from lineage_core.profiling.plan import Plan, ProfilingError, build_profile

__all__ = [
    "DEFAULT_DISTINCT_EXACT_LIMIT",
    "DEFAULT_DUPLICATE_ROW_LIMIT",
    "DEFAULT_TIMEOUT_SECONDS",
    "ProfilingError",
    "compare_profiles",
    "profile_table",
]

DEFAULT_DISTINCT_EXACT_LIMIT = 1_000_000
DEFAULT_DUPLICATE_ROW_LIMIT = 1_000_000
DEFAULT_TIMEOUT_SECONDS = 300.0


def profile_table(
    name: str,
    connection: Connection | str,
    *,
    exact: bool = False,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    distinct_exact_limit: int = DEFAULT_DISTINCT_EXACT_LIMIT,
    duplicate_row_limit: int = DEFAULT_DUPLICATE_ROW_LIMIT,
) -> TableProfile:
    """Profile one table in a single aggregate pass where it lives.

    ``exact=True`` counts every distinct value and duplicate row whatever the size, at the
    cost of sorting or hashing each column. ``timeout_seconds`` bounds the whole profile; the
    database cancels the query (or polars the scan) when it runs out.
    """
    if not isinstance(timeout_seconds, int | float) or not timeout_seconds > 0:
        raise InvalidArgument(f"timeout_seconds must be positive, got {timeout_seconds!r}")
    for label, limit in (
        ("distinct_exact_limit", distinct_exact_limit),
        ("duplicate_row_limit", duplicate_row_limit),
    ):
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise InvalidArgument(f"{label} must be a non-negative integer, got {limit!r}")
    if isinstance(connection, str):
        connection = Connection.parse(connection)
    engine = _engine(connection.kind)  # imported before the clock starts
    started_at = datetime.now(UTC)
    started = time.monotonic()
    plan = Plan(
        exact=exact,
        deadline=started + timeout_seconds,
        timeout_seconds=timeout_seconds,
        distinct_exact_limit=distinct_exact_limit,
        duplicate_row_limit=duplicate_row_limit,
    )
    parsed = parse_name(name, engine.DIALECT)
    plan.label = f"{parsed} on {connection}"
    measured = engine.measure(parsed, connection, plan)
    return build_profile(
        normalise_name(name),
        connection,
        measured,
        profiled_at=started_at,
        duration_ms=round((time.monotonic() - started) * 1000),
    )


def _engine(kind: ConnectionKind) -> ModuleType:
    """The engine module for a kind of connection, imported on first use."""
    if kind is ConnectionKind.POSTGRES:
        from lineage_core.profiling import postgres as engine
    elif kind is ConnectionKind.SQLITE:
        from lineage_core.profiling import sqlite as engine
    elif kind is ConnectionKind.DUCKDB:
        from lineage_core.profiling import duckdb as engine
    else:
        from lineage_core.profiling import files as engine
    return engine
