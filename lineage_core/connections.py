"""Named connections (the design document's connectors), shared by Dagster and the CLI.

Profiling reaches a table through a named connection: a database URL or a file location.
The names live in the ``LINEAGE_CONNECTIONS`` environment variable (a JSON object of
name -> URL), which both the ``lineage`` resource and the ``lineage`` command read, so a name
means the same thing in a scheduled run and at a shell. URLs may carry credentials: they are
never written to the lineage store, only the connection's name is.

A connection is a URL or a file location:

* ``postgresql://user@host:5432/db`` — the name's schema part picks the schema (default: the
  search path); its database part is ignored, the URL already chose the database.
* ``sqlite:///relative.db``, ``sqlite:////absolute.db``, or a path ending in ``.db``,
  ``.sqlite``, ``.sqlite3`` — only the name's table part is used.
* ``duckdb:///relative.duckdb``, ``duckdb:////absolute.duckdb``, or a path ending in
  ``.duckdb`` — the name's schema part picks the schema (default: ``main``); its database
  part is ignored, the file is the database.
* files, as ``file:///...`` or a plain path, mapping the table ``x.y.t`` to files by:

  - a pattern with placeholders ``{table}`` (and optionally ``{schema}``, ``{database}``):
    ``/data/{table}.parquet``, ``/data/{schema}/{table}/*.parquet``;
  - ``/data/*.parquet`` (one ``*`` in the last part), shorthand for ``/data/{table}.parquet``;
  - a directory ``/data``: the first of ``t.parquet``, ``t.csv``, ``t/`` (every ``*.parquet``
    or ``*.csv`` inside) that exists;
  - a single file: the table whose name is the file's stem.

  Unquoted name parts are lower-cased, so a file ``Orders.parquet`` is named ``"Orders"``.

Which connection a table is profiled through is decided in one place,
:func:`connection_for_table`, so the profiling job and the ``lineage profile`` command agree.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from lineage_core.errors import InvalidArgument, NotFound
from lineage_core.names import parse_name

__all__ = [
    "CONNECTIONS_ENV",
    "Connection",
    "ConnectionKind",
    "connection_for_table",
    "named_connections",
    "resolve_connection",
]

CONNECTIONS_ENV = "LINEAGE_CONNECTIONS"

# Characters that make a file location a glob, and the placeholders a location may hold.
GLOB_CHARS = frozenset("*?[]")
PLACEHOLDERS = ("{database}", "{schema}", "{table}")
_SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
_DUCKDB_SUFFIXES = (".duckdb",)
# URL scheme -> (what it is called, the file suffix its examples show).
_DATABASE_FILES = {"sqlite": ("SQLite", "db"), "duckdb": ("DuckDB", "duckdb")}
_PASSWORD_PARAMETER = re.compile(r"((?:^|&)password=)[^&]*", re.IGNORECASE)


def string_map_setting(variable: str, text: str | None, pairs: str) -> dict[str, str]:
    """The JSON object of text to text in ``text`` (default: ``$variable``); empty when unset.

    The one reading of such settings, so each refuses bad JSON and other shapes alike;
    ``pairs`` says what maps to what (``name -> URL``) in the refusal.
    """
    text = os.environ.get(variable, "") if text is None else text
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidArgument(f"{variable} is not valid JSON: {exc}") from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidArgument(f"{variable} must be a JSON object of {pairs}")
    return value


def named_connections(text: str | None = None) -> dict[str, str]:
    """The connections in ``text`` (default: ``$LINEAGE_CONNECTIONS``)."""
    return string_map_setting(CONNECTIONS_ENV, text, "name -> URL")


class ConnectionKind(StrEnum):
    POSTGRES = "postgresql"
    SQLITE = "sqlite"
    DUCKDB = "duckdb"
    FILES = "files"


@dataclass(frozen=True, slots=True)
class Connection:
    """Where a table lives: a PostgreSQL URL, a SQLite or DuckDB file, or a file pattern.

    ``target`` is the libpq URL, the SQLite or DuckDB file path, or the file pattern. ``name``
    is the named connection it came from, shown instead of the URL so credentials never reach
    a log.
    """

    kind: ConnectionKind
    target: str
    name: str | None = None

    @classmethod
    def parse(cls, text: str, *, name: str | None = None) -> Connection:
        """Read a connection string; refuses schemes we cannot profile with the reason."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidArgument("A connection needs a database URL or a file location")
        text = text.strip()
        scheme, separator, rest = text.partition("://")
        if not separator:
            path = str(Path(text).expanduser())
            if path.lower().endswith(_SQLITE_SUFFIXES):
                return cls(ConnectionKind.SQLITE, path, name)
            if path.lower().endswith(_DUCKDB_SUFFIXES):
                return cls(ConnectionKind.DUCKDB, path, name)
            return cls(ConnectionKind.FILES, _file_pattern(path), name)
        driver = scheme.lower().split("+", 1)[0]
        if driver in ("postgresql", "postgres"):
            return cls(ConnectionKind.POSTGRES, "postgresql://" + rest, name)
        if driver in _DATABASE_FILES:
            label, suffix = _DATABASE_FILES[driver]
            path = unquote(rest[1:]) if rest.startswith("/") else ""
            if not path or path.startswith(":memory:"):
                why = "an in-memory database has no tables to profile; " if path else ""
                raise InvalidArgument(
                    f"Invalid {label} URL {text!r}: {why}use {driver}:///relative.{suffix} or "
                    f"{driver}:////absolute/path.{suffix}"
                )
            return cls(ConnectionKind(driver), str(Path(path).expanduser()), name)
        if driver == "file":
            host, slash, path = rest.partition("/")
            if not slash or host not in ("", "localhost"):
                raise InvalidArgument(f"Invalid file URL {text!r}: use file:///absolute/path")
            return cls(ConnectionKind.FILES, _file_pattern("/" + unquote(path)), name)
        raise InvalidArgument(
            f"Unsupported connection {_mask_url(text)!r}: use postgresql://..., "
            "sqlite:///file.db, duckdb:///file.duckdb, file:///dir/{table}.parquet or a path"
        )

    @property
    def display(self) -> str:
        """How the connection appears in messages and profiles: its name, or a masked URL."""
        if self.name:
            return self.name
        if self.kind is ConnectionKind.POSTGRES:
            return _mask_url(self.target)
        if self.kind in (ConnectionKind.SQLITE, ConnectionKind.DUCKDB):
            return f"{self.kind}:///{self.target}"
        return self.target

    def __str__(self) -> str:
        return self.display

    @property
    def dialect(self) -> str | None:
        """The SQL dialect of the database behind the connection (None for files)."""
        return {
            ConnectionKind.POSTGRES: "postgres",
            ConnectionKind.SQLITE: "sqlite",
            ConnectionKind.DUCKDB: "duckdb",
        }.get(self.kind)

    def name_defaults(self) -> tuple[str | None, str | None]:
        """(database, schema) an unqualified table name means through this connection: the
        database a PostgreSQL URL opens and ``public``; a DuckDB file's catalog (its stem, as
        dbt-duckdb names it) and ``main``; nothing for SQLite files and file locations."""
        if self.kind is ConnectionKind.POSTGRES:
            database = unquote(urlsplit(self.target).path.lstrip("/")) or None
            return database, "public"
        if self.kind is ConnectionKind.DUCKDB:
            return Path(self.target).stem or None, "main"
        return None, None


