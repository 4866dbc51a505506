"""OpenLineage events in: what an event says, in the store's terms, and recording it.

An event is checked against the specification (:mod:`.validation`), then read whole into an
:class:`EventLineage` before anything is written, so a bad part (a dataset name the store
cannot keep, a NUL byte, an over-long job name) refuses the whole event with the JSON
Pointer of that part, and nothing of it is recorded.

How an event maps to lineage:

- **Datasets** are named by :class:`~lineage_core.openlineage.naming.DatasetNaming`.
- **The job** is the edge's job, its namespace the code location, no op. A task of a larger
  run (a ``parent`` run facet: an Airflow task of its DAG run, a step of a Dagster run) is
  that parent's: job and code location are the parent job's, the op is the task's own job
  name (without the parent's name in front: ``orders_etl.count`` is op ``count`` of job
  ``orders_etl``), and its edges count under the parent's run id. So an Airflow DAG and a
  Dagster job read alike, and one DAG run counts once, however many tasks it has.
- **Runs** are merged: every event of a run is kept (:mod:`lineage_core.store.openlineage`)
  and the run is recorded again from all of them at each event, through the capture's own
  :func:`~lineage_core.capture.assemble_run` and :func:`~lineage_core.capture.apply_run`:
  each task's inputs feed each of its outputs, over the union of what its events said. A
  COMPLETE with outputs alone, or one that arrives before its START, loses nothing, and no
  OpenLineage run ever retires an edge (no one event is evidence that an edge is gone).
  Executions are counted once per run id.
- **Pruned runs** (:meth:`~lineage_core.store.LineageStore.prune_openlineage_events`): an
  event of a run whose kept events were pruned is merged with what the run's execution row
  kept (the store's ``PRUNED`` event): a status it ended with stays unless a later terminal
  event ends it otherwise, and it keeps its start, errors and notes; an edge the run
  recorded keeps its columns, the late event's added. What the pruned events alone said
  (the inputs of a START whose outputs come only now) is gone: no edge pairs them.
- **Column mappings** come from the ``columnLineage`` facet of each output (its DIRECT
  inputs; INDIRECT ones, such as join keys, compute no value); where an output has none,
  from the ``sql`` job facet, parsed by :mod:`lineage_core.sql`, whose tables are matched to
  the event's datasets by name. The ``sql`` facet's query is the edges' SQL.
- **The schema facet** becomes the asset's columns: the store keeps them in the asset's
  metadata (``columns``: name, type, description, nested fields), since its column
  statistics are profiles, which need measurements an event does not carry.
- **Job events** (no run) record their edges without a run; **dataset events** record the
  dataset and its columns.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from lineage_core.capture import SUCCESS, RunLineage, apply_run, assemble_run
from lineage_core.errors import AssetNotFound, InvalidArgument, InvalidName
from lineage_core.models import ColumnMapping, EdgeColumn, EdgeIn, Model
from lineage_core.names import check_label, normalise_part, parse_name
from lineage_core.openlineage.naming import DatasetNaming, dialect_of
from lineage_core.openlineage.validation import EventKind, InvalidEvent, pointer, validate_event
from lineage_core.propagation import StepLineage
from lineage_core.store import LineageStore
from lineage_core.store.openlineage import EXECUTION_TYPE, PRUNED, PrunedRun

LINEAGE_FACET = "dagster_lineage"  # the job facet our emitter adds: Dagster job, op, location
TERMINAL = {"COMPLETE": SUCCESS, "FAIL": "FAILURE", "ABORT": "CANCELED"}
RUNNING = "STARTED"
MAX_SCHEMA_FIELDS = 10_000
MAX_FAILURE_TEXT = 500
MAX_RECEIPT_EDGES = 1_000


class ReceivedEdge(Model):
    source: str
    target: str
    op: str | None = None
    columns: list[EdgeColumn] = Field(default_factory=list)


class Receipt(Model):
    """What an accepted event recorded: the 201 answer."""

    kind: EventKind
    event_type: str | None = None
    run_id: str | None = None  # the run its edges count under
    job: str | None = None
    code_location: str | None = None
    status: str | None = None
    events_merged: int = 0  # events of the run recorded together
    edges: list[ReceivedEdge] = Field(default_factory=list)  # the first MAX_RECEIPT_EDGES
    edges_recorded: int = 0  # edges of the run (or job) as recorded now
    edges_created: int = 0
    assets: list[str] = Field(default_factory=list)
    columns_recorded: dict[str, int] = Field(default_factory=dict)
    errors: list[str] = Field(default_factory=list)


class EventLineage(Model):
    """What one event says, in the store's names: kept per event, merged per run."""

    kind: EventKind
    event_type: str | None = None
    event_time: datetime
    run_id: str | None = None  # the event's own run
    lineage_run_id: str | None = None  # the run its edges count under
    job: str | None = None
    op: str | None = None
    code_location: str | None = None
    inputs: list[str] = Field(default_factory=list)
    outputs: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    columns: list[ColumnMapping] = Field(default_factory=list)
    faceted: list[str] = Field(default_factory=list)  # outputs whose columns came in a facet
    sql: str | None = None
    dialect: str | None = None
    failure: str | None = None
    errors: list[str] = Field(default_factory=list)
    schemas: dict[str, list[dict[str, Any]]] = Field(default_factory=dict, exclude=True)

    def digest(self) -> str:
        """What the event said, apart from when: a resent event, or a streaming job's
        repeated RUNNING, is the same event."""
        said = self.to_json()
        said.pop("eventTime", None)
        text = json.dumps(said, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


# -- reading an event ---------------------------------------------------------------------


def parse_body(body: bytes) -> Any:
    """The request body as JSON; ``InvalidEvent`` when it is none (or not UTF-8)."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise InvalidEvent("", f"The body is not UTF-8: {exc}") from None
    except (ValueError, RecursionError) as exc:
        reason = str(exc) if not isinstance(exc, RecursionError) else "nested too deeply"
        raise InvalidEvent("", f"The body is not JSON: {reason}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_event(event: Any, naming: DatasetNaming | None = None) -> EventLineage:
    """Validate ``event`` (parsed JSON) and read what it says; ``InvalidEvent`` when the
    specification or the store refuses any part of it."""
    kind = validate_event(event)
    _refuse_unstorable(event, [])
    return _Reader(event, kind, naming or DatasetNaming()).read()


def _refuse_unstorable(value: Any, where: list[Any]) -> None:
    """Text no database keeps: a NUL byte (PostgreSQL refuses it in text and jsonb), or a
    lone surrogate (``"\\ud800"`` is valid JSON, but no UTF-8)."""
    if isinstance(value, str):
        _check_text(value, where)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _check_text(key, [*where, key])
            _refuse_unstorable(item, [*where, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_unstorable(item, [*where, index])


def _check_text(text: str, where: list[Any]) -> None:
    if "\x00" in text:
        raise InvalidEvent(pointer(where), "it contains a NUL byte")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidEvent(pointer(where), "it is not valid Unicode (a lone surrogate)") from None


def event_time(text: str, where: str = "/eventTime") -> datetime:
    """An RFC 3339 time (validated already) as an aware UTC datetime."""
    try:
        value = datetime.fromisoformat(text.upper())
    except ValueError as exc:
        raise InvalidEvent(where, f"{text[:40]!r} cannot be read as a time: {exc}") from None
    return value.astimezone(UTC)


class _Reader:
    """Reads one validated event; every refusal names the path of what it refused."""

    def __init__(self, event: Mapping[str, Any], kind: EventKind, naming: DatasetNaming):
        self.event = event
        self.kind = kind
        self.naming = naming
        self.found = EventLineage(kind=kind, event_time=event_time(event["eventTime"]))
        self.errors: list[str] = []
        self.files: set[str] = set()
        self.schemas: dict[str, list[dict[str, Any]]] = {}

    def read(self) -> EventLineage:
        event, update = self.event, {}
        if self.kind == "dataset":
            named = self._dataset(event["dataset"], ["dataset"])
            self._schema(named, event["dataset"])
            return self.found.model_copy(
                update={"outputs": [named], "schemas": self.schemas, "files": sorted(self.files)}
            )
        update |= self._job(event["job"], event.get("run"))
        inputs = self._datasets(event.get("inputs"), "inputs")
        outputs = self._datasets(event.get("outputs"), "outputs")
        columns, faceted = [], []
        for index, (name, dataset) in enumerate(outputs):
            mappings = self._column_lineage(name, dataset, ["outputs", index], inputs)
            if mappings is not None:
                columns += mappings
                faceted.append(name)
        sql = _facet(event["job"], "sql")
        namespaces = [dataset["namespace"] for _, dataset in [*outputs, *inputs]]
        update |= {
            # Optional in the specification: a run event without one says no more than OTHER.
            "event_type": event.get("eventType") or "OTHER",
            "inputs": list(dict.fromkeys(name for name, _ in inputs)),
            "outputs": list(dict.fromkeys(name for name, _ in outputs)),
            "files": sorted(self.files),
            "columns": columns,
            "faceted": faceted,
            "sql": sql.get("query") if sql else None,
            "dialect": (sql.get("dialect") or _first_dialect(namespaces)) if sql else None,
            "failure": _failure(event.get("run")),
            "schemas": self.schemas,
            "errors": self.errors,
        }
        return self.found.model_copy(update=update)

    def _job(self, job: Mapping[str, Any], run: Mapping[str, Any] | None) -> dict[str, Any]:
        name = _label(job["name"], "job name", "/job/name")
        namespace = _label(job["namespace"], "job namespace", "/job/namespace")
        found: dict[str, Any] = {"job": name, "code_location": namespace, "op": None}
        if run is not None:
            found["run_id"] = found["lineage_run_id"] = run["runId"]
            parent = _facet(run, "parent")
            if parent:
                parent_job = parent["job"]["name"]
                prefix = f"{parent_job}."
                op = name[len(prefix) :] if name.startswith(prefix) and name != prefix else name
                found |= {
                    "lineage_run_id": parent["run"]["runId"],
                    "job": _label(parent_job, "job name", "/run/facets/parent/job/name"),
                    "code_location": _label(
                        parent["job"]["namespace"],
                        "job namespace",
                        "/run/facets/parent/job/namespace",
                    ),
                    "op": op,
                }
        told = _facet(job, LINEAGE_FACET) or {}
        for key, field in (("job", "job"), ("op", "op"), ("code_location", "codeLocation")):
            value = told.get(field, "")
            if value is None and key != "job":
                found[key] = None
            elif isinstance(value, str) and value:
                where = f"/job/facets/{LINEAGE_FACET}/{field}"
                found[key] = _label(value, key.replace("_", " "), where)
        return found

    def _datasets(self, value: Any, side: str) -> list[tuple[str, Mapping[str, Any]]]:
        found = []
        for index, dataset in enumerate(value or []):
            name = self._dataset(dataset, [side, index])
            self._schema(name, dataset)
            found.append((name, dataset))
        return found

    def _dataset(self, dataset: Mapping[str, Any], where: list[Any]) -> str:
        try:
            named = self.naming.name_of(dataset["namespace"], dataset["name"])
        except InvalidName as exc:
            raise InvalidEvent(pointer([*where, "name"]), str(exc)) from None
        if named.file:
            self.files.add(named.name)
        return named.name

    def _schema(self, name: str, dataset: Mapping[str, Any]) -> None:
        schema = _facet(dataset, "schema")
        if schema and isinstance(schema.get("fields"), list):
            budget = [MAX_SCHEMA_FIELDS]
            self.schemas[name] = _fields(schema["fields"], budget)
            if budget[0] <= 0:
                self.errors.append(
                    f"{name}: only the first {MAX_SCHEMA_FIELDS} schema fields were kept"
                )

    def _column_lineage(
        self,
        target: str,
        dataset: Mapping[str, Any],
        where: list[Any],
        inputs: list[tuple[str, Mapping[str, Any]]],
    ) -> list[ColumnMapping] | None:
        """The mappings of an output's ``columnLineage`` facet (None without one); a
        dataset it names that the event did not list as an input becomes one."""
        facet = _facet(dataset, "columnLineage")
        if not facet:
            return None
        dialect = dialect_of(dataset["namespace"])
        mappings: list[ColumnMapping] = []
        for field, entry in facet.get("fields", {}).items():
            at = [*where, "facets", "columnLineage", "fields", field]
            column = self._column(field, dialect, pointer(at))
            if column is None:
                continue
            by_label: dict[str | None, list[str]] = {}
            for position, source in enumerate(entry.get("inputFields", [])):
                label = _direct(source, entry)
                if label is False:
                    continue
                source_at = [*at, "inputFields", position]
                table = self._dataset(source, source_at)
                source_column = self._column(
                    source["field"], dialect_of(source["namespace"]), pointer([*source_at, "field"])
                )
                if source_column is None:
                    continue
                if table not in {name for name, _ in inputs}:
                    inputs.append((table, source))
                by_label.setdefault(label, []).append(f"{table}.{source_column}")
            mappings += [
                ColumnMapping(target=f"{target}.{column}", sources=sources, transformation=label)
                for label, sources in by_label.items()
            ]
        return mappings

    def _column(self, field: str, dialect: str | None, where: str) -> str | None:
        """A column name as the store keys it (folded as the dataset's dialect folds an
        unquoted name); None, with an error kept, for a nested field (``a.b``), which no
        table edge can carry."""
        if not field.strip():
            raise InvalidEvent(where, "a column name is empty")
        try:
            column = check_label(
                normalise_part(field.strip(), quoted=False, dialect=dialect), "column name"
            )
        except InvalidName as exc:
            raise InvalidEvent(where, str(exc)) from None
        if "." in column:
            self.errors.append(f"{where}: nested field {field[:80]!r} has no column mapping")
            return None
        return column


def _first_dialect(namespaces: Sequence[str]) -> str | None:
    """The SQL dialect of the first warehouse among an event's datasets."""
    return next((d for d in map(dialect_of, namespaces) if d is not None), None)


def _facet(owner: Any, key: str) -> Mapping[str, Any] | None:
    facets = owner.get("facets") if isinstance(owner, Mapping) else None
    facet = facets.get(key) if isinstance(facets, Mapping) else None
    if not isinstance(facet, Mapping) or facet.get("_deleted"):
        return None
    return facet


def _label(value: str, what: str, where: str) -> str:
    try:
        return check_label(value, what) or ""
    except InvalidName as exc:
        raise InvalidEvent(where, str(exc)) from None


def _fields(fields: Sequence[Any], budget: list[int]) -> list[dict[str, Any]]:
    kept = []
    for field in fields:
        if budget[0] <= 0:
            break
        budget[0] -= 1
        item = {key: field[key] for key in ("name", "type", "description") if key in field}
        if isinstance(field.get("fields"), list) and field["fields"]:
            item["fields"] = _fields(field["fields"], budget)
        kept.append(item)
    return kept


def _direct(source: Mapping[str, Any], entry: Mapping[str, Any]) -> str | Literal[False] | None:
    """The transformation label of a DIRECT input field (None: a plain copy); False for an
    input that computes no value (INDIRECT only: a join key, a filter)."""
    transformations = source.get("transformations")
    if not transformations:  # the facet's first version: one description for the field
        described = entry.get("transformationDescription")
        kind = entry.get("transformationType")
        return described or (kind.lower() if kind and kind.upper() != "IDENTITY" else None)
    direct = [t for t in transformations if str(t.get("type", "")).upper() == "DIRECT"]
    if not direct:
        return False
    first = direct[0]
    subtype = first.get("subtype")
    label = first.get("description") or (
        subtype.lower() if subtype and subtype.upper() != "IDENTITY" else None
    )
    return label[:500] if label else None


def _failure(run: Mapping[str, Any] | None) -> str | None:
    facet = _facet(run, "errorMessage") if run else None
    message = facet.get("message") if facet else None
    if not isinstance(message, str) or not message.strip():
        return None
    return message if len(message) <= MAX_FAILURE_TEXT else message[: MAX_FAILURE_TEXT - 3] + "..."


# -- merging a run's events -----------------------------------------------------------------


def merge_run(
    lineage_run_id: str, events: Sequence[tuple[str, str, datetime, Mapping[str, Any]]]
) -> tuple[RunLineage, list[StepLineage]]:
    """The run as all its events tell it (oldest first): its job, status and times, and one
    step per task (op), each reading the union of its events' inputs and writing the union
    of their outputs; with what its execution row kept when its earlier events were
    pruned."""
    said = [EventLineage.model_validate(body) for _, kind, _, body in events if kind != PRUNED]
    pruned = [PrunedRun.model_validate(body) for _, kind, _, body in events if kind == PRUNED]
    own = [one for one in said if one.run_id == lineage_run_id]
    first = (own or said)[0]
    status, completed = _status(lineage_run_id, said)
    starts = [one.event_time for one in said if one.event_type == "START"]
    lineage = RunLineage(
        run_id=lineage_run_id,
        job=first.job or "",
        code_location=first.code_location,
        status=status,
        started_at=min(starts or [one.event_time for one in said]),
        completed_at=completed,
    )
    steps: dict[str, StepLineage] = {}
    faceted: dict[str, set[str]] = {}
    sql_of: dict[str, tuple[str, str | None]] = {}  # op -> (sql, dialect)
    for one in said:
        key = one.op or ""
        step = steps.setdefault(key, StepLineage(key=key))
        step.reads |= set(one.inputs)
        step.writes |= set(one.outputs)
        step.columns.extend(c for c in one.columns if c not in step.columns)
        faceted.setdefault(key, set()).update(one.faceted)
        if one.sql:
            step.sql = one.sql
            sql_of[key] = (one.sql, one.dialect)
        lineage.files |= set(one.files)
        lineage.errors.extend(e for e in one.errors if e not in lineage.errors)
        if one.failure and f"failed: {one.failure}" not in lineage.notes:
            lineage.notes.append(f"failed: {one.failure}")
    for key, step in steps.items():
        unmapped = step.writes - faceted.get(key, set())
        if key in sql_of and unmapped:
            sql, dialect = sql_of[key]
            step.columns.extend(_sql_columns(sql, dialect, step, unmapped, lineage.errors))
    kinds = sorted({one.event_type or "" for one in said})
    lineage.notes.insert(
        0,
        f"recorded from {len(said)} OpenLineage event(s) ({', '.join(kinds)}) of "
        f"{len({one.run_id for one in said})} run(s)" + (PRUNED_NOTE if pruned else ""),
    )
    for before in pruned:
        _go_on_from(lineage, before)
    return lineage, list(steps.values())


PRUNED_NOTE = ", going on from the run as recorded before its earlier events were pruned"


def _go_on_from(lineage: RunLineage, before: PrunedRun) -> None:
    """Fold in what a pruned run's execution row kept: the events left are only the late
    ones, and must not undo what the pruned ones said (that it ended, when it started)."""
    if before.started_at is not None and (
        lineage.started_at is None or before.started_at < lineage.started_at
    ):
        lineage.started_at = before.started_at
    if before.status not in (None, RUNNING) and (
        lineage.status == RUNNING
        or (
            before.completed_at is not None
            and lineage.completed_at is not None
            and before.completed_at > lineage.completed_at
        )
    ):
        lineage.status, lineage.completed_at = before.status, before.completed_at
    lineage.errors[:0] = [error for error in before.errors if error not in lineage.errors]
    lineage.notes.extend(
        note
        for note in before.notes
        if not note.startswith("recorded from ") and note not in lineage.notes
    )


def _status(lineage_run_id: str, said: Sequence[EventLineage]) -> tuple[str, datetime | None]:
    """The run's own terminal event decides; without one (a task's events, the parent's
    not in yet) a failed or aborted task does, else the run is complete when each of its
    tasks is."""
    own = [one for one in said if one.run_id == lineage_run_id]
    if own:
        ended = [one for one in own if one.event_type in TERMINAL]
        if not ended:
            return RUNNING, None
        last = max(ended, key=lambda one: one.event_time)
        return TERMINAL[last.event_type or ""], last.event_time
    by_task: dict[str, list[EventLineage]] = {}
    for one in said:
        by_task.setdefault(one.run_id or "", []).append(one)
    ends = []
    for events in by_task.values():
        ended = [one for one in events if one.event_type in TERMINAL]
        if not ended:
            return RUNNING, None
        ends.append(max(ended, key=lambda one: one.event_time))
    for kind in ("FAIL", "ABORT"):
        if any(one.event_type == kind for one in ends):
            return TERMINAL[kind], max(one.event_time for one in ends)
    return SUCCESS, max(one.event_time for one in ends)


def _sql_columns(
    sql: str, dialect: str | None, step: StepLineage, targets: set[str], errors: list[str]
) -> list[ColumnMapping]:
    """Column mappings of ``targets`` from the SQL, its tables matched to the step's
    datasets (``stg.orders`` in the SQL is the input ``warehouse.stg.orders``)."""
    from lineage_core.sql import extract_lineage
    from lineage_core.sql.dialects import dialect_name

    try:
        dialect = dialect_name(dialect)
    except InvalidArgument as exc:
        errors.append(f"sql facet: {exc}; read as generic SQL")
        dialect = None
    found = extract_lineage(sql, dialect)
    errors.extend(f"sql facet: {warning}" for warning in found.warnings[:20])
    mappings = []
    for mapping in found.columns:
        table, _, column = mapping.target.rpartition(".")
        target = _match(table, targets)
        if target is None:
            continue
        sources = []
        for source in mapping.sources:
            source_table, _, source_column = source.rpartition(".")
            matched = _match(source_table, step.reads)
            if matched is not None:
                sources.append(f"{matched}.{source_column}")
        if sources:
            mappings.append(
                ColumnMapping(
                    target=f"{target}.{column}",
                    sources=sources,
                    transformation=mapping.transformation,
                )
            )
    return mappings


def _match(table: str, candidates: set[str]) -> str | None:
    """The one candidate whose name ends with ``table``'s parts, if exactly one does."""
    try:
        parts = parse_name(table).parts
    except InvalidName:
        return None
    found = [name for name in sorted(candidates) if parse_name(name).parts[-len(parts) :] == parts]
    return found[0] if len(found) == 1 else None


# -- recording ------------------------------------------------------------------------------


def receive(store: LineageStore, body: bytes | Any, naming: DatasetNaming | None = None) -> Receipt:
    """Check one OpenLineage event and record it for ``store``'s tenant; returns what was
    recorded. ``InvalidEvent`` (nothing recorded) when the event is refused."""
    event = parse_body(body) if isinstance(body, bytes | bytearray) else body
    said = read_event(event, naming)
    if said.kind == "run":
        return record_run_event(store, said)
    if said.kind == "job":
        return record_job_event(store, said)
    return record_dataset_event(store, said)


def record_run_event(store: LineageStore, said: EventLineage) -> Receipt:
    """Keep the event with its run's others and record the run from all of them, in one
    transaction."""
    assert said.lineage_run_id and said.run_id and said.event_type
    with store.transaction():
        events = store.add_openlineage_event(
            lineage_run_id=said.lineage_run_id,
            run_id=said.run_id,
            digest=said.digest(),
            event_type=said.event_type,
            event_time=said.event_time,
            said=said.to_json(),
        )
        lineage, steps = merge_run(said.lineage_run_id, events)
        assemble_run(lineage, steps)
        if any(kind == PRUNED for _, kind, _, _ in events):
            lineage.edges = _keeping_columns(store, lineage)
        at = lineage.completed_at or max(at for _, _, at, _ in events)
        lineage.edges = [edge.model_copy(update={"executed_at": at}) for edge in lineage.edges]
        result = apply_run(store, lineage, retire=False, execution_type=EXECUTION_TYPE)
        columns = _record_schemas(store, said)
    return Receipt(
        kind="run",
        event_type=said.event_type,
        run_id=lineage.run_id,
        job=lineage.job,
        code_location=lineage.code_location,
        status=lineage.status,
        events_merged=sum(kind != PRUNED for _, kind, _, _ in events),
        edges=_received(lineage),
        edges_recorded=len(lineage.edges),
        edges_created=result.edges_created,
        assets=sorted(lineage.assets),
        columns_recorded=columns,
        errors=lineage.errors,
    )


def _keeping_columns(store: LineageStore, lineage: RunLineage) -> list[EdgeIn]:
    """The run's edges, each the run recorded before its events were pruned keeping the
    columns it has: the late events alone may tell fewer, and recording an edge replaces
    its columns."""
    recorded = {
        (edge.source, edge.target, edge.op or ""): edge.columns
        for edge in store.run_edges(
            lineage.run_id, job=lineage.job, code_location=lineage.code_location
        )
    }
    kept = []
    for edge in lineage.edges:
        before = recorded.get((edge.source, edge.target, edge.op or ""))
        if before:
            columns = [*before, *(column for column in edge.columns if column not in before)]
            edge = edge.model_copy(update={"columns": columns})
        kept.append(edge)
    return kept


def record_job_event(store: LineageStore, said: EventLineage) -> Receipt:
    """A job's lineage without a run: its edges (counted under no run) and assets."""
    lineage, steps = merge_run("", [("", "", said.event_time, said.to_json())])
    lineage.run_id = ""
    assemble_run(lineage, steps)
    on_edges = {name for edge in lineage.edges for name in (edge.source, edge.target)}
    written = {table for _, table in lineage.written} - on_edges
    with store.transaction():
        result = store.record_edges(lineage.edges) if lineage.edges else None
        if alone := lineage.assets - on_edges:
            store.record_assets(sources=alone - written, targets=written)
        for name in sorted(lineage.files & lineage.assets):
            store.upsert_asset(name, type="file")
        columns = _record_schemas(store, said)
    return Receipt(
        kind="job",
        job=lineage.job,
        code_location=lineage.code_location,
        edges=_received(lineage),
        edges_recorded=len(lineage.edges),
        edges_created=result.edges_created if result else 0,
        assets=sorted(lineage.assets),
        columns_recorded=columns,
        errors=lineage.errors,
    )


def record_dataset_event(store: LineageStore, said: EventLineage) -> Receipt:
    """A dataset on its own: the asset, with its columns when the event gives them."""
    [name] = said.outputs
    with store.transaction():
        columns = _record_schemas(store, said)
        if name not in columns:
            store.upsert_asset(name, type=_asset_type(store, name, said))
    return Receipt(kind="dataset", assets=[name], columns_recorded=columns)


def _record_schemas(store: LineageStore, said: EventLineage) -> dict[str, int]:
    recorded = {}
    for name, fields in sorted(said.schemas.items()):
        store.upsert_asset(name, type=_asset_type(store, name, said), metadata={"columns": fields})
        recorded[name] = len(fields)
    return recorded


def _asset_type(store: LineageStore, name: str, said: EventLineage) -> str:
    if name in said.files:
        return "file"
    try:
        return store.get_asset(name).type
    except AssetNotFound:
        return "table"


def _received(lineage: RunLineage) -> list[ReceivedEdge]:
    return [
        ReceivedEdge(
            source=edge.source, target=edge.target, op=edge.op or None, columns=edge.columns
        )
        for edge in lineage.edges[:MAX_RECEIPT_EDGES]
    ]
