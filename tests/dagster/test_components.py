"""``LineageComponent`` loaded from a defs folder the way ``dg`` loads one.

Each test builds a real defs folder with Dagster's component sandbox
(``dagster.components.testing.create_defs_folder_sandbox``): ``defs.yaml`` files naming
``lineage_dagster.LineageComponent``, Python modules beside them, loaded into ``Definitions``
by the component tree, as ``dg.load_from_defs_folder`` does.
"""

import inspect
import textwrap
from pathlib import Path

import dagster as dg
import orders_etl
import pytest
from dagster.components.testing import create_defs_folder_sandbox

from lineage_core import InvalidArgument, open_store
from lineage_dagster import LineageComponent, LineageResource, lineage_definitions

ETL = Path(orders_etl.__file__).read_text()

SECOND_COMPONENT = """
    import dagster as dg
    from lineage_dagster import LineageComponent


    @dg.component_instance
    def lineage(context: dg.ComponentLoadContext) -> LineageComponent:
        return LineageComponent(tenant="other")
"""


@pytest.fixture(name="instance")
def fixture_instance():
    with dg.instance_for_test(set_dagster_home=False) as instance:
        yield instance


@pytest.fixture(name="sandbox")
def fixture_sandbox():
    with create_defs_folder_sandbox() as sandbox:
        yield sandbox


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def _add_component(sandbox, attributes: dict, defs_path: str = "lineage") -> Path:
    return sandbox.scaffold_component(
        component_cls=LineageComponent,
        defs_path=defs_path,
        defs_yaml_contents={"type": "lineage_dagster.LineageComponent", "attributes": attributes},
    )


def _tick(instance, defs: dg.Definitions):
    sensor = defs.resolve_sensor_def("lineage_capture_sensor")
    context = dg.build_sensor_context(instance=instance, definitions=defs, resources=defs.resources)
    return sensor(context)


def _shape(defs: dg.Definitions) -> dict:
    """What lineage definitions consist of, comparable across two ways of building them."""
    resource = defs.resources["lineage"]
    return {
        "resources": sorted(defs.resources),
        "resource": (type(resource), resource.tenant, resource.connections),
        "jobs": sorted(job.name for job in defs.jobs),
        "schedules": sorted(
            (s.name, s.cron_schedule, s.job_name, s.default_status) for s in defs.schedules
        ),
        "sensors": sorted(
            (s.name, s.minimum_interval_seconds, s.default_status) for s in defs.sensors
        ),
    }


OPTIONS = {
    "tenant": "shop",
    "connections": {"warehouse": "sqlite:///warehouse.db"},
    "impact_threshold": 7,
    "alert_sinks": ["log"],
    "capture_interval_seconds": 11,
    "alert_interval_seconds": 12,
    "refresh_cron_schedule": "5 * * * *",
    "profile_cron_schedule": "0 3 * * *",
    "profile_run_config": {"search": "mart"},
    "code_location": "shop",
    "running": True,
}


def test_the_component_builds_what_lineage_definitions_builds(sandbox, sqlite_url):
    path = _add_component(sandbox, {"database_url": sqlite_url, **OPTIONS})
    with sandbox.load_component_and_build_defs(defs_path=path) as (component, defs):
        assert isinstance(component, LineageComponent)
        assert component.impact_threshold == 7
        built = _shape(defs)
        assert defs.resources["lineage"].database_url == sqlite_url
    assert built == _shape(lineage_definitions(database_url=sqlite_url, **OPTIONS))
    assert built["sensors"] == [
        ("lineage_capture_sensor", 11, dg.DefaultSensorStatus.RUNNING),
        ("lineage_impact_alert_sensor", 12, dg.DefaultSensorStatus.RUNNING),
    ]


def test_the_component_attributes_default_like_lineage_definitions():
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(lineage_definitions).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name != "translator"
    }
    component = LineageComponent()
    # lineage_definitions' connections=None and aliases=None are the component's empty mappings
    assert {name: getattr(component, name) for name in defaults} == {
        **defaults,
        "connections": {},
        "aliases": {},
    }
    assert defaults["connections"] is None and defaults["aliases"] is None


def test_the_component_capture_sensor_records_a_run_into_its_store(sandbox, instance, sqlite_url):
    _write(sandbox.defs_folder_path / "etl.py", ETL)
    _add_component(sandbox, {"database_url": sqlite_url})
    with sandbox.build_all_defs() as defs:
        run = defs.resolve_job_def("load_orders_job").execute_in_process(instance=instance)
        assert run.success
        result = _tick(instance, defs)
    assert "Captured lineage of 1 run(s): 1 edge(s), 1 new" in result.skip_reason.skip_message
    with open_store(sqlite_url) as store:
        assert [(e.source, e.target, e.job) for e in store.edges()] == [
            ("shop.raw.orders", "shop.stg.orders", "load_orders_job")
        ]


