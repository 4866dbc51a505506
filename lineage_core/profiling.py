"""Table profiling: statistics computed where the data lives, never by copying the table out.

A profile is one pass of aggregates over a table. In PostgreSQL and SQLite the aggregates run
inside the database (one ``SELECT``, in a read-only transaction with a time limit), so only
one row travels back. For Parquet and CSV files polars scans lazily with its streaming
engine, so memory stays bounded by the batch size, not by the file.

Which statistics are affordable is decided before the pass from a cheap row count: the
planner's estimate (``EXPLAIN``) in PostgreSQL, ``count(*)`` in SQLite (it walks b-tree pages
without decoding rows), the footers of Parquet files. CSV files have no cheap count: they are
scanned with approximate distincts first and, when that shows them small, scanned again
exactly.

Two statistics cost more than a scan and are bounded:

* distinct counts are exact (``COUNT(DISTINCT)``, a streaming ``unique``) up to
  ``distinct_exact_limit`` rows. Above it they are estimates flagged ``distinct_approximate``:
  a HyperLogLog sketch for files; for PostgreSQL ``pg_stats.n_distinct`` when ANALYZE is
  recent and its sample saw most values, else an exact count of the values whose hash falls
  in a slice of the hash space, scaled up; ``sqlite_stat1`` for indexed SQLite columns.
  Columns with a single-column unique index are counted exactly for free (distinct =
  non-null rows).
* duplicate rows (rows minus distinct rows) need every row hashed or sorted, so they are
  counted only up to ``duplicate_row_limit`` rows (or with ``exact=True``) and are ``None``
  above it: a sketch cannot estimate them, since ``rows - approx_distinct_rows`` is noise when
  both are large and nearly equal.

Table names are validated by :func:`lineage_core.names.parse_name` and reach SQL only as quoted
identifiers, and reach the file system only as checked path segments.

A named connection is a URL or a file location:

* ``postgresql://user@host:5432/db`` — the name's schema part picks the schema (default: the
  search path); its database part is ignored, the URL already chose the database.
* ``sqlite:///relative.db``, ``sqlite:////absolute.db``, or a path ending in ``.db``,
  ``.sqlite``, ``.sqlite3`` — only the name's table part is used.
* files, as ``file:///...`` or a plain path, mapping the table ``x.y.t`` to files by:

  - a pattern with placeholders ``{table}`` (and optionally ``{schema}``, ``{database}``):
    ``/data/{table}.parquet``, ``/data/{schema}/{table}/*.parquet``;
  - ``/data/*.parquet`` (one ``*`` in the last part), shorthand for ``/data/{table}.parquet``;
  - a directory ``/data``: the first of ``t.parquet``, ``t.csv``, ``t/`` (every ``*.parquet``
    or ``*.csv`` inside) that exists;
  - a single file: the table whose name is the file's stem.

  Unquoted name parts are lower-cased, so a file ``Orders.parquet`` is named ``"Orders"``.
"""

from __future__ import annotations

import glob
import math
import re
import sqlite3
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, NewType
from urllib.parse import unquote, urlsplit, urlunsplit
from urllib.request import pathname2url

import polars as pl
import psycopg
from psycopg import sql

from lineage_core.errors import (
    InvalidArgument,
    InvalidName,
    LineageError,
    NotFound,
    QueryTimeout,
    StoreUnavailable,
)
from lineage_core.models import ColumnProfile, ColumnTypeChange, ProfileDrift, TableProfile
from lineage_core.names import QualifiedName, normalise_name, parse_name

__all__ = [
    "DEFAULT_DISTINCT_EXACT_LIMIT",
    "DEFAULT_DUPLICATE_ROW_LIMIT",
    "DEFAULT_TIMEOUT_SECONDS",
    "Connection",
    "ConnectionKind",
    "ProfilingError",
    "compare_profiles",
    "profile_table",
    "profile_to_json",
    "resolve_connection",
]

DEFAULT_DISTINCT_EXACT_LIMIT = 1_000_000
DEFAULT_DUPLICATE_ROW_LIMIT = 1_000_000
DEFAULT_TIMEOUT_SECONDS = 300.0

# Statistics older than this share of modified rows are no longer trusted for estimates.
STATS_STALE_FRACTION = 0.1
# 2**14 registers: a standard error of 1.04 / 128 = 0.8% on the distinct count.
HLL_PRECISION = 14
HLL_SEED = 0x5EED
# ANALYZE's n_distinct is trusted when its sample (300 x statistics target rows) is at least
# this many times the estimate, so that it saw nearly every value several times.
PG_STATS_TRUSTED_SHARE = 4
# A hash slice holding this many distinct values estimates within ~1 / sqrt(n) = 0.8%.
PG_SAMPLED_VALUES = 16_384
# Below this many values in the slice the estimate is too noisy (> 10%) to report.
PG_MIN_SAMPLED_VALUES = 100
# PostgreSQL allows 1664 result columns and each column takes five aggregates.
MAX_COLUMNS_PER_PASS = 300
# min/max of a text column can be a whole document; a profile keeps a readable prefix.
MAX_VALUE_CHARS = 200
CSV_INFER_SCHEMA_ROWS = 10_000

_GLOB_CHARS = frozenset("*?[]")
_PASSWORD_PARAMETER = re.compile(r"((?:^|&)password=)[^&]*", re.IGNORECASE)
_PLACEHOLDERS = ("{database}", "{schema}", "{table}")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_CSV_SUFFIXES = (".csv",)
_SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


class ProfilingError(LineageError):
    """The source answered but the profile could not be computed (bad file, privileges...)."""


class ConnectionKind(StrEnum):
    POSTGRES = "postgresql"
    SQLITE = "sqlite"
    FILES = "files"


