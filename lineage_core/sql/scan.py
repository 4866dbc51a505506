"""The keyword scan: tables of a statement that sqlglot could not parse, from keywords alone.

The fallback is deliberately narrow. It finds the tables a statement writes (``INSERT INTO x``,
``MERGE INTO x``, ``COPY INTO x``, ``OUTPUT ... INTO x``, ``CREATE TABLE x``, ...) and reads
(``FROM x``, ``JOIN x``, ``DELETE ... USING x``), and nothing about columns. Its tokens are
lenient (``lenient.py``).

Narrow also means that a word in a keyword's place is not taken for a table unless the
keyword surely names one there: ``IS DISTINCT FROM b`` compares a column, ``FETCH NEXT FROM
c INTO @v`` reads a cursor into variables, ``CREATE INDEX ... USING gin`` and DuckDB's
``USING SAMPLE`` name no source, ``RESTORE ... FROM DISK = '...'`` names a device, and
``UPDATE STATISTICS t`` moves no rows. An UPDATE or DELETE target written as an alias
(``UPDATE sr ... FROM dbo.stock AS sr``) is the table behind the alias.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

from lineage_core.sql.dialects import INTO_VARIABLES_DIALECTS
from lineage_core.sql.files import READ_FUNCTIONS
from lineage_core.sql.identifiers import split_name_literal
from lineage_core.sql.lenient import ScanToken, scan_tokens, string_value
from lineage_core.sql.names import TableNames


def _has_word(tokens: list[ScanToken], word: str) -> bool:
    return any(t.upper == word for t in tokens)


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
        *("VACUUM", "BACKUP", "RESTORE"),
    }
)
_TEMP_WORDS = frozenset({"TEMP", "TEMPORARY", "VOLATILE"})
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
# Words between FETCH and FROM: ``FETCH NEXT FROM cursor``, ``FETCH ABSOLUTE 5 FROM c``.
_FETCH_DIRECTIONS = frozenset({"NEXT", "PRIOR", "FIRST", "LAST", "ABSOLUTE", "RELATIVE"})
# Words after INTO that name a file to write rather than a table (MySQL).
_INTO_FILES = frozenset({"OUTFILE", "DUMPFILE"})
# Words after which UPDATE/DELETE/MERGE/TRUNCATE are not the statement's verb.
_NOT_A_STATEMENT_BEFORE = frozenset(
    {"ON", "FOR", "DO", "THEN", "KEY", "NO", "BEFORE", "AFTER", "OF", "AND", ",", "INSTEAD"}
)


@dataclass(slots=True)
class ScanResult:
    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    created: list[tuple[str, bool]] = field(default_factory=list)
    dropped: set[str] = field(default_factory=set)
    embedded: list[str] = field(default_factory=list)


class KeywordScan:
    """A small state machine over lenient tokens: the narrow fallback for one statement."""

    def __init__(self, tokens: list[ScanToken], names: TableNames) -> None:
        self.tokens = tokens
        self.names = names
        self.result = ScanResult()
        self.ctes = self._cte_names()
        self.parens: list[str] = []  # "query", "call" or "group", innermost last
        self.aliases: dict[str, str] = {}  # alias key -> the table read under it
        self.alias_targets: list[tuple[str, str]] = []  # (alias key, name written) of a DML
        self.read_times: dict[str, int] = {}  # how often each table is named as a source

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
                        names.add(self.names.key(tokens[j].text, tokens[j].kind == "quoted"))
        return names

    def _name_at(self, i: int, *, target: bool = False) -> tuple[str | None, int]:
        """A dotted name starting at token ``i``; (None, i) when there is none.

        A name followed by ``(`` is a function call, except for a write target, where the
        parenthesis opens its column list.
        """
        tokens = self.tokens
        parts: list[tuple[str, bool]] = []
        j = i
        literal = self._identifier_clause(i)
        if literal is not None:
            found, after = literal
            return (self.names.name_from_text(found) if found else None), after
        while j < len(tokens):
            token = tokens[j]
            if token.kind == "word" and (parts or token.upper not in _NOT_NAMES):  # a.table
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
            if self.names.key(text, quoted) in self.ctes:
                return None, j
        return self.names.name_from_text(parts), j

    def _identifier_clause(self, i: int) -> tuple[list[tuple[str, bool]] | None, int] | None:
        """``IDENTIFIER('db.t')``: the parts it spells (None if no literal), and what follows."""
        tokens = self.tokens
        if self._word(i) != "IDENTIFIER" or i + 1 >= len(tokens) or tokens[i + 1].text != "(":
            return None
        if i + 3 < len(tokens) and tokens[i + 3].text == ")":
            literal = string_value(tokens[i + 2])
            if literal is not None:
                return split_name_literal(literal, self.names.dialect_name), i + 4
        return None, i + 1

    def _skip(self, i: int, words: frozenset[str] | set[str]) -> int:
        while i < len(self.tokens) and self.tokens[i].upper in words:
            i += 1
        return i

    def run(self) -> ScanResult:
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
            "FETCH": self._on_fetch,
            "INFILE": self._on_file_source,
            "INPATH": self._on_file_source,
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
        self._resolve_alias_targets()
        return self.result

    def _resolve_alias_targets(self) -> None:
        """``UPDATE sr ... FROM dbo.stock AS sr`` writes ``dbo.stock``, which it does not read."""
        for key, written in self.alias_targets:
            table = self.aliases.get(key)
            if table is None or table == written:
                continue
            self.result.writes.discard(written)
            self.result.writes.add(table)
            if self.read_times.get(table) == 1:
                self.result.reads.discard(table)

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
        """``FROM a, b`` / ``JOIN a`` / ``DELETE ... USING a``: tables read."""
        if self.parens and self.parens[-1] == "call":
            return i + 1
        word = self._word(i)
        if word == "FROM" and self._word(i - 1) == "DISTINCT":  # a IS DISTINCT FROM b
            return i + 1
        if word == "USING" and not any(
            t.upper in ("DELETE", "MERGE") for t in self.tokens[:i]
        ):  # CREATE INDEX ... USING gin, USING SAMPLE, USING delta, USING JAR
            return i + 1
        if self.names.files and self._file_read_at(i + 1):
            return i + 2
        name, j = self._name_at(i + 1)
        while name and not (j < len(self.tokens) and self.tokens[j].text == "="):
            self.result.reads.add(name)
            self.read_times[name] = self.read_times.get(name, 0) + 1
            j = self._skip_alias(j, name)
            if j >= len(self.tokens) or self.tokens[j].text != ",":
                break
            name, after = self._name_at(j + 1)
            j = after if name else j
        return max(j, i + 1)

    def _skip_alias(self, j: int, table: str) -> int:
        if self._word(j) == "AS":
            j += 1
        token = self.tokens[j] if j < len(self.tokens) else None
        if token is not None and token.kind in ("word", "quoted") and token.upper not in _NOT_NAMES:
            self.aliases[self.names.key(token.text, token.kind == "quoted")] = table
            j += 1
        return j

    def _file_read_at(self, j: int) -> bool:
        """DuckDB's ``FROM 'x.csv'`` and ``FROM read_parquet('x')``: a file read, if any."""
        tokens = self.tokens
        if j < len(tokens) and tokens[j].kind == "string":
            return self._file_at(j, self.result.reads)
        if (
            j + 2 < len(tokens)
            and tokens[j].kind == "word"
            and tokens[j].text.lower() in READ_FUNCTIONS
            and tokens[j + 1].text == "("
        ):
            return self._file_at(j + 2, self.result.reads)
        return False

    def _file_at(self, j: int, into: set[str]) -> bool:
        path = string_value(self.tokens[j]) if j < len(self.tokens) else None
        name = self.names.file_name(path) if path is not None else None
        if name:
            into.add(name)
        return name is not None

    def _on_file_source(self, i: int) -> int:
        """``LOAD DATA INFILE 'x'`` (MySQL), ``LOAD DATA INPATH 'x'`` (Hive): a file read."""
        if self.names.files:
            self._file_at(i + 1, self.result.reads)
        return i + 1

    def _on_fetch(self, i: int) -> int:
        """``FETCH [NEXT ...] FROM cursor [INTO @a, @b]`` reads a cursor, writes variables."""
        j = i + 1
        while self._word(j) in _FETCH_DIRECTIONS:
            j += 2 if self._word(j) in ("ABSOLUTE", "RELATIVE") else 1
        if self._word(j) not in ("FROM", "IN"):
            return i + 1  # OFFSET ... FETCH FIRST 5 ROWS ONLY: a query's limit
        j = self._skip_name(j + 1)
        if self._word(j) == "INTO":
            j = self._skip_name(j + 1)
            while j < len(self.tokens) and self.tokens[j].text == ",":
                j = self._skip_name(j + 1)
        return j

    def _skip_name(self, j: int) -> int:
        """Past a dotted name, read or not: cursors and variables are no tables."""
        tokens = self.tokens
        while j < len(tokens) and tokens[j].kind in ("word", "quoted"):
            j += 1
            if j + 1 < len(tokens) and tokens[j].text == ".":
                j += 1
                continue
            break
        return j

    def _on_insert(self, i: int) -> int:
        """``INSERT [OVERWRITE] INTO [TABLE] t``, ``REPLACE INTO t``, ``UPSERT INTO t``."""
        if self._word(i) != "INSERT" and self._word(i + 1) != "INTO":
            return i + 1
        j = self._skip(i + 1, _INSERT_MODIFIERS)
        if self._word(j) in ("DIRECTORY", "LOCAL"):  # INSERT OVERWRITE DIRECTORY '/path'
            j = self._skip(j, {"LOCAL", "DIRECTORY"})
            if self.names.files:
                self._file_at(j, self.result.writes)
            return j
        return self._write_at(j)

    def _on_change(self, i: int) -> int:
        """``MERGE INTO t``, ``UPDATE [TOP (n)] t``, ``DELETE [FROM] t``, ``TRUNCATE [TABLE] t``."""
        if self._word(i - 1) in _NOT_A_STATEMENT_BEFORE:  # ON DELETE, THEN UPDATE, FOR UPDATE
            return i + 1
        if self._word(i) == "UPDATE" and self._word(i + 1) == "STATISTICS":  # T-SQL
            return i + 2
        j = self._skip(self._skip_top(i + 1), _CHANGE_MODIFIERS)
        name, after = self._name_at(j, target=True)
        if not name:
            return max(after, j)
        self.result.writes.add(name)
        token = self.tokens[j]
        if self._word(i) in ("UPDATE", "DELETE") and token.kind == "word" and after == j + 1:
            self.alias_targets.append((self.names.key(token.text, False), name))
        return after

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
            unloads = "TO" in rest and "FROM" not in rest
            (self.result.reads if unloads else self.result.writes).add(name)
            if self.names.files:
                k = self._skip(after, {"FROM", "TO"})
                if k > after:  # COPY t FROM 'x.csv' / COPY t TO 'out.parquet'
                    self._file_at(k, self.result.writes if unloads else self.result.reads)
        return max(after, j)

    def _on_unload(self, i: int) -> int:
        """Redshift's ``UNLOAD ('SELECT ...') TO 's3://...'``: the query is a string, analysed
        separately; the files it writes are assets when asked for."""
        tokens = self.tokens
        if i + 2 >= len(tokens) or tokens[i + 1].text != "(" or tokens[i + 2].kind != "string":
            return i + 1
        body = string_value(tokens[i + 2])
        if body is not None:
            self.result.embedded.append(body)
        if self.names.files and self._word(i + 4) == "TO":
            self._file_at(i + 5, self.result.writes)
        return i + 3

    def _on_into(self, i: int) -> int:
        """A bare ``INTO t``: T-SQL's ``OUTPUT ... INTO t``, ``SELECT ... INTO t``, LOAD DATA.

        ``INTO OUTFILE '...'`` writes a file, and where SELECT ... INTO assigns variables
        (MySQL, ...) only ``INTO TABLE t`` (LOAD DATA) names a table.
        """
        if self._word(i + 1) in _INTO_FILES:
            return i + 2
        if self.names.dialect_name in INTO_VARIABLES_DIALECTS and self._word(i + 1) != "TABLE":
            return i + 1
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


def keyword_scan(text: str, names: TableNames) -> ScanResult | None:
    """Tables of one statement found from keywords; None when there is nothing to tell.

    That is a text without tokens, or a statement whose verb never moves rows (``SET``,
    ``GRANT``, ``UPDATE STATISTICS``, ...; ``ALTER`` unless it renames).
    """
    tokens = scan_tokens(text, names.dialect_name)
    words = list(islice((t.upper for t in tokens if t.kind == "word"), 2))
    first = words[0] if words else ""
    if not tokens or (
        first in _QUIET_COMMANDS and not (first == "ALTER" and _has_word(tokens, "RENAME"))
    ):
        return None
    if words == ["UPDATE", "STATISTICS"]:  # T-SQL: refreshes the optimiser's statistics
        return None
    return KeywordScan(tokens, names).run()
