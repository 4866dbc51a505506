"""The quick start's dagster.yaml keeps the instance under DAGSTER_HOME, wherever Dagster runs.

`make demo` and the e2e test start Dagster from the repository root with DAGSTER_HOME
elsewhere; a relative ``base_dir`` would put every run history in the working directory.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

REPO_ROOT = Path(__file__).resolve().parents[2]


@dg.op
def say_hello() -> str:
    return "hello"


@dg.job
def hello() -> None:
    say_hello()


def test_quickstart_instance_keeps_its_storage_under_dagster_home(tmp_path: Path, monkeypatch):
    home, elsewhere = tmp_path / "dagster_home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.chdir(elsewhere)

    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        run_id = hello.execute_in_process(instance=instance).run_id
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.SUCCESS

    assert (home / "history" / "runs.db").exists()
    assert list(elsewhere.iterdir()) == []
