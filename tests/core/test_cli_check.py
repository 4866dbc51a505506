"""``lineage check``: a change's impact before it merges, on both backends, for SQL scripts
and for the models of a real dbt project (parsed and compiled into a temporary directory)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lineage_core import normalise_name, open_store
from lineage_core.cli import main

LINEAGE = str(Path(sys.executable).parent / "lineage")
DBT = str(Path(sys.executable).parent / "dbt")
DBT_PROJECT = Path(__file__).parents[1] / "dagster" / "dbt_project"

EDGES = [
    ("raw.orders", "stg.orders", "build_staging", "load_orders"),
    ("raw.legacy_orders", "stg.orders", "build_staging", "load_orders"),
    ("raw.customers", "stg.customers", "build_staging", "load_customers"),
    ("stg.orders", "mart.revenue", "build_marts", "revenue"),
    ("stg.customers", "mart.revenue", "build_marts", "revenue"),
    ("mart.revenue", "mart.revenue_daily", "build_marts", "daily"),
    ("mart.revenue_daily", "reports.finance", "reporting", "finance"),
]

# Writes both staging tables: stg.orders now also reads raw.refunds and no longer
# raw.legacy_orders; stg.customers goes through a temporary table.
STAGING_SQL = """
INSERT INTO stg.orders
SELECT o.id, o.amount - coalesce(r.amount, 0) AS amount
FROM raw.orders AS o LEFT JOIN raw.refunds AS r ON r.order_id = o.id;

