"""Where lineage lives: one ``LineageStore`` API over SQLite (embedded) or PostgreSQL.

``open_store()`` with no argument finds the same store the Dagster integration uses:
``LINEAGE_DATABASE_URL`` if set, else ``lineage.db`` under ``DAGSTER_HOME``, else
``$XDG_DATA_HOME/dagster-lineage/lineage.db`` (``~/.local/share/dagster-lineage/lineage.db``).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lineage_core.errors import InvalidArgument
from lineage_core.store.lineage_store import (
    DEFAULT_MAX_NODES,
    DEFAULT_TIMEOUT_SECONDS,
    Backend,
    LineageStore,
    Session,
)

ENV_DATABASE_URL = "LINEAGE_DATABASE_URL"


def default_database_url() -> str:
    """The URL ``open_store()`` uses when none is given (see the module docstring)."""
    if url := os.environ.get(ENV_DATABASE_URL):
        return url
    if home := os.environ.get("DAGSTER_HOME"):
        return f"sqlite:///{Path(home).expanduser().resolve() / 'lineage.db'}"
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return f"sqlite:///{Path(data_home) / 'dagster-lineage' / 'lineage.db'}"


def sqlite_path(url: str) -> str:
    """``sqlite:///relative.db``, ``sqlite:////abs/path.db`` or ``sqlite:///:memory:``."""
    rest = url[len("sqlite://") :]
    if not rest.startswith("/"):
        raise InvalidArgument(f"A SQLite URL looks like sqlite:///path/to/lineage.db, got {url!r}")
    path = unquote(rest[1:])
    if not path:
        raise InvalidArgument(f"The SQLite URL {url!r} names no file")
    return path


def open_backend(url: str) -> Backend:
    scheme = urlsplit(url).scheme.lower()
    if scheme == "sqlite":
        from lineage_core.store.sqlite import SqliteBackend

        return SqliteBackend(sqlite_path(url))
    if scheme in {"postgresql", "postgres"} or scheme.startswith("postgresql+"):
        from lineage_core.store.postgres import PostgresBackend

        if "+" in scheme:  # tolerate SQLAlchemy-style URLs such as postgresql+psycopg://
            url = "postgresql" + url[len(scheme) :]
        return PostgresBackend(url)
    raise InvalidArgument(
        f"Unsupported lineage database URL {url!r}: use sqlite:///path.db or postgresql://..."
    )


def open_store(
    url: str | None = None,
    *,
    tenant: str = "default",
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> LineageStore:
    """Open (and migrate) the store at ``url`` for ``tenant``; close it when done."""
    backend = open_backend(url or default_database_url())
    try:
        backend.migrate()
        return LineageStore(backend, tenant=tenant, timeout=timeout)
    except BaseException:
        backend.close()
        raise


__all__ = [
    "DEFAULT_MAX_NODES",
    "ENV_DATABASE_URL",
    "Backend",
    "LineageStore",
    "Session",
    "default_database_url",
    "open_backend",
    "open_store",
]
