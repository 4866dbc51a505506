"""Connections, argument checks, drift and sketches: profiling that needs no database."""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from lineage_core.connections import (
    Connection,
    ConnectionKind,
    connection_for_table,
    resolve_connection,
)
from lineage_core.errors import InvalidArgument, InvalidName, NotFound
from lineage_core.models import ColumnProfile, TableProfile
from lineage_core.profiling import compare_profiles, profile_table
from lineage_core.profiling.drift import describe_schema_change
from lineage_core.profiling.sketches import (
    HISTOGRAM_SIZE,
    REGISTERS,
    estimate_distinct,
    rank_histograms,
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


def test_a_table_resolves_to_its_recorded_then_its_named_then_the_fallback_connection() -> None:
    connections = {"warehouse": "postgresql://u@h/db", "shop": "sqlite:///shop.db"}

    def name_of(table: str, **choices: str) -> str | None:
        return connection_for_table(table, connections=connections, **choices).name

    assert name_of("shop.raw.orders", asset_connection="warehouse", fallback="/d") == "warehouse"
    assert name_of("shop.raw.orders", asset_connection="gone", fallback="/d") == "shop"
    assert name_of("SHOP.orders") == "shop"
    assert name_of("orders", fallback="warehouse") == "warehouse"
    by_url = connection_for_table("lake.orders", fallback="/data", connections=connections)
    assert (by_url.kind, by_url.target, by_url.name) == (ConnectionKind.FILES, "/data", None)


def test_a_table_without_a_connection_names_the_known_ones() -> None:
    with pytest.raises(
        NotFound, match=r"^No connection for orders: .*\(known connections: a, b\)$"
    ):
        connection_for_table("orders", connections={"b": "/b", "a": "/a"})
    with pytest.raises(NotFound, match=r"none configured"):
        connection_for_table("shop.orders", asset_connection="shop", connections={})
    with pytest.raises(NotFound, match="Unknown connection 'nope'"):
        connection_for_table("orders", fallback="nope", connections={"a": "/a"})
    with pytest.raises(InvalidName):
        connection_for_table("a..b", fallback="/a", connections={})


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


def test_schema_change_is_described_in_one_phrase() -> None:
    before = _profile(10, {"id": 0.0, "gone": 0.0, "amount": 0.0})
    after = _profile(10, {"id": 0.0, "amount": 0.0, "new": 0.0}, {"amount": "bigint"})

    drift = compare_profiles(before, after)

    assert describe_schema_change(drift) == "added ['new'], removed ['gone'], retyped ['amount']"


def test_drift_and_the_package_import_without_polars() -> None:
    code = (
        "import sys\n"
        "import lineage_core.profiling.drift\n"
        "assert 'polars' not in sys.modules, 'drift'\n"
        "import lineage_core.profiling\n"
        "assert 'polars' not in sys.modules, 'package'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)


def _sketch(values: range) -> list[int]:
    """The rank histogram of a HyperLogLog sketch of ``values``, with a 64-bit blake2b hash."""
    registers = [0] * REGISTERS
    for value in values:
        digest = hashlib.blake2b(value.to_bytes(8, "little"), digest_size=8).digest()
        hashed = int.from_bytes(digest, "little")
        bucket = hashed & (REGISTERS - 1)
        rank = 64 - (hashed | (REGISTERS - 1)).bit_length() + 1
        registers[bucket] = max(registers[bucket], rank)
    ranks = Counter(rank for rank in registers if rank)
    return rank_histograms((0, rank, count) for rank, count in ranks.items()).get(
        0, [0] * HISTOGRAM_SIZE
    )


@pytest.mark.parametrize(("distinct", "tolerance"), [(0, 0), (1, 0), (50, 0.02), (200_000, 0.03)])
def test_hyperloglog_estimate_is_within_its_error(distinct: int, tolerance: float) -> None:
    estimate = estimate_distinct(_sketch(range(distinct)))
    assert abs(estimate - distinct) <= tolerance * distinct + 0.5


def test_rank_histograms_count_registers_per_sketch() -> None:
    histograms = rank_histograms([(0, 1, 3), (4, 51, 1), (0, 1, 2), (0, 0, 9)])
    assert sorted(histograms) == [0, 4]
    assert len(histograms[0]) == HISTOGRAM_SIZE == 52
    assert (histograms[0][0], histograms[0][1], sum(histograms[0])) == (9, 5, 14)
    assert histograms[4][51] == 1
    # Empty registers are recomputed from the others, whatever the histogram says.
    assert estimate_distinct(histograms[0]) == estimate_distinct([0, 5] + [0] * 50)


def test_non_finite_numbers_stay_json_safe(tmp_path: Path) -> None:
    pl.DataFrame({"x": [1.0, math.inf, -math.inf, None]}).write_parquet(tmp_path / "odd.parquet")

    document = profile_table("odd", str(tmp_path)).to_json()

    column = document["columnProfiles"][0]
    assert (column["min"], column["max"], column["mean"]) == ("-Infinity", "Infinity", None)
    assert json.loads(json.dumps(document, allow_nan=False)) == document


def test_empty_table_has_no_null_percentage(tmp_path: Path) -> None:
    pl.DataFrame({"x": pl.Series([], dtype=pl.Int64)}).write_parquet(tmp_path / "empty.parquet")

    profile = profile_table("empty", str(tmp_path))

    assert (profile.row_count, profile.duplicate_count, profile.null_percentage) == (0, 0, None)
    column = profile.column_profiles[0]
    assert (column.null_count, column.null_percentage, column.distinct_count) == (0, 0.0, 0)
