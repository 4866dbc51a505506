"""Impact threshold checks and the schema-change guard, run in real materializations."""

import dagster as dg
import pytest

from lineage_core import open_store
from lineage_core.models import ColumnProfile, TableProfile
from lineage_dagster import LineageResource, build_refresh_impact_cache_job
from lineage_dagster.checks import build_impact_checks, build_schema_change_checks


@dg.asset(metadata={"dagster/table_name": "wh.stg.orders"})
def orders():
    return 1


@dg.asset(deps=[orders], metadata={"dagster/table_name": "wh.mart.revenue"})
def revenue():
    return 2


@pytest.fixture(name="instance")
def fixture_instance():
    with dg.instance_for_test() as instance:
        yield instance


def _fan_out(store_url: str, downstream: int, jobs: int = 1) -> None:
    with open_store(store_url) as store:
        store.record_edges(
            [
                {"source": "wh.stg.orders", "target": f"wh.mart.t{i}", "job": f"job{i % jobs}"}
                for i in range(downstream)
            ]
        )


def _evaluate(instance, store_url, assets, checks, selection=None):
    result = dg.materialize(
        [*assets, *checks],
        instance=instance,
        resources={"lineage": LineageResource(database_url=store_url)},
        raise_on_error=False,
        selection=selection,
    )
    return result, {e.check_name: e for e in result.get_asset_check_evaluations()}


@pytest.mark.parametrize(("downstream", "passed"), [(4, True), (5, True), (6, False)])
def test_impact_check_passes_below_and_at_the_threshold_and_fails_above(
    instance, store_url, downstream, passed
):
    _fan_out(store_url, downstream)
    checks = build_impact_checks(assets=[orders], max_downstream_assets=5)
    _, evaluations = _evaluate(instance, store_url, [orders], checks)
    evaluation = evaluations["lineage_impact"]
    assert evaluation.passed is passed
    metadata = evaluation.metadata
    assert metadata["lineage/downstream_assets"].value == downstream
    assert metadata["lineage/counts_by_depth"].value == {"1": downstream}
    assert "wh.mart.t0" in metadata["lineage/top_impacted"].value
    if not passed:
        assert f"{downstream} downstream assets (limit 5)" in evaluation.description


def test_job_threshold_counts_affected_jobs(instance, store_url):
    _fan_out(store_url, downstream=6, jobs=3)
    checks = build_impact_checks(assets=[orders], max_downstream_jobs=2)
    _, evaluations = _evaluate(instance, store_url, [orders], checks)
    evaluation = evaluations["lineage_impact"]
    assert evaluation.passed is False
    assert evaluation.metadata["lineage/downstream_jobs"].value == 3
    assert "job2" in evaluation.metadata["lineage/affected_jobs"].value


def test_cached_and_live_answers_agree_in_the_check(instance, store_url):
    _fan_out(store_url, downstream=3)
    checks = build_impact_checks(assets=[orders], max_downstream_assets=2)
    _, live = _evaluate(instance, store_url, [orders], checks)
    with open_store(store_url) as store:
        store.refresh_impact_cache()
    _, cached = _evaluate(instance, store_url, [orders], checks)
    assert live["lineage_impact"].metadata["lineage/from_cache"].value is False
    assert cached["lineage_impact"].metadata["lineage/from_cache"].value is True
    for key in ("lineage/downstream_assets", "lineage/top_impacted", "lineage/counts_by_depth"):
        assert live["lineage_impact"].metadata[key] == cached["lineage_impact"].metadata[key]


def test_blocking_error_check_stops_downstream_materialization(instance, store_url):
    _fan_out(store_url, downstream=10)
    checks = build_impact_checks(
        assets=[orders],
        max_downstream_assets=5,
        severity=dg.AssetCheckSeverity.ERROR,
        blocking=True,
    )
    result, evaluations = _evaluate(instance, store_url, [orders, revenue], checks)
    assert evaluations["lineage_impact"].passed is False
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert materialized == {orders.key}  # revenue never ran
    assert not result.success


def test_warn_check_never_blocks(instance, store_url):
    _fan_out(store_url, downstream=10)
    checks = build_impact_checks(assets=[orders], max_downstream_assets=5, blocking=True)
    result, evaluations = _evaluate(instance, store_url, [orders, revenue], checks)
    assert evaluations["lineage_impact"].passed is False
    assert {e.asset_key for e in result.get_asset_materialization_events()} == {
        orders.key,
        revenue.key,
    }


