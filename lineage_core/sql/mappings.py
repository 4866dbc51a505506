"""Column mappings into a statement's write target: which target column each output feeds.

A query's outputs (``columns.py``) land in the target's columns by the statement's column list
(``INSERT INTO t (a, b)``, ``CREATE VIEW v (a)``), else by the target's known columns when
their count matches, else by the output names; ``INSERT ... BY NAME`` always goes by name.
UPDATE and MERGE have no query of their own, so each is rewritten as one: ``SELECT <assigned
values> FROM target [JOIN source]``, whose outputs map onto the assigned columns. A CREATE
remembers the columns it defines, so that later statements can expand ``SELECT *`` from it.
Targets without any source column (literals) are left out of the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlglot import exp

from lineage_core.sql.columns import ColumnFlow, Outputs, QueryColumns
from lineage_core.sql.names import TableNames, normalise_identifiers
from lineage_core.sql.report import first_line
from lineage_core.sql.split import Piece
from lineage_core.sql.trees import insert_target, multitable_inserts, relations, schema_table

# Column lineage of one write target of a statement, computed once its tables are known.
ColumnWork = Callable[[QueryColumns], list[ColumnFlow]]


def statement_flows(
    tree: exp.Expr, work: list[ColumnWork], queries: QueryColumns, piece: Piece
) -> list[ColumnFlow]:
    """The column flows of one statement; a target whose mapping fails is skipped, told."""
    normalise_identifiers(tree, queries.names)
    if isinstance(tree, exp.MultitableInserts):
        _share_with(tree)
    flows: list[ColumnFlow] = []
    for target_work in work:
        try:
            flows.extend(target_work(queries))
        except Exception as error:
            queries.report.failure(
                error,
                warning=f"statement {piece.number} (line {piece.line}): column lineage skipped "
                f"({first_line(error)})",
            )
    return flows


def insert_flows(insert: exp.Insert, queries: QueryColumns) -> list[ColumnFlow]:
    table = insert_target(insert)
    target = queries.names.table_name(table) if table is not None else None
    if target is None:
        return []
    query = insert.expression
    source = insert.args.get("source")
    if query is None and isinstance(source, exp.Table):  # Spark: INSERT INTO t TABLE s
        query = exp.select("*").from_(source)
    if not isinstance(query, exp.Query):
        return []
    # Hoist a WITH written before INSERT onto the query, so scopes (and CTE lookups that
    # walk up the tree) see it exactly once.
    with_ = insert.args.get("with_")
    if isinstance(with_, exp.With) and not query.args.get("with_"):
        insert.set("with_", None)
        query.set("with_", with_)
    parent = insert.parent
    if isinstance(parent, exp.ConditionalInsert):
        parent = parent.parent
    if isinstance(parent, exp.MultitableInserts):
        source = parent.args.get("source")
        if isinstance(query, exp.Select) and not query.args.get("from_") and source:
            query.set("from_", exp.From(this=source.copy()))
    outputs = queries.outputs(query)
    if outputs is None:
        return []
    columns = _schema_columns(insert.this, queries.names)
    return _map_to_target(
        queries, target, columns, outputs, by_name=bool(insert.args.get("by_name"))
    )


def create_flows(create: exp.Create | exp.Cache, queries: QueryColumns) -> list[ColumnFlow]:
    table = schema_table(create.this)
    target = queries.names.table_name(table) if table is not None else None
    if target is None:
        return []
    columns = _schema_columns(create.this, queries.names)
    query = create.expression
    if not isinstance(query, exp.Query):
        if columns:
            queries.known.remember(target, columns)
        return []
    return _created_flows(queries, target, columns, query)


def select_into_flows(
    table: exp.Table, query: exp.Query, queries: QueryColumns
) -> list[ColumnFlow]:
    """``SELECT ... INTO t``: the query (a set operation, when INTO is in its first branch)."""
    target = queries.names.table_name(table)
    into = table.parent
    if target is None or not isinstance(into, exp.Into) or into.parent is None:
        return []
    into.parent.set("into", None)
    return _created_flows(queries, target, None, query)


def _created_flows(
    queries: QueryColumns, target: str, columns: list[str] | None, query: exp.Query
) -> list[ColumnFlow]:
    """Flows into a table the statement creates; its columns are known from then on."""
    outputs = queries.outputs(query)
    if outputs is None:
        return []
    flows = _map_to_target(queries, target, columns, outputs, by_name=False)
    names = columns or [name for name, _ in outputs.columns]
    if names and all(name and name != "*" for name in names):
        queries.known.remember(target, list(names))
    return flows


def update_flows(
    update: exp.Update, target_table: exp.Table, queries: QueryColumns
) -> list[ColumnFlow]:
    target = queries.names.table_name(target_table)
    if target is None:
        return []
    names: list[str] = []
    projections: list[exp.Expr] = []
    for column, value in _assignments(update.expressions):
        names.append(queries.names.identifier_key(column.this))
        projections.append(exp.alias_(value, f"_c{len(names)}"))
    if not projections:
        return []
    from_ = update.args.get("from_")
    relation_in_from = (
        from_ is not None
        and any(node is target_table for node in relations(update))
        and target_table is not update.this
    )
    select = exp.Select(expressions=projections)
    if relation_in_from:
        select.set("from_", from_)
    else:
        select.set("from_", exp.From(this=update.this))
        if from_ is not None:
            select.set("joins", [exp.Join(this=from_.this)])
    if update.args.get("with_"):
        select.set("with_", update.args["with_"])
    outputs = queries.outputs(select)
    if outputs is None:
        return []
    return _map_to_target(queries, target, names, outputs, by_name=False)


def merge_flows(merge: exp.Merge, queries: QueryColumns) -> list[ColumnFlow]:
    """MERGE as ``SELECT <assigned values> FROM target CROSS JOIN source``, then mapped."""
    target = queries.names.table_name(merge.this)
    using = merge.args.get("using")
    if target is None or not isinstance(using, exp.Expr):
        return []
    names, values, star_copy = _merge_assignments(queries, merge, target)
    projections = [exp.alias_(value, f"_c{i}") for i, value in enumerate(values)]
    if star_copy:  # Databricks: UPDATE SET * / INSERT *
        alias = exp.to_identifier(using.alias_or_name)
        projections.append(exp.Column(this=exp.Star(), table=alias))
    if not projections:
        return []
    select = exp.Select(
        expressions=projections,
        from_=exp.From(this=merge.this),
        joins=[exp.Join(this=using)],
    )
    if merge.args.get("with_"):
        select.set("with_", merge.args["with_"])
    outputs = queries.outputs(select)
    if outputs is None:
        return []
    flows = [
        ((target, name), flow) for name, (_, flow) in zip(names, outputs.columns, strict=False)
    ]
    flows.extend(((target, name), flow) for name, flow in outputs.columns[len(names) :] if name)
    return flows


def _merge_assignments(
    queries: QueryColumns, merge: exp.Merge, target: str
) -> tuple[list[str], list[exp.Expr], bool]:
    """Target column names and the values every WHEN clause assigns to them."""
    names: list[str] = []
    values: list[exp.Expr] = []
    star_copy = False
    whens = merge.args.get("whens")
    for when in whens.expressions if isinstance(whens, exp.Whens) else []:
        then = when.args.get("then")
        if isinstance(then, exp.Update):
            for assignment in then.expressions:
                if isinstance(assignment, exp.Star):
                    star_copy = True
                elif isinstance(assignment, exp.EQ) and isinstance(assignment.this, exp.Column):
                    names.append(queries.names.identifier_key(assignment.this.this))
                    values.append(assignment.expression)
        elif isinstance(then, exp.Insert):
            if isinstance(then.this, exp.Star):
                star_copy = True
                continue
            row = then.expression
            inserted = list(row.expressions) if isinstance(row, exp.Tuple) else []
            for column, value in zip(
                _merge_insert_columns(queries, then, target, inserted), inserted, strict=False
            ):
                if column:
                    names.append(column)
                    values.append(value)
    return names, values, star_copy


def _merge_insert_columns(
    queries: QueryColumns, insert: exp.Insert, target: str, values: list[exp.Expr]
) -> list[str]:
    """``INSERT (a, b) VALUES ...``; without a list, the target's known columns, or else
    the names of the inserted source columns (``INSERT VALUES (s.id, s.name)``)."""
    if isinstance(insert.this, (exp.Tuple, exp.Schema)):
        return [
            queries.names.identifier_key(c.this if isinstance(c, exp.Column) else c)
            for c in insert.this.expressions
        ]
    known = queries.known.columns_of(target) or []
    if len(known) == len(values):
        return list(known)
    return [
        queries.names.identifier_key(v.this) if isinstance(v, exp.Column) else "" for v in values
    ]


def _map_to_target(
    queries: QueryColumns,
    target: str,
    columns: list[str] | None,
    outputs: Outputs,
    *,
    by_name: bool,
) -> list[ColumnFlow]:
    produced = outputs.columns
    has_star = any(name == "*" for name, _ in produced)
    if columns:
        if has_star:
            queries.report.warn(
                f"column lineage into {target}: the query selects * from a table whose "
                "columns are unknown; pass schema= to map them"
            )
            return []
        if len(columns) != len(produced):
            queries.report.warn(
                f"column lineage into {target}: {len(columns)} target columns but the "
                f"query produces {len(produced)}"
            )
        return [((target, c), flow) for c, (_, flow) in zip(columns, produced, strict=False)]
    known = None if by_name or has_star else queries.known.columns_of(target)
    if known and len(known) == len(produced):
        return [((target, c), flow) for c, (_, flow) in zip(known, produced, strict=True)]
    flows: list[ColumnFlow] = []
    for position, (name, flow) in enumerate(produced, start=1):
        if not name:
            if flow.sources:
                queries.report.warn(
                    f"column lineage into {target}: output column {position} has no name; "
                    "give it an alias"
                )
            continue
        flows.append(((target, name), flow))
    return flows


def _schema_columns(node: object, names: TableNames) -> list[str] | None:
    """Column names listed after a table name: ``INSERT INTO t (a, b)``, ``CREATE VIEW v (a)``."""
    if not isinstance(node, exp.Schema):
        return None
    found: list[str] = []
    for column in node.expressions:
        identifier = column.this if isinstance(column, (exp.ColumnDef, exp.Column)) else column
        if isinstance(identifier, exp.Identifier):
            found.append(names.identifier_key(identifier))
    return found or None


def _share_with(tree: exp.MultitableInserts) -> None:
    """Give each query of a multi-table insert its own copy of the statement's WITH."""
    shared = tree.args.get("with_")
    if not isinstance(shared, exp.With):
        return
    tree.set("with_", None)
    for insert in multitable_inserts(tree):
        query = insert.expression
        if isinstance(query, exp.Query) and not query.args.get("with_"):
            query.set("with_", shared.copy())


def _assignments(expressions: list[exp.Expr]) -> Iterator[tuple[exp.Column, exp.Expr]]:
    """``SET a = x`` pairs, including ``SET (a, b) = (x, y)`` and ``= (SELECT x, y ...)``."""
    for assignment in expressions:
        if not isinstance(assignment, exp.EQ):
            continue
        column, value = assignment.this, assignment.expression
        if isinstance(column, exp.Column):
            yield column, value
            continue
        if not isinstance(column, (exp.Tuple, exp.Paren)):
            continue
        columns = column.expressions if isinstance(column, exp.Tuple) else [column.this]
        select = value.unnest() if isinstance(value, exp.Subquery) else None
        for position, target in enumerate(columns):
            if not isinstance(target, exp.Column):
                continue
            if isinstance(value, exp.Tuple) and position < len(value.expressions):
                yield target, value.expressions[position]
            elif isinstance(select, exp.Select) and position < len(select.expressions):
                single = select.copy()
                single.set("expressions", [select.expressions[position].copy()])
                yield target, exp.Subquery(this=single)
