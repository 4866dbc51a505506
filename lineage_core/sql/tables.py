"""Tables each parsed statement reads and writes: one handler per statement type.

A handler knows its statement type's write targets (``INSERT INTO t``, ``MERGE INTO t``, the
table a ``CREATE`` or ``SELECT ... INTO`` creates, an UPDATE target found through its alias in
FROM, ...) and the column work they leave. Reads are the same for every type, so one walk
finds them: every table node that is not a target, not a CTE, and not named only for its
shape (``LIKE t``, ``REFERENCES t``). The walk also finds writes that any statement may hide:
PostgreSQL's data-modifying CTEs (``WITH x AS (DELETE ... RETURNING ...)``) and
``RETURNING ... INTO t``.

Handlers are looked up along the tree's class hierarchy, so a subclass of a handled type is
read as that type, and a statement type without a handler (``USE``, ``GRANT``, ...) has no
lineage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlglot import exp

from lineage_core.sql.columns import ColumnFlow
from lineage_core.sql.dialects import INTO_VARIABLES_DIALECTS
from lineage_core.sql.files import literal_paths
from lineage_core.sql.lenient import scan_tokens
from lineage_core.sql.mappings import (
    ColumnWork,
    create_flows,
    insert_flows,
    merge_flows,
    select_into_flows,
    update_flows,
)
from lineage_core.sql.names import TableNames
from lineage_core.sql.report import Report
from lineage_core.sql.scan import KeywordScan
from lineage_core.sql.split import Piece
from lineage_core.sql.trees import insert_target, multitable_inserts, relations, schema_table

# Statement types that move no rows between tables: no handler, and no warning either.
_NO_LINEAGE_STATEMENTS = (
    exp.Use,
    exp.Set,
    exp.Describe,
    exp.Show,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Grant,
    exp.Revoke,
    exp.Comment,
    exp.Analyze,
    exp.Pragma,
    exp.Declare,
    exp.Execute,
    exp.Kill,
    exp.Refresh,
    exp.Uncache,
    exp.Summarize,
    exp.Return,
)


@dataclass(slots=True)
class Statement:
    """What one statement does, before temporary tables are resolved across the script."""

    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    created: list[tuple[str, bool]] = field(default_factory=list)  # (name, temporary)
    dropped: set[str] = field(default_factory=set)
    flows: list[ColumnFlow] = field(default_factory=list)


@dataclass(slots=True)
class Writes:
    """What a handler found: the tables its statement writes and the column work they leave."""

    targets: list[exp.Table] = field(default_factory=list)
    hidden: set[int] = field(default_factory=set)  # ids of table nodes that are no row source
    reads_rows: bool = True
    column_work: list[ColumnWork] = field(default_factory=list)


# A handler may also record in the statement what it creates, drops or reads by itself. It
# returns None when the statement is complete as it stands (DROP, CREATE INDEX, ...).
Handler = Callable[[Any, Statement, TableNames], Writes | None]


def analyse_tables(
    tree: exp.Expr, piece: Piece, names: TableNames, report: Report
) -> tuple[Statement, list[ColumnWork]]:
    """Tables one parsed statement reads and writes, and the column work of its writes."""
    statement = Statement()
    handler = handler_for(type(tree))
    if handler is None:
        if not isinstance(tree, _NO_LINEAGE_STATEMENTS):
            report.error(
                "unsupported",
                f"sqlglot read it as {type(tree).__name__}",
                warning=f"statement {piece.number} (line {piece.line}): not a SQL statement "
                f"(sqlglot read it as {type(tree).__name__}); ignored",
            )
        return statement, []
    writes = handler(tree, statement, names)
    if writes is None:
        return statement, []
    _walk_rows(tree, piece, statement, writes, names)
    return statement, writes.column_work


def handler_for(kind: type) -> Handler | None:
    for base in kind.__mro__:
        handler = HANDLERS.get(base)
        if handler is not None:
            return handler
    return None


def _select(tree: exp.Query, statement: Statement, names: TableNames) -> Writes:
    """``SELECT ... INTO t`` creates ``t``; any other query only reads.

    The INTO of a set operation stands in its first branch (``SELECT a INTO t FROM x UNION
    SELECT a FROM y``), and the whole set operation fills ``t``. Where ``SELECT ... INTO``
    assigns variables instead (MySQL, Oracle, ...), nothing is created.
    """
    first = tree
    while isinstance(first, exp.SetOperation):
        first = first.this
    into = first.args.get("into") if isinstance(first, exp.Select) else None
    if not isinstance(into, exp.Into) or not isinstance(into.this, exp.Table):
        return Writes()
    if names.dialect_name in INTO_VARIABLES_DIALECTS:
        return Writes(hidden={id(into.this)})
    table = into.this
    work = partial(select_into_flows, table, tree)
    return _created(table, bool(into.args.get("temporary")), work, statement, names)


def _insert(tree: exp.Insert, statement: Statement, names: TableNames) -> Writes:
    table = insert_target(tree)
    if table is None:
        if isinstance(tree.this, exp.Directory):  # INSERT OVERWRITE DIRECTORY '/path'
            _file_access(tree.this.this, statement.writes, names)
        return Writes()
    return Writes(targets=[table], column_work=[partial(insert_flows, tree)])


def _multitable_insert(
    tree: exp.MultitableInserts, statement: Statement, names: TableNames
) -> Writes:
    """``INSERT ALL|FIRST INTO a ... INTO b ... SELECT ...``: every INTO is a write."""
    writes = Writes()
    for insert in multitable_inserts(tree):
        one = _insert(insert, statement, names)
        writes.targets.extend(one.targets)
        writes.column_work.extend(one.column_work)
    return writes


def _create(tree: exp.Create, statement: Statement, names: TableNames) -> Writes | None:
    kind = str(tree.args.get("kind") or "").upper()
    if not (kind.endswith("TABLE") or kind.endswith("VIEW")):
        return None  # an index, a function, a schema: no rows move
    table = schema_table(tree.this)
    if table is None:
        return Writes()
    work = partial(create_flows, tree)
    return _created(table, _is_temporary_create(tree), work, statement, names)


def _cache(tree: exp.Cache, statement: Statement, names: TableNames) -> Writes:
    """Spark's ``CACHE TABLE c AS SELECT ...`` makes a temporary table of the query."""
    if not isinstance(tree.this, exp.Table):
        return Writes()
    return _created(tree.this, True, partial(create_flows, tree), statement, names)


