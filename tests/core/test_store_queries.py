"""The named queries: the same on both backends, each described, each used, none missing."""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path

import pytest

import lineage_core.store
from lineage_core.store.backends.base import load_query_catalog, parse_queries

STORE = Path(lineage_core.store.__file__).parent
RUNNERS = {"execute", "execute_many", "fetch_all", "fetch_one", "copy_rows"}


def _store_sources() -> list[ast.Module]:
    return [ast.parse(path.read_text()) for path in sorted(STORE.rglob("*.py"))]


def _string_constants() -> set[str]:
    return {
        node.value
        for tree in _store_sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def _names_run() -> set[str]:
    """First arguments of session calls that are literal query names."""
    found = set()
    for tree in _store_sources():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in RUNNERS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and node.args[0].value.isidentifier()
                and node.args[0].value.islower()  # not raw SQL such as "COMMIT"
            ):
                found.add(node.args[0].value)
    return found


def test_both_backends_define_the_same_named_queries_with_the_same_descriptions():
    sqlite, postgres = load_query_catalog("sqlite"), load_query_catalog("postgres")
    assert sorted(sqlite) == sorted(postgres)
    differing = {name for name in sqlite if sqlite[name][0] != postgres[name][0]}
    assert not differing


def test_every_named_query_is_used_by_the_store():
    unused = set(load_query_catalog("sqlite")) - _string_constants()
    assert not unused, f"named queries nothing runs: {sorted(unused)}"


def test_every_query_the_store_runs_is_defined():
    assert _names_run(), "the scan found no query names: the test would pass vacuously"
    missing = _names_run() - set(load_query_catalog("sqlite"))
    assert not missing, f"queries run but not defined: {sorted(missing)}"


def test_a_block_without_a_description_is_refused():
    with pytest.raises(RuntimeError, match="no one-line description"):
        parse_queries("-- name: select_one\nSELECT 1;\n", "example.sql")


def test_a_name_defined_twice_is_refused():
    text = "-- name: select_one\n-- One.\nSELECT 1;\n-- name: select_one\n-- Again.\nSELECT 1;\n"
    with pytest.raises(RuntimeError, match="defined twice"):
        parse_queries(text, "example.sql")


def test_a_block_keeps_its_description_apart_from_its_sql():
    queries = parse_queries("-- name: select_one\n-- The number one.\nSELECT 1;\n", "x.sql")
    assert queries == {"select_one": ("The number one.", "SELECT 1")}


def test_backends_return_python_values_not_their_storage_types(store):
    """SQLite keeps times as text, booleans as 0/1 and JSON as text; rows still come back as
    datetime, bool and decoded JSON, as on PostgreSQL."""
    store.upsert_asset("db.s.t", metadata={"owner": "ops"})
    store.record_edge("db.s.t", "db.s.u", job="etl", op="load", run_id="r1")
    store.record_execution(run_id="r1", errors=["bad metadata"])
    backend, tenant = store.backend, {"tenant": store._ctx.tenant_id}
    with backend.session() as session:
        asset = session.fetch_one("select_asset_by_name", {**tenant, "qualified_name": "db.s.t"})
        edge = session.fetch_all(
            "select_edges", {**tenant, "asset_id": None, "include_retired": True, "limit": 10}
        )[0]
        execution = session.fetch_one("select_executions", {**tenant, "limit": 1})
    assert asset[7] == {"owner": "ops"}
    assert (asset[8], asset[9]) == (True, False)
    for moment in (asset[10], asset[11], edge[11], edge[14], execution[8]):
        assert isinstance(moment, datetime) and moment.tzinfo is not None
    assert edge[9] == [] and edge[13] is True
    assert execution[7] == ["bad metadata"]
