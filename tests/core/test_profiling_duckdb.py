"""Profiling real DuckDB files, opened read-only; and reading DuckDB connections."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from lineage_core.cli import main
from lineage_core.connections import Connection, ConnectionKind, resolve_connection
from lineage_core.errors import (
    InvalidArgument,
    InvalidName,
    NotFound,
    QueryTimeout,
    StoreUnavailable,
)
from lineage_core.profiling import compare_profiles, profile_table

ORDERS_TABLE = (
    "CREATE TABLE orders (id INTEGER, customer VARCHAR, amount DECIMAL(10, 2), price DOUBLE, "
    "quantity BIGINT, ordered_on DATE, shipped_at TIMESTAMP, paid BOOLEAN)"
)
ORDERS = """INSERT INTO orders VALUES
    (1, 'alice', 10.50, 1.5, 1, '2024-01-01', '2024-01-01 10:00:00', true),
    (2, 'bob', 20.00, 2.0, 2, '2024-01-02', '2024-01-02 11:30:00', false),
    (3, 'carol', NULL, NULL, 3, '2024-01-03', NULL, true),
    (4, NULL, 5.25, 0.25, NULL, '2024-02-10', '2024-02-10 08:00:00', NULL),
    (5, 'alice', 99.99, 9.5, 5, '2023-12-31', '2023-12-31 23:59:59', true),
    (5, 'alice', 99.99, 9.5, 5, '2023-12-31', '2023-12-31 23:59:59', true),
    (5, 'alice', 99.99, 9.5, 5, '2023-12-31', '2023-12-31 23:59:59', true),
    (6, 'dave', NULL, NULL, 7, NULL, NULL, false),
    (2, 'bob', 20.00, 2.0, 2, '2024-01-02', '2024-01-02 11:30:00', false),
    (7, 'erin', 1.00, -3.0, 1, '2024-03-01', '2024-03-01 00:00:00', NULL)
"""


def _database(path: Path, *statements: str) -> str:
    with duckdb.connect(str(path)) as database:
        for statement in statements:
            database.execute(statement)
    return f"duckdb:///{path}"


def _path(url: str) -> Path:
    return Path(Connection.parse(url).target)


def _fingerprint(path: Path) -> tuple[int, str, list[str]]:
    """What a read-only profile must leave as it was: the file and its directory."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return path.stat().st_mtime_ns, digest, sorted(os.listdir(path.parent))


@pytest.fixture(name="orders_url")
def fixture_orders_url(tmp_path: Path) -> str:
    return _database(tmp_path / "shop.duckdb", ORDERS_TABLE, ORDERS)


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("duckdb:///data/shop.duckdb", "data/shop.duckdb"),
        ("duckdb:////var/data/shop.duckdb", "/var/data/shop.duckdb"),
        ("DuckDB:////var/data/my%20shop.duckdb", "/var/data/my shop.duckdb"),
        ("/var/data/shop.duckdb", "/var/data/shop.duckdb"),
        ("data/SHOP.DUCKDB", "data/SHOP.DUCKDB"),
    ],
)
def test_duckdb_connections_are_understood(text: str, target: str) -> None:
    connection = Connection.parse(text)
    assert (connection.kind, connection.target) == (ConnectionKind.DUCKDB, target)
    assert Connection.parse(connection.display) == connection


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("duckdb:///:memory:", "in-memory database has no tables"),
        ("duckdb:///:memory:scratch", "in-memory database has no tables"),
        ("duckdb://shop.duckdb", r"use duckdb:///relative\.duckdb or duckdb:////absolute"),
        ("duckdb://", r"use duckdb:///relative\.duckdb"),
    ],
)
def test_unusable_duckdb_connections_are_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidArgument, match=rf"Invalid DuckDB URL .*{reason}"):
        Connection.parse(text)


