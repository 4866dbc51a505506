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


def database_kind(url: str, *, origin: str = "Unsupported lineage database URL: it") -> str:
    """``"sqlite"`` or ``"postgres"``: which backend a store URL opens, checked without
    opening it (a SQLite URL must name a file). Anything else raises ``InvalidArgument``
    naming the scheme only, never the URL, which may hold a password; ``origin`` says where
    the URL came from."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "sqlite":
        sqlite_path(url)
        return "sqlite"
    if scheme in {"postgresql", "postgres"} or scheme.startswith("postgresql+"):
        return "postgres"
    named = f"a {scheme}:// URL" if scheme else "no URL scheme"
    raise InvalidArgument(
        f"{origin} has {named}; the lineage store takes sqlite:///path/to/lineage.db or "
        "postgresql://user@host:5432/db"
    )


def open_backend(url: str, *, create: bool = True) -> Backend:
    """The backend for a ``sqlite:///`` or ``postgresql://`` URL, not yet migrated;
    ``create=False`` refuses a SQLite file that does not exist instead of creating it."""
    if database_kind(url) == "sqlite":
        from lineage_core.store.backends.sqlite import SqliteBackend

        return SqliteBackend(sqlite_path(url), create=create)
    from lineage_core.store.backends.postgres import PostgresBackend

    scheme = urlsplit(url).scheme.lower()
    if "+" in scheme:  # tolerate SQLAlchemy-style URLs such as postgresql+psycopg://
        url = "postgresql" + url[len(scheme) :]
    return PostgresBackend(url)


__all__ = ["Backend", "Session", "database_kind", "open_backend", "sqlite_path"]
