"""SQL lineage: the tables a SQL script reads and writes, and how its columns flow.

This is the only module that imports sqlglot, so sqlglot's API (and its import cost) stays in
one place.

A script is tokenised once, split into statements at the tokeniser's semicolons (and at T-SQL
``GO`` lines), and each statement is parsed once. One statement that sqlglot cannot parse does
not lose the rest of the script: that statement alone goes through a keyword scan that finds
the tables it writes (``INSERT INTO x``, ``MERGE INTO x``, ``COPY INTO x``, ``OUTPUT ... INTO x``,
...) and reads (``FROM x``, ``JOIN x``), and a warning says so. Nothing a caller passes as SQL
makes this module raise: problems are reported in ``SqlLineage.warnings``.

Table names are rendered with :mod:`lineage_core.names`, so they match the store's asset keys:
unquoted identifiers are lower-cased and quoted ones keep their case where the dialect is
case-sensitive. Names are qualified exactly as far as the SQL qualifies them, unless
``default_database`` / ``default_schema`` are given.

Temporary tables (``CREATE TEMP TABLE``, ``#tmp``, ``@table_variable``, ``SELECT INTO TEMP``,
Spark's temporary views and cached tables, and any table created and later dropped in the same
script) are not assets: they are neither read nor written, but lineage flows through them, so
``A -> #tmp -> B`` reads ``A``, writes ``B``, and ``B``'s columns trace back to ``A``.

Column mappings are ``ColumnMapping(target="table.column", sources=["table.column", ...])``. A
target column's sources are every column its expression references (CASE conditions, window
partitions and scalar subqueries included), traced through CTEs, derived tables, set operations
and temporary tables down to real tables. ``SELECT *`` is expanded when the columns of the table
are known (from ``schema`` or from a ``CREATE`` earlier in the script); otherwise the mapping is
kept as ``target.* <- source.*``. Targets without any source column (literals) are left out.
An unqualified column that could come from several tables whose columns are unknown is left
out with a warning rather than guessed. Outputs are computed once per query scope, bottom-up
over sqlglot's scopes, instead of re-walking the query for every output column as
``sqlglot.lineage`` does; ``columns=False`` skips this part altogether.

``transformation`` is one label per target column, the strongest met along its path:
``window`` (a window function), ``aggregate`` (SUM, COUNT, ...), ``case`` (CASE/IF picks the
value), ``expression`` (any other computation), ``cast`` (a type change only) and ``identity``
(the value is copied unchanged). A scalar subquery passes on the label of the column it
selects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect, Dialects
from sqlglot.optimizer.scope import Scope, traverse_scope
from sqlglot.tokens import Token, TokenType

from lineage_core.errors import InvalidArgument, InvalidName
from lineage_core.models import ColumnMapping, SqlLineage
from lineage_core.names import parse_name, qualify, quote_part

__all__ = ["SUPPORTED_DIALECTS", "extract_lineage", "split_statements"]

SUPPORTED_DIALECTS: tuple[str, ...] = tuple(sorted(d.value for d in Dialects if d.value))

_LABELS = ("identity", "cast", "expression", "case", "aggregate", "window")
_IDENTITY, _CAST, _EXPRESSION, _CASE, _AGGREGATE, _WINDOW = range(len(_LABELS))

# A column is (canonical table name, normalised column name); "*" stands for "every column".
ColumnKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class _Flow:
    """Where one output column comes from, and the strongest transformation on the way."""

    sources: frozenset[ColumnKey]
    rank: int = _IDENTITY

    def merge(self, other: _Flow) -> _Flow:
        return _Flow(self.sources | other.sources, max(self.rank, other.rank))


_NO_FLOW = _Flow(frozenset(), _IDENTITY)


@dataclass(slots=True)
class _Outputs:
    """The output columns of one query scope, in order; ``"*"`` is a star we cannot expand."""

    columns: list[tuple[str, _Flow]]
    by_name: dict[str, _Flow] = field(default_factory=dict)
    open_tables: frozenset[str] = frozenset()

    @classmethod
    def of(cls, columns: list[tuple[str, _Flow]]) -> _Outputs:
        by_name: dict[str, _Flow] = {}
        open_tables: set[str] = set()
        for name, flow in columns:
            if name == "*":
                open_tables.update(table for table, column in flow.sources if column == "*")
            elif name:
                by_name.setdefault(name, flow)
        return cls(columns, by_name, frozenset(open_tables))


@dataclass(slots=True)
class _Statement:
    """What one statement does, before temporary tables are resolved across the script."""

    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    created: list[tuple[str, bool]] = field(default_factory=list)
    dropped: set[str] = field(default_factory=set)
    flows: list[tuple[ColumnKey, _Flow]] = field(default_factory=list)


@dataclass(slots=True)
class _Piece:
    """One statement's text and where it starts, with its sqlglot tokens when we have them."""

    number: int
    line: int
    text: str
    tokens: list[Token] | None


def extract_lineage(
    sql: str,
    dialect: str | None = None,
    *,
    default_database: str | None = None,
    default_schema: str | None = None,
    schema: Mapping[str, Sequence[str]] | None = None,
    columns: bool = True,
) -> SqlLineage:
    """Tables read and written by ``sql`` and, unless ``columns=False``, its column mappings.

    ``schema`` maps table names to their column names; it lets ``SELECT *`` expand and
    resolves unqualified columns in joins. ``columns=False`` skips column lineage, several times
    faster for table-level capture of large scripts.

    Raises ``InvalidArgument`` only for bad arguments (an unknown dialect, an invalid default
    name); any SQL text, however broken, returns a result whose ``warnings`` tell what failed.
    """
    if not isinstance(sql, str):
        raise InvalidArgument(f"sql must be a string, got {type(sql).__name__}")
    dialect_name = _dialect_name(dialect)
    for label, value in (
        ("default_database", default_database),
        ("default_schema", default_schema),
    ):
        if value is not None:
            try:
                if len(parse_name(value, dialect_name).parts) != 1:
                    raise InvalidArgument(f"{label} must be a single name, got {value!r}")
            except InvalidName as error:
                raise InvalidArgument(f"{label}: {error}") from error
    extraction = _Extraction(
        dialect_name,
        default_database=default_database,
        default_schema=default_schema,
        columns=columns,
    )
    try:
        extraction.load_schema(schema or {})
        extraction.run(sql)
    except Exception as error:  # the promise is "never raise on SQL text": keep what we have
        extraction.warnings.append(f"internal error while extracting lineage: {error!r}")
    try:
        return extraction.result()
    except Exception as error:
        warnings = [*extraction.warnings, f"internal error while building the result: {error!r}"]
        return SqlLineage(warnings=warnings, dialect=dialect_name)


def split_statements(sql: str, dialect: str | None = None) -> list[str]:
    """The statements of a script, as :func:`extract_lineage` sees them.

    Splitting follows sqlglot's tokeniser (semicolons inside strings, comments and dollar
    quotes do not split; T-SQL ``GO`` lines do), so callers that need per-statement work,
    such as recording one lineage event per statement, agree with the extractor.
    """
    extraction = _Extraction(
        _dialect_name(dialect), default_database=None, default_schema=None, columns=False
    )
    return [piece.text for piece in extraction.split(sql)]


def _dialect_name(dialect: str | None) -> str | None:
    if dialect is None or dialect == "":
        return None
    name = str(dialect).strip().lower()
    if name == "postgresql":
        name = "postgres"
    if name not in SUPPORTED_DIALECTS:
        raise InvalidArgument(
            f"Unknown SQL dialect {dialect!r}; known dialects: {', '.join(SUPPORTED_DIALECTS)}"
        )
    return name


_DIALECTS: dict[str | None, Dialect] = {}