@dataclass(frozen=True, slots=True)
class Connection:
    """Where a table lives: a PostgreSQL URL, a SQLite file, or a file location pattern.

    ``target`` is the libpq URL, the SQLite file path, or the file pattern. ``name`` is the
    named connection it came from, shown instead of the URL so credentials never reach a log.
    """

    kind: ConnectionKind
    target: str
    name: str | None = None

    @classmethod
    def parse(cls, text: str, *, name: str | None = None) -> Connection:
        """Read a connection string; refuses schemes we cannot profile with the reason."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidArgument("A connection needs a database URL or a file location")
        text = text.strip()
        scheme, separator, rest = text.partition("://")
        if not separator:
            path = str(Path(text).expanduser())
            if path.lower().endswith(_SQLITE_SUFFIXES):
                return cls(ConnectionKind.SQLITE, path, name)
            return cls(ConnectionKind.FILES, _file_pattern(path), name)
        driver = scheme.lower().split("+", 1)[0]
        if driver in ("postgresql", "postgres"):
            return cls(ConnectionKind.POSTGRES, "postgresql://" + rest, name)
        if driver == "sqlite":
            path = unquote(rest[1:]) if rest.startswith("/") else ""
            if not path or path == ":memory:":
                raise InvalidArgument(
                    f"Invalid SQLite URL {text!r}: use sqlite:///relative.db or "
                    "sqlite:////absolute/path.db"
                )
            return cls(ConnectionKind.SQLITE, str(Path(path).expanduser()), name)
        if driver == "file":
            host, slash, path = rest.partition("/")
            if not slash or host not in ("", "localhost"):
                raise InvalidArgument(f"Invalid file URL {text!r}: use file:///absolute/path")
            return cls(ConnectionKind.FILES, _file_pattern("/" + unquote(path)), name)
        raise InvalidArgument(
            f"Unsupported connection {_mask_url(text)!r}: use postgresql://..., "
            "sqlite:///file.db, file:///dir/{table}.parquet or a path"
        )

    @property
    def display(self) -> str:
        """How the connection appears in messages and profiles: its name, or a masked URL."""
        if self.name:
            return self.name
        if self.kind is ConnectionKind.POSTGRES:
            return _mask_url(self.target)
        if self.kind is ConnectionKind.SQLITE:
            return f"sqlite:///{self.target}"
        return self.target

    def __str__(self) -> str:
        return self.display


def resolve_connection(
    name_or_url: str, connections: Mapping[str, str] | None = None
) -> Connection:
    """A named connection from ``connections``, else the argument read as a URL or path.

    A bare word that is not a known name is an error rather than a relative path, since a
    mistyped connection name must not silently profile files in the working directory.
    """
    if not isinstance(name_or_url, str) or not name_or_url.strip():
        raise InvalidArgument("A connection name or URL is required")
    if connections and name_or_url in connections:
        return Connection.parse(connections[name_or_url], name=name_or_url)
    if "://" in name_or_url or any(mark in name_or_url for mark in ("/", "\\", "~", ".")):
        return Connection.parse(name_or_url)
    known = sorted(connections or {})
    hint = f"; known connections: {', '.join(known)}" if known else ""
    raise NotFound(f"Unknown connection {name_or_url!r}{hint}")


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
    started_at = datetime.now(UTC)
    started = time.monotonic()
    plan = _Plan(
        exact=exact,
        deadline=started + timeout_seconds,
        timeout_seconds=timeout_seconds,
        distinct_exact_limit=distinct_exact_limit,
        duplicate_row_limit=duplicate_row_limit,
    )
    if connection.kind is ConnectionKind.POSTGRES:
        parsed = parse_name(name, "postgres")
        plan.label = f"{parsed} on {connection}"
        measured = _profile_postgres(parsed, connection, plan)
    elif connection.kind is ConnectionKind.SQLITE:
        parsed = parse_name(name, "sqlite")
        plan.label = f"{parsed} on {connection}"
        measured = _profile_sqlite(parsed, connection, plan)
    else:
        parsed = parse_name(name, None)
        plan.label = f"{parsed} on {connection}"
        measured = _profile_files(parsed, connection, plan)
    return _build_profile(
        normalise_name(name),
        connection,
        measured,
        profiled_at=started_at,
        duration_ms=round((time.monotonic() - started) * 1000),
    )


def profile_to_json(profile: TableProfile) -> dict[str, Any]:
    """The design document's shape: ``rowCount``, ``columnCount``, ``columnProfiles``..."""
    return profile.to_json()


def compare_profiles(
    previous: TableProfile,
    current: TableProfile,
    *,
    row_count_swing: float = 0.5,
    null_swing_points: float = 20.0,
) -> ProfileDrift:
    """Schema drift and large swings between two profiles of one table.

    ``row_count_swing`` is a fraction (0.5 = the row count grew or shrank by half);
    ``null_swing_points`` is in percentage points of a column's null share.
    """
    if not row_count_swing >= 0 or not null_swing_points >= 0:
        raise InvalidArgument("row_count_swing and null_swing_points must not be negative")
    if previous.asset != current.asset:
        raise InvalidArgument(
            f"Cannot compare profiles of different tables: {previous.asset} and {current.asset}"
        )
    before = {column.column_name: column for column in previous.column_profiles}
    after = {column.column_name: column for column in current.column_profiles}
    added = [column for column in after if column not in before]
    removed = [column for column in before if column not in after]
    retyped = [
        ColumnTypeChange(column=column, before=before[column].data_type, after=profile.data_type)
        for column, profile in after.items()
        if column in before and before[column].data_type != profile.data_type
    ]
    swings: list[str] = []
    change: float | None = None
    if previous.row_count > 0:
        change = round((current.row_count - previous.row_count) / previous.row_count * 100, 2)
        if abs(change) >= row_count_swing * 100:
            verb = "rose" if change > 0 else "fell"
            swings.append(
                f"row count {verb} {abs(change):g}% "
                f"({previous.row_count:,} -> {current.row_count:,})"
            )
    elif current.row_count > 0:
        swings.append(f"row count rose from 0 to {current.row_count:,}")
    else:
        change = 0.0
    null_swings: dict[str, float] = {}
    for column, profile in after.items():
        if column not in before:
            continue
        points = round(profile.null_percentage - before[column].null_percentage, 2)
        if points == 0:
            continue
        null_swings[column] = points
        if abs(points) >= null_swing_points:
            verb = "rose" if points > 0 else "fell"
            swings.append(
                f"nulls in {column} {verb} {abs(points):g} points "
                f"({before[column].null_percentage:g}% -> {profile.null_percentage:g}%)"
            )
    return ProfileDrift(
        previous_profile_id=previous.profile_id,
        columns_added=added,
        columns_removed=removed,
        columns_retyped=retyped,
        row_count_change_percentage=change,
        null_percentage_swings=null_swings,
        large_swings=swings,
    )


