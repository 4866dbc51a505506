"""When to alert.

Three things deserve an alert, each at or above an impact threshold (downstream assets):

1. a failed run of a job whose tables it did not finish writing: those tables are now stale
   downstream (:func:`stale_tables`);
2. schema drift found by profiling on a table (:func:`schema_drift_alerts`);
3. new lineage pushing an asset's downstream impact to the threshold or over it
   (:func:`threshold_crossings`); an asset that falls back under has its alert resolved, so a
   later crossing alerts again.

Every alert has a deduplication key recorded in the store before anything is delivered, so
the same event never alerts twice, across ticks, restarts and sensors; how each alert then
reaches each sink once is :mod:`lineage_core.alerting.delivery`'s. The same thresholds decide
asset checks (:func:`impact_problems`, :func:`schema_change_risk`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING

from lineage_core.alerting.render import (
    Alert,
    schema_drift_alert,
    threshold_alert,
    threshold_prefix,
)
from lineage_core.errors import AssetNotFound, LineageError
from lineage_core.models import ImpactAnalysis, ProfileDrift

if TYPE_CHECKING:
    from lineage_core.store import LineageStore


def impact_of(
    store: LineageStore, table: str, top: int, threshold: int | None = None
) -> ImpactAnalysis | None:
    """The table's impact with its ``top`` nearest downstream assets; None if unknown. Counted
    live when comparing it with ``threshold`` would otherwise rest on an estimate."""
    try:
        impact = store.impact(table, limit=top)
        if estimate_decides(impact, threshold):
            impact = store.impact(table, limit=top, live=True)
        return impact
    except AssetNotFound:
        return None


def stale_tables(
    store: LineageStore, job: str, succeeded_steps: Collection[str], threshold: int, top: int
) -> list[ImpactAnalysis]:
    """Impacts, largest first, of the tables ``job`` writes whose writing ops did not all
    succeed in a failed run, where they reach ``threshold`` downstream assets."""
    try:
        written = store.job_assets(job).writes
    except LineageError:
        return []
    impacts = []
    for table in written:
        writers = {
            ref.op
            for ref in store.jobs_for_asset(table)
            if ref.job == job and ref.access == "write"
        }
        if writers and writers <= set(succeeded_steps):
            continue
        impact = impact_of(store, table, top, threshold)
        if impact is not None and impact.total_impacted_assets >= threshold:
            impacts.append(impact)
    return sorted(impacts, key=lambda i: -i.total_impacted_assets)


def schema_drift_alerts(
    store: LineageStore, after_profile_id: int, threshold: int, top: int
) -> Iterator[tuple[int, Alert | None]]:
    """(profile id, alert or None) for each schema change recorded after ``after_profile_id``,
    oldest first; the alert is None where the table's impact is under ``threshold``."""
    for profile_id, table, profile in store.schema_changes_after(after_profile_id):
        impact = impact_of(store, table, top, threshold)
        if impact is not None and impact.total_impacted_assets >= threshold:
            yield profile_id, schema_drift_alert(profile_id, profile, impact, top)
        else:
            yield profile_id, None


def threshold_crossings(
    store: LineageStore, threshold: int, top: int, refresh_limit: int
) -> list[Alert]:
    """Alerts for the assets newly at or over ``threshold``, read from the impact cache.

    When at most ``refresh_limit`` entries are stale they are refreshed first, so new
    lineage alerts without waiting for the scheduled refresh. Assets back under the
    threshold have their open alert resolved. Counts are exact up to the cache's exact limit
    (10,000): at or under it the crossing is exact. Above it, which assets are over is read
    from the estimates, and each new alert is confirmed by a live count.
    """
    if 0 < store.stale_cache_entries() <= refresh_limit:
        store.refresh_impact_cache(stale_only=True)
    over = {name for name, _, _ in store.assets_over_threshold(threshold)}
    prefix = threshold_prefix(threshold)
    open_alerts = {
        key: asset
        for key, asset in store.open_alerts("impact_threshold").items()
        if key.startswith(prefix)
    }
    for key, asset in open_alerts.items():
        if asset not in over:
            store.resolve_alert(key)
    alerts = []
    for name in sorted(over - set(open_alerts.values())):
        impact = impact_of(store, name, top, threshold)
        if impact is not None and impact.total_impacted_assets >= threshold:
            alerts.append(threshold_alert(threshold, impact, top))
    return alerts


def estimate_decides(impact: ImpactAnalysis, limit: int | None) -> bool:
    """Whether comparing ``impact``'s downstream count with ``limit`` would rest on an
    estimate: the cache counts exactly up to its limit (``lineage_core.reach.EXACT_LIMIT``)
    and an estimated count is known to be over it, so only a limit above it needs the live
    count. Job counts are always exact."""
    from lineage_core.reach import EXACT_LIMIT

    return impact.estimated and limit is not None and limit >= EXACT_LIMIT


def impact_problems(
    impact: ImpactAnalysis, max_assets: int | None, max_jobs: int | None
) -> list[str]:
    """Why an impact exceeds its limits (empty when within them; at a limit is within)."""
    problems = []
    if max_assets is not None and impact.total_impacted_assets > max_assets:
        problems.append(f"{impact.total_impacted_assets} downstream assets (limit {max_assets})")
    if max_jobs is not None and impact.total_impacted_workflows > max_jobs:
        problems.append(
            f"{impact.total_impacted_workflows} downstream Dagster jobs (limit {max_jobs})"
        )
    return problems


def schema_change_risk(
    drift: ProfileDrift | None, impact: ImpactAnalysis, min_downstream: int
) -> tuple[bool, bool]:
    """(changed, risky): the schema changed, and enough assets depend on the table."""
    changed = bool(drift and drift.schema_changed)
    return changed, changed and impact.total_impacted_assets >= min_downstream
