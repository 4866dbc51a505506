"""Bad input gets a clear error and loses nothing: NUL bytes and over-long names, refused the
same way through the Python API, the import command and capture, on both backends."""

from __future__ import annotations

import json
import sqlite3

import psycopg
import pytest
from click.testing import CliRunner

from lineage_core import InvalidName, StoreDataError, open_store
from lineage_core.cli import main

BAD_EDGES = [
    ({"source": "shop.a\x00b", "target": "shop.c"}, "qualified name", "NUL byte"),
    ({"source": 'shop."a\x00"', "target": "shop.c"}, "qualified name", "NUL byte"),
    ({"source": "shop.a", "target": "shop.c", "op": "o" * 3000}, "op", "longer than 500"),
    ({"source": "shop.a", "target": "shop.c", "job": "j\x00"}, "job", "NUL byte"),
    ({"source": "shop.a", "target": "shop.c", "sql": "SELECT 1\x00"}, "SQL", "NUL byte"),
    (
        {"source": "shop.a", "target": "shop.c", "columns": [{"source": "x\x00", "target": "y"}]},
        "column mapping source",
        "NUL byte",
    ),
    ({"source": "s." + "t" * 600, "target": "shop.c"}, "qualified name", "longer than 500"),
]


@pytest.mark.parametrize(("edge", "what", "why"), BAD_EDGES)
def test_the_api_refuses_bad_edges_with_the_reason_and_writes_nothing(store, edge, what, why):
    store.record_edge("shop.ok", "shop.fine", job="etl")
    with pytest.raises(InvalidName) as refused:
        store.record_edges([{"source": "shop.x", "target": "shop.y"}, edge])
    assert why in str(refused.value) and "edge 2" in str(refused.value)
    assert what.lower() in str(refused.value).lower()
    assert {(e.source, e.target) for e in store.edges()} == {("shop.ok", "shop.fine")}


@pytest.mark.parametrize(("edge", "what", "why"), BAD_EDGES)
def test_import_reports_the_bad_line_and_keeps_the_others(store_url, tmp_path, edge, what, why):
    path = tmp_path / "edges.jsonl"
    good = {"source": "shop.ok", "target": "shop.fine"}
    path.write_text(json.dumps(good) + "\n" + json.dumps(edge) + "\n")
    open_store(store_url).close()  # the command opens only an existing store
    runner = CliRunner()
    refused = runner.invoke(main, ["--db", store_url, "import", str(path)])
    assert refused.exit_code == 1 and "line 2:" in refused.stderr and why in refused.stderr
    kept = runner.invoke(main, ["--db", store_url, "import", str(path), "--skip-invalid"])
    assert kept.exit_code == 0, kept.output
    with open_store(store_url) as store:
        assert {(e.source, e.target) for e in store.edges()} == {("shop.ok", "shop.fine")}


def test_an_execution_row_keeps_an_error_quoting_a_nul_byte(store):
    store.record_execution(run_id="r1", errors=["lineage/sql: 'SELECT\x00' is refused"])
    [row] = store.executions()
    assert row["errors"] == ["lineage/sql: 'SELECT\\x00' is refused"]


def _refuse_assets(store_url: str) -> None:
    """The database itself refusing a row's data (a trigger raising a data exception)."""
    if store_url.startswith("sqlite"):
        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as conn:
            conn.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON lineage_assets "
                "WHEN NEW.asset_name = 'refused' BEGIN SELECT RAISE(ABORT, 'bad value'); END"
            )
        return
    with psycopg.connect(store_url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
            "IF NEW.asset_name = 'refused' THEN "
            "RAISE EXCEPTION 'bad value' USING ERRCODE = 'data_exception'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON lineage_assets "
            "FOR EACH ROW EXECUTE FUNCTION refuse()"
        )


def test_a_row_the_database_refuses_is_a_data_error_not_an_outage(store, store_url):
    _refuse_assets(store_url)
    with pytest.raises(StoreDataError, match="refused the data") as refused:
        store.record_edge("shop.fine", "shop.refused")
    assert "Lost the connection" not in str(refused.value)
    store.record_edge("shop.fine", "shop.other")  # the store itself is fine
    assert {(e.source, e.target) for e in store.edges()} == {("shop.fine", "shop.other")}


def test_an_import_the_store_refuses_names_the_line_and_writes_nothing(store_url, tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["--db", store_url, "init"]).exit_code == 0
    _refuse_assets(store_url)
    path = tmp_path / "edges.jsonl"
    lines = [
        {"source": "shop.fine", "target": "shop.other"},
        {"source": "shop.fine", "target": "shop.refused"},
        {"source": "shop.fine", "target": "shop.third"},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = runner.invoke(main, ["--db", store_url, "import", str(path)])
    assert result.exit_code == 1
    assert "line 2: the store refused it:" in result.stderr
    assert "line 1" not in result.stderr and "line 3" not in result.stderr
    with open_store(store_url) as store:
        assert store.edges() == []  # all or nothing
