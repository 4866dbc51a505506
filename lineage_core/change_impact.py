"""The impact of a change before it merges: what the changed SQL files and dbt models write,
what lies downstream of those tables in the store, and which dependencies the change adds or
drops compared with the lineage the store recorded.

Three stages, each a free function, so that a pull-request check, a test or another tool can
use any of them:

1. :func:`read_changes` reads the change, without a store: a SQL file through
   :func:`lineage_core.sql.extract_lineage` (its table flows say which reads each written table
   is made from), a dbt file through the manifest (``original_file_path``, or ``path``, to the
   node; the node's ``depends_on``, and its compiled SQL when the manifest has it). Tables are
   named as the capture names them: SQL names qualified with the defaults and aliases of a
   :class:`~lineage_core.resolution.NameContext`; dbt models, seeds and snapshots as
   dagster-dbt's ``dagster/table_name`` (``database.schema.alias``), sources by their
   relation. A file that does not parse keeps what could be read, with its warnings.
2. :func:`check_changes` asks the store, per written table, for its impact and its active
   incoming edges; a table the store does not know is a new table, with nothing downstream.
3. :func:`assess_table` (pure) compares and counts: a source the change reads into a table
   that no active stored edge brings into it is a **new** dependency; a source of an active
   stored edge into the table that the change no longer reads is a **removed** one.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Literal, Protocol

from pydantic import Field, computed_field

from lineage_core.errors import AssetNotFound, InvalidArgument, InvalidName
from lineage_core.models import (
    DEFAULT_MAX_DEPTH,
    Edge,
    ImpactAnalysis,
    Model,
    SqlLineage,
    SqlLineageIssue,
    TableFlow,
)
from lineage_core.resolution import NameContext

DEFAULT_LISTED = 20
TABLE_RESOURCES = frozenset({"model", "seed", "snapshot"})
_JINJA = ("{{", "{%")
_EDGE_LIMIT = 100_000


# -- the report --------------------------------------------------------------------------


class ChangedFile(Model):
    """What one changed file writes and reads, as the change has it.

    ``kind`` is ``sql`` (read as a SQL script), ``dbt`` (resolved through the manifest to
    ``dbt_nodes``) or ``skipped`` (not checked: missing, not text, not SQL; ``notes`` says
    why). ``flows`` pairs each written table with the tables it is made from. ``errors`` are
    the statements that could not be fully read; the tables they write are then flagged
    ``partial``.
    """

    path: str
    kind: Literal["sql", "dbt", "skipped"]
    dbt_nodes: list[str] = Field(default_factory=list)
    writes: list[str] = Field(default_factory=list)
    reads: list[str] = Field(default_factory=list)
    flows: list[TableFlow] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    errors: list[SqlLineageIssue] = Field(default_factory=list)


class JobContext(Model):
    """A Dagster job (with its code location) and op."""

    job: str | None = None
    op: str | None = None
    code_location: str | None = None


class AffectedJobOps(Model):
    """A Dagster job touching the table or its downstream, with the ops that do."""

    job: str
    code_location: str | None = None
    ops: list[str] = Field(default_factory=list)


class DownstreamAsset(Model):
    qualified_name: str
    depth: int


class RemovedDependency(Model):
    """A recorded source of the table that the change no longer reads, and who recorded it."""

    source: str
    recorded_by: list[JobContext] = Field(default_factory=list)


class TableImpact(Model):
    """One table the change writes: what lies downstream of it, and how its inputs change.

    ``known`` is False for a table the store has never seen (a new table: nothing downstream
    yet; ``suggestions`` are the closest names it knows, in case the name is only spelt
    differently). ``downstream`` lists the first assets (by depth, then name) of
    ``downstream_count``; ``jobs`` are all the Dagster jobs touching the table or its
    downstream. ``written_by`` are the jobs and ops whose active edges write it today.
    """

    table: str
    files: list[str]
    known: bool
    suggestions: list[str] = Field(default_factory=list)
    downstream_count: int = 0
    counts_by_depth: dict[int, int] = Field(default_factory=dict)
    downstream: list[DownstreamAsset] = Field(default_factory=list)
    jobs: list[AffectedJobOps] = Field(default_factory=list)
    job_count: int = 0
    written_by: list[JobContext] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    new_dependencies: list[str] = Field(default_factory=list)
    removed_dependencies: list[RemovedDependency] = Field(default_factory=list)
    partial: bool = False
    over_threshold: bool = False
    notes: list[str] = Field(default_factory=list)

    @computed_field
    @property
    def more_downstream(self) -> int:
        """Downstream assets beyond those listed."""
        return max(self.downstream_count - len(self.downstream), 0)


class ChangeReport(Model):
    """The check of one change: its files, then its written tables, the largest impact first.

    ``threshold_crossed`` is True when a table has more downstream assets than
    ``max_downstream``; ``worst_table`` is the table with the most.
    """

    files: list[ChangedFile]
    tables: list[TableImpact]
    max_depth: int = DEFAULT_MAX_DEPTH
    max_downstream: int | None = None
    threshold_crossed: bool = False
    worst_table: str | None = None
    worst_downstream_count: int = 0


# -- stage 1: reading the change ---------------------------------------------------------


@dataclass(frozen=True)
class ChangedText:
    """A changed file as given: its path and its text, or why it could not be read."""

    path: str
    text: str | None
    problem: str | None = None


def read_changes(
    changes: Iterable[ChangedText],
    *,
    dialect: str | None = None,
    names: NameContext | None = None,
    manifest: Mapping[str, Any] | None = None,
) -> list[ChangedFile]:
    """What each changed file writes and reads: dbt files through ``manifest``, other
    ``.sql`` files as SQL in ``dialect``; names resolved through ``names``.

    Raises ``InvalidArgument`` only for an unknown dialect; a file that cannot be read or
    parsed is told in its own :class:`ChangedFile`.
    """
    names = names or NameContext()
    project = DbtManifest(manifest, names, dialect) if manifest is not None else None
    found = []
    for change in changes:
        nodes = project.nodes_of_file(change.path) if project is not None else []
        if change.text is None:
            found.append(_skipped(change.path, change.problem or "could not be read"))
        elif project is not None and nodes:
            found.append(project.read_file(change.path, change.text, nodes))
        elif PurePath(change.path).suffix.lower() != ".sql":
            found.append(_skipped(change.path, "not a SQL file"))
        elif any(marker in change.text for marker in _JINJA):
            why = (
                "a dbt file the manifest does not know: run `dbt parse` on this branch"
                if project is not None
                else "a dbt file: give the project's manifest (--dbt-manifest) to check it"
            )
            found.append(_skipped(change.path, why))
        else:
            found.append(read_sql(change.path, change.text, dialect=dialect, names=names))
    return found


def _skipped(path: str, why: str) -> ChangedFile:
    return ChangedFile(path=path, kind="skipped", notes=[f"not checked: {why}"])


def read_sql(
    path: str, text: str, *, dialect: str | None = None, names: NameContext | None = None
) -> ChangedFile:
    """The tables a SQL script writes and reads and its table flows, named as the capture
    names them (defaults, then aliases)."""
    found = _extract(text, dialect, names or NameContext())
    return ChangedFile(
        path=path,
        kind="sql",
        writes=found.writes,
        reads=found.reads,
        flows=found.flows,
        notes=[] if found.writes else ["writes no table"],
        warnings=found.warnings,
        errors=found.errors,
    )


def _extract(text: str, dialect: str | None, names: NameContext) -> SqlLineage:
    """Table lineage of ``text`` with every name resolved as the capture resolves it."""
    from lineage_core.sql import extract_lineage

    found = extract_lineage(
        text,
        dialect,
        default_database=names.default_database,
        default_schema=names.default_schema,
        columns=False,
    )

    def resolve(name: str) -> str:
        try:
            return names.resolve(name)
        except InvalidName:
            return name  # extraction already normalised it; an alias cannot apply

    return found.model_copy(
        update={
            "writes": _unique(resolve(name) for name in found.writes),
            "reads": _unique(resolve(name) for name in found.reads),
            "flows": _flows((resolve(f.source), resolve(f.target)) for f in found.flows),
        }
    )


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _flows(pairs: Iterable[tuple[str, str]]) -> list[TableFlow]:
    return [TableFlow(source=s, target=t) for s, t in dict.fromkeys(pairs)]


class DbtManifest:
    """A dbt manifest, indexed by file: which nodes each project file defines, the table each
    node builds, and what it is made from."""

    def __init__(
        self, manifest: Mapping[str, Any], names: NameContext, dialect: str | None = None
    ) -> None:
        self.nodes: Mapping[str, Mapping[str, Any]] = manifest.get("nodes") or {}
        self.sources: Mapping[str, Mapping[str, Any]] = manifest.get("sources") or {}
        self.macros: Mapping[str, Mapping[str, Any]] = manifest.get("macros") or {}
        self.names = names
        metadata = manifest.get("metadata") or {}
        self.dialect = dialect or _known_dialect(str(metadata.get("adapter_type") or ""))
        project = metadata.get("project_name")
        self._by_file: dict[tuple[str, ...], list[str]] = defaultdict(list)
        self._by_path: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for unique_id, node in [*self.nodes.items(), *self.macros.items()]:
            if (node.get("config") or {}).get("enabled") is False:
                continue
            if project and node.get("package_name") not in (None, project):
                continue  # an installed package's file, named relative to that package
            if original := node.get("original_file_path"):
                self._by_file[_parts(original)].append(unique_id)
            if path := node.get("path"):
                self._by_path[_parts(path)].append(unique_id)

    def nodes_of_file(self, path: str) -> list[str]:
        """The nodes (or macros) defined in ``path``, a file of the project given from
        anywhere: the project file whose ``original_file_path`` (else ``path``) ends it."""
        parts = _parts(path)
        for index in (self._by_file, self._by_path):
            for start in range(len(parts)):
                if found := index.get(parts[start:]):
                    return sorted(found)
        return []

    def read_file(self, path: str, text: str, unique_ids: Sequence[str]) -> ChangedFile:
        """The tables the nodes of ``path`` build, and what each is made from; a changed
        macro stands for the tables of the models that use it."""
        notes, warnings = [], []
        macros = [u for u in unique_ids if u in self.macros]
        built = [u for u in unique_ids if u in self.nodes]
        if macros:
            users = self.users_of_macros(macros)
            notes.append(f"dbt macro used by {len(users)} model(s), seed(s) or snapshot(s)")
            built = _unique([*built, *users])
        if PurePath(path).suffix.lower() == ".sql" and self._stale(text, unique_ids):
            warnings.append(
                "the manifest was built from another version of this file: run `dbt parse` "
                "(or `dbt compile`) on this branch"
            )
        flows: list[tuple[str, str]] = []
        writes, reads, errors = [], [], []
        for unique_id in built:
            node = self.nodes[unique_id]
            if node.get("resource_type") not in TABLE_RESOURCES:
                if unique_id in unique_ids:
                    notes.append(f"dbt {node.get('resource_type', 'node')}: builds no table")
                continue
            table = self.table_of(unique_id)
            writes.append(table)
            sources, compiled = self.sources_of(unique_id)
            reads += sources
            flows += [(source, table) for source in sources]
            warnings += [f"{unique_id}: {w}" for w in compiled.warnings]
            errors += compiled.errors
        return ChangedFile(
            path=path,
            kind="dbt",
            dbt_nodes=list(unique_ids),
            writes=_unique(writes),
            reads=_unique(reads),
            flows=_flows(flows),
            notes=notes if writes else [*notes, "writes no table"],
            warnings=warnings,
            errors=errors,
        )

    def table_of(self, unique_id: str) -> str:
        """The table of a model, seed, snapshot or source, named as the capture names it."""
        node = self.sources.get(unique_id) or self.nodes.get(unique_id) or {}
        if unique_id in self.sources:
            parts = [node.get("database"), node.get("schema"), node.get("identifier")]
            written = node.get("relation_name")
        else:
            parts = [node.get("database"), node.get("schema"), node.get("alias")]
            written = None
        for candidate in (written, ".".join(p for p in parts if p), node.get("relation_name")):
            if candidate:
                try:
                    return self.names.resolve(candidate)
                except InvalidName:
                    continue
        return unique_id

    def sources_of(self, unique_id: str) -> tuple[list[str], SqlLineage]:
        """The tables a node is made from: its ``depends_on`` nodes, and the tables its
        compiled SQL reads (a name written out rather than through ``ref``/``source``)."""
        node = self.nodes[unique_id]
        parents = (node.get("depends_on") or {}).get("nodes") or []
        sources = [self.table_of(p) for p in parents if p in self.nodes or p in self.sources]
        compiled = SqlLineage()
        if code := node.get("compiled_code"):
            compiled = _extract(code, self.dialect, self.names)
            sources += [name for name in compiled.reads if name != self.table_of(unique_id)]
        return _unique(sources), compiled

    def users_of_macros(self, macros: Iterable[str]) -> list[str]:
        """The models, seeds and snapshots calling these macros, directly or through other
        macros."""
        callers: dict[str, set[str]] = defaultdict(set)
        for unique_id, macro in self.macros.items():
            for called in (macro.get("depends_on") or {}).get("macros") or []:
                callers[called].add(unique_id)
        reached, frontier = set(macros), list(macros)
        while frontier:
            for caller in callers.get(frontier.pop(), ()):
                if caller not in reached:
                    reached.add(caller)
                    frontier.append(caller)
        return sorted(
            unique_id
            for unique_id, node in self.nodes.items()
            if node.get("resource_type") in TABLE_RESOURCES
            and reached.intersection((node.get("depends_on") or {}).get("macros") or [])
        )

    def _stale(self, text: str, unique_ids: Sequence[str]) -> bool:
        """Whether the manifest's checksum of the file (dbt hashes it stripped) differs."""
        for unique_id in unique_ids:
            checksum = (self.nodes.get(unique_id) or {}).get("checksum") or {}
            if checksum.get("name") == "sha256" and checksum.get("checksum"):
                digest = hashlib.sha256(text.strip().encode("utf-8")).hexdigest()
                return digest != checksum["checksum"]
        return False


