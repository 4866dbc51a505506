"""Lineage through a run's step graph: which tables each write was made from.

This is the design document's execution context, without Redis: the run's own dependency
graph says what flows where. A step's *sources* are the tables it reads plus what its upstream
steps carry; a step that writes tables carries those tables downstream, any other step carries
its sources on (pass-through transformations; a join carries the union of its inputs). Each
table a succeeded step writes gets an edge from each of that step's sources.

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
    materializes_assets: bool = False
    explicit: list[tuple[str, str, str]] = field(default_factory=list)  # (source, target, kind)


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
        if not step.succeeded:
            continue
        if step.sql:
            kind = "sql"
        elif contributing + (1 if step.reads else 0) > 1:
            kind = "join"
        elif contributing and not step.reads:
            kind = "transform"
        else:
            kind = "load"
        pairs = [(s, t, kind) for t in sorted(step.writes) for s in sorted(sources)]
        for source, target, how in [*pairs, *step.explicit]:
            if source != target and (source, target, step.key) not in edges:
                columns = _edge_columns(step.columns, source, target)
                edges[(source, target, step.key)] = DerivedEdge(
                    source, target, step.key, how, step.sql, columns
                )
    return list(edges.values())
