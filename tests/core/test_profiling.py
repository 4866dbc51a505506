"""Connections, argument checks and drift: the parts of profiling that need no database."""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest

from lineage_core.errors import InvalidArgument, InvalidName, NotFound
from lineage_core.models import ColumnProfile, TableProfile
from lineage_core.profiling import (
    Connection,
    ConnectionKind,
    compare_profiles,
    profile_table,
    profile_to_json,
    resolve_connection,
)


@pytest.mark.parametrize(
    ("text", "kind", "target"),
    [
        ("postgresql://u@h:5432/db", ConnectionKind.POSTGRES, "postgresql://u@h:5432/db"),
        ("postgres://u@h/db", ConnectionKind.POSTGRES, "postgresql://u@h/db"),
        ("postgresql+psycopg://u@h/db", ConnectionKind.POSTGRES, "postgresql://u@h/db"),
        ("sqlite:///shop.db", ConnectionKind.SQLITE, "shop.db"),
        ("sqlite:////var/data/shop.db", ConnectionKind.SQLITE, "/var/data/shop.db"),
        ("/var/data/shop.sqlite3", ConnectionKind.SQLITE, "/var/data/shop.sqlite3"),
        ("file:///data/*.parquet", ConnectionKind.FILES, "/data/{table}.parquet"),
        ("file://localhost/data/x%20y/", ConnectionKind.FILES, "/data/x y/"),
        ("/data/{schema}/{table}/*.csv", ConnectionKind.FILES, "/data/{schema}/{table}/*.csv"),
        ("/data", ConnectionKind.FILES, "/data"),
    ],
)
def test_connection_strings_are_understood(text: str, kind: ConnectionKind, target: str) -> None:
    connection = Connection.parse(text)
    assert (connection.kind, connection.target) == (kind, target)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "mysql://u@h/db",
        "sqlite:///:memory:",
        "sqlite://relative.db",
        "file://otherhost/data",
        "/data/*/part-*.parquet",
        "/data/*x*.parquet",
    ],
)
def test_unusable_connection_strings_are_refused(text: str) -> None:
    with pytest.raises(InvalidArgument):
        Connection.parse(text)


def test_credentials_are_masked_wherever_the_connection_is_shown() -> None:
    connection = Connection.parse("postgresql://admin:hunter2@db.internal:5432/warehouse")
    assert connection.display == "postgresql://admin:***@db.internal:5432/warehouse"
    assert "hunter2" not in str(connection)
    assert str(Connection.parse(connection.target, name="warehouse")) == "warehouse"
    in_query = Connection.parse("postgresql://h/db?user=u&password=s3cret&sslmode=require")
    assert in_query.display == "postgresql://h/db?user=u&password=***&sslmode=require"


def test_resolve_prefers_named_connections() -> None:
    connections = {"warehouse": "postgresql://u@h/db", "lake": "file:///lake/{table}.parquet"}

    named = resolve_connection("lake", connections)
    assert (named.kind, named.name, named.display) == (ConnectionKind.FILES, "lake", "lake")
    url = resolve_connection("sqlite:///other.db", connections)
    assert (url.kind, url.name) == (ConnectionKind.SQLITE, None)
    with pytest.raises(NotFound, match=r"Unknown connection 'lakehouse'.*lake, warehouse"):
        resolve_connection("lakehouse", connections)
    with pytest.raises(NotFound, match=r"Unknown connection 'lake'$"):
        resolve_connection("lake")


@pytest.mark.parametrize(
    "name", ["", "   ", "a.b.c.d", "a..b", '"unterminated', "x; DROP TABLE y", "x y"]
)
def test_invalid_names_are_refused_before_any_io(name: str, tmp_path: Path) -> None:
    with pytest.raises(InvalidName):
        profile_table(name, f"sqlite:///{tmp_path / 'never-opened.db'}")