def _known_dialect(adapter: str) -> str | None:
    """The adapter's name as a SQL dialect, when sqlglot knows it by that name."""
    from lineage_core.sql import SUPPORTED_DIALECTS

    return adapter if adapter in SUPPORTED_DIALECTS else None


def _parts(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.replace("\\", "/").split("/") if part not in ("", "."))


# -- stage 2: asking the store -----------------------------------------------------------


class StoreAnswers(Protocol):
    """The two questions the check asks a :class:`~lineage_core.store.LineageStore`."""

    def impact(
        self, name: str, *, max_depth: int = ..., live: bool = ..., limit: int = ...
    ) -> ImpactAnalysis: ...

    def edges(self, name: str | None = ..., *, limit: int = ...) -> list[Edge]: ...


def check_changes(
    files: Sequence[ChangedFile],
    store: StoreAnswers,
    *,
    max_downstream: int | None = None,
    max_depth: int = DEFAULT_MAX_DEPTH,
    listed: int = DEFAULT_LISTED,
) -> ChangeReport:
    """The report of a change: per table the files write, the store's impact (its first
    ``listed`` downstream assets) and the dependencies the change adds or drops."""
    if max_downstream is not None and max_downstream < 0:
        raise InvalidArgument(f"max_downstream must not be negative, got {max_downstream}")
    if listed < 0:
        raise InvalidArgument(f"listed must not be negative, got {listed}")
    tables = []
    for table, written in written_tables(files).items():
        try:
            impact = store.impact(table, max_depth=max_depth, limit=listed)
        except AssetNotFound as exc:
            tables.append(assess_table(table, written, None, [], max_downstream, exc.suggestions))
            continue
        incoming = store.edges(table, limit=_EDGE_LIMIT)
        tables.append(assess_table(table, written, impact, incoming, max_downstream))
    return summarise(files, tables, max_downstream=max_downstream, max_depth=max_depth)


