"""The pure stages of ``lineage check``: reading a change, judging a table, the report."""

from __future__ import annotations

import hashlib

import pytest

from lineage_core import AffectedJob, AssetNotFound, Edge, GraphNode, ImpactAnalysis
from lineage_core.change_impact import (
    ChangedText,
    DbtManifest,
    WrittenTable,
    assess_table,
    check_changes,
    read_changes,
    read_sql,
    summarise,
    written_tables,
)
from lineage_core.errors import InvalidArgument
from lineage_core.resolution import NameContext

SCRIPT = """
INSERT INTO stg.orders
SELECT o.id, o.amount - coalesce(r.amount, 0) AS amount
FROM raw.orders AS o LEFT JOIN raw.refunds AS r ON r.order_id = o.id;

CREATE TEMPORARY TABLE recent AS SELECT * FROM raw.customers WHERE created > '2024-01-01';
CREATE TABLE stg.customers AS SELECT c.*, s.segment FROM recent AS c JOIN segments AS s
  ON s.customer_id = c.id;
"""


def _impact(name: str, downstream: list[tuple[str, int]], jobs: dict[str, list[str]]):
    counts: dict[int, int] = {}
    for _, depth in downstream:
        counts[depth] = counts.get(depth, 0) + 1
    return ImpactAnalysis(
        asset_id="1",
        asset=name,
        max_depth=15,
        downstream_assets=[
            GraphNode(id=str(i), name=n, qualified_name=n, type="table", depth=d)
            for i, (n, d) in enumerate(downstream)
        ],
        affected_workflows=[
            AffectedJob(workflow_id=j, workflow_name=j, code_location="wh", ops=ops)
            for j, ops in jobs.items()
        ],
        code_locations=["wh"],
        counts_by_depth=counts,
        total_impacted_assets=len(downstream),
        total_impacted_workflows=len(jobs),
    )


def _edge(source: str, target: str, *, job: str = "etl", op: str = "load", active: bool = True):
    return Edge(id=0, source=source, target=target, job=job, op=op, active=active)


class FakeStore:
    """Answers the check's two questions from fixed data, remembering what it was asked."""

    def __init__(self, impacts: dict[str, ImpactAnalysis], edges: list[Edge]) -> None:
        self.impacts = impacts
        self.stored_edges = edges
        self.asked: list[tuple[str, int, int]] = []

    def impact(self, name, *, max_depth=15, live=False, limit=100):
        self.asked.append((name, max_depth, limit))
        if name not in self.impacts:
            raise AssetNotFound(name, ["wh.stg.order"])
        return self.impacts[name]

    def edges(self, name=None, *, limit=10_000):
        return [e for e in self.stored_edges if name in (e.source, e.target)]


# -- reading SQL -------------------------------------------------------------------------


def test_a_script_gives_each_written_table_its_own_sources_named_as_the_capture_names_them():
    names = NameContext.build(default_database="wh", aliases={"segments": "crm.public.seg"})
    changed = read_sql("etl.sql", SCRIPT, names=names)

    assert changed.kind == "sql"
    assert sorted(changed.writes) == ["wh.stg.customers", "wh.stg.orders"]
    assert {(f.source, f.target) for f in changed.flows} == {
        ("wh.raw.orders", "wh.stg.orders"), ("wh.raw.refunds", "wh.stg.orders"),
        ("wh.raw.customers", "wh.stg.customers"), ("crm.public.seg", "wh.stg.customers"),
    }  # fmt: skip
    assert changed.errors == [] and changed.notes == []


def test_sql_that_does_not_parse_keeps_what_could_be_read_and_says_why():
    changed = read_sql("bad.sql", "SELECT FROM WHERE (((;\nINSERT INTO t SELECT * FROM s;")

    assert changed.warnings and [e.kind for e in changed.errors] == ["parse"]
    assert changed.errors[0].statement == 1
    assert changed.writes == ["t"]
    assert written_tables([changed])["t"].partial


def test_a_script_that_writes_nothing_says_so():
    assert read_sql("q.sql", "SELECT * FROM raw.orders").notes == ["writes no table"]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (ChangedText("gone.sql", None, "not found"), "not checked: not found"),
        (ChangedText("seeds.csv", "id\n1\n"), "not checked: not a SQL file"),
        (ChangedText("m.sql", "select * from {{ ref('x') }}"), "--dbt-manifest"),
    ],
)
def test_files_that_cannot_be_read_as_sql_are_skipped_with_the_reason(change, why):
    [changed] = read_changes([change])
    assert changed.kind == "skipped" and why in changed.notes[0]
    assert changed.writes == []


