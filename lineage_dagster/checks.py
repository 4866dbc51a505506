"""Asset checks that enforce impact thresholds: "this change affects 50 downstream tables".

Checks read the impact cache when its entry is fresh and compute live otherwise. A lineage
store that cannot answer never fails a check (and so never blocks a pipeline): the check
passes and says why in its description and metadata.

Blocking: with ``blocking=True`` a failing check of severity ERROR stops the materialization
of downstream assets in the same run, as Dagster's blocking checks do. A failing check of
severity WARN never blocks, whatever ``blocking`` says.
"""

from collections.abc import Sequence
from typing import Any

import dagster as dg

from lineage_core import AssetNotFound, ImpactAnalysis, LineageError
from lineage_core.alerting import estimate_decides, impact_problems, schema_change_risk
from lineage_core.profiling.drift import describe_schema_change
from lineage_dagster.metadata import markdown_table
from lineage_dagster.resources import LineageResource
from lineage_dagster.translator import LineageTranslator, table_of_asset

AssetLike = dg.AssetsDefinition | dg.AssetSpec | dg.AssetKey | str


def _keys_and_metadata(assets: Sequence[AssetLike]) -> list[tuple[dg.AssetKey, dict[str, Any]]]:
    found: list[tuple[dg.AssetKey, dict[str, Any]]] = []
    for item in assets:
        if isinstance(item, dg.AssetsDefinition):
            found += [(spec.key, dict(spec.metadata or {})) for spec in item.specs]
        elif isinstance(item, dg.AssetSpec):
            found.append((item.key, dict(item.metadata or {})))
        else:
            found.append((dg.AssetKey.from_coercible(item), {}))
    return found


def impact_metadata(impact: ImpactAnalysis) -> dict[str, Any]:
    """An impact analysis as check (or alert) metadata the Dagster UI renders."""
    jobs = [
        (job.workflow_name, job.code_location or "", ", ".join(job.ops))
        for job in impact.affected_workflows
    ]
    return {
        "lineage/table": dg.MetadataValue.text(impact.asset),
        "lineage/downstream_assets": dg.MetadataValue.int(impact.total_impacted_assets),
        "lineage/downstream_jobs": dg.MetadataValue.int(impact.total_impacted_workflows),
        "lineage/counts_by_depth": dg.MetadataValue.json(
            {str(depth): count for depth, count in sorted(impact.counts_by_depth.items())}
        ),
        "lineage/top_impacted": dg.MetadataValue.md(
            markdown_table(
                ["depth", "asset"], [(n.depth, n.qualified_name) for n in impact.downstream_assets]
            )
        ),
        "lineage/affected_jobs": dg.MetadataValue.md(
            markdown_table(["job", "code location", "ops"], jobs)
        ),
        "lineage/code_locations": dg.MetadataValue.json(impact.code_locations),
        "lineage/from_cache": dg.MetadataValue.bool(impact.cached),
        "lineage/estimated": dg.MetadataValue.bool(impact.estimated),
    }


def build_impact_checks(
    *,
    assets: Sequence[AssetLike],
    max_downstream_assets: int | None = None,
    max_downstream_jobs: int | None = None,
    max_depth: int = 15,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.WARN,
    blocking: bool = False,
    name: str = "lineage_impact",
    top: int = 10,
    translator: LineageTranslator | None = None,
) -> list[dg.AssetChecksDefinition]:
    """One check per asset that fails when its downstream impact exceeds a threshold.

    The check fails when more than ``max_downstream_assets`` assets, or more than
    ``max_downstream_jobs`` Dagster jobs, lie downstream of the asset's table (within
    ``max_depth`` levels); at the threshold it passes. Its metadata carries the counts, the
    counts per depth, the ``top`` impacted assets with their depth, and the affected jobs and
    code locations.
    """
    if max_downstream_assets is None and max_downstream_jobs is None:
        raise dg.DagsterInvalidDefinitionError(
            "build_impact_checks needs max_downstream_assets or max_downstream_jobs"
        )
    translator = translator or LineageTranslator()
    checks = []
    for key, metadata in _keys_and_metadata(assets):
        table = table_of_asset(key, metadata, translator)
        if table is None:
            continue
        checks.append(
            _impact_check(
                key, table, name, max_downstream_assets, max_downstream_jobs, max_depth,
                severity, blocking, top,
            )
        )  # fmt: skip
    return checks


IMPACT_CHECK = "lineage/impact_check"  # check-spec metadata: what the check enforces


def _limit(value: int | None) -> int | str:
    return value if value is not None else "no limit"


def _impact_check(
    key: dg.AssetKey,
    table: str,
    name: str,
    max_assets: int | None,
    max_jobs: int | None,
    max_depth: int,
    severity: dg.AssetCheckSeverity,
    blocking: bool,
    top: int,
) -> dg.AssetChecksDefinition:
    limits = []
    if max_assets is not None:
        limits.append(f"at most {max_assets} downstream assets")
    if max_jobs is not None:
        limits.append(f"at most {max_jobs} downstream Dagster jobs")
    enforced = {
        "table": table,
        "max_downstream_assets": max_assets,
        "max_downstream_jobs": max_jobs,
        "max_depth": max_depth,
        "severity": severity.value,
        "top": top,
    }

    @dg.asset_check(
        asset=key,
        name=name,
        blocking=blocking,
        description=f"Changing {table} may affect {' and '.join(limits)}.",
        metadata={IMPACT_CHECK: dg.MetadataValue.json(enforced)},
    )
    def impact_check(lineage: LineageResource) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(**evaluate_impact_check(lineage, enforced))

    return impact_check


