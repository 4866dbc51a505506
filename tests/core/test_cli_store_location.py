"""Which store the ``lineage`` command opens: only ``lineage init`` creates one.

Every other command opens an existing store or refuses with where it looked, so a typo in
``--db``, a URL pointed at a warehouse or a shell without ``DAGSTER_HOME`` never yields an
empty store that then answers "Unknown asset".
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import psycopg
import pytest
from click.testing import CliRunner

from lineage_core.cli import main

REPO = Path(__file__).resolve().parents[2]
LINEAGE = Path(sys.executable).parent / "lineage"

# Every command that opens a store, with arguments that get it that far.
STORE_COMMANDS = {
    "import": ["import", "-"],
    "assets": ["assets"],
    "upstream": ["upstream", "warehouse.raw_orders"],
    "downstream": ["downstream", "warehouse.raw_orders"],
    "full": ["full", "warehouse.raw_orders"],
    "impact": ["impact", "warehouse.raw_orders"],
    "refresh-cache": ["refresh-cache"],
    "export": ["export", "warehouse.raw_orders"],
    "columns": ["columns", "warehouse.raw_orders"],
    "jobs": ["jobs", "warehouse.raw_orders"],
    "job-assets": ["job-assets", "etl"],
    "profile": ["profile", "shop.orders", "--connection", "sqlite:///nowhere.db"],
    "profiles": ["profiles", "shop.orders"],
    "doctor": ["doctor"],
    "tenant add": ["tenant", "add", "acme"],
    "tenant list": ["tenant", "list"],
    "tenant set": ["tenant", "set", "acme", "--edition", "premium"],
    "remove edge": ["remove", "edge", "a.x", "a.y"],
    "remove asset": ["remove", "asset", "a.x"],
    "check": ["check"],
    "diff": ["diff", "warehouse.raw_orders"],
    "serve": ["serve", "--port", "0"],
    "token create": ["token", "create", "--tenant", "default", "--name", "laptop"],
    "token list": ["token", "list"],
    "token revoke": ["token", "revoke", "laptop", "--tenant", "default"],
    "openlineage prune": ["openlineage", "prune", "--older-than", "30d"],
}
NO_STORE = {"init", "sql"}


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), input="")


def _command_paths(group: click.Group, prefix: str = "") -> set[str]:
    paths = set()
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            paths |= _command_paths(command, f"{path} ")
        else:
            paths.add(path)
    return paths


def test_every_command_but_init_is_checked_here():
    assert _command_paths(main) - NO_STORE == set(STORE_COMMANDS)


@pytest.mark.parametrize("command", sorted(STORE_COMMANDS))
def test_a_missing_sqlite_store_is_refused_with_its_path_and_nothing_is_created(tmp_path, command):
    missing = tmp_path / "typo" / "x.db"
    result = _invoke("--db", f"sqlite:///{missing}", *STORE_COMMANDS[command])
    assert result.exit_code == 2, (result.output, result.stderr)
    assert result.stderr.startswith(f"lineage: No lineage store at {missing}")
    assert "lineage init" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "typo").exists()


def test_init_creates_the_store_the_other_commands_then_open(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'lineage.db'}"
    assert _invoke("--db", url, "init").exit_code == 0
    listed = _invoke("--db", url, "tenant", "list")
    assert listed.exit_code == 0 and "default" in listed.stdout


def test_a_warehouse_sqlite_file_gets_no_lineage_tables(tmp_path):
    warehouse = tmp_path / "warehouse.db"
    with sqlite3.connect(warehouse) as conn:
        conn.execute("CREATE TABLE raw_orders (id INTEGER)")
    for args in (["assets"], ["tenant", "add", "acme"], ["import", "-"]):
        result = _invoke("--db", f"sqlite:///{warehouse}", *args)
        assert result.exit_code == 2, (result.output, result.stderr)
        assert f"{warehouse} is not a lineage store" in result.stderr
    with sqlite3.connect(warehouse) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master")]
    assert tables == ["raw_orders"]


def test_a_warehouse_postgres_database_gets_no_lineage_tables(bare_postgres_url):
    with psycopg.connect(bare_postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE raw_orders (id integer)")
    for args in (["assets"], ["downstream", "raw_orders"], ["tenant", "add", "acme"]):
        result = _invoke("--db", bare_postgres_url, *args)
        assert result.exit_code == 2, (result.output, result.stderr)
        assert "holds no lineage store" in result.stderr
        assert "lineage init" in result.stderr
    with psycopg.connect(bare_postgres_url) as conn:
        tables = [row[0] for row in conn.execute("SELECT tablename FROM pg_tables "
                                                  "WHERE schemaname = 'public'")]  # fmt: skip
    assert tables == ["raw_orders"]


def test_unknown_asset_in_an_empty_store_says_which_store_it_opened(store_url, tmp_path):
    if store_url.startswith("sqlite"):
        assert _invoke("--db", store_url, "init").exit_code == 0
    result = _invoke("--db", store_url, "downstream", "warehouse.raw_orders")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("lineage: Unknown asset 'warehouse.raw_orders'")
    where = store_url.removeprefix("sqlite:///") if store_url.startswith("sqlite") else None
    assert (where or store_url.rsplit("/", 1)[-1]) in result.stderr
    assert "is empty" in result.stderr


def test_unknown_asset_in_a_store_with_assets_keeps_its_short_answer(tmp_path):
    url = f"sqlite:///{tmp_path / 'lineage.db'}"
    _invoke("--db", url, "init")
    CliRunner().invoke(main, ["--db", url, "import", "-"], input='{"source": "a.x", "target": "b"}')
    result = _invoke("--db", url, "downstream", "a.z")
    assert result.exit_code == 2
    assert "is empty" not in result.stderr


def test_the_default_store_outside_make_is_refused_saying_how_it_was_chosen(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DAGSTER_HOME", "LINEAGE_DATABASE_URL"}}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    done = subprocess.run(
        [str(LINEAGE), "downstream", "warehouse.raw_orders"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"No lineage store at {tmp_path / 'data' / 'dagster-lineage' / 'lineage.db'}" in (
        done.stderr
    )
    assert "DAGSTER_HOME" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists()


def test_the_readme_shows_how_to_reach_the_demo_store():
    home = re.search(r"DAGSTER_HOME \?= \$\(CURDIR\)/(\S+)", (REPO / "Makefile").read_text())
    assert home is not None
    readme = (REPO / "README.md").read_text()
    demo = readme.split("## The demo", 1)[1].split("\n## ", 1)[0]
    assert f"export DAGSTER_HOME=$PWD/{home[1]}" in demo
    assert f"--db sqlite:///{home[1]}/lineage.db" in demo
