"""Property tests: no SQL text, however broken, makes extraction raise, or crash inside.

Extraction catches everything, so "never raises" alone would pass over an internal crash;
the typed errors on the result tell a crash apart from SQL that sqlglot cannot read. Table
flows are held to their invariants on every result, and generated scripts of simple
statements over a few real and temporary tables check them against a model of the script.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage_core.models import SqlLineage
from lineage_core.names import normalise_name
from lineage_core.sql import extract_lineage

_CASES_PATH = Path(__file__).parent / "sql_fixtures" / "cases.py"
_spec = importlib.util.spec_from_file_location("sql_fixture_cases", _CASES_PATH)
assert _spec is not None and _spec.loader is not None
cases_module = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("sql_fixture_cases", cases_module)
_spec.loader.exec_module(cases_module)

CASES = cases_module.load_cases()
DIALECTS = [None, *sorted({case.dialect for case in CASES if case.dialect})]
SQL_WORDS = [
    "SELECT",
    "INSERT",
    "INTO",
    "UPDATE",
    "DELETE",
    "MERGE",
    "USING",
    "WHEN",
    "MATCHED",
    "THEN",
    "FROM",
    "JOIN",
    "ON",
    "WHERE",
    "WITH",
    "AS",
    "CREATE",
    "TEMP",
    "TABLE",
    "VIEW",
    "DROP",
    "COPY",
    "TO",
    "SET",
    "VALUES",
    "UNION",
    "ALL",
    "GO",
    "BEGIN",
    "END",
    "OUTPUT",
    "(",
    ")",
    ",",
    ";",
    ".",
    "*",
    "=",
    "'",
    '"',
    "`",
    "[",
    "]",
    "$$",
    "--",
    "/*",
    "*/",
    "@s",
    "#t",
    "a",
    "b.c",
    "d.e.f",
    "1",
    "'x'",
    "\n",
    "IDENTIFIER",
    "('a.b')",
    "$v",
    ":p",
    "read_parquet",
    "'data/x.csv'",
    "PROMPT",
    "FETCH",
    "NEXT",
    "DISTINCT",
    "STATISTICS",
    "-",
    "+=",
]
settings.register_profile(
    "sql", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=150
)


def assert_valid(lineage: SqlLineage, dialect: str | None) -> None:
    assert isinstance(lineage, SqlLineage)
    assert lineage.reads == sorted(set(lineage.reads))
    assert lineage.writes == sorted(set(lineage.writes))
    for name in [*lineage.reads, *lineage.writes]:
        assert normalise_name(name) == name
    for mapping in lineage.columns:
        assert mapping.sources
    assert set(lineage.files) <= {*lineage.reads, *lineage.writes}
    flows = [(flow.source, flow.target) for flow in lineage.flows]
    assert flows == sorted(set(flows))
    for source, target in flows:  # reads and writes never name a temporary table
        assert source in lineage.reads and target in lineage.writes and source != target
    assert [error for error in lineage.errors if error.kind == "internal"] == []


@settings(settings.get_profile("sql"))
@given(text=st.text(max_size=300), dialect=st.sampled_from(DIALECTS))
def test_arbitrary_text_never_raises(text: str, dialect: str | None) -> None:
    assert_valid(extract_lineage(text, dialect), dialect)


@settings(settings.get_profile("sql"))
@given(
    words=st.lists(st.sampled_from(SQL_WORDS), max_size=60),
    dialect=st.sampled_from(DIALECTS),
    files=st.booleans(),
)
def test_sql_shaped_token_soup_never_raises(
    words: list[str], dialect: str | None, files: bool
) -> None:
    assert_valid(extract_lineage(" ".join(words), dialect, files=files), dialect)


@settings(settings.get_profile("sql"))
@given(case=st.sampled_from(CASES), cut=st.floats(min_value=0.0, max_value=1.0))
def test_truncated_fixture_sql_never_raises(case, cut: float) -> None:
    prefix = case.sql[: int(len(case.sql) * cut)]
    files = case.files is not None
    lineage = extract_lineage(prefix, case.dialect, schema=case.schema or None, files=files)
    assert_valid(lineage, case.dialect)


@settings(settings.get_profile("sql"))
@given(case=st.sampled_from(CASES), data=st.data())
def test_fixture_sql_with_a_character_removed_never_raises(case, data) -> None:
    if not case.sql:
        return
    position = data.draw(st.integers(min_value=0, max_value=len(case.sql) - 1))
    damaged = case.sql[:position] + case.sql[position + 1 :]
    assert_valid(extract_lineage(damaged, case.dialect), case.dialect)


REAL_TABLES = ["a", "b", "c", "d"]
TEMP_TABLES = ["tmp1", "tmp2"]


@dataclass(frozen=True)
class Step:
    """One generated statement: what it writes, from what, and whether it creates or drops."""

    sql: str
    target: str
    sources: tuple[str, ...]
    creates_temp: bool = False
    drops: bool = False


@st.composite
def steps(draw: st.DrawFn) -> Step:
    sources = tuple(
        draw(st.lists(st.sampled_from(REAL_TABLES + TEMP_TABLES), min_size=1, max_size=2))
    )
    joined = " JOIN ".join(f"{name} AS s{i}" for i, name in enumerate(sources))
    query = f"SELECT s0.id FROM {joined}" + (" ON s1.id = s0.id" if len(sources) == 2 else "")
    temp, real = draw(st.sampled_from(TEMP_TABLES)), draw(st.sampled_from(REAL_TABLES))
    kind = draw(st.sampled_from(["temp", "drop", "insert", "create", "delete", "update", "merge"]))
    if kind == "temp":
        return Step(f"CREATE TEMP TABLE {temp} AS {query}", temp, sources, creates_temp=True)
    if kind == "drop":
        return Step(f"DROP TABLE {temp}", temp, (), drops=True)
    if kind == "insert":
        target = draw(st.sampled_from(REAL_TABLES + TEMP_TABLES))
        return Step(f"INSERT INTO {target} {query}", target, sources)
    if kind == "create":
        return Step(f"CREATE TABLE {real} AS {query}", real, sources)
    source = sources[0]
    if kind == "delete":
        return Step(f"DELETE FROM {real} WHERE id IN (SELECT id FROM {source})", real, (source,))
    if kind == "update":
        sql = f"UPDATE {real} SET v = x.v FROM {source} AS x WHERE x.id = {real}.id"
        return Step(sql, real, (source,))
    sql = f"MERGE INTO {real} USING {source} AS x ON {real}.id = x.id"
    return Step(f"{sql} WHEN MATCHED THEN UPDATE SET v = x.v", real, (source,))


def expected_flows(script: list[Step]) -> set[tuple[str, str]]:
    """The flows of a script, each statement's write made from each table it reads.

    A temporary table read stands for what it was made from so far: a CREATE starts it
    afresh, an INSERT adds to it, a DROP empties it. A name never created as temporary in
    the script is a real table, whatever it is called.
    """
    temporary = {step.target for step in script if step.creates_temp}
    made_from: dict[str, set[str]] = {}
    flows: set[tuple[str, str]] = set()
    for step in script:
        if step.drops:
            made_from.pop(step.target, None)
            continue
        sources: set[str] = set()
        for name in step.sources:
            sources |= made_from.get(name, set()) if name in temporary else {name}
        sources.discard(step.target)
        if step.target not in temporary:
            flows |= {(source, step.target) for source in sources}
        elif step.creates_temp:
            made_from[step.target] = sources
        else:
            made_from.setdefault(step.target, set()).update(sources)
    return flows


@settings(settings.get_profile("sql"))
@given(script=st.lists(steps(), min_size=1, max_size=8), columns=st.booleans())
def test_generated_scripts_have_the_flows_of_their_statements(
    script: list[Step], columns: bool
) -> None:
    lineage = extract_lineage(";\n".join(step.sql for step in script), "postgres", columns=columns)
    assert_valid(lineage, "postgres")
    assert lineage.errors == []
    assert {(flow.source, flow.target) for flow in lineage.flows} == expected_flows(script)
    temporary = {step.target for step in script if step.creates_temp}
    assert not temporary & {name for flow in lineage.flows for name in (flow.source, flow.target)}
    targets = {flow.target for flow in lineage.flows}
    for step in script:  # a write its statement made from a real table has a flow
        alone = extract_lineage(step.sql, "postgres", columns=False)
        assert set(alone.reads) == set(step.sources) or step.creates_temp
        if step.target not in temporary and set(alone.reads) - temporary - {step.target}:
            assert step.target in targets
