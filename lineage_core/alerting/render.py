"""Alert texts: a short line for chat, a Markdown report for the run page, figures for code.

The short ``text`` is Slack-compatible (a webhook payload's ``text`` field); ``report`` is the
Markdown a ``lineage_alert`` run shows; ``payload()`` carries both and every figure. A run
failure is ``high`` severity and its title starts with what failed; threshold crossings found
together are sent as one digest (:func:`threshold_digest`) that keeps each crossing's key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from lineage_core.models import ImpactAnalysis, TableProfile
from lineage_core.profiling.drift import describe_schema_change


class Alert(BaseModel):
    """One alert: short text for people, the full report and figures for machines."""

    dedup_key: str
    kind: str  # run_failure | schema_drift | impact_threshold
    severity: str = "low"  # high (run failures) | medium (schema drift) | low
    title: str
    text: str
    report: str
    asset: str | None = None
    run_id: str | None = None
    downstream_assets: int = 0
    downstream_jobs: int = 0
    tables: list[dict[str, Any]] = Field(default_factory=list)
    dedup_keys: list[str] = Field(default_factory=list)  # a digest's: one per crossing

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "alert": self.model_dump(mode="json")}


def run_failure_key(run_id: str) -> str:
    return f"run-failure:{run_id}"


def schema_drift_key(profile_id: int) -> str:
    return f"schema-drift:{profile_id}"


def threshold_key(threshold: int, asset: str) -> str:
    return f"{threshold_prefix(threshold)}{asset}"


def threshold_prefix(threshold: int) -> str:
    return f"impact-threshold:{threshold}:"


DIGEST_KEY = "impact-threshold:digest"


def run_failure_alert(run_id: str, job: str, impacts: Sequence[ImpactAnalysis], top: int) -> Alert:
    tables = ", ".join(i.asset for i in impacts)
    title = f"Run of {job} failed: {tables} will be stale downstream"
    text = (
        f":rotating_light: Dagster run {run_id[:8]} of job {job} failed. "
        f"{tables} will now be stale downstream: {_summary(impacts, top)}. "
        f"Look at the run {run_id} and `lineage impact {impacts[0].asset}`."
    )
    return Alert(
        dedup_key=run_failure_key(run_id),
        kind="run_failure",
        severity="high",
        title=title,
        text=text,
        report=_report(title, impacts, f"Run `{run_id}` of job `{job}` failed."),
        asset=impacts[0].asset,
        run_id=run_id,
        downstream_assets=sum(i.total_impacted_assets for i in impacts),
        downstream_jobs=len(_jobs(impacts)),
        tables=[{"table": i.asset, "downstream": i.total_impacted_assets} for i in impacts],
    )


def schema_drift_alert(
    profile_id: int, profile: TableProfile, impact: ImpactAnalysis, top: int
) -> Alert:
    change = describe_schema_change(profile.drift)
    title = f"Schema of {impact.asset} changed; {impact.total_impacted_assets} assets depend on it"
    text = (
        f":warning: The schema of {impact.asset} changed ({change}). It feeds "
        f"{_summary([impact], top)}. Look at `lineage profiles {impact.asset}` and "
        f"`lineage impact {impact.asset}`."
    )
    return Alert(
        dedup_key=schema_drift_key(profile_id),
        kind="schema_drift",
        severity="medium",
        title=title,
        text=text,
        report=_report(title, [impact], f"Schema change: {change}."),
        asset=impact.asset,
        downstream_assets=impact.total_impacted_assets,
        downstream_jobs=impact.total_impacted_workflows,
        tables=[{"table": impact.asset, "downstream": impact.total_impacted_assets}],
    )


def threshold_alert(threshold: int, impact: ImpactAnalysis, top: int) -> Alert:
    title = (
        f"{impact.asset} now has {impact.total_impacted_assets} downstream assets "
        f"(threshold {threshold})"
    )
    text = (
        f":chart_with_upwards_trend: New lineage pushed {impact.asset} over the impact threshold "
        f"of {threshold}: {_summary([impact], top)}. Changes to it now need care; look at "
        f"`lineage impact {impact.asset}`."
    )
    return Alert(
        dedup_key=threshold_key(threshold, impact.asset),
        kind="impact_threshold",
        title=title,
        text=text,
        report=_report(title, [impact]),
        asset=impact.asset,
        downstream_assets=impact.total_impacted_assets,
        downstream_jobs=impact.total_impacted_workflows,
        tables=[{"table": impact.asset, "downstream": impact.total_impacted_assets}],
    )


def threshold_digest(crossings: Sequence[Alert], top: int = 10) -> Alert:
    """One alert for threshold crossings found together: the crossing itself when alone,
    else a digest listing every one (largest first) that carries each crossing's key."""
    if len(crossings) == 1:
        return crossings[0]
    ordered = sorted(crossings, key=lambda a: (-a.downstream_assets, a.asset or ""))
    names = [a.asset or a.dedup_key for a in ordered]
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    title = f"{len(names)} tables crossed the impact threshold: {', '.join(names[:3])}{more}"
    lines = [f"- {a.title}" for a in ordered[:top]]
    if len(ordered) > top:
        lines.append(f"- and {len(ordered) - top} more (see the lineage_alert run)")
    text = "\n".join(
        [
            f":chart_with_upwards_trend: New lineage pushed {len(names)} tables over the "
            "impact threshold; changes to them now need care:",
            *lines,
        ]
    )
    report = [f"## {title}", "", "| table | downstream assets | jobs |", "|---|---|---|"]
    report += [f"| {a.asset} | {a.downstream_assets} | {a.downstream_jobs} |" for a in ordered]
    for alert in ordered:
        report += ["", alert.report.replace("## ", "### ", 1)]
    return Alert(
        dedup_key=DIGEST_KEY,
        kind="impact_threshold",
        title=title,
        text=text,
        report="\n".join(report),
        downstream_assets=ordered[0].downstream_assets,
        downstream_jobs=max(a.downstream_jobs for a in ordered),
        tables=[table for alert in ordered for table in alert.tables],
        dedup_keys=sorted(a.dedup_key for a in crossings),
    )