def test_duckdb_connections_resolve_by_name_or_path() -> None:
    named = resolve_connection("wh", {"wh": "duckdb:///warehouse.duckdb"})
    assert (named.kind, named.target, named.display) == (
        ConnectionKind.DUCKDB,
        "warehouse.duckdb",
        "wh",
    )
    assert resolve_connection("warehouse.duckdb").kind is ConnectionKind.DUCKDB
    assert str(resolve_connection("duckdb:////d/w.duckdb")) == "duckdb:////d/w.duckdb"


def test_profile_counts_rows_nulls_and_duplicates(orders_url: str) -> None:
    profile = profile_table("main.orders", orders_url)

    assert (profile.asset, profile.connection) == ("main.orders", orders_url)
    assert (profile.row_count, profile.column_count, profile.duplicate_count) == (10, 8, 3)
    assert profile.null_percentage == pytest.approx(11 / 80 * 100, abs=1e-4)
    assert profile.table_size_bytes is None
    assert profile.exact is True


def test_profile_computes_each_column_statistic(orders_url: str) -> None:
    columns = {c.column_name: c for c in profile_table("orders", orders_url).column_profiles}

    expected = {
        "id": ("INTEGER", 0, 7, 1, 7, 4.0),
        "customer": ("VARCHAR", 1, 5, "alice", "erin", None),
        "amount": ("DECIMAL(10,2)", 2, 5, 1.0, 99.99, 356.72 / 8),
        "price": ("DOUBLE", 2, 5, -3.0, 9.5, 31.25 / 8),
        "quantity": ("BIGINT", 1, 5, 1, 7, 31 / 9),
        "ordered_on": ("DATE", 1, 6, "2023-12-31", "2024-03-01", None),
        "shipped_at": ("TIMESTAMP", 2, 5, "2023-12-31T23:59:59", "2024-03-01T00:00:00", None),
        "paid": ("BOOLEAN", 2, 2, False, True, None),
    }
    assert list(columns) == list(expected)
    for name, (data_type, nulls, distinct, low, high, mean) in expected.items():
        column = columns[name]
        assert column.data_type == data_type, name
        assert column.null_count == nulls, name
        assert column.distinct_count == distinct, name
        assert column.distinct_approximate is False, name
        assert (column.min, column.max) == (low, high), name
        assert type(column.min) is type(low), name
        assert column.mean == (pytest.approx(mean) if mean is not None else None), name


def test_same_statistics_without_the_duplicate_pass(orders_url: str) -> None:
    counted = profile_table("orders", orders_url)
    plain = profile_table("orders", orders_url, duplicate_row_limit=5)

    assert (plain.duplicate_count, plain.exact) == (None, False)
    assert plain.column_profiles == counted.column_profiles


def test_large_table_estimates_distincts_above_the_limit(tmp_path: Path) -> None:
    url = _database(
        tmp_path / "big.duckdb",
        "CREATE TABLE events (id INTEGER PRIMARY KEY, code VARCHAR UNIQUE, bucket INTEGER, "
        "note VARCHAR, token BIGINT)",
        "INSERT INTO events SELECT i, 'c' || i, i % 50, 'n' || (i % 7), (i * 7919) % 100003 "
        "FROM range(1, 3001) AS r(i)",
    )
    limits = {"distinct_exact_limit": 100, "duplicate_row_limit": 100}

    def distincts(**options: object) -> dict[str, tuple[int | None, bool]]:
        profile = profile_table("events", url, **limits, **options)
        return {
            c.column_name: (c.distinct_count, c.distinct_approximate)
            for c in profile.column_profiles
        }

    estimated = profile_table("events", url, **limits)
    assert (estimated.row_count, estimated.duplicate_count, estimated.exact) == (3000, None, False)
    found = distincts()
    # The primary key and the unique column are counted exactly for free.
    assert (found["id"], found["code"]) == ((3000, False), (3000, False))
    for name, true_count in (("bucket", 50), ("note", 7), ("token", 3000)):
        count, approximate = found[name]
        assert approximate, name
        assert count is not None and abs(count - true_count) <= 0.05 * true_count + 1, name
    assert distincts(exact=True) == {
        "id": (3000, False),
        "code": (3000, False),
        "bucket": (50, False),
        "note": (7, False),
        "token": (3000, False),
    }


