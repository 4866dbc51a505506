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

from lineage_core.errors import InvalidName
from lineage_core.models import ColumnMapping, EdgeIn
from lineage_core.names import normalise_name
from lineage_core.propagation import StepLineage, propagate

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
    errors: list[str] = field(default_factory=list)


def parse_declaration(
    metadata: Mapping[str, Any], *, where: str, dialect: str | None = None
) -> Declaration:
    """The lineage one mapping of plain values declares; ``where`` prefixes its errors.

    ``lineage/dialect`` in the mapping overrides ``dialect``; names are normalised in it.
    """
    declaration = Declaration()
    errors = declaration.errors
    dialect = metadata.get(DIALECT) if DIALECT in metadata else dialect
    if dialect is not None and not isinstance(dialect, str):
        errors.append(f"{where}: {DIALECT} must be a string")
        dialect = None
    if READS in metadata:
        declaration.reads |= _names(metadata[READS], READS, where, dialect, errors)
    if WRITES in metadata:
        declaration.writes |= _names(metadata[WRITES], WRITES, where, dialect, errors)
    if COLUMNS in metadata:
        declaration.columns.extend(_columns(metadata[COLUMNS], where, dialect, errors))
    if SQL in metadata:
        sql = metadata[SQL]
        if not isinstance(sql, str):
            errors.append(f"{where}: {SQL} must be a string, got {type(sql).__name__}")
        else:
            from lineage_core.sql import extract_lineage

            found = extract_lineage(sql, dialect)
            declaration.sql = sql
            declaration.reads |= set(found.reads)
            declaration.writes |= set(found.writes)
            declaration.columns.extend(found.columns)
            errors.extend(f"{where}: {SQL}: {warning}" for warning in found.warnings)
    return declaration


def _names(value: Any, key: str, where: str, dialect: str | None, errors: list[str]) -> set[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.append(f"{where}: {key} must be a list of table names, got {type(value).__name__}")
        return set()
    names = set()
    for name in value:
        try:
            names.add(normalise_name(name, dialect))
        except InvalidName as exc:
            errors.append(f"{where}: {key}: {exc}")
    return names


def _columns(value: Any, where: str, dialect: str | None, errors: list[str]) -> list[ColumnMapping]:
    if not isinstance(value, list):
        errors.append(f"{where}: {COLUMNS} must be a list of mappings, got {type(value).__name__}")
        return []
    mappings = []
    for item in value:
        try:
            mapping = ColumnMapping.model_validate(item)
            mappings.append(
                ColumnMapping(
                    target=normalise_column(mapping.target, dialect),
                    sources=[normalise_column(s, dialect) for s in mapping.sources],
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
    return f"{normalise_name(table, dialect)}.{column.strip().strip(chr(34)).lower()}"


def declare(step: StepLineage, declaration: Declaration) -> None:
    """Add what a declaration says to the step that made it."""
    step.reads |= declaration.reads
    step.writes |= declaration.writes
    step.columns.extend(declaration.columns)
    if declaration.sql:
        step.sql = declaration.sql if not step.sql else f"{step.sql};\n{declaration.sql}"


@dataclass
class RunLineage:
    """What one run says: edges to record, tables each op wrote, problems found."""

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


def assemble_run(lineage: RunLineage, steps: Sequence[StepLineage]) -> RunLineage:
    """Fill ``lineage`` with the edges its steps produced and the tables each op wrote.

    A table a succeeded step wrote is recorded as written even when no edge leads to it, so
    that a later run which no longer reads its former sources can retire their edges.
    """
    for step in steps:
        lineage.assets |= step.reads | step.writes
        if step.succeeded:
            for table in step.writes:
                lineage.written.setdefault((step.key, table), set())
    for edge in propagate(list(steps)):
        lineage.edges.append(
            EdgeIn(
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
        )
        lineage.written.setdefault((edge.step, edge.target), set()).add(edge.source)
        lineage.assets |= {edge.source, edge.target}
    return lineage


@dataclass
class CaptureResult:
    """What writing one run changed."""

    edges_seen: int = 0
    edges_created: int = 0
    edges_retired: int = 0
    had_errors: bool = False


def apply_run(store: LineageStore, lineage: RunLineage) -> CaptureResult:
    """Write one run's lineage in one transaction (or the caller's).

    Raises ``StoreError`` (and writes nothing of the run) on an outage. Only a successful run
    retires edges: the tables it wrote, and the sources it wrote them from, are the evidence.
    """
    retired = 0
    with store.transaction():
        result = store.record_edges(lineage.edges) if lineage.edges else None
        if lineage.status == SUCCESS and lineage.written:
            retired = store.retire_unconfirmed_edges(
                job=lineage.job,
                code_location=lineage.code_location,
                writes=lineage.written,
                as_of=lineage.completed_at,
            )
        store.record_execution(
            run_id=lineage.run_id,
            job=lineage.job,
            code_location=lineage.code_location,
            status=lineage.status,
            assets_discovered=len(lineage.assets),
            edges_created=result.edges_created if result else 0,
            errors=lineage.errors,
            started_at=lineage.started_at,
            completed_at=lineage.completed_at,
        )
    return CaptureResult(
        edges_seen=len(lineage.edges),
        edges_created=result.edges_created if result else 0,
        edges_retired=retired,
        had_errors=bool(lineage.errors),
    )
