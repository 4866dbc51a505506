"""Profiling real PostgreSQL tables; the server is required, a missing one fails the tests."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

from lineage_core.connections import Connection
from lineage_core.errors import InvalidName, NotFound, QueryTimeout, StoreUnavailable
from lineage_core.profiling import ProfilingError, compare_profiles, profile_table

pytestmark = pytest.mark.postgres

POSTGRES_URL = os.environ.get(
    "LINEAGE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@dataclass
class Scratch:
    database: psycopg.Connection
    schema: str

    @property
    def url(self) -> str:
        """The test URL with the scratch schema first on the search path."""
        options = quote(f"-csearch_path={self.schema},public")
        separator = "&" if "?" in POSTGRES_URL else "?"
        return f"{POSTGRES_URL}{separator}options={options}"

    def run(self, statement: str, *names: str) -> None:
        """Run DDL with ``{}`` placeholders filled by quoted scratch-schema table names."""
        identifiers = [sql.Identifier(self.schema, name) for name in names]
        self.database.execute(sql.SQL(statement).format(*identifiers))

    def flush_stats(self) -> None:
        """Publish this session's row-change counters, which PostgreSQL batches."""
        self.database.execute("SELECT pg_stat_force_next_flush()")
        self.database.execute("SELECT 1")

    def exists(self, table: str) -> bool:
        found = self.database.execute(
            "SELECT to_regclass(%s)", (sql.Identifier(self.schema, table).as_string(self.database),)
        ).fetchone()
        return found[0] is not None


@pytest.fixture(name="pg", scope="module")
def fixture_pg() -> Iterator[Scratch]:
    try:
        database = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(
            f"These tests need PostgreSQL at {POSTGRES_URL} (set LINEAGE_TEST_POSTGRES_URL): "
            f"{error}",
            pytrace=False,
        )
    schema = f"profiling_{uuid.uuid4().hex[:12]}"
    database.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield Scratch(database, schema)
    finally:
        database.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        database.close()


@pytest.fixture(name="orders", scope="module")
def fixture_orders(pg: Scratch) -> str:
    """Ten rows, three of them repeats of earlier rows, with known nulls and extremes."""
    pg.run(
        """
        CREATE TABLE {} (
            id integer, customer text, amount numeric(10, 2), quantity integer,
            ordered_on date, paid boolean, payload json, score double precision
        ) WITH (autovacuum_enabled = false)
        """,
        "orders",
    )
    pg.run(
        """
        INSERT INTO {} VALUES
          (1, 'alice', 10.50, 1, '2024-01-01', true, '{{"a": 1}}', 1.5),
          (2, 'bob', 20.00, 2, '2024-01-02', false, NULL, 2.5),
          (3, 'carol', NULL, 3, '2024-01-03', true, '{{"b": 2}}', NULL),
          (4, NULL, 5.25, NULL, '2024-02-10', NULL, NULL, -1.0),
          (5, 'alice', 99.99, 5, '2023-12-31', true, NULL, 100.0),
          (5, 'alice', 99.99, 5, '2023-12-31', true, NULL, 100.0),
          (5, 'alice', 99.99, 5, '2023-12-31', true, NULL, 100.0),
          (6, 'dave', NULL, 7, NULL, false, NULL, 0.0),
          (2, 'bob', 20.00, 2, '2024-01-02', false, NULL, 2.5),
          (7, 'erin', 1.00, 1, '2024-03-01', true, '{{"a": 1}}', 3.0)
        """,
        "orders",
    )
    return f"{pg.schema}.orders"


def test_profile_counts_rows_nulls_duplicates_and_size(pg: Scratch, orders: str) -> None:
    profile = profile_table(orders, pg.url)

    assert profile.asset == orders
    assert profile.profile_id is None
    assert profile.row_count == 10
    assert profile.column_count == 8
    assert profile.duplicate_count == 3
    assert profile.duplicate_count_approximate is False
    assert profile.null_percentage == pytest.approx(14 / 80 * 100)
    assert profile.table_size_bytes and profile.table_size_bytes > 0
    assert profile.exact is True
    assert "***" not in (profile.connection or "")