def _created(
    table: exp.Table, temporary: bool, work: ColumnWork, statement: Statement, names: TableNames
) -> Writes:
    name = names.table_name(table)
    if name:
        statement.created.append((name, temporary))
    return Writes(targets=[table], column_work=[work])


def _merge(tree: exp.Merge, statement: Statement, names: TableNames) -> Writes:
    if not isinstance(tree.this, exp.Table):
        return Writes()
    return Writes(targets=[tree.this], column_work=[partial(merge_flows, tree)])


def _update(tree: exp.Update, statement: Statement, names: TableNames) -> Writes:
    found, same = _dml_targets(tree, [tree.this], names)
    writes = Writes(targets=found, hidden=same)
    if found:
        writes.column_work.append(partial(update_flows, tree, found[0]))
    return writes


def _delete(tree: exp.Delete, statement: Statement, names: TableNames) -> Writes:
    references = list(tree.args.get("tables") or []) or [tree.this]
    found, same = _dml_targets(tree, references, names)
    return Writes(targets=found, hidden=same)


def _truncate(tree: exp.TruncateTable, statement: Statement, names: TableNames) -> Writes:
    targets = [t for t in tree.expressions if isinstance(t, exp.Table)]
    return Writes(targets=targets, reads_rows=False)


def _copy(tree: exp.Copy, statement: Statement, names: TableNames) -> Writes:
    """``COPY t FROM ...`` loads ``t``; ``COPY t TO ...`` (no kind) only reads it.

    The files named are read (``FROM 'x.csv'``) or written (``TO 'out.parquet'``).
    """
    loads = bool(tree.args.get("kind"))
    for file in tree.args.get("files") or []:
        literal = file.this if isinstance(file, exp.Table) else file  # Snowflake: a Table
        _file_access(literal, statement.reads if loads else statement.writes, names)
    table = schema_table(tree.this)
    if table is not None and names.table_name(table) and loads:
        return Writes(targets=[table])
    return Writes()


