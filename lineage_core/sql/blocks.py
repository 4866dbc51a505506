"""What wraps a statement's tokens: block openings, procedure headers, SQL*Plus prose lines.

A script is split at semicolons, so a block's statements arrive one by one, the first still
behind the opening (``BEGIN INSERT ...``) and the last followed by ``END``. sqlglot reads
neither as the statement inside, so the wrapping is taken off the tokens before parsing:

- ``BEGIN`` (not ``BEGIN TRANSACTION``). BigQuery's tokeniser keeps ``BEGIN`` as a command
  and the rest of the statement as one string, which is tokenised again.
- A procedure header (``CREATE PROCEDURE p(...) [OPTIONS ...] BEGIN``) that sqlglot cannot
  read: the body's first statement follows the header's ``BEGIN``.
- SQL*Plus ``PROMPT`` and ``REM`` lines, which are prose for the person running the script:
  read as SQL, "PROMPT loading rows from staging" would read a table called ``staging``.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import Token, TokenType

# Line commands whose rest of the line is free text (SQL*Plus).
PROSE_COMMANDS = frozenset({"PROMPT", "REM", "REMARK"})
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
_PROCEDURE_MODIFIERS = frozenset({"OR", "REPLACE", "ALTER", "TEMP", "TEMPORARY"})


def opened(tokens: list[Token], source: str, dialect: Dialect) -> tuple[list[Token], str]:
    """The statement inside leading prose lines and ``BEGIN`` openings, and its source text.

    The source is the text the tokens' offsets point into; it changes when a BigQuery
    ``BEGIN`` command's rest is tokenised again.
    """
    while tokens:
        first = tokens[0]
        if first.text.upper() in PROSE_COMMANDS:
            tokens = [t for t in tokens if t.line != first.line]
            continue
        if len(tokens) < 2 or first.text.upper() != "BEGIN":
            break
        second = tokens[1]
        if _first_word(second.text) in _TRANSACTION_WORDS:
            break
        if (
            first.token_type == TokenType.COMMAND
            and len(tokens) == 2
            and second.token_type == TokenType.STRING
        ):
            try:
                tokens, source = dialect.tokenize(second.text), second.text
            except Exception:  # the rest does not tokenise on its own: leave it to the parser
                break
            continue
        tokens = tokens[1:]
        if tokens[0].text.upper() == "ATOMIC":  # PostgreSQL: BEGIN ATOMIC
            tokens = tokens[1:]
    return tokens, source


def procedure_body(tokens: list[Token]) -> list[Token] | None:
    """The tokens after a procedure header's ``BEGIN``; None when this is no such header."""
    if not tokens or tokens[0].text.upper() != "CREATE":
        return None
    i = 1
    while i < len(tokens) and tokens[i].text.upper() in _PROCEDURE_MODIFIERS:
        i += 1
    if i >= len(tokens) or tokens[i].text.upper() not in ("PROCEDURE", "PROC"):
        return None
    for j, depth in paren_depths(tokens, i + 1):
        if depth == 0 and tokens[j].text.upper() == "BEGIN":
            body = tokens[j:]
            return body if len(body) > 1 else None
    return None


def paren_depths(tokens: list[Token], start: int) -> Iterator[tuple[int, int]]:
    """Each token's index from ``start`` and the parenthesis depth once it is read."""
    depth = 0
    for j in range(start, len(tokens)):
        kind = tokens[j].token_type
        if kind == TokenType.L_PAREN:
            depth += 1
        elif kind == TokenType.R_PAREN:
            depth -= 1
        yield j, depth


def _first_word(text: str) -> str:
    words = text.split(None, 1)
    return words[0].upper() if words else ""