def test_an_unknown_dialect_is_the_callers_error():
    with pytest.raises(InvalidArgument, match="Unknown SQL dialect"):
        read_changes([ChangedText("a.sql", "select 1")], dialect="klingon")


# -- reading dbt files -------------------------------------------------------------------

ORDERS_SQL = "select * from {{ ref('stg_orders') }}"


def _model(name: str, schema: str, parents: list[str], **extra) -> dict:
    return {
        "resource_type": "model",
        "package_name": "shop",
        "database": "wh",
        "schema": schema,
        "alias": name,
        "relation_name": f'"wh"."{schema}"."{name}"',
        "original_file_path": f"models/{schema}/{name}.sql",
        "path": f"{schema}/{name}.sql",
        "depends_on": {"nodes": parents, "macros": extra.pop("macros", [])},
        "config": {"enabled": True, "materialized": "table"},
        **extra,
    }


MANIFEST = {
    "metadata": {"project_name": "shop", "adapter_type": "duckdb"},
    "sources": {
        "source.shop.crm.customers": {
            "resource_type": "source",
            "database": "crm",
            "schema": "public",
            "identifier": "customers_v2",
            "name": "customers",
            "relation_name": '"crm"."public"."customers_v2"',
        }
    },
    "nodes": {
        "seed.shop.raw_orders": {
            "resource_type": "seed",
            "package_name": "shop",
            "database": "wh",
            "schema": "raw",
            "alias": "raw_orders",
            "relation_name": '"wh"."raw"."raw_orders"',
            "original_file_path": "seeds/raw_orders.csv",
            "path": "raw_orders.csv",
            "depends_on": {"nodes": [], "macros": []},
        },
        "model.shop.stg_orders": _model(
            "stg_orders", "staging", ["seed.shop.raw_orders"], macros=["macro.shop.cents"]
        ),
        "model.shop.orders": _model(
            "orders",
            "marts",
            ["model.shop.stg_orders", "source.shop.crm.customers"],
            checksum={
                "name": "sha256",
                "checksum": hashlib.sha256(ORDERS_SQL.encode()).hexdigest(),
            },
            compiled_code='select * from "wh"."staging"."stg_orders" join legacy.public.fx on 1=1',
        ),
        "test.shop.assert_positive": {
            "resource_type": "test",
            "package_name": "shop",
            "original_file_path": "tests/assert_positive.sql",
            "path": "assert_positive.sql",
            "depends_on": {"nodes": ["model.shop.orders"], "macros": []},
        },
        "model.other.vendored": {
            **_model("vendored", "staging", []),
            "package_name": "other",
        },
    },
    "macros": {
        "macro.shop.cents": {
            "resource_type": "macro",
            "package_name": "shop",
            "original_file_path": "macros/money.sql",
            "path": "macros/money.sql",
            "depends_on": {"macros": []},
        },
        "macro.shop.euros": {
            "resource_type": "macro",
            "package_name": "shop",
            "original_file_path": "macros/euros.sql",
            "path": "macros/euros.sql",
            "depends_on": {"macros": ["macro.shop.cents"]},
        },
    },
}


@pytest.fixture(name="project")
def fixture_project() -> DbtManifest:
    return DbtManifest(MANIFEST, NameContext())


@pytest.mark.parametrize(
    ("path", "nodes"),
    [
        ("repo/dbt/models/marts/orders.sql", ["model.shop.orders"]),
        ("models/marts/orders.sql", ["model.shop.orders"]),
        ("marts/orders.sql", ["model.shop.orders"]),  # from the models folder: its `path`
        ("C:\\repo\\models\\marts\\orders.sql", ["model.shop.orders"]),
        ("repo/macros/money.sql", ["macro.shop.cents"]),
        ("models/marts/refunds.sql", []),
        ("models/staging/vendored.sql", []),  # a file of an installed package is not ours
    ],
)
def test_a_dbt_file_is_found_by_the_end_of_its_path(project, path, nodes):
    assert project.nodes_of_file(path) == nodes


