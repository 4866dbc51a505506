"""Qualified names: one canonical form per table, clear errors for everything else."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lineage_core import InvalidName, normalise_name, parse_name, qualify
from lineage_core.names import CaseRule, case_rule, normalise_part
from lineage_core.sql import SUPPORTED_DIALECTS
from lineage_core.sql.dialects import sqlglot_dialect


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Sales.Orders", "sales.orders"),
        ("  sales . orders ", "sales.orders"),
        ('"Sales".orders', '"Sales".orders'),
        ('"sales"."orders"', "sales.orders"),
        ("db.schema.table", "db.schema.table"),
        ('db."a.b".t', 'db."a.b".t'),
        ("[dbo].[Orders]", 'dbo."Orders"'),
        ("`proj`.ds.t", "proj.ds.t"),
        ('"say ""hi"""', '"say ""hi"""'),
        ("my-project.dataset.events", '"my-project".dataset.events'),
        ("#temp_orders", '"#temp_orders"'),
    ],
)
def test_names_normalise_to_one_canonical_form(raw, canonical):
    assert normalise_name(raw) == canonical
    assert normalise_name(canonical) == canonical  # canonical forms are fixed points


def test_case_follows_the_dialect():
    assert normalise_name('"ORDERS"', "snowflake") == "orders"  # unquoted folds to upper there
    assert normalise_name('"Orders"', "snowflake") == '"Orders"'
    assert normalise_name('"Orders"', "bigquery") == "orders"  # case-insensitive dialect
    assert normalise_name('"Orders"', "postgres") == '"Orders"'


def test_parts():
    name = parse_name("Warehouse.Raw.Orders")
    assert (name.database, name.schema, name.table) == ("warehouse", "raw", "orders")
    assert parse_name("orders").schema is None


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("a..b", "part 2 is empty"),
        ("a.", "part 2 is empty"),
        (".a", "part 1 is empty"),
        ("a.b.c.d", "more than 3 parts"),
        ('"abc', "unterminated"),
        ('"a"b', "after a quoted identifier"),
        ("x; DROP TABLE y", "may only hold"),
        ("x" * 501, "longer than 500"),
    ],
)
def test_bad_names_are_refused_with_the_reason(raw, why):
    with pytest.raises(InvalidName, match=why):
        normalise_name(raw)


def test_qualify_completes_missing_parts():
    assert qualify("orders", default_schema="Raw", default_database="WH") == "wh.raw.orders"
    assert qualify("s.orders", default_schema="raw", default_database="wh") == "wh.s.orders"
    assert qualify("a.b.c", default_schema="x", default_database="y") == "a.b.c"


@given(st.text(max_size=60))
def test_any_text_either_normalises_stably_or_is_refused(text):
    try:
        canonical = normalise_name(text)
    except InvalidName:
        return
    assert normalise_name(canonical) == canonical
    assert len(canonical) <= 3 * 500


# Dialects whose case rule differs from sqlglot's on purpose: (our rule, sqlglot's, why).
KEPT_APART = {
    "mysql": (
        CaseRule.CASE_INSENSITIVE,
        "CASE_SENSITIVE",
        "sqlglot follows MySQL on Linux (lower_case_table_names=0); MySQL itself folds column "
        "names on every server and table names on Windows and macOS, and a case-sensitive rule "
        "would change the key of every unquoted mixed-case name already stored",
    ),
    "clickhouse": (
        CaseRule.LOWERCASE,
        "CASE_SENSITIVE",
        "unquoted names fold to the store's lower-case form, as in PostgreSQL; a case-sensitive "
        "rule would change the key of every unquoted mixed-case name already stored",
    ),
}


@pytest.mark.parametrize("dialect", SUPPORTED_DIALECTS)
def test_case_rule_agrees_with_sqlglot(dialect):
    """sqlglot's normalisation strategy, read from the dialect object the extractor uses."""
    strategy = sqlglot_dialect(dialect).NORMALIZATION_STRATEGY.name
    if dialect in KEPT_APART:
        rule, sqlglot_strategy, _why = KEPT_APART[dialect]
        assert (case_rule(dialect), strategy) == (rule, sqlglot_strategy)
    else:
        assert case_rule(dialect).name == strategy


def test_case_sensitive_dialects_keep_case_quoted_or_not():
    assert normalise_name("Sales.orders", "fabric") == '"Sales".orders'
    assert normalise_name('"Sales".orders', "fabric") == '"Sales".orders'
    assert normalise_part("Sales", quoted=False, dialect="doris") == "Sales"


@pytest.mark.parametrize(
    ("dialect", "quoted"),
    [("snowflake", True), ("postgres", True), ("bigquery", True), ("fabric", False)],
)
def test_normalise_part_is_the_part_parse_name_keeps(dialect, quoted):
    for text in ("orders", "Orders", "ORDERS"):
        written = f'"{text}"' if quoted else text
        assert normalise_part(text, quoted=quoted, dialect=dialect) == (
            parse_name(written, dialect).table
        )