# --- shared plumbing ------------------------------------------------------------------------


@dataclass
class _Plan:
    exact: bool
    deadline: float
    timeout_seconds: float
    distinct_exact_limit: int
    duplicate_row_limit: int
    label: str = ""

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self.timeout()
        return left

    def timeout(self) -> QueryTimeout:
        return QueryTimeout(
            f"Profiling {self.label} took longer than {self.timeout_seconds:g} s and was "
            "cancelled; raise timeout_seconds or profile a smaller table"
        )


@dataclass
class _Column:
    name: str
    data_type: str
    non_null: int = 0
    min: Any = None
    max: Any = None
    mean: float | None = None
    distinct: int | None = None
    distinct_approximate: bool = False


@dataclass
class _Measured:
    row_count: int
    columns: list[_Column]
    size_bytes: int | None = None
    duplicates: int | None = None
    exact: bool = False


def _build_profile(
    asset: str,
    connection: Connection,
    measured: _Measured,
    *,
    profiled_at: datetime,
    duration_ms: int,
) -> TableProfile:
    rows = measured.row_count
    columns = []
    total_nulls = 0
    for column in measured.columns:
        nulls = rows - column.non_null
        total_nulls += nulls
        columns.append(
            ColumnProfile(
                column_name=column.name,
                data_type=column.data_type,
                null_count=nulls,
                null_percentage=_percentage(nulls, rows) or 0.0,
                distinct_count=column.distinct,
                distinct_approximate=column.distinct_approximate,
                min=_json_value(column.min),
                max=_json_value(column.max),
                mean=_finite(column.mean),
            )
        )
    return TableProfile(
        asset=asset,
        connection=connection.display,
        row_count=rows,
        column_count=len(columns),
        table_size_bytes=measured.size_bytes,
        duplicate_count=measured.duplicates,
        null_percentage=_percentage(total_nulls, rows * len(columns)),
        column_profiles=columns,
        exact=measured.exact,
        profiled_at=profiled_at,
        profile_duration_ms=duration_ms,
    )


def _percentage(part: int, whole: int) -> float | None:
    return round(part / whole * 100, 4) if whole else None


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _json_value(value: Any) -> Any:
    """Make a min/max JSON-safe; binary values are dropped rather than dumped."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else _json_value(float(value))
    if isinstance(value, datetime | date | dt_time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    if isinstance(value, timedelta):
        return str(value)
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _mask_url(url: str) -> str:
    """Hide a password in the user part or in a ``password=`` query parameter."""
    try:
        parts = urlsplit(url)
        if parts.password is not None:
            host = parts.netloc.rsplit("@", 1)[1]
            parts = parts._replace(netloc=f"{parts.username or ''}:***@{host}")
        query = _PASSWORD_PARAMETER.sub(r"\1***", parts.query)
        return urlunsplit(parts._replace(query=query))
    except ValueError:
        return "<unparseable connection URL>"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)] or [items]


# --- PostgreSQL -----------------------------------------------------------------------------

_PG_FIND_TABLE = """
SELECT c.oid, n.nspname, c.relname, c.relkind,
       CASE
         WHEN c.relkind = 'p' THEN (SELECT sum(pg_catalog.pg_total_relation_size(t.relid))
                                    FROM pg_catalog.pg_partition_tree(c.oid) AS t)
         WHEN c.relkind IN ('r', 'm') THEN pg_catalog.pg_total_relation_size(c.oid)
       END AS size_bytes,
       greatest(s.last_analyze, s.last_autoanalyze) IS NOT NULL AS analyzed,
       s.n_mod_since_analyze
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_stat_all_tables AS s ON s.relid = c.oid
WHERE c.relname = %(table)s
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND CASE WHEN %(schema)s::text IS NULL
           THEN n.nspname = ANY (pg_catalog.current_schemas(false))
           ELSE n.nspname = %(schema)s::text END
