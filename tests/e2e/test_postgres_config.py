"""deploy/dagster-postgres.yaml is a working Dagster instance configuration.

With DAGSTER_PG_URL pointing at a fresh database, the instance loads from the file, keeps
runs, event logs and schedules in that database, and another instance loaded from the same
file reads them back. The lineage store opens on the same kind of URL.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg
import pytest
import sqlalchemy
from postgres_databases import fresh_database, sqlalchemy_psycopg2_url

from lineage_core import open_store

pytestmark = pytest.mark.postgres

REPO_ROOT = Path(__file__).resolve().parents[2]
POSTGRES_YAML = REPO_ROOT / "deploy" / "dagster-postgres.yaml"
SQLALCHEMY_2_1 = tuple(int(p) for p in sqlalchemy.__version__.split(".")[:2]) >= (2, 1)


@dg.op
def say_hello(context: dg.OpExecutionContext) -> str:
    context.log.info("hello from PostgreSQL")
    return "hello"


@dg.job
def hello() -> None:
    say_hello()


@pytest.fixture(name="database")
def fixture_database(postgres_admin: str) -> Iterator[str]:
    with fresh_database(postgres_admin, "lineage_pgconfig") as url:
        yield url


@pytest.fixture(name="dagster_home")
def fixture_dagster_home(tmp_path: Path, monkeypatch) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(POSTGRES_YAML, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    return home


@pytest.mark.parametrize(
    "scheme",
    [
        "postgresql+psycopg2",
        pytest.param(
            "postgresql",
            marks=pytest.mark.xfail(
                SQLALCHEMY_2_1,
                reason="SQLAlchemy 2.1 gives plain postgresql:// URLs to psycopg 3, where "
                "dagster-postgres 0.29's `NOTIFY run_events, :notify_id` is a syntax error; "
                "name the driver: postgresql+psycopg2://",
                strict=True,
            ),
        ),
    ],
)
def test_instance_from_the_file_stores_and_reads_runs(
    database: str, dagster_home: Path, monkeypatch, scheme: str
):
    monkeypatch.setenv("DAGSTER_PG_URL", database.replace("postgresql", scheme, 1))

    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        result = hello.execute_in_process(instance=instance)
        assert result.success
        run_id = result.run_id

    # A second instance from the same file (another process, as it were) reads it back.
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None
        assert (run.job_name, run.status) == ("hello", dg.DagsterRunStatus.SUCCESS)
        messages = [entry.user_message for entry in instance.all_logs(run_id)]
        assert "hello from PostgreSQL" in messages

    with psycopg.connect(database) as conn:
        stored = conn.execute("SELECT run_id FROM runs").fetchall()
        events = conn.execute(
            "SELECT count(*) FROM event_logs WHERE run_id = %s", (run_id,)
        ).fetchone()
    assert stored == [(run_id,)]
    assert events[0] > 0
    assert not (dagster_home / "history").exists()  # nothing fell back to SQLite


def test_lineage_store_opens_on_the_instance_url(database: str):
    """The lineage store takes the same URL, plain or with dagster-postgres's driver named."""
    for url in (database, sqlalchemy_psycopg2_url(database)):
        with open_store(url) as store:
            store.record_edge("raw.orders", "stg.orders", job="daily_etl", op="load_orders")
            store.record_edge("stg.orders", "mart.revenue", job="daily_etl", op="build_revenue")
            graph = store.downstream("raw.orders")
        assert {n.qualified_name: n.depth for n in graph.nodes} == {
            "stg.orders": 1,
            "mart.revenue": 2,
        }
    with psycopg.connect(database) as conn:
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        }
    assert {"lineage_edges", "lineage_assets"} <= tables
