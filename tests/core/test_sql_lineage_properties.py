"""Property tests: no SQL text, however broken, makes extraction raise, or crash inside.

Extraction catches everything, so "never raises" alone would pass over an internal crash;
the typed errors on the result tell a crash apart from SQL that sqlglot cannot read.
"""

from __future__ import annotations

import importlib.util
import sys
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
    assert [error for error in lineage.errors if error.kind == "internal"] == []


@settings(settings.get_profile("sql"))
@given(text=st.text(max_size=300), dialect=st.sampled_from(DIALECTS))
def test_arbitrary_text_never_raises(text: str, dialect: str | None) -> None:
    assert_valid(extract_lineage(text, dialect), dialect)


@settings(settings.get_profile("sql"))
@given(
    words=st.lists(st.sampled_from(SQL_WORDS), max_size=60),
    dialect=st.sampled_from(DIALECTS),
)
def test_sql_shaped_token_soup_never_raises(words: list[str], dialect: str | None) -> None:
    assert_valid(extract_lineage(" ".join(words), dialect), dialect)


@settings(settings.get_profile("sql"))
@given(case=st.sampled_from(CASES), cut=st.floats(min_value=0.0, max_value=1.0))
def test_truncated_fixture_sql_never_raises(case, cut: float) -> None:
    prefix = case.sql[: int(len(case.sql) * cut)]
    lineage = extract_lineage(prefix, case.dialect, schema=case.schema or None)
    assert_valid(lineage, case.dialect)


@settings(settings.get_profile("sql"))
@given(case=st.sampled_from(CASES), data=st.data())
def test_fixture_sql_with_a_character_removed_never_raises(case, data) -> None:
    if not case.sql:
        return
    position = data.draw(st.integers(min_value=0, max_value=len(case.sql) - 1))
    damaged = case.sql[:position] + case.sql[position + 1 :]
    assert_valid(extract_lineage(damaged, case.dialect), case.dialect)
