"""Dagster wiring of ``lineage_core``: a resource, capture sensor, jobs and checks.

This package maps Dagster things (runs, events, asset definitions) to core calls; the lineage
logic itself lives in ``lineage_core``.
"""

from lineage_dagster.capture import RunLineage, read_run
from lineage_dagster.metadata import (
    COLUMNS,
    DIALECT,
    READS,
    SQL,
    WRITES,
    LineageTranslator,
    record_lineage,
)
from lineage_dagster.resources import RESOURCE_KEY, LineageResource
from lineage_dagster.sensors import CaptureCursor, build_lineage_capture_sensor

__all__ = [
    "COLUMNS",
    "DIALECT",
    "READS",
    "RESOURCE_KEY",
    "SQL",
    "WRITES",
    "CaptureCursor",
    "LineageResource",
    "LineageTranslator",
    "RunLineage",
    "build_lineage_capture_sensor",
    "read_run",
    "record_lineage",
]