@pytest.mark.parametrize(
    "options",
    [
        {"timeout_seconds": 0},
        {"timeout_seconds": -1},
        {"distinct_exact_limit": -1},
        {"duplicate_row_limit": 1.5},
        {"duplicate_row_limit": True},
    ],
)
def test_bad_options_are_refused(options: dict[str, object], tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument):
        profile_table("t", str(tmp_path), **options)


def _profile(rows: int, nulls: dict[str, float], types: dict[str, str] | None = None):
    types = types or {}
    return TableProfile(
        profile_id=7,
        asset="shop.orders",
        row_count=rows,
        column_count=len(nulls),
        column_profiles=[
            ColumnProfile(
                column_name=name,
                data_type=types.get(name, "integer"),
                null_count=round(rows * share / 100),
                null_percentage=share,
            )
            for name, share in nulls.items()
        ],
    )


def test_drift_reports_schema_changes_and_large_swings() -> None:
    before = _profile(1000, {"id": 0.0, "name": 10.0, "gone": 0.0, "amount": 5.0})
    after = _profile(
        400, {"id": 0.0, "name": 45.0, "amount": 15.0, "new": 100.0}, {"amount": "bigint"}
    )

    drift = compare_profiles(before, after)

    assert drift.previous_profile_id == 7
    assert drift.schema_changed
    assert drift.columns_added == ["new"]
    assert drift.columns_removed == ["gone"]
    assert [(c.column, c.before, c.after) for c in drift.columns_retyped] == [
        ("amount", "integer", "bigint")
    ]
    assert drift.row_count_change_percentage == -60.0
    assert drift.null_percentage_swings == {"name": 35.0, "amount": 10.0}
    assert drift.large_swings == [
        "row count fell 60% (1,000 -> 400)",
        "nulls in name rose 35 points (10% -> 45%)",
    ]


def test_drift_thresholds_are_configurable() -> None:
    before = _profile(1000, {"name": 10.0})
    after = _profile(1200, {"name": 4.0})

    assert compare_profiles(before, after).large_swings == []
    assert compare_profiles(
        before, after, row_count_swing=0.2, null_swing_points=5
    ).large_swings == [
        "row count rose 20% (1,000 -> 1,200)",
        "nulls in name fell 6 points (10% -> 4%)",
    ]


def test_drift_from_an_empty_table() -> None:
    drift = compare_profiles(_profile(0, {"id": 0.0}), _profile(50, {"id": 0.0}))
    assert drift.row_count_change_percentage is None
    assert drift.large_swings == ["row count rose from 0 to 50"]
    assert not drift.schema_changed
    assert compare_profiles(_profile(0, {}), _profile(0, {})).row_count_change_percentage == 0.0


def test_drift_refuses_different_tables_and_negative_thresholds() -> None:
    other = _profile(10, {}).model_copy(update={"asset": "shop.customers"})
    with pytest.raises(InvalidArgument, match="different tables"):
        compare_profiles(_profile(10, {}), other)
    with pytest.raises(InvalidArgument):
        compare_profiles(_profile(10, {}), _profile(10, {}), row_count_swing=-1)


def test_non_finite_numbers_stay_json_safe(tmp_path: Path) -> None:
    pl.DataFrame({"x": [1.0, math.inf, -math.inf, None]}).write_parquet(tmp_path / "odd.parquet")

    document = profile_to_json(profile_table("odd", str(tmp_path)))

    column = document["columnProfiles"][0]
    assert (column["min"], column["max"], column["mean"]) == ("-Infinity", "Infinity", None)
    assert json.loads(json.dumps(document, allow_nan=False)) == document


def test_empty_table_has_no_null_percentage(tmp_path: Path) -> None:
    pl.DataFrame({"x": pl.Series([], dtype=pl.Int64)}).write_parquet(tmp_path / "empty.parquet")

    profile = profile_table("empty", str(tmp_path))

    assert (profile.row_count, profile.duplicate_count, profile.null_percentage) == (0, 0, None)
    column = profile.column_profiles[0]
    assert (column.null_count, column.null_percentage, column.distinct_count) == (0, 0.0, 0)