def test_profile_computes_each_column_statistic(pg: Scratch, orders: str) -> None:
    columns = {c.column_name: c for c in profile_table(orders, pg.url).column_profiles}

    assert [name for name in columns] == [
        "id", "customer", "amount", "quantity", "ordered_on", "paid", "payload", "score",
    ]  # fmt: skip
    expected = {
        # name: (type, nulls, distinct, min, max, mean)
        "id": ("integer", 0, 7, 1, 7, 4.0),
        "customer": ("text", 1, 5, "alice", "erin", None),
        "amount": ("numeric(10,2)", 2, 5, 1.0, 99.99, 356.72 / 8),
        "quantity": ("integer", 1, 5, 1, 7, 31 / 9),
        "ordered_on": ("date", 1, 6, "2023-12-31", "2024-03-01", None),
        "paid": ("boolean", 1, 2, False, True, None),
        "payload": ("json", 7, None, None, None, None),
        "score": ("double precision", 1, 6, -1.0, 100.0, 308.5 / 9),
    }
    for name, (data_type, nulls, distinct, low, high, mean) in expected.items():
        column = columns[name]
        assert column.data_type == data_type, name
        assert column.null_count == nulls, name
        assert column.null_percentage == pytest.approx(nulls * 10), name
        assert column.distinct_count == distinct, name
        assert column.distinct_approximate is False, name
        assert column.min == low, name
        assert column.max == high, name
        assert column.mean == (pytest.approx(mean) if mean is not None else None), name


def test_unqualified_name_follows_the_search_path(pg: Scratch, orders: str) -> None:
    assert profile_table("orders", pg.url).row_count == 10


def test_wide_table_is_profiled_in_several_passes(pg: Scratch) -> None:
    columns = sql.SQL(", ").join(
        sql.SQL("{} integer").format(sql.Identifier(f"c{i}")) for i in range(320)
    )
    pg.database.execute(
        sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(pg.schema, "wide"), columns)
    )
    # Rows 1 and 3 differ only past the first slice of columns: they are not duplicates.
    pg.run("INSERT INTO {} (c0, c319) VALUES (1, 2), (1, 2), (3, NULL), (1, 5)", "wide")

    for exact in (False, True):
        profile = profile_table(f"{pg.schema}.wide", pg.url, exact=exact)
        by_name = {c.column_name: c for c in profile.column_profiles}
        assert profile.column_count == 320
        assert profile.duplicate_count == 1
        assert by_name["c319"].null_count == 1
        assert by_name["c319"].max == 5
        assert by_name["c0"].distinct_count == 2
        assert by_name["c150"].null_count == 4


def test_types_without_ordering_or_equality_are_still_profiled(pg: Scratch) -> None:
    pg.database.execute(
        sql.SQL("CREATE TYPE {} AS ENUM ('low', 'high')").format(sql.Identifier(pg.schema, "level"))
    )
    pg.run(
        """
        CREATE TABLE {} (
            key uuid, doc jsonb, tags integer[], at timestamptz, took interval,
            level {}, spot point, big bigint
        )
        """,
        "mixed",
        "level",
    )
    pg.run(
        """
        INSERT INTO {} VALUES
          ('00000000-0000-0000-0000-000000000001', '{{"a": 1}}', '{{1,2}}',
           '2024-01-01 10:00+00', '1 hour', 'high', '(1,2)', 9223372036854775807),
          ('00000000-0000-0000-0000-000000000002', '{{"a": 1}}', NULL,
           '2024-06-01 10:00+00', '2 days', 'low', NULL, -9223372036854775808)
        """,
        "mixed",
    )

    for exact in (False, True):
        profile = profile_table(f"{pg.schema}.mixed", pg.url, exact=exact)
        columns = {c.column_name: c for c in profile.column_profiles}
        assert profile.duplicate_count == 0
        assert columns["key"].distinct_count == 2
        assert columns["key"].min is None
        assert columns["doc"].distinct_count == 1
        assert columns["tags"].null_count == 1
        assert columns["at"].min == "2024-01-01T10:00:00+00:00"
        assert columns["took"].max == "2 days, 0:00:00"
        assert (columns["level"].min, columns["level"].max) == ("low", "high")
        assert columns["level"].data_type == "level"
        assert columns["spot"].null_count == 1
        assert columns["big"].mean == pytest.approx(-0.5)


