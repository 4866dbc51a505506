"""The production backend: PostgreSQL through psycopg 3 and a ``psycopg_pool`` pool.

Rows come back as tuples, not dicts: a 15-level walk can move hundreds of thousands of edge
rows, and tuple rows are the cheapest psycopg builds. Their values are already the Python
types the store expects (``timestamptz`` as aware ``datetime``, ``boolean``, ``jsonb``
decoded). A pool passed in by the caller is used as is and never closed here; a pool made from
a URL is ours to close.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from lineage_core.errors import (
    QueryTimeout,
    StoreDataError,
    StoreError,
    StoreNotFound,
    StoreUnavailable,
)
from lineage_core.store.backends.base import apply_migrations, load_queries, pending

_MIGRATION_LOCK = 0x6C696E65  # "line": one advisory lock id for every lineage store


class PostgresSession:
    def __init__(self, cursor: psycopg.Cursor, queries: Mapping[str, str]) -> None:
        self._cursor = cursor
        self._queries = queries

    def execute(self, name: str, params: Mapping[str, Any] | None = None) -> int:
        self._cursor.execute(self._queries[name], params or {})
        return self._cursor.rowcount

    def execute_many(self, name: str, rows: Iterable[Mapping[str, Any]]) -> None:
        rows = list(rows)
        if rows:
            self._cursor.executemany(self._queries[name], rows)

    def fetch_all(self, name: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
        self._cursor.execute(self._queries[name], params or {})
        return self._cursor.fetchall()

    def copy_rows(self, name: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._cursor.copy(self._queries[name]) as copy:
            for row in rows:
                copy.write_row(row)

    def fetch_one(self, name: str, params: Mapping[str, Any] | None = None) -> tuple | None:
        self._cursor.execute(self._queries[name], params or {})
        return self._cursor.fetchone()

    def array(self, values: Iterable[Any]) -> list[Any] | str:
        """A list of ids goes as an array literal: psycopg adapts a list element by element
        in Python (~1 us each), and a walk's frontier can hold 50,000 ids. The queries cast
        every array parameter (``::bigint[]``)."""
        values = list(values)
        if all(type(value) is int for value in values):
            return "{" + ",".join(map(str, values)) + "}"
        return values

    def json(self, value: Any) -> Jsonb:
        return Jsonb(value)


def _applied(conn: psycopg.Connection) -> set[int] | None:
    """The applied migration versions, or None when the database holds no lineage store."""
    found = conn.execute("SELECT to_regclass('lineage_schema_migrations')").fetchone()
    if found is None or found[0] is None:
        return None
    return {row[0] for row in conn.execute("SELECT version FROM lineage_schema_migrations")}


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _where(conninfo: str) -> str:
    try:
        parts = conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        return "PostgreSQL"
    host = parts.get("host", "localhost")
    port = parts.get("port", "5432")
    return f"PostgreSQL at {host}:{port}/{parts.get('dbname', '')}"


class PostgresBackend:
    name = "postgres"

    def __init__(
        self,
        conninfo: str | None = None,
        *,
        pool: ConnectionPool | None = None,
        max_size: int = 4,
        connect_timeout: float = 10.0,
    ) -> None:
        if (conninfo is None) == (pool is None):
            raise ValueError("give either a connection string or a pool")
        self._queries = load_queries("postgres")
        self._connect_timeout = connect_timeout
        if pool is not None:
            self._pool, self._owns_pool = pool, False
            self._where = _where(pool.conninfo)
            self._conninfo = pool.conninfo
            return
        self._conninfo = conninfo
        self._where = _where(conninfo)
        self._check_reachable()
        self._pool = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=max_size,
            open=True,
            timeout=connect_timeout,
            name="lineage-store",
        )
        self._owns_pool = True

    def describe(self) -> str:
        return self._where

    def _check_reachable(self) -> None:
        """Fail fast with one clear line instead of a pool that retries in the background."""
        try:
            with psycopg.connect(
                self._conninfo, connect_timeout=max(1, int(self._connect_timeout))
            ):
                pass
        except psycopg.OperationalError as exc:
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            reason = "; ".join(lines[:2]) if lines else type(exc).__name__
            raise StoreUnavailable(f"Cannot reach {self._where}: {reason}") from exc

    def migrate(self, *, create: bool = True) -> None:
        """Apply pending migrations under an advisory lock, so concurrent openers serialise.

        An up-to-date store is recognised with a plain read first. ``create=False`` refuses a
        database without a lineage store rather than adding lineage tables to it.
        """
        with self._translate(), self._pool.connection() as conn:
            applied = _applied(conn)
            conn.commit()
            if applied is not None and not pending("postgres", applied):
                return
            if applied is None and not create:
                raise StoreNotFound(
                    f"{self._where} holds no lineage store (no lineage tables); create one "
                    "with `lineage init --db postgresql://...`"
                )
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", [_MIGRATION_LOCK])
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS lineage_schema_migrations ("
                    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                    "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                )
                applied = _applied(conn) or set()

                def record(version: int, name: str) -> None:
                    conn.execute(
                        "INSERT INTO lineage_schema_migrations (version, name) VALUES (%s, %s)",
                        [version, name],
                    )

                apply_migrations(
                    "postgres",
                    where=self._where,
                    applied=applied,
                    run_script=conn.execute,
                    record=record,
                )

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except pg_errors.QueryCanceled as exc:
            raise QueryTimeout("The lineage query ran past its time limit") from exc
        except PoolTimeout as exc:
            raise StoreUnavailable(f"Cannot get a connection to {self._where}: {exc}") from exc
        except (psycopg.DataError, psycopg.IntegrityError) as exc:
            raise StoreDataError(f"{self._where} refused the data: {_first_line(exc)}") from exc
        except pg_errors.ProgramLimitExceeded as exc:
            raise StoreDataError(f"{self._where} refused the data: {_first_line(exc)}") from exc
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(f"Lost the connection to {self._where}: {exc}") from exc
        except psycopg.Error as exc:
            raise StoreError(f"{self._where}: {exc}") from exc

    @contextmanager
    def session(
        self, *, write: bool = False, timeout: float | None = None, snapshot: bool = False
    ) -> Iterator[PostgresSession]:
        """One transaction. ``snapshot`` makes it REPEATABLE READ: every statement sees the
        store as it was at the first, so a reader that asks several questions gets answers
        that fit together while writers commit."""
        with self._translate(), self._pool.connection() as conn, conn.transaction():
            if snapshot:
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            if timeout is not None:
                conn.execute(
                    "SELECT set_config('statement_timeout', %s, true)",
                    [str(max(1, int(timeout * 1000)))],
                )
            with conn.cursor() as cursor:
                yield PostgresSession(cursor, self._queries)

    def close(self) -> None:
        if self._owns_pool:
            self._pool.close()
