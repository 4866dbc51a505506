"""The quick start, end to end, on real Dagster processes.

Once per instance variant (embedded SQLite, and everything on PostgreSQL; see conftest.py):
the webserver and the daemon run ``workspace.yaml``; the demo jobs are launched through the
webserver's GraphQL API and run by the daemon's queued run coordinator; the daemon's capture
sensor records the lineage, which the ``lineage`` command then answers; the profiling job
records a row count; a failed run makes the alert sensor raise an impact alert; and a headless
Chromium confirms what the Dagster UI shows.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from contextlib import closing
from typing import Any

import psycopg
import pytest
import yaml
from dagster_processes import (
    BIN,
    DEMO_JOBS,
    ISOLATED_ENV,
    REPO_ROOT,
    DagsterDeployment,
    wait_for,
)
from headless_chromium import HeadlessChromium, find_chromium

from lineage_core import open_store

# dagster_graphql calls gql in a way gql 4 deprecates; not ours to fix.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning:gql.*")]

# Each run in one process: on two cores a step subprocess per op (the default multiprocess
# executor) makes build_staging alone take a minute. The priority tag lets the test's runs
# pass the lineage_alert runs that the alert sensor queues meanwhile.
IN_PROCESS = {"execution": {"config": {"in_process": {}}}}
TEST_RUN_TAGS = {"dagster/priority": "10"}
FAIL_PAYMENTS = {"ops": {"load_stg_payments": {"config": {"fail": True}}}}
PROFILED_TABLES = ["analytics.fct_orders", "warehouse.stg_orders", "warehouse.stg_payments"]
DEMO_SCHEDULES = [f"{job}_schedule" for job in DEMO_JOBS]  # stopped by the deployment fixture
LINEAGE_AUTOMATIONS = [
    "lineage_capture_sensor",
    "lineage_impact_alert_sensor",
    "lineage_refresh_impact_cache_schedule",
    "lineage_profile_tables_schedule",
]

# What the demo builds (lineage_dagster/demo/definitions.py), as the lineage command says it.
DOWNSTREAM_OF_RAW_ORDERS = {
    "warehouse.stg_orders": 1,
    "analytics.fct_orders": 2,
    "analytics.customer_ltv": 3,
    "analytics.dim_customers": 3,
    "analytics.fct_revenue_daily": 3,
    "analytics.marketing_attribution": 3,
    "analytics.revenue_forecast": 4,
}
DOWNSTREAM_EDGES_OF_RAW_ORDERS = {
    # (source, target, job, op)
    ("warehouse.raw_orders", "warehouse.stg_orders", "build_staging", "load_stg_orders"),
    ("warehouse.stg_orders", "analytics.fct_orders", "build_marts", "build_fct_orders"),
    ("analytics.fct_orders", "analytics.fct_revenue_daily", "build_marts",
     "build_fct_revenue_daily"),
    ("analytics.fct_orders", "analytics.dim_customers", "build_customer_assets",
     "analytics__dim_customers"),
    ("analytics.fct_orders", "analytics.customer_ltv", "build_customer_assets",
     "analytics__customer_ltv"),
    ("analytics.fct_orders", "analytics.marketing_attribution", "build_customer_assets",
     "analytics__marketing_attribution"),
    ("analytics.dim_customers", "analytics.customer_ltv", "build_customer_assets",
     "analytics__customer_ltv"),
    ("analytics.fct_revenue_daily", "analytics.revenue_forecast", "build_customer_assets",
     "analytics__revenue_forecast"),
}  # fmt: skip
UPSTREAM_OF_CUSTOMER_LTV = {
    "analytics.dim_customers": 1,
    "analytics.fct_orders": 1,
    "warehouse.stg_payments": 1,
    "warehouse.raw_payments": 2,
    "warehouse.stg_customers": 2,
    "warehouse.stg_order_items": 2,  # a join of order items and products in build_staging
    "warehouse.stg_orders": 2,
    "payments_api.payments": 3,
    "warehouse.raw_customers": 3,
    "warehouse.raw_order_items": 3,
    "warehouse.raw_orders": 3,
    "warehouse.raw_products": 3,
    "crm.customers": 4,
    "shop_api.order_items": 4,
    "shop_api.orders": 4,
    "shop_api.products": 4,
}
IMPACT_OF_STG_PAYMENTS = {
    "analytics.customer_ltv": 1,
    "analytics.fct_revenue_daily": 1,
    "analytics.revenue_forecast": 2,
}
JOBS_TOUCHING_STG_PAYMENTS = {
    # every job with an edge on the asset or downstream of it, with those edges' ops
    "build_customer_assets": ["analytics__customer_ltv", "analytics__revenue_forecast"],
    "build_marts": ["build_fct_revenue_daily"],
    "load_payments": ["load_stg_payments"],  # writes warehouse.stg_payments itself
}

OBSERVATIONS_QUERY = """
query Observations($path: [String!]!) {
  assetOrError(assetKey: {path: $path}) {
    __typename
    ... on Asset {
      assetObservations(limit: 50) {
        runId
        timestamp
        metadataEntries { label ... on IntMetadataEntry { intValue } }
      }
    }
  }
}
"""


class LineageCommandError(AssertionError):
    def __init__(self, args: list[str], status: int, stderr: str) -> None:
        super().__init__(f"`lineage {' '.join(args)}` exited {status}: {stderr.strip()}")
        self.status = status


def lineage(variant, *args: str, db: bool = True) -> Any:
    """Run the ``lineage`` command with ``--json`` against the variant's store."""
    env = {k: v for k, v in os.environ.items() if k not in ISOLATED_ENV}
    env.update(DAGSTER_HOME=str(variant.home), **variant.env)
    command = [*(["--db", variant.lineage_url] if db else []), *args, "--json"]
    result = subprocess.run(
        [str(BIN / "lineage"), *command],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise LineageCommandError(command, result.returncode, result.stderr)
    return json.loads(result.stdout)


def depths(nodes: list[dict[str, Any]]) -> dict[str, int]:
    return {node["qualifiedName"]: node["depth"] for node in nodes}


def named_edges(graph: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    names = {node["id"]: node["qualifiedName"] for node in graph["nodes"]}
    names[graph["rootAssetId"]] = graph["root"]
    return {
        (names[e["source"]], names[e["target"]], e["workflowId"], e["op"]) for e in graph["edges"]
    }


def launch(deployment: DagsterDeployment, job: str, run_config=None, **kwargs) -> str:
    config = {**IN_PROCESS, **(run_config or {})}
    return deployment.run_job(job, config, tags=TEST_RUN_TAGS, **kwargs)


# -- the steps, each once per variant -----------------------------------------------------------


@pytest.fixture(name="demo_runs", scope="module")
def fixture_demo_runs(deployment: DagsterDeployment) -> dict[str, str]:
    """The demo jobs, in order, each launched through GraphQL and waited for."""
    runs = {}
    for job in DEMO_JOBS:
        runs[job] = launch(deployment, job)
        deployment.mark(f"{job} succeeded")
    return runs


@pytest.fixture(name="captured", scope="module")
def fixture_captured(deployment: DagsterDeployment, variant, demo_runs) -> dict[str, Any]:
    """Waits until the daemon's capture sensor recorded the demo's lineage."""

    def complete() -> dict[str, Any] | None:
        deployment.check_alive()
        try:
            graph = lineage(variant, "downstream", "warehouse.raw_orders")
        except LineageCommandError as exc:
            if exc.status == 2:  # not captured yet: an unknown asset
                return None
            raise
        return graph if depths(graph["nodes"]) == DOWNSTREAM_OF_RAW_ORDERS else None

    graph = wait_for(
        complete, timeout=180, interval=2, what="the capture sensor to record the demo lineage"
    )
    deployment.mark("lineage captured by the sensor")
    return graph


@pytest.fixture(name="profile_run", scope="module")
def fixture_profile_run(deployment: DagsterDeployment, captured) -> str:
    run_id = launch(
        deployment,
        "lineage_profile_tables",
        {"ops": {"lineage_profile_tables_select": {"config": {"tables": PROFILED_TABLES}}}},
    )
    deployment.mark("lineage_profile_tables succeeded")
    return run_id


@pytest.fixture(name="failed_run", scope="module")
def fixture_failed_run(deployment: DagsterDeployment, captured) -> str:
    run_id = launch(deployment, "load_payments", FAIL_PAYMENTS, expect="FAILURE")
    deployment.mark("load_payments failed as told")
    return run_id


# -- the checks ---------------------------------------------------------------------------------


def test_demo_jobs_run_on_the_configured_instance(variant, demo_runs):
    """The runs went through the daemon into the instance storage the variant configures."""
    if variant.dagster_pg_url:
        with psycopg.connect(variant.dagster_pg_url) as conn:
            stored = {row[0] for row in conn.execute("SELECT run_id FROM runs")}
        assert not (variant.home / "history").exists()
    else:
        with closing(sqlite3.connect(variant.home / "history" / "runs.db")) as conn:
            stored = {row[0] for row in conn.execute("SELECT run_id FROM runs")}
    assert set(demo_runs.values()) <= stored


def test_capture_sensor_records_the_demo_lineage(variant, captured):
    assert depths(captured["nodes"]) == DOWNSTREAM_OF_RAW_ORDERS
    assert named_edges(captured) == DOWNSTREAM_EDGES_OF_RAW_ORDERS
    assert captured["totalNodes"] == len(DOWNSTREAM_OF_RAW_ORDERS)

    upstream = lineage(variant, "upstream", "analytics.customer_ltv")
    assert depths(upstream["nodes"]) == UPSTREAM_OF_CUSTOMER_LTV

    # Without --db the command finds the same store: $LINEAGE_DATABASE_URL, else
    # $DAGSTER_HOME/lineage.db, as the Dagster processes did.
    assert lineage(variant, "upstream", "analytics.customer_ltv", db=False) == upstream
    assert (variant.home / "lineage.db").exists() == (variant.dagster_pg_url is None)

    assets = lineage(variant, "job-assets", "load_payments")
    assert (assets["reads"], assets["writes"]) == (
        ["warehouse.raw_payments"],
        ["warehouse.stg_payments"],
    )


def test_impact_names_the_downstream_assets_and_jobs(variant, captured):
    for live in (False, True):
        impact = lineage(variant, "impact", "warehouse.stg_payments", *(["--live"] if live else []))
        assert depths(impact["downstreamAssets"]) == IMPACT_OF_STG_PAYMENTS
        assert impact["totalImpactedAssets"] == 3
        assert impact["countsByDepth"] == {"1": 2, "2": 1}
        jobs = {job["workflowName"]: sorted(job["ops"]) for job in impact["affectedWorkflows"]}
        assert jobs == JOBS_TOUCHING_STG_PAYMENTS
        assert impact["totalImpactedWorkflows"] == len(JOBS_TOUCHING_STG_PAYMENTS)
        assert impact["codeLocations"] == ["lineage_demo"]


def alert_runs(deployment: DagsterDeployment, failed_run: str) -> list[dict[str, Any]]:
    """The lineage_alert runs about ``failed_run`` (the report in their config names it)."""
    runs = deployment.runs(tags={"lineage/alert": "run_failure"})
    return [run for run in runs if failed_run in run["runConfigYaml"]]


def test_failed_run_raises_an_impact_alert(deployment: DagsterDeployment, variant, failed_run):
    """The alert sensor records the alert once and requests a tagged lineage_alert run."""

    def stored_alert() -> dict[str, Any] | None:
        deployment.check_alive()
        with open_store(variant.lineage_url) as store:
            alerts = {a["dedup_key"]: a for a in store.alerts(kind="run_failure")}
        alert = alerts.get(f"run-failure:{failed_run}")
        # Recorded by the sensor, delivered once its lineage_alert run has shown it.
        return alert if alert is not None and alert["status"] == "delivered" else None

    alert = wait_for(stored_alert, timeout=240, interval=2, what="the delivered run_failure alert")
    deployment.mark("run_failure alert delivered")
    assert alert["asset"] == "warehouse.stg_payments"
    assert alert["deliveries"]["log"] == "delivered"
    assert alert["deliveries"]["job"].startswith("shown by run ")
    body = alert["body"]["alert"]
    assert (body["run_id"], body["downstream_assets"], body["downstream_jobs"]) == (
        failed_run,
        3,
        3,
    )
    assert body["title"] == (
        "Run of load_payments failed: warehouse.stg_payments will be stale downstream"
    )
    # The alert run is in the queue (behind the threshold alerts the new lineage raised);
    # test_alert_run_shows_the_report waits for it to finish.
    (run,) = wait_for(
        lambda: alert_runs(deployment, failed_run), timeout=30, what="the alert run request"
    )
    tags = {tag["key"]: tag["value"] for tag in run["tags"]}
    assert run["jobName"] == "lineage_alert"
    assert tags["lineage/asset"] == "warehouse.stg_payments"
    assert tags["dagster/sensor_name"] == "lineage_impact_alert_sensor"
    assert tags["dagster/run_key"].startswith(f"run-failure:{failed_run}:")
    assert tags["lineage/severity"] == "high"


def test_profiling_job_records_row_counts(variant, profile_run):
    # The demo's own schedules (build_marts at :05 and :35) could rebuild the table meanwhile;
    # the profile and this count are seconds apart.
    with closing(sqlite3.connect(variant.home / "demo_warehouse" / "analytics.db")) as conn:
        (rows,) = conn.execute("SELECT COUNT(*) FROM fct_orders").fetchone()
    assert rows > 0
    history = lineage(variant, "profiles", "analytics.fct_orders")
    latest = history["profiles"][0]
    assert (latest["rowCount"], latest["columnCount"], latest["connection"]) == (
        rows,
        5,
        "analytics",
    )
    for table in PROFILED_TABLES[1:]:
        assert lineage(variant, "profiles", table)["profiles"][0]["rowCount"] > 0


# -- the Dagster UI, in headless Chromium ---------------------------------------------------

AUTOMATION_STATES = """
(() => {
  const state = {};
  for (const a of document.querySelectorAll('a[href*="/sensors/"], a[href*="/schedules/"]')) {
    const row = a.closest('[data-index]');
    if (!row) continue;
    const name = decodeURIComponent(a.getAttribute('href').split('/').pop());
    // A row's check boxes: the selection box, then the on/off toggle. Until the row's state
    // has loaded, the toggle is a disabled placeholder and the description line is empty.
    const boxes = row.querySelectorAll('input[type="checkbox"]');
    const toggle = boxes.length >= 2 ? boxes[boxes.length - 1] : null;
    const described = row.innerText.trim().split('\\n').length >= 2;
    if (toggle && !toggle.disabled && described) state[name] = toggle.checked;
  }
  return NAMES.every((name) => name in state) ? state : null;
})()
"""
PAGE_LINES = "document.body ? document.body.innerText.split('\\n').map((l) => l.trim()) : []"
TABLE_ROW = """
(() => {
  // The row of a two-column table whose first cell reads KEY: its text and its toggle, if any.
  for (const row of document.querySelectorAll('tr')) {
    if (row.cells.length >= 2 && row.cells[0].innerText.trim() === KEY) {
      const toggle = row.cells[1].querySelector('input[type="checkbox"]');
      return {
        text: row.cells[1].innerText.trim(),
        on: toggle && !toggle.disabled ? toggle.checked : null,
      };
    }
  }
  return null;
})()
"""


def table_row(key: str, *, loaded: str) -> str:
    """JavaScript: the row ``key`` of the page's tables once ``loaded`` (a JS condition on
    ``row``) holds, else null."""
    return (
        f"(() => {{ const row = {TABLE_ROW.replace('KEY', json.dumps(key)).strip()}; "
        f"return row && ({loaded}) ? row : null; }})()"
    )


def chromium_binary() -> str:
    binary = find_chromium()
    if binary:
        return binary
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(
            "Chromium is not installed, and CI must run the UI check: .ci/run installs "
            "Debian's `chromium` package (apt-get install chromium).",
            pytrace=False,
        )
    pytest.skip("Chromium is not installed (apt-get install chromium); on CI this fails")


def profile_observation(deployment: DagsterDeployment, run_id: str) -> dict[str, Any]:
    asset = deployment.graphql(OBSERVATIONS_QUERY, {"path": ["analytics", "fct_orders"]})
    observations = asset["assetOrError"]["assetObservations"]
    return next(o for o in observations if o["runId"] == run_id)


def test_dagster_ui_shows_running_sensors_and_profiled_row_count(
    deployment: DagsterDeployment, variant, profile_run
):
    binary = chromium_binary()
    observation = profile_observation(deployment, profile_run)
    row_count = next(
        e["intValue"] for e in observation["metadataEntries"] if e["label"] == "dagster/row_count"
    )
    # The first visit from localhost opens a "Join the Dagster community" dialog over the page;
    # the UI's own mutation marks it seen.
    assert deployment.graphql("mutation { setNuxSeen }")["setNuxSeen"] is True
    shots = variant.artifacts
    with HeadlessChromium(binary, log=shots / "chromium.log") as browser:
        # (a) Automation lists the lineage sensors and schedules with their toggles on.
        browser.goto(f"{deployment.url}/automation")
        states = browser.wait_for(
            AUTOMATION_STATES.replace("NAMES", json.dumps(LINEAGE_AUTOMATIONS + DEMO_SCHEDULES)),
            what="the sensors and schedules on /automation",
        )
        browser.screenshot(shots / "automation.png")
        assert {name: states[name] for name in LINEAGE_AUTOMATIONS} == dict.fromkeys(
            LINEAGE_AUTOMATIONS, True
        )
        # The demo's schedules, switched off by the test, show off: the toggles tell apart.
        assert {name: states.get(name) for name in DEMO_SCHEDULES} == dict.fromkeys(
            DEMO_SCHEDULES, False
        )

        # ... and the capture sensor's own page has its "Running" toggle on, and a latest tick
        # (a time, then its result or "Evaluating").
        browser.goto(f"{deployment.url}/locations/lineage_demo/sensors/lineage_capture_sensor")
        running = browser.wait_for(
            table_row("Running", loaded="row.on !== null"), what="the capture sensor's state"
        )
        latest_tick = browser.wait_for(
            table_row("Latest tick", loaded="row.text !== ''"), what="the latest tick"
        )
        browser.screenshot(shots / "capture_sensor.png")
        assert running["on"] is True
        assert re.search(r"\d:\d\d:\d\d", latest_tick["text"])  # it has ticked: when

        # (b) The profiled asset's events show the profile's observation with its row count.
        browser.goto(
            f"{deployment.url}/assets/analytics/fct_orders"
            f"?view=events&time={observation['timestamp']}"
        )
        shown = browser.wait_for(
            table_row("dagster/row_count", loaded="row.text !== ''"),
            what="dagster/row_count on the fct_orders events page",
        )
        browser.screenshot(shots / "fct_orders_profile.png")
        assert shown["text"] == str(row_count)
        assert f"Observed in run {profile_run[:8]}" in " ".join(browser.evaluate(PAGE_LINES))
    deployment.mark("UI checked in Chromium")
    stored = lineage(variant, "profiles", "analytics.fct_orders")["profiles"][0]
    assert row_count == stored["rowCount"]


def test_alert_run_shows_the_report(deployment: DagsterDeployment, failed_run):
    def finished() -> dict[str, Any] | None:
        deployment.check_alive()
        runs = alert_runs(deployment, failed_run)
        done = [run for run in runs if run["status"] in {"SUCCESS", "FAILURE", "CANCELED"}]
        return done[0] if done else None

    run = wait_for(finished, timeout=180, interval=2, what="the alert run to finish")
    deployment.mark("alert run finished")
    assert run["status"] == "SUCCESS"
    report = yaml.safe_load(run["runConfigYaml"])["ops"]["lineage_alert_report"]["config"]
    assert (report["kind"], report["asset"], report["downstream_assets"]) == (
        "run_failure",
        "warehouse.stg_payments",
        3,
    )
    for impacted in IMPACT_OF_STG_PAYMENTS:
        assert f"| {impacted} |" in report["report"]
    assert (
        "Affected Dagster jobs: build_customer_assets, build_marts, load_payments"
        in (report["report"])
    )
