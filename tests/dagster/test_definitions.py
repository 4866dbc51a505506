"""``lineage_definitions`` in the projects Dagster 1.13 loads, and its store URL checked at load.

The project tests write a real project to a temporary folder and run the real ``dg`` command
on it (``dg list defs --json``, ``dg check defs``, ``dg list components``), as a user would.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import orders_etl
import pytest
from orders_etl import load_orders_job

from lineage_core import InvalidArgument, open_store
from lineage_dagster import LineageResource, lineage_definitions

DG = Path(sys.executable).with_name("dg")
ETL = Path(orders_etl.__file__).read_text()

PYPROJECT = """
    [project]
    name = "shop"
    version = "0.1.0"

    [tool.dg]
    directory_type = "project"

    [tool.dg.project]
    root_module = "shop"

    [tool.dg.cli.telemetry]
    enabled = false
"""

DEFINITIONS_FUNCTION = (
    ETL
    + """

from lineage_dagster import lineage_definitions


@dg.definitions
def defs():
    return lineage_definitions(
        dg.Definitions(jobs=[load_orders_job]),
        database_url=dg.EnvVar("LINEAGE_DATABASE_URL"),
        impact_threshold=5,
    )
"""
)

DEFS_FOLDER = """
    from pathlib import Path

    import dagster as dg


    @dg.definitions
    def defs():
        return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
"""

COMPONENT_YAML = """
    type: lineage_dagster.LineageComponent
    attributes:
      database_url: "{{ env.LINEAGE_DATABASE_URL }}"
      impact_threshold: 5
      running: true