def resolve_connection(
    name_or_url: str, connections: Mapping[str, str] | None = None
) -> Connection:
    """A named connection from ``connections``, else the argument read as a URL or path.

    A bare word that is not a known name is an error rather than a relative path, since a
    mistyped connection name must not silently profile files in the working directory.
    """
    if not isinstance(name_or_url, str) or not name_or_url.strip():
        raise InvalidArgument("A connection name or URL is required")
    if connections and name_or_url in connections:
        return Connection.parse(connections[name_or_url], name=name_or_url)
    if "://" in name_or_url or any(mark in name_or_url for mark in ("/", "\\", "~", ".")):
        return Connection.parse(name_or_url)
    known = sorted(connections or {})
    hint = f"; known connections: {', '.join(known)}" if known else ""
    raise NotFound(f"Unknown connection {name_or_url!r}{hint}")


def connection_for_table(
    table: str,
    *,
    asset_connection: str | None = None,
    fallback: str | None = None,
    connections: Mapping[str, str],
) -> Connection:
    """The connection to profile ``table`` through, in the same order wherever it is asked.

    First the connection recorded on the table's asset (``asset_connection``) when it names a
    known connection, then the connection named like the table's first part (``shop`` for
    ``shop.raw.orders``), then ``fallback`` (a name or a URL). A recorded connection that is
    no longer known is passed over rather than refused: it may be a masked URL from a profile
    taken without a name.
    """
    if asset_connection and asset_connection in connections:
        return resolve_connection(asset_connection, connections)
    parts = parse_name(table).parts
    database = parts[0] if len(parts) >= 2 else None
    if database and database in connections:
        return resolve_connection(database, connections)
    if fallback:
        return resolve_connection(fallback, connections)
    known = ", ".join(sorted(connections)) or "none configured"
    raise NotFound(
        f"No connection for {table}: set `connection` in the run config, record one on the "
        f"asset, or name a connection after its first part (known connections: {known})"
    )


def _file_pattern(path: str) -> str:
    """Turn ``dir/*.parquet`` into ``dir/{table}.parquet``; refuse globs we cannot map."""
    if any(placeholder in path for placeholder in PLACEHOLDERS):
        return path
    head, _, last = path.rpartition("/")
    if GLOB_CHARS.intersection(head) or (
        GLOB_CHARS.intersection(last) and (last.count("*") != 1 or "?" in last or "[" in last)
    ):
        raise InvalidArgument(
            f"Cannot tell which files hold which table in {path!r}: put a {{table}} "
            "placeholder where the table name goes, e.g. /data/{table}/*.parquet"
        )
    if "*" in last:
        return f"{head}/{last.replace('*', '{table}')}"
    return path


def _mask_url(url: str) -> str:
    """Hide a password in the user part or in a ``password=`` query parameter."""
    try:
        parts = urlsplit(url)
        if parts.password is not None:
            host = parts.netloc.rsplit("@", 1)[1]
            parts = parts._replace(netloc=f"{parts.username or ''}:***@{host}")
        query = _PASSWORD_PARAMETER.sub(r"\1***", parts.query)
        return urlunsplit(parts._replace(query=query))
    except ValueError:
        return "<unparseable connection URL>"