ORDER BY pg_catalog.array_position(pg_catalog.current_schemas(false), n.nspname)
LIMIT 1
"""

# Which aggregates each column's type supports, read from the catalog rather than guessed
# from type names: min/max need an ordering, COUNT(DISTINCT) a default btree operator class.
_PG_COLUMNS = """
SELECT a.attname,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type,
       b.typname = 'bool' AS is_bool,
       b.typcategory = 'N' AND EXISTS (
         SELECT 1 FROM pg_catalog.pg_proc AS p
         WHERE p.proname = 'avg' AND p.prokind = 'a' AND p.pronargs = 1
           AND p.pronamespace = 'pg_catalog'::regnamespace AND p.proargtypes[0] = b.oid
       ) AS has_mean,
       EXISTS (
         SELECT 1 FROM pg_catalog.pg_proc AS p
         WHERE p.proname = 'min' AND p.prokind = 'a' AND p.pronargs = 1
           AND p.pronamespace = 'pg_catalog'::regnamespace
           AND (p.proargtypes[0] = b.oid
                OR (p.proargtypes[0] = 'anyenum'::regtype AND b.typtype = 'e')
                OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast AS k
                           WHERE k.castsource = b.oid AND k.casttarget = p.proargtypes[0]
                             AND k.castcontext = 'i' AND k.castmethod = 'b'))
       ) AS has_min_max,
       EXISTS (
         SELECT 1 FROM pg_catalog.pg_opclass AS o
         JOIN pg_catalog.pg_am AS m ON m.oid = o.opcmethod
         WHERE m.amname = 'btree' AND o.opcdefault
           AND (o.opcintype = b.oid
                OR (o.opcintype = 'anyenum'::regtype AND b.typtype = 'e')
                OR (o.opcintype = 'anyrange'::regtype AND b.typtype = 'r')
                OR (o.opcintype = 'anymultirange'::regtype AND b.typtype = 'm')
                OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast AS k
                           WHERE k.castsource = b.oid AND k.casttarget = o.opcintype
                             AND k.castcontext = 'i' AND k.castmethod = 'b'))
       ) AS has_distinct,
       EXISTS (
         SELECT 1 FROM pg_catalog.pg_index AS i
         WHERE i.indrelid = a.attrelid AND i.indisunique AND i.indimmediate AND i.indisvalid
           AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum
           AND i.indpred IS NULL AND i.indexprs IS NULL
       ) AS is_unique,
       coalesce(nullif(a.attstattarget, -1),
                pg_catalog.current_setting('default_statistics_target')::integer)
         AS statistics_target,
       h.hash_schema,
       h.hash_function
FROM pg_catalog.pg_attribute AS a
JOIN pg_catalog.pg_type AS t ON t.oid = a.atttypid
JOIN pg_catalog.pg_type AS b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype
                                            ELSE t.oid END
-- The 64-bit hash that the type's default hash operator class pairs with its equality.
LEFT JOIN LATERAL (
  SELECT n.nspname AS hash_schema, p.proname AS hash_function
  FROM pg_catalog.pg_opclass AS o
  JOIN pg_catalog.pg_am AS m ON m.oid = o.opcmethod AND m.amname = 'hash'
  JOIN pg_catalog.pg_amproc AS ap
    ON ap.amprocfamily = o.opcfamily AND ap.amprocnum = 2
   AND ap.amproclefttype = o.opcintype AND ap.amprocrighttype = o.opcintype
  JOIN pg_catalog.pg_proc AS p ON p.oid = ap.amproc
  JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
  WHERE o.opcdefault
    AND (o.opcintype = b.oid
         OR (o.opcintype = 'anyenum'::regtype AND b.typtype = 'e')
         OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast AS k
                    WHERE k.castsource = b.oid AND k.casttarget = o.opcintype
                      AND k.castcontext = 'i' AND k.castmethod = 'b'))
  LIMIT 1
) AS h ON true
WHERE a.attrelid = %(oid)s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

_PG_STATS = """
SELECT DISTINCT ON (attname) attname, n_distinct
FROM pg_catalog.pg_stats
WHERE schemaname = %(schema)s AND tablename = %(table)s
ORDER BY attname, inherited DESC
"""


@dataclass
class _PgColumn:
    column: _Column
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


def _profile_postgres(parsed: QualifiedName, connection: Connection, plan: _Plan) -> _Measured:
    try:
        database = psycopg.connect(
            connection.target,
            autocommit=False,
            connect_timeout=max(2, min(10, math.ceil(plan.remaining()))),
            application_name="lineage-profiler",
        )
    except psycopg.Error as error:
        raise StoreUnavailable(
            f"Cannot connect to {connection} to profile {parsed}: {_first_line(error)}"
        ) from error
    try:
        # BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY: every statement sees one snapshot
        # and nothing can be written, whatever a name or a function in a view tries.
        database.read_only = True
        database.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with database.cursor() as cursor:
            return _pg_measure(cursor, parsed, connection, plan)
    except psycopg.errors.QueryCanceled as error:
        raise plan.timeout() from error
    except psycopg.Error as error:
        if database.broken:
            raise StoreUnavailable(
                f"Lost the connection to {connection} while profiling {parsed}: "
                f"{_first_line(error)}"
            ) from error
        raise ProfilingError(f"Profiling {plan.label} failed: {_first_line(error)}") from error
    finally:
        database.close()


def _pg_time_limit(cursor: psycopg.Cursor[Any], plan: _Plan) -> None:
    milliseconds = max(1, math.floor(plan.remaining() * 1000))
    cursor.execute(
        "SELECT pg_catalog.set_config('statement_timeout', %s, true)", (str(milliseconds),)
    )


