"""The embedded backend: one SQLite file through the standard library, no server.

One connection per backend object, guarded by a lock: SQLite serialises writers anyway, and
WAL mode lets readers in other processes (the Dagster daemon, the ``lineage`` command) read
while a sensor writes. Read sessions are snapshots (``BEGIN``); write sessions take the write
lock up front (``BEGIN IMMEDIATE``) so two writers wait instead of deadlocking on upgrade.

SQLite keeps times as ISO-8601 text, booleans as 0/1 and JSON as text. Queries name the type
of such a column in its alias (``metadata AS "metadata [lineage_json]"``) and the converters
below turn it into the Python value, in the driver, as rows are read: the store gets the same
types from SQLite as from PostgreSQL.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lineage_core.errors import (
    QueryTimeout,
    StoreDataError,
    StoreError,
    StoreNotFound,
    StoreUnavailable,
)
from lineage_core.store.backends.base import apply_migrations, load_queries, pending

_STATEMENT_END = re.compile(r";\s*$", re.MULTILINE)


def _decode_time(raw: bytes) -> datetime:
    value = datetime.fromisoformat(raw.decode())
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


sqlite3.register_converter("lineage_json", json.loads)
sqlite3.register_converter("lineage_bool", lambda raw: raw not in (b"0", b""))
sqlite3.register_converter("lineage_time", _decode_time)


def _adapt(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


class SqliteSession:
    """Moves rows for one transaction; the store builds domain objects from them."""

    def __init__(self, conn: sqlite3.Connection, queries: Mapping[str, str]) -> None:
        self._conn = conn
        self._queries = queries

    def _params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        return {key: _adapt(value) for key, value in (params or {}).items()}

    def execute(self, name: str, params: Mapping[str, Any] | None = None) -> int:
        return self._conn.execute(self._queries[name], self._params(params)).rowcount

    def execute_many(self, name: str, rows: Iterable[Mapping[str, Any]]) -> None:
        self._conn.executemany(self._queries[name], (self._params(row) for row in rows))

    def fetch_all(self, name: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
        return self._conn.execute(self._queries[name], self._params(params)).fetchall()

    def copy_rows(self, name: str, rows: Iterable[Sequence[Any]]) -> None:
        self._conn.executemany(self._queries[name], ([_adapt(v) for v in row] for row in rows))

    def fetch_one(self, name: str, params: Mapping[str, Any] | None = None) -> tuple | None:
        return self._conn.execute(self._queries[name], self._params(params)).fetchone()

    def array(self, values: Iterable[Any]) -> str:
        """Lists travel as JSON and are unpacked with ``json_each`` in the query."""
        return json.dumps(list(values))

    def json(self, value: Any) -> str:
        return json.dumps(value, default=str)


class SqliteBackend:
    name = "sqlite"

    def __init__(
        self, path: str | Path, *, busy_timeout: float = 30.0, create: bool = True
    ) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._queries = load_queries("sqlite")
        if not create and self.path != ":memory:" and not Path(self.path).expanduser().is_file():
            raise StoreNotFound(
                f"No lineage store at {Path(self.path).expanduser()}; create it with "
                f"`lineage init --db {self.describe()}`, or point --db (or "
                "LINEAGE_DATABASE_URL) at an existing one"
            )
        if self.path != ":memory:":
            try:
                Path(self.path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreUnavailable(f"Cannot create the folder of {self.path}: {exc}") from exc
        try:
            self._conn = sqlite3.connect(
                self.path,
                timeout=busy_timeout,
                isolation_level=None,
                check_same_thread=False,
                detect_types=sqlite3.PARSE_COLNAMES,
            )
            # Name searches fold case beyond ASCII, as PostgreSQL's lower() does.
            self._conn.create_function(
                "lineage_lower",
                1,
                lambda text: text.lower() if isinstance(text, str) else text,
                deterministic=True,
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
        except (sqlite3.Error, ValueError) as exc:
            raise StoreUnavailable(
                f"Cannot open the SQLite lineage store {self.path}: {exc}"
            ) from exc
        self._closed = False

    def describe(self) -> str:
        return f"sqlite:///{self.path}"

    def migrate(self, *, create: bool = True) -> None:
        """Apply pending migrations under the write lock, so concurrent openers serialise.

        An up-to-date store is recognised with a plain read, which takes no lock: opening it
        never waits for another process's write. ``create=False`` refuses a file that holds
        no lineage store rather than adding lineage tables to it.
        """
        with self._lock, self._translate():
            applied = self._applied()
            if applied is not None and not pending("sqlite", applied):
                return
            if applied is None and not create:
                raise StoreNotFound(
                    f"{self.path} is not a lineage store (it has no lineage tables); create "
                    f"one with `lineage init --db {self.describe()}`"
                )
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS lineage_schema_migrations ("
                    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                )
                applied = {
                    row[0] for row in conn.execute("SELECT version FROM lineage_schema_migrations")
                }

                def run_script(sql: str) -> None:
                    for statement in _STATEMENT_END.split(sql):
                        if statement.strip():
                            conn.execute(statement)

                def record(version: int, name: str) -> None:
                    conn.execute(
                        "INSERT INTO lineage_schema_migrations VALUES (?, ?, ?)",
                        (version, name, datetime.now().astimezone().isoformat()),
                    )

                apply_migrations(
                    "sqlite",
                    where=self.describe(),
                    applied=applied,
                    run_script=run_script,
                    record=record,
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _applied(self) -> set[int] | None:
        """The applied migration versions, or None when the file holds no lineage store."""
        conn = self._conn
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' "
            "AND name = 'lineage_schema_migrations'"
        ).fetchone()
        if found is None:
            return None
        return {row[0] for row in conn.execute("SELECT version FROM lineage_schema_migrations")}

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "interrupted" in text:
                raise QueryTimeout("The lineage query ran past its time limit") from exc
            if "unable to open" in text:
                raise StoreUnavailable(
                    f"Cannot open the SQLite lineage store {self.path}: {text}"
                ) from exc
            raise StoreError(f"SQLite lineage store {self.path}: {text}") from exc
        except (sqlite3.DataError, sqlite3.IntegrityError) as exc:
            raise StoreDataError(
                f"SQLite lineage store {self.path} refused the data: {exc}"
            ) from exc
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite lineage store {self.path}: {exc}") from exc

    @contextmanager
    def session(
        self, *, write: bool = False, timeout: float | None = None, snapshot: bool = False
    ) -> Iterator[SqliteSession]:
        """One transaction; ``timeout`` aborts it through a progress handler (SQLite has no
        statement timeout). Every SQLite read transaction is a snapshot in WAL mode, so
        ``snapshot`` asks for nothing more."""
        if self._closed:
            raise StoreError("The lineage store is closed")
        with self._lock, self._translate():
            conn = self._conn
            if timeout is not None:
                deadline = time.monotonic() + timeout
                conn.set_progress_handler(lambda: time.monotonic() > deadline, 20_000)
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield SqliteSession(conn, self._queries)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                if timeout is not None:
                    conn.set_progress_handler(None, 0)

    def close(self) -> None:
        with self._lock:  # never under another thread's session: sqlite3 would crash
            if not self._closed:
                self._closed = True
                self._conn.close()
