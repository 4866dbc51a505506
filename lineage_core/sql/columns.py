"""Column flows of a query: where each output column comes from, and how it was computed.

A target column's sources are every column its expression references (CASE conditions, window
partitions and scalar subqueries included), traced through CTEs, derived tables, set operations
and, across statements, temporary tables down to real tables. ``SELECT *`` is expanded when
the columns of the table are known (from ``schema`` or from a ``CREATE`` earlier in the
script); otherwise the flow is kept as ``target.* <- source.*``. An unqualified column that
could come from several tables whose columns are unknown is left out with a warning rather
than guessed.

Outputs are computed once per query scope, bottom-up over sqlglot's scopes, instead of
re-walking the query for every output column as ``sqlglot.lineage`` does.

The transformation is one label per column, the strongest met along its path: ``window`` (a
window function), ``aggregate`` (SUM, COUNT, ...), ``case`` (CASE/IF picks the value),
``expression`` (any other computation), ``cast`` (a type change only) and ``identity`` (the
value is copied unchanged). A scalar subquery passes on the label of the column it selects.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, traverse_scope

from lineage_core.errors import InvalidName
from lineage_core.names import parse_name
from lineage_core.sql.files import file_asset_from_text
from lineage_core.sql.names import TableNames
from lineage_core.sql.report import Report
from lineage_core.sql.trees import schema_table

LABELS = ("identity", "cast", "expression", "case", "aggregate", "window")
_IDENTITY, _CAST, _EXPRESSION, _CASE, _AGGREGATE, _WINDOW = range(len(LABELS))
# Dialects where a SELECT item may use an alias defined earlier in the same SELECT list.
_LATERAL_ALIAS_DIALECTS = frozenset(
    {"snowflake", "redshift", "duckdb", "databricks", "spark", "teradata", "clickhouse"}
)

# The name given to a derived table written without an alias (no identifier starts so).
_DERIVED = " derived "

# A column is (canonical table name, normalised column name); "*" stands for "every column".
ColumnKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Flow:
    """Where one output column comes from, and the strongest transformation on the way."""

    sources: frozenset[ColumnKey]
    rank: int = _IDENTITY

    def merge(self, other: Flow) -> Flow:
        return Flow(self.sources | other.sources, max(self.rank, other.rank))

    @property
    def label(self) -> str:
        return LABELS[self.rank]


NO_FLOW = Flow(frozenset(), _IDENTITY)
ColumnFlow = tuple[ColumnKey, Flow]


@dataclass(slots=True)
class Outputs:
    """The output columns of one query scope, in order; ``"*"`` is a star we cannot expand."""

    columns: list[tuple[str, Flow]]
    by_name: dict[str, Flow] = field(default_factory=dict)
    open_tables: frozenset[str] = frozenset()

    @classmethod
    def of(cls, columns: list[tuple[str, Flow]]) -> Outputs:
        by_name: dict[str, Flow] = {}
        open_tables: set[str] = set()
        for name, flow in columns:
            if name == "*":
                open_tables.update(table for table, column in flow.sources if column == "*")
            elif name:
                by_name.setdefault(name, flow)
        return cls(columns, by_name, frozenset(open_tables))


class KnownColumns:
    """Columns of the tables the script names, from ``schema=`` and from its own CREATEs."""

    def __init__(self) -> None:
        self._by_table: dict[str, list[str]] = {}
        self._tables_by_last_part: dict[str, list[str]] = {}

    def load(self, schema: Mapping[str, Sequence[str]], names: TableNames, report: Report) -> None:
        for table, columns in schema.items():
            try:
                name = (names.files and file_asset_from_text(table)) or names.qualify(table)
            except InvalidName as error:
                report.warn(f"schema: skipped table {table!r}: {error}")
                continue
            keys: list[str] = []
            for column in columns:
                try:
                    keys.append(parse_name(column, names.dialect_name).table)
                except InvalidName:
                    report.warn(f"schema: skipped column {column!r} of {table!r}")
            self.remember(name, keys)

    def remember(self, table: str, columns: list[str]) -> None:
        self._by_table[table] = columns
        last = parse_name(table).table
        names = self._tables_by_last_part.setdefault(last, [])
        if table not in names:
            names.append(table)

    def columns_of(self, table: str) -> list[str] | None:
        """Known columns of ``table``; a differently qualified schema entry counts if unique."""
        found = self._by_table.get(table)
        if found is not None:
            return found
        parts = parse_name(table).parts
        candidates = [
            known
            for known in self._tables_by_last_part.get(parts[-1], ())
            if _suffix_match(parse_name(known).parts, parts)
        ]
        if len(candidates) == 1:
            return self._by_table[candidates[0]]
        return None


class QueryColumns:
    """Column flows of the queries of one extraction, resolved against its known columns."""

    def __init__(self, names: TableNames, known: KnownColumns, report: Report) -> None:
        self.names = names
        self.known = known
        self.report = report

    def outputs(self, query: exp.Query) -> Outputs | None:
        """Column flows of a query's outputs, built bottom-up over sqlglot's scopes."""
        _name_derived_tables(query)
        try:
            scopes = traverse_scope(query)
        except Exception as error:
            self.report.failure(
                error,
                warning=f"column lineage skipped: sqlglot could not scope a query ({error})",
            )
            return None
        if not scopes:
            return None
        by_expression: dict[int, Scope] = {id(scope.expression): scope for scope in scopes}
        infos: dict[int, Outputs] = {}
        for scope in scopes:
            infos[id(scope)] = self._scope_outputs(scope, infos, by_expression)
        return infos[id(scopes[-1])]

    def _scope_outputs(
        self, scope: Scope, infos: dict[int, Outputs], by_expression: dict[int, Scope]
    ) -> Outputs:
        expression = scope.expression
        if isinstance(expression, exp.SetOperation):
            branches = [infos.get(id(s)) for s in scope.set_operation_scopes or []]
            left, right = [*branches, None, None][:2]
            if left is None:
                return Outputs.of([])
            if right is None:
                return left
            if expression.args.get("by_name"):
                merged = [
                    (name, flow.merge(right.by_name.get(name, NO_FLOW)))
                    for name, flow in left.columns
                ]
            else:  # positional: the left branch names the columns
                merged = [
                    (name, flow.merge(right.columns[i][1]) if i < len(right.columns) else flow)
                    for i, (name, flow) in enumerate(left.columns)
                ]
            return Outputs.of(merged)
        if isinstance(expression, exp.Subquery):  # ((SELECT ...)): the innermost query
            inner = by_expression.get(id(expression.unnest()))
            if inner is not None and id(inner) in infos:
                return infos[id(inner)]
            return Outputs.of([])
        if not isinstance(expression, exp.Select):
            return Outputs.of([])
        produced: list[tuple[str, Flow]] = []
        for projection in expression.expressions:
            if is_star(projection):
                produced.extend(self._expand_star(scope, projection, infos))
                continue
            name = projection.output_name
            flow = self._expression_flow(
                scope, projection.unalias(), infos, by_expression, produced
            )
            produced.append((name, flow))
        return Outputs.of(self._renamed(scope, produced))

    def _renamed(self, scope: Scope, produced: list[tuple[str, Flow]]) -> list[tuple[str, Flow]]:
        """Apply a column alias list: ``WITH c (a, b) AS (...)``, ``(SELECT ...) AS d (a, b)``."""
        outer = scope.outer_columns
        if not outer or any(name == "*" for name, _ in produced):
            return produced
        renamed = [(alias, flow) for alias, (_, flow) in zip(outer, produced, strict=False)]
        return renamed + produced[len(renamed) :]

    def _expand_star(
        self, scope: Scope, projection: exp.Expr, infos: dict[int, Outputs]
    ) -> Iterator[tuple[str, Flow]]:
        star = projection.this if isinstance(projection, exp.Column) else projection
        qualifier = projection.table if isinstance(projection, exp.Column) else ""
        excluded = {
            self.names.identifier_key(c.this if isinstance(c, exp.Column) else c)
            for c in (star.args.get("except_") or star.args.get("except") or [])
            if isinstance(c, (exp.Column, exp.Identifier))
        }
        for name, (_, source) in scope.selected_sources.items():
            if qualifier and name != qualifier:
                continue
            if isinstance(source, Scope):
                info = infos.get(id(source))
                if info is None:
                    continue
                for column, flow in info.columns:
                    if column not in excluded:
                        yield column, flow
            elif isinstance(source, exp.Table):
                tables = self.names.relation_names(source)
                known = self.known.columns_of(tables[0]) if len(tables) == 1 else None
                if known is None:
                    if tables:
                        yield "*", Flow(frozenset((table, "*") for table in tables))
                    continue
                for column in known:
                    if column not in excluded:
                        yield column, Flow(frozenset({(tables[0], column)}))

    def _expression_flow(
        self,
        scope: Scope,
        expression: exp.Expr,
        infos: dict[int, Outputs],
        by_expression: dict[int, Scope],
        earlier: list[tuple[str, Flow]],
    ) -> Flow:
        if isinstance(expression, exp.Column):
            return self._resolve(scope, expression, infos, earlier) or NO_FLOW
        rank = _EXPRESSION
        top = expression.unnest()
        if isinstance(top, (exp.Subquery, exp.Query)):  # a scalar subquery passes its label on
            rank = _IDENTITY
        elif isinstance(top, (exp.Case, exp.If)):
            rank = _CASE
        elif isinstance(top, exp.Cast) and isinstance(top.this, exp.Column):
            rank = _CAST
        sources: set[ColumnKey] = set()
        inherited = _IDENTITY
        stack: list[exp.Expr] = [expression]
        while stack:
            node = stack.pop()
            if isinstance(node, exp.Column):
                if isinstance(node.this, exp.Star):
                    continue
                flow = self._resolve(scope, node, infos, earlier)
                if flow is not None:
                    sources |= flow.sources
                    inherited = max(inherited, flow.rank)
                continue
            if node is not expression and isinstance(node, (exp.Query, exp.Subquery)):
                inner = by_expression.get(id(node)) or by_expression.get(id(node.this))
                info = infos.get(id(inner)) if inner is not None else None
                if info is not None:
                    for _, flow in info.columns:
                        sources |= flow.sources
                        inherited = max(inherited, flow.rank)
                continue
            if isinstance(node, exp.Window):
                rank = _WINDOW
            elif isinstance(node, exp.AggFunc) and rank < _AGGREGATE:
                rank = _AGGREGATE
            stack.extend(node.iter_expressions())
        return Flow(frozenset(sources), max(rank, inherited))

    def _resolve(
        self,
        scope: Scope,
        column: exp.Column,
        infos: dict[int, Outputs],
        earlier: list[tuple[str, Flow]],
    ) -> Flow | None:
        """The flow of one column reference, looked up in its scope and then outer scopes."""
        name = column.name
        qualifier = column.table
        current: Scope | None = scope
        if qualifier:
            while current is not None:
                source = current.sources.get(qualifier)
                if source is not None:
                    return self._from_source(current, source, name, infos)
                current = current.parent
            return None
        while current is not None:
            candidates = [source for _, source in current.selected_sources.values()]
            definite = [s for s in candidates if self._has_column(s, name, infos) is True]
            maybe = [s for s in candidates if self._has_column(s, name, infos) is None]
            if len(definite) + len(maybe) > 1 and name in _using_columns(current.expression):
                flows = [self._from_source(current, s, name, infos) for s in definite + maybe]
                return Flow(frozenset().union(*(f.sources for f in flows if f is not None)))
            if definite:
                return self._from_source(current, definite[0], name, infos)
            if current is scope and self.names.dialect_name in _LATERAL_ALIAS_DIALECTS:
                for alias, flow in earlier:  # SELECT a * 2 AS d, d + 1 AS e
                    if alias == name:
                        return flow
            if len(maybe) == 1:
                return self._from_source(current, maybe[0], name, infos)
            if len(maybe) > 1:
                wanted = {id(s) for s in maybe}
                labels = sorted(
                    self._source_label(key, source)
                    for key, (_, source) in current.selected_sources.items()
                    if id(source) in wanted
                )
                self.report.warn(
                    f"column {name!r} is ambiguous: it could come from {', '.join(labels)}; "
                    "qualify it or pass schema="
                )
                return None
            if current.scope_type.name not in ("SUBQUERY",):
                return None
            current = current.parent
        return None

    def _source_label(self, key: str, source: object) -> str:
        """A source as a person can find it in the SQL: a table, an alias, a subquery's tables."""
        if isinstance(source, exp.Table):
            return self.names.table_name(source) or key
        if not isinstance(source, Scope):
            return key or "a table function"
        if isinstance(source.expression, exp.UDTF):  # UNNEST(arr), LATERAL FLATTEN(...)
            call = source.expression.sql(dialect=self.names.dialect_name)
            call = call if len(call) <= 60 else call[:57] + "..."
            return f"{key} ({call})" if key else call
        tables = sorted(
            {
                name
                for table in source.expression.find_all(exp.Table)
                if (name := self.names.table_name(table))
            }
        )
        on = f" on {' and '.join(tables)}" if tables else ""
        if not key or is_derived_name(key):
            return f"an unaliased subquery{on}"
        if source.is_cte:
            return f"{key} (a CTE{on})"
        return f"{key} (a subquery{on})"

    def _has_column(self, source: object, name: str, infos: dict[int, Outputs]) -> bool | None:
        if isinstance(source, exp.Table):
            tables = self.names.relation_names(source)
            if not tables:
                return False
            known = self.known.columns_of(tables[0]) if len(tables) == 1 else None
            return None if known is None else name in known
        if isinstance(source, Scope):
            if isinstance(source.expression, exp.UDTF) and source.subquery_scopes:
                source = source.subquery_scopes[-1]
            elif isinstance(source.expression, exp.UDTF):
                names = list(source.expression.alias_column_names)
                if names:
                    return name in names
                return None
            info = infos.get(id(source))
            if info is None:
                return None
            if name in info.by_name:
                return True
            return None if info.open_tables else False
        return False

    def _from_source(
        self, scope: Scope, source: object, name: str, infos: dict[int, Outputs]
    ) -> Flow | None:
        if isinstance(source, exp.Table):
            cte = self.names.cte_of(source)
            if cte is not None:  # a CTE sqlglot could not scope: INSERT/UPDATE/DELETE RETURNING
                return self._returning_flow(cte.this, name)
            tables = self.names.relation_names(source)
            return Flow(frozenset((table, name) for table in tables)) if tables else None
        if not isinstance(source, Scope):
            return None
        if isinstance(source.expression, exp.UDTF):
            if not source.subquery_scopes:
                return self._udtf_flow(source, infos)
            source = source.subquery_scopes[-1]  # LATERAL (SELECT ...): its own outputs
        info = infos.get(id(source))
        if info is None:
            return None
        flow = info.by_name.get(name)
        if flow is not None:
            return flow
        if info.open_tables:
            return Flow(frozenset((table, name) for table in info.open_tables))
        return None

    def _returning_flow(self, body: exp.Expr, name: str) -> Flow | None:
        """``WITH moved AS (DELETE FROM q ... RETURNING id)``: ``moved.id`` is ``q.id``."""
        returning = body.args.get("returning")
        if not isinstance(body, exp.DML) or not isinstance(returning, exp.Returning):
            return None
        table = schema_table(body.this)
        target = self.names.table_name(table) if table is not None else None
        if target is None:
            return None
        for item in returning.expressions:
            if is_star(item):
                return Flow(frozenset({(target, name)}))
            if item.output_name == name:
                columns = {(target, c.name) for c in item.find_all(exp.Column)}
                rank = _IDENTITY if isinstance(item.unalias(), exp.Column) else _EXPRESSION
                return Flow(frozenset(columns), rank)
        return None

    def _udtf_flow(self, scope: Scope, infos: dict[int, Outputs]) -> Flow:
        """Columns produced by UNNEST/EXPLODE/FLATTEN come from the columns they unnest.

        The unnested expression refers to the relations listed before it in FROM, which are
        the UDTF scope's (lateral) sources.
        """
        sources: set[ColumnKey] = set()
        for node in scope.expression.find_all(exp.Column):
            if node.table:
                source = scope.sources.get(node.table)
            else:
                candidates = [
                    s
                    for s in scope.sources.values()
                    if s is not scope and self._has_column(s, node.name, infos) is not False
                ]
                source = candidates[0] if len(candidates) == 1 else None
            if source is None or source is scope:
                continue
            flow = self._from_source(scope, source, node.name, infos)
            if flow is not None:
                sources |= flow.sources
        return Flow(frozenset(sources), _EXPRESSION)


def _name_derived_tables(query: exp.Expr) -> None:
    """Give unaliased derived tables a name of their own.

    ``FROM (SELECT ...) JOIN (SELECT ...) USING (a)`` is valid SQL in several dialects, but
    sqlglot's scopes key sources by alias and refuse two derived tables without one. The name
    given is quoted text no SQL identifier can clash with (see :func:`is_derived_name`).
    """
    number = 0
    for subquery in query.find_all(exp.Subquery):
        if isinstance(subquery.parent, (exp.From, exp.Join)) and not subquery.alias:
            number += 1
            subquery.set("alias", exp.TableAlias(this=exp.to_identifier(f"{_DERIVED}{number}")))


def is_derived_name(name: str) -> bool:
    return name.startswith(_DERIVED)


def is_star(projection: exp.Expr) -> bool:
    return isinstance(projection, exp.Star) or (
        isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
    )


def _using_columns(select: exp.Expr) -> set[str]:
    names: set[str] = set()
    for join in select.args.get("joins") or []:
        for column in join.args.get("using") or []:
            names.add(column.name)
    return names


def _suffix_match(known: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    shorter = min(len(known), len(wanted))
    return known[-shorter:] == wanted[-shorter:]
