"""What every engine shares: the plan of one profile, its raw measurements, and the profile.

An engine gets a :class:`Plan` (the limits and the deadline of this profile), measures the
table its own way into a :class:`Measured` (plain numbers and values, one
:class:`MeasuredColumn` per column), and :func:`build_profile` turns that into the
``TableProfile`` model in one place, so percentages, JSON-safe values and truncation are the
same whichever engine measured.

One deadline bounds the whole profile, connecting included: PostgreSQL gets
:meth:`Plan.remaining` as its time limit before each statement, SQLite's progress handler
and a DuckDB watcher thread stop the statement running at ``deadline``, the file engine
checks ``deadline`` between batches, and all report :meth:`Plan.timeout` when the work is
stopped there.

A database engine's aggregate pass returns one row in one layout (:func:`_read_pass`), run
a slice of the columns at a time by :func:`measure_in_passes`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from decimal import Decimal
from typing import Any

from lineage_core.connections import Connection
from lineage_core.errors import LineageError, QueryTimeout
from lineage_core.models import ColumnProfile, TableProfile

# Statistics older than this share of modified rows are no longer trusted for estimates.
STATS_STALE_FRACTION = 0.1
# PostgreSQL allows 1664 result columns and each column takes five aggregates.
MAX_COLUMNS_PER_PASS = 300
# min/max of a text column can be a whole document; a profile keeps a readable prefix.
MAX_VALUE_CHARS = 200


class ProfilingError(LineageError):
    """The source answered but the profile could not be computed (bad file, privileges...)."""


@dataclass
class Plan:
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

    def counts_distinct_exactly(self, rows: int) -> bool:
        """Whether a table of ``rows`` rows has its distinct values counted, not estimated."""
        return self.exact or rows <= self.distinct_exact_limit

    def counts_duplicates(self, rows: int) -> bool:
        """Whether a table of ``rows`` rows has its duplicate rows counted."""
        return self.exact or rows <= self.duplicate_row_limit

    def timeout(self) -> QueryTimeout:
        return QueryTimeout(
            f"Profiling {self.label} took longer than {self.timeout_seconds:g} s and was "
            "cancelled; raise timeout_seconds or profile a smaller table"
        )


@dataclass
class MeasuredColumn:
    name: str
    data_type: str
    non_null: int = 0
    min: Any = None
    max: Any = None
    mean: float | None = None
    distinct: int | None = None
    distinct_approximate: bool = False


@dataclass
class Measured:
    row_count: int
    columns: list[MeasuredColumn]
    size_bytes: int | None = None
    duplicates: int | None = None
    exact: bool = False


def build_profile(
    asset: str,
    connection: Connection,
    measured: Measured,
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


def _read_pass(
    values: Sequence[Any],
    columns: Sequence[MeasuredColumn],
    *,
    unique: Collection[str] = (),
    approximate: bool = False,
) -> tuple[int, int | None]:
    """Fill ``columns`` from the one row of an aggregate pass; return (rows, duplicates).

    The row holds the row count, the duplicate rows (NULL when not counted), then per column
    its non-null count, min, max, mean and distinct count (NULL when not counted). Columns in
    ``unique`` have as many distinct values as non-null ones; ``approximate`` marks the
    other distinct counts as estimates, never above the non-null count.
    """
    for index, column in enumerate(columns):
        non_null, low, high, mean, distinct = values[2 + 5 * index : 7 + 5 * index]
        column.non_null = int(non_null or 0)
        column.min, column.max, column.mean = low, high, mean
        if column.name in unique:
            column.distinct = column.non_null
        elif distinct is not None:
            column.distinct = min(int(distinct), column.non_null) if approximate else int(distinct)
            column.distinct_approximate = approximate
    duplicates = values[1]
    return int(values[0] or 0), None if duplicates is None else int(duplicates)


def measure_in_passes(
    columns: Sequence[MeasuredColumn],
    columns_per_pass: int,
    run_pass: Callable[[Sequence[MeasuredColumn], bool], Sequence[Any]],
    *,
    unique: Collection[str] = (),
    approximate: bool = False,
) -> tuple[int, int | None]:
    """Measure ``columns`` a slice at a time; return (rows, duplicates) from the first pass.

    ``run_pass(chunk, first)`` runs one aggregate pass over the columns of ``chunk`` and
    returns its row (see :func:`_read_pass`); ``first`` says whether it is the first pass, the
    one whose duplicate count is kept.
    """
    rows, duplicates = 0, None
    for position, chunk in enumerate(chunks(columns, columns_per_pass)):
        values = run_pass(chunk, position == 0)
        counted = _read_pass(values, chunk, unique=unique, approximate=approximate)
        if position == 0:
            rows, duplicates = counted
    return rows, duplicates


def first_line(error: BaseException) -> str:
    """The first line of an error's message, for a one-line error of our own."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    """``items`` in slices of ``size``; one empty slice when there are none."""
    return [items[start : start + size] for start in range(0, len(items), size)] or [items]


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
