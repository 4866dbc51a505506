"""SQL lineage: the fixture corpus, plus behaviours that are easier to state in Python."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from lineage_core import TableFlow
from lineage_core.errors import InvalidArgument
from lineage_core.models import SqlLineage
from lineage_core.sql import SUPPORTED_DIALECTS, extract_lineage, split_statements, tables
from lineage_core.sql.tables import HANDLERS

_CASES_PATH = Path(__file__).parent / "sql_fixtures" / "cases.py"
_spec = importlib.util.spec_from_file_location("sql_fixture_cases", _CASES_PATH)
assert _spec is not None and _spec.loader is not None
cases_module = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("sql_fixture_cases", cases_module)
_spec.loader.exec_module(cases_module)

CASES = cases_module.load_cases()
REQUIRED_DIALECTS = (
    "postgres",
    "snowflake",
    "bigquery",
    "spark",
    "databricks",
    "hive",
    "duckdb",
    "tsql",
    "mysql",
    "redshift",
    "trino",
)


def run_case(case, *, columns: bool = True, files: bool | None = None) -> SqlLineage:
    return extract_lineage(
        case.sql,
        case.dialect,
        default_database=case.default_database,
        default_schema=case.default_schema,
        schema=case.schema or None,
        columns=columns,
        files=case.files is not None if files is None else files,
    )


def column_set(lineage: SqlLineage) -> set[tuple[str, tuple[str, ...]]]:
    return {(m.target, tuple(sorted(m.sources))) for m in lineage.columns}


def flow_set(lineage: SqlLineage) -> set[tuple[str, str]]:
    return {(flow.source, flow.target) for flow in lineage.flows}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_fixture_case(case) -> None:
    lineage = run_case(case)
    context = f"{case.id} (line {case.line}); warnings: {lineage.warnings}"
    assert set(lineage.reads) == case.reads, context
    assert set(lineage.writes) == case.writes, context
    if case.flows is not None:
        assert flow_set(lineage) == case.flows, context
    if case.columns is not None:
        assert column_set(lineage) == case.columns, context
        labels = {m.target: m.transformation for m in lineage.columns}
        for target, label in case.labels.items():
            assert labels.get(target) == label, f"{target}: {context}"
    if case.warnings is not None:
        assert bool(lineage.warnings) == case.warnings, context
    if case.files is not None:
        assert set(lineage.files) == case.files, context
    else:
        assert lineage.files == [], context


FILE_CASES = [case for case in CASES if case.files is not None]


@pytest.mark.parametrize("case", FILE_CASES, ids=[case.id for case in FILE_CASES])
def test_without_files_option_file_reads_and_writes_are_left_out(case) -> None:
    lineage = run_case(case, files=False)
    assert set(lineage.reads) == case.reads - case.files
    assert set(lineage.writes) == case.writes - case.files
    if case.flows is not None:
        assert flow_set(lineage) == {
            (source, target)
            for source, target in case.flows
            if source not in case.files and target not in case.files
        }
    assert lineage.files == []
    assert not any(
        source.startswith('file."') for mapping in lineage.columns for source in mapping.sources
    )


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_table_level_only_gives_the_same_tables(case) -> None:
    lineage = run_case(case, columns=False)
    assert set(lineage.reads) == case.reads
    assert set(lineage.writes) == case.writes
    if case.flows is not None:
        assert flow_set(lineage) == case.flows
    assert lineage.columns == []


def test_corpus_is_large_and_covers_every_dialect() -> None:
    assert len(CASES) >= 150
    dialects = {case.dialect for case in CASES}
    assert set(REQUIRED_DIALECTS) <= dialects
    categories = {case.category for case in CASES}
    for category in categories:
        in_category = {case.dialect for case in CASES if case.category == category}
        assert len(in_category) >= 4, f"{category} covers only {sorted(in_category, key=str)}"


def test_reads_and_writes_are_sorted_and_unique() -> None:
    lineage = extract_lineage(
        "INSERT INTO z SELECT * FROM b; INSERT INTO a SELECT * FROM b JOIN c ON b.id = c.id",
        "postgres",
    )
    assert lineage.reads == ["b", "c"]
    assert lineage.writes == ["a", "z"]


def test_unknown_dialect_is_an_invalid_argument() -> None:
    with pytest.raises(InvalidArgument, match="Unknown SQL dialect"):
        extract_lineage("SELECT 1", "klingon")


def test_postgresql_is_an_alias_and_dialect_is_reported() -> None:
    assert extract_lineage("SELECT 1", "PostgreSQL").dialect == "postgres"
    assert extract_lineage("SELECT 1").dialect is None


def test_invalid_default_schema_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        extract_lineage("SELECT 1", "postgres", default_schema="a.b")


def test_non_string_sql_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        extract_lineage(b"SELECT 1", "postgres")  # type: ignore[arg-type]


def test_supported_dialects_include_the_required_ones() -> None:
    assert set(REQUIRED_DIALECTS) <= set(SUPPORTED_DIALECTS)


def test_empty_and_whitespace_sql_give_an_empty_result() -> None:
    for text in ("", "   \n\t", ";;;", "-- just a comment"):
        lineage = extract_lineage(text, "postgres")
        assert (lineage.reads, lineage.writes, lineage.columns) == ([], [], [])


def test_garbage_returns_warnings_not_exceptions() -> None:
    lineage = extract_lineage("this is not SQL at all )(", "snowflake")
    assert lineage.warnings
    assert lineage.reads == [] and lineage.writes == []


def test_warning_names_the_statement_and_line() -> None:
    sql = "INSERT INTO a SELECT * FROM b;\n\nINSERT INTO c SELEC x FROM d;"
    lineage = extract_lineage(sql, "postgres")
    assert any("statement 2 (line 3)" in w for w in lineage.warnings), lineage.warnings
    assert lineage.writes == ["a", "c"]


def test_ambiguity_warning_names_every_candidate_source() -> None:
    sql = (
        "INSERT INTO t SELECT a FROM (SELECT * FROM raw.x) AS p, (SELECT * FROM raw.y), "
        "raw.z; INSERT INTO u SELECT b FROM (SELECT * FROM raw.x), (SELECT * FROM raw.y); "
        "INSERT INTO v SELECT c FROM raw.w, UNNEST(arr)"
    )
    warnings = [w for w in extract_lineage(sql, "postgres").warnings if "ambiguous" in w]
    assert warnings == [
        "column 'a' is ambiguous: it could come from an unaliased subquery on raw.y, "
        "p (a subquery on raw.x), raw.z; qualify it or pass schema=",
        "column 'b' is ambiguous: it could come from an unaliased subquery on raw.x, "
        "an unaliased subquery on raw.y; qualify it or pass schema=",
        "column 'c' is ambiguous: it could come from UNNEST(arr), raw.w; "
        "qualify it or pass schema=",
    ]


def test_ambiguous_column_warns_and_schema_resolves_it() -> None:
    sql = "INSERT INTO t SELECT amount FROM orders o JOIN customers c ON c.id = o.customer_id"
    lineage = extract_lineage(sql, "postgres")
    assert any("ambiguous" in w and "'amount'" in w for w in lineage.warnings)
    assert lineage.columns == []
    resolved = extract_lineage(
        sql, "postgres", schema={"orders": ["id", "customer_id", "amount"], "customers": ["id"]}
    )
    assert column_set(resolved) == {("t.amount", ("orders.amount",))}
    assert not resolved.warnings


def test_schema_keys_match_partly_qualified_names() -> None:
    lineage = extract_lineage(
        "INSERT INTO mart.t SELECT * FROM raw.orders", "snowflake", schema={"ORDERS": ["ID"]}
    )
    assert column_set(lineage) == {("mart.t.id", ("raw.orders.id",))}


def test_mappings_merge_across_statements() -> None:
    lineage = extract_lineage(
        "INSERT INTO t (a) SELECT x FROM s1; INSERT INTO t (a) SELECT SUM(y) FROM s2",
        "duckdb",
    )
    [mapping] = lineage.columns
    assert mapping.target == "t.a"
    assert mapping.sources == ["s1.x", "s2.y"]
    assert mapping.transformation == "aggregate"


def test_json_shape_is_camel_case_ready() -> None:
    document = extract_lineage("INSERT INTO t SELECT a FROM s", "postgres").to_json()
    assert document["reads"] == ["s"]
    assert document["columns"] == [
        {"target": "t.a", "sources": ["s.a"], "transformation": "identity"}
    ]


def test_deeply_nested_sql_does_not_raise() -> None:
    sql = "SELECT " + "(" * 3000 + "1" + ")" * 3000
    lineage = extract_lineage(sql, "postgres")
    assert isinstance(lineage, SqlLineage)


def test_many_statements_keep_their_order_for_temporary_tables() -> None:
    script = ";\n".join(
        [
            "CREATE TEMP TABLE t1 AS SELECT id FROM src",
            *[f"CREATE TEMP TABLE t{i + 1} AS SELECT id FROM t{i}" for i in range(1, 40)],
            "INSERT INTO dst SELECT id FROM t40",
        ]
    )
    lineage = extract_lineage(script, "postgres")
    assert lineage.reads == ["src"]
    assert lineage.writes == ["dst"]
    assert flow_set(lineage) == {("src", "dst")}
    assert column_set(lineage) == {("dst.id", ("src.id",))}


def test_split_statements_follows_the_tokeniser() -> None:
    script = "SELECT ';' AS a; -- x; y\nINSERT INTO t SELECT 1;\n\n;"
    assert split_statements(script, "postgres") == ["SELECT ';' AS a", "INSERT INTO t SELECT 1"]
    assert split_statements("SELECT 1\nGO\nSELECT 2\nGO", "tsql") == ["SELECT 1", "SELECT 2"]


def test_every_case_states_its_columns_or_its_warnings() -> None:
    unstated = [case.id for case in CASES if case.columns is None and case.warnings is None]
    assert unstated == []


def test_every_case_states_its_flows() -> None:
    assert [case.id for case in CASES if case.flows is None] == []


def test_flows_pair_each_write_with_its_own_statement_reads() -> None:
    sql = (
        "CREATE TABLE trips AS SELECT * FROM raw; COPY (SELECT * FROM trips) TO 'out.csv'; "
        "INSERT INTO summary SELECT count(*) FROM other"
    )
    lineage = extract_lineage(sql, "duckdb", files=True)
    assert lineage.flows == [
        TableFlow(source="other", target="summary"),
        TableFlow(source="raw", target="trips"),
        TableFlow(source="trips", target='file."out.csv"'),
    ]
    assert lineage.to_json()["flows"][0] == {"source": "other", "target": "summary"}


def test_flows_are_deduplicated_and_leave_self_flows_out() -> None:
    sql = (
        "INSERT INTO t SELECT * FROM s; INSERT INTO t SELECT * FROM s JOIN t USING (id); "
        "INSERT INTO u SELECT * FROM u"
    )
    lineage = extract_lineage(sql, "postgres")
    assert flow_set(lineage) == {("s", "t")}
    assert len(lineage.flows) == 1


def test_parse_failure_is_a_parse_error_of_its_statement() -> None:
    sql = "INSERT INTO a SELECT * FROM b;\n\nINSERT INTO c SELEC x FROM d;"
    lineage = extract_lineage(sql, "postgres")
    [error] = lineage.errors
    assert (error.kind, error.statement, error.line) == ("parse", 2, 3)
    assert "could not parse" in error.message


def test_opaque_command_is_an_unsupported_error() -> None:
    sql = "CREATE TRIGGER trg ON dbo.accounts AFTER UPDATE AS INSERT INTO dbo.audit SELECT 1"
    lineage = extract_lineage(sql, "tsql")
    assert lineage.writes == ["dbo.audit"]
    assert [(e.kind, e.statement, e.line) for e in lineage.errors] == [("unsupported", 1, 1)]


def test_internal_crash_is_an_error_and_the_rest_of_the_script_is_kept(monkeypatch) -> None:
    def crash(tree, statement, names):
        raise RuntimeError("handler bug")

    insert = next(kind for kind in HANDLERS if kind.__name__ == "Insert")
    monkeypatch.setitem(HANDLERS, insert, crash)
    sql = (
        "CREATE TABLE stage AS SELECT id, amount FROM raw.orders;\n"
        "INSERT INTO mart.orders SELECT id, amount FROM stage;\n"
        "CREATE TABLE mart.audit AS SELECT id FROM raw.audit;"
    )
    lineage = extract_lineage(sql, "postgres")
    assert [error.model_dump() for error in lineage.errors] == [
        {"kind": "internal", "message": "RuntimeError: handler bug", "statement": 2, "line": 2}
    ]
    assert any("statement 2 (line 2): lineage analysis failed" in w for w in lineage.warnings)
    assert lineage.reads == ["raw.audit", "raw.orders", "stage"]  # statement 2 from the scan
    assert lineage.writes == ["mart.audit", "mart.orders", "stage"]
    assert column_set(lineage) == {
        ("stage.id", ("raw.orders.id",)),
        ("stage.amount", ("raw.orders.amount",)),
        ("mart.audit.id", ("raw.audit.id",)),
    }


def test_crash_in_column_lineage_keeps_the_statement_tables(monkeypatch) -> None:
    def crash(insert, queries):
        raise KeyError("mapping bug")

    monkeypatch.setattr(tables, "insert_flows", crash)
    lineage = extract_lineage("INSERT INTO t SELECT a FROM s; INSERT INTO u SELECT b FROM v", None)
    assert (lineage.reads, lineage.writes, lineage.columns) == (["s", "v"], ["t", "u"], [])
    assert [(e.kind, e.statement) for e in lineage.errors] == [("internal", 1), ("internal", 2)]
    assert any("column lineage skipped" in w for w in lineage.warnings)


def test_a_comment_between_broken_statements_is_no_crash() -> None:
    lineage = extract_lineage("-- note\n; INSERT INTO t SELECT 'open", None)
    assert [e.kind for e in lineage.errors] == ["parse"]
    assert lineage.writes == ["t"]


def test_errors_are_part_of_the_json() -> None:
    document = extract_lineage("INSERT INTO c SELEC x FROM d", "postgres").to_json()
    [error] = document["errors"]
    assert (error["kind"], error["statement"], error["line"]) == ("parse", 1, 1)


def test_importing_lineage_core_leaves_sqlglot_for_first_use() -> None:
    code = (
        "import sys, lineage_core; before = 'sqlglot' in sys.modules; "
        "from lineage_core import extract_lineage, split_statements; "
        "import lineage_core.sql as sql; "
        "print(before, extract_lineage is sql.extract_lineage, "
        "split_statements is sql.split_statements)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.split() == ["False", "True", "True"]


def test_identifiers_fold_by_the_dialect_case_rule() -> None:
    sql = "WITH Recent AS (SELECT Id FROM Raw.Orders) INSERT INTO Mart.Orders SELECT Id FROM recent"
    folded = extract_lineage(sql, "postgres")
    assert (folded.reads, folded.writes) == (["raw.orders"], ["mart.orders"])
    kept = extract_lineage(sql, "fabric")  # case-sensitive: "recent" is not the CTE "Recent"
    assert (kept.reads, kept.writes) == (['"Raw"."Orders"', "recent"], ['"Mart"."Orders"'])
    assert column_set(kept) == {('"Mart"."Orders"."Id"', ('recent."Id"',))}
