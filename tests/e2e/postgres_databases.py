"""Throwaway PostgreSQL databases for the end-to-end tests, on the server the tests use."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
from psycopg import sql


def database_url(admin_url: str, database: str) -> str:
    """``admin_url`` (a postgresql:// URL) pointing at another database on the same server."""
    return urlsplit(admin_url)._replace(path=f"/{database}").geturl()


def sqlalchemy_psycopg2_url(url: str) -> str:
    """The URL for dagster-postgres, with its driver named: ``postgresql+psycopg2://``.

    SQLAlchemy 2.1 made psycopg 3 the driver of plain ``postgresql://`` URLs, and
    dagster-postgres 0.29 then fails on every event it stores (``NOTIFY run_events, $1``: a
    bound parameter where psycopg 3 binds on the server). test_postgres_config.py shows both.
    """
    return urlsplit(url)._replace(scheme="postgresql+psycopg2").geturl()


@contextmanager
def fresh_database(admin_url: str, prefix: str) -> Iterator[str]:
    """An empty database on the server of ``admin_url``, dropped afterwards; yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