CREATE TEMPORARY TABLE fresh AS SELECT * FROM raw.customers WHERE updated_at > now() - 1;
DELETE FROM stg.customers WHERE id IN (SELECT id FROM fresh);
INSERT INTO stg.customers SELECT * FROM fresh;
"""


def _edges_file(tmp_path: Path, edges) -> Path:
    path = tmp_path / "edges.jsonl"
    lines = [
        {"source": s, "target": t, "job": job, "op": op, "code_location": "shop"}
        for s, t, job, op in edges
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


@pytest.fixture(name="imported")
def fixture_imported(run, tmp_path):
    run("import", str(_edges_file(tmp_path, EDGES)))


@pytest.fixture(name="sql_file")
def fixture_sql_file(tmp_path):
    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


def _json(result) -> dict[str, Any]:
    return json.loads(result.stdout)


def _tables(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {table["table"]: table for table in report["tables"]}


# -- plain SQL ---------------------------------------------------------------------------


def test_a_script_writing_two_tables_shows_downstream_and_its_new_and_removed_dependencies(
    run, imported, sql_file
):
    staging = sql_file("staging.sql", STAGING_SQL)

    report = _json(run("check", staging, "--format", "json"))

    [changed] = report["files"]
    assert changed["kind"] == "sql" and sorted(changed["writes"]) == ["stg.customers", "stg.orders"]
    tables = _tables(report)
    orders = tables["stg.orders"]
    assert orders["known"] and orders["files"] == [staging]
    assert orders["downstreamCount"] == 3
    assert orders["countsByDepth"] == {"1": 1, "2": 1, "3": 1}
    assert [(a["qualifiedName"], a["depth"]) for a in orders["downstream"]] == [
        ("mart.revenue", 1), ("mart.revenue_daily", 2), ("reports.finance", 3),
    ]  # fmt: skip
    assert {j["job"]: j["ops"] for j in orders["jobs"]} == {
        "build_marts": ["daily", "revenue"], "build_staging": ["load_orders"],
        "reporting": ["finance"],
    }  # fmt: skip
    assert orders["newDependencies"] == ["raw.refunds"]
    assert orders["removedDependencies"] == [
        {
            "source": "raw.legacy_orders",
            "recordedBy": [{"job": "build_staging", "op": "load_orders", "codeLocation": "shop"}],
        }
    ]
    customers = tables["stg.customers"]
    assert customers["sources"] == ["raw.customers"]  # through the temporary table
    assert customers["newDependencies"] == [] and customers["removedDependencies"] == []
    assert report["maxDownstream"] is None and report["thresholdCrossed"] is False
    assert report["worstTable"] == "stg.orders" and report["worstDownstreamCount"] == 3

    text = run("check", staging).stdout
    assert "lineage check: stg.orders has 3 downstream assets in 3 Dagster jobs" in text
    assert "  new dependency: raw.refunds -> stg.orders" in text
    assert (
        "  removed dependency: raw.legacy_orders -> stg.orders "
        "(recorded by build_staging / load_orders in shop)" in text
    )


def test_a_retired_edge_is_no_dependency_to_remove(run, imported, sql_file, store_url):
    with open_store(store_url) as store:
        [legacy] = [e for e in store.edges("stg.orders") if e.source == "raw.legacy_orders"]
        store.retire_edges([legacy.id])
    report = _json(run("check", sql_file("staging.sql", STAGING_SQL), "--format", "json"))
    assert _tables(report)["stg.orders"]["removedDependencies"] == []


def test_crossing_the_threshold_exits_with_status_1_and_says_so_in_the_headline(
    run, imported, sql_file
):
    staging = sql_file("staging.sql", STAGING_SQL)

    over = run("check", staging, "--max-downstream", "2", "--format", "markdown", code=1)
    lines = over.stdout.splitlines()
    assert lines[0] == "<!-- lineage-check -->"
    assert lines[1] == (
        "### Lineage check: `stg.orders` has 3 downstream assets in 3 Dagster jobs: "
        "**2 tables over the limit of 2**"
    )
    assert "| `stg.orders` | **3** (over) | 1: 1, 2: 1, 3: 1 | 3 | 1 | 1 |" in lines
    assert "- **New dependency:** `raw.refunds` → `stg.orders`" in lines
    assert (
        "- **Removed dependency:** `raw.legacy_orders` → `stg.orders` "
        "(recorded by `build_staging` / `load_orders` in `shop`)" in lines
    )
    assert "| `build_marts` | `shop` | `daily`, `revenue` |" in lines

    within = run("check", staging, "--max-downstream", "3", "--format", "json")
    report = _json(within)
    assert report["thresholdCrossed"] is False and report["maxDownstream"] == 3
    assert not any(t["overThreshold"] for t in report["tables"])
    markdown = run("check", staging, "--max-downstream", "3", "--format", "markdown").stdout
    assert "in 3 Dagster jobs: within the limit of 3" in markdown.splitlines()[1]


def test_sql_that_does_not_parse_is_reported_without_failing_the_check(run, imported, sql_file):
    broken = sql_file(
        "broken.sql", "SELECT FROM WHERE (((;\nINSERT INTO stg.orders SELECT * FROM raw.orders;"
    )
    staging = sql_file("staging.sql", STAGING_SQL)

    result = run("check", broken, staging, "--format", "json")

    files = {f["path"]: f for f in _json(result)["files"]}
    assert files[broken]["warnings"] and files[broken]["errors"][0]["kind"] == "parse"
    assert files[broken]["writes"] == ["stg.orders"]
    orders = _tables(_json(result))["stg.orders"]
    assert orders["partial"] and orders["files"] == [broken, staging]
    markdown = run("check", broken, "--format", "markdown").stdout.splitlines()
    assert "- The SQL did not fully parse: dependencies may be incomplete." in markdown
    assert "#### Files" in markdown
    assert any(line.startswith(f"- `{broken}`: statement 1 (line 1)") for line in markdown)


def test_a_file_writing_an_unknown_table_says_it_is_new_with_nothing_downstream(
    run, imported, sql_file
):
    new = sql_file("new.sql", "CREATE TABLE stg.order_lines AS SELECT * FROM raw.orders")

    report = _json(run("check", new, "--max-downstream", "0", "--format", "json"))

    [table] = report["tables"]
    assert table["table"] == "stg.order_lines" and table["known"] is False
    assert (table["downstreamCount"], table["jobs"], table["overThreshold"]) == (0, [], False)
    assert table["newDependencies"] == ["raw.orders"]
    assert report["worstTable"] is None
    text = run("check", new).stdout
    assert "lineage check: 1 new table, nothing downstream yet" in text
    assert "stg.order_lines: new table, not in the lineage store: nothing downstream yet" in text
    markdown = run("check", new, "--format", "markdown").stdout.splitlines()
    assert "#### `stg.order_lines` (new table)" in markdown


def test_names_are_qualified_as_the_capture_qualifies_them(run, sql_file, tmp_path):
    run("import", str(_edges_file(tmp_path, [("wh.raw.a", "wh.stg.b", "etl", "load")])))
    script = sql_file("b.sql", "INSERT INTO stg.b SELECT * FROM raw.a")

    bare = _tables(_json(run("check", script, "--format", "json")))["stg.b"]
    assert not bare["known"] and "wh.stg.b" in bare["suggestions"]

    qualified = _json(run("check", script, "--default-database", "wh", "--format", "json"))
    table = _tables(qualified)["wh.stg.b"]
    assert table["known"] and table["newDependencies"] == table["removedDependencies"] == []


def test_the_listing_is_capped_and_says_how_many_more(run, sql_file, tmp_path):
    fan_out = [("hub", f"leaf_{i:02}", f"job_{i % 3}", f"op_{i}") for i in range(25)]
    run("import", str(_edges_file(tmp_path, [("src", "hub", "etl", "load"), *fan_out])))
    hub = sql_file("hub.sql", "INSERT INTO hub SELECT * FROM src")

    table = _tables(_json(run("check", hub, "--format", "json")))["hub"]
    assert (table["downstreamCount"], len(table["downstream"]), table["moreDownstream"]) == (
        25, 20, 5,
    )  # fmt: skip
    markdown = run("check", hub, "--format", "markdown").stdout.splitlines()
    assert "<details><summary>Downstream assets (first 20 of 25)</summary>" in markdown
    assert "and 5 more" in markdown
    assert "| 1 | `leaf_19` |" in markdown and "| 1 | `leaf_20` |" not in markdown

    short = run("check", hub, "--format", "markdown", "--limit", "2").stdout.splitlines()
    assert "<details><summary>Affected jobs (4)</summary>" in short
    assert "and 2 more" in short and "and 23 more" in short


def test_files_that_are_gone_or_write_nothing_are_said_plainly(run, imported, sql_file, tmp_path):
    query = sql_file("query.sql", "SELECT count(*) FROM stg.orders")
    gone = str(tmp_path / "dropped.sql")

    report = _json(run("check", query, gone, "--format", "json"))

    files = {f["path"]: f for f in report["files"]}
    assert files[query]["notes"] == ["writes no table"]
    assert files[gone]["kind"] == "skipped"
    assert files[gone]["notes"] == ["not checked: not found (a deleted file is not checked)"]
    assert report["tables"] == []
    assert "lineage check: no table written" in run("check", query, gone).stdout
    assert "no table written" in run("check", "--format", "markdown").stdout.splitlines()[1]


def test_a_missing_store_is_an_error(tmp_path, sql_file):
    script = sql_file("a.sql", "INSERT INTO t SELECT * FROM s")
    missing = f"sqlite:///{tmp_path / 'nowhere.db'}"

    result = CliRunner().invoke(main, ["--db", missing, "check", script])

    assert result.exit_code == 2
    assert "nowhere.db" in result.stderr
    assert not (tmp_path / "nowhere.db").exists()


def test_the_installed_command_posts_markdown_and_exits_1_over_the_threshold(
    run, imported, store_url, sql_file
):
    staging = sql_file("staging.sql", STAGING_SQL)
    env = {k: v for k, v in os.environ.items() if k != "LINEAGE_DATABASE_URL"}

    done = subprocess.run(
        [LINEAGE, "--db", store_url, "check", staging, "--max-downstream", "1",
         "--format", "markdown"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip

    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[1].startswith("### Lineage check: `stg.orders` has 3 ")
    assert "**2 tables over the limit of 1**" in done.stdout


# -- a dbt project -----------------------------------------------------------------------

# orders no longer reads stg_payments; it takes the customer's country from stg_customers.
EDITED_ORDERS = """
select
    o.order_id,
    o.customer_id,
    o.ordered_on,
    o.status,
    c.country,
    0 as amount