def test_large_table_uses_catalog_statistics_when_fresh(pg: Scratch) -> None:
    pg.run(
        """
        CREATE TABLE {} (id integer PRIMARY KEY, bucket integer, label text)
        WITH (autovacuum_enabled = false)
        """,
        "events",
    )
    pg.run(
        "INSERT INTO {} SELECT g, g % 100, 'label-' || (g % 40) FROM generate_series(1, 5000) g",
        "events",
    )
    name = f"{pg.schema}.events"
    limits = {"distinct_exact_limit": 1000, "duplicate_row_limit": 1000}

    never_analyzed = profile_table(name, pg.url, **limits)
    columns = {c.column_name: c for c in never_analyzed.column_profiles}
    assert never_analyzed.row_count == 5000
    assert never_analyzed.duplicate_count is None
    assert never_analyzed.exact is False
    assert (columns["id"].distinct_count, columns["id"].distinct_approximate) == (5000, False)
    assert columns["bucket"].distinct_count is None

    pg.flush_stats()
    pg.run("ANALYZE {}", "events")
    pg.flush_stats()
    analyzed = profile_table(name, pg.url, **limits)
    columns = {c.column_name: c for c in analyzed.column_profiles}
    assert (columns["bucket"].distinct_count, columns["bucket"].distinct_approximate) == (100, True)
    assert (columns["label"].distinct_count, columns["label"].distinct_approximate) == (40, True)
    assert columns["id"].distinct_approximate is False

    exact = profile_table(name, pg.url, exact=True, **limits)
    columns = {c.column_name: c for c in exact.column_profiles}
    assert exact.exact is True
    assert exact.duplicate_count == 0
    assert (columns["bucket"].distinct_count, columns["bucket"].distinct_approximate) == (
        100,
        False,
    )

    pg.run("DELETE FROM {} WHERE id > 2000", "events")
    pg.flush_stats()
    stale = profile_table(name, pg.url, **limits)
    assert stale.row_count == 2000
    assert {c.column_name: c.distinct_count for c in stale.column_profiles}["bucket"] is None


def test_rare_values_are_estimated_from_a_hash_slice(pg: Scratch) -> None:
    pg.run(
        "CREATE TABLE {} (serial_no integer, pair integer, kind integer) "
        "WITH (autovacuum_enabled = false)",
        "readings",
    )
    pg.run("INSERT INTO {} SELECT g, g / 2, g % 3 FROM generate_series(1, 20000) g", "readings")
    name = f"{pg.schema}.readings"
    limits = {"distinct_exact_limit": 5000, "duplicate_row_limit": 5000}

    def distincts() -> dict[str, tuple[int | None, bool]]:
        profile = profile_table(name, pg.url, **limits)
        return {
            c.column_name: (c.distinct_count, c.distinct_approximate)
            for c in profile.column_profiles
        }

    # Never analysed: the hash slice still estimates the many-valued columns.
    before = distincts()
    assert before["serial_no"][0] == pytest.approx(20000, rel=0.1)
    assert before["pair"][0] == pytest.approx(10001, rel=0.1)
    assert before["kind"] == (None, False)  # three values: too few in any slice
    # Analysed with a small sample: its guesses for rare values are not trusted, the slice is.
    pg.run("ALTER TABLE {} ALTER COLUMN pair SET STATISTICS 10", "readings")
    pg.flush_stats()
    pg.run("ANALYZE {}", "readings")
    pg.flush_stats()
    after = distincts()
    assert after["pair"][0] == pytest.approx(10001, rel=0.1)
    assert after["pair"][1] is True
    assert after["kind"] == (3, True)