def evaluate_impact_check(lineage: LineageResource, enforced: dict[str, Any]) -> dict[str, Any]:
    """An impact check's verdict (``passed``, ``severity``, ``description``, ``metadata``),
    for the check itself and for the refresh job, which evaluates the checks of external
    tables that Dagster never executes."""
    table = enforced["table"]
    max_assets, max_jobs = enforced["max_downstream_assets"], enforced["max_downstream_jobs"]
    table_now = lineage.get_names().resolve(table)  # the resource's defaults and aliases
    try:
        with lineage.get_store() as store:
            impact = store.impact(table_now, max_depth=enforced["max_depth"], limit=enforced["top"])
            if estimate_decides(impact, max_assets):  # a limit above what the cache counts exactly
                impact = store.impact(
                    table_now, max_depth=enforced["max_depth"], limit=enforced["top"], live=True
                )
    except AssetNotFound:
        return {
            "passed": True,
            "description": f"No lineage recorded for {table} yet",
            "metadata": {"lineage/table": table, "lineage/downstream_assets": 0},
        }
    except LineageError as exc:
        return {
            "passed": True,
            "description": f"Not evaluated, the lineage store could not answer: {exc}",
            "metadata": {"lineage/table": table, "lineage/error": str(exc)},
        }
    problems = impact_problems(impact, max_assets, max_jobs)
    description = (
        f"Changing {table} affects " + " and ".join(problems)
        if problems
        else f"{table}: {impact.total_impacted_assets} downstream assets, "
        f"{impact.total_impacted_workflows} jobs, within limits"
    )
    metadata = {
        **impact_metadata(impact),
        "lineage/max_downstream_assets": _limit(max_assets),
        "lineage/max_downstream_jobs": _limit(max_jobs),
    }
    if explorer := lineage.explorer_link(table_now):
        metadata["lineage/explorer"] = dg.MetadataValue.url(explorer)
    return {
        "passed": not problems,
        "severity": dg.AssetCheckSeverity(enforced["severity"]),
        "description": description,
        "metadata": metadata,
    }


def build_schema_change_checks(
    *,
    assets: Sequence[AssetLike],
    min_downstream_assets: int = 1,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
    blocking: bool = False,
    name: str = "lineage_schema_change",
    translator: LineageTranslator | None = None,
) -> list[dg.AssetChecksDefinition]:
    """Checks that fail on the risky case: a table whose schema changed and that at least
    ``min_downstream_assets`` other assets depend on.

    The schema change is the drift between the two latest profiles of the table (columns
    added, removed or retyped), as found by the profiling job.
    """
    translator = translator or LineageTranslator()
    checks = []
    for key, metadata in _keys_and_metadata(assets):
        table = table_of_asset(key, metadata, translator)
        if table is not None:
            checks.append(
                _schema_check(key, table, name, min_downstream_assets, severity, blocking)
            )
    return checks


def _schema_check(
    key: dg.AssetKey,
    table: str,
    name: str,
    min_downstream: int,
    severity: dg.AssetCheckSeverity,
    blocking: bool,
) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=key,
        name=name,
        blocking=blocking,
        description=f"Fails when {table}'s schema changed and at least {min_downstream} "
        "downstream assets depend on it.",
    )
    def schema_check(lineage: LineageResource) -> dg.AssetCheckResult:
        table_now = lineage.get_names().resolve(table)  # the resource's defaults and aliases
        try:
            with lineage.get_store() as store:
                profiles = store.profiles(table_now, limit=1)
                impact = store.impact(table_now, limit=5)
        except AssetNotFound:
            return dg.AssetCheckResult(passed=True, description=f"No lineage or profile of {table}")
        except LineageError as exc:
            return dg.AssetCheckResult(
                passed=True,
                description=f"Not evaluated, the lineage store could not answer: {exc}",
                metadata={"lineage/error": str(exc)},
            )
        drift = profiles[0].drift if profiles else None
        changed, risky = schema_change_risk(drift, impact, min_downstream)
        metadata = impact_metadata(impact)
        if drift is not None:
            metadata["lineage/drift"] = dg.MetadataValue.json(drift.to_json())
        if risky:
            description = (
                f"The schema of {table} changed ({describe_schema_change(drift)}) "
                f"and {impact.total_impacted_assets} downstream assets depend on it"
            )
        elif changed:
            description = f"The schema of {table} changed, but few assets depend on it"
        else:
            description = f"No schema change in the latest profile of {table}"
        return dg.AssetCheckResult(
            passed=not risky, severity=severity, description=description, metadata=metadata
        )

    return schema_check
