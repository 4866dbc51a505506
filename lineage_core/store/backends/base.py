"""What a backend is: named queries that move typed rows, transactions, and migrations.

A backend knows nothing of assets or edges. It runs the named SQL blocks of its
``sql/<backend>/*.sql`` files and returns rows of plain Python values: ``datetime`` (aware,
UTC when the database kept no zone), ``bool``, and decoded JSON, so the domain layer above
never patches a backend's types. Every named block has a one-line description under its name
(``-- name: select_children`` then ``-- Assets fed directly by ...``); loading refuses a file
without one, or a name defined twice.

Migrations are ``sql/<backend>/migrations/NNNN_name.sql``, applied in order by one loop
(:func:`apply_migrations`) whatever the backend; each backend brings its own lock and its own
way of running a script.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any, Protocol

from lineage_core.errors import StoreError

_BLOCK = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)
_MIGRATION = re.compile(r"^(\d{4})_(\w+)\.sql$")


class Session(Protocol):
    """One transaction: named queries in, rows of Python values out."""

    def execute(self, name: str, params: Mapping[str, Any] | None = None) -> int: ...
    def execute_many(self, name: str, rows: Iterable[Mapping[str, Any]]) -> None: ...
    def fetch_all(self, name: str, params: Mapping[str, Any] | None = None) -> list[tuple]: ...
    def fetch_one(self, name: str, params: Mapping[str, Any] | None = None) -> tuple | None: ...
    def array(self, values: Iterable[Any]) -> Any: ...
    def json(self, value: Any) -> Any: ...
    def copy_rows(self, name: str, rows: Iterable[Sequence[Any]]) -> None:
        """Insert new rows in bulk (COPY on PostgreSQL), values in the query's column order."""
        ...


class Backend(Protocol):
    """What a backend offers: transactions that move rows, migrations, and closing."""

    name: str

    def session(
        self, *, write: bool = False, timeout: float | None = None, snapshot: bool = False
    ) -> Any: ...
    def migrate(self, *, create: bool = True) -> None: ...
    def describe(self) -> str: ...
    def close(self) -> None: ...


def parse_queries(text: str, source: str) -> dict[str, tuple[str, str]]:
    """Name -> (description, SQL) of every named block in ``text``."""
    names = _BLOCK.findall(text)
    bodies = _BLOCK.split(text)[2::2]
    queries: dict[str, tuple[str, str]] = {}
    for name, body in zip(names, bodies, strict=True):
        if name in queries:
            raise RuntimeError(f"{source}: the query {name!r} is defined twice")
        first, _, rest = body.strip().partition("\n")
        if not first.startswith("--") or not first.lstrip("- ").strip():
            raise RuntimeError(f"{source}: the query {name!r} has no one-line description")
        queries[name] = (first.lstrip("- ").strip(), rest.strip().rstrip(";"))
    return queries


@cache
def load_query_catalog(backend: str) -> dict[str, tuple[str, str]]:
    """Name -> (description, SQL) of every named query of ``backend``, across its files."""
    folder = resources.files("lineage_core.store").joinpath("sql", backend)
    catalog: dict[str, tuple[str, str]] = {}
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if not entry.name.endswith(".sql"):
            continue
        source = f"sql/{backend}/{entry.name}"
        for name, query in parse_queries(entry.read_text(), source).items():
            if name in catalog:
                raise RuntimeError(f"{source}: the query {name!r} is defined in two files")
            catalog[name] = query
    return catalog


@cache
def load_queries(backend: str) -> dict[str, str]:
    """Name -> SQL of every named query of ``backend``, loaded once."""
    return {name: sql for name, (_, sql) in load_query_catalog(backend).items()}


@cache
def load_migrations(backend: str) -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration file ``NNNN_name.sql``, in order."""
    folder = resources.files("lineage_core.store").joinpath("sql", backend, "migrations")
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text()))
    return sorted(found)


def pending(backend: str, applied: set[int]) -> bool:
    """Whether ``backend``'s store with ``applied`` versions needs a migration (or is newer
    than this library, which :func:`apply_migrations` refuses)."""
    return {version for version, _, _ in load_migrations(backend)} != applied


def apply_migrations(
    backend: str,
    *,
    where: str,
    applied: set[int],
    run_script: Callable[[str], None],
    record: Callable[[int, str], None],
) -> list[int]:
    """Apply ``backend``'s pending migrations in order; returns the versions applied.

    The caller holds its backend's migration lock and transaction, so concurrent openers
    serialise and a failed migration leaves nothing behind. A store migrated by a newer
    library is refused rather than written with an older idea of its schema.
    """
    migrations = load_migrations(backend)
    known = max((version for version, _, _ in migrations), default=0)
    newest = max(applied, default=0)
    if newest > known:
        raise StoreError(
            f"The lineage store at {where} has schema version {newest}, newer than this "
            f"library knows ({known}); upgrade dagster-lineage"
        )
    done = []
    for version, name, sql in migrations:
        if version not in applied:
            run_script(sql)
            record(version, name)
            done.append(version)
    return done
