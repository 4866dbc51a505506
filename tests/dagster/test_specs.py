"""Captured lineage as external asset specs, for the Dagster UI's asset graph."""

import dagster as dg

from lineage_core import open_store
from lineage_dagster import build_lineage_asset_specs


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