@dataclass
class WrittenTable:
    """A table the change writes: the files writing it, what they make it from, and whether
    a file that writes it did not fully parse."""

    files: list[str]
    sources: list[str]
    partial: bool


def written_tables(files: Sequence[ChangedFile]) -> dict[str, WrittenTable]:
    """Every table the files write, once, in the order they first write it."""
    found: dict[str, WrittenTable] = {}
    for changed in files:
        for table in changed.writes:
            entry = found.setdefault(table, WrittenTable([], [], False))
            entry.files = _unique([*entry.files, changed.path])
            entry.sources = _unique(
                [*entry.sources, *(f.source for f in changed.flows if f.target == table)]
            )
            entry.partial = entry.partial or bool(changed.errors)
    return found


# -- stage 3: judging ---------------------------------------------------------------------


def assess_table(
    table: str,
    written: WrittenTable,
    impact: ImpactAnalysis | None,
    incoming: Sequence[Edge],
    max_downstream: int | None = None,
    suggestions: Sequence[str] = (),
) -> TableImpact:
    """One written table judged: its impact (``None``: the store does not know it) and its
    new and removed dependencies against the active stored edges into it (``incoming``;
    other edges are ignored). Removed dependencies are judged only when the change makes the
    table from something: a file that only creates it, or fills it with literal values, does
    not say where its data comes from."""
    recorded: dict[str, list[JobContext]] = defaultdict(list)
    for edge in incoming:
        if edge.active and edge.target == table:
            recorded[edge.source].append(_context(edge))
    new = [source for source in written.sources if source not in recorded]
    notes = []
    if written.sources:
        removed = [
            RemovedDependency(source=source, recorded_by=_unique_contexts(contexts))
            for source, contexts in sorted(recorded.items())
            if source not in written.sources
        ]
    else:
        removed = []
        if recorded:
            notes.append("the change reads nothing into it: removed dependencies not judged")
    count = impact.total_impacted_assets if impact is not None else 0
    return TableImpact(
        table=table,
        files=written.files,
        known=impact is not None,
        suggestions=list(suggestions),
        downstream_count=count,
        counts_by_depth=dict(impact.counts_by_depth) if impact is not None else {},
        downstream=[
            DownstreamAsset(qualified_name=node.qualified_name, depth=node.depth)
            for node in (impact.downstream_assets if impact is not None else [])
        ],
        jobs=[
            AffectedJobOps(job=job.workflow_name, code_location=job.code_location, ops=job.ops)
            for job in (impact.affected_workflows if impact is not None else [])
        ],
        job_count=impact.total_impacted_workflows if impact is not None else 0,
        written_by=_unique_contexts(c for contexts in recorded.values() for c in contexts),
        sources=written.sources,
        new_dependencies=new,
        removed_dependencies=removed,
        partial=written.partial,
        over_threshold=max_downstream is not None and count > max_downstream,
        notes=notes,
    )


