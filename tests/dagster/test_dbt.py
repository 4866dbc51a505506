"""A real dbt project, built through dagster-dbt, captured by the lineage sensor.

dagster-dbt puts table names (``dagster/table_name``) and dependencies on the asset
definitions only, not in the run's events; the capture sensor reads them from the code
location's definitions. The expected edges are read from dbt's own manifest.

The project (``dbt_project/``: three seeds, three staging views, three mart tables) is parsed
and built once per module, into a temporary directory; no network is needed.
"""

import json
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from lineage_core import normalise_name, open_store
from lineage_dagster import LineageResource, build_lineage_capture_sensor

PROJECT_DIR = Path(__file__).parent / "dbt_project"
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")  # the venv's, on PATH or not
RAW, STAGING, MARTS = "warehouse.main_raw", "warehouse.main_staging", "warehouse.main_marts"


@dataclass
class DbtBuild:
    instance: dg.DagsterInstance
    assets: dg.AssetsDefinition
    dbt: DbtCliResource
    manifest: dict[str, Any]
    run: dg.ExecuteInProcessResult

    def definitions(self, store_url: str) -> dg.Definitions:
        return dg.Definitions(
            assets=[self.assets],
            sensors=[build_lineage_capture_sensor()],
            resources={"lineage": LineageResource(database_url=store_url), "dbt": self.dbt},
        )


@pytest.fixture(name="dbt_build", scope="module")
def fixture_dbt_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbtBuild]:
    """``dbt parse``, then ``dbt build`` of every model through ``@dbt_assets``, once."""
    tmp = tmp_path_factory.mktemp("dbt")
    with pytest.MonkeyPatch.context() as env, dg.instance_for_test() as instance:
        env.setenv("DBT_DUCKDB_PATH", str(tmp / "warehouse.duckdb"))
        env.setenv("DBT_TARGET_PATH", str(tmp / "target"))  # invocations' artifacts
        project = DbtProject(PROJECT_DIR, target_path=tmp / "target")
        dbt = DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)
        dbt.cli(["parse", "--quiet"], target_path=project.target_path).wait()

        @dbt_assets(manifest=project.manifest_path)
        def shop_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
            yield from dbt.cli(["build"], context=context).stream().fetch_column_metadata()

        run = dg.materialize([shop_dbt], instance=instance, resources={"dbt": dbt})
        assert run.success
        manifest = json.loads(project.manifest_path.read_text())
        yield DbtBuild(instance, shop_dbt, dbt, manifest, run)


def _capture(dbt_build: DbtBuild, store_url: str) -> dg.SensorResult:
    defs = dbt_build.definitions(store_url)
    context = dg.build_sensor_context(
        instance=dbt_build.instance, definitions=defs, resources=defs.resources
    )
    return defs.resolve_sensor_def("lineage_capture_sensor")(context)


def _relation(node: dict[str, Any]) -> str:
    """A dbt node's table, named as dagster-dbt names it (``database.schema.alias``)."""
    name = normalise_name(f"{node['database']}.{node['schema']}.{node['alias']}")
    assert name == normalise_name(node["relation_name"])  # dbt's own quoted name agrees
    return name


def _manifest_edges(manifest: dict[str, Any]) -> set[tuple[str, str]]:
    nodes = manifest["nodes"]
    return {
        (_relation(nodes[parent]), _relation(node))
        for node in nodes.values()
        if node["resource_type"] == "model"
        for parent in node["depends_on"]["nodes"]
    }


def test_table_names_live_on_the_definitions_not_in_the_events(dbt_build):
    """The premise of the test: the sensor must read the definitions to name tables."""
    events = dbt_build.run.get_asset_materialization_events()
    assert len(events) == 9
    assert all("dagster/table_name" not in e.materialization.metadata for e in events)
    spec_tables = {spec.metadata["dagster/table_name"] for spec in dbt_build.assets.specs}
    assert f"{MARTS}.customers" in spec_tables


def test_dbt_build_yields_exactly_the_manifest_edges(dbt_build, store_url):
    result = _capture(dbt_build, store_url)

    expected = _manifest_edges(dbt_build.manifest)
    assert len(expected) == 8  # seeds -> staging -> marts, with two joins
    with open_store(store_url) as store:
        edges = store.edges()
        assert {(e.source, e.target) for e in edges} == expected
        assert {(e.job, e.op) for e in edges} == {("__ephemeral_asset_job__", "shop_dbt")}
        [execution] = store.executions()
        assert execution["errors"] == [] and execution["assets_discovered"] == 9
        downstream = store.downstream(f"{RAW}.raw_payments")
        assert {(n.qualified_name, n.depth) for n in downstream.nodes if n.depth} == {
            (f"{STAGING}.stg_payments", 1), (f"{MARTS}.orders", 2),
            (f"{MARTS}.customers", 3), (f"{MARTS}.country_revenue", 4),
        }  # fmt: skip
    assert "Captured lineage of 1 run(s): 8 edge(s), 8 new" in result.skip_reason.skip_message