def test_a_model_is_made_from_its_depends_on_and_what_its_compiled_sql_names(project):
    changed = project.read_file("models/marts/orders.sql", ORDERS_SQL, ["model.shop.orders"])

    assert changed.kind == "dbt" and changed.dbt_nodes == ["model.shop.orders"]
    assert changed.writes == ["wh.marts.orders"]  # database.schema.alias, as dagster-dbt
    assert {(f.source, f.target) for f in changed.flows} == {
        ("wh.staging.stg_orders", "wh.marts.orders"),
        ("crm.public.customers_v2", "wh.marts.orders"),  # a source: its relation
        ("legacy.public.fx", "wh.marts.orders"),  # written out in the SQL, not a ref
    }
    assert changed.warnings == []  # the file is the one the manifest was built from


def test_a_file_edited_after_the_manifest_was_built_is_flagged(project):
    changed = project.read_file("models/marts/orders.sql", ORDERS_SQL + " where 1=1", [
        "model.shop.orders"
    ])  # fmt: skip
    assert "run `dbt parse`" in changed.warnings[0]


def test_a_changed_macro_stands_for_the_models_that_use_it_even_through_other_macros():
    manifest = {
        **MANIFEST,
        "nodes": {
            **MANIFEST["nodes"],
            "model.shop.euro_orders": _model(
                "euro_orders", "marts", [], macros=["macro.shop.euros"]
            ),
        },
    }
    [changed] = read_changes(
        [ChangedText("macros/money.sql", "{% macro cents() %}")], manifest=manifest
    )

    assert changed.writes == ["wh.marts.euro_orders", "wh.staging.stg_orders"]
    assert "dbt macro used by 2 model(s)" in changed.notes[0]
    assert ("wh.raw.raw_orders", "wh.staging.stg_orders") in {
        (f.source, f.target) for f in changed.flows
    }


def test_a_dbt_test_builds_no_table(project):
    changed = project.read_file("tests/assert_positive.sql", "select 1", [
        "test.shop.assert_positive"
    ])  # fmt: skip
    assert changed.writes == [] and changed.notes == [
        "dbt test: builds no table",
        "writes no table",
    ]


def test_a_dbt_file_the_manifest_does_not_know_asks_for_a_fresh_parse():
    [changed] = read_changes(
        [ChangedText("models/marts/refunds.sql", "select * from {{ ref('orders') }}")],
        manifest=MANIFEST,
    )
    assert changed.kind == "skipped" and "run `dbt parse` on this branch" in changed.notes[0]


def test_with_a_manifest_plain_sql_files_are_still_read_as_sql():
    [changed] = read_changes(
        [ChangedText("ops/fix.sql", "insert into a select * from b")], manifest=MANIFEST
    )
    assert changed.kind == "sql" and changed.writes == ["a"]


# -- judging one table -------------------------------------------------------------------


def test_new_and_removed_dependencies_are_judged_against_the_active_edges_into_the_table():
    written = WrittenTable(["etl.sql"], ["raw.orders", "raw.refunds"], partial=False)
    incoming = [
        _edge("raw.orders", "stg.orders"),
        _edge("raw.legacy", "stg.orders", job="backfill", op="load_old"),
        _edge("raw.legacy", "stg.orders", job="etl", op="load"),
        _edge("raw.gone", "stg.orders", active=False),  # retired: already gone
        _edge("stg.orders", "mart.revenue"),  # out of the table: not a dependency of it
    ]
    impact = _impact("stg.orders", [("mart.revenue", 1)], {"marts": ["revenue"]})

    table = assess_table("stg.orders", written, impact, incoming, max_downstream=5)

    assert table.known and table.new_dependencies == ["raw.refunds"]
    [removed] = table.removed_dependencies
    assert removed.source == "raw.legacy"
    assert [(c.job, c.op) for c in removed.recorded_by] == [
        ("backfill", "load_old"),
        ("etl", "load"),
    ]
    assert [(c.job, c.op) for c in table.written_by] == [("backfill", "load_old"), ("etl", "load")]
    assert (table.downstream_count, table.counts_by_depth, table.job_count) == (1, {1: 1}, 1)
    assert not table.over_threshold


