"""Sensors: capture lineage from finished runs, alert on large downstream impact, and send
captured runs out as OpenLineage events.

Each sensor only loops, bounds its time and keeps its cursor; what a run means for lineage
(:mod:`lineage_core.capture`), when to alert (:mod:`lineage_core.alerting`) and what an
OpenLineage event says (:mod:`lineage_core.openlineage`) are core's.
"""

from lineage_dagster.sensors.alerts import AlertCursor, build_impact_alert_sensor
from lineage_dagster.sensors.capture import CaptureCursor, build_lineage_capture_sensor
from lineage_dagster.sensors.openlineage import EmitterCursor, build_openlineage_emitter_sensor

__all__ = [
    "AlertCursor",
    "CaptureCursor",
    "EmitterCursor",
    "build_impact_alert_sensor",
    "build_lineage_capture_sensor",
    "build_openlineage_emitter_sensor",
]