def test_an_estimate_never_exceeds_the_non_null_rows(tmp_path: Path) -> None:
    url = _database(
        tmp_path / "sparse.duckdb",
        "CREATE TABLE sparse AS SELECT CASE WHEN i < 3 THEN i END AS x FROM range(1000) AS r(i)",
    )
    column = profile_table("sparse", url, distinct_exact_limit=10).column_profiles[0]
    assert (column.null_count, column.distinct_approximate) == (997, True)
    assert column.distinct_count is not None and column.distinct_count <= 3


def test_empty_table_has_no_null_percentage(tmp_path: Path) -> None:
    url = _database(tmp_path / "empty.duckdb", "CREATE TABLE empty (x INTEGER, y VARCHAR)")

    profile = profile_table("empty", url)

    assert (profile.row_count, profile.duplicate_count, profile.null_percentage) == (0, 0, None)
    assert profile.exact is True
    for column in profile.column_profiles:
        assert (column.null_count, column.null_percentage, column.distinct_count) == (0, 0.0, 0)
        assert (column.min, column.max, column.mean) == (None, None, None)


def test_schema_part_picks_the_schema_and_the_database_part_is_ignored(
    orders_url: str,
) -> None:
    _database(
        _path(orders_url),
        "CREATE SCHEMA raw",
        "CREATE TABLE raw.orders AS SELECT 1 AS only_column",
    )

    assert profile_table("orders", orders_url).row_count == 10
    assert profile_table("shop.main.orders", orders_url).row_count == 10
    assert profile_table("warehouse.main.orders", orders_url).row_count == 10
    raw = profile_table("shop.RAW.orders", orders_url)
    assert (raw.asset, raw.row_count, raw.column_count) == ("shop.raw.orders", 1, 1)


def test_missing_table_names_table_schema_and_connection(orders_url: str) -> None:
    connection = Connection.parse(orders_url, name="shop")
    with pytest.raises(NotFound, match=r"^Table nope not found in schema 'main' of shop$"):
        profile_table("nope", connection)
    with pytest.raises(NotFound, match=r"^Table staging\.orders not found in schema 'staging'"):
        profile_table("staging.orders", connection)


def test_names_needing_quotes_are_found_and_kept(tmp_path: Path) -> None:
    url = _database(
        tmp_path / "odd.duckdb",
        'CREATE SCHEMA "Sales Team"',
        'CREATE TABLE "Sales Team"."Odd Name" ("Order Id" INTEGER, "we""ird" VARCHAR)',
        """INSERT INTO "Sales Team"."Odd Name" VALUES (1, 'a'), (2, NULL)""",
    )

    profile = profile_table('"Sales Team"."Odd Name"', url)

    assert (profile.asset, profile.row_count) == ('"Sales Team"."Odd Name"', 2)
    assert [(c.column_name, c.null_count) for c in profile.column_profiles] == [
        ("Order Id", 0),
        ('we"ird', 1),
    ]
    # DuckDB matches names without regard to case, quoted or not.
    assert profile_table('"sales team"."ODD NAME"', url).row_count == 2


def test_malicious_name_is_refused_or_harmless(tmp_path: Path) -> None:
    path = tmp_path / "victim.duckdb"
    url = _database(
        path,
        "CREATE TABLE y (v INTEGER)",
        "INSERT INTO y VALUES (1)",
        'CREATE TABLE "y""; DROP TABLE y; --" (v INTEGER)',
    )
    before = _fingerprint(path)

    with pytest.raises(InvalidName):
        profile_table("x; DROP TABLE y", url)
    with pytest.raises(NotFound):
        profile_table('"x; DROP TABLE y"', url)
    with pytest.raises(NotFound):
        profile_table('"y\'); DROP TABLE y; --"', url)
    # A table really named like an injection is just a table.
    assert profile_table('"y""; DROP TABLE y; --"', url).row_count == 0

    assert profile_table("y", url).row_count == 1
    assert _fingerprint(path) == before


