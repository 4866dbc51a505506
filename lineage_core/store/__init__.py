"""Where lineage lives: one ``LineageStore`` API over SQLite (embedded) or PostgreSQL.

``open_store()`` with no argument finds the same store the Dagster integration uses:
``LINEAGE_DATABASE_URL`` if set, else ``lineage.db`` under ``DAGSTER_HOME``, else
``$XDG_DATA_HOME/dagster-lineage/lineage.db`` (``~/.local/share/dagster-lineage/lineage.db``).

The package is laid out by concern: ``api`` (the ``LineageStore`` callers hold), one module
per concern it delegates to, ``rows`` (rows to models), ``backends/`` (SQLite and PostgreSQL,
which only move rows) and ``sql/<backend>/`` (every query, named, in ``.sql`` files).
"""

from __future__ import annotations

import os
from pathlib import Path

from lineage_core.store.api import DEFAULT_TIMEOUT_SECONDS, LineageStore
from lineage_core.store.backends import (
    Backend,
    Session,
    database_kind,
    open_backend,
    sqlite_path,
)
from lineage_core.store.walks import DEFAULT_MAX_NODES

ENV_DATABASE_URL = "LINEAGE_DATABASE_URL"


def default_database_url() -> str:
    """The URL ``open_store()`` uses when none is given (see the module docstring)."""
    if url := os.environ.get(ENV_DATABASE_URL):
        return url
    if home := os.environ.get("DAGSTER_HOME"):
        return f"sqlite:///{Path(home).expanduser().resolve() / 'lineage.db'}"
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return f"sqlite:///{Path(data_home) / 'dagster-lineage' / 'lineage.db'}"


def open_store(
    url: str | None = None,
    *,
    tenant: str = "default",
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    create: bool = True,
    hold_graph: int = 0,
) -> LineageStore:
    """Open (and upgrade) the store at ``url`` for ``tenant``; close it when done.

    ``create=False`` opens only an existing store: a missing SQLite file or a database
    without lineage tables raises ``StoreNotFound`` naming where it looked, instead of
    creating an empty store there (the ``lineage`` command opens stores this way; only
    ``lineage init`` creates one). ``hold_graph`` is :class:`LineageStore`'s.
    """
    backend = open_backend(url or default_database_url(), create=create)
    try:
        backend.migrate(create=create)
        return LineageStore(backend, tenant=tenant, timeout=timeout, hold_graph=hold_graph)
    except BaseException:
        backend.close()
        raise


__all__ = [
    "DEFAULT_MAX_NODES",
    "DEFAULT_TIMEOUT_SECONDS",
    "ENV_DATABASE_URL",
    "Backend",
    "LineageStore",
    "Session",
    "database_kind",
    "default_database_url",
    "open_backend",
    "open_store",
    "sqlite_path",
]
