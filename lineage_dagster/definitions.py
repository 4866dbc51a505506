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
    *defs: dg.Definitions,
    database_url: str | dg.EnvVar | None = None,
    tenant: str = "default",
    connections: Mapping[str, str] | None = None,
    default_database: str | None = None,
    default_schema: str | None = None,
    aliases: Mapping[str, str] | None = None,
    file_lineage: bool = False,
    explorer_url: str | None = None,
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
    profiling jobs with their schedules (hourly and nightly by default), merged into ``defs``.

    Call it once in every code location whose runs you want captured, with your own
    definitions, from the function Dagster loads::

        @dg.definitions
        def defs():
            return lineage_definitions(
                dg.Definitions(jobs=[my_job], assets=[...]),
                database_url=dg.EnvVar("LINEAGE_DATABASE_URL"),
            )

    ``dg.Definitions.merge(your_defs, lineage_definitions(...))`` gives the same result, but
    only this form can tell you that ``your_defs`` hold lineage already (a second call, or a
    ``LineageComponent`` in the defs folder ``your_defs`` came from): that raises a
    ``DagsterInvalidDefinitionError`` saying to keep one and pass it every option.

    ``default_database``, ``default_schema`` and ``aliases`` say how unqualified and aliased
    table names resolve (see the README's "How table names are decided"); ``file_lineage``
    records the files SQL reads and writes as file assets; ``explorer_url`` (where ``lineage
    serve`` answers) makes observations and checks link to each table's explorer page.

    ``running=True`` starts the sensors and schedules as soon as the code location loads
    (otherwise switch them on in the UI). ``profile_run_config`` is the nightly profiling run's
    config for the ``lineage_profile_tables_select`` op (default: every known table).
    """
    sensor_status = dg.DefaultSensorStatus.RUNNING if running else dg.DefaultSensorStatus.STOPPED
    schedule_status = (
        dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED
    )
    translator = translator or LineageTranslator()
    user_checks = [
        check
        for user_defs in defs
        if isinstance(user_defs, dg.Definitions)  # anything else is refused below
        for check in user_defs.asset_checks or ()
    ]
    refresh = build_refresh_impact_cache_job(translator=translator, asset_checks=user_checks)
    profile = build_profile_tables_job(translator=translator)
    alert_job = build_lineage_alert_job(webhook_url=webhook_url)
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
    lineage = dg.Definitions(
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
                database_url=database_url,
                tenant=tenant,
                connections=dict(connections or {}),
                default_database=default_database,
                default_schema=default_schema,
                aliases=dict(aliases or {}),
                file_lineage=file_lineage,
                explorer_url=explorer_url,
            )
        },
    )
    for user_defs in defs:
        _refuse_second_lineage(user_defs, lineage)
    return dg.Definitions.merge(*defs, lineage)


def _refuse_second_lineage(defs: object, lineage: dg.Definitions) -> None:
    """Refuse ``defs`` that already hold lineage definitions, saying what to do instead."""
    if not isinstance(defs, dg.Definitions):
        raise dg.DagsterInvalidDefinitionError(
            f"lineage_definitions() merges dg.Definitions, not {type(defs).__name__}: call it "
            "inside your @dg.definitions function, on the Definitions that function builds"
        )
    clashes = sorted(_names(defs) & _names(lineage))
    if clashes:
        raise dg.DagsterInvalidDefinitionError(
            f"Lineage is added twice to one code location ({', '.join(clashes)} are there "
            "already): keep a single lineage_definitions(...) call or a single "
            "LineageComponent per code location, and pass every option to that one."
        )


def _names(defs: dg.Definitions) -> set[str]:
    """The resource keys and job, schedule and sensor names of ``defs``."""
    named = [*(defs.jobs or ()), *(defs.schedules or ()), *(defs.sensors or ())]
    return {*(defs.resources or {}), *(item.name for item in named)}