def _pg_measure(
    cursor: psycopg.Cursor[Any], parsed: QualifiedName, connection: Connection, plan: _Plan
) -> _Measured:
    _pg_time_limit(cursor, plan)
    cursor.execute(_PG_FIND_TABLE, {"table": parsed.table, "schema": parsed.schema})
    found = cursor.fetchone()
    if found is None:
        where = f"schema {parsed.schema!r}" if parsed.schema else "the search path"
        raise NotFound(f"Table {parsed} not found in {where} of {connection}")
    oid, schema, table, _kind, size_bytes, analyzed, modified = found
    relation = sql.Identifier(schema, table)
    cursor.execute(_PG_COLUMNS, {"oid": oid})
    columns = [
        _PgColumn(_Column(name, data_type), *flags) for name, data_type, *flags in cursor.fetchall()
    ]

    if plan.exact:
        exact_distinct = count_duplicates = True
    else:
        cursor.execute(sql.SQL("EXPLAIN (FORMAT JSON) SELECT * FROM {}").format(relation))
        estimated_rows = max(1, int(cursor.fetchone()[0][0]["Plan"]["Plan Rows"]))
        exact_distinct = estimated_rows <= plan.distinct_exact_limit
        count_duplicates = estimated_rows <= plan.duplicate_row_limit
        if not exact_distinct:
            fresh = analyzed and (modified or 0) <= STATS_STALE_FRACTION * estimated_rows
            estimates: dict[str, float] = {}
            if fresh:
                cursor.execute(_PG_STATS, {"schema": schema, "table": table})
                estimates = dict(cursor.fetchall())
            for column in columns:
                if column.wants_estimate:
                    estimate = estimates.get(column.column.name) or None  # 0: unknown
                    _pg_plan_estimate(column, estimate, estimated_rows, plan)
    count_duplicates = count_duplicates and bool(columns)

    row_count = 0
    duplicates = None
    for position, chunk in enumerate(_chunks(columns, MAX_COLUMNS_PER_PASS)):
        _pg_time_limit(cursor, plan)
        query = _pg_aggregate_query(relation, chunk, columns, exact_distinct, count_duplicates)
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
                _pg_apply_estimate(column, distinct, row_count)
    database_exact = count_duplicates and all(
        c.column.distinct is not None and not c.column.distinct_approximate
        for c in columns
        if c.has_distinct
    )
    return _Measured(
        row_count=row_count,
        columns=[column.column for column in columns],
        size_bytes=int(size_bytes) if size_bytes is not None else None,
        duplicates=duplicates,
        exact=database_exact or (not columns),
    )


def _pg_plan_estimate(
    column: _PgColumn, estimate: float | None, estimated_rows: int, plan: _Plan
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
        if distinct * PG_STATS_TRUSTED_SHARE <= 300 * column.statistics_target:
            return
    if column.hash_function is None:
        return
    by_rows = math.ceil(math.log2(estimated_rows / max(plan.distinct_exact_limit, 1)))
    by_accuracy = math.floor(math.log2(distinct / PG_SAMPLED_VALUES)) if distinct else 0
    column.sample_level = min(62, max(1, by_rows, by_accuracy))


def _pg_apply_estimate(column: _PgColumn, sampled: int | None, row_count: int) -> None:
    stats = column.column
    count: float | None = None
    if column.sample_level and sampled is not None and sampled >= PG_MIN_SAMPLED_VALUES:
        count = sampled * 2**column.sample_level
    elif column.stats_estimate is not None:
        estimate = column.stats_estimate
        count = estimate if estimate > 0 else -estimate * row_count
    if count is not None:
        stats.distinct = min(round(count), stats.non_null)
        stats.distinct_approximate = True


def _pg_group_key(column: _PgColumn) -> sql.Composable:
    """Group by the value, or by its text where the type has no equality (json, point)."""
    source = sql.Identifier(column.column.name)
    return source if column.has_distinct else sql.SQL("{}::text").format(source)


def _pg_aggregate_query(
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
            inner.append(sql.SQL("{} AS {}").format(_pg_group_key(column), ref))
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
        keys = sql.SQL(", ").join(_pg_group_key(column) for column in every_column)
        source_rows = sql.SQL("(SELECT {}, count(*) AS {} FROM {} GROUP BY {}) AS grouped").format(
            sql.SQL(", ").join(inner), weight, relation, keys
        )
    else:
        source_rows = relation
    return sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(targets), source_rows)


# --- SQLite ---------------------------------------------------------------------------------


_SqliteIdentifier = NewType("_SqliteIdentifier", str)


def _sqlite_quote(identifier: str) -> _SqliteIdentifier:
    """The only way a name enters SQLite SQL: in double quotes, inner quotes doubled."""
    return _SqliteIdentifier('"' + identifier.replace('"', '""') + '"')


def _profile_sqlite(parsed: QualifiedName, connection: Connection, plan: _Plan) -> _Measured:
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
            f"Cannot open {connection} to profile {parsed}: {_first_line(error)}"
        ) from error
    database.set_progress_handler(lambda: int(time.monotonic() > plan.deadline), 1000)
    try:
        database.execute("BEGIN")  # one read snapshot for every statement below
        return _sqlite_measure(database, parsed, connection, plan)
    except sqlite3.OperationalError as error:
        if time.monotonic() > plan.deadline or "interrupt" in str(error):
            raise plan.timeout() from error
        raise ProfilingError(f"Profiling {plan.label} failed: {_first_line(error)}") from error
    except sqlite3.DatabaseError as error:
        raise StoreUnavailable(
            f"Cannot read {connection} to profile {parsed}: {_first_line(error)}"
        ) from error
    finally:
        database.close()


