"""Temporary tables: no assets, but lineage flows through them.

``CREATE TEMP TABLE``, T-SQL's ``#tmp`` and ``@table_variable``, ``SELECT INTO TEMP``, Spark's
temporary views and cached tables, and any table created and later dropped in the same script
are work tables of the script. They are neither read nor written, but ``A -> #tmp -> B`` reads
``A``, writes ``B``, and ``B``'s columns trace back to ``A``.

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


def resolve_script(statements: list[Statement], temporary_names: Iterable[str]) -> ScriptLineage:
    """Merge the statements' lineage, following column flows through transient tables."""
    transient = _transient_tables(statements, temporary_names)
    lineage = ScriptLineage()
    temp_flows: dict[ColumnKey, Flow] = {}
    for statement in statements:
        lineage.reads |= statement.reads
        lineage.writes |= statement.writes
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
