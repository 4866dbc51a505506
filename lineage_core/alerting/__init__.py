"""Alerting on large downstream impact: the rules, the texts, and the sinks, without Dagster.

:mod:`~lineage_core.alerting.rules` decides what deserves an alert (a failed run whose
tables feed many assets, schema drift on such a table, new lineage crossing a threshold);
:mod:`~lineage_core.alerting.delivery` records each alert once per deduplication key and
delivers it to each sink once (claims with leases, retries with backoff, one digest for the
threshold crossings found together); :mod:`~lineage_core.alerting.render` writes the texts
people read; :mod:`~lineage_core.alerting.webhook` posts them within a deadline. The Dagster
sensor only feeds these with runs and events and turns claims into log lines and run requests.
"""

from lineage_core.alerting.delivery import (
    Budget,
    Delivery,
    DeliveryClaim,
    Message,
    Sink,
    baseline,
    claim_due,
    deliver,
    fail_abandoned,
    messages,
    record,
    send,
)
from lineage_core.alerting.render import (
    Alert,
    run_failure_alert,
    schema_drift_alert,
    threshold_alert,
    threshold_digest,
)
from lineage_core.alerting.rules import (
    estimate_decides,
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
    "Budget",
    "Delivery",
    "DeliveryClaim",
    "Message",
    "Sink",
    "baseline",
    "claim_due",
    "deliver",
    "estimate_decides",
    "fail_abandoned",
    "impact_of",
    "impact_problems",
    "messages",
    "post_webhook",
    "record",
    "run_failure_alert",
    "schema_change_risk",
    "schema_drift_alert",
    "schema_drift_alerts",
    "send",
    "stale_tables",
    "threshold_alert",
    "threshold_crossings",
    "threshold_digest",
]
