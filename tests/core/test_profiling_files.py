"""Profiling real Parquet and CSV files written by polars."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from lineage_core.connections import resolve_connection
from lineage_core.errors import InvalidArgument, InvalidName, NotFound, QueryTimeout
from lineage_core.profiling import ProfilingError, compare_profiles, profile_table


def _orders() -> pl.DataFrame:
    """Ten rows, three repeats, known nulls and extremes (the same data as the SQL tests)."""
    return pl.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 5, 5, 6, 2, 7],
            "customer": [
                "alice", "bob", "carol", None, "alice", "alice", "alice", "dave", "bob", "erin",
            ],
            "amount": [10.5, 20.0, None, 5.25, 99.99, 99.99, 99.99, None, 20.0, 1.0],
            "quantity": [1, 2, 3, None, 5, 5, 5, 7, 2, 1],
            "ordered_on": [
                date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3), date(2024, 2, 10),
                date(2023, 12, 31), date(2023, 12, 31), date(2023, 12, 31), None,
                date(2024, 1, 2), date(2024, 3, 1),
            ],
            "paid": [True, False, True, None, True, True, True, False, False, True],
        }
    )  # fmt: skip


EXPECTED = {
    # name: (nulls, distinct, min, max, mean)
    "id": (0, 7, 1, 7, 4.0),
    "customer": (1, 5, "alice", "erin", None),
    "amount": (2, 5, 1.0, 99.99, 356.72 / 8),
    "quantity": (1, 5, 1, 7, 31 / 9),
    "ordered_on": (1, 6, "2023-12-31", "2024-03-01", None),
    "paid": (1, 2, False, True, None),
}


def _assert_orders_profile(profile, types: dict[str, str]) -> None:
    assert profile.row_count == 10
    assert profile.column_count == 6
    assert profile.duplicate_count == 3
    assert profile.null_percentage == pytest.approx(6 / 60 * 100)
    assert profile.exact is True
    columns = {c.column_name: c for c in profile.column_profiles}
    assert list(columns) == list(EXPECTED)
    for name, (nulls, distinct, low, high, mean) in EXPECTED.items():
        column = columns[name]
        assert column.data_type == types[name], name
        assert column.null_count == nulls, name
        assert column.null_percentage == pytest.approx(nulls * 10), name
        assert (column.distinct_count, column.distinct_approximate) == (distinct, False), name
        assert (column.min, column.max) == (low, high), name
        assert column.mean == (pytest.approx(mean) if mean is not None else None), name


def test_parquet_profile_has_every_statistic(tmp_path: Path) -> None:
    path = tmp_path / "orders.parquet"
    _orders().write_parquet(path)

    profile = profile_table("shop.sales.orders", f"file://{tmp_path}/*.parquet")

    assert profile.asset == "shop.sales.orders"
    assert profile.table_size_bytes == path.stat().st_size
    _assert_orders_profile(
        profile,
        {
            "id": "Int64",
            "customer": "String",
            "amount": "Float64",
            "quantity": "Int64",
            "ordered_on": "Date",
            "paid": "Boolean",
        },
    )


def test_csv_profile_has_every_statistic(tmp_path: Path) -> None:
    _orders().write_csv(tmp_path / "orders.csv")

    profile = profile_table("orders", str(tmp_path))

    _assert_orders_profile(
        profile,
        {
            "id": "Int64",
            "customer": "String",
            "amount": "Float64",
            "quantity": "Int64",
            "ordered_on": "String",  # CSV has no types; polars infers them, dates stay text
            "paid": "Boolean",
        },
    )


def test_table_placeholder_spans_several_part_files(tmp_path: Path) -> None:
    frame = _orders()
    (tmp_path / "sales" / "orders").mkdir(parents=True)
    frame.head(6).write_parquet(tmp_path / "sales" / "orders" / "part-0.parquet")
    frame.tail(4).write_parquet(tmp_path / "sales" / "orders" / "part-1.parquet")

    profile = profile_table("sales.orders", f"file://{tmp_path}/{{schema}}/{{table}}/*.parquet")

    assert profile.row_count == 10
    assert profile.duplicate_count == 3
    with pytest.raises(NotFound, match="needs a schema part"):
        profile_table("orders", f"{tmp_path}/{{schema}}/{{table}}/*.parquet")


def test_directory_and_single_file_locations(tmp_path: Path) -> None:
    (tmp_path / "orders").mkdir()
    _orders().write_parquet(tmp_path / "orders" / "part-0.parquet")
    (tmp_path / "orders" / "_SUCCESS").write_text("")
    _orders().write_csv(tmp_path / "customers.csv")

    assert profile_table("orders", str(tmp_path)).row_count == 10
    assert profile_table("customers", str(tmp_path)).row_count == 10
    assert profile_table("customers", str(tmp_path / "customers.csv")).row_count == 10
    with pytest.raises(NotFound):
        profile_table("orders", str(tmp_path / "customers.csv"))


def test_approximate_distincts_are_flagged_and_close(tmp_path: Path) -> None:
    rows = 60_000
    pl.DataFrame(
        {
            "id": range(rows),
            "key": [i % 20_000 for i in range(rows)],
            "label": [None if i % 7 == 0 else f"label-{i % 3_000}" for i in range(rows)],
        }
    ).write_parquet(tmp_path / "events.parquet")
    url = f"{tmp_path}/{{table}}.parquet"
    limits = {"distinct_exact_limit": 1_000, "duplicate_row_limit": 1_000}

    approximate = profile_table("events", url, **limits)
    exact = profile_table("events", url, exact=True, **limits)

    assert approximate.exact is False
    assert approximate.duplicate_count is None
    assert exact.exact is True
    assert exact.duplicate_count == 0
    truth = {"id": rows, "key": 20_000, "label": 3_000}
    for guess, counted in zip(approximate.column_profiles, exact.column_profiles, strict=True):
        assert guess.distinct_approximate is True
        assert counted.distinct_approximate is False
        assert counted.distinct_count == truth[counted.column_name]
        assert guess.distinct_count == pytest.approx(counted.distinct_count, rel=0.03)
        assert guess.null_count == counted.null_count


def test_large_csv_is_approximated_and_small_csv_is_exact(tmp_path: Path) -> None:
    pl.DataFrame({"k": [i % 500 for i in range(5_000)]}).write_csv(tmp_path / "codes.csv")
    url = f"{tmp_path}/*.csv"

    small = profile_table("codes", url)
    large = profile_table("codes", url, distinct_exact_limit=100, duplicate_row_limit=100)

    assert (small.column_profiles[0].distinct_count, small.duplicate_count) == (500, 4_500)
    assert large.duplicate_count is None
    assert large.column_profiles[0].distinct_approximate is True
    assert large.column_profiles[0].distinct_count == pytest.approx(500, rel=0.03)


def test_drift_between_file_versions(tmp_path: Path) -> None:
    url = f"{tmp_path}/{{table}}.parquet"
    pl.DataFrame({"id": range(100), "name": [f"n{i}" for i in range(100)]}).write_parquet(
        tmp_path / "people.parquet"
    )
    before = profile_table("people", url)
    pl.DataFrame(
        {
            "id": [str(i) for i in range(10)],
            "name": [None] * 5 + [f"n{i}" for i in range(5)],
            "email": ["x@example.com"] * 10,
        }
    ).write_parquet(tmp_path / "people.parquet")

    drift = compare_profiles(before, profile_table("people", url))

    assert drift.columns_added == ["email"]
    assert [(c.column, c.before, c.after) for c in drift.columns_retyped] == [
        ("id", "Int64", "String")
    ]
    assert drift.row_count_change_percentage == -90.0
    assert drift.null_percentage_swings == {"name": 50.0}


def test_names_cannot_escape_the_location(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    _orders().write_parquet(tmp_path / "secret.parquet")
    url = f"{tmp_path}/data/{{table}}.parquet"

    with pytest.raises(InvalidName):
        profile_table('"../secret"', url)
    with pytest.raises(InvalidName):
        profile_table('"*"', url)
    with pytest.raises(InvalidName):
        profile_table("x; DROP TABLE y", url)


def test_missing_files_and_mixed_formats(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"Table orders not found in .*no matching files"):
        profile_table("orders", f"{tmp_path}/{{table}}.parquet")
    (tmp_path / "mixed").mkdir()
    _orders().write_parquet(tmp_path / "mixed" / "a.parquet")
    _orders().write_csv(tmp_path / "mixed" / "b.csv")
    with pytest.raises(ProfilingError, match="only Parquet or only CSV"):
        profile_table("mixed", f"{tmp_path}/{{table}}/*")


def test_unreadable_file_is_a_profiling_error(tmp_path: Path) -> None:
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ProfilingError, match="broken"):
        profile_table("broken", str(tmp_path))


def test_ambiguous_glob_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="placeholder"):
        resolve_connection("/data/*/part-*.parquet")


def test_slow_scan_is_stopped_at_the_time_limit(tmp_path: Path) -> None:
    rows = 3_000_000
    pl.select(
        a=pl.int_range(rows), b=pl.int_range(rows).hash(1), c=pl.int_range(rows).cast(pl.String)
    ).write_csv(tmp_path / "huge.csv")
    with pytest.raises(QueryTimeout, match="huge"):
        profile_table("huge", str(tmp_path), timeout_seconds=0.05)


def test_json_keeps_the_document_shape(tmp_path: Path) -> None:
    _orders().write_parquet(tmp_path / "orders.parquet")
    document = profile_table("orders", str(tmp_path)).to_json()

    assert {"rowCount", "columnCount", "columnProfiles", "duplicateCount"} <= set(document)
    first = document["columnProfiles"][4]
    assert set(first) >= {
        "columnName", "dataType", "nullCount", "distinctCount", "nullPercentage",
        "min", "max", "mean", "distinctApproximate",
    }  # fmt: skip
    assert (first["columnName"], first["min"]) == ("ordered_on", "2023-12-31")
    assert json.loads(json.dumps(document)) == document