def _sqlglot_dialect(name: str | None) -> Dialect:
    """sqlglot dialect objects hold settings only; building one per call is wasted work."""
    found = _DIALECTS.get(name)
    if found is None:
        found = _DIALECTS[name] = Dialect.get_or_raise(name)
    return found


_GO_LINE = re.compile(r"^[ \t]*GO(?:[ \t]+\d+)?[ \t]*;?[ \t]*$", re.IGNORECASE | re.MULTILINE)
_FILE_FORMATS = frozenset(
    {"parquet", "csv", "json", "orc", "avro", "delta", "text", "binaryfile", "iceberg", "hudi"}
)
_PATH_LIKE = re.compile(
    r"[/\\]|://|\.(?:csv|tsv|parquet|json|jsonl|ndjson|orc|avro|txt|gz|zst|arrow|feather|xlsx?)$",
    re.IGNORECASE,
)
_PSEUDO_TABLES = {
    None: frozenset({"dual"}),
    "tsql": frozenset({"dual", "inserted", "deleted"}),
    "postgres": frozenset({"excluded"}),
}
# Statements that never move rows between tables; a failed parse of one of them is not news.
_QUIET_COMMANDS = frozenset(
    {
        *(
            "ALTER",
            "ANALYZE",
            "ATTACH",
            "BEGIN",
            "CALL",
            "CHECKPOINT",
            "CLOSE",
            "CLUSTER",
            "COMMENT",
        ),
        *(
            "COMMIT",
            "DBCC",
            "DEALLOCATE",
            "DECLARE",
            "DESC",
            "DESCRIBE",
            "DETACH",
            "DISCARD",
            "END",
        ),
        *("EXEC", "EXECUTE", "EXPLAIN", "FETCH", "GET", "GO", "GRANT", "INSTALL", "KILL"),
        *("LIST", "LISTEN", "LOCK", "LS", "MSCK", "NOTIFY", "OPEN", "OPTIMIZE", "PRAGMA"),
        *(
            "PREPARE",
            "PRINT",
            "PUT",
            "RAISERROR",
            "REFRESH",
            "REINDEX",
            "REMOVE",
            "RESET",
            "RETURN",
        ),
        *("REVOKE", "RM", "ROLLBACK", "SET", "SETUSER", "SHOW", "START", "UNLOCK", "USE"),
        *("VACUUM",),
    }
)
_TEMP_WORDS = frozenset({"TEMP", "TEMPORARY", "VOLATILE"})
# Dialects where a SELECT item may use an alias defined earlier in the same SELECT list.
_LATERAL_ALIAS_DIALECTS = frozenset(
    {"snowflake", "redshift", "duckdb", "databricks", "spark", "teradata", "clickhouse"}
)
_TRANSACTION_WORDS = frozenset(
    {
        "TRANSACTION",
        "TRAN",
        "WORK",
        "DEFERRED",
        "IMMEDIATE",
        "EXCLUSIVE",
        "DISTRIBUTED",
        "ISOLATION",
    }
)
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
    exp.Create,
    exp.Alter,
    exp.Drop,
    exp.Return,
)


