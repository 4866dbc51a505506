"""What every engine shares: the plan of one profile, its raw measurements, and the profile.

An engine gets a :class:`Plan` (the limits and the deadline of this profile), measures the
table its own way into a :class:`Measured` (plain numbers and values, one
:class:`MeasuredColumn` per column), and :func:`build_profile` turns that into the
``TableProfile`` model in one place, so percentages, JSON-safe values and truncation are the
same whichever engine measured.

One deadline bounds the whole profile, connecting included: a database engine hands
:meth:`Plan.remaining` to the database as its time limit before each statement, the file
engine checks ``deadline`` between batches, and both report :meth:`Plan.timeout` when the
work is stopped there.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
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
