"""OpenLineage events out: a captured run as the events a Marquez-compatible endpoint takes.

A Dagster run becomes, as the OpenLineage Dagster integration shaped it, one job for the run
and one for each op that recorded edges, the op's job named ``{job}.{op}`` with a ``parent``
run facet pointing at the run:

1. the run's START (job ``{job}``, run id the Dagster run id);
2. per op, a START with its inputs, then its end (COMPLETE, FAIL or ABORT, as the run ended)
   with inputs and outputs, the outputs carrying ``columnLineage`` (from the edges' column
   mappings) and ``schema`` (the columns the store knows: an asset's declared columns, else
   its latest profile's), the job carrying ``sql`` (the edges' SQL) and ``jobType``;
3. the run's end.

Every job also carries a ``dagster_lineage`` facet with the Dagster job, op and code
location, because OpenLineage has no place for a code location: our own endpoint reads it
back, so a run sent out and received again gives back the same edges
(:mod:`lineage_core.openlineage.ingest`). Datasets are named by
:func:`~lineage_core.openlineage.naming.dataset_of`. Ids are stable: the op runs' ids are
derived from the run's, so sending a run again sends the same events.

:func:`deliver` posts one event within a deadline, with retries and backoff, and says
whether the endpoint took it, refused it (a 4xx about the event itself: sending it again
will not help) or could not be reached (down, overloaded, refusing the key: try later).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, Literal

from lineage_core.alerting.webhook import post_json_once
from lineage_core.errors import LineageError
from lineage_core.models import Edge
from lineage_core.openlineage.ingest import LINEAGE_FACET
from lineage_core.openlineage.naming import dataset_of
from lineage_core.openlineage.validation import SPEC_ID
from lineage_core.store import LineageStore

ENDPOINT = "/api/v1/lineage"
EVENT_TYPES = {"SUCCESS": "COMPLETE", "FAILURE": "FAIL", "CANCELED": "ABORT"}
_FACETS = "https://openlineage.io/spec/facets"
SCHEMA_URLS = {
    "sql": f"{_FACETS}/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet",
    "jobType": f"{_FACETS}/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
    "parent": f"{_FACETS}/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet",
    "schema": f"{_FACETS}/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
    "columnLineage": f"{_FACETS}/1-2-0/ColumnLineageDatasetFacet.json"
    "#/$defs/ColumnLineageDatasetFacet",
}
# Refusals of the event itself; any other failure (401, 403, 404, 408, 429, 5xx, no answer)
# is the endpoint's, and the event waits for it.
REFUSED_STATUSES = frozenset({400, 413, 415, 422})


def _version() -> str:
    try:
        return metadata.version("dagster-lineage")
    except metadata.PackageNotFoundError:
        return "0"


PRODUCER = f"urn:dagster-lineage:{_version()}"
LINEAGE_FACET_SCHEMA = f"{PRODUCER}:facets:DagsterLineageJobFacet"


@dataclass(frozen=True)
class EmitSettings:
    """How runs are named out there: ``namespace`` is the job namespace of every event (the
    Dagster instance, as a scheduler's namespace is); ``dataset_namespaces`` maps a database
    to its dataset namespace (``{"warehouse": "postgres://warehouse:5432"}``), and tables of
    other databases take ``default_dataset_namespace`` (default: ``namespace``)."""

    namespace: str = "dagster"
    dataset_namespaces: Mapping[str, str] = field(default_factory=dict)
    default_dataset_namespace: str | None = None
    producer: str = PRODUCER


def run_uuid(run_id: str) -> str:
    """The OpenLineage run id of a run: itself when it is a UUID (Dagster's are), else one
    derived from it, always the same."""
    try:
        return str(uuid.UUID(run_id))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"dagster-lineage:run:{run_id}"))


def run_events(
    capture: Mapping[str, Any],
    edges: Sequence[Edge],
    settings: EmitSettings,
    columns: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """The OpenLineage events of one captured run (an execution row of the capture feed)
    whose recorded ``edges`` are given; ``columns`` are the known columns by asset name."""
    builder = _Builder(capture, settings, columns or {})
    by_op: dict[str | None, list[Edge]] = {}
    for edge in edges:
        by_op.setdefault(edge.op, []).append(edge)
    own = by_op.pop(None, [])
    events = [builder.event("START", builder.started, None, own, outputs=False)]
    for op, op_edges in sorted(by_op.items()):
        events.append(builder.event("START", builder.started, op, op_edges, outputs=False))
        events.append(builder.event(builder.end, builder.completed, op, op_edges))
    events.append(builder.event(builder.end, builder.completed, None, own))
    return events


class _Builder:
    def __init__(
        self,
        capture: Mapping[str, Any],
        settings: EmitSettings,
        columns: Mapping[str, Sequence[Mapping[str, Any]]],
    ) -> None:
        self.settings = settings
        self.columns = columns
        self.job: str = capture["job"] or ""
        self.code_location: str | None = capture.get("code_location")
        self.run_id = run_uuid(capture["run_id"])
        now = datetime.now(UTC)
        self.started = _aware(capture.get("started_at")) or now
        self.completed = _aware(capture.get("completed_at")) or self.started
        self.end = EVENT_TYPES.get(str(capture.get("status") or "").upper(), "COMPLETE")

    def event(
        self,
        event_type: str,
        at: datetime,
        op: str | None,
        edges: Sequence[Edge],
        *,
        outputs: bool = True,
    ) -> dict[str, Any]:
        namespace = self.settings.namespace
        job_facets: dict[str, Any] = {
            "jobType": self._facet(
                "jobType",
                processingType="BATCH",
                integration="DAGSTER",
                jobType="OP" if op else "JOB",
            ),
            LINEAGE_FACET: {
                "_producer": self.settings.producer,
                "_schemaURL": LINEAGE_FACET_SCHEMA,
                "job": self.job,
                "op": op,
                "codeLocation": self.code_location,
            },
        }
        sql = next((edge.transformation_logic for edge in edges if edge.transformation_logic), None)
        if sql:
            job_facets["sql"] = self._facet("sql", query=sql)
        run: dict[str, Any] = {"runId": self.run_id, "facets": {}}
        if op is not None:
            run["runId"] = str(uuid.uuid5(uuid.UUID(self.run_id), f"op:{op}"))
            run["facets"]["parent"] = self._facet(
                "parent",
                run={"runId": self.run_id},
                job={"namespace": namespace, "name": self.job},
            )
        sources = sorted({edge.source for edge in edges})
        targets = sorted({edge.target for edge in edges})
        return {
            "eventType": event_type,
            "eventTime": at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "producer": self.settings.producer,
            "schemaURL": f"{SPEC_ID}#/$defs/RunEvent",
            "run": run,
            "job": {
                "namespace": namespace,
                "name": f"{self.job}.{op}" if op else self.job,
                "facets": job_facets,
            },
            "inputs": [self._dataset(name) for name in sources],
            "outputs": [self._dataset(name, edges) for name in targets] if outputs else [],
        }

    def _facet(self, key: str, **fields: Any) -> dict[str, Any]:
        return {"_producer": self.settings.producer, "_schemaURL": SCHEMA_URLS[key], **fields}

    def _identifier(self, name: str) -> tuple[str, str]:
        settings = self.settings
        return dataset_of(
            name,
            namespaces=settings.dataset_namespaces,
            default_namespace=settings.default_dataset_namespace or settings.namespace,
        )

    def _dataset(self, name: str, edges: Sequence[Edge] | None = None) -> dict[str, Any]:
        namespace, dataset_name = self._identifier(name)
        facets: dict[str, Any] = {}
        if self.columns.get(name):
            facets["schema"] = self._facet("schema", fields=list(self.columns[name]))
        fields: dict[str, Any] = {}
        for edge in edges or ():
            if edge.target != name:
                continue
            source_namespace, source_name = self._identifier(edge.source)
            for column in edge.columns:
                transformation: dict[str, Any] = {
                    "type": "DIRECT",
                    "subtype": "TRANSFORMATION" if column.transformation else "IDENTITY",
                }
                if column.transformation:
                    transformation["description"] = column.transformation
                fields.setdefault(column.target, {"inputFields": []})["inputFields"].append(
                    {
                        "namespace": source_namespace,
                        "name": source_name,
                        "field": column.source,
                        "transformations": [transformation],
                    }
                )
        if fields:
            facets["columnLineage"] = self._facet("columnLineage", fields=fields)
        return {"namespace": namespace, "name": dataset_name, "facets": facets}


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def known_columns(store: LineageStore, names: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The columns the store knows of each named asset: those an event declared (the
    asset's ``columns`` metadata), else its latest profile's; assets without any are left
    out."""
    found: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        try:
            declared = store.get_asset(name).metadata.get("columns")
            if isinstance(declared, list) and declared:
                found[name] = declared
                continue
            profiles = store.profiles(name, limit=1)
        except LineageError:
            continue
        if profiles:
            found[name] = [
                {"name": column.column_name, "type": column.data_type}
                for column in profiles[0].column_profiles
            ]
    return found


def gather_run(
    store: LineageStore, capture: Mapping[str, Any], settings: EmitSettings
) -> list[dict[str, Any]]:
    """The events of one capture, read from the store: its run's edges and their columns."""
    edges = store.run_edges(
        capture["run_id"], job=capture["job"] or "", code_location=capture.get("code_location")
    )
    names = sorted({name for edge in edges for name in (edge.source, edge.target)})
    return run_events(capture, edges, settings, known_columns(store, names))


# -- delivery -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """How sending one event went: ``delivered``, ``refused`` (the endpoint will not take
    this event) or ``unreachable`` (try again later); ``detail`` says what was seen."""

    outcome: Literal["delivered", "refused", "unreachable"]
    detail: str
    attempts: int


def lineage_url(url: str) -> str:
    """``{url}/api/v1/lineage``, the path Marquez takes events at (kept when given)."""
    base = url.rstrip("/")
    return base if base.endswith(ENDPOINT) else base + ENDPOINT


def deliver(
    url: str,
    event: Mapping[str, Any],
    *,
    api_key: str | None = None,
    deadline: float,
    attempts: int = 3,
    backoff_seconds: float = 0.5,
    timeout_seconds: float = 10.0,
) -> Delivery:
    """POST one event to ``url`` (the full endpoint), with ``Authorization: Bearer`` when an
    ``api_key`` is given: up to ``attempts`` tries, ``backoff_seconds`` doubling between
    them, none past ``deadline`` (a ``time.monotonic()`` value) and each within
    ``timeout_seconds``. A try that timed out is tried again: the endpoints this sends to
    keep an event once however often it comes (a Marquez run is upserted by its id)."""
    body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    headers["User-Agent"] = "dagster-lineage-openlineage"
    detail, made = "no time left in this tick", 0
    while made < max(1, attempts):
        if made:
            time.sleep(
                max(0.0, min(backoff_seconds * 2 ** (made - 1), deadline - time.monotonic()))
            )
        left = min(timeout_seconds, deadline - time.monotonic())
        if left <= 0:
            break
        status, detail = post_json_once(url, body, timeout=left, headers=headers)
        made += 1
        if status is not None and 200 <= status < 300:
            return Delivery("delivered", detail, made)
        if status in REFUSED_STATUSES:
            return Delivery("refused", detail, made)
    return Delivery("unreachable", detail, made)
