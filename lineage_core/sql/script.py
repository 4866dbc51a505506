"""A script, statement by statement: split once, parse each statement once, then resolve.

Each statement is parsed from the tokens the split already made. One statement that sqlglot
cannot parse does not lose the rest of the script: that statement alone goes through the
keyword scan (``scan.py``), and a warning and a ``parse`` error say so. A statement sqlglot
parses is read by its handler (``tables.py``) and, unless ``columns=False``, mapped column by
column (``mappings.py``); a failure of either is an ``internal`` error, and the statement's
tables then come from the keyword scan too. Blocks, IFs and procedure bodies are read as the
statements they hold (``blocks.py`` takes their wrapping off the tokens), ``IDENTIFIER('t')``
clauses as the names they spell (``identifiers.py``). Temporary tables are resolved once all
statements are read (``temporary.py``), and with them the script's table flows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlglot import exp
from sqlglot.tokens import Token

from lineage_core.models import ColumnMapping, SqlLineage, TableFlow
from lineage_core.sql.blocks import opened, procedure_body
from lineage_core.sql.columns import KnownColumns, QueryColumns
from lineage_core.sql.dialects import sqlglot_dialect
from lineage_core.sql.identifiers import (
    has_identifier_clause,
    remember_variable,
    rewrite_identifier_clauses,
)
from lineage_core.sql.mappings import statement_flows
from lineage_core.sql.names import TableNames, render_column
from lineage_core.sql.report import IssueKind, Report, describe, first_line
from lineage_core.sql.scan import keyword_scan
from lineage_core.sql.split import Piece, split_script
from lineage_core.sql.tables import Statement, analyse_tables
from lineage_core.sql.temporary import resolve_script


class ScriptExtraction:
    """State of one ``extract_lineage`` call: statements are analysed in script order."""

    def __init__(
        self,
        dialect_name: str | None,
        *,
        default_database: str | None,
        default_schema: str | None,
        columns: bool,
        files: bool = False,
    ) -> None:
        self.dialect_name = dialect_name
        self.dialect = sqlglot_dialect(dialect_name)
        self.parser = self.dialect.parser()
        self.report = Report()
        self.names = TableNames(
            dialect_name,
            default_database=default_database,
            default_schema=default_schema,
            report=self.report,
            files=files,
        )
        self.known = KnownColumns()
        self.queries = QueryColumns(self.names, self.known, self.report) if columns else None
        self.statements: list[Statement] = []
        self.variables: dict[str, str] = {}  # session variables set to literals

    def extract(self, sql: str, schema: Mapping[str, Sequence[str]]) -> SqlLineage:
        """The script's lineage; whatever fails is told in the result, never raised."""
        # Each statement guards its own analysis; what reaches these guards escaped it, which
        # is internal whatever raised. The promise is "never raise on SQL text": keep what we have.
        try:
            self.known.load(schema, self.names, self.report)
            self.run(sql)
        except Exception as error:
            warning = f"internal error while extracting lineage: {error!r}"
            self.report.error("internal", describe(error), warning=warning)
        try:
            return self.result()
        except Exception as error:
            self.report.current = None
            warning = f"internal error while building the result: {error!r}"
            self.report.error("internal", describe(error), warning=warning)
            return SqlLineage(
                warnings=self.report.warnings,
                dialect=self.dialect_name,
                errors=self.report.errors,
            )

    def run(self, sql: str) -> None:
        for piece in split_script(sql, self.dialect_name):
            self.statement(piece)

    def statement(self, piece: Piece) -> None:
        self.report.current = piece
        if piece.tokens is None:
            self._scan(piece, "sqlglot could not tokenise it")
            return
        self._tokens(piece, piece.tokens, piece.source)

    def _tokens(self, piece: Piece, tokens: list[Token], source: str) -> None:
        """One statement from its tokens, once what wraps it is taken off (``blocks.py``)."""
        tokens, source = opened(tokens, source, self.dialect)
        if not tokens:  # only comments or prose: a lenient split keeps such pieces
            return
        if tokens[0].text.upper() == "END" and len(tokens) <= 2:
            self.statements.append(Statement())
            return
        remember_variable(tokens, self.variables)
        if has_identifier_clause(piece.text):
            tokens, unknown = rewrite_identifier_clauses(tokens, self.variables, self.dialect_name)
            for clause in unknown:
                self.report.warn(
                    f"statement {piece.number} (line {piece.line}): {clause} names an object "
                    "known only when the script runs; what it names is left out"
                )
        try:
            trees = self.parser.parse(tokens, source)
        except Exception as error:
            body = procedure_body(tokens)
            if body is not None:
                self._tokens(piece, body, source)
                return
            self._scan(piece, f"sqlglot could not parse it ({first_line(error)})")
            return
        if len(trees) == 1 and _opaque(trees[0]):
            body = procedure_body(tokens)
            if body is not None:
                self._tokens(piece, body, source)
                return
        stack: list[exp.Expr] = [tree for tree in reversed(trees) if tree is not None]
        while stack:
            tree = stack.pop()
            nested = self._nested_statements(tree, piece)
            if nested is not None:
                stack.extend(reversed(nested))
                continue
            if isinstance(tree, exp.Command):
                self._command(tree, piece)
                continue
            try:
                self._analyse(tree, piece)
            except Exception as error:
                self.report.failure(
                    error,
                    warning=f"statement {piece.number} (line {piece.line}): lineage analysis "
                    f"failed ({first_line(error)}); its tables were taken from a keyword scan",
                )
                self._scan(piece, None)

    def _nested_statements(self, tree: exp.Expr, piece: Piece) -> list[exp.Expr] | None:
        """The statements inside a block, an IF, or a stored procedure's body."""
        if isinstance(tree, exp.Block):
            return list(tree.expressions)
        if isinstance(tree, exp.IfBlock):
            return [branch for branch in (tree.args.get("true"), tree.args.get("false")) if branch]
        if isinstance(tree, exp.WhileBlock):
            return [tree.args["body"]] if tree.args.get("body") else []
        if isinstance(tree, exp.Create) and str(tree.args.get("kind") or "").upper() == "PROCEDURE":
            body = tree.expression
            if isinstance(body, exp.Block) and len(body.expressions) == 1:
                only = body.expressions[0]
                if isinstance(only, exp.RawString):  # Snowflake's $$ ... $$ scripting body
                    language = _language(tree)
                    if language not in (None, "SQL"):  # Python's "from x import y" is no read
                        self.report.error(
                            "unsupported",
                            f"a procedure body in {language}",
                            warning=f"statement {piece.number} (line {piece.line}): the "
                            f"procedure's body is {language} code, not SQL; it has no lineage",
                        )
                        return []
                    for inner in split_script(only.name, self.dialect_name, piece.number):
                        inner.number, inner.line = piece.number, piece.line
                        self.statement(inner)
                    return []
            if isinstance(body, exp.Block):
                return list(body.expressions)
            return [body] if isinstance(body, exp.Expr) else []
        if isinstance(tree, (exp.Semicolon, exp.EndStatement)):
            return []
        return None

    def _command(self, tree: exp.Command, piece: Piece) -> None:
        """sqlglot kept the statement as an opaque command; some we can still read."""
        verb = str(tree.this).upper()
        if verb in ("REPLACE", "UPSERT"):  # MySQL REPLACE INTO / Phoenix UPSERT INTO = INSERT
            rewritten = "INSERT" + piece.text.lstrip()[len(verb) :]
            try:
                tokens = self.dialect.tokenize(rewritten)
                trees = self.parser.parse(tokens, rewritten)
            except Exception:
                trees = []
            if trees and isinstance(trees[0], exp.Insert):
                self._analyse(trees[0], piece)
                return
        self._scan(piece, "sqlglot does not support this statement", "unsupported")

    def _analyse(self, tree: exp.Expr, piece: Piece) -> None:
        """Table-level lineage of one parsed statement, then its column lineage."""
        statement, column_work = analyse_tables(tree, piece, self.names, self.report)
        self.statements.append(statement)
        if self.queries is not None and column_work:
            statement.flows.extend(statement_flows(tree, column_work, self.queries, piece))

    def _scan(self, piece: Piece, reason: str | None, kind: IssueKind = "parse") -> None:
        """Tables of a statement sqlglot could not parse, found from keywords alone."""
        found = keyword_scan(piece.text, self.names)
        if found is None:
            self.statements.append(Statement())
            return
        statement = Statement(
            reads=found.reads, writes=found.writes, created=found.created, dropped=found.dropped
        )
        for inner in found.embedded:  # UNLOAD ('SELECT ...'): the query is a string
            statement.reads |= self._embedded_reads(inner, piece)
        self.statements.append(statement)
        if reason is not None:
            self.report.error(
                kind,
                reason,
                warning=f"statement {piece.number} (line {piece.line}): {reason}; tables were "
                "taken from a keyword scan and it has no column lineage",
            )

    def _embedded_reads(self, sql: str, piece: Piece) -> set[str]:
        """Tables a query held in a string reads; its own warnings are not the script's."""
        nested = ScriptExtraction(
            self.dialect_name,
            default_database=self.names.default_database,
            default_schema=self.names.default_schema,
            columns=False,
            files=self.names.files,
        )
        nested.run(sql)
        for issue in nested.report.errors:
            if issue.kind == "internal":
                self.report.error(
                    "internal",
                    issue.message,
                    warning=f"statement {piece.number} (line {piece.line}): lineage analysis "
                    f"of its embedded query failed ({issue.message})",
                )
        reads: set[str] = set()
        for statement in nested.statements:
            reads |= statement.reads
        self.names.file_names |= nested.names.file_names
        return reads

    def result(self) -> SqlLineage:
        """Resolve temporary tables across the script and build the public model."""
        lineage = resolve_script(self.statements, self.names.temporary)
        files = self.names.file_names
        columns: list[ColumnMapping] = []
        for (table, column), flow in sorted(lineage.mappings.items()):
            # "every column of a file" says nothing: a file's columns are known or left out
            sources = {
                render_column(t, c) for t, c in flow.sources if not (c == "*" and t in files)
            }
            if sources:
                columns.append(
                    ColumnMapping(
                        target=render_column(table, column),
                        sources=sorted(sources),
                        transformation=flow.label,
                    )
                )
        return SqlLineage(
            reads=sorted(lineage.reads),
            writes=sorted(lineage.writes),
            flows=[TableFlow(source=s, target=t) for s, t in sorted(lineage.table_flows)],
            files=sorted((lineage.reads | lineage.writes) & files),
            columns=columns,
            warnings=list(dict.fromkeys(self.report.warnings)),
            dialect=self.dialect_name,
            errors=self.report.errors,
        )


def _opaque(tree: exp.Expr | None) -> bool:
    """A command sqlglot kept as text, or a procedure whose body it kept so (BigQuery)."""
    if isinstance(tree, exp.Create) and isinstance(tree.expression, exp.Command):
        return str(tree.args.get("kind") or "").upper() == "PROCEDURE"
    return isinstance(tree, exp.Command)


def _language(create: exp.Create) -> str | None:
    """``LANGUAGE PYTHON``: the language a procedure is written in, when it says."""
    properties = create.args.get("properties")
    for item in properties.expressions if isinstance(properties, exp.Properties) else []:
        if isinstance(item, exp.LanguageProperty):
            return item.name.upper()
    return None
