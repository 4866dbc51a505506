"""Alerting on large downstream impact: the rules, the texts, and the sinks, without Dagster.

:mod:`~lineage_core.alerting.rules` decides what deserves an alert (a failed run whose
tables feed many assets, schema drift on such a table, new lineage crossing a threshold) and
keeps each alert once per deduplication key; :mod:`~lineage_core.alerting.render` writes the
texts people read; :mod:`~lineage_core.alerting.webhook` posts them. The Dagster sensor only
feeds these with runs and events and turns their results into log lines and run requests.
"""

from lineage_core.alerting.render import (
    Alert,
    run_failure_alert,
    schema_drift_alert,
    threshold_alert,
)
from lineage_core.alerting.rules import (
    Delivery,
    Sink,
    baseline,
    deliver,
    impact_of,
    impact_problems,
    schema_change_risk,
    schema_drift_alerts,
    stale_tables,
    threshold_crossings,
)
from lineage_core.alerting.webhook import post_webhook

__all__ = [
    "Alert",
    "Delivery",
    "Sink",
    "baseline",
    "deliver",
    "impact_of",
    "impact_problems",
    "post_webhook",
    "run_failure_alert",
    "schema_change_risk",
    "schema_drift_alert",
    "schema_drift_alerts",
    "stale_tables",
    "threshold_alert",
    "threshold_crossings",
]
