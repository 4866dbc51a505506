"""``propagate``: which tables each write of a run was made from, over the run's step graph."""

from __future__ import annotations

import pytest

from lineage_core.models import ColumnMapping, EdgeColumn
from lineage_core.propagation import StepLineage, propagate


def _edges(steps):
    return {(e.source, e.target, e.step, e.transformation) for e in propagate(steps)}


def test_reads_flow_through_pass_through_steps_to_the_write():
    steps = [
        StepLineage("extract", reads={"raw.orders"}),
        StepLineage("clean", upstream=["extract"]),
        StepLineage("load", upstream=["clean"], writes={"mart.orders"}),
    ]
    assert _edges(steps) == {("raw.orders", "mart.orders", "load", "transform")}


def test_a_join_carries_the_union_of_its_inputs():
    steps = [
        StepLineage("orders", reads={"raw.orders"}),
        StepLineage("customers", reads={"raw.customers"}),
        StepLineage("join", upstream=["orders", "customers"], writes={"mart.facts"}),
    ]
    assert _edges(steps) == {
        ("raw.orders", "mart.facts", "join", "join"),
        ("raw.customers", "mart.facts", "join", "join"),
    }


def test_a_step_that_writes_carries_its_tables_not_its_sources():
    steps = [
        StepLineage("extract", reads={"raw.a"}),
        StepLineage("stage", upstream=["extract"], writes={"stg.a"}),
        StepLineage("publish", upstream=["stage"], writes={"mart.a"}),
    ]
    assert _edges(steps) == {
        ("raw.a", "stg.a", "stage", "transform"),
        ("stg.a", "mart.a", "publish", "transform"),
    }


def test_a_step_that_did_not_succeed_gives_no_edges_but_still_carries():
    steps = [
        StepLineage("extract", reads={"raw.a"}),
        StepLineage("stage", upstream=["extract"], writes={"stg.a"}, succeeded=False),
        StepLineage("after", upstream=["stage"], writes={"mart.a"}),
    ]
    assert _edges(steps) == {("stg.a", "mart.a", "after", "transform")}


@pytest.mark.parametrize(
    ("reads", "upstream", "sql", "expected"),
    [
        ({"raw.a"}, [], None, "load"),
        (set(), ["one"], None, "transform"),
        ({"raw.b"}, ["one"], None, "join"),
        ({"raw.a"}, [], "INSERT INTO t SELECT * FROM raw.a", "sql"),
    ],
    ids=["reads only", "one input", "read plus input", "sql"],
)
def test_the_transformation_label_follows_the_inputs(reads, upstream, sql, expected):
    steps = [
        StepLineage("one", reads={"raw.one"}),
        StepLineage("step", upstream=upstream, reads=reads, writes={"out.t"}, sql=sql),
    ]
    assert {kind for _, target, step, kind in _edges(steps) if step == "step"} == {expected}


def test_asset_steps_take_edges_from_asset_deps_not_from_each_other():
    """A multi-asset's outputs would otherwise each get every input of the step."""
    steps = [
        StepLineage("a", writes={"t.a"}, materializes_assets=True),
        StepLineage(
            "b",
            upstream=["a"],
            writes={"t.b", "t.c"},
            materializes_assets=True,
            explicit=[("t.a", "t.b", "asset")],
        ),
    ]
    assert _edges(steps) == {("t.a", "t.b", "b", "asset")}


def test_steps_are_ordered_upstream_first_whatever_the_input_order():
    steps = [
        StepLineage("load", upstream=["clean"], writes={"mart.t"}),
        StepLineage("clean", upstream=["extract"]),
        StepLineage("extract", reads={"raw.t"}),
    ]
    assert _edges(steps) == {("raw.t", "mart.t", "load", "transform")}


def test_a_cycle_in_the_step_graph_does_not_stop_propagation():
    steps = [
        StepLineage("a", upstream=["b"], reads={"raw.x"}, writes={"t.a"}),
        StepLineage("b", upstream=["a"], writes={"t.b"}),
    ]
    assert _edges(steps) == {("raw.x", "t.a", "a", "load"), ("t.a", "t.b", "b", "transform")}


def test_self_loops_are_dropped_and_edges_deduplicated():
    steps = [StepLineage("s", reads={"t.a", "t.b"}, writes={"t.a"})]
    assert _edges(steps) == {("t.b", "t.a", "s", "load")}


def test_column_mappings_land_on_the_edge_between_their_tables():
    steps = [
        StepLineage(
            "s",
            reads={"raw.a", "raw.b"},
            writes={"mart.t"},
            columns=[
                ColumnMapping(
                    target="mart.t.total", sources=["raw.a.amount"], transformation="sum"
                ),
                ColumnMapping(target="mart.t.name", sources=["raw.b.name"]),
            ],
        )
    ]
    by_source = {e.source: e.columns for e in propagate(steps)}
    assert by_source["raw.a"] == (
        EdgeColumn(source="amount", target="total", transformation="sum"),
    )
    assert by_source["raw.b"] == (EdgeColumn(source="name", target="name"),)


def test_sql_flows_replace_the_cross_product_of_its_reads_and_writes():
    steps = [
        StepLineage(
            "script",
            reads={"raw.a", "raw.b", "ref.lookup"},
            writes={"mart.t", "mart.u", "mart.v"},
            sql="...",
            flows={("raw.a", "mart.t"), ("raw.b", "mart.u")},
            sql_reads={"raw.a", "raw.b", "ref.lookup"},
            sql_writes={"mart.t", "mart.u"},
        )
    ]
    # The tables the SQL wrote take the flows' sources only; mart.v, written by the step's own
    # code (declared), takes every read, as before.
    assert _edges(steps) == {
        ("raw.a", "mart.t", "script", "sql"),
        ("raw.b", "mart.u", "script", "sql"),
        ("raw.a", "mart.v", "script", "sql"),
        ("raw.b", "mart.v", "script", "sql"),
        ("ref.lookup", "mart.v", "script", "sql"),
    }


def test_what_upstream_steps_carry_still_reaches_every_write_of_a_sql_step():
    steps = [
        StepLineage("extract", reads={"raw.events"}),
        StepLineage(
            "load",
            upstream=["extract"],
            reads={"raw.a"},
            writes={"mart.t"},
            sql="...",
            flows={("raw.a", "mart.t")},
            sql_reads={"raw.a"},
            sql_writes={"mart.t"},
        ),
    ]
    assert _edges(steps) == {
        ("raw.a", "mart.t", "load", "sql"),
        ("raw.events", "mart.t", "load", "sql"),
    }