def _load_data(tree: exp.LoadData, statement: Statement, names: TableNames) -> Writes:
    _file_access(tree.args.get("inpath"), statement.reads, names)
    return Writes(targets=[tree.this] if isinstance(tree.this, exp.Table) else [])


def _export(tree: exp.Export, statement: Statement, names: TableNames) -> Writes:
    """BigQuery's ``EXPORT DATA OPTIONS (uri='gs://...') AS SELECT``: the query is read."""
    options = tree.args.get("options")
    for option in options.expressions if isinstance(options, exp.Properties) else []:
        if isinstance(option, exp.Property) and option.name.lower() == "uri":
            _file_access(option.args.get("value"), statement.writes, names)
    return Writes()


def _file_access(node: object, into: set[str], names: TableNames) -> None:
    """Record the files a string literal names, when files are assets."""
    if not names.files:
        return
    for path in literal_paths(node):
        name = names.file_name(path)
        if name:
            into.add(name)


def _alter(tree: exp.Alter, statement: Statement, names: TableNames) -> Writes | None:
    """A rename writes the new name; Snowflake's ``SWAP WITH`` reads and writes both tables."""
    targets: list[exp.Table] = []
    for action in tree.args.get("actions") or []:
        if isinstance(action, exp.AlterRename) and isinstance(action.this, exp.Table):
            targets.append(action.this)
        elif isinstance(action, exp.SwapTable) and isinstance(action.this, exp.Table):
            targets.extend([tree.this, action.this])
            statement.reads.update(
                n for n in (names.table_name(tree.this), names.table_name(action.this)) if n
            )
    return Writes(targets=targets) if targets else None


def _drop(tree: exp.Drop, statement: Statement, names: TableNames) -> None:
    """What a script drops may be a work table of its own (see ``temporary.py``)."""
    kind = str(tree.args.get("kind") or "").upper()
    if kind.endswith("TABLE") or kind.endswith("VIEW"):
        for table in tree.args.get("tables") or [tree.this]:
            if isinstance(table, exp.Table):
                name = names.table_name(table)
                if name:
                    statement.dropped.add(name)


def _reads_only(tree: exp.Expr, statement: Statement, names: TableNames) -> Writes:
    return Writes()


HANDLERS: dict[type, Handler] = {
    exp.Select: _select,
    exp.Insert: _insert,
    exp.MultitableInserts: _multitable_insert,
    exp.Create: _create,
    exp.Cache: _cache,
    exp.Merge: _merge,
    exp.Update: _update,
    exp.Delete: _delete,
    exp.TruncateTable: _truncate,
    exp.Copy: _copy,
    exp.LoadData: _load_data,
    exp.Alter: _alter,
    exp.Drop: _drop,
    exp.SetOperation: _select,
    exp.Query: _reads_only,  # other queries
    exp.Export: _export,
}


