"""Drift between two profiles of one table: schema changes and large swings.

Drift is computed when a profile is stored, by the store itself, so it never depends on who
profiled the table. Storing a profile must therefore stay light: this module needs only the
models, never polars or a database driver (importing it runs the package's ``__init__``,
which imports no engine either).

:func:`describe_schema_change` is the one wording of a schema change that logs, checks and
alerts repeat, so they all say the same thing.
"""

from __future__ import annotations

from lineage_core.errors import InvalidArgument
from lineage_core.models import ColumnTypeChange, ProfileDrift, TableProfile

__all__ = ["compare_profiles", "describe_schema_change"]


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


def describe_schema_change(drift: ProfileDrift) -> str:
    """The schema change in one phrase: ``added [...], removed [...], retyped [...]``."""
    return (
        f"added {drift.columns_added}, removed {drift.columns_removed}, "
        f"retyped {[change.column for change in drift.columns_retyped]}"
    )