def test_dbt_column_lineage_is_captured_on_the_edges(dbt_build, store_url):
    _capture(dbt_build, store_url)
    with open_store(store_url) as store:
        columns = {
            (e.source, e.target): {(c.source, c.target) for c in e.columns} for e in store.edges()
        }

    # Every mapping dagster-dbt emitted (dagster/column_lineage) is on the matching edge.
    table_of = {
        spec.key: normalise_name(spec.metadata["dagster/table_name"])
        for spec in dbt_build.assets.specs
    }
    emitted: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for event in dbt_build.run.get_asset_materialization_events():
        lineage = event.materialization.metadata.get("dagster/column_lineage")
        if lineage is None:
            continue
        for column, deps in lineage.value.deps_by_column.items():
            for dep in deps:
                edge = (table_of[dep.asset_key], table_of[event.asset_key])
                emitted.setdefault(edge, set()).add((dep.column_name, column))
    assert set(emitted) == set(columns)  # every model edge carries column lineage
    assert columns == emitted

    # And these are the mappings one reads off the models' SQL.
    assert columns[(f"{RAW}.raw_payments", f"{STAGING}.stg_payments")] == {
        ("id", "payment_id"), ("order_id", "order_id"),
        ("payment_method", "payment_method"), ("amount_cents", "amount"),
    }  # fmt: skip
    assert columns[(f"{STAGING}.stg_payments", f"{MARTS}.orders")] == {("amount", "amount")}
    assert columns[(f"{STAGING}.stg_customers", f"{MARTS}.customers")] == {
        ("customer_id", "customer_id"), ("first_name", "full_name"),
        ("last_name", "full_name"), ("country_code", "country_code"),
    }  # fmt: skip
    assert columns[(f"{MARTS}.orders", f"{MARTS}.customers")] == {
        ("order_id", "number_of_orders"), ("amount", "lifetime_value"),
    }  # fmt: skip
    assert columns[(f"{MARTS}.customers", f"{MARTS}.country_revenue")] == {
        ("country_code", "country_code"), ("customer_id", "customers"),
        ("lifetime_value", "revenue"),
    }  # fmt: skip


def _build(tmp: Path, *, fetch_columns: bool, fail_test: bool) -> DbtBuild:
    """``dbt parse`` and ``dbt build`` through ``@dbt_assets(project=...)``, into ``tmp``."""
    instance = dg.DagsterInstance.ephemeral()
    project = DbtProject(PROJECT_DIR, target_path=tmp / "target")
    dbt = DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)
    extra = ["--vars", json.dumps({"fail_test": True})] if fail_test else []
    dbt.cli(["parse", "--quiet", *extra], target_path=project.target_path).wait()

    @dbt_assets(manifest=project.manifest_path, project=project)
    def shop_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        invocation = dbt.cli(["build", *extra], context=context).stream()
        yield from invocation.fetch_column_metadata() if fetch_columns else invocation

    run = dg.materialize(
        [shop_dbt], instance=instance, resources={"dbt": dbt}, raise_on_error=False
    )
    assert run.success is not fail_test
    manifest = json.loads(project.manifest_path.read_text())
    return DbtBuild(instance, shop_dbt, dbt, manifest, run)


@pytest.fixture(name="plain_build", scope="module")
def fixture_plain_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbtBuild]:
    """The project built as most projects build it: no ``fetch_column_metadata()``."""
    tmp = tmp_path_factory.mktemp("dbt_plain")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DBT_DUCKDB_PATH", str(tmp / "warehouse.duckdb"))
        env.setenv("DBT_TARGET_PATH", str(tmp / "target"))
        yield _build(tmp, fetch_columns=False, fail_test=False)


@pytest.fixture(name="failing_build", scope="module")
def fixture_failing_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbtBuild]:
    """``dbt build`` whose test on ``orders`` fails: the step fails after its models built."""
    tmp = tmp_path_factory.mktemp("dbt_failing")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DBT_DUCKDB_PATH", str(tmp / "warehouse.duckdb"))
        env.setenv("DBT_TARGET_PATH", str(tmp / "target"))
        yield _build(tmp, fetch_columns=False, fail_test=True)


