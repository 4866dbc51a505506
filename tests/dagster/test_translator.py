"""``LineageTranslator``: each decision on its own, and an override changing only its own."""

from __future__ import annotations

import dagster as dg
import pytest

from lineage_core import InvalidName
from lineage_dagster import LineageTranslator
from lineage_dagster.translator import table_of_asset, tables_of_graph


@pytest.mark.parametrize(
    ("key", "metadata", "expected"),
    [
        (["orders"], {}, "orders"),
        (["shop", "raw", "orders"], {}, "shop.raw.orders"),
        (["a", "shop", "raw", "orders"], {}, "shop.raw.orders"),
        (["orders"], {"dagster/table_name": "wh.stg.orders"}, "wh.stg.orders"),
        (["orders"], {"dagster/table_name": dg.MetadataValue.text("wh.x")}, "wh.x"),
        (["orders"], {"dagster/table_name": "  "}, "orders"),
    ],
    ids=["one part", "three parts", "last three parts", "table name", "metadata value", "blank"],
)
def test_get_table_name(key, metadata, expected):
    assert LineageTranslator().get_table_name(dg.AssetKey(key), metadata) == expected


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("wh.raw.orders", ["wh", "raw", "orders"]),
        ('wh."Odd Name"', ["wh", "Odd_Name"]),
        ("orders", ["orders"]),
    ],
)
def test_get_asset_key(table, expected):
    assert LineageTranslator().get_asset_key(table) == dg.AssetKey(expected)


@pytest.mark.parametrize(
    ("table", "expected"), [("wh.raw.orders", "wh"), ("raw.orders", "raw"), ("orders", None)]
)
def test_get_group_name(table, expected):
    assert LineageTranslator().get_group_name(table) == expected


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({}, None),
        ({"lineage/dialect": "snowflake"}, "snowflake"),
        ({"lineage/dialect": dg.MetadataValue.text("bigquery")}, "bigquery"),
        ({"lineage/dialect": 3}, None),
    ],
)
def test_get_dialect(metadata, expected):
    assert LineageTranslator().get_dialect(dg.AssetKey("x"), metadata) == expected


class _Reports(LineageTranslator):
    def get_table_name(self, asset_key, metadata):
        if asset_key.path[0] == "reports":
            return None
        return super().get_table_name(asset_key, metadata)


def _graph(*specs: dg.AssetSpec):
    return dg.Definitions(assets=list(specs)).get_repository_def().asset_graph


def test_an_override_changes_one_decision_and_keeps_the_others():
    graph = _graph(
        dg.AssetSpec(["reports", "weekly"]),
        dg.AssetSpec(["Shop", "Orders"], metadata={"lineage/dialect": "postgres"}),
    )
    assert tables_of_graph(graph, _Reports()) == {
        dg.AssetKey(["reports", "weekly"]): None,
        dg.AssetKey(["Shop", "Orders"]): "shop.orders",
    }
    assert _Reports().get_group_name("shop.orders") == "shop"


def test_an_invalid_table_name_is_none_in_a_graph_and_an_error_for_one_asset():
    spec = dg.AssetSpec("bad", metadata={"dagster/table_name": "a..b"})
    assert tables_of_graph(_graph(spec), LineageTranslator()) == {dg.AssetKey("bad"): None}
    with pytest.raises(InvalidName):
        table_of_asset(spec.key, spec.metadata, LineageTranslator())
