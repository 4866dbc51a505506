"""Lineage through a run's step graph: which tables each write was made from.

This is the design document's execution context, without Redis: the run's own dependency
graph says what flows where. A step's *sources* are the tables it reads plus what its upstream
steps carry; a step that writes tables carries those tables downstream, any other step carries
its sources on (pass-through transformations; a join carries the union of its inputs). Each
table a succeeded step writes gets an edge from each of that step's sources.

SQL a step ran says more than its tables: which table each written table came from, statement
by statement (``flows``). A table the SQL wrote takes its sources from the flows (and from
what the step declared or carried besides), not from every table the script read:
``CREATE TABLE t AS SELECT * FROM a; INSERT INTO u SELECT * FROM b`` gives ``a -> t`` and
``b -> u`` only. A table the step wrote otherwise (declared, materialized) takes every read,
the SQL's included, as before.

A step that failed still wrote the tables it reported materialized (a ``dbt build`` whose test
failed after its models were built): those tables, and only those, get their edges. A step
that did not run in this run (a re-execution from failure) carries what it carried in the run
that did execute it, and produces no edges of its own.

Steps that materialize assets carry their tables too, but their edges from other asset steps
come from the asset definitions' dependencies (``explicit``), which are exact per asset where
the step graph would cross every input of a multi-asset with every output.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lineage_core.models import ColumnMapping, EdgeColumn


@dataclass
class StepLineage:
    """What one step (op or asset) declared, and how it ran."""

    key: str
    upstream: Sequence[str] = ()
    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    columns: list[ColumnMapping] = field(default_factory=list)
    sql: str | None = None
    succeeded: bool = True
    ran: bool = True  # False: taken from the run that executed it (a re-execution's parent)
    materializes_assets: bool = False  # the step computes asset definitions of its code location
    materialized: set[str] = field(default_factory=set)  # tables it reported materialized
    flows: set[tuple[str, str]] = field(default_factory=set)  # (source, target) its SQL showed
    sql_reads: set[str] = field(default_factory=set)  # reads that came from its SQL
    sql_writes: set[str] = field(default_factory=set)  # writes that came from its SQL
    explicit: list[tuple[str, str, str]] = field(default_factory=list)  # (source, target, kind)

    @property
    def recorded_writes(self) -> set[str]:
        """The tables whose edges this run records: all its writes when the step succeeded,
        the ones it reported materialized when it failed, none when it did not run here."""
        if not self.ran:
            return set()
        return set(self.writes) if self.succeeded else self.writes & self.materialized


@dataclass(frozen=True)
class DerivedEdge:
    source: str
    target: str
    step: str
    transformation: str
    sql: str | None = None
    columns: tuple[EdgeColumn, ...] = ()


def _order(steps: Sequence[StepLineage]) -> list[StepLineage]:
    """Steps upstream-first (Kahn); unknown upstream keys are ignored."""
    by_key = {step.key: step for step in steps}
    pending = {step.key: {u for u in step.upstream if u in by_key} for step in steps}
    ordered: list[StepLineage] = []
    ready = sorted(key for key, deps in pending.items() if not deps)
    done: set[str] = set()
    while ready:
        key = ready.pop(0)
        done.add(key)
        ordered.append(by_key[key])
        for other, deps in pending.items():
            if other not in done and other not in ready and key in deps:
                deps.discard(key)
                if not deps:
                    ready.append(other)
        ready.sort()
    ordered.extend(step for step in steps if step.key not in done)  # a cycle: keep going
    return ordered


def _edge_columns(
    columns: Iterable[ColumnMapping], source: str, target: str
) -> tuple[EdgeColumn, ...]:
    found: list[EdgeColumn] = []
    for mapping in columns:
        target_table, _, target_column = mapping.target.rpartition(".")
        if target_table != target:
            continue
        for qualified in mapping.sources:
            source_table, _, source_column = qualified.rpartition(".")
            if source_table == source:
                found.append(
                    EdgeColumn(
                        source=source_column,
                        target=target_column,
                        transformation=mapping.transformation,
                    )
                )
    return tuple(dict.fromkeys(found))


def propagate(steps: Sequence[StepLineage]) -> list[DerivedEdge]:
    """Edges of a run, deduplicated, in step order."""
    carries: dict[str, set[str]] = {}
    asset_steps = {step.key for step in steps if step.materializes_assets}
    edges: dict[tuple[str, str, str], DerivedEdge] = {}
    for step in _order(steps):
        sources = set(step.reads)
        contributing = 0
        for upstream in step.upstream:
            if step.materializes_assets and upstream in asset_steps:
                continue  # covered exactly by the asset dependencies
            carried = carries.get(upstream, set())
            if carried:
                contributing += 1
                sources |= carried
        carries[step.key] = set(step.writes) if step.writes else sources
        targets = step.recorded_writes
        if not targets:
            continue
        if step.sql:
            kind = "sql"
        elif contributing + (1 if step.reads else 0) > 1:
            kind = "join"
        elif contributing and not step.reads:
            kind = "transform"
        else:
            kind = "load"
        flows = [(s, t, "sql") for s, t in sorted(step.flows) if t in targets]
        besides_sql = sources - step.sql_reads  # what it declared or carried besides
        pairs = [
            (s, t, kind)
            for t in sorted(targets)
            for s in sorted(besides_sql if t in step.sql_writes else sources)
        ]
        explicit = [edge for edge in step.explicit if edge[1] in targets]
        for source, target, how in [*flows, *pairs, *explicit]:
            if source != target and (source, target, step.key) not in edges:
                columns = _edge_columns(step.columns, source, target)
                edges[(source, target, step.key)] = DerivedEdge(
                    source, target, step.key, how, step.sql, columns
                )
    return list(edges.values())