def _context(edge: Edge) -> JobContext:
    return JobContext(job=edge.job, op=edge.op, code_location=edge.code_location)


def _unique_contexts(contexts: Iterable[JobContext]) -> list[JobContext]:
    unique = {(c.job or "", c.op or "", c.code_location or ""): c for c in contexts}
    return [unique[key] for key in sorted(unique)]


def _changes(table: TableImpact) -> int:
    return len(table.new_dependencies) + len(table.removed_dependencies)


def summarise(
    files: Sequence[ChangedFile],
    tables: Sequence[TableImpact],
    *,
    max_downstream: int | None = None,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> ChangeReport:
    """The report: tables with the largest impact first (then those whose dependencies
    change most), the worst named, the threshold judged."""
    ordered = sorted(tables, key=lambda t: (-t.downstream_count, -_changes(t), t.table))
    worst = next((t for t in ordered if t.known), None)
    return ChangeReport(
        files=list(files),
        tables=ordered,
        max_depth=max_depth,
        max_downstream=max_downstream,
        threshold_crossed=any(t.over_threshold for t in ordered),
        worst_table=worst.table if worst is not None else None,
        worst_downstream_count=worst.downstream_count if worst is not None else 0,
    )


__all__ = [
    "AffectedJobOps",
    "ChangeReport",
    "ChangedFile",
    "ChangedText",
    "DbtManifest",
    "DownstreamAsset",
    "JobContext",
    "RemovedDependency",
    "TableImpact",
    "WrittenTable",
    "assess_table",
    "check_changes",
    "read_changes",
    "read_sql",
    "summarise",
    "written_tables",
]