def test_dbt_column_lineage_comes_from_the_compiled_sql_without_fetching_metadata(
    plain_build, store_url
):
    events = plain_build.run.get_asset_materialization_events()
    assert events
    assert all("dagster/column_lineage" not in e.materialization.metadata for e in events)
    _capture(plain_build, store_url)
    with open_store(store_url) as store:
        edges = store.edges()
        columns = {(e.source, e.target): {(c.source, c.target) for c in e.columns} for e in edges}
        assert {(e.source, e.target) for e in edges} == _manifest_edges(plain_build.manifest)
        assert store.executions()[0]["errors"] == []
    # The mappings one reads off the models' SQL, as dagster-dbt's own metadata gives them.
    assert columns[(f"{RAW}.raw_payments", f"{STAGING}.stg_payments")] == {
        ("id", "payment_id"), ("order_id", "order_id"),
        ("payment_method", "payment_method"), ("amount_cents", "amount"),
    }  # fmt: skip
    assert columns[(f"{STAGING}.stg_payments", f"{MARTS}.orders")] >= {("amount", "amount")}
    assert columns[(f"{STAGING}.stg_customers", f"{MARTS}.customers")] >= {
        ("customer_id", "customer_id"), ("first_name", "full_name"),
        ("last_name", "full_name"), ("country_code", "country_code"),
    }  # fmt: skip
    assert columns[(f"{MARTS}.orders", f"{MARTS}.customers")] >= {
        ("order_id", "number_of_orders"), ("amount", "lifetime_value"),
    }  # fmt: skip
    assert all(columns.values()), "every model edge carries column lineage"


def test_a_failed_dbt_build_keeps_the_models_it_built(failing_build, store_url):
    built = {
        normalise_name(spec.metadata["dagster/table_name"])
        for event in failing_build.run.get_asset_materialization_events()
        for spec in failing_build.assets.specs
        if spec.key == event.asset_key
    }
    assert f"{MARTS}.orders" in built and f"{MARTS}.customers" not in built  # skipped by dbt
    expected = {(s, t) for s, t in _manifest_edges(failing_build.manifest) if t in built}
    assert len(expected) == 5

    result = _capture(failing_build, store_url)
    assert "Captured lineage of 1 run(s): 5 edge(s), 5 new" in result.skip_reason.skip_message
    with open_store(store_url) as store:
        assert {(e.source, e.target) for e in store.edges()} == expected
        [execution] = store.executions()
    assert execution["status"] == "FAILURE" and execution["errors"] == []
    assert execution["edges_created"] == 5
    [note] = [n for n in execution["notes"] if "failed after materializing" in n]
    assert f"{MARTS}.orders" in note


@pytest.fixture(name="bare_build", scope="module")
def fixture_bare_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbtBuild]:
    """As many projects set it up: ``@dbt_assets(manifest=...)`` with no ``DbtProject``, no
    ``DBT_TARGET_PATH`` (dbt writes under ``<project>/target``), and a seed whose documented
    columns are only some of its columns."""
    tmp = tmp_path_factory.mktemp("dbt_bare")
    project_dir = tmp / "project"
    shutil.copytree(PROJECT_DIR, project_dir)
    (project_dir / "seeds" / "schema.yml").write_text(
        "version: 2\nseeds:\n  - name: raw_payments\n    columns:\n      - name: id\n"
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DBT_DUCKDB_PATH", str(tmp / "warehouse.duckdb"))
        env.delenv("DBT_TARGET_PATH", raising=False)
        instance = dg.DagsterInstance.ephemeral()
        dbt = DbtCliResource(project_dir=str(project_dir), dbt_executable=DBT_EXECUTABLE)
        dbt.cli(["parse", "--quiet"], target_path=project_dir / "target").wait()
        manifest_path = project_dir / "target" / "manifest.json"

        @dbt_assets(manifest=manifest_path)
        def shop_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
            yield from dbt.cli(["build"], context=context).stream()

        run = dg.materialize([shop_dbt], instance=instance, resources={"dbt": dbt})
        assert run.success
        assert list((project_dir / "target").glob("shop_dbt-*/manifest.json"))
        yield DbtBuild(instance, shop_dbt, dbt, json.loads(manifest_path.read_text()), run)


def test_column_lineage_is_found_under_the_project_of_the_dbt_resource(bare_build, store_url):
    _capture(bare_build, store_url)
    with open_store(store_url) as store:
        columns = {
            (e.source, e.target): {(c.source, c.target) for c in e.columns} for e in store.edges()
        }
    # raw_payments documents only `id`: taken as the whole table, it would drop the others.
    assert columns[(f"{RAW}.raw_payments", f"{STAGING}.stg_payments")] == {
        ("id", "payment_id"), ("order_id", "order_id"),
        ("payment_method", "payment_method"), ("amount_cents", "amount"),
    }  # fmt: skip
    assert all(columns.values())