"""

LINEAGE_JOBS = {"lineage_alert", "lineage_profile_tables", "lineage_refresh_impact_cache"}
LINEAGE_SENSORS = {"lineage_capture_sensor", "lineage_impact_alert_sensor"}
LINEAGE_SCHEDULES = {
    "lineage_profile_tables_schedule",
    "lineage_refresh_impact_cache_schedule",
}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def _project(root: Path, *, definitions: str, defs: dict[str, str] | None = None) -> Path:
    """A project as ``dg`` scaffolds it: src/shop/definitions.py and src/shop/defs/."""
    _write(root / "pyproject.toml", PYPROJECT)
    _write(root / "src" / "shop" / "__init__.py", "")
    _write(root / "src" / "shop" / "definitions.py", definitions)
    _write(root / "src" / "shop" / "defs" / "__init__.py", "")
    for name, text in (defs or {}).items():
        _write(root / "src" / "shop" / "defs" / name, text)
    _write(root / "dagster_home" / "dagster.yaml", "telemetry:\n  enabled: false\n")
    return root


def _dg(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "LINEAGE_DATABASE_URL"}
    environment |= {
        "PYTHONPATH": str(project / "src"),
        "DAGSTER_HOME": str(project / "dagster_home"),
        **env,
    }
    return subprocess.run(
        [str(DG), *args],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _listed(result: subprocess.CompletedProcess) -> dict[str, set[str]]:
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    return {
        section: {item["name"] for item in listing.get(section, [])}
        for section in ("jobs", "sensors", "schedules", "resources")
    } | {"resource_types": {item["type"] for item in listing.get("resources", [])}}


def _assert_lineage_is_there(listed: dict[str, set[str]]) -> None:
    assert listed["jobs"] == {"load_orders_job", *LINEAGE_JOBS}
    assert listed["sensors"] == LINEAGE_SENSORS
    assert listed["schedules"] == LINEAGE_SCHEDULES
    assert listed["resources"] == {"lineage"}
    assert listed["resource_types"] == {"lineage_dagster.resources.LineageResource"}


# -- the two project styles, loaded by dg --------------------------------------------------


def test_dg_loads_a_definitions_function_that_adds_lineage(tmp_path):
    project = _project(tmp_path, definitions=DEFINITIONS_FUNCTION)
    result = _dg(project, "list", "defs", "--json")
    _assert_lineage_is_there(_listed(result))
    home_store = project / "dagster_home" / "lineage.db"
    assert f"LINEAGE_DATABASE_URL is not set: lineage is stored in {home_store}" in result.stderr


def test_dg_loads_the_component_from_the_defs_folder(tmp_path, sqlite_url):
    project = _project(
        tmp_path,
        definitions=DEFS_FOLDER,
        defs={"etl.py": ETL, "lineage/defs.yaml": COMPONENT_YAML},
    )
    result = _dg(project, "list", "defs", "--json", LINEAGE_DATABASE_URL=sqlite_url)
    _assert_lineage_is_there(_listed(result))
    assert "is not set" not in result.stderr


def test_dg_offers_the_component_to_projects(tmp_path):
    project = _project(tmp_path, definitions=DEFS_FOLDER)
    result = _dg(project, "list", "components", "--json")
    assert result.returncode == 0, result.stderr
    keys = {item["key"] for item in json.loads(result.stdout)["items"]}
    assert "lineage_dagster.LineageComponent" in keys


def test_dg_check_defs_refuses_lineage_added_twice_saying_what_to_do(tmp_path):
    project = _project(
        tmp_path,
        definitions=DEFS_FOLDER,
        defs={
            "lineage/defs.yaml": COMPONENT_YAML,
            "more/lineage/defs.yaml": "type: lineage_dagster.LineageComponent\n",
        },
    )
    result = _dg(project, "check", "defs")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Lineage is added 2 times to one code location" in output
    assert "Keep a single LineageComponent per code location" in output


# -- the store URL, checked when the definitions load --------------------------------------


@pytest.fixture(name="instance")
def fixture_instance():
    with dg.instance_for_test(set_dagster_home=False) as instance:
        yield instance


def _tick(instance, defs: dg.Definitions):
    context = dg.build_sensor_context(instance=instance, definitions=defs, resources=defs.resources)
    return defs.resolve_sensor_def("lineage_capture_sensor")(context)


def _lineage_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "dagster.builtin.lineage"]


def test_an_unset_env_var_means_the_store_under_dagster_home(
    instance, monkeypatch, tmp_path, caplog
):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.delenv("LINEAGE_DATABASE_URL", raising=False)

    @dg.definitions
    def defs():
        return lineage_definitions(
            dg.Definitions(jobs=[load_orders_job]),
            database_url=dg.EnvVar("LINEAGE_DATABASE_URL"),
        )

    loaded = defs()
    assert loaded.resources["lineage"].database_url is None
    assert _lineage_warnings(caplog) == [
        f"LINEAGE_DATABASE_URL is not set: lineage is stored in {tmp_path}/lineage.db"
    ]
    assert load_orders_job.execute_in_process(instance=instance).success
    result = _tick(instance, loaded)
    assert "Captured lineage of 1 run(s): 1 edge(s), 1 new" in result.skip_reason.skip_message
    with open_store(f"sqlite:///{tmp_path / 'lineage.db'}") as store:
        assert [(e.source, e.target) for e in store.edges()] == [
            ("shop.raw.orders", "shop.stg.orders")
        ]


def test_a_set_env_var_is_kept_as_an_env_var_and_names_the_store(
    instance, monkeypatch, sqlite_url, caplog
):
    monkeypatch.setenv("LINEAGE_DATABASE_URL", sqlite_url)
    defs = lineage_definitions(
        dg.Definitions(jobs=[load_orders_job]), database_url=dg.EnvVar("LINEAGE_DATABASE_URL")
    )
    url = defs.resources["lineage"].database_url
    assert isinstance(url, dg.EnvVar) and url.env_var_name == "LINEAGE_DATABASE_URL"
    assert _lineage_warnings(caplog) == []
    load_orders_job.execute_in_process(instance=instance)
    assert "1 edge(s), 1 new" in _tick(instance, defs).skip_reason.skip_message
    with open_store(sqlite_url) as store:
        assert len(store.edges()) == 1


def test_an_env_var_naming_an_unsupported_database_fails_the_load(monkeypatch):
    monkeypatch.setenv("LINEAGE_DATABASE_URL", "mysql://shop:s3cret@db:3306/lineage")
    with pytest.raises(InvalidArgument) as failure:
        lineage_definitions(database_url=dg.EnvVar("LINEAGE_DATABASE_URL"))
    message = str(failure.value)
    assert message == (
        "The environment variable LINEAGE_DATABASE_URL has a mysql:// URL; the lineage store "
        "takes sqlite:///path/to/lineage.db or postgresql://user@host:5432/db"
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("lineage.db", "has no URL scheme"),
        ("mysql://db/lineage", "has a mysql:// URL"),
        ("sqlite://lineage.db", "A SQLite URL looks like sqlite:///path/to/lineage.db"),
    ],
)
def test_the_resource_refuses_a_url_the_store_cannot_open_when_built(url, problem):
    with pytest.raises(InvalidArgument, match=problem):
        LineageResource(database_url=url)


@pytest.mark.parametrize(
    "url",
    [None, "sqlite:///lineage.db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db"],
)
def test_the_resource_takes_the_urls_the_store_opens(url):
    assert LineageResource(database_url=url).database_url == url


def test_the_resource_alone_falls_back_on_an_unset_env_var(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.delenv("MY_LINEAGE_URL", raising=False)
    monkeypatch.setenv("LINEAGE_DATABASE_URL", "postgresql://shop:s3cret@db/lineage")
    resource = LineageResource(database_url=dg.EnvVar("MY_LINEAGE_URL"))
    assert resource.database_url is None
    # the fallback is LINEAGE_DATABASE_URL, named, never shown: it may hold a password
    assert _lineage_warnings(caplog) == [
        "MY_LINEAGE_URL is not set: lineage is stored in the store LINEAGE_DATABASE_URL names"
    ]


# -- once per code location ------------------------------------------------------------------


def test_lineage_definitions_over_lineage_definitions_is_refused():
    with pytest.raises(dg.DagsterInvalidDefinitionError) as failure:
        lineage_definitions(lineage_definitions(), impact_threshold=5)
    message = str(failure.value)
    assert message.startswith("Lineage is added twice to one code location (")
    assert "lineage, lineage_alert, lineage_capture_sensor" in message
    assert "keep a single lineage_definitions(...) call" in message


def test_a_definitions_function_passed_in_is_refused_with_the_way_to_do_it():
    @dg.definitions
    def mine():
        return dg.Definitions(jobs=[load_orders_job])

    with pytest.raises(dg.DagsterInvalidDefinitionError) as failure:
        lineage_definitions(mine)
    assert "not LazyDefinitions: call it inside your @dg.definitions function" in str(failure.value)


def test_dagster_merge_of_two_copies_fails_with_the_message_the_readme_quotes():
    """``dg.Definitions.merge`` gives no hook to explain itself: the README quotes it."""
    with pytest.raises(dg.DagsterInvariantViolationError) as failure:
        dg.Definitions.merge(lineage_definitions(), lineage_definitions())
    assert "different resources with same key 'lineage'" in str(failure.value)
