"""Everything the integration offers, in one ``Definitions`` to merge into yours."""

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

from lineage_dagster.jobs import build_profile_tables_job, build_refresh_impact_cache_job
from lineage_dagster.resources import LineageResource
from lineage_dagster.schedules import (
    build_profile_tables_schedule,
    build_refresh_impact_cache_schedule,
)
from lineage_dagster.sensors import build_impact_alert_sensor, build_lineage_capture_sensor
from lineage_dagster.sensors.alerts import build_lineage_alert_job
from lineage_dagster.translator import LineageTranslator


def lineage_definitions(
    *,
    database_url: str | dg.EnvVar | None = None,
    tenant: str = "default",
    connections: Mapping[str, str] | None = None,
    impact_threshold: int = 50,
    alert_sinks: Sequence[str] = ("log", "job"),
    webhook_url: str | None = None,
    capture_interval_seconds: int = 30,
    alert_interval_seconds: int = 30,
    refresh_cron_schedule: str = "0 * * * *",
    profile_cron_schedule: str = "0 2 * * *",
    profile_run_config: Mapping[str, Any] | None = None,
    code_location: str | None = None,
    translator: LineageTranslator | None = None,
    running: bool = False,
) -> dg.Definitions:
    """The ``lineage`` resource, the capture and impact alert sensors, and the refresh and
    profiling jobs with their schedules (hourly and nightly by default).

    Merge it into your own definitions, in every code location whose runs you want captured::

        defs = dg.Definitions.merge(
            my_definitions,
            lineage_definitions(database_url=dg.EnvVar("LINEAGE_DATABASE_URL")),
        )

    ``running=True`` starts the sensors and schedules as soon as the code location loads
    (otherwise switch them on in the UI). ``profile_run_config`` is the nightly profiling run's
    config for the ``lineage_profile_tables_select`` op (default: every known table).
    """
    sensor_status = dg.DefaultSensorStatus.RUNNING if running else dg.DefaultSensorStatus.STOPPED
    schedule_status = (
        dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED
    )
    translator = translator or LineageTranslator()
    refresh = build_refresh_impact_cache_job(translator=translator)
    profile = build_profile_tables_job(translator=translator)
    alert_job = build_lineage_alert_job()
    profile_schedule = build_profile_tables_schedule(
        profile, cron_schedule=profile_cron_schedule, default_status=schedule_status
    )
    if profile_run_config:
        profile_schedule = dg.ScheduleDefinition(
            name=profile_schedule.name,
            job=profile,
            cron_schedule=profile_cron_schedule,
            default_status=schedule_status,
            run_config={"ops": {f"{profile.name}_select": {"config": dict(profile_run_config)}}},
            description=profile_schedule.description,
        )
    return dg.Definitions(
        jobs=[refresh, profile, alert_job],
        schedules=[
            build_refresh_impact_cache_schedule(
                refresh, cron_schedule=refresh_cron_schedule, default_status=schedule_status
            ),
            profile_schedule,
        ],
        sensors=[
            build_lineage_capture_sensor(
                minimum_interval_seconds=capture_interval_seconds,
                translator=translator,
                code_location=code_location,
                default_status=sensor_status,
            ),
            build_impact_alert_sensor(
                threshold=impact_threshold,
                sinks=alert_sinks,
                webhook_url=webhook_url,
                minimum_interval_seconds=alert_interval_seconds,
                code_location=code_location,
                alert_job=alert_job,
                default_status=sensor_status,
            ),
        ],
        resources={
            "lineage": LineageResource(
                database_url=database_url, tenant=tenant, connections=dict(connections or {})
            )
        },
    )
