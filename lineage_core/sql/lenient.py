"""Lenient tokens: words, names, strings and symbols of SQL that sqlglot could not read.

The keyword scan (``scan.py``) and the lenient split (``split.py``) read statements that
sqlglot refused, so these tokens never fail: an unterminated string, comment or quoted name
ends the text instead. They know just enough of dialects to keep a name whole: BigQuery's
project names hold hyphens (``my-project.dataset.table`` is one name there, as sqlglot
reads it). SQL*Plus prose lines (``PROMPT ...``, ``REM ...``) are no SQL and yield no tokens:
at the start of the text in any dialect (no statement starts so), on any line in Oracle's
(elsewhere a line may well start with a column called ``prompt``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lineage_core.sql.blocks import PROSE_COMMANDS

_TOKEN_PATTERN = r"""
      (?P<space>\s+)
    | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<string>'(?:[^']|'')*(?:'|\Z)|\$(?P<tag>[A-Za-z_]*)\$.*?(?:\$(?P=tag)\$|\Z))
    | (?P<quoted>"(?:[^"]|"")*(?:"|\Z)|`(?:[^`]|``)*(?:`|\Z)|\[[^\]\n]*(?:\]|\Z))
    | (?P<word>[A-Za-z_@#][\w$@#]*{hyphens})
    | (?P<number>\d[\w.]*)
    | (?P<symbol>.)
    """
_SCAN_TOKEN = re.compile(_TOKEN_PATTERN.format(hyphens=""), re.VERBOSE | re.DOTALL)
_HYPHENATED_SCAN_TOKEN = re.compile(
    _TOKEN_PATTERN.format(hyphens=r"(?:-\w+)*"), re.VERBOSE | re.DOTALL
)
_HYPHENATED_DIALECTS = frozenset({"bigquery"})


@dataclass(frozen=True, slots=True)
class ScanToken:
    kind: str  # word, quoted, string, symbol, number
    text: str
    start: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def scan_tokens(text: str, dialect_name: str | None = None) -> list[ScanToken]:
    pattern = _HYPHENATED_SCAN_TOKEN if dialect_name in _HYPHENATED_DIALECTS else _SCAN_TOKEN
    tokens: list[ScanToken] = []
    prose_line_end = -1
    for match in pattern.finditer(text):
        kind = match.lastgroup
        if kind in ("space", "comment") or kind is None or match.start() < prose_line_end:
            continue
        if kind == "tag":
            kind = "string"
        value = match.group(0)
        if (
            kind == "word"
            and value.upper() in PROSE_COMMANDS
            and (not tokens or dialect_name == "oracle")
            and _is_line_command(text, match)
        ):
            newline = text.find("\n", match.end())
            prose_line_end = len(text) if newline < 0 else newline
            continue
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


def string_value(token: ScanToken) -> str | None:
    """The text of a ``'...'`` string token; None for other tokens and dollar quotes."""
    literal = token.text
    if token.kind != "string" or not literal.startswith("'"):
        return None
    body = literal[1:-1] if literal.endswith("'") and len(literal) > 1 else literal[1:]
    return body.replace("''", "'")


def _is_line_command(text: str, match: re.Match[str]) -> bool:
    """The word opens its line and is followed by a space or the line's end."""
    line_start = text.rfind("\n", 0, match.start()) + 1
    after = text[match.end() : match.end() + 1]
    return not text[line_start : match.start()].strip() and (not after or after.isspace())