def test_profiling_leaves_the_file_as_it_was(orders_url: str) -> None:
    path = _path(orders_url)
    before = _fingerprint(path)

    profile_table("orders", orders_url, exact=True)

    assert _fingerprint(path) == before


def test_relative_urls_are_relative_to_the_working_directory(
    orders_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _path(orders_url)
    monkeypatch.chdir(path.parent.parent)
    relative = f"duckdb:///{path.parent.name}/{path.name}"

    assert profile_table("orders", relative).row_count == 10


def test_a_file_open_for_writing_in_this_process_is_refused_with_the_reason(
    orders_url: str,
) -> None:
    path = _path(orders_url)
    writer = duckdb.connect(str(path))
    try:
        with pytest.raises(StoreUnavailable, match="this process already has it open"):
            profile_table("orders", orders_url)
    finally:
        writer.close()

    # Read-only connections share the file, and closing the profile's leaves the other open.
    reader = duckdb.connect(str(path), read_only=True)
    try:
        assert profile_table("orders", orders_url).row_count == 10
        assert reader.execute("SELECT count(*) FROM orders").fetchone() == (10,)
    finally:
        reader.close()


def test_a_file_held_for_writing_by_another_process_is_unavailable(orders_url: str) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, duckdb\n"
            f"database = duckdb.connect({str(_path(orders_url))!r})\n"
            "print('ready', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreUnavailable, match="Could not set lock"):
            profile_table("orders", orders_url)
    finally:
        holder.communicate("", timeout=30)
    assert profile_table("orders", orders_url).row_count == 10


def test_missing_file_is_unavailable_and_not_created(tmp_path: Path) -> None:
    absent = tmp_path / "absent.duckdb"
    with pytest.raises(StoreUnavailable, match="no DuckDB file"):
        profile_table("orders", f"duckdb:///{absent}")
    assert os.listdir(tmp_path) == []

    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreUnavailable, match="not a valid DuckDB database"):
        profile_table("orders", str(garbage))


def test_slow_query_is_interrupted_at_the_time_limit(tmp_path: Path) -> None:
    path = tmp_path / "slow.duckdb"
    url = _database(
        path,
        "CREATE VIEW endless AS SELECT a.range AS i FROM range(100000000000) AS a "
        "WHERE hash(a.range) % 7 = 3",
    )
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"took longer than 0\.5 s"):
        profile_table("endless", url, timeout_seconds=0.5)
    assert time.monotonic() - started < 3

    # The profile let the file go: it opens for writing again.
    duckdb.connect(str(path)).close()


def test_view_is_profiled(orders_url: str) -> None:
    _database(
        _path(orders_url),
        "CREATE VIEW paid AS SELECT id, amount * 2 AS doubled FROM orders WHERE paid",
    )

    profile = profile_table("paid", orders_url)

    assert (profile.row_count, profile.duplicate_count) == (5, 2)
    assert [(c.column_name, c.data_type) for c in profile.column_profiles] == [
        ("id", "INTEGER"),
        ("doubled", "DECIMAL(18,2)"),
    ]


def test_nested_and_other_types_are_profiled(tmp_path: Path) -> None:
    url = _database(
        tmp_path / "types.duckdb",
        "CREATE TABLE things (tags VARCHAR[], point STRUCT(x INTEGER, y INTEGER), "
        "attributes MAP(VARCHAR, INTEGER), payload BLOB, small UTINYINT, huge HUGEINT)",
        "INSERT INTO things VALUES (['a', 'b'], {'x': 1, 'y': 2}, MAP {'k': 1}, 'x'::BLOB, 3, 10),"
        "(['a', 'b'], {'x': 1, 'y': 2}, MAP {'k': 1}, 'x'::BLOB, 3, 10), "
        "(NULL, NULL, NULL, NULL, 5, 20)",
    )

    profile = profile_table("things", url)

    assert profile.duplicate_count == 1
    by_name = {c.column_name: c for c in profile.column_profiles}
    assert (by_name["tags"].min, by_name["tags"].distinct_count) == ("['a', 'b']", 1)
    assert (by_name["payload"].min, by_name["payload"].null_count) == (None, 1)
    assert (by_name["small"].mean, by_name["huge"].mean) == (pytest.approx(11 / 3), 40 / 3)
    assert json.loads(json.dumps(profile.to_json(), allow_nan=False)) == profile.to_json()