def test_the_threshold_is_crossed_by_more_downstream_assets_than_allowed_not_as_many():
    written = WrittenTable(["a.sql"], ["s"], partial=False)
    impact = _impact("t", [("d1", 1), ("d2", 2)], {})
    assert not assess_table("t", written, impact, [], max_downstream=2).over_threshold
    assert assess_table("t", written, impact, [], max_downstream=1).over_threshold
    assert not assess_table("t", written, impact, []).over_threshold


def test_a_table_made_from_nothing_does_not_remove_its_recorded_sources():
    written = WrittenTable(["ddl.sql"], [], partial=False)
    table = assess_table("t", written, _impact("t", [], {}), [_edge("s", "t")])
    assert table.removed_dependencies == [] and table.new_dependencies == []
    assert "removed dependencies not judged" in table.notes[0]


def test_a_table_the_store_does_not_know_is_new_with_nothing_downstream():
    written = WrittenTable(["new.sql"], ["raw.orders"], partial=False)
    table = assess_table("new.t", written, None, [], max_downstream=0, suggestions=["new.t2"])
    assert not table.known and table.suggestions == ["new.t2"]
    assert (table.downstream_count, table.jobs, table.new_dependencies) == (0, [], ["raw.orders"])
    assert not table.over_threshold


def test_the_listing_is_capped_but_the_counts_are_not():
    impact = _impact("t", [(f"d{i}", 1) for i in range(3)], {})
    capped = impact.model_copy(
        update={"downstream_assets": impact.downstream_assets[:1], "total_impacted_assets": 30}
    )
    table = assess_table("t", WrittenTable(["a.sql"], [], False), capped, [])
    assert (table.downstream_count, len(table.downstream), table.more_downstream) == (30, 1, 29)
    assert table.to_json()["moreDownstream"] == 29


# -- the report --------------------------------------------------------------------------


def test_tables_written_by_several_files_are_judged_once_with_every_source():
    a = read_sql("a.sql", "insert into t select * from s1")
    b = read_sql("b.sql", "insert into t select * from s2; insert into u select * from t")
    found = written_tables([a, b])
    assert list(found) == ["t", "u"]
    assert (found["t"].files, found["t"].sources) == (["a.sql", "b.sql"], ["s1", "s2"])


def test_check_changes_asks_the_store_per_written_table_and_puts_the_worst_first():
    files = read_changes(
        [
            ChangedText("etl.sql", SCRIPT),
            ChangedText("new.sql", "create table wh.stg.order_v2 as select * from wh.raw.orders"),
        ],
        names=NameContext.build(default_database="wh"),
    )
    store = FakeStore(
        {
            "wh.stg.orders": _impact(
                "wh.stg.orders", [("wh.mart.a", 1), ("wh.mart.b", 2)], {"marts": ["a", "b"]}
            ),
            "wh.stg.customers": _impact("wh.stg.customers", [("wh.mart.a", 1)], {"marts": ["a"]}),
        },
        [_edge("wh.raw.orders", "wh.stg.orders"), _edge("wh.raw.old", "wh.stg.orders")],
    )

    report = check_changes(files, store, max_downstream=1, max_depth=5, listed=7)

    assert [t.table for t in report.tables] == [
        "wh.stg.orders", "wh.stg.customers", "wh.stg.order_v2",
    ]  # fmt: skip
    assert ("wh.stg.orders", 5, 7) in store.asked
    assert report.threshold_crossed and report.worst_table == "wh.stg.orders"
    assert report.worst_downstream_count == 2
    orders, customers, new = report.tables
    assert orders.over_threshold and not customers.over_threshold
    assert [r.source for r in orders.removed_dependencies] == ["wh.raw.old"]
    assert orders.new_dependencies == ["wh.raw.refunds"]
    assert not new.known and new.suggestions == ["wh.stg.order"]
    assert report.to_json()["tables"][0]["countsByDepth"] == {"1": 1, "2": 1}


def test_a_report_of_only_new_tables_names_no_worst_table():
    table = assess_table("new.t", WrittenTable(["a.sql"], [], False), None, [])
    report = summarise([], [table], max_downstream=0)
    assert report.worst_table is None and not report.threshold_crossed


@pytest.mark.parametrize(("argument", "value"), [("max_downstream", -1), ("listed", -1)])
def test_negative_limits_are_refused(argument, value):
    with pytest.raises(InvalidArgument):
        check_changes([], FakeStore({}, []), **{argument: value})
