"""Splitting a script into statements, where sqlglot's tokeniser sees them end.

A script is tokenised once and split at the tokeniser's semicolons, so a semicolon inside a
string, a comment or a dollar-quoted body does not split it; T-SQL's ``GO`` lines split as
semicolons do. Each statement keeps its tokens, so it is parsed without tokenising again.

A script the tokeniser refuses (an unterminated string or comment) is split leniently instead,
at the semicolons of the keyword scan's tokens, and each piece is tokenised on its own: one
broken statement then costs only itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import Token, TokenType

from lineage_core.sql.dialects import sqlglot_dialect
from lineage_core.sql.lenient import scan_statements

_GO_LINE = re.compile(r"^[ \t]*GO(?:[ \t]+\d+)?[ \t]*;?[ \t]*$", re.IGNORECASE | re.MULTILINE)


@dataclass(slots=True)
class Piece:
    """One statement's text and where it starts, with its sqlglot tokens when we have them.

    ``source`` is the text the tokens' offsets point into (the whole script, or the piece's
    own text when it was tokenised alone); the parser slices it for some constructs
    (Snowflake's ``@stage/path``), so it must be that text and not the piece's.
    """

    number: int
    line: int
    text: str
    tokens: list[Token] | None
    source: str


def split_script(sql: str, dialect_name: str | None, first_number: int = 1) -> list[Piece]:
    """Statements of a script, numbered from ``first_number`` in script order."""
    dialect = sqlglot_dialect(dialect_name)
    text = sql
    if dialect_name in ("tsql", "fabric"):
        text = _GO_LINE.sub(lambda m: ";" + " " * (len(m.group(0)) - 1), text)
    try:
        tokens = dialect.tokenize(text)
    except Exception:  # an unterminated string or comment: split leniently instead
        return _split_leniently(text, dialect, first_number)
    pieces: list[Piece] = []
    chunk: list[Token] = []
    for token in [*tokens, None]:
        if token is not None and token.token_type != TokenType.SEMICOLON:
            chunk.append(token)
            continue
        if chunk:
            start, end = chunk[0].start, chunk[-1].end
            pieces.append(
                Piece(first_number + len(pieces), chunk[0].line, text[start : end + 1], chunk, text)
            )
        chunk = []
    return pieces


def _split_leniently(text: str, dialect: Dialect, first_number: int) -> list[Piece]:
    pieces: list[Piece] = []
    for start, end in scan_statements(text):
        piece_text = text[start:end]
        if not piece_text.strip():
            continue
        line = text.count("\n", 0, start) + 1 + _leading_newlines(piece_text)
        try:
            tokens: list[Token] | None = dialect.tokenize(piece_text)
        except Exception:
            tokens = None
        pieces.append(
            Piece(first_number + len(pieces), line, piece_text.strip(), tokens, piece_text)
        )
    return pieces


def _leading_newlines(text: str) -> int:
    return text[: len(text) - len(text.lstrip())].count("\n")
