"""Profiling real SQLite files, opened read-only."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

import pytest

from lineage_core.connections import Connection
from lineage_core.errors import InvalidName, NotFound, QueryTimeout, StoreUnavailable
from lineage_core.profiling import compare_profiles, profile_table

ORDERS = [
    (1, "alice", 10.5, 1, "2024-01-01", b"\x00"),
    (2, "bob", 20.0, 2, "2024-01-02", None),
    (3, "carol", None, 3, "2024-01-03", None),
    (4, None, 5.25, None, "2024-02-10", None),
    (5, "alice", 99.99, 5, "2023-12-31", None),
    (5, "alice", 99.99, 5, "2023-12-31", None),
    (5, "alice", 99.99, 5, "2023-12-31", None),
    (6, "dave", None, 7, None, None),
    (2, "bob", 20.0, 2, "2024-01-02", None),
    (7, "erin", 1.0, 1, "2024-03-01", b"\x01"),
]


def _database(path: Path, *statements: str, rows: list[tuple] | None = None) -> str:
    with sqlite3.connect(path) as database:
        for statement in statements:
            database.execute(statement)
        if rows:
            placeholders = ", ".join("?" * len(rows[0]))
            database.executemany(f"INSERT INTO orders VALUES ({placeholders})", rows)
    database.close()
    return f"sqlite:///{path}"


@pytest.fixture(name="orders_url")
def fixture_orders_url(tmp_path: Path) -> str:
    return _database(
        tmp_path / "shop.db",
        "CREATE TABLE orders (id INTEGER, customer TEXT, amount REAL, quantity INT, "
        "ordered_on DATE, blob BLOB)",
        rows=ORDERS,
    )


def test_profile_counts_rows_nulls_duplicates_and_size(orders_url: str) -> None:
    profile = profile_table("main.orders", orders_url)

    assert profile.asset == "main.orders"
    assert profile.row_count == 10
    assert profile.column_count == 6
    assert profile.duplicate_count == 3
    assert profile.null_percentage == pytest.approx(13 / 60 * 100, abs=1e-4)
    assert profile.table_size_bytes and profile.table_size_bytes >= 4096
    assert profile.exact is True


def test_profile_computes_each_column_statistic(orders_url: str) -> None:
    columns = {c.column_name: c for c in profile_table("orders", orders_url).column_profiles}

    expected = {
        "id": ("INTEGER", 0, 7, 1, 7, 4.0),
        "customer": ("TEXT", 1, 5, "alice", "erin", None),
        "amount": ("REAL", 2, 5, 1.0, 99.99, 356.72 / 8),
        "quantity": ("INT", 1, 5, 1, 7, 31 / 9),
        "ordered_on": ("DATE", 1, 6, "2023-12-31", "2024-03-01", None),
        "blob": ("BLOB", 8, 2, None, None, None),
    }
    for name, (data_type, nulls, distinct, low, high, mean) in expected.items():
        column = columns[name]
        assert column.data_type == data_type, name
        assert column.null_count == nulls, name
        assert column.distinct_count == distinct, name
        assert column.distinct_approximate is False, name
        assert (column.min, column.max) == (low, high), name
        assert column.mean == (pytest.approx(mean) if mean is not None else None), name


def test_same_statistics_without_the_duplicate_pass(orders_url: str) -> None:
    grouped = profile_table("orders", orders_url)
    plain = profile_table("orders", orders_url, duplicate_row_limit=5)

    assert plain.duplicate_count is None
    assert plain.exact is False
    for weighted, direct in zip(grouped.column_profiles, plain.column_profiles, strict=True):
        assert weighted.model_copy(update={"mean": None}) == direct.model_copy(
            update={"mean": None}
        )
        assert weighted.mean == (pytest.approx(direct.mean) if direct.mean is not None else None)


def test_large_table_uses_indexes_and_sqlite_stat1(tmp_path: Path) -> None:
    path = tmp_path / "big.db"
    with sqlite3.connect(path) as database:
        database.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, code TEXT UNIQUE, bucket INT, note TEXT)"
        )
        database.execute("CREATE INDEX events_bucket ON events (bucket)")
        database.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?)",
            [(i, f"c{i}", i % 50, f"n{i % 7}") for i in range(1, 3001)],
        )
    database.close()
    url = f"sqlite:///{path}"
    limits = {"distinct_exact_limit": 100, "duplicate_row_limit": 100}

    def distincts(**options: object) -> dict[str, tuple[int | None, bool]]:
        profile = profile_table("events", url, **limits, **options)
        return {
            c.column_name: (c.distinct_count, c.distinct_approximate)
            for c in profile.column_profiles
        }

    assert distincts() == {
        "id": (3000, False),
        "code": (3000, False),
        "bucket": (None, False),
        "note": (None, False),
    }
    with sqlite3.connect(path) as database:
        database.execute("ANALYZE")
    database.close()
    assert distincts()["bucket"] == (50, True)
    assert distincts()["note"] == (None, False)
    assert distincts(exact=True)["note"] == (7, False)


def test_drift_after_altering_the_table(tmp_path: Path) -> None:
    path = tmp_path / "drift.db"
    url = _database(
        path,
        "CREATE TABLE orders (id INTEGER, name TEXT, amount INTEGER)",
        rows=[(i, f"n{i}", i * 10) for i in range(1, 101)],
    )
    before = profile_table("orders", url)

    with sqlite3.connect(path) as database:
        database.executescript(
            """
            ALTER TABLE orders ADD COLUMN note TEXT;
            CREATE TABLE orders_new (id INTEGER, name TEXT, amount REAL, note TEXT);
            INSERT INTO orders_new SELECT * FROM orders WHERE id <= 10;
            DROP TABLE orders;
            ALTER TABLE orders_new RENAME TO orders;
            UPDATE orders SET name = NULL WHERE id <= 5;
            """
        )
    database.close()
    drift = compare_profiles(before, profile_table("orders", url))

    assert drift.columns_added == ["note"]
    assert [(c.column, c.before, c.after) for c in drift.columns_retyped] == [
        ("amount", "INTEGER", "REAL")
    ]
    assert drift.row_count_change_percentage == -90.0
    assert len(drift.large_swings) == 2


def test_malicious_name_is_refused_and_nothing_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "victim.db"
    url = _database(path, "CREATE TABLE y (v INTEGER)", "INSERT INTO y VALUES (1)")
    fingerprint = hashlib.sha256(path.read_bytes()).hexdigest()

    with pytest.raises(InvalidName):
        profile_table("x; DROP TABLE y", url)
    with pytest.raises(NotFound):
        profile_table('"x; DROP TABLE y"', url)
    with pytest.raises(NotFound):
        profile_table('"y""; DROP TABLE y; --"', url)

    assert profile_table("y", url).row_count == 1
    assert hashlib.sha256(path.read_bytes()).hexdigest() == fingerprint


def test_missing_table_names_table_and_connection(orders_url: str) -> None:
    connection = Connection.parse(orders_url, name="shop")
    with pytest.raises(NotFound, match=r"Table nope not found in shop"):
        profile_table("nope", connection)


def test_missing_or_corrupt_file_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="no SQLite file"):
        profile_table("orders", f"sqlite:///{tmp_path / 'absent.db'}")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreUnavailable, match="not a database"):
        profile_table("orders", f"sqlite:///{garbage}")


def test_slow_query_is_interrupted_at_the_time_limit(tmp_path: Path) -> None:
    url = _database(
        tmp_path / "slow.db",
        "CREATE VIEW endless AS WITH RECURSIVE n(i) AS "
        "(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) SELECT i FROM n",
    )
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        profile_table("endless", url, timeout_seconds=0.5)
    assert time.monotonic() - started < 3


def test_view_is_profiled_without_a_size(orders_url: str, tmp_path: Path) -> None:
    path = Path(orders_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as database:
        database.execute("CREATE VIEW paid AS SELECT id, amount * 2 AS doubled FROM orders")
    database.close()

    profile = profile_table("paid", orders_url)
    assert profile.row_count == 10
    assert profile.table_size_bytes is None
    assert [c.data_type for c in profile.column_profiles] == ["INTEGER", "ANY"]


def test_wide_table_is_profiled_in_several_passes(tmp_path: Path) -> None:
    columns = ", ".join(f"c{i} INTEGER" for i in range(320))
    url = _database(
        tmp_path / "wide.db",
        f"CREATE TABLE wide ({columns})",
        "INSERT INTO wide (c0, c319) VALUES (1, 2), (1, 2), (3, NULL), (1, 5)",
    )

    for exact in (False, True):
        profile = profile_table("wide", url, exact=exact)
        by_name = {c.column_name: c for c in profile.column_profiles}
        assert profile.column_count == 320
        assert profile.duplicate_count == 1
        assert (by_name["c319"].null_count, by_name["c319"].max) == (1, 5)
        assert by_name["c0"].distinct_count == 2
        assert by_name["c150"].null_count == 4
