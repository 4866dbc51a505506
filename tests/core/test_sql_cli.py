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
    assert document["flows"] == [{"source": "raw.orders", "target": "mart.totals"}]
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
    assert lines[lines.index("flows (1):") + 1] == "  raw.orders -> mart.totals"
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
        input="DELETE FROM q OUTPUT deleted.* INTO a WHERE x = 1; SELECT 1",
    )
    assert result.exit_code == 0
    assert "warnings (1):" in result.output
    assert "keyword scan" in result.output
    assert "  a" in result.output.splitlines()


def test_json_keeps_warnings_when_nothing_parsed() -> None:
    result = CliRunner().invoke(sql_command, ["--json"], input="not sql (")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["warnings"]
    assert result.stderr == "lineage sql: the statement could not be parsed\n"


def test_every_statement_failing_to_parse_exits_non_zero() -> None:
    result = CliRunner().invoke(sql_command, input="SELEC x FROM a; INSERT INTO b SELEC 1")
    assert result.exit_code == 1
    assert "  a" in result.stdout.splitlines()  # the keyword scan's tables are still told
    assert result.stderr == "lineage sql: none of the 2 statements could be parsed\n"


def test_empty_or_whitespace_input_exits_non_zero() -> None:
    for text in ("", "  \n\t", "-- only a comment\n"):
        result = CliRunner().invoke(sql_command, ["--json"], input=text)
        assert result.exit_code == 1, text
        assert result.stderr == "lineage sql: the input holds no SQL statement\n"


def test_partial_parse_keeps_exit_code_zero() -> None:
    result = CliRunner().invoke(sql_command, input="SELEC x FROM a; INSERT INTO b SELECT y FROM c")
    assert result.exit_code == 0
    assert result.stderr == ""


def test_files_flag_records_file_assets() -> None:
    sql = "CREATE TABLE t AS SELECT id FROM read_parquet('./data/x.parquet')"
    plain = CliRunner().invoke(sql_command, ["--dialect", "duckdb", "--json"], input=sql)
    assert json.loads(plain.stdout)["reads"] == []
    result = CliRunner().invoke(sql_command, ["--dialect", "duckdb", "--files"], input=sql)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[lines.index("files (1):") + 1] == '  file."data/x.parquet"'
    assert '  t.id <- file."data/x.parquet".id  [identity]' in lines


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