def test_drift_after_altering_the_table(pg: Scratch) -> None:
    pg.run("CREATE TABLE {} (id integer, name text, amount integer)", "drifting")
    pg.run("INSERT INTO {} SELECT g, 'n' || g, g * 10 FROM generate_series(1, 100) g", "drifting")
    name = f"{pg.schema}.drifting"
    before = profile_table(name, pg.url)

    pg.run("ALTER TABLE {} ADD COLUMN note text", "drifting")
    pg.run("ALTER TABLE {} ALTER COLUMN amount TYPE bigint", "drifting")
    pg.run("DELETE FROM {} WHERE id > 10", "drifting")
    pg.run("UPDATE {} SET name = NULL WHERE id <= 5", "drifting")
    after = profile_table(name, pg.url)
    drift = compare_profiles(before, after)

    assert drift.columns_added == ["note"]
    assert drift.columns_removed == []
    assert [(c.column, c.before, c.after) for c in drift.columns_retyped] == [
        ("amount", "integer", "bigint")
    ]
    assert drift.row_count_change_percentage == -90.0
    assert drift.null_percentage_swings == {"name": 50.0}
    assert drift.large_swings == [
        "row count fell 90% (100 -> 10)",
        "nulls in name rose 50 points (0% -> 50%)",
    ]


def test_malicious_name_is_refused_and_nothing_is_dropped(pg: Scratch) -> None:
    pg.run("CREATE TABLE {} (v integer)", "y")

    with pytest.raises(InvalidName, match="quote it"):
        profile_table("x; DROP TABLE y", pg.url)
    with pytest.raises(InvalidName):
        profile_table('x"; DROP TABLE y; --', pg.url)
    with pytest.raises(NotFound):  # quoted: a (missing) table with an odd name, never SQL
        profile_table('"x; DROP TABLE y"', pg.url)
    with pytest.raises(NotFound):
        profile_table(f'{pg.schema}."y; DROP TABLE y"', pg.url)

    assert pg.exists("y")


def test_profiling_runs_read_only(pg: Scratch) -> None:
    pg.run("CREATE TABLE {} (v integer)", "victim")
    victim = sql.Identifier(pg.schema, "victim").as_string(pg.database)
    pg.database.execute(
        sql.SQL("CREATE FUNCTION {}() RETURNS integer LANGUAGE sql VOLATILE AS {}").format(
            sql.Identifier(pg.schema, "sneaky"),
            sql.Literal(f"INSERT INTO {victim} VALUES (1); SELECT 1"),
        )
    )
    pg.database.execute(
        sql.SQL("CREATE VIEW {} AS SELECT {}() AS v").format(
            sql.Identifier(pg.schema, "writes"), sql.Identifier(pg.schema, "sneaky")
        )
    )

    with pytest.raises(ProfilingError, match="read-only transaction"):
        profile_table(f"{pg.schema}.writes", pg.url)
    count = pg.database.execute(
        sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(pg.schema, "victim"))
    ).fetchone()
    assert count == (0,)


def test_missing_table_names_table_and_connection(pg: Scratch) -> None:
    connection = Connection.parse(pg.url, name="warehouse")
    with pytest.raises(NotFound, match=r"nope.*warehouse"):
        profile_table(f"{pg.schema}.nope", connection)


def test_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(StoreUnavailable, match=r"Cannot connect to postgresql://.*127\.0\.0\.1:1"):
        profile_table("public.anything", "postgresql://postgres@127.0.0.1:1/nothing")


def test_password_never_appears_in_errors() -> None:
    with pytest.raises(StoreUnavailable) as raised:
        profile_table("t", "postgresql://postgres:s3cret@127.0.0.1:1/nothing")
    assert "s3cret" not in str(raised.value)


def test_slow_query_is_cancelled_at_the_time_limit(pg: Scratch) -> None:
    pg.run(
        "CREATE VIEW {} AS SELECT x FROM generate_series(1, 40) AS x "
        "WHERE pg_sleep(0.25) IS NOT NULL",
        "slow",
    )
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="longer than 1 s"):
        profile_table(f"{pg.schema}.slow", pg.url, timeout_seconds=1)
    assert time.monotonic() - started < 5
