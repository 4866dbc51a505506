"""Dagster wiring of ``lineage_core``: a resource, sensors, jobs, schedules and checks.

This package maps Dagster things (runs, events, asset definitions) to core calls; the lineage
logic itself lives in ``lineage_core``. Most projects need only :func:`lineage_definitions`
(or, in a project ``dg`` loads, :class:`LineageComponent`) plus lineage metadata on their ops
(see :mod:`lineage_dagster.metadata`).
"""

from lineage_core.capture import RunLineage
from lineage_dagster.checks import build_impact_checks, build_schema_change_checks
from lineage_dagster.component import LineageComponent
from lineage_dagster.definitions import lineage_definitions
from lineage_dagster.jobs import build_profile_tables_job, build_refresh_impact_cache_job
from lineage_dagster.metadata import COLUMNS, DIALECT, READS, SQL, WRITES, record_lineage
from lineage_dagster.resources import RESOURCE_KEY, LineageResource
from lineage_dagster.runs import read_run
from lineage_dagster.schedules import (
    build_profile_tables_schedule,
    build_refresh_impact_cache_schedule,
)
from lineage_dagster.sensors import (
    CaptureCursor,
    EmitterCursor,
    build_impact_alert_sensor,
    build_lineage_capture_sensor,
    build_openlineage_emitter_sensor,
)
from lineage_dagster.sensors.alerts import build_lineage_alert_job
from lineage_dagster.specs import build_lineage_asset_specs
from lineage_dagster.translator import LineageTranslator

__all__ = [
    "COLUMNS",
    "DIALECT",
    "READS",
    "RESOURCE_KEY",
    "SQL",
    "WRITES",
    "CaptureCursor",
    "EmitterCursor",
    "LineageComponent",
    "LineageResource",
    "LineageTranslator",
    "RunLineage",
    "build_impact_alert_sensor",
    "build_impact_checks",
    "build_lineage_alert_job",
    "build_lineage_asset_specs",
    "build_lineage_capture_sensor",
    "build_openlineage_emitter_sensor",
    "build_profile_tables_job",
    "build_profile_tables_schedule",
    "build_refresh_impact_cache_job",
    "build_refresh_impact_cache_schedule",
    "build_schema_change_checks",
    "lineage_definitions",
    "read_run",
    "record_lineage",
]