def test_unknown_table_and_unreachable_store_pass_with_a_reason(instance, store_url):
    checks = build_impact_checks(assets=[orders], max_downstream_assets=0)
    _, evaluations = _evaluate(instance, store_url, [orders], checks)
    assert evaluations["lineage_impact"].passed
    assert "No lineage recorded" in evaluations["lineage_impact"].description
    _, evaluations = _evaluate(
        instance, "postgresql://postgres@127.0.0.1:1/nothing", [orders], checks
    )
    assert evaluations["lineage_impact"].passed
    assert "could not answer" in evaluations["lineage_impact"].description


def _profile(columns: dict[str, str]) -> TableProfile:
    return TableProfile(
        asset="wh.stg.orders",
        row_count=10,
        column_count=len(columns),
        column_profiles=[
            ColumnProfile(column_name=c, data_type=t, null_count=0, null_percentage=0.0)
            for c, t in columns.items()
        ],
    )


@pytest.mark.parametrize(
    ("drift", "downstream", "passed"),
    [(False, 5, True), (True, 1, True), (True, 3, False)],
)
def test_schema_guard_fails_only_when_drift_and_impact_coincide(
    instance, store_url, drift, downstream, passed
):
    _fan_out(store_url, downstream)
    with open_store(store_url) as store:
        store.add_profile(_profile({"id": "INTEGER", "amount": "REAL"}))
        second = {"id": "TEXT", "amount": "REAL"} if drift else {"id": "INTEGER", "amount": "REAL"}
        store.add_profile(_profile(second))
    checks = build_schema_change_checks(assets=[orders], min_downstream_assets=3)
    _, evaluations = _evaluate(instance, store_url, [orders], checks)
    evaluation = evaluations["lineage_schema_change"]
    assert evaluation.passed is passed
    if not passed:
        assert "retyped ['id']" in evaluation.description


def _check_evaluations(instance, key: dg.AssetKey) -> list:
    records = instance.get_event_records(
        dg.EventRecordsFilter(event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    )
    return [
        r.event_log_entry.dagster_event.event_specific_data
        for r in records
        if r.event_log_entry.dagster_event.event_specific_data.asset_key == key
    ]


def test_impact_checks_of_external_tables_are_evaluated_by_the_refresh_job(store_url):
    """Dagster never executes a check on an external asset: the refresh job evaluates it,
    so it does not sit at "Not evaluated" forever."""
    with open_store(store_url) as store:
        store.record_edges(
            [{"source": "ext.source", "target": f"ext.t{i}", "job": "etl"} for i in range(4)]
        )
    external = dg.AssetSpec(["ext", "source"], metadata={"dagster/table_name": "ext.source"})
    checks = build_impact_checks(assets=[external], max_downstream_assets=3)
    refresh = build_refresh_impact_cache_job(asset_checks=checks)
    resource = LineageResource(database_url=store_url, explorer_url="http://127.0.0.1:3100")
    defs = dg.Definitions(
        assets=[external], asset_checks=checks, jobs=[refresh], resources={"lineage": resource}
    )
    with dg.instance_for_test() as instance:
        assert defs.resolve_job_def(refresh.name).execute_in_process(instance=instance).success
        [evaluation] = _check_evaluations(instance, external.key)
    assert (evaluation.check_name, evaluation.passed) == ("lineage_impact", False)
    assert evaluation.description == "Changing ext.source affects 4 downstream assets (limit 3)"
    metadata = evaluation.metadata
    assert metadata["lineage/max_downstream_jobs"].value == "no limit"
    assert metadata["lineage/explorer"].value == ("http://127.0.0.1:3100/?asset=ext.source")


def test_a_check_without_a_job_limit_says_no_limit(store_url):
    with open_store(store_url) as store:
        store.record_edge("shop.orders", "shop.mart", job="etl")

    @dg.asset(metadata={"dagster/table_name": "shop.orders"})
    def orders() -> None: ...

    [check] = build_impact_checks(assets=[orders], max_downstream_assets=10)
    result = dg.materialize(
        [orders, check], resources={"lineage": LineageResource(database_url=store_url)}
    )
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.passed
    assert evaluation.metadata["lineage/max_downstream_jobs"].value == "no limit"
    assert evaluation.metadata["lineage/max_downstream_assets"].value == 10