from {{ ref('stg_orders') }} as o
left join {{ ref('stg_customers') }} as c on c.customer_id = o.customer_id
"""


def _dbt(project: Path, command: str, target: Path) -> dict[str, Any]:
    env = {**os.environ, "DBT_DUCKDB_PATH": str(project.parent / "warehouse.duckdb")}
    subprocess.run(
        [DBT, command, "--quiet", "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(target)],
        check=True, env=env, cwd=project, timeout=300,
    )  # fmt: skip
    return json.loads((target / "manifest.json").read_text())


@pytest.fixture(name="dbt_change", scope="module")
def fixture_dbt_change(tmp_path_factory):
    """A copy of the test project: its manifest as on the main branch (``dbt parse``), then
    orders.sql edited and the manifest of the change (``dbt compile``: with compiled SQL)."""
    root = tmp_path_factory.mktemp("dbt_check")
    project = root / "shop"
    shutil.copytree(DBT_PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
    base = _dbt(project, "parse", root / "base")
    (project / "models" / "marts" / "orders.sql").write_text(EDITED_ORDERS)
    _dbt(project, "compile", root / "change")
    return project, base, root / "change" / "manifest.json", root / "base" / "manifest.json"


def _relation(node: dict[str, Any]) -> str:
    return normalise_name(f"{node['database']}.{node['schema']}.{node['alias']}")


def _record_main_branch(store_url: str, manifest: dict[str, Any]) -> None:
    """The edges a capture of the main branch's dbt runs records, and a report fed by them."""
    nodes = manifest["nodes"]
    with open_store(store_url) as store:
        for node in nodes.values():
            for parent in (
                node["depends_on"].get("nodes", []) if node["resource_type"] == "model" else []
            ):
                store.record_edge(
                    _relation(nodes[parent]), _relation(node),
                    job="dbt_build", op="shop_dbt", code_location="shop",
                )  # fmt: skip
        store.record_edge(
            "warehouse.main_marts.customers", "reports.public.customer_export",
            job="exports", op="export_customers", code_location="reports",
        )  # fmt: skip


