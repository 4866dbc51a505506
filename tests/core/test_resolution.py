"""Name resolution: defaults qualify unqualified names, aliases merge names, doctor finds the
rest."""

from __future__ import annotations

import pytest

from lineage_core import InvalidName
from lineage_core.capture import READS, SQL, WRITES, names_for, parse_declaration
from lineage_core.resolution import NameContext, probable_duplicates

DATA_MAIN = NameContext.build(default_database="data", default_schema="main")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("zones", "data.main.zones"),
        ("Zones", "data.main.zones"),
        ("raw.zones", "data.raw.zones"),
        ("other.raw.zones", "other.raw.zones"),
        ('"Odd Name"', 'data.main."Odd Name"'),
    ],
)
def test_unqualified_names_take_the_defaults(name, expected):
    assert DATA_MAIN.resolve(name) == expected


def test_no_defaults_leave_names_as_written():
    assert NameContext().resolve("Zones") == "zones"


def test_an_alias_is_found_as_written_or_once_qualified():
    context = NameContext.build(
        default_database="data",
        default_schema="main",
        aliases={"taxi_zones": "data.main.zones", "data.main.old_zones": "data.main.zones"},
    )
    assert context.resolve("taxi_zones") == "data.main.zones"
    assert context.resolve("old_zones") == "data.main.zones"
    assert context.resolve_column("old_zones.zone_id") == "data.main.zones.zone_id"


def test_narrower_defaults_win_and_absent_ones_keep_the_wider():
    narrowed = DATA_MAIN.within(default_schema="staging")
    assert narrowed.resolve("zones") == "data.staging.zones"
    assert DATA_MAIN.within().resolve("zones") == "data.main.zones"


@pytest.mark.parametrize(
    "bad",
    [
        {"aliases": {"a..b": "c.d"}},
        {"aliases": {"zones": "x\x00y"}},
        {"default_schema": "two.parts"},
    ],
)
def test_bad_configuration_is_refused_with_the_reason(bad):
    with pytest.raises(InvalidName):
        NameContext.build(**bad)


def test_a_connection_and_then_the_asset_narrow_the_defaults():
    connections = {"shop": "duckdb:///warehouse/shop.duckdb", "pg": "postgresql://u@h/sales"}
    assert names_for({"lineage/connection": "shop"}, None, connections).resolve("t") == (
        "shop.main.t"
    )
    assert names_for({"lineage/connection": "pg"}, None, connections).resolve("t") == (
        "sales.public.t"
    )
    asset = {"lineage/connection": "pg", "lineage/default_schema": "mart"}
    assert names_for(asset, DATA_MAIN, connections).resolve("t") == "sales.mart.t"
    unknown = {"lineage/connection": "nowhere"}
    assert names_for(unknown, DATA_MAIN, connections).resolve("t") == "data.main.t"


def test_declared_names_and_sql_names_resolve_alike():
    context = NameContext.build(
        default_database="data", default_schema="main", aliases={"taxi_zones": "data.main.zones"}
    )
    found = parse_declaration(
        {
            READS: ["taxi_zones"],
            WRITES: ["zone_report"],
            SQL: "INSERT INTO zone_summary SELECT zone_id, count(*) AS n FROM zones GROUP BY 1",
        },
        where="step s",
        names=context,
    )
    assert found.reads == {"data.main.zones"}
    assert found.writes == {"data.main.zone_report", "data.main.zone_summary"}
    assert {(c.target, tuple(c.sources)) for c in found.columns} == {
        ("data.main.zone_summary.zone_id", ("data.main.zones.zone_id",)),
    }


def test_probable_duplicates_pair_a_name_with_its_more_qualified_form():
    [found] = probable_duplicates(
        ["zones", "data.main.zones", "main.zones", "a.t", "b.t", "x.lonely", "other.main.y"]
    )
    assert found.table == "zones"
    assert found.names == ("data.main.zones", "main.zones", "zones")
    assert "default_database='data', default_schema='main'" in found.fix
    assert "'zones': 'data.main.zones'" in found.fix


def test_names_of_different_schemas_are_not_duplicates():
    assert probable_duplicates(["a.t", "b.t", "db.a.t2", "db.b.t2"]) == []