def _top(impacts: Sequence[ImpactAnalysis], top: int) -> list[tuple[int, str]]:
    seen: dict[str, int] = {}
    for impact in impacts:
        for node in impact.downstream_assets:
            seen[node.qualified_name] = min(node.depth, seen.get(node.qualified_name, node.depth))
    return sorted((depth, name) for name, depth in seen.items())[:top]


def _jobs(impacts: Sequence[ImpactAnalysis]) -> list[str]:
    return sorted({job.workflow_name for impact in impacts for job in impact.affected_workflows})


def _report(title: str, impacts: Sequence[ImpactAnalysis], extra: str = "") -> str:
    lines = [f"## {title}", ""]
    if extra:
        lines += [extra, ""]
    lines += ["| table | downstream assets | max depth | jobs |", "|---|---|---|---|"]
    for impact in impacts:
        depth = max(impact.counts_by_depth, default=0)
        lines.append(
            f"| {impact.asset} | {impact.total_impacted_assets} | {depth} | "
            f"{impact.total_impacted_workflows} |"
        )
    lines += ["", "| depth | impacted asset |", "|---|---|"]
    lines += [f"| {depth} | {name} |" for depth, name in _top(impacts, 20)]
    jobs = _jobs(impacts)
    if jobs:
        lines += ["", "Affected Dagster jobs: " + ", ".join(jobs)]
    return "\n".join(lines)


def _summary(impacts: Sequence[ImpactAnalysis], top: int) -> str:
    total = sum(i.total_impacted_assets for i in impacts)
    jobs = _jobs(impacts)
    depth = max((max(i.counts_by_depth, default=0) for i in impacts), default=0)
    shown = ", ".join(f"{name} (depth {d})" for d, name in _top(impacts, top))
    text = f"{total} downstream table(s) up to depth {depth} and {len(jobs)} job(s)"
    if jobs:
        text += f" ({', '.join(jobs[:top])}{', ...' if len(jobs) > top else ''})"
    return text + (f". Top: {shown}" if shown else "")
