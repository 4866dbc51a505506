"""OpenLineage, both ways: events in (``POST /api/v1/lineage`` on ``lineage serve``) and
captured runs out (the Dagster emitter sensor), checked against the specification itself.

By concern: :mod:`.validation` (the vendored JSON schema in ``schema/``, with its licence),
:mod:`.naming` (dataset namespaces and names to the store's qualified names, and back),
:mod:`.ingest` (what an event says, merging a run's events, recording them) and :mod:`.emit`
(a captured run as events, and posting them). The README's "OpenLineage" section says how
each part of an event maps to lineage.
"""

from lineage_core.openlineage.emit import (
    Delivery,
    EmitSettings,
    deliver,
    gather_run,
    lineage_url,
    run_events,
)
from lineage_core.openlineage.ingest import Receipt, read_event, receive
from lineage_core.openlineage.naming import DatasetNaming, dataset_of
from lineage_core.openlineage.validation import InvalidEvent, validate_event

__all__ = [
    "DatasetNaming",
    "Delivery",
    "EmitSettings",
    "InvalidEvent",
    "Receipt",
    "dataset_of",
    "deliver",
    "gather_run",
    "lineage_url",
    "read_event",
    "receive",
    "run_events",
    "validate_event",
]