def test_an_env_template_becomes_an_env_var_kept_out_of_the_ui(sandbox, monkeypatch, sqlite_url):
    monkeypatch.setenv("LINEAGE_DATABASE_URL", sqlite_url)
    path = _add_component(sandbox, {"database_url": "{{ env.LINEAGE_DATABASE_URL }}"})
    with sandbox.load_component_and_build_defs(defs_path=path) as (component, defs):
        url = defs.resources["lineage"].database_url
    assert isinstance(component.database_url, dg.EnvVar)
    assert isinstance(url, dg.EnvVar)
    assert url.env_var_name == "LINEAGE_DATABASE_URL"


def test_other_templates_are_rendered_as_dagster_renders_them(sandbox, monkeypatch, tmp_path):
    monkeypatch.setenv("LINEAGE_DIR", str(tmp_path))
    path = _add_component(sandbox, {"database_url": "sqlite:///{{ env.LINEAGE_DIR }}/lineage.db"})
    with sandbox.load_component_and_build_defs(defs_path=path) as (_, defs):
        url = defs.resources["lineage"].database_url
    assert url == f"sqlite:///{tmp_path}/lineage.db"
    assert not isinstance(url, dg.EnvVar)


def test_an_unset_env_template_means_the_store_under_dagster_home(
    sandbox, instance, monkeypatch, tmp_path, caplog
):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.delenv("LINEAGE_DATABASE_URL", raising=False)
    _write(sandbox.defs_folder_path / "etl.py", ETL)
    _add_component(sandbox, {"database_url": "{{ env.LINEAGE_DATABASE_URL }}"})
    with sandbox.build_all_defs() as defs:
        assert defs.resources["lineage"].database_url is None
        defs.resolve_job_def("load_orders_job").execute_in_process(instance=instance)
        result = _tick(instance, defs)
    assert "1 edge(s), 1 new" in result.skip_reason.skip_message
    with open_store(f"sqlite:///{tmp_path / 'lineage.db'}") as store:
        assert [e.target for e in store.edges()] == ["shop.stg.orders"]
    [warning] = [r.getMessage() for r in caplog.records if r.name == "dagster.builtin.lineage"]
    assert warning == f"LINEAGE_DATABASE_URL is not set: lineage is stored in {tmp_path}/lineage.db"


def test_an_env_template_naming_an_unsupported_database_fails_the_load(sandbox, monkeypatch):
    monkeypatch.setenv("LINEAGE_DATABASE_URL", "mysql://shop:s3cret@db/lineage")
    _add_component(sandbox, {"database_url": "{{ env.LINEAGE_DATABASE_URL }}"})
    with pytest.raises(Exception) as failure, sandbox.build_all_defs():
        pass
    cause = failure.value.__cause__
    assert isinstance(cause, InvalidArgument)
    assert "LINEAGE_DATABASE_URL has a mysql:// URL" in str(cause)
    assert "s3cret" not in str(failure.value) and "s3cret" not in str(cause)


def test_a_second_component_in_the_defs_folder_fails_the_load_saying_what_to_do(sandbox):
    _add_component(sandbox, {"tenant": "default"})
    _write(sandbox.defs_folder_path / "more_lineage.py", SECOND_COMPONENT)
    with pytest.raises(Exception) as failure, sandbox.build_all_defs():
        pass
    cause = failure.value.__cause__
    assert isinstance(cause, dg.DagsterInvalidDefinitionError)
    assert "Lineage is added 2 times to one code location" in str(cause)
    assert "Keep a single LineageComponent per code location" in str(cause)


def test_lineage_definitions_over_a_defs_folder_holding_the_component_refuses(sandbox):
    _add_component(sandbox, {})
    with sandbox.build_all_defs() as folder, pytest.raises(dg.DagsterInvalidDefinitionError) as e:
        lineage_definitions(folder, tenant="other")
    assert "Lineage is added twice to one code location" in str(e.value)
    assert "lineage_capture_sensor" in str(e.value)


def test_the_component_can_be_built_on_its_own(sqlite_url):
    defs = dg.component_defs(component=LineageComponent(database_url=sqlite_url))
    assert isinstance(defs.resources["lineage"], LineageResource)
    assert {s.name for s in defs.sensors} == {
        "lineage_capture_sensor",
        "lineage_impact_alert_sensor",
    }
