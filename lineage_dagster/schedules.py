"""Schedules for the lineage maintenance jobs."""

from __future__ import annotations

import dagster as dg


def build_refresh_impact_cache_schedule(
    job: dg.JobDefinition,
    *,
    cron_schedule: str = "0 * * * *",
    name: str | None = None,
    default_status: dg.DefaultScheduleStatus = dg.DefaultScheduleStatus.STOPPED,
    refresh_all: bool = False,
) -> dg.ScheduleDefinition:
    """Hourly by default; stale entries only unless ``refresh_all``."""
    return dg.ScheduleDefinition(
        name=name or f"{job.name}_schedule",
        job=job,
        cron_schedule=cron_schedule,
        default_status=default_status,
        run_config={"ops": {f"{job.name}_op": {"config": {"refresh_all": refresh_all}}}},
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
