"""Capture without Dagster: declarations, a run's edges, and writing a run to the store."""

from __future__ import annotations

from datetime import UTC, datetime

from lineage_core.capture import (
    COLUMNS,
    READS,
    SQL,
    WRITES,
    RunLineage,
    apply_run,
    assemble_run,
    parse_declaration,
)
from lineage_core.propagation import StepLineage

AT = datetime(2026, 12, 1, 12, tzinfo=UTC)


def test_a_declaration_normalises_names_and_parses_sql():
    found = parse_declaration(
        {
            READS: ["Shop.Raw.Orders"],
            WRITES: "shop.mart.facts",
            SQL: "INSERT INTO shop.mart.daily SELECT id FROM shop.stg.orders",
            COLUMNS: [{"target": "shop.mart.facts.Total", "sources": ["Shop.Raw.Orders.amount"]}],
        },
        where="step load",
    )
    assert found.reads == {"shop.raw.orders", "shop.stg.orders"}
    assert found.writes == {"shop.mart.facts", "shop.mart.daily"}
    mappings = [(c.target, c.sources) for c in found.columns]
    assert ("shop.mart.facts.total", ["shop.raw.orders.amount"]) in mappings
    assert ("shop.mart.daily.id", ["shop.stg.orders.id"]) in mappings
    assert found.errors == []


def test_bad_values_become_errors_and_the_good_ones_are_kept():
    found = parse_declaration(
        {READS: 42, WRITES: ["ok.target", "bad..name"], COLUMNS: [{"target": "nodot"}]},
        where="step s",
    )
    assert found.reads == set() and found.writes == {"ok.target"}
    assert len(found.errors) == 3
    assert found.errors[0] == "step s: lineage/reads must be a list of table names, got int"
    assert found.errors[1].startswith("step s: lineage/writes: Invalid qualified name 'bad..name'")
    assert found.errors[2].startswith("step s: lineage/columns: invalid mapping")


def test_the_dialect_decides_identifier_case():
    quoted = {READS: ['"Orders"'], "lineage/dialect": "snowflake"}
    assert parse_declaration(quoted, where="s").reads == {'"Orders"'}
    assert parse_declaration({READS: ['"ORDERS"']}, where="s", dialect="snowflake").reads == {
        "orders"
    }


def _run(status: str = "SUCCESS", run_id: str = "r1") -> RunLineage:
    return RunLineage(
        run_id=run_id, job="etl", code_location="loc", status=status, started_at=AT,
        completed_at=AT,
    )  # fmt: skip


def test_a_run_records_its_edges_and_every_table_a_succeeded_step_wrote():
    steps = [
        StepLineage("extract", reads={"raw.a"}),
        StepLineage("load", upstream=["extract"], writes={"mart.a"}),
        StepLineage("log_only", writes={"mart.log"}),
        StepLineage("broken", writes={"mart.b"}, succeeded=False),
    ]
    lineage = assemble_run(_run(), steps)
    assert [(e.source, e.target, e.op, e.job, e.run_id) for e in lineage.edges] == [
        ("raw.a", "mart.a", "load", "etl", "r1")
    ]
    assert lineage.written == {("load", "mart.a"): {"raw.a"}, ("log_only", "mart.log"): set()}
    assert lineage.assets == {"raw.a", "mart.a", "mart.log", "mart.b"}


def test_applying_a_run_twice_counts_it_once(store):
    lineage = assemble_run(_run(), [StepLineage("s", reads={"raw.a"}, writes={"mart.a"})])
    first = apply_run(store, lineage)
    again = apply_run(store, lineage)
    assert (first.edges_seen, first.edges_created, again.edges_created) == (1, 1, 0)
    [edge] = store.edges()
    assert edge.execution_count == 1
    [execution] = store.executions()
    assert (execution["run_id"], execution["edges_created"], execution["assets_discovered"]) == (
        "r1",
        0,  # the second application replaced the row: nothing new then
        2,
    )


def test_only_a_successful_run_retires_the_edges_it_no_longer_produced(store):
    old = [StepLineage("s", reads={"raw.old"}, writes={"mart.a"})]
    new = [StepLineage("s", reads={"raw.new"}, writes={"mart.a"})]
    apply_run(store, assemble_run(_run(run_id="r1"), old))
    failed = apply_run(store, assemble_run(_run(status="FAILURE", run_id="r2"), new))
    assert failed.edges_retired == 0
    assert {e.source for e in store.edges("mart.a")} == {"raw.old", "raw.new"}
    succeeded = apply_run(store, assemble_run(_run(run_id="r3"), new))
    assert succeeded.edges_retired == 1
    assert {e.source for e in store.edges("mart.a")} == {"raw.new"}
    assert {e.source for e in store.edges("mart.a", include_retired=True)} == {
        "raw.old",
        "raw.new",
    }


def test_errors_of_a_run_are_kept_on_its_execution(store):
    lineage = _run()
    lineage.errors.append("step s: lineage/reads must be a list of table names, got int")
    assert apply_run(store, lineage).had_errors
    assert store.executions()[0]["errors"] == lineage.errors
