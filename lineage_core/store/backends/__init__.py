"""The two backends behind the store, chosen by the URL's scheme.

Each is imported only when its URL is opened, so the embedded store never imports psycopg.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from lineage_core.errors import InvalidArgument
from lineage_core.store.backends.base import Backend, Session


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
    """The backend for a ``sqlite:///`` or ``postgresql://`` URL, not yet migrated."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "sqlite":
        from lineage_core.store.backends.sqlite import SqliteBackend

        return SqliteBackend(sqlite_path(url))
    if scheme in {"postgresql", "postgres"} or scheme.startswith("postgresql+"):
        from lineage_core.store.backends.postgres import PostgresBackend

        if "+" in scheme:  # tolerate SQLAlchemy-style URLs such as postgresql+psycopg://
            url = "postgresql" + url[len(scheme) :]
        return PostgresBackend(url)
    raise InvalidArgument(
        f"Unsupported lineage database URL {url!r}: use sqlite:///path.db or postgresql://..."
    )


__all__ = ["Backend", "Session", "open_backend", "sqlite_path"]
