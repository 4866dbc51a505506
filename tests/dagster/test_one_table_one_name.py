"""One physical table, one name: a Python asset named by its key, the dbt source for the same
table, and SQL that says ``zones`` all meet on ``data.main.zones``.

Modelled on Dagster projects where a Python asset loads a table into DuckDB, dbt models read
it as a source (the source's ``meta.dagster.asset_key`` names the asset), and another asset
records unqualified SQL.
"""

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from lineage_core import open_store
from lineage_core.cli import main
from lineage_dagster import LineageResource, build_lineage_capture_sensor, record_lineage

PROJECT_DIR = Path(__file__).parent / "dbt_zones"
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


@pytest.fixture(name="built", scope="module")
def fixture_built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    tmp = tmp_path_factory.mktemp("zones")
    database = tmp / "data.duckdb"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DBT_ZONES_PATH", str(database))
        env.setenv("DBT_TARGET_PATH", str(tmp / "target"))
        project = DbtProject(PROJECT_DIR, target_path=tmp / "target")
        dbt = DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)
        dbt.cli(["parse", "--quiet"], target_path=project.target_path).wait()

        @dg.asset
        def taxi_zones() -> None:
            with duckdb.connect(str(database)) as conn:
                conn.execute(
                    "CREATE OR REPLACE TABLE main.zones AS SELECT * FROM (VALUES "
                    "(1, 'Queens'), (2, 'Bronx'), (3, 'Queens')) AS t(zone_id, borough)"
                )

        @dbt_assets(manifest=project.manifest_path, project=project)
        def zones_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
            yield from dbt.cli(["build"], context=context).stream()

        @dg.asset(deps=[taxi_zones])
        def zone_report(context: dg.AssetExecutionContext) -> None:
            record_lineage(
                context, sql="CREATE TABLE zone_report AS SELECT borough, zone_id FROM zones"
            )

        instance = dg.DagsterInstance.ephemeral()
        assets = [taxi_zones, zones_dbt, zone_report]
        assert dg.materialize(assets, instance=instance, resources={"dbt": dbt}).success
        yield instance, assets, dbt, json.loads(project.manifest_path.read_text())


def _capture(built, store_url: str, **names) -> None:
    instance, assets, dbt, _ = built
    defs = dg.Definitions(
        assets=assets,
        sensors=[build_lineage_capture_sensor()],
        resources={"lineage": LineageResource(database_url=store_url, **names), "dbt": dbt},
    )
    context = dg.build_sensor_context(instance=instance, definitions=defs, resources=defs.resources)
    defs.resolve_sensor_def("lineage_capture_sensor")(context)


def _doctor(store_url: str):
    return CliRunner().invoke(main, ["--db", store_url, "doctor", "--json"])


def test_one_table_is_one_node_with_the_defaults_of_its_database(built, store_url):
    _capture(built, store_url, default_database="data", default_schema="main")
    with open_store(store_url) as store:
        assert {a.qualified_name for a in store.assets()} == {
            "data.main.zones",
            "data.main.zone_counts",
            "data.main.zone_report",
        }
        downstream = {n.qualified_name for n in store.downstream("data.main.zones").nodes}
        columns = {
            (e.source, e.target): {(c.source, c.target) for c in e.columns} for e in store.edges()
        }
    assert downstream == {"data.main.zone_counts", "data.main.zone_report"}
    assert columns[("data.main.zones", "data.main.zone_report")] == {
        ("borough", "borough"), ("zone_id", "zone_id"),
    }  # fmt: skip
    # The dbt source's relation, as the manifest names it, is the Python asset's table.
    [source] = built[3]["sources"].values()
    assert source["relation_name"] == '"data"."main"."zones"'
    result = _doctor(store_url)
    assert result.exit_code == 0 and json.loads(result.output)["probableDuplicates"] == []


def test_without_defaults_doctor_names_the_split_and_the_fix(built, store_url):
    _capture(built, store_url)
    with open_store(store_url) as store:
        names = {a.qualified_name for a in store.assets()}
        fed_by_zones = {n.qualified_name for n in store.downstream("zones").nodes}
    assert {"zones", "data.main.zones", "zone_report"} <= names  # the SQL's `zones` apart
    assert fed_by_zones == {"zone_report"}
    result = _doctor(store_url)
    assert result.exit_code == 1
    [found] = json.loads(result.output)["probableDuplicates"]
    assert found["names"] == ["data.main.zones", "zones"]
    assert "default_database='data', default_schema='main'" in found["fix"]


def test_an_alias_joins_a_name_to_its_table(built, store_url):
    _capture(built, store_url, aliases={"zones": "data.main.zones"})
    with open_store(store_url) as store:
        downstream = {n.qualified_name for n in store.downstream("data.main.zones").nodes}
    assert {"data.main.zone_counts", "zone_report"} <= downstream


@dg.asset(
    key=["reporting", "rpt_sales"], metadata={"dagster/table_name": "wh.main_reporting.rpt_sales"}
)
def rpt_sales() -> None: ...


@dg.asset(
    deps=[dg.AssetKey(["reporting", "rpt_sales"])], metadata={"dagster/table_name": "ml.features"}
)
def features() -> None: ...


def _location(name: str, store_url: str, assets) -> dg.Definitions:
    return dg.Definitions(
        assets=assets,
        sensors=[build_lineage_capture_sensor(code_location=name)],
        resources={"lineage": LineageResource(database_url=store_url)},
    )


def test_a_location_names_another_locations_asset_as_its_owner_declares_it(store_url):
    """The ml location knows the reporting table only by its asset key; the warehouse
    location, which defines it, declares its table. Both must name it alike."""
    warehouse = _location("warehouse", store_url, [rpt_sales])
    ml = _location("ml", store_url, [features])
    instance = dg.DagsterInstance.ephemeral()
    for defs, assets in ((warehouse, [rpt_sales]), (ml, [features])):
        dg.materialize(assets, instance=instance)
        context = dg.build_sensor_context(
            instance=instance, definitions=defs, resources=defs.resources
        )
        defs.resolve_sensor_def("lineage_capture_sensor")(context)
    with open_store(store_url) as store:
        assert {(e.source, e.target, e.code_location) for e in store.edges()} == {
            ("wh.main_reporting.rpt_sales", "ml.features", "ml")
        }
        assert "reporting.rpt_sales" not in {a.qualified_name for a in store.assets()}
