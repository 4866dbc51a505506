"""End-to-end fixtures: a real Dagster deployment per instance variant, and fresh databases.

``deployment`` starts ``dagster-webserver`` and ``dagster-daemon`` once per variant (module
scope): ``sqlite`` is the quick start (the repository's ``dagster.yaml``, the lineage store in
``$DAGSTER_HOME/lineage.db``); ``postgres`` puts everything on the PostgreSQL server
(``deploy/dagster-postgres.yaml`` on one fresh database, the lineage store on another). Logs,
timings and screenshots land in ``tests/artifacts/e2e/<variant>/``; a failing test shows the
tails of the webserver and daemon logs.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from dagster_processes import DEMO_JOBS, REPO_ROOT, DagsterDeployment
from postgres_databases import fresh_database, sqlalchemy_psycopg2_url

ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "e2e"


@dataclass(frozen=True)
class Variant:
    name: str
    home: Path
    instance_yaml: Path
    lineage_url: str
    env: dict[str, str] = field(default_factory=dict)
    dagster_pg_url: str | None = None

    @property
    def artifacts(self) -> Path:
        return ARTIFACTS / self.name


@pytest.fixture(
    name="variant",
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def fixture_variant(request, tmp_path_factory) -> Iterator[Variant]:
    home = tmp_path_factory.mktemp(f"dagster_home_{request.param}")
    if request.param == "sqlite":
        yield Variant(
            name="sqlite",
            home=home,
            instance_yaml=REPO_ROOT / "dagster.yaml",
            lineage_url=f"sqlite:///{home / 'lineage.db'}",  # the default under DAGSTER_HOME
        )
        return
    admin = request.getfixturevalue("postgres_admin")  # fails (never skips) when unreachable
    with (
        fresh_database(admin, "lineage_e2e_dagster") as dagster_url,
        fresh_database(admin, "lineage_e2e_store") as lineage_url,
    ):
        yield Variant(
            name="postgres",
            home=home,
            instance_yaml=REPO_ROOT / "deploy" / "dagster-postgres.yaml",
            lineage_url=lineage_url,
            env={
                "DAGSTER_PG_URL": sqlalchemy_psycopg2_url(dagster_url),
                "LINEAGE_DATABASE_URL": lineage_url,
            },
            dagster_pg_url=dagster_url,
        )


@pytest.fixture(name="deployment", scope="module")
def fixture_deployment(variant: Variant) -> Iterator[DagsterDeployment]:
    """The webserver and the daemon, up with the demo code location loaded; always stopped."""
    shutil.rmtree(variant.artifacts, ignore_errors=True)
    deployment = DagsterDeployment(
        home=variant.home,
        artifacts=variant.artifacts,
        instance_yaml=variant.instance_yaml,
        env=variant.env,
        # The test runs the demo jobs itself; their schedules (at :00 to :07 and :30 to :37)
        # would launch them again meanwhile. The lineage sensors and schedules stay on.
        stopped_schedules=[f"{job}_schedule" for job in DEMO_JOBS],
    )
    try:
        deployment.start()
        deployment.mark("webserver and daemon up, code location loaded")
        yield deployment
    finally:
        deployment.stop()
        timings = {step: round(seconds, 1) for step, seconds in deployment.timings.items()}
        (variant.artifacts / "timings.json").write_text(json.dumps(timings, indent=2) + "\n")
        print(f"\n[e2e {variant.name}] seconds since the processes started: {timings}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    deployment = getattr(item, "funcargs", {}).get("deployment")
    if report.failed and isinstance(deployment, DagsterDeployment):
        report.sections.append(
            (f"dagster logs (whole files in {deployment.artifacts})", deployment.log_tails())
        )
    return report