def _sqlite_measure(
    database: sqlite3.Connection, parsed: QualifiedName, connection: Connection, plan: _Plan
) -> _Measured:
    found = database.execute(
        "SELECT name, type FROM sqlite_master "
        "WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE",
        (parsed.table,),
    ).fetchone()
    if found is None:
        raise NotFound(f"Table {parsed} not found in {connection}")
    table, kind = found
    relation = _sqlite_quote(table)
    info = database.execute("SELECT name, type, pk FROM pragma_table_info(?)", (table,)).fetchall()
    columns = [_Column(name, declared or "ANY") for name, declared, _pk in info]
    unique = _sqlite_unique_columns(database, table, info) if kind == "table" else set()

    row_count = database.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
    exact_distinct = plan.exact or row_count <= plan.distinct_exact_limit
    count_duplicates = (plan.exact or row_count <= plan.duplicate_row_limit) and bool(columns)
    duplicates = None
    for position, chunk in enumerate(_chunks(columns, MAX_COLUMNS_PER_PASS)):
        wants_distinct = [exact_distinct and column.name not in unique for column in chunk]
        query = _sqlite_aggregate_query(relation, chunk, columns, wants_distinct, count_duplicates)
        values = database.execute(query).fetchone()
        if position == 0:
            row_count = int(values[0] or 0)
            duplicates = int(values[1]) if count_duplicates else None
        for index, column in enumerate(chunk):
            non_null, low, high, mean, distinct = values[2 + 5 * index : 7 + 5 * index]
            column.non_null = int(non_null or 0)
            column.min, column.max, column.mean = low, high, mean
            if column.name in unique:
                column.distinct = column.non_null
            elif distinct is not None:
                column.distinct = int(distinct)

    if not exact_distinct:
        _sqlite_estimates(database, table, columns, row_count)
    return _Measured(
        row_count=row_count,
        columns=columns,
        size_bytes=_sqlite_size(database, table, plan) if kind == "table" else None,
        duplicates=duplicates,
        exact=(count_duplicates and exact_distinct) or not columns,
    )


def _sqlite_aggregate_query(
    relation: _SqliteIdentifier,
    columns: Sequence[_Column],
    every_column: Sequence[_Column],
    wants_distinct: Sequence[bool],
    duplicates: bool,
) -> str:
    """The SQLite twin of :func:`_pg_aggregate_query`; identifiers are quoted by doubling."""
    numeric = "FILTER (WHERE typeof({0}) IN ('integer', 'real'))"
    targets = ["sum(n)", "coalesce(sum(n), 0) - count(*)"] if duplicates else ["count(*)", "NULL"]
    inner = []
    for index, (column, distinct) in enumerate(zip(columns, wants_distinct, strict=True), 1):
        source = _sqlite_quote(column.name)
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
        keys = ", ".join(_sqlite_quote(column.name) for column in every_column)
        grouped = f"(SELECT {', '.join(inner)}, count(*) AS n FROM {relation} GROUP BY {keys})"
        return f"SELECT {', '.join(targets)} FROM {grouped}"
    return f"SELECT {', '.join(targets)} FROM {relation}"


def _sqlite_unique_columns(
    database: sqlite3.Connection, table: str, info: Sequence[tuple[str, str, int]]
) -> set[str]:
    keys = [(name, declared) for name, declared, pk in info if pk]
    unique = set()
    if len(keys) == 1 and keys[0][1].upper() == "INTEGER":  # the rowid itself
        unique.add(keys[0][0])
    rows = database.execute(
        "SELECT min(ii.name) FROM pragma_index_list(?) AS il, pragma_index_info(il.name) AS ii "
        'WHERE il."unique" = 1 AND il.partial = 0 GROUP BY il.name HAVING count(*) = 1',
        (table,),
    ).fetchall()
    unique.update(name for (name,) in rows if name is not None)
    return unique


def _sqlite_estimates(
    database: sqlite3.Connection, table: str, columns: Sequence[_Column], row_count: int
) -> None:
    """Distinct estimates from ANALYZE's ``sqlite_stat1`` for columns leading an index."""
    has_stats = database.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
    ).fetchone()
    if not has_stats:
        return
    rows = database.execute(
        "SELECT ii.name, s.stat FROM sqlite_stat1 AS s, pragma_index_info(s.idx) AS ii "
        "WHERE s.tbl = ? AND ii.seqno = 0",
        (table,),
    ).fetchall()
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


def _sqlite_size(database: sqlite3.Connection, table: str, plan: _Plan) -> int | None:
    """Bytes of the table's b-tree and its indexes, when SQLite was built with dbstat."""
    names = [
        name
        for (name,) in database.execute(
            "SELECT name FROM sqlite_master WHERE tbl_name = ? AND type IN ('table', 'index')",
            (table,),
        )
    ]
    total = 0
    try:
        for name in names:
            row = database.execute(
                "SELECT pgsize FROM dbstat('main', 1) WHERE name = ?", (name,)
            ).fetchone()
            total += row[0] if row and row[0] else 0
    except sqlite3.OperationalError:
        if time.monotonic() > plan.deadline:
            raise
        return None
    return total


# --- files (polars) -------------------------------------------------------------------------


def _file_pattern(path: str) -> str:
    """Turn ``dir/*.parquet`` into ``dir/{table}.parquet``; refuse globs we cannot map."""
    if any(placeholder in path for placeholder in _PLACEHOLDERS):
        return path
    head, _, last = path.rpartition("/")
    if _GLOB_CHARS.intersection(head) or (
        _GLOB_CHARS.intersection(last) and (last.count("*") != 1 or "?" in last or "[" in last)
    ):
        raise InvalidArgument(
            f"Cannot tell which files hold which table in {path!r}: put a {{table}} "
            "placeholder where the table name goes, e.g. /data/{table}/*.parquet"
        )
    if "*" in last:
        return f"{head}/{last.replace('*', '{table}')}"
    return path


def _check_path_part(part: str, name: QualifiedName) -> str:
    if (
        part in (".", "..")
        or any(mark in part for mark in ("/", "\\", "\0"))
        or _GLOB_CHARS.intersection(part)
    ):
        raise InvalidName(
            f"Invalid table name {str(name)!r}: {part!r} cannot be used as a file name"
        )
    return part


