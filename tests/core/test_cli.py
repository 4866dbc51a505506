"""The ``lineage`` command, through click's runner, on both backends."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from lineage_core import open_store
from lineage_core.cli import main

EDGES = [
    {"source": "raw.orders", "target": "stg.orders", "job": "etl", "op": "load",
     "code_location": "wh", "run_id": "r1",
     "columns": [{"source": "id", "target": "order_id"},
                 {"source": "amount", "target": "amount", "transformation": "CAST"}]},
    {"source": "raw.customers", "target": "stg.customers", "job": "etl", "op": "load_c",
     "code_location": "wh", "run_id": "r1"},
    {"source": "stg.orders", "target": "mart.revenue", "job": "marts", "op": "revenue",
     "code_location": "wh", "columns": [{"source": "amount", "target": "revenue"}]},
    {"source": "stg.customers", "target": "mart.revenue", "job": "marts", "op": "revenue",
     "code_location": "wh"},
]  # fmt: skip


@pytest.fixture(name="imported")
def fixture_imported(run, tmp_path):
    path = tmp_path / "edges.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in EDGES) + "\n")
    run("import", str(path))
    return path


def test_import_then_walk_both_ways(run, imported):
    down = json.loads(run("downstream", "raw.orders", "--json").stdout)
    assert down["direction"] == "downstream"
    assert down["totalNodes"] == 2
    assert [(n["qualifiedName"], n["depth"]) for n in down["nodes"]] == [
        ("stg.orders", 1),
        ("mart.revenue", 2),
    ]
    assert {e["workflowId"] for e in down["edges"]} == {"etl", "marts"}
    assert set(down["edges"][0]) >= {"source", "target", "workflowId", "transformationType"}

    up = run("upstream", "mart.revenue", "--depth", "1").stdout
    assert "stg.orders" in up and "stg.customers" in up and "raw.orders" not in up


def test_impact_json_keeps_the_document_shape(run, imported):
    live = json.loads(run("impact", "raw.orders", "--json").stdout)
    assert live["totalImpactedAssets"] == 2
    assert live["totalImpactedWorkflows"] == 2
    assert [w["workflowName"] for w in live["affectedWorkflows"]] == ["etl", "marts"]
    assert live["cached"] is False
    run("refresh-cache")
    cached = json.loads(run("impact", "raw.orders", "--json").stdout)
    assert cached["cached"] is True
    assert cached["downstreamAssets"] == live["downstreamAssets"]
    text = run("impact", "raw.orders").stdout
    assert "affects 2 downstream asset(s) and 2 Dagster job(s) (cache)" in text


def test_import_is_all_or_nothing(run, store_url, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps(EDGES[0]) + "\n\n"
        + "{not json\n"
        + json.dumps({"source": "a..b", "target": "c"}) + "\n"
        + json.dumps({"source": "a", "target": "b", "colour": "red"}) + "\n"
    )  # fmt: skip
    result = run("import", str(path), code=1)
    assert "line 3: not JSON" in result.stderr
    assert "line 4: source: Invalid qualified name 'a..b'" in result.stderr
    assert "line 5: unknown field(s) colour" in result.stderr
    assert json.loads(run("assets", "--json").stdout)["totalAssets"] == 0

    skipped = run("import", str(path), "--skip-invalid")
    assert "1 edge(s)" in skipped.stdout and "3 line(s) skipped" in skipped.stdout
    assert "skipped line 4" in skipped.stderr


def test_import_reads_stdin(run):
    result = run("import", "-", "--json", input=json.dumps(EDGES[0]) + "\n")
    assert json.loads(result.stdout)["edgesCreated"] == 1


def test_unknown_asset_exits_non_zero_with_closest_names(run, imported):
    result = run("downstream", "raw.ordrs", code=2)
    assert result.stderr.count("\n") == 1
    assert "Unknown asset 'raw.ordrs'; did you mean: raw.orders" in result.stderr


def test_export_formats(run, imported):
    mermaid = run("export", "stg.orders", "--format", "mermaid").stdout
    assert mermaid.startswith("flowchart LR")
    assert "-->|marts/revenue|" in mermaid
    dot = run("export", "stg.orders", "--format", "dot", "--direction", "upstream").stdout
    assert dot.startswith("digraph")
    assert '"raw.orders" -> "stg.orders" [label="etl/load"];' in dot
    data = json.loads(run("export", "stg.orders").stdout)
    assert (data["upstreamCount"], data["downstreamCount"]) == (1, 1)


def _tables(text: str) -> list[list[dict[str, str]]]:
    """The tables of a command's human output, each a list of rows (header -> cell), read by
    the column widths of the dashes under its header."""
    lines = text.splitlines()
    tables = []
    for at, line in enumerate(lines):
        if not line or set(line) - {"-", " "}:
            continue
        spans = [match.span() for match in re.finditer("-+", line)]
        spans[-1] = (spans[-1][0], None)  # a row is stripped after its last cell
        headers = [lines[at - 1][start:end].strip() for start, end in spans]
        rows = []
        for row in lines[at + 1 :]:
            if not row.strip() or row.startswith("No column mappings"):
                break
            cells = [row[start:end].strip() for start, end in spans]
            rows.append(dict(zip(headers, cells, strict=True)))
        tables.append(rows)
    return tables


def test_columns_show_the_mappings_into_and_out_of_a_table_with_their_job_and_op(run, imported):
    text = run("columns", "stg.orders").stdout
    assert "Column mappings into stg.orders (2):" in text
    assert "Column mappings out of stg.orders (1):" in text
    incoming, outgoing = _tables(text)
    context = {"job": "etl", "op": "load", "code location": "wh"}
    assert incoming == [
        {"source": "raw.orders.id", "target": "stg.orders.order_id", "transformation": "",
         **context},
        {"source": "raw.orders.amount", "target": "stg.orders.amount", "transformation": "CAST",
         **context},
    ]  # fmt: skip
    assert outgoing == [
        {"source": "stg.orders.amount", "target": "mart.revenue.revenue", "transformation": "",
         "job": "marts", "op": "revenue", "code location": "wh"},
    ]  # fmt: skip

    found = json.loads(run("columns", "stg.orders", "--json").stdout)
    assert set(found) == {"asset", "incoming", "outgoing"} and found["asset"] == "stg.orders"
    assert [
        (c["sourceTable"], c["sourceColumn"], c["targetTable"], c["targetColumn"],
         c["transformation"], c["job"], c["op"], c["codeLocation"])
        for c in found["incoming"] + found["outgoing"]
    ] == [
        ("raw.orders", "id", "stg.orders", "order_id", None, "etl", "load", "wh"),
        ("raw.orders", "amount", "stg.orders", "amount", "CAST", "etl", "load", "wh"),
        ("stg.orders", "amount", "mart.revenue", "revenue", None, "marts", "revenue", "wh"),
    ]  # fmt: skip


def test_columns_say_so_when_a_side_or_both_have_none(run, imported):
    source = run("columns", "raw.orders").stdout
    assert source.startswith("No column mappings into raw.orders\n")
    [outgoing] = _tables(source)
    assert [row["target"] for row in outgoing] == ["stg.orders.order_id", "stg.orders.amount"]
    assert run("columns", "stg.customers").stdout == (
        "No column mappings into or out of stg.customers\n"
    )
    empty = json.loads(run("columns", "stg.customers", "--json").stdout)
    assert empty == {"asset": "stg.customers", "incoming": [], "outgoing": []}


def test_columns_of_an_unknown_table_is_one_line_with_the_closest_names(run, imported):
    result = run("columns", "stg.ordrs", code=2)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "lineage: Unknown asset 'stg.ordrs'; did you mean: stg.orders" in result.stderr


def test_full_says_on_which_side_of_the_root_each_asset_lies(run, imported):
    more = [
        {"source": "mart.revenue", "target": "stg.orders", "job": "backfill"},  # a cycle
        {"source": "mart.revenue", "target": "report.daily", "job": "reports"},
    ]
    run("import", "-", input="".join(json.dumps(edge) + "\n" for edge in more))
    sides = {
        "raw.orders": "upstream",
        "mart.revenue": "both",
        "stg.customers": "upstream",
        "raw.customers": "upstream",
        "report.daily": "downstream",
    }
    full = json.loads(run("full", "stg.orders", "--json").stdout)
    assert {n["qualifiedName"]: n["direction"] for n in full["nodes"]} == sides
    [shown] = _tables(run("full", "stg.orders").stdout)
    assert {row["asset"]: row["direction"] for row in shown} == sides
    assert {row["asset"]: row["depth"] for row in shown}["report.daily"] == "2"

    for kind in ("upstream", "downstream"):
        walked = json.loads(run(kind, "stg.orders", "--json").stdout)
        assert walked["nodes"] and not [n for n in walked["nodes"] if "direction" in n]
        [shown] = _tables(run(kind, "stg.orders").stdout)
        assert list(shown[0]) == ["depth", "asset", "type", "jobs"]


def test_export_json_gives_each_edge_its_column_mappings(run, imported):
    again = {"source": "raw.orders", "target": "stg.orders", "job": "backfill", "op": "reload",
             "columns": [{"source": "legacy_id", "target": "order_id"}]}  # fmt: skip
    run("import", "-", input=json.dumps(again) + "\n")
    data = json.loads(run("export", "stg.orders").stdout)
    names = {n["id"]: n["qualifiedName"] for n in data["nodes"]}
    names[data["rootAssetId"]] = data["root"]
    columns = {
        (names[e["source"]], names[e["target"]], e["workflowId"]): e["columns"]
        for e in data["edges"]
    }
    assert columns == {
        ("raw.orders", "stg.orders", "etl"): [
            {"source": "id", "target": "order_id", "transformation": None},
            {"source": "amount", "target": "amount", "transformation": "CAST"},
        ],
        ("raw.orders", "stg.orders", "backfill"): [
            {"source": "legacy_id", "target": "order_id", "transformation": None}
        ],
        ("stg.orders", "mart.revenue", "marts"): [
            {"source": "amount", "target": "revenue", "transformation": None}
        ],
    }
    assert {n["qualifiedName"]: n["direction"] for n in data["nodes"]} == {
        "raw.orders": "upstream",
        "mart.revenue": "downstream",
    }
    upstream = json.loads(run("export", "mart.revenue", "--direction", "upstream").stdout)
    assert sorted(len(e["columns"]) for e in upstream["edges"]) == [0, 0, 1, 1, 2]


def test_jobs_and_job_assets(run, imported):
    refs = json.loads(run("jobs", "stg.orders", "--json").stdout)["workflows"]
    assert {(r["job"], r["access"]) for r in refs} == {("etl", "write"), ("marts", "read")}
    assets = json.loads(run("job-assets", "marts", "--json").stdout)
    assert assets["reads"] == ["stg.customers", "stg.orders"]
    assert assets["writes"] == ["mart.revenue"]
    assert "No lineage recorded" in run("job-assets", "nope", code=2).stderr


def test_tenants_from_the_command_line(run, store_url):
    run("tenant", "add", "acme")
    assert "not enabled" in run("--tenant", "acme", "assets", code=1).stderr.lower()
    run("tenant", "set", "acme", "--edition", "premium")
    run("--tenant", "acme", "assets")
    tenants = json.loads(run("tenant", "list", "--json").stdout)["tenants"]
    assert [(t["name"], t["edition"]) for t in tenants] == [
        ("acme", "premium"),
        ("default", "premium"),
    ]
    assert "Unknown tenant 'ghost'" in run("--tenant", "ghost", "assets", code=2).stderr


def test_unreachable_database_is_one_line_not_a_traceback():
    result = CliRunner().invoke(main, ["--db", "postgresql://postgres@127.0.0.1:1/x", "assets"])
    assert result.exit_code == 1
    assert result.stderr.startswith("lineage: Cannot reach PostgreSQL at 127.0.0.1:1/x")
    assert "Traceback" not in result.output


def test_default_location_follows_dagster_home(tmp_path, monkeypatch):
    monkeypatch.delenv("LINEAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "lineage.db").exists()
    with open_store() as store:
        assert store.backend.describe().endswith("lineage.db")


def test_core_never_imports_dagster():
    code = (
        "import sys, lineage_core, lineage_core.cli; "
        "print(any(m.split('.')[0] in {'dagster', 'dagster_shared'} for m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "False"
    imported = [line.rsplit("|", 1)[-1].strip() for line in output.stderr.splitlines()]
    assert "lineage_core.store" in imported
    assert not [name for name in imported if name.split(".")[0] in {"dagster", "dagster_shared"}]


def test_profile_and_profiles_from_the_command_line(run, tmp_path, monkeypatch):
    import sqlite3

    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER, amount REAL)")
        conn.executemany("INSERT INTO orders VALUES (?, ?)", [(1, 2.5), (2, None), (2, None)])
    monkeypatch.setenv("LINEAGE_CONNECTIONS", json.dumps({"shop": f"sqlite:///{db}"}))
    first = json.loads(run("profile", "shop.main.orders", "--connection", "shop", "--json").stdout)
    assert (first["rowCount"], first["columnCount"], first["duplicateCount"]) == (3, 2, 1)
    amount = next(c for c in first["columnProfiles"] if c["columnName"] == "amount")
    assert (amount["nullCount"], amount["nullPercentage"], amount["distinctCount"]) == (
        2,
        66.6667,
        1,
    )
    assert {"min", "max", "mean", "distinctApproximate"} <= set(amount)

    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE orders ADD COLUMN note TEXT")
    text = run("profile", "shop.main.orders", "--connection", f"sqlite:///{db}").stdout
    assert "3 rows, 3 columns" in text and "drift: added ['note']" in text
    history = json.loads(run("profiles", "shop.main.orders", "--json").stdout)["profiles"]
    assert [p["columnCount"] for p in history] == [3, 2]
    assert (
        "Unknown connection 'nope'"
        in run("profile", "shop.main.orders", "--connection", "nope", code=2).stderr
    )


def test_profile_without_a_connection_resolves_the_table_as_the_job_does(
    run, tmp_path, monkeypatch
):
    import sqlite3

    db = tmp_path / "warehouse.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.executemany("INSERT INTO customers VALUES (?, ?)", [(1, "ada"), (2, None)])
    monkeypatch.setenv("LINEAGE_CONNECTIONS", json.dumps({"shop": f"sqlite:///{db}"}))

    # The connection named like the table's first part.
    by_name = json.loads(run("profile", "shop.main.customers", "--json").stdout)
    assert (by_name["connection"], by_name["rowCount"], by_name["columnCount"]) == ("shop", 2, 2)

    # The connection recorded on the asset by an earlier profile.
    run("profile", "customers", "--connection", "shop")
    recorded = json.loads(run("profile", "customers", "--json").stdout)
    assert (recorded["connection"], recorded["rowCount"]) == ("shop", 2)

    missing = run("profile", "crm.customers", code=2).stderr
    assert "No connection for crm.customers" in missing and "known connections: shop" in missing
