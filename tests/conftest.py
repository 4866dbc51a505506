"""Fixtures every test directory shares: a store on each backend.

PostgreSQL tests run against the server named by ``LINEAGE_TEST_POSTGRES_URL`` (default: the
local server at 127.0.0.1:5432). They never skip: an unreachable server fails them with a
message saying how to start one. Each test gets its own database, cloned from a template
that was migrated once per session.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from lineage_core import open_store
from lineage_core.store import LineageStore

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _admin_url() -> str:
    return os.environ.get("LINEAGE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _with_database(url: str, database: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = database
    return psycopg.conninfo.make_conninfo(**info)


def _as_url(conninfo: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(conninfo)
    user = info.get("user", "postgres")
    host = info.get("host", "127.0.0.1")
    port = info.get("port", "5432")
    return f"postgresql://{user}@{host}:{port}/{info['dbname']}"


@pytest.fixture(name="postgres_admin", scope="session")
def fixture_postgres_admin() -> str:
    url = _admin_url()
    try:
        with psycopg.connect(url, connect_timeout=5):
            pass
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {url} ({exc}). Start it (`make test` does), or "
            "point LINEAGE_TEST_POSTGRES_URL at a server where you may create databases.",
            pytrace=False,
        )
    return url


@pytest.fixture(name="postgres_template", scope="session")
def fixture_postgres_template(postgres_admin: str) -> Iterator[str]:
    name = f"lineage_tpl_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    open_store(_as_url(_with_database(postgres_admin, name))).close()
    yield name
    with psycopg.connect(postgres_admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(name="postgres_url")
def fixture_postgres_url(postgres_admin: str, postgres_template: str) -> Iterator[str]:
    """A fresh, migrated, empty lineage database for one test."""
    name = f"lineage_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(postgres_template)
            )
        )
    yield _as_url(_with_database(postgres_admin, name))
    with psycopg.connect(postgres_admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(name="bare_postgres_url")
def fixture_bare_postgres_url(postgres_admin: str) -> Iterator[str]:
    """A fresh database with no schema at all, for tests of migrations themselves."""
    name = f"lineage_bare_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _as_url(_with_database(postgres_admin, name))
    with psycopg.connect(postgres_admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(name="sqlite_url")
def fixture_sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'lineage.db'}"


@pytest.fixture(
    name="store_url", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def fixture_store_url(request) -> str:
    """The URL of an empty store, once per backend."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture(name="store")
def fixture_store(store_url: str) -> Iterator[LineageStore]:
    store = open_store(store_url)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(
    name="bare_store_url",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def fixture_bare_store_url(request) -> str:
    """The URL of a database no store has opened yet, once per backend."""
    return request.getfixturevalue(
        "sqlite_url" if request.param == "sqlite" else "bare_postgres_url"
    )