def _walk_rows(
    tree: exp.Expr, piece: Piece, statement: Statement, writes: Writes, names: TableNames
) -> None:
    """Writes hidden in CTEs and RETURNING, then every table the statement reads rows from."""
    targets, hidden = writes.targets, writes.hidden
    nodes = list(tree.walk(prune=_not_a_row_source))
    for cte in _data_modifying_ctes(nodes):
        body = cte.this
        references = list(body.args.get("tables") or []) or [body.this]
        if isinstance(body, exp.Insert):
            references = [insert_target(body)]
        found, same = _dml_targets(body, [r for r in references if r is not None], names)
        targets.extend(found)
        hidden |= same
    returning = tree.args.get("returning")
    if isinstance(returning, exp.Returning) and returning.args.get("into") is not None:
        into = schema_table(returning.args["into"])
        if into is not None:
            targets.append(into)
        else:  # sqlglot read "INTO log (a)" as a LOG() call: ask the keyword scan
            statement.writes |= (
                KeywordScan(scan_tokens(piece.text, names.dialect_name), names).run().writes
            )
    targets = [_through_cte(table, hidden, names) for table in targets]
    target_ids = {id(t) for t in targets}
    for table in targets:
        name = names.table_name(table)
        if name:
            statement.writes.add(name)
    if not writes.reads_rows:
        return
    for node in nodes:
        if not isinstance(node, exp.Table) or id(node) in target_ids or id(node) in hidden:
            continue
        if isinstance(node.parent, (exp.LikeProperty, exp.Reference)):
            continue
        if names.cte_of(node) is not None:
            continue
        statement.reads.update(names.relation_names(node))


def _through_cte(table: exp.Table, hidden: set[int], names: TableNames) -> exp.Table:
    """T-SQL's ``WITH d AS (SELECT ... FROM t) DELETE FROM d`` changes ``t``."""
    cte = names.cte_of(table)
    if cte is None or not isinstance(cte.this, exp.Select):
        return table
    from_ = cte.this.args.get("from_")
    base = from_.this if isinstance(from_, exp.From) else None
    if not isinstance(base, exp.Table) or names.cte_of(base) is not None:
        return table
    hidden.add(id(table))
    return base


def _dml_targets(
    tree: exp.Expr, references: list[exp.Expr], names: TableNames
) -> tuple[list[exp.Table], set[int]]:
    """UPDATE/DELETE targets, following aliases into FROM (``UPDATE t ... FROM x AS t``).

    Returns the target tables and the ids of every node that is the target itself rather
    than a separate read of the same table.
    """
    in_from = relations(tree)
    targets: list[exp.Table] = []
    same: set[int] = set()
    for reference in references:
        if not isinstance(reference, exp.Table):
            continue
        match = _aliased_relation(reference, in_from, names)
        if match is None:
            name = names.table_name(reference)
            for relation in in_from:
                if relation is reference or relation.args.get("alias"):
                    continue
                if name and names.table_name(relation) == name:
                    same.add(id(relation))
            targets.append(reference)
        else:
            targets.append(match)
            same.add(id(reference))
    return targets, same


def _aliased_relation(
    reference: exp.Table, in_from: list[exp.Table], names: TableNames
) -> exp.Table | None:
    if not _may_be_alias(reference):
        return None
    wanted = names.identifier_key(reference.this)
    for relation in in_from:
        alias = relation.args.get("alias")
        if relation is reference or alias is None or alias.this is None:
            continue
        if names.identifier_key(alias.this) == wanted:
            return relation
    return None


def _may_be_alias(reference: exp.Table) -> bool:
    """``UPDATE t ... FROM x AS t`` names an alias; ``UPDATE #t`` or ``UPDATE s.t`` cannot."""
    this = reference.this
    return (
        not reference.args.get("db")
        and isinstance(this, exp.Identifier)
        and not this.args.get("temporary")
        and not this.args.get("global_")
        and not this.name.startswith("#")
    )


def _not_a_row_source(node: exp.Expr) -> bool:
    return isinstance(
        node,
        (exp.LikeProperty, exp.Reference, exp.Returning, exp.OnConflict, exp.Hint, exp.JoinHint),
    )


def _data_modifying_ctes(nodes: list[exp.Expr]) -> Iterator[exp.CTE]:
    """PostgreSQL's ``WITH x AS (DELETE ... RETURNING ...)``: writes hidden in a WITH."""
    for node in nodes:
        if isinstance(node, exp.CTE) and isinstance(
            node.this, (exp.Insert, exp.Update, exp.Delete)
        ):
            yield node


def _is_temporary_create(create: exp.Create) -> bool:
    properties = create.args.get("properties")
    if isinstance(properties, exp.Properties):
        return any(isinstance(p, exp.TemporaryProperty) for p in properties.expressions)
    return False
