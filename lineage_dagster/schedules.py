"""Schedules for the lineage maintenance jobs."""

from __future__ import annotations

import dagster as dg

from lineage_core.timestamps import parse_duration
from lineage_dagster.jobs import OPENLINEAGE_RETENTION


def build_refresh_impact_cache_schedule(
    job: dg.JobDefinition,
    *,
    cron_schedule: str = "0 * * * *",
    name: str | None = None,
    default_status: dg.DefaultScheduleStatus = dg.DefaultScheduleStatus.STOPPED,
    refresh_all: bool = False,
    openlineage_retention: str | None = OPENLINEAGE_RETENTION,
) -> dg.ScheduleDefinition:
    """Hourly by default; stale entries only unless ``refresh_all``. Each run also prunes
    the kept OpenLineage events of runs idle longer than ``openlineage_retention`` (``30d``,
    ``12h``; None keeps them all), refused here when it cannot be read."""
    if openlineage_retention is not None:
        parse_duration(openlineage_retention, "openlineage_retention")
    config = {"refresh_all": refresh_all, "openlineage_retention": openlineage_retention}
    return dg.ScheduleDefinition(
        name=name or f"{job.name}_schedule",
        job=job,
        cron_schedule=cron_schedule,
        default_status=default_status,
        run_config={"ops": {f"{job.name}_op": {"config": config}}},
        description="Keeps the lineage impact cache fresh.",
    )


def build_profile_tables_schedule(
    job: dg.JobDefinition,
    *,
    cron_schedule: str = "0 2 * * *",
    name: str | None = None,
    default_status: dg.DefaultScheduleStatus = dg.DefaultScheduleStatus.STOPPED,
) -> dg.ScheduleDefinition:
    """Nightly (02:00) by default; the job's own configuration picks the tables."""
    return dg.ScheduleDefinition(
        name=name or f"{job.name}_schedule",
        job=job,
        cron_schedule=cron_schedule,
        default_status=default_status,
        description="Profiles the selected tables and records their history.",
    )
