"""Temporary tables: no assets, but lineage flows through them.

``CREATE TEMP TABLE``, T-SQL's ``#tmp`` and ``@table_variable``, ``SELECT INTO TEMP``, Spark's
temporary views and cached tables, and any table created and later dropped in the same script
are work tables of the script. They are neither read nor written, but ``A -> #tmp -> B`` reads
``A``, writes ``B``, has the table flow ``A -> B``, and ``B``'s columns trace back to ``A``.

Table flows pair each table a statement writes with each table it reads, filters included
(``DELETE FROM t WHERE id IN (SELECT id FROM s)`` gives ``s -> t``, as OpenLineage and DataHub
count a filter's input among a job's inputs). A transient table read stands for the tables it
was made from so far in the script: a CREATE (or SELECT INTO) starts it afresh, an INSERT or
UPDATE adds to it, a DROP empties it. A real table stays a node of its own, so
``CREATE TABLE t AS SELECT * FROM a; INSERT INTO b SELECT * FROM t`` gives ``a -> t`` and
``t -> b``, never ``a -> b``.

Whether a table is transient is only known once the whole script has been read (the DROP comes
last), so statements are resolved here, in script order, after all of them were analysed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from lineage_core.sql.columns import ColumnKey, Flow
from lineage_core.sql.tables import Statement


@dataclass(slots=True)
class ScriptLineage:
    """A script's lineage with its transient tables resolved away."""

    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    mappings: dict[ColumnKey, Flow] = field(default_factory=dict)
    table_flows: set[tuple[str, str]] = field(default_factory=set)  # (source, target)


def resolve_script(statements: list[Statement], temporary_names: Iterable[str]) -> ScriptLineage:
    """Merge the statements' lineage, following column flows through transient tables."""
    transient = _transient_tables(statements, temporary_names)
    lineage = ScriptLineage()
    temp_flows: dict[ColumnKey, Flow] = {}
    temp_sources: dict[str, set[str]] = {}
    for statement in statements:
        lineage.reads |= statement.reads
        lineage.writes |= statement.writes
        _table_flows(statement, transient, temp_sources, lineage.table_flows)
        for target, flow in statement.flows:
            resolved = _through_temporary(flow, transient, temp_flows)
            into = temp_flows if target[0] in transient else lineage.mappings
            previous = into.get(target)
            into[target] = resolved if previous is None else previous.merge(resolved)
    lineage.reads -= transient
    lineage.writes -= transient
    return lineage


def _transient_tables(statements: list[Statement], temporary_names: Iterable[str]) -> set[str]:
    transient = set(temporary_names)
    created: set[str] = set()
    for statement in statements:
        for name in statement.dropped:
            if name in created:
                transient.add(name)
        for name, temporary in statement.created:
            created.add(name)
            if temporary:
                transient.add(name)
    return transient


def _table_flows(
    statement: Statement,
    transient: set[str],
    temp_sources: dict[str, set[str]],
    into: set[tuple[str, str]],
) -> None:
    """The statement's table flows, its transient reads replaced by what they were made from.

    A table the statement both reads and writes is no source of itself: the store keeps no
    self-loops either.
    """
    sources: set[str] = set()
    for name in statement.reads:
        if name in transient:
            sources |= temp_sources.get(name, set())
        else:
            sources.add(name)
    created = {name for name, _ in statement.created}
    for target in statement.writes:
        if target not in transient:
            into.update((source, target) for source in sources if source != target)
        elif target in created:
            temp_sources[target] = set(sources)
        else:
            temp_sources.setdefault(target, set()).update(sources)
    for name in statement.dropped:
        temp_sources.pop(name, None)


def _through_temporary(flow: Flow, transient: set[str], temp_flows: dict[ColumnKey, Flow]) -> Flow:
    if not any(table in transient for table, _ in flow.sources):
        return flow
    sources: set[ColumnKey] = set()
    rank = flow.rank
    for table, column in flow.sources:
        if table not in transient:
            sources.add((table, column))
            continue
        upstream = temp_flows.get((table, column))
        if upstream is not None:
            sources |= upstream.sources
            rank = max(rank, upstream.rank)
            continue
        star = temp_flows.get((table, "*"))
        if star is not None and column != "*":
            sources.update((t, column) for t, c in star.sources if c == "*")
            rank = max(rank, star.rank)
        elif column == "*":
            for (temp_table, _), upstream in temp_flows.items():
                if temp_table == table:
                    sources |= upstream.sources
    return Flow(frozenset(sources), rank)
