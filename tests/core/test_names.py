"""Qualified names: one canonical form per table, clear errors for everything else."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lineage_core import InvalidName, normalise_name, parse_name, qualify


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
