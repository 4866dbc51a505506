"""Captured lineage as external asset specs, for the Dagster UI's asset graph."""

import dagster as dg

from lineage_core import open_store
from lineage_dagster import (
    LineageResource,
    build_lineage_asset_specs,
    build_lineage_capture_sensor,
    record_lineage,
)


@dg.asset(key=["mart", "revenue"], metadata={"dagster/table_name": "wh.mart.revenue"})
def revenue():
    return 1


def test_specs_carry_captured_upstream_tables(store_url):
    with open_store(store_url) as store:
        store.record_edge("shop.orders", "wh.stg.orders", job="ingest")
        store.record_edge("wh.stg.orders", "wh.mart.revenue", job="marts")
        store.record_edge("wh.stg.orders", "wh.mart.margin", job="marts")
    mine = dg.AssetSpec(key=["staging", "orders"], metadata={"dagster/table_name": "wh.stg.orders"})

    specs = build_lineage_asset_specs(database_url=store_url, specs=[mine], assets=[revenue])
    by_key = {spec.key.to_user_string(): spec for spec in specs}
    assert set(by_key) == {"staging/orders", "shop/orders", "wh/mart/margin"}  # no duplicates
    deps = {key: [d.asset_key.to_user_string() for d in spec.deps] for key, spec in by_key.items()}
    assert deps == {
        "staging/orders": ["shop/orders"],  # my own spec gained its captured upstream
        "shop/orders": [],
        "wh/mart/margin": ["staging/orders"],  # deps point at the keys that define a table
    }
    assert by_key["wh/mart/margin"].group_name == "wh"
    graph = dg.Definitions(assets=[*specs, revenue]).get_repository_def().asset_graph
    assert len(graph.get_all_asset_keys()) == 4


def test_an_unreachable_store_leaves_the_definitions_loadable():
    mine = dg.AssetSpec(key="orders")
    specs = build_lineage_asset_specs(
        database_url="postgresql://postgres@127.0.0.1:1/nothing", specs=[mine]
    )
    assert specs == [mine]


@dg.op
def load_report(context: dg.OpExecutionContext) -> None:
    record_lineage(
        context, reads=["wh.raw.events"], writes=["wh.mart.report", "wh.mart.user_table"]
    )


@dg.job(executor_def=dg.in_process_executor)
def reporting() -> None:
    load_report()


def test_writes_of_op_jobs_are_materializations_of_the_captured_tables(store_url):
    """Tables only op jobs write used to look "never materialized": the capture sensor now
    reports their writes on the external assets build_lineage_asset_specs adds (and never on
    assets the user defines), each linked to the writing run."""
    with open_store(store_url) as store:
        store.record_edge("wh.raw.events", "wh.mart.report", job="reporting", op="load_report")
        store.record_edge("wh.raw.events", "wh.mart.user_table", job="reporting", op="x")
    mine = dg.AssetSpec(["mine"], metadata={"dagster/table_name": "wh.mart.user_table"})
    specs = build_lineage_asset_specs(
        database_url=store_url, specs=[mine], explorer_url="http://127.0.0.1:3100"
    )
    report_spec = next(s for s in specs if s.key == dg.AssetKey(["wh", "mart", "report"]))
    assert report_spec.metadata["lineage/explorer"].value == (
        "http://127.0.0.1:3100/?asset=wh.mart.report"
    )
    defs = dg.Definitions(
        assets=specs,
        jobs=[reporting],
        sensors=[build_lineage_capture_sensor()],
        resources={"lineage": LineageResource(database_url=store_url)},
    )
    with dg.instance_for_test() as instance:
        run = reporting.execute_in_process(instance=instance)
        context = dg.build_sensor_context(
            instance=instance, definitions=defs, resources=defs.resources
        )
        result = defs.resolve_sensor_def("lineage_capture_sensor")(context)
    [event] = result.asset_events
    assert event.asset_key == dg.AssetKey(["wh", "mart", "report"])
    assert event.metadata["lineage/run"].value == run.run_id
    assert event.metadata["lineage/op"].value == "load_report"