def _resolve_files(parsed: QualifiedName, connection: Connection) -> tuple[list[Path], str]:
    pattern = connection.target
    if any(placeholder in pattern for placeholder in _PLACEHOLDERS):
        for placeholder, part in zip(
            _PLACEHOLDERS, (parsed.database, parsed.schema, parsed.table), strict=True
        ):
            if placeholder not in pattern:
                continue
            if part is None:
                raise NotFound(
                    f"Table {parsed} not found in {connection}: the location needs a "
                    f"{placeholder[1:-1]} part in the table name"
                )
            pattern = pattern.replace(placeholder, _check_path_part(part, parsed))
        paths = _expand(pattern)
    else:
        base = Path(pattern)
        table = _check_path_part(parsed.table, parsed)
        paths = []
        if base.is_dir():
            for candidate in (base / f"{table}.parquet", base / f"{table}.csv", base / table):
                paths = _expand(str(candidate))
                if paths:
                    break
        elif base.is_file() and base.stem.casefold() == table.casefold():
            paths = [base]
    if not paths:
        raise NotFound(f"Table {parsed} not found in {connection}: no matching files")
    suffixes = {path.suffix.lower() for path in paths}
    if suffixes <= set(_PARQUET_SUFFIXES):
        return paths, "parquet"
    if suffixes <= set(_CSV_SUFFIXES):
        return paths, "csv"
    raise ProfilingError(
        f"Cannot profile {parsed} on {connection}: expected only Parquet or only CSV files, "
        f"found {', '.join(sorted(suffixes))}"
    )


def _expand(pattern: str) -> list[Path]:
    if _GLOB_CHARS.intersection(pattern):
        return [Path(path) for path in sorted(glob.glob(pattern)) if Path(path).is_file()]
    path = Path(pattern)
    if path.is_file():
        return [path]
    if path.is_dir():
        for suffixes in (_PARQUET_SUFFIXES, _CSV_SUFFIXES):
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in suffixes)
            if found:
                return found
    return []


def _profile_files(parsed: QualifiedName, connection: Connection, plan: _Plan) -> _Measured:
    paths, file_format = _resolve_files(parsed, connection)
    sources = [str(path) for path in paths]
    try:
        if file_format == "parquet":
            frame = pl.scan_parquet(sources)
        else:
            frame = pl.scan_csv(sources, infer_schema_length=CSV_INFER_SCHEMA_ROWS)
        schema = frame.collect_schema()
        known_rows = None
        if file_format == "parquet":  # read from the footers, no data pages touched
            known_rows = int(frame.select(pl.len()).collect(engine="streaming").item())
        if plan.exact or (known_rows is not None and known_rows <= plan.distinct_exact_limit):
            measured = _files_pass(frame, schema, plan, exact_distinct=True, known_rows=known_rows)
        else:
            measured = _files_pass(frame, schema, plan, exact_distinct=False, known_rows=known_rows)
            rows = measured.row_count
            small = rows <= plan.distinct_exact_limit or rows <= plan.duplicate_row_limit
            if known_rows is None and small:
                # CSV: its row count was unknown until now, and it turns out to be small.
                exact_distinct = rows <= plan.distinct_exact_limit
                measured = _files_pass(
                    frame, schema, plan, exact_distinct=exact_distinct, known_rows=rows
                )
    except pl.exceptions.PolarsError as error:
        raise ProfilingError(f"Profiling {plan.label} failed: {_first_line(error)}") from error
    except OSError as error:
        raise StoreUnavailable(
            f"Cannot read {connection} to profile {parsed}: {_first_line(error)}"
        ) from error
    measured.size_bytes = sum(path.stat().st_size for path in paths)
    return measured


class _DeadlinePassed(Exception):
    """Raised inside a polars scan to abort it; polars hands it back to ``collect``."""


def _with_deadline(frame: pl.LazyFrame, plan: _Plan) -> pl.LazyFrame:
    """Check the deadline between batches of a streaming scan.

    ``collect(background=True)`` could be cancelled, but in polars 2.1 it ignores
    ``engine="streaming"`` and materialises the whole file; a pass-through batch function
    keeps the streaming engine and still stops the scan within one batch of the deadline.
    """

    def check(batch: pl.DataFrame) -> pl.DataFrame:
        if time.monotonic() > plan.deadline:
            raise _DeadlinePassed
        return batch

    return frame.map_batches(
        check,
        streamable=True,
        predicate_pushdown=True,
        projection_pushdown=True,
        slice_pushdown=True,
    )


def _collect(query: pl.LazyFrame, plan: _Plan) -> pl.DataFrame:
    try:
        return query.collect(engine="streaming")
    except _DeadlinePassed as error:
        raise plan.timeout() from error
    except pl.exceptions.PolarsError as error:
        if time.monotonic() > plan.deadline:
            raise plan.timeout() from error
        raise


