"""The keyword scan: tables of a statement that sqlglot could not parse, from keywords alone.

The fallback is deliberately narrow. It finds the tables a statement writes (``INSERT INTO x``,
``MERGE INTO x``, ``COPY INTO x``, ``OUTPUT ... INTO x``, ``CREATE TABLE x``, ...) and reads
(``FROM x``, ``JOIN x``, ``USING x``), and nothing about columns. Its tokens are lenient: an
unterminated string, comment or quoted name ends the text instead of failing, which is also
what lets a script that sqlglot cannot tokenise still be split at its semicolons.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lineage_core.sql.names import TableNames

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
class ScanToken:
    kind: str  # word, quoted, string, symbol, number
    text: str
    start: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def scan_tokens(text: str) -> list[ScanToken]:
    tokens: list[ScanToken] = []
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
        tokens.append(ScanToken(kind, value, match.start()))
    return tokens


def scan_statements(text: str) -> Iterator[tuple[int, int]]:
    """Statement boundaries at top-level semicolons, tolerant of unterminated strings."""
    start = 0
    for token in scan_tokens(text):
        if token.kind == "symbol" and token.text == ";":
            yield start, token.start
            start = token.start + 1
    yield start, len(text)


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
        *("VACUUM",),
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
            if self.names.key(text, quoted) in self.ctes:
                return None, j
        return self.names.name_from_text(parts), j

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


def keyword_scan(text: str, names: TableNames) -> ScanResult | None:
    """Tables of one statement found from keywords; None when there is nothing to tell.

    That is a text without tokens, or a statement whose verb never moves rows (``SET``,
    ``GRANT``, ...; ``ALTER`` unless it renames).
    """
    tokens = scan_tokens(text)
    first = next((t.upper for t in tokens if t.kind == "word"), "")
    if not tokens or (
        first in _QUIET_COMMANDS and not (first == "ALTER" and _has_word(tokens, "RENAME"))
    ):
        return None
    return KeywordScan(tokens, names).run()