def test_a_changed_dbt_model_is_checked_through_the_manifest(run, store_url, dbt_change):
    project, base, change_manifest, _ = dbt_change
    _record_main_branch(store_url, base)
    orders = str(project / "models" / "marts" / "orders.sql")

    report = _json(run("check", orders, "--dbt-manifest", str(change_manifest), "--format", "json"))

    [changed] = report["files"]
    assert (changed["kind"], changed["dbtNodes"]) == ("dbt", ["model.lineage_shop.orders"])
    assert changed["writes"] == ["warehouse.main_marts.orders"]
    assert changed["warnings"] == []  # the manifest is the change's own
    [table] = report["tables"]
    assert table["table"] == "warehouse.main_marts.orders" and table["known"]
    assert [(a["qualifiedName"], a["depth"]) for a in table["downstream"]] == [
        ("warehouse.main_marts.customers", 1),
        ("reports.public.customer_export", 2),
        ("warehouse.main_marts.country_revenue", 2),
    ]
    assert table["countsByDepth"] == {"1": 1, "2": 2}
    assert {(j["job"], j["codeLocation"], tuple(j["ops"])) for j in table["jobs"]} == {
        ("dbt_build", "shop", ("shop_dbt",)), ("exports", "reports", ("export_customers",)),
    }  # fmt: skip
    assert table["newDependencies"] == ["warehouse.main_staging.stg_customers"]
    assert [r["source"] for r in table["removedDependencies"]] == [
        "warehouse.main_staging.stg_payments"
    ]

    markdown = run(
        "check", orders, "--dbt-manifest", str(change_manifest), "--max-downstream", "2",
        "--format", "markdown", code=1,
    ).stdout.splitlines()  # fmt: skip
    assert markdown[1] == (
        "### Lineage check: `warehouse.main_marts.orders` has 3 downstream assets in "
        "2 Dagster jobs: **1 table over the limit of 2**"
    )
    assert (
        "- **New dependency:** `warehouse.main_staging.stg_customers` → "
        "`warehouse.main_marts.orders`" in markdown
    )
    assert (
        "- **Removed dependency:** `warehouse.main_staging.stg_payments` → "
        "`warehouse.main_marts.orders` (recorded by `dbt_build` / `shop_dbt` in `shop`)" in markdown
    )


def test_a_dbt_file_is_found_from_the_project_folder_and_a_stale_manifest_is_flagged(
    run, store_url, dbt_change, monkeypatch
):
    project, base, _, base_manifest = dbt_change
    _record_main_branch(store_url, base)
    monkeypatch.chdir(project)

    report = _json(
        run("check", "models/marts/orders.sql", "models/staging/stg_payments.sql",
            "--dbt-manifest", str(base_manifest), "--format", "json")
    )  # fmt: skip

    orders, payments = report["files"]
    assert "run `dbt parse`" in orders["warnings"][0]  # the file changed since that manifest
    assert payments["warnings"] == []
    tables = _tables(report)
    assert tables["warehouse.main_marts.orders"]["newDependencies"] == []  # the old manifest's
    assert tables["warehouse.main_staging.stg_payments"]["downstreamCount"] == 4
    assert report["worstTable"] == "warehouse.main_staging.stg_payments"


def test_a_dbt_model_without_the_manifest_is_not_read_as_plain_sql(run, dbt_change):
    project, *_ = dbt_change
    report = _json(
        run("check", str(project / "models" / "marts" / "orders.sql"), "--format", "json")
    )
    [changed] = report["files"]
    assert changed["kind"] == "skipped" and "--dbt-manifest" in changed["notes"][0]