def _files_pass(
    frame: pl.LazyFrame,
    schema: pl.Schema,
    plan: _Plan,
    *,
    exact_distinct: bool,
    known_rows: int | None,
) -> _Measured:
    """One streaming query: a one-row summary, plus side branches for the costly counts.

    The side branches (HyperLogLog registers, or exact per-column ``unique`` and whole-row
    grouping) are concatenated under the summary row, so polars plans and streams them
    together. Streaming ``unique``/``group_by`` hold one entry per distinct value, which is
    far less than ``n_unique`` inside a ``select``, which gathers the whole column first.
    Columns are addressed by position (``pl.nth``) so a column name that looks like a regex
    or clashes with an output name cannot change the query.
    """
    dtypes = list(schema.values())
    count_duplicates = bool(dtypes) and (
        plan.exact or (known_rows is not None and known_rows <= plan.duplicate_row_limit)
    )
    aggregates: list[pl.Expr] = [pl.len().alias("rows")]
    for index, dtype in enumerate(dtypes):
        column = pl.nth(index)
        aggregates.append(column.null_count().alias(f"{index}:nulls"))
        comparable = _comparable(column, dtype)
        if comparable is not None:
            aggregates += [
                comparable.min().alias(f"{index}:min"),
                comparable.max().alias(f"{index}:max"),
            ]
        if dtype.is_numeric():
            aggregates.append(column.mean().cast(pl.Float64).alias(f"{index}:mean"))
    branches = [_with_deadline(frame, plan).select(aggregates)]
    if exact_distinct:
        # Each heavy branch checks the deadline itself: any of them may be the last to end.
        branches += [
            _with_deadline(frame, plan)
            .select(pl.nth(index))
            .unique()
            .select(distinct_values=pl.len(), distinct_column=pl.lit(index, dtype=pl.UInt32))
            for index in range(len(dtypes))
        ]
    elif dtypes:
        # The register branches are light; the summary branch's check covers them.
        branches += [_hll_registers(frame, index) for index in range(len(dtypes))]
    if count_duplicates:
        branches.append(
            _with_deadline(frame, plan).group_by(pl.all()).agg().select(distinct_rows=pl.len())
        )
    result = _collect(pl.concat(branches, how="diagonal_relaxed"), plan)

    summary = result.row(0, named=True)
    row_count = int(summary["rows"])
    columns = []
    for index, (name, dtype) in enumerate(schema.items()):
        nulls = int(summary[f"{index}:nulls"])
        columns.append(
            _Column(
                name,
                str(dtype),
                non_null=row_count - nulls,
                min=summary.get(f"{index}:min"),
                max=summary.get(f"{index}:max"),
                mean=summary.get(f"{index}:mean"),
            )
        )
    if exact_distinct:
        counted = result.filter(pl.col("distinct_column").is_not_null())
        for index, values in counted.select("distinct_column", "distinct_values").iter_rows():
            column = columns[index]
            # unique() keeps null as a value; a distinct count does not.
            column.distinct = int(values) - (1 if column.non_null < row_count else 0)
    elif dtypes:
        _apply_hll(result.filter(pl.col("hll_column").is_not_null()), columns)
    duplicates = None
    if count_duplicates:
        groups = result.filter(pl.col("distinct_rows").is_not_null())["distinct_rows"].item()
        duplicates = row_count - int(groups)
    return _Measured(
        row_count=row_count,
        columns=columns,
        duplicates=duplicates,
        exact=exact_distinct and (count_duplicates or not dtypes),
    )


def _comparable(column: pl.Expr, dtype: pl.DataType) -> pl.Expr | None:
    if dtype.is_numeric() or dtype.is_temporal() or dtype in (pl.String, pl.Boolean):
        return column
    if isinstance(dtype, pl.Categorical | pl.Enum):
        return column.cast(pl.String)
    return None


def _hll_registers(frame: pl.LazyFrame, index: int) -> pl.LazyFrame:
    """The HyperLogLog registers of one column: the highest rank seen per bucket.

    polars' own ``approx_n_unique`` is not used: under the streaming engine (polars 2.1) its
    partial sketches merge badly and miss by ~10%. Hashing with a fixed seed and keeping the
    register maximum in a streaming group-by merges exactly, in 2**14 rows of memory.
    """
    low_bits = pl.lit((1 << HLL_PRECISION) - 1, dtype=pl.UInt64)
    hashed = pl.nth(index).hash(HLL_SEED)
    # The bucket is the low bits; the rank is one more than the number of leading zeros of
    # the remaining high bits (1..64 - precision + 1), the low bits forced to ones.
    bucket = (hashed & low_bits).cast(pl.UInt16)
    rank = ((hashed | low_bits).bitwise_leading_zeros() + 1).cast(pl.UInt8)
    return (
        frame.filter(pl.nth(index).is_not_null())
        .select(hll_bucket=bucket, hll_rank=rank)
        .group_by("hll_bucket")
        .agg(pl.col("hll_rank").max())
        .with_columns(hll_column=pl.lit(index, dtype=pl.UInt32))
    )


def _apply_hll(registers: pl.DataFrame, columns: Sequence[_Column]) -> None:
    histograms: dict[int, list[int]] = {}
    ranks = registers.group_by("hll_column", "hll_rank").len()
    for index, rank, count in ranks.select("hll_column", "hll_rank", "len").iter_rows():
        histogram = histograms.setdefault(index, [0] * (66 - HLL_PRECISION))
        histogram[rank] += count
    for index, column in enumerate(columns):
        histogram = histograms.get(index)
        if histogram is None or column.non_null == 0:
            column.distinct = 0
        else:
            estimate = _hll_estimate(histogram)
            column.distinct = max(1, min(round(estimate), column.non_null))
            column.distinct_approximate = True


def _hll_estimate(histogram: list[int]) -> float:
    """Ertl's improved raw estimator (arXiv:1702.01284, algorithm 6).

    Unlike the original HyperLogLog it needs neither the small-range switch to linear
    counting nor HyperLogLog++'s empirical bias tables: it is unbiased over the whole range.
    ``histogram[k]`` counts registers of rank ``k``; empty registers have rank 0.
    """
    registers = 1 << HLL_PRECISION
    suffix_bits = 64 - HLL_PRECISION
    histogram = list(histogram)
    histogram[0] = registers - sum(histogram[1:])
    z = registers * _tau(1 - histogram[suffix_bits + 1] / registers)
    for rank in range(suffix_bits, 0, -1):
        z = 0.5 * (z + histogram[rank])
    z += registers * _sigma(histogram[0] / registers)
    return registers * registers / (2 * math.log(2)) / z


def _sigma(x: float) -> float:
    if x == 1:
        return math.inf
    y, z = 1.0, x
    while True:
        x *= x
        previous = z
        z += x * y
        y += y
        if z == previous:
            return z


def _tau(x: float) -> float:
    if x in (0, 1):
        return 0.0
    y, z = 1.0, 1 - x
    while True:
        x = math.sqrt(x)
        previous = z
        y *= 0.5
        z -= (1 - x) ** 2 * y
        if z == previous:
            return z / 3