class _Extraction:
    """State of one ``extract_lineage`` call: statements are analysed in script order."""

    def __init__(
        self,
        dialect_name: str | None,
        *,
        default_database: str | None,
        default_schema: str | None,
        columns: bool,
    ) -> None:
        self.dialect_name = dialect_name
        self.dialect = _sqlglot_dialect(dialect_name)
        self.parser = self.dialect.parser()
        self.default_database = default_database
        self.default_schema = default_schema
        self.want_columns = columns
        self.pseudo_tables = _PSEUDO_TABLES.get(dialect_name, _PSEUDO_TABLES[None])
        self.statements: list[_Statement] = []
        self.warnings: list[str] = []
        self.known_columns: dict[str, list[str]] = {}
        self.columns_by_table_part: dict[str, list[str]] = {}
        self.temporary_names: set[str] = set()
        self._names: dict[tuple[tuple[str, bool], ...], str | None] = {}
        self._keys: dict[tuple[str, bool], str] = {}
        self._bad_names: set[str] = set()

    # ----------------------------------------------------------------- names

    def key(self, text: str, quoted: bool) -> str:
        """An identifier as the dialect resolves it: the text names.py would store."""
        cache_key = (text, quoted)
        found = self._keys.get(cache_key)
        if found is not None:
            return found
        if not quoted:
            normalised = text.lower()
        else:
            try:
                normalised = parse_name(_quoted(text), self.dialect_name).table
            except InvalidName:
                normalised = text
        self._keys[cache_key] = normalised
        return normalised

    def identifier_key(self, identifier: exp.Expr) -> str:
        return self.key(identifier.name, bool(identifier.args.get("quoted")))

    def table_name(self, table: exp.Table) -> str | None:
        """The canonical name of a table reference, or None for stages, paths and functions."""
        this = table.this
        if isinstance(this, exp.Parameter):  # a T-SQL table variable, @name
            inner = this.this
            text = "@" + (inner.name if isinstance(inner, exp.Expr) else str(inner))
            return self._name_from_parts(((text, False),), temporary=True)
        if not isinstance(this, exp.Identifier):
            return None
        parts: list[tuple[str, bool]] = []
        temporary = False
        for arg in ("catalog", "db", "this"):
            part = table.args.get(arg)
            if part is None:
                continue
            if not isinstance(part, exp.Identifier):
                return None
            text = part.name
            if part.args.get("global_"):
                text, temporary = "##" + text, True
            elif part.args.get("temporary"):
                text, temporary = "#" + text, True
            elif text.startswith("#"):
                temporary = True
            parts.append((text, bool(part.args.get("quoted"))))
        if not parts or not parts[-1][0]:
            return None
        last_text, last_quoted = parts[-1]
        if last_quoted and _PATH_LIKE.search(last_text):
            return None
        if (
            len(parts) == 2
            and parts[0][0].lower() in _FILE_FORMATS
            and _PATH_LIKE.search(last_text)
        ):
            return None
        if len(parts) == 1 and not last_quoted and last_text.lower() in self.pseudo_tables:
            return None
        return self._name_from_parts(tuple(parts), temporary=temporary)

    def name_from_text(self, parts: Sequence[tuple[str, bool]]) -> str | None:
        """A name found by the keyword scan; same rendering as :meth:`table_name`."""
        if not parts or not parts[-1][0]:
            return None
        text, quoted = parts[-1]
        if text.startswith("@"):
            if self.dialect_name != "tsql":
                return None  # a stage
            return self._name_from_parts(((text, False),), temporary=True)
        if len(parts) == 1 and not quoted and text.lower() in self.pseudo_tables:
            return None
        if quoted and _PATH_LIKE.search(text):
            return None
        return self._name_from_parts(tuple(parts), temporary=text.startswith("#"))

    def _name_from_parts(
        self, parts: tuple[tuple[str, bool], ...], *, temporary: bool
    ) -> str | None:
        if parts in self._names:
            return self._names[parts]
        raw = ".".join(_quoted(text) if quoted else text for text, quoted in parts)
        try:
            name: str | None = qualify(
                raw,
                default_database=self.default_database,
                default_schema=self.default_schema,
                dialect=self.dialect_name,
            )
        except InvalidName as error:
            name = None
            if raw not in self._bad_names:
                self._bad_names.add(raw)
                self.warnings.append(f"skipped table name {raw!r}: {error}")
        self._names[parts] = name
        if name is not None and temporary:
            self.temporary_names.add(name)
        return name

    def load_schema(self, schema: Mapping[str, Sequence[str]]) -> None:
        for table, columns in schema.items():
            try:
                name = qualify(
                    table,
                    default_database=self.default_database,
                    default_schema=self.default_schema,
                    dialect=self.dialect_name,
                )
            except InvalidName as error:
                self.warnings.append(f"schema: skipped table {table!r}: {error}")
                continue
            keys: list[str] = []
            for column in columns:
                try:
                    keys.append(parse_name(column, self.dialect_name).table)
                except InvalidName:
                    self.warnings.append(f"schema: skipped column {column!r} of {table!r}")
            self.remember_columns(name, keys)

    def remember_columns(self, table: str, columns: list[str]) -> None:
        self.known_columns[table] = columns
        last = parse_name(table).table
        names = self.columns_by_table_part.setdefault(last, [])
        if table not in names:
            names.append(table)

    def columns_of(self, table: str) -> list[str] | None:
        """Known columns of ``table``; a differently qualified schema entry counts if unique."""
        found = self.known_columns.get(table)
        if found is not None:
            return found
        parts = parse_name(table).parts
        candidates = [
            known
            for known in self.columns_by_table_part.get(parts[-1], ())
            if _suffix_match(parse_name(known).parts, parts)
        ]
        if len(candidates) == 1:
            return self.known_columns[candidates[0]]
        return None

    # ----------------------------------------------------------------- script

    def run(self, sql: str) -> None:
        for piece in self.split(sql):
            self.statement(piece)

    def split(self, sql: str, first_number: int = 1) -> list[_Piece]:
        """Statements of a script, split where sqlglot's tokeniser sees semicolons."""
        text = sql
        if self.dialect_name in ("tsql", "fabric"):
            text = _GO_LINE.sub(lambda m: ";" + " " * (len(m.group(0)) - 1), text)
        try:
            tokens = self.dialect.tokenize(text)
        except Exception:  # an unterminated string or comment: split leniently instead
            return self._split_leniently(text, first_number)
        pieces: list[_Piece] = []
        chunk: list[Token] = []
        for token in [*tokens, None]:
            if token is not None and token.token_type != TokenType.SEMICOLON:
                chunk.append(token)
                continue
            if chunk:
                start, end = chunk[0].start, chunk[-1].end
                pieces.append(
                    _Piece(first_number + len(pieces), chunk[0].line, text[start : end + 1], chunk)
                )
            chunk = []
        return pieces

    def _split_leniently(self, text: str, first_number: int) -> list[_Piece]:
        pieces: list[_Piece] = []
        for start, end in _scan_statements(text):
            piece_text = text[start:end]
            if not piece_text.strip():
                continue
            line = text.count("\n", 0, start) + 1 + _leading_newlines(piece_text)
            try:
                tokens: list[Token] | None = self.dialect.tokenize(piece_text)
            except Exception:
                tokens = None
            pieces.append(_Piece(first_number + len(pieces), line, piece_text.strip(), tokens))
        return pieces

    def statement(self, piece: _Piece) -> None:
        if piece.tokens is None:
            self.scan(piece, "sqlglot could not tokenise it")
            return
        tokens = piece.tokens
        # Procedure bodies split at semicolons leave "BEGIN INSERT ..." and "END" pieces.
        while (
            len(tokens) > 1
            and tokens[0].text.upper() == "BEGIN"
            and (tokens[1].text.upper() not in _TRANSACTION_WORDS)
        ):
            tokens = tokens[1:]
        if tokens[0].text.upper() == "END" and len(tokens) <= 2:
            self.statements.append(_Statement())
            return
        try:
            trees = self.parser.parse(tokens, piece.text)
        except Exception as error:
            self.scan(piece, f"sqlglot could not parse it ({_first_line(error)})")
            return
        stack: list[exp.Expr] = [tree for tree in reversed(trees) if tree is not None]
        while stack:
            tree = stack.pop()
            nested = self._nested_statements(tree, piece)
            if nested is not None:
                stack.extend(reversed(nested))
                continue
            if isinstance(tree, exp.Command):
                self.command(tree, piece)
                continue
            try:
                self.analyse(tree, piece)
            except Exception as error:
                self.warnings.append(
                    f"statement {piece.number} (line {piece.line}): lineage analysis failed "
                    f"({_first_line(error)}); its tables were taken from a keyword scan"
                )
                self.scan(piece, None)

    def _nested_statements(self, tree: exp.Expr, piece: _Piece) -> list[exp.Expr] | None:
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
                    for inner in self.split(only.name, piece.number):
                        inner.number, inner.line = piece.number, piece.line
                        self.statement(inner)
                    return []
            if isinstance(body, exp.Block):
                return list(body.expressions)
            return [body] if isinstance(body, exp.Expr) else []
        if isinstance(tree, (exp.Semicolon, exp.EndStatement)):
            return []
        return None

    def command(self, tree: exp.Command, piece: _Piece) -> None:
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
                self.analyse(trees[0], piece)
                return
        self.scan(piece, "sqlglot does not support this statement")

    def result(self) -> SqlLineage:
        """Resolve temporary tables across the script and build the public model."""
        transient = self._transient_tables()
        reads: set[str] = set()
        writes: set[str] = set()
        temp_flows: dict[ColumnKey, _Flow] = {}
        mappings: dict[ColumnKey, _Flow] = {}
        for statement in self.statements:
            reads |= statement.reads
            writes |= statement.writes
            for target, flow in statement.flows:
                resolved = self._through_temporary(flow, transient, temp_flows)
                into = temp_flows if target[0] in transient else mappings
                previous = into.get(target)
                into[target] = resolved if previous is None else previous.merge(resolved)
        columns = [
            ColumnMapping(
                target=_render_column(table, column),
                sources=sorted({_render_column(t, c) for t, c in flow.sources}),
                transformation=_LABELS[flow.rank],
            )
            for (table, column), flow in sorted(mappings.items())
            if flow.sources
        ]
        return SqlLineage(
            reads=sorted(reads - transient),
            writes=sorted(writes - transient),
            columns=columns,
            warnings=list(dict.fromkeys(self.warnings)),
            dialect=self.dialect_name,
        )

    def _transient_tables(self) -> set[str]:
        transient = set(self.temporary_names)
        created: set[str] = set()
        for statement in self.statements:
            for name in statement.dropped:
                if name in created:
                    transient.add(name)
            for name, temporary in statement.created:
                created.add(name)
                if temporary:
                    transient.add(name)
        return transient

    @staticmethod
    def _through_temporary(
        flow: _Flow, transient: set[str], temp_flows: dict[ColumnKey, _Flow]
    ) -> _Flow:
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
        return _Flow(frozenset(sources), rank)

    # ----------------------------------------------------------------- tables

    def analyse(self, tree: exp.Expr, piece: _Piece) -> None:
        """Table-level lineage of one parsed statement, then its column lineage."""
        statement = _Statement()
        targets: list[exp.Table] = []  # write targets, in the order they appear
        hidden: set[int] = set()  # table nodes that are not row sources
        reads_rows = True
        column_work: list[Callable[[], list[tuple[ColumnKey, _Flow]]]] = []

        if isinstance(tree, exp.Select) and isinstance(tree.args.get("into"), exp.Into):
            into = tree.args["into"]
            table = into.this if isinstance(into.this, exp.Table) else None
            if table is not None:
                targets.append(table)
                name = self.table_name(table)
                if name:
                    statement.created.append((name, bool(into.args.get("temporary"))))
                column_work.append(partial(self._select_into_flows, table))
        elif isinstance(tree, exp.Insert):
            table = _insert_target(tree)
            if table is not None:
                targets.append(table)
                column_work.append(partial(self._insert_flows, tree))
        elif isinstance(tree, exp.MultitableInserts):
            for insert in _multitable_inserts(tree):
                table = _insert_target(insert)
                if table is not None:
                    targets.append(table)
                    column_work.append(partial(self._insert_flows, insert))
        elif isinstance(tree, exp.Create):
            kind = str(tree.args.get("kind") or "").upper()
            if not (kind.endswith("TABLE") or kind.endswith("VIEW")):
                self.statements.append(statement)
                return
            table = _schema_table(tree.this)
            if table is not None:
                targets.append(table)
                name = self.table_name(table)
                if name:
                    statement.created.append((name, _is_temporary_create(tree)))
                column_work.append(partial(self._create_flows, tree))
        elif isinstance(tree, exp.Cache):
            if isinstance(tree.this, exp.Table):
                targets.append(tree.this)
                name = self.table_name(tree.this)
                if name:
                    statement.created.append((name, True))
                column_work.append(partial(self._create_flows, tree))
        elif isinstance(tree, exp.Merge):
            if isinstance(tree.this, exp.Table):
                targets.append(tree.this)
                column_work.append(partial(self._merge_flows, tree))
        elif isinstance(tree, exp.Update):
            found, same = self._dml_targets(tree, [tree.this])
            targets.extend(found)
            hidden |= same
            if found:
                column_work.append(partial(self._update_flows, tree, found[0]))
        elif isinstance(tree, exp.Delete):
            references = list(tree.args.get("tables") or []) or [tree.this]
            found, same = self._dml_targets(tree, references)
            targets.extend(found)
            hidden |= same
        elif isinstance(tree, exp.TruncateTable):
            targets.extend(t for t in tree.expressions if isinstance(t, exp.Table))
            reads_rows = False
        elif isinstance(tree, exp.Copy):
            this = _schema_table(tree.this)
            if this is not None and self.table_name(this) and tree.args.get("kind"):
                targets.append(this)
        elif isinstance(tree, exp.LoadData):
            if isinstance(tree.this, exp.Table):
                targets.append(tree.this)
        elif isinstance(tree, exp.Alter):
            for action in tree.args.get("actions") or []:
                if isinstance(action, exp.AlterRename) and isinstance(action.this, exp.Table):
                    targets.append(action.this)
                elif isinstance(action, exp.SwapTable) and isinstance(action.this, exp.Table):
                    targets.extend([tree.this, action.this])
                    statement.reads.update(
                        n for n in (self.table_name(tree.this), self.table_name(action.this)) if n
                    )
            if not targets:
                self.statements.append(statement)
                return
        elif isinstance(tree, exp.Drop):
            kind = str(tree.args.get("kind") or "").upper()
            if kind.endswith("TABLE") or kind.endswith("VIEW"):
                for table in tree.args.get("tables") or [tree.this]:
                    if isinstance(table, exp.Table):
                        name = self.table_name(table)
                        if name:
                            statement.dropped.add(name)
            self.statements.append(statement)
            return
        elif not isinstance(tree, (exp.Query, exp.Export)):
            if not isinstance(tree, _NO_LINEAGE_STATEMENTS):
                self.warnings.append(
                    f"statement {piece.number} (line {piece.line}): not a SQL statement "
                    f"(sqlglot read it as {type(tree).__name__}); ignored"
                )
            self.statements.append(statement)  # USE, SET, GRANT, DESCRIBE, ...: no lineage
            return

        nodes = list(tree.walk(prune=_not_a_row_source))
        for cte in _data_modifying_ctes(nodes):
            body = cte.this
            references = list(body.args.get("tables") or []) or [body.this]
            if isinstance(body, exp.Insert):
                references = [_insert_target(body)]
            found, same = self._dml_targets(body, [r for r in references if r is not None])
            targets.extend(found)
            hidden |= same
        returning = tree.args.get("returning")
        if isinstance(returning, exp.Returning) and returning.args.get("into") is not None:
            into = _schema_table(returning.args["into"])
            if into is not None:
                targets.append(into)
            else:  # sqlglot read "INTO log (a)" as a LOG() call: ask the keyword scan
                statement.writes |= _KeywordScan(_scan_tokens(piece.text), self).run().writes
        targets = [self._through_cte(table, hidden) for table in targets]
        target_ids = {id(t) for t in targets}
        for table in targets:
            name = self.table_name(table)
            if name:
                statement.writes.add(name)
        if reads_rows:
            for node in nodes:
                if not isinstance(node, exp.Table) or id(node) in target_ids or id(node) in hidden:
                    continue
                if isinstance(node.parent, (exp.LikeProperty, exp.Reference)):
                    continue
                if self._is_cte_reference(node):
                    continue
                name = self.table_name(node)
                if name:
                    statement.reads.add(name)
        self.statements.append(statement)

        if self.want_columns and column_work:
            _normalise_identifiers(tree, self)
            if isinstance(tree, exp.MultitableInserts):
                _share_with(tree)
            for work in column_work:
                try:
                    statement.flows.extend(work())
                except Exception as error:
                    self.warnings.append(
                        f"statement {piece.number} (line {piece.line}): column lineage skipped "
                        f"({_first_line(error)})"
                    )

    def _through_cte(self, table: exp.Table, hidden: set[int]) -> exp.Table:
        """T-SQL's ``WITH d AS (SELECT ... FROM t) DELETE FROM d`` changes ``t``."""
        cte = self._cte_of(table)
        if cte is None or not isinstance(cte.this, exp.Select):
            return table
        from_ = cte.this.args.get("from_")
        base = from_.this if isinstance(from_, exp.From) else None
        if not isinstance(base, exp.Table) or self._cte_of(base) is not None:
            return table
        hidden.add(id(table))
        return base

    def _dml_targets(
        self, tree: exp.Expr, references: list[exp.Expr]
    ) -> tuple[list[exp.Table], set[int]]:
        """UPDATE/DELETE targets, following aliases into FROM (``UPDATE t ... FROM x AS t``).

        Returns the target tables and the ids of every node that is the target itself rather
        than a separate read of the same table.
        """
        relations = _relations(tree)
        targets: list[exp.Table] = []
        same: set[int] = set()
        for reference in references:
            if not isinstance(reference, exp.Table):
                continue
            match = self._aliased_relation(reference, relations)
            if match is None:
                name = self.table_name(reference)
                for relation in relations:
                    if relation is reference or relation.args.get("alias"):
                        continue
                    if name and self.table_name(relation) == name:
                        same.add(id(relation))
                targets.append(reference)
            else:
                targets.append(match)
                same.add(id(reference))
        return targets, same

    def _aliased_relation(
        self, reference: exp.Table, relations: list[exp.Table]
    ) -> exp.Table | None:
        if not _may_be_alias(reference):
            return None
        wanted = self.identifier_key(reference.this)
        for relation in relations:
            alias = relation.args.get("alias")
            if relation is reference or alias is None or alias.this is None:
                continue
            if self.identifier_key(alias.this) == wanted:
                return relation
        return None

    def _is_cte_reference(self, table: exp.Table) -> bool:
        """Whether an unqualified table name resolves to a CTE visible where it is used."""
        return self._cte_of(table) is not None

    def _cte_of(self, table: exp.Table) -> exp.CTE | None:
        """The CTE an unqualified table name resolves to, walking out through nested WITHs."""
        if table.args.get("db") or not isinstance(table.this, exp.Identifier):
            return None
        wanted = self.identifier_key(table.this)
        child: exp.Expr = table
        node = table.parent
        while node is not None:
            if isinstance(node, exp.With):
                position = child.index if isinstance(child, exp.CTE) and child.index else 0
                visible = node.expressions[
                    : position + 1 if node.args.get("recursive") else position
                ]
                for cte in visible:
                    if self._cte_key(cte) == wanted:
                        return cte
            else:
                with_ = node.args.get("with_")
                if isinstance(with_, exp.With) and with_ is not child:
                    for cte in with_.expressions:
                        if self._cte_key(cte) == wanted:
                            return cte
            child, node = node, node.parent
        return None

    def _cte_key(self, cte: exp.Expr) -> str | None:
        alias = cte.args.get("alias")
        if alias is None or not isinstance(alias.this, exp.Identifier):
            return None
        return self.identifier_key(alias.this)

    # ----------------------------------------------------------------- columns

    def _insert_flows(self, insert: exp.Insert) -> list[tuple[ColumnKey, _Flow]]:
        table = _insert_target(insert)
        target = self.table_name(table) if table is not None else None
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
        outputs = self._outputs(query)
        if outputs is None:
            return []
        columns = _schema_columns(insert.this, self)
        return self._map_to_target(
            target, columns, outputs, by_name=bool(insert.args.get("by_name"))
        )

    def _create_flows(self, create: exp.Create | exp.Cache) -> list[tuple[ColumnKey, _Flow]]:
        table = _schema_table(create.this)
        target = self.table_name(table) if table is not None else None
        if target is None:
            return []
        columns = _schema_columns(create.this, self)
        query = create.expression
        if not isinstance(query, exp.Query):
            if columns:
                self.remember_columns(target, columns)
            return []
        outputs = self._outputs(query)
        if outputs is None:
            return []
        flows = self._map_to_target(target, columns, outputs, by_name=False)
        self._remember_created(target, columns, outputs)
        return flows

    def _select_into_flows(self, table: exp.Table) -> list[tuple[ColumnKey, _Flow]]:
        target = self.table_name(table)
        select = table.find_ancestor(exp.Select)
        if target is None or select is None:
            return []
        select.set("into", None)
        outputs = self._outputs(select)
        if outputs is None:
            return []
        flows = self._map_to_target(target, None, outputs, by_name=False)
        self._remember_created(target, None, outputs)
        return flows

    def _remember_created(self, target: str, columns: list[str] | None, outputs: _Outputs) -> None:
        names = columns or [name for name, _ in outputs.columns]
        if names and all(name and name != "*" for name in names):
            self.remember_columns(target, list(names))

    def _update_flows(
        self, update: exp.Update, target_table: exp.Table
    ) -> list[tuple[ColumnKey, _Flow]]:
        target = self.table_name(target_table)
        if target is None:
            return []
        names: list[str] = []
        projections: list[exp.Expr] = []
        for column, value in _assignments(update.expressions):
            names.append(self.identifier_key(column.this))
            projections.append(exp.alias_(value, f"_c{len(names)}"))
        if not projections:
            return []
        from_ = update.args.get("from_")
        relation_in_from = (
            from_ is not None
            and any(node is target_table for node in _relations(update))
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
        outputs = self._outputs(select)
        if outputs is None:
            return []
        return self._map_to_target(target, names, outputs, by_name=False)

    def _merge_flows(self, merge: exp.Merge) -> list[tuple[ColumnKey, _Flow]]:
        """MERGE as ``SELECT <assigned values> FROM target CROSS JOIN source``, then mapped."""
        target = self.table_name(merge.this)
        using = merge.args.get("using")
        if target is None or not isinstance(using, exp.Expr):
            return []
        names, values, star_copy = self._merge_assignments(merge, target)
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
        outputs = self._outputs(select)
        if outputs is None:
            return []
        flows = [
            ((target, name), flow) for name, (_, flow) in zip(names, outputs.columns, strict=False)
        ]
        flows.extend(((target, name), flow) for name, flow in outputs.columns[len(names) :] if name)
        return flows

    def _merge_assignments(
        self, merge: exp.Merge, target: str
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
                        names.append(self.identifier_key(assignment.this.this))
                        values.append(assignment.expression)
            elif isinstance(then, exp.Insert):
                if isinstance(then.this, exp.Star):
                    star_copy = True
                    continue
                row = then.expression
                inserted = list(row.expressions) if isinstance(row, exp.Tuple) else []
                for column, value in zip(
                    self._merge_insert_columns(then, target, inserted), inserted, strict=False
                ):
                    if column:
                        names.append(column)
                        values.append(value)
        return names, values, star_copy

    def _merge_insert_columns(
        self, insert: exp.Insert, target: str, values: list[exp.Expr]
    ) -> list[str]:
        """``INSERT (a, b) VALUES ...``; without a list, the target's known columns, or else
        the names of the inserted source columns (``INSERT VALUES (s.id, s.name)``)."""
        if isinstance(insert.this, (exp.Tuple, exp.Schema)):
            return [
                self.identifier_key(c.this if isinstance(c, exp.Column) else c)
                for c in insert.this.expressions
            ]
        known = self.columns_of(target) or []
        if len(known) == len(values):
            return list(known)
        return [self.identifier_key(v.this) if isinstance(v, exp.Column) else "" for v in values]

    def _map_to_target(
        self,
        target: str,
        columns: list[str] | None,
        outputs: _Outputs,
        *,
        by_name: bool,
    ) -> list[tuple[ColumnKey, _Flow]]:
        produced = outputs.columns
        has_star = any(name == "*" for name, _ in produced)
        if columns:
            if has_star:
                self.warnings.append(
                    f"column lineage into {target}: the query selects * from a table whose "
                    "columns are unknown; pass schema= to map them"
                )
                return []
            if len(columns) != len(produced):
                self.warnings.append(
                    f"column lineage into {target}: {len(columns)} target columns but the "
                    f"query produces {len(produced)}"
                )
            return [((target, c), flow) for c, (_, flow) in zip(columns, produced, strict=False)]
        known = None if by_name or has_star else self.columns_of(target)
        if known and len(known) == len(produced):
            return [((target, c), flow) for c, (_, flow) in zip(known, produced, strict=True)]
        flows: list[tuple[ColumnKey, _Flow]] = []
        for position, (name, flow) in enumerate(produced, start=1):
            if not name:
                if flow.sources:
                    self.warnings.append(
                        f"column lineage into {target}: output column {position} has no name; "
                        "give it an alias"
                    )
                continue
            flows.append(((target, name), flow))
        return flows

    def _outputs(self, query: exp.Query) -> _Outputs | None:
        """Column flows of a query's outputs, built bottom-up over sqlglot's scopes."""
        try:
            scopes = traverse_scope(query)
        except Exception as error:
            self.warnings.append(
                f"column lineage skipped: sqlglot could not scope a query ({error})"
            )
            return None
        if not scopes:
            return None
        by_expression: dict[int, Scope] = {id(scope.expression): scope for scope in scopes}
        infos: dict[int, _Outputs] = {}
        for scope in scopes:
            infos[id(scope)] = self._scope_outputs(scope, infos, by_expression)
        return infos[id(scopes[-1])]

    def _scope_outputs(
        self, scope: Scope, infos: dict[int, _Outputs], by_expression: dict[int, Scope]
    ) -> _Outputs:
        expression = scope.expression
        if isinstance(expression, exp.SetOperation):
            branches = [infos.get(id(s)) for s in scope.set_operation_scopes or []]
            left, right = [*branches, None, None][:2]
            if left is None:
                return _Outputs.of([])
            if right is None:
                return left
            if expression.args.get("by_name"):
                merged = [
                    (name, flow.merge(right.by_name.get(name, _NO_FLOW)))
                    for name, flow in left.columns
                ]
            else:  # positional: the left branch names the columns
                merged = [
                    (name, flow.merge(right.columns[i][1]) if i < len(right.columns) else flow)
                    for i, (name, flow) in enumerate(left.columns)
                ]
            return _Outputs.of(merged)
        if isinstance(expression, exp.Subquery):
            inner = by_expression.get(id(expression.this))
            if inner is not None and id(inner) in infos:
                return infos[id(inner)]
            return _Outputs.of([])
        if not isinstance(expression, exp.Select):
            return _Outputs.of([])
        produced: list[tuple[str, _Flow]] = []
        for projection in expression.expressions:
            if _is_star(projection):
                produced.extend(self._expand_star(scope, projection, infos))
                continue
            name = projection.output_name
            flow = self._expression_flow(
                scope, projection.unalias(), infos, by_expression, produced
            )
            produced.append((name, flow))
        return _Outputs.of(self._renamed(scope, produced))

    def _renamed(self, scope: Scope, produced: list[tuple[str, _Flow]]) -> list[tuple[str, _Flow]]:
        """Apply a column alias list: ``WITH c (a, b) AS (...)``, ``(SELECT ...) AS d (a, b)``."""
        outer = scope.outer_columns
        if not outer or any(name == "*" for name, _ in produced):
            return produced
        renamed = [(alias, flow) for alias, (_, flow) in zip(outer, produced, strict=False)]
        return renamed + produced[len(renamed) :]

    def _expand_star(
        self, scope: Scope, projection: exp.Expr, infos: dict[int, _Outputs]
    ) -> Iterator[tuple[str, _Flow]]:
        star = projection.this if isinstance(projection, exp.Column) else projection
        qualifier = projection.table if isinstance(projection, exp.Column) else ""
        excluded = {
            self.identifier_key(c.this if isinstance(c, exp.Column) else c)
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
                table = self.table_name(source)
                if table is None:
                    continue
                known = self.columns_of(table)
                if known is None:
                    yield "*", _Flow(frozenset({(table, "*")}))
                    continue
                for column in known:
                    if column not in excluded:
                        yield column, _Flow(frozenset({(table, column)}))

    def _expression_flow(
        self,
        scope: Scope,
        expression: exp.Expr,
        infos: dict[int, _Outputs],
        by_expression: dict[int, Scope],
        earlier: list[tuple[str, _Flow]],
    ) -> _Flow:
        if isinstance(expression, exp.Column):
            return self._resolve(scope, expression, infos, earlier) or _NO_FLOW
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
        return _Flow(frozenset(sources), max(rank, inherited))

    def _resolve(
        self,
        scope: Scope,
        column: exp.Column,
        infos: dict[int, _Outputs],
        earlier: list[tuple[str, _Flow]],
    ) -> _Flow | None:
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
                return _Flow(frozenset().union(*(f.sources for f in flows if f is not None)))
            if definite:
                return self._from_source(current, definite[0], name, infos)
            if current is scope and self.dialect_name in _LATERAL_ALIAS_DIALECTS:
                for alias, flow in earlier:  # SELECT a * 2 AS d, d + 1 AS e
                    if alias == name:
                        return flow
            if len(maybe) == 1:
                return self._from_source(current, maybe[0], name, infos)
            if len(maybe) > 1:
                tables = sorted(
                    self.table_name(s) or str(s.expression.alias_or_name)
                    if isinstance(s, exp.Table)
                    else (s.expression.alias_or_name if isinstance(s, Scope) else "?")
                    for s in maybe
                )
                self.warnings.append(
                    f"column {name!r} is ambiguous: it could come from {', '.join(tables)}; "
                    "qualify it or pass schema="
                )
                return None
            if current.scope_type.name not in ("SUBQUERY",):
                return None
            current = current.parent
        return None

    def _has_column(self, source: object, name: str, infos: dict[int, _Outputs]) -> bool | None:
        if isinstance(source, exp.Table):
            table = self.table_name(source)
            if table is None:
                return False
            known = self.columns_of(table)
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
        self, scope: Scope, source: object, name: str, infos: dict[int, _Outputs]
    ) -> _Flow | None:
        if isinstance(source, exp.Table):
            cte = self._cte_of(source)
            if cte is not None:  # a CTE sqlglot could not scope: INSERT/UPDATE/DELETE RETURNING
                return self._returning_flow(cte.this, name)
            table = self.table_name(source)
            return _Flow(frozenset({(table, name)})) if table else None
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
            return _Flow(frozenset((table, name) for table in info.open_tables))
        return None

    def _returning_flow(self, body: exp.Expr, name: str) -> _Flow | None:
        """``WITH moved AS (DELETE FROM q ... RETURNING id)``: ``moved.id`` is ``q.id``."""
        returning = body.args.get("returning")
        if not isinstance(body, exp.DML) or not isinstance(returning, exp.Returning):
            return None
        table = _schema_table(body.this)
        target = self.table_name(table) if table is not None else None
        if target is None:
            return None
        for item in returning.expressions:
            if _is_star(item):
                return _Flow(frozenset({(target, name)}))
            if item.output_name == name:
                columns = {(target, c.name) for c in item.find_all(exp.Column)}
                rank = _IDENTITY if isinstance(item.unalias(), exp.Column) else _EXPRESSION
                return _Flow(frozenset(columns), rank)
        return None

    def _udtf_flow(self, scope: Scope, infos: dict[int, _Outputs]) -> _Flow:
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
        return _Flow(frozenset(sources), _EXPRESSION)

    # ----------------------------------------------------------------- keyword scan

    def scan(self, piece: _Piece, reason: str | None) -> None:
        """Tables of a statement sqlglot could not parse, found from keywords alone."""
        tokens = _scan_tokens(piece.text)
        first = next((t.upper for t in tokens if t.kind == "word"), "")
        if first in _QUIET_COMMANDS and not (first == "ALTER" and _has_word(tokens, "RENAME")):
            self.statements.append(_Statement())
            return
        found = _KeywordScan(tokens, self).run()
        statement = _Statement(
            reads=found.reads, writes=found.writes, created=found.created, dropped=found.dropped
        )
        for inner in found.embedded:  # UNLOAD ('SELECT ...'): the query is a string
            nested = _Extraction(
                self.dialect_name,
                default_database=self.default_database,
                default_schema=self.default_schema,
                columns=False,
            )
            nested.run(inner)
            for nested_statement in nested.statements:
                statement.reads |= nested_statement.reads
        self.statements.append(statement)
        if reason is not None and tokens:
            self.warnings.append(
                f"statement {piece.number} (line {piece.line}): {reason}; tables were taken "
                "from a keyword scan and it has no column lineage"
            )


# --------------------------------------------------------------------- helpers


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _render_column(table: str, column: str) -> str:
    return f"{table}.{'*' if column == '*' else quote_part(column)}"


def _suffix_match(known: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    shorter = min(len(known), len(wanted))
    return known[-shorter:] == wanted[-shorter:]


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]


def _leading_newlines(text: str) -> int:
    return text[: len(text) - len(text.lstrip())].count("\n")


def _is_star(projection: exp.Expr) -> bool:
    return isinstance(projection, exp.Star) or (
        isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
    )


def _not_a_row_source(node: exp.Expr) -> bool:
    return isinstance(
        node,
        (exp.LikeProperty, exp.Reference, exp.Returning, exp.OnConflict, exp.Hint, exp.JoinHint),
    )


def _insert_target(insert: exp.Insert) -> exp.Table | None:
    return _schema_table(insert.this)


def _schema_table(node: object) -> exp.Table | None:
    if isinstance(node, exp.Schema):
        node = node.this
    return node if isinstance(node, exp.Table) else None


def _schema_columns(node: object, extraction: _Extraction) -> list[str] | None:
    """Column names listed after a table name: ``INSERT INTO t (a, b)``, ``CREATE VIEW v (a)``."""
    if not isinstance(node, exp.Schema):
        return None
    names: list[str] = []
    for column in node.expressions:
        identifier = column.this if isinstance(column, (exp.ColumnDef, exp.Column)) else column
        if isinstance(identifier, exp.Identifier):
            names.append(extraction.identifier_key(identifier))
    return names or None


def _share_with(tree: exp.MultitableInserts) -> None:
    """Give each query of a multi-table insert its own copy of the statement's WITH."""
    shared = tree.args.get("with_")
    if not isinstance(shared, exp.With):
        return
    tree.set("with_", None)
    for insert in _multitable_inserts(tree):
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


def _using_columns(select: exp.Expr) -> set[str]:
    names: set[str] = set()
    for join in select.args.get("joins") or []:
        for column in join.args.get("using") or []:
            names.add(column.name)
    return names


def _data_modifying_ctes(nodes: list[exp.Expr]) -> Iterator[exp.CTE]:
    """PostgreSQL's ``WITH x AS (DELETE ... RETURNING ...)``: writes hidden in a WITH."""
    for node in nodes:
        if isinstance(node, exp.CTE) and isinstance(
            node.this, (exp.Insert, exp.Update, exp.Delete)
        ):
            yield node


def _multitable_inserts(tree: exp.MultitableInserts) -> Iterator[exp.Insert]:
    for item in tree.expressions:
        insert = item.this if isinstance(item, exp.ConditionalInsert) else item
        if isinstance(insert, exp.Insert):
            yield insert


def _is_temporary_create(create: exp.Create) -> bool:
    properties = create.args.get("properties")
    if isinstance(properties, exp.Properties):
        return any(isinstance(p, exp.TemporaryProperty) for p in properties.expressions)
    return False


def _relations(tree: exp.Expr) -> list[exp.Table]:
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


def _normalise_identifiers(tree: exp.Expr, extraction: _Extraction) -> None:
    """Fold identifiers by the names.py case rule so scope lookups match how names resolve."""
    for identifier in tree.find_all(exp.Identifier):
        text = identifier.this
        if not isinstance(text, str):
            continue
        key = extraction.key(text, bool(identifier.args.get("quoted")))
        if key != text:
            identifier.set("this", key)


# --------------------------------------------------------------------- lenient tokens

_SCAN_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<string>'(?:[^']|'')*(?:'|\Z)|\$(?P<tag>[A-Za-z_]*)\$.*?(?:\$(?P=tag)\$|\Z))
    | (?P<quoted>"(?:[^"]|"")*(?:"|\Z)|`(?:[^`]|``)*(?:`|\Z)|\[[^\]\n]*(?:\]|\Z))
    | (?P<word>[A-Za-z_@#][\w$@#]*)
    | (?P<number>\d[\w.]*)
    | (?P<symbol>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class _ScanToken:
    kind: str  # word, quoted, string, symbol, number
    text: str
    start: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def _scan_tokens(text: str) -> list[_ScanToken]:
    tokens: list[_ScanToken] = []
    for match in _SCAN_TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("space", "comment") or kind is None:
            continue
        if kind == "tag":
            kind = "string"
        value = match.group(0)
        if kind == "quoted":
            close = {'"': '"', "`": "`", "[": "]"}[value[0]]
            inner = value[1:-1] if value.endswith(close) and len(value) > 1 else value[1:]
            value = inner.replace(close * 2, close) if close != "]" else inner
        tokens.append(_ScanToken(kind, value, match.start()))
    return tokens


def _scan_statements(text: str) -> Iterator[tuple[int, int]]:
    """Statement boundaries at top-level semicolons, tolerant of unterminated strings."""
    start = 0
    for token in _scan_tokens(text):
        if token.kind == "symbol" and token.text == ";":
            yield start, token.start
            start = token.start + 1
    yield start, len(text)


def _has_word(tokens: list[_ScanToken], word: str) -> bool:
    return any(t.upper == word for t in tokens)


_NOT_NAMES = frozenset(
    {
        *("SELECT", "WITH", "VALUES", "SET", "WHERE", "AS", "ON", "USING", "FROM", "JOIN"),
        *("INTO", "TABLE", "IF", "NOT", "EXISTS", "LATERAL", "UNNEST", "ONLY", "OVERWRITE"),
        *("DIRECTORY", "LOCAL", "ALL", "FIRST", "INNER", "OUTER", "LEFT", "RIGHT", "FULL"),
        *("CROSS", "NATURAL", "GROUP", "ORDER", "BY", "LIMIT", "UNION", "EXCEPT", "INTERSECT"),
        *("OUTPUT", "WHEN", "THEN", "TO", "DEFAULT"),
    }
)
# A word before "(" that makes it a subquery or a list rather than a function call.
_NOT_CALLS = frozenset(
    {"AS", "IN", "FROM", "JOIN", "EXISTS", "USING", "ALL", "ANY", "SOME", "UNLOAD"}
)
_CREATE_MODIFIERS = frozenset(
    {
        *("OR", "REPLACE", "TEMP", "TEMPORARY", "GLOBAL", "LOCAL", "VOLATILE", "TRANSIENT"),
        *("UNLOGGED", "EXTERNAL", "MATERIALIZED", "SECURE", "RECURSIVE", "FORCE", "NOFORCE"),
        *("DYNAMIC", "ICEBERG", "HYBRID", "STREAMING", "LIVE", "MULTISET", "SET"),
    }
)
_INSERT_MODIFIERS = frozenset(
    {
        *("OVERWRITE", "INTO", "IGNORE", "TABLE", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY"),
        *("ALL", "FIRST", "OR", "REPLACE"),
    }
)
_CHANGE_MODIFIERS = frozenset({"INTO", "TABLE", "ONLY", "FROM"})
# Words after which UPDATE/DELETE/MERGE/TRUNCATE are not the statement's verb.
_NOT_A_STATEMENT_BEFORE = frozenset(
    {"ON", "FOR", "DO", "THEN", "KEY", "NO", "BEFORE", "AFTER", "OF", "AND", ",", "INSTEAD"}
)


@dataclass(slots=True)
class _ScanResult:
    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    created: list[tuple[str, bool]] = field(default_factory=list)
    dropped: set[str] = field(default_factory=set)
    embedded: list[str] = field(default_factory=list)


class _KeywordScan:
    """A small state machine over lenient tokens: the narrow fallback for one statement."""

    def __init__(self, tokens: list[_ScanToken], extraction: _Extraction) -> None:
        self.tokens = tokens
        self.extraction = extraction
        self.result = _ScanResult()
        self.ctes = self._cte_names()
        self.parens: list[str] = []  # "query", "call" or "group", innermost last

    def _cte_names(self) -> set[str]:
        names: set[str] = set()
        tokens = self.tokens
        for i in range(2, len(tokens) - 1):
            if tokens[i].upper == "AS" and tokens[i + 1].text == "(":
                j = i - 1
                if tokens[j].text == ")":  # WITH name (a, b) AS (
                    while j > 0 and tokens[j].text != "(":
                        j -= 1
                    j -= 1
                if j >= 1 and tokens[j].kind in ("word", "quoted"):
                    before = tokens[j - 1]
                    if before.upper in ("WITH", "RECURSIVE") or before.text == ",":
                        names.add(self.extraction.key(tokens[j].text, tokens[j].kind == "quoted"))
        return names

    def _name_at(self, i: int, *, target: bool = False) -> tuple[str | None, int]:
        """A dotted name starting at token ``i``; (None, i) when there is none.

        A name followed by ``(`` is a function call, except for a write target, where the
        parenthesis opens its column list.
        """
        tokens = self.tokens
        parts: list[tuple[str, bool]] = []
        j = i
        while j < len(tokens):
            token = tokens[j]
            if token.kind == "word" and token.upper not in _NOT_NAMES:
                parts.append((token.text, False))
            elif token.kind == "quoted":
                parts.append((token.text, True))
            else:
                break
            j += 1
            if j < len(tokens) and tokens[j].text == "." and j + 1 < len(tokens):
                j += 1
                continue
            break
        if not parts or (not target and j < len(tokens) and tokens[j].text == "("):
            return None, i
        if len(parts) == 1:
            text, quoted = parts[0]
            if self.extraction.key(text, quoted) in self.ctes:
                return None, j
        return self.extraction.name_from_text(parts), j

    def _skip(self, i: int, words: frozenset[str] | set[str]) -> int:
        while i < len(self.tokens) and self.tokens[i].upper in words:
            i += 1
        return i

    def run(self) -> _ScanResult:
        handlers: dict[str, Callable[[int], int]] = {
            "FROM": self._on_source,
            "JOIN": self._on_source,
            "USING": self._on_source,
            "INSERT": self._on_insert,
            "REPLACE": self._on_insert,
            "UPSERT": self._on_insert,
            "MERGE": self._on_change,
            "UPDATE": self._on_change,
            "TRUNCATE": self._on_change,
            "DELETE": self._on_change,
            "CREATE": self._on_create,
            "DROP": self._on_drop,
            "COPY": self._on_copy,
            "UNLOAD": self._on_unload,
            "INTO": self._on_into,
            "RENAME": self._on_rename,
            "ALTER": self._on_alter,
        }
        i = 0
        while i < len(self.tokens):
            token = self.tokens[i]
            if token.kind == "symbol" and token.text in "()":
                self._on_paren(i)
                i += 1
                continue
            handler = handlers.get(token.upper)
            i = handler(i) if handler is not None else i + 1
        return self.result

    def _word(self, i: int) -> str:
        return self.tokens[i].upper if 0 <= i < len(self.tokens) else ""

    def _on_paren(self, i: int) -> None:
        """Track what each open parenthesis is: FROM inside a call (EXTRACT) is no source."""
        if self.tokens[i].text == ")":
            if self.parens:
                self.parens.pop()
            return
        before = self.tokens[i - 1] if i else None
        if self._word(i + 1) in ("SELECT", "WITH"):
            self.parens.append("query")
        elif (
            before is not None
            and before.kind in ("word", "quoted")
            and (before.upper not in _NOT_CALLS)
        ):
            self.parens.append("call")
        else:
            self.parens.append("group")

    def _on_source(self, i: int) -> int:
        """``FROM a, b`` / ``JOIN a`` / ``USING a``: tables read."""
        if self.parens and self.parens[-1] == "call":
            return i + 1
        name, j = self._name_at(i + 1)
        while name:
            self.result.reads.add(name)
            j = self._skip_alias(j)
            if j >= len(self.tokens) or self.tokens[j].text != ",":
                break
            name, after = self._name_at(j + 1)
            j = after if name else j
        return max(j, i + 1)

    def _skip_alias(self, j: int) -> int:
        if self._word(j) == "AS":
            j += 1
        token = self.tokens[j] if j < len(self.tokens) else None
        if token is not None and token.kind == "word" and token.upper not in _NOT_NAMES:
            j += 1
        return j

    def _on_insert(self, i: int) -> int:
        """``INSERT [OVERWRITE] INTO [TABLE] t``, ``REPLACE INTO t``, ``UPSERT INTO t``."""
        if self._word(i) != "INSERT" and self._word(i + 1) != "INTO":
            return i + 1
        j = self._skip(i + 1, _INSERT_MODIFIERS)
        if self._word(j) in ("DIRECTORY", "LOCAL"):  # INSERT OVERWRITE DIRECTORY '/path'
            return j + 1
        return self._write_at(j)

    def _on_change(self, i: int) -> int:
        """``MERGE INTO t``, ``UPDATE [TOP (n)] t``, ``DELETE [FROM] t``, ``TRUNCATE [TABLE] t``."""
        if self._word(i - 1) in _NOT_A_STATEMENT_BEFORE:  # ON DELETE, THEN UPDATE, FOR UPDATE
            return i + 1
        return self._write_at(self._skip(self._skip_top(i + 1), _CHANGE_MODIFIERS))

    def _on_create(self, i: int) -> int:
        """``CREATE [OR REPLACE] [TEMP ...] TABLE|VIEW [IF NOT EXISTS] t``."""
        j = i + 1
        modifiers: set[str] = set()
        while self._word(j) in _CREATE_MODIFIERS:
            modifiers.add(self._word(j))
            j += 1
        if self._word(j) not in ("TABLE", "VIEW"):
            return j
        j = self._skip(j + 1, {"IF", "NOT", "EXISTS"})
        name, after = self._name_at(j, target=True)
        if name:
            self.result.writes.add(name)
            self.result.created.append((name, bool(modifiers & _TEMP_WORDS)))
        return max(after, j)

    def _on_drop(self, i: int) -> int:
        """``DROP TABLE|VIEW [IF EXISTS] a, b``: what a script drops may be a work table."""
        if self._word(i + 1) not in ("TABLE", "VIEW"):
            return i + 1
        j = self._skip(i + 2, {"IF", "EXISTS"})
        while True:
            name, after = self._name_at(j)
            if name:
                self.result.dropped.add(name)
            if not name or after >= len(self.tokens) or self.tokens[after].text != ",":
                return max(after, j)
            j = after + 1

    def _on_copy(self, i: int) -> int:
        """``COPY [INTO] t FROM ...`` loads t; ``COPY t TO ...`` unloads it."""
        j = self._skip(i + 1, {"INTO"})
        name, after = self._name_at(j, target=True)
        if name:
            rest = {token.upper for token in self.tokens[after:]}
            if "TO" in rest and "FROM" not in rest:
                self.result.reads.add(name)
            else:
                self.result.writes.add(name)
        return max(after, j)

    def _on_unload(self, i: int) -> int:
        """Redshift's ``UNLOAD ('SELECT ...')``: the query is a string, analysed separately."""
        tokens = self.tokens
        if i + 2 >= len(tokens) or tokens[i + 1].text != "(" or tokens[i + 2].kind != "string":
            return i + 1
        literal = tokens[i + 2].text
        if literal.startswith("'"):
            body = literal[1:-1] if literal.endswith("'") and len(literal) > 1 else literal[1:]
            self.result.embedded.append(body.replace("''", "'"))
        return i + 3

    def _on_into(self, i: int) -> int:
        """A bare ``INTO t``: T-SQL's ``OUTPUT ... INTO t``, ``SELECT ... INTO t``, LOAD DATA."""
        return self._write_at(self._skip(i + 1, {"TABLE"}))

    def _on_rename(self, i: int) -> int:
        """MySQL's ``RENAME TABLE a TO b, c TO d``."""
        if self._word(i + 1) != "TABLE":
            return i + 1
        j = i + 2
        while True:
            old, after = self._name_at(j)
            if self._word(after) == "TO":
                new, after = self._name_at(after + 1)
                self._renamed(old, new)
            if after >= len(self.tokens) or self.tokens[after].text != ",":
                return max(after, j)
            j = after + 1

    def _on_alter(self, i: int) -> int:
        """``ALTER TABLE a RENAME TO b``; other ALTERs move no rows."""
        if self._word(i + 1) != "TABLE":
            return i + 1
        j = self._skip(i + 2, {"IF", "EXISTS", "ONLY"})
        old, after = self._name_at(j)
        if self._word(after) == "RENAME" and self._word(after + 1) == "TO":
            new, after = self._name_at(after + 2)
            self._renamed(old, new)
        return max(after, j)

    def _renamed(self, old: str | None, new: str | None) -> None:
        if old and new:
            self.result.reads.add(old)
            self.result.writes.add(new)

    def _skip_top(self, j: int) -> int:
        """T-SQL's ``TOP (n) [PERCENT]`` between the verb and the table."""
        tokens = self.tokens
        if j >= len(tokens) or tokens[j].upper != "TOP":
            return j
        j += 1
        if j < len(tokens) and tokens[j].text == "(":
            depth = 0
            while j < len(tokens):
                depth += {"(": 1, ")": -1}.get(tokens[j].text, 0)
                j += 1
                if depth == 0:
                    break
        elif j < len(tokens) and tokens[j].kind == "number":
            j += 1
        return self._skip(j, {"PERCENT"})

    def _write_at(self, j: int) -> int:
        name, after = self._name_at(j, target=True)
        if name:
            self.result.writes.add(name)
        return max(after, j)
