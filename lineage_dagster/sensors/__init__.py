"""Sensors: capture lineage from finished runs, and alert on large downstream impact.

Each sensor only loops, bounds its time and keeps its cursor; what a run means for lineage
(:mod:`lineage_core.capture`) and when to alert (:mod:`lineage_core.alerting`) are core's.
"""

from lineage_dagster.sensors.alerts import AlertCursor, build_impact_alert_sensor
from lineage_dagster.sensors.capture import CaptureCursor, build_lineage_capture_sensor

__all__ = [
    "AlertCursor",
    "CaptureCursor",
    "build_impact_alert_sensor",
    "build_lineage_capture_sensor",
]