def test_wide_table_is_profiled_in_several_passes(tmp_path: Path) -> None:
    columns = ", ".join(f"c{i} INTEGER" for i in range(400))
    url = _database(
        tmp_path / "wide.duckdb",
        f"CREATE TABLE wide ({columns})",
        "INSERT INTO wide (c0, c399) VALUES (1, 2), (1, 2), (3, NULL), (1, 5)",
    )

    profile = profile_table("wide", url)

    by_name = {c.column_name: c for c in profile.column_profiles}
    assert (profile.column_count, profile.duplicate_count) == (400, 1)
    assert (by_name["c399"].null_count, by_name["c399"].max) == (1, 5)
    assert (by_name["c0"].distinct_count, by_name["c200"].null_count) == (2, 4)


def test_drift_after_altering_the_table(orders_url: str) -> None:
    before = profile_table("orders", orders_url)
    _database(
        _path(orders_url),
        "ALTER TABLE orders ADD COLUMN note VARCHAR",
        "ALTER TABLE orders ALTER COLUMN quantity TYPE DOUBLE",
        "DELETE FROM orders WHERE id > 2",
    )

    drift = compare_profiles(before, profile_table("orders", orders_url))

    assert drift.columns_added == ["note"]
    assert [(c.column, c.before, c.after) for c in drift.columns_retyped] == [
        ("quantity", "BIGINT", "DOUBLE")
    ]
    assert drift.row_count_change_percentage == -70.0


def test_lineage_profile_reads_a_duckdb_connection(
    orders_url: str, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["--db", sqlite_url, "init"]).exit_code == 0

    def run(*args: str) -> dict:
        result = runner.invoke(main, ["--db", sqlite_url, "profile", *args, "--json"])
        assert result.exit_code == 0, (result.output, result.stderr)
        return json.loads(result.stdout)

    by_url = run("shop.main.orders", "--connection", orders_url)
    assert (by_url["connection"], by_url["rowCount"], by_url["duplicateCount"]) == (
        orders_url,
        10,
        3,
    )
    amount = next(c for c in by_url["columnProfiles"] if c["columnName"] == "amount")
    assert (amount["dataType"], amount["nullCount"], amount["max"]) == ("DECIMAL(10,2)", 2, 99.99)

    monkeypatch.setenv("LINEAGE_CONNECTIONS", json.dumps({"shop": orders_url}))
    by_name = run("shop.main.orders")
    assert (by_name["connection"], by_name["rowCount"]) == ("shop", 10)

    missing = runner.invoke(
        main, ["--db", sqlite_url, "profile", "shop.main.nope", "--connection", "shop"]
    )
    assert missing.exit_code == 2
    assert "Table shop.main.nope not found in schema 'main' of shop" in missing.stderr


def test_the_package_imports_without_duckdb_and_asks_for_the_extra() -> None:
    code = (
        "import sys\n"
        "import lineage_core.profiling as profiling\n"
        "assert 'duckdb' not in sys.modules, 'imported with the package'\n"
        "sys.modules['duckdb'] = None  # as if it were not installed\n"
        "try:\n"
        "    profiling.profile_table('t', 'duckdb:///never-opened.duckdb')\n"
        "except profiling.ProfilingError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    )
    assert "pip install 'dagster-lineage[duckdb]'" in result.stdout
