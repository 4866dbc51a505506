"""The ``lineage sql`` command, driven through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner

from lineage_core.sql_cli import sql_command

SCRIPT = """
CREATE TEMP TABLE tmp AS SELECT id, amount FROM raw.orders;
INSERT INTO mart.totals (id, total) SELECT id, SUM(amount) FROM tmp GROUP BY id;
"""


def test_json_from_stdin() -> None:
    result = CliRunner().invoke(sql_command, ["--dialect", "postgres", "--json"], input=SCRIPT)
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["reads"] == ["raw.orders"]
    assert document["writes"] == ["mart.totals"]
    assert document["dialect"] == "postgres"
    assert {
        "target": "mart.totals.total",
        "sources": ["raw.orders.amount"],
        "transformation": "aggregate",
    } in document["columns"]


def test_text_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "load.sql"
    path.write_text(SCRIPT, encoding="utf-8")
    result = CliRunner().invoke(sql_command, [str(path), "--dialect", "postgres"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "dialect: postgres"
    assert "reads (1):" in lines and "  raw.orders" in lines
    assert "writes (1):" in lines and "  mart.totals" in lines
    assert "  mart.totals.total <- raw.orders.amount  [aggregate]" in lines
    assert not any(line.startswith("warnings") for line in lines)


def test_explicit_dash_reads_stdin() -> None:
    result = CliRunner().invoke(sql_command, ["-", "--json"], input="INSERT INTO t SELECT a FROM s")
    assert result.exit_code == 0
    assert json.loads(result.output)["writes"] == ["t"]


def test_warnings_are_printed_and_exit_code_stays_zero() -> None:
    result = CliRunner().invoke(
        sql_command,
        ["--dialect", "tsql"],
        input="DELETE FROM q OUTPUT deleted.* INTO a WHERE x = 1",
    )
    assert result.exit_code == 0
    assert "warnings (1):" in result.output
    assert "keyword scan" in result.output
    assert "  a" in result.output.splitlines()


def test_json_keeps_warnings() -> None:
    result = CliRunner().invoke(sql_command, ["--json"], input="not sql (")
    assert result.exit_code == 0
    assert json.loads(result.output)["warnings"]


def test_dialect_is_case_insensitive() -> None:
    result = CliRunner().invoke(sql_command, ["--dialect", "Snowflake", "--json"], input="SELECT 1")
    assert result.exit_code == 0
    assert json.loads(result.output)["dialect"] == "snowflake"


def test_unknown_dialect_is_a_usage_error() -> None:
    result = CliRunner().invoke(sql_command, ["--dialect", "klingon"], input="SELECT 1")
    assert result.exit_code == 2
    assert "klingon" in result.output


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(sql_command, [str(tmp_path / "absent.sql")])
    assert result.exit_code == 2


def test_registers_as_a_subcommand_of_a_group() -> None:
    @click.group()
    def main() -> None:
        """Stand-in for the ``lineage`` group."""

    main.add_command(sql_command)
    result = CliRunner().invoke(main, ["sql", "--json"], input="INSERT INTO t SELECT a FROM s")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["reads"] == ["s"]
    assert "SOURCE" in CliRunner().invoke(main, ["sql", "--help"]).output
