"""Shapes of sqlglot trees that both the table stage and the column stage read.

Kept apart so that both stages agree on, say, which table an ``INSERT INTO t (a, b)`` targets
or which tables stand in an UPDATE's FROM position.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp


def schema_table(node: object) -> exp.Table | None:
    """The table of ``t`` or ``t (a, b)`` (a Schema wraps a table and its column list)."""
    if isinstance(node, exp.Schema):
        node = node.this
    return node if isinstance(node, exp.Table) else None


def insert_target(insert: exp.Insert) -> exp.Table | None:
    return schema_table(insert.this)


def multitable_inserts(tree: exp.MultitableInserts) -> Iterator[exp.Insert]:
    for item in tree.expressions:
        insert = item.this if isinstance(item, exp.ConditionalInsert) else item
        if isinstance(insert, exp.Insert):
            yield insert


def relations(tree: exp.Expr) -> list[exp.Table]:
    """Tables in FROM position of an UPDATE or DELETE (its target, FROM, USING and joins)."""
    found: list[exp.Table] = []
    pending: list[object] = [tree.this]
    from_ = tree.args.get("from_")
    if isinstance(from_, exp.From):
        pending.append(from_.this)
    using = tree.args.get("using")
    pending.extend(using if isinstance(using, list) else [using])
    pending.extend(join.this for join in tree.args.get("joins") or [])
    while pending:
        node = pending.pop(0)
        if isinstance(node, exp.Table):
            found.append(node)
        if isinstance(node, exp.Expr):
            pending.extend(join.this for join in node.args.get("joins") or [])
    return found
