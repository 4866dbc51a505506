"""Capture: from what a run's steps declared to lineage in the store.

Orchestrator-neutral: the Dagster layer reads a run's events and step graph into
:class:`~lineage_core.propagation.StepLineage` records, and everything after that is here:
what a metadata mapping declares (:func:`parse_declaration`), which edges a run produced
(:func:`assemble_run`), and writing one run to the store (:func:`apply_run`).

The metadata conventions (``lineage/reads``, ``lineage/writes``, ``lineage/sql``,
``lineage/dialect``, ``lineage/columns``) are plain values, so any source that can attach a
mapping to a step (Dagster metadata today) declares lineage the same way. Bad values become
errors on the run, never exceptions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from lineage_core.connections import resolve_connection
from lineage_core.errors import InvalidArgument, InvalidName, LineageError, StoreUnavailable
from lineage_core.models import ColumnMapping, EdgeIn
from lineage_core.names import check_label, normalise_name
from lineage_core.propagation import StepLineage, propagate
from lineage_core.resolution import CONNECTION, DEFAULT_DATABASE, DEFAULT_SCHEMA, NameContext

if TYPE_CHECKING:
    from lineage_core.store import LineageStore

READS = "lineage/reads"
WRITES = "lineage/writes"
SQL = "lineage/sql"
DIALECT = "lineage/dialect"
COLUMNS = "lineage/columns"

SUCCESS = "SUCCESS"  # the run status whose writes are evidence for retiring edges


@dataclass
class Declaration:
    """What one piece of metadata declares, with the problems found in it."""

    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    columns: list[ColumnMapping] = field(default_factory=list)
    sql: str | None = None
    files: set[str] = field(default_factory=set)  # names among reads and writes that are files
    flows: set[tuple[str, str]] = field(default_factory=set)  # (source, target) within the SQL
    sql_reads: set[str] = field(default_factory=set)  # the reads that came from the SQL
    sql_writes: set[str] = field(default_factory=set)  # the writes that came from the SQL
    errors: list[str] = field(default_factory=list)


def names_for(
    metadata: Mapping[str, Any],
    base: NameContext | None = None,
    connections: Mapping[str, str] | None = None,
) -> NameContext:
    """The name context of one step or asset: ``base`` narrowed by the connection it names
    (``lineage/connection``) and then by its own ``lineage/default_database`` and
    ``lineage/default_schema``. A connection that cannot be read leaves ``base`` as is."""
    context = base or NameContext()
    connection = metadata.get(CONNECTION)
    if isinstance(connection, str) and connection.strip():
        try:
            found = resolve_connection(connection, connections)
        except LineageError:
            found = None
        if found is not None:
            database, schema = found.name_defaults()
            context = context.within(
                default_database=database, default_schema=schema, dialect=found.dialect
            )
    return context.within(
        default_database=_text(metadata.get(DEFAULT_DATABASE)),
        default_schema=_text(metadata.get(DEFAULT_SCHEMA)),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def parse_declaration(
    metadata: Mapping[str, Any],
    *,
    where: str,
    dialect: str | None = None,
    names: NameContext | None = None,
    files: bool = False,
) -> Declaration:
    """The lineage one mapping of plain values declares; ``where`` prefixes its errors.

    ``lineage/dialect`` in the mapping overrides ``dialect``; names are normalised in it and
    resolved through ``names`` (qualified with its defaults, aliases replaced). With
    ``files=True`` the files SQL reads and writes are kept too, as ``file."<path>"`` assets.
    """
    declaration = Declaration()
    errors = declaration.errors
    names = names or NameContext()
    dialect = metadata.get(DIALECT) if DIALECT in metadata else (dialect or names.dialect)
    if dialect is not None and not isinstance(dialect, str):
        errors.append(f"{where}: {DIALECT} must be a string")
        dialect = None
    if READS in metadata:
        declaration.reads |= _names(metadata[READS], READS, where, dialect, names, errors)
    if WRITES in metadata:
        declaration.writes |= _names(metadata[WRITES], WRITES, where, dialect, names, errors)
    if COLUMNS in metadata:
        declaration.columns.extend(_columns(metadata[COLUMNS], where, dialect, names, errors))
    if SQL in metadata:
        sql = metadata[SQL]
        if not isinstance(sql, str):
            errors.append(f"{where}: {SQL} must be a string, got {type(sql).__name__}")
        elif "\x00" in sql:
            errors.append(f"{where}: {SQL}: it contains a NUL byte; the SQL was not read")
        else:
            _read_sql(declaration, sql, where, dialect, names, files)
    return declaration


def _read_sql(
    declaration: Declaration,
    sql: str,
    where: str,
    dialect: str | None,
    names: NameContext,
    files: bool,
) -> None:
    from lineage_core.sql import extract_lineage

    try:
        found = extract_lineage(
            sql,
            dialect,
            default_database=names.default_database,
            default_schema=names.default_schema,
            files=files,
        )
    except InvalidArgument as exc:  # an unknown dialect, a bad default: the SQL is unread
        declaration.errors.append(f"{where}: {SQL}: {exc}")
        return
    file_names = set(found.files)

    def resolve(name: str) -> str:
        return name if name in file_names else names.resolve(name)

    def resolve_column(column: str) -> str:
        table = column.rpartition(".")[0]
        return column if table in file_names else names.resolve_column(column)

    declaration.sql = sql
    declaration.files |= file_names
    declaration.flows |= {(resolve(f.source), resolve(f.target)) for f in found.flows}
    declaration.sql_reads |= {resolve(name) for name in found.reads}
    declaration.sql_writes |= {resolve(name) for name in found.writes}
    declaration.reads |= {resolve(name) for name in found.reads}
    declaration.writes |= {resolve(name) for name in found.writes}
    declaration.columns.extend(
        ColumnMapping(
            target=resolve_column(mapping.target),
            sources=[resolve_column(source) for source in mapping.sources],
            transformation=mapping.transformation,
        )
        for mapping in found.columns
    )
    declaration.errors.extend(f"{where}: {SQL}: {warning}" for warning in found.warnings)


def _names(
    value: Any,
    key: str,
    where: str,
    dialect: str | None,
    names: NameContext,
    errors: list[str],
) -> set[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.append(f"{where}: {key} must be a list of table names, got {type(value).__name__}")
        return set()
    found = set()
    for name in value:
        try:
            found.add(names.resolve(name, dialect))
        except InvalidName as exc:
            errors.append(f"{where}: {key}: {exc}")
    return found


def _columns(
    value: Any, where: str, dialect: str | None, names: NameContext, errors: list[str]
) -> list[ColumnMapping]:
    if not isinstance(value, list):
        errors.append(f"{where}: {COLUMNS} must be a list of mappings, got {type(value).__name__}")
        return []
    mappings = []
    for item in value:
        try:
            mapping = ColumnMapping.model_validate(item)
            mappings.append(
                ColumnMapping(
                    target=names.resolve_column(normalise_column(mapping.target, dialect)),
                    sources=[
                        names.resolve_column(normalise_column(s, dialect)) for s in mapping.sources
                    ],
                    transformation=mapping.transformation,
                )
            )
        except (ValueError, InvalidName) as exc:
            errors.append(f"{where}: {COLUMNS}: invalid mapping {item!r}: {exc}".splitlines()[0])
    return mappings


def normalise_column(qualified: str, dialect: str | None = None) -> str:
    """``table.column`` with the table normalised as an asset name and the column folded."""
    table, dot, column = qualified.rpartition(".")
    if not dot or not table or not column:
        raise InvalidName(f"expected table.column, got {qualified!r}")
    column = check_label(column.strip().strip(chr(34)).lower(), "column name")
    return f"{normalise_name(table, dialect)}.{column}"


def declare(step: StepLineage, declaration: Declaration, lineage: RunLineage | None = None) -> None:
    """Add what a declaration says to the step that made it (and its files to the run)."""
    if lineage is not None:
        lineage.files |= declaration.files
    step.reads |= declaration.reads
    step.writes |= declaration.writes
    step.flows |= declaration.flows
    step.sql_reads |= declaration.sql_reads
    step.sql_writes |= declaration.sql_writes
    step.columns.extend(declaration.columns)
    if declaration.sql:
        step.sql = declaration.sql if not step.sql else f"{step.sql};\n{declaration.sql}"


@dataclass
class RunLineage:
    """What one run says: edges to record, tables each op wrote, problems found, and notes
    on what was captured and why anything was not."""

    run_id: str
    job: str
    code_location: str | None
    status: str
    started_at: datetime | None
    completed_at: datetime | None
    edges: list[EdgeIn] = field(default_factory=list)
    written: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (op, table) -> sources
    assets: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: set[str] = field(default_factory=set)  # assets that are files, not tables


def assemble_run(lineage: RunLineage, steps: Sequence[StepLineage]) -> RunLineage:
    """Fill ``lineage`` with the edges its steps produced and the tables each op wrote.

    A table a succeeded step wrote is recorded as written even when no edge leads to it, so
    that a later run which no longer reads its former sources can retire their edges; a step
    that failed or did not run here is never evidence for retiring anything. An edge the
    store could not keep (an over-long op name, a NUL byte) is that run's error; the others
    are kept.
    """
    evidence = {step.key for step in steps if step.ran and step.succeeded}
    for step in steps:
        lineage.assets |= step.reads | step.writes
        if step.key in evidence:
            for table in step.writes:
                lineage.written.setdefault((step.key, table), set())
    lineage.notes.extend(_notes(steps))
    refused: dict[str, str] = {}
    for edge in propagate(list(steps)):
        try:
            recorded = EdgeIn(
                source=edge.source,
                target=edge.target,
                job=lineage.job,
                op=edge.step,
                code_location=lineage.code_location,
                transformation=edge.transformation,
                sql=edge.sql,
                columns=list(edge.columns),
                run_id=lineage.run_id,
                executed_at=lineage.completed_at,
            )
        except ValidationError as exc:
            refused.setdefault(edge.step, _reason(exc))
            continue
        lineage.edges.append(recorded)
        if edge.step in evidence:
            lineage.written.setdefault((edge.step, edge.target), set()).add(edge.source)
        lineage.assets |= {edge.source, edge.target}
    for step, reason in refused.items():
        shown = step if len(step) <= 80 else step[:77] + "..."
        lineage.errors.append(f"step {shown}: its edges were not recorded: {reason}")
    return lineage


def _reason(error: ValidationError) -> str:
    first = error.errors()[0]
    cause = first.get("ctx", {}).get("error")
    return str(cause) if cause is not None else first["msg"]


def _notes(steps: Sequence[StepLineage]) -> list[str]:
    """What a reader of the execution row needs to trust it: which steps' lineage came from
    another run, and which declared writes of failed steps were not recorded."""
    notes = []
    borrowed = sorted(step.key for step in steps if not step.ran)
    if borrowed:
        notes.append(
            f"step(s) {', '.join(borrowed)} did not run in this run: their reads carried on "
            "from the run that executed them, without edges of their own"
        )
    for step in sorted((s for s in steps if s.ran and not s.succeeded), key=lambda s: s.key):
        kept = sorted(step.writes & step.materialized)
        dropped = sorted(step.writes - step.materialized)
        if kept:
            notes.append(
                f"step {step.key} failed after materializing {', '.join(kept)}: their edges "
                "were recorded"
            )
        if dropped:
            notes.append(
                f"step {step.key} failed: its declared writes {', '.join(dropped)} were not "
                "recorded (no materialization says they were written)"
            )
    return notes


@dataclass
class CaptureResult:
    """What writing one run changed."""

    edges_seen: int = 0
    edges_created: int = 0
    edges_retired: int = 0
    had_errors: bool = False


def apply_run(
    store: LineageStore,
    lineage: RunLineage,
    *,
    retire: bool = True,
    execution_type: str = "dagster_run",
) -> CaptureResult:
    """Write one run's lineage in one transaction (or the caller's).

    Raises ``StoreError`` (and writes nothing of the run) on an outage. Only a successful run
    retires edges: the tables it wrote, and the sources it wrote them from, are the evidence.
    ``retire=False`` is for runs told in parts (OpenLineage events), where no one part is
    evidence that an edge is gone; ``execution_type`` names the kind of capture on the
    execution row (one row per run and kind).
    """
    retired = 0
    with store.transaction():
        result = store.record_edges(lineage.edges) if lineage.edges else None
        on_edges = {name for edge in lineage.edges for name in (edge.source, edge.target)}
        written = {table for _, table in lineage.written} - on_edges
        if alone := lineage.assets - on_edges:
            store.record_assets(sources=alone - written, targets=written)
        for name in sorted(lineage.files & lineage.assets):
            store.upsert_asset(name, type="file")
        if retire and lineage.status == SUCCESS and lineage.written:
            retired = store.retire_unconfirmed_edges(
                job=lineage.job,
                code_location=lineage.code_location,
                writes=lineage.written,
                as_of=lineage.completed_at,
            )
        store.record_execution(
            run_id=lineage.run_id,
            execution_type=execution_type,
            job=lineage.job,
            code_location=lineage.code_location,
            status=lineage.status,
            assets_discovered=len(lineage.assets),
            edges_created=result.edges_created if result else 0,
            errors=lineage.errors,
            notes=lineage.notes,
            started_at=lineage.started_at,
            completed_at=lineage.completed_at,
        )
    return CaptureResult(
        edges_seen=len(lineage.edges),
        edges_created=result.edges_created if result else 0,
        edges_retired=retired,
        had_errors=bool(lineage.errors),
    )


def apply_run_edge_by_edge(store: LineageStore, lineage: RunLineage, failure: str) -> CaptureResult:
    """Write a run that failed to write as a whole: each edge on its own, keeping what the
    store accepts, and the execution row with every failure, ``failure`` first.

    Nothing is retired: with edges missing, the run is no evidence that the others are gone.
    An outage (``StoreUnavailable``) still raises; so does a store that refuses the row.
    """
    created, refused = 0, []
    for edge in lineage.edges:
        try:
            created += store.record_edges([edge]).edges_created
        except StoreUnavailable:
            raise
        except LineageError as exc:
            refused.append(f"edge {edge.source} -> {edge.target} (op {edge.op}): {exc}")
    store.record_execution(
        run_id=lineage.run_id,
        job=lineage.job,
        code_location=lineage.code_location,
        status=lineage.status,
        assets_discovered=len(lineage.assets),
        edges_created=created,
        errors=[failure, *refused, *lineage.errors],
        notes=[
            *lineage.notes,
            f"recorded edge by edge: {len(lineage.edges) - len(refused)} of "
            f"{len(lineage.edges)} edge(s) kept, nothing retired",
        ],
        started_at=lineage.started_at,
        completed_at=lineage.completed_at,
    )
    return CaptureResult(edges_seen=len(lineage.edges), edges_created=created, had_errors=True)
