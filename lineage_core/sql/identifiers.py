"""Names given as strings: Snowflake's and Databricks' ``IDENTIFIER('db.schema.t')``.

sqlglot reads ``IDENTIFIER(...)`` differently per dialect and statement (a dynamic identifier,
an anonymous function, a table called ``identifier`` with a column list) and cannot parse it
at all in some statements (Databricks' ``DROP TABLE IDENTIFIER('t')``). So the clause is
rewritten in the statement's tokens before parsing: a string literal becomes the tokens of
the name it spells, and every statement type then reads the table it names. A variable set to
a literal earlier in the script (Snowflake's ``SET t = 'x'`` then ``IDENTIFIER($t)``,
Databricks' ``DECLARE VARIABLE t = 'x'`` then ``IDENTIFIER(t)``) is a literal too. Anything
else (a bind parameter, an expression) is only known when the script runs: it becomes a
placeholder, which no statement reads as a table, and a warning says what was left out,
rather than a table being invented.
"""

from __future__ import annotations

from sqlglot.tokens import Token, TokenType

from lineage_core.errors import InvalidName
from lineage_core.names import parse_name
from lineage_core.sql.blocks import paren_depths

# A name split into (text, quoted) parts, the shape TableNames builds names from.
NameParts = list[tuple[str, bool]]

_DECLARE_WORDS = frozenset({"OR", "REPLACE", "VARIABLE", "VAR"})


def split_name_literal(text: str, dialect: str | None) -> NameParts | None:
    """The parts of ``'db."My Schema".t'``, folded as the dialect folds names; None if no name.

    Each part comes back quoted, its case already settled, so that it keeps that case.
    """
    try:
        parsed = parse_name(text, dialect)
    except InvalidName:
        return None
    return [(part, True) for part in parsed.parts]


def remember_variable(tokens: list[Token], variables: dict[str, str]) -> None:
    """``SET t = 'x'``, ``SET VAR t = 'x'``, ``DECLARE [VARIABLE] t [type] DEFAULT 'x'``."""
    if len(tokens) < 4 or tokens[-1].token_type != TokenType.STRING:
        return
    first = tokens[0].text.upper()
    if first not in ("SET", "DECLARE"):
        return
    i = 1
    while i < len(tokens) and tokens[i].text.upper() in _DECLARE_WORDS:
        i += 1
    if i >= len(tokens) - 2 or tokens[i].token_type not in (TokenType.VAR, TokenType.IDENTIFIER):
        return
    before_value = tokens[-2].token_type
    if before_value == TokenType.EQ or (first == "DECLARE" and before_value == TokenType.DEFAULT):
        variables[tokens[i].text.upper()] = tokens[-1].text


def rewrite_identifier_clauses(
    tokens: list[Token], variables: dict[str, str], dialect: str | None
) -> tuple[list[Token], list[str]]:
    """The tokens with every ``IDENTIFIER(...)`` replaced, and the clauses left unknown."""
    rewritten: list[Token] = []
    unknown: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        close = _clause_end(tokens, i)
        if close is None:
            rewritten.append(token)
            i += 1
            continue
        inside = tokens[i + 2 : close]
        parts = _literal_parts(inside, variables, dialect)
        if parts is None:
            unknown.append(f"IDENTIFIER({_shown(inside)})")
            rewritten.append(_like(TokenType.PLACEHOLDER, "?", token))
        else:
            for position, (text, _) in enumerate(parts):  # quoted: the case is settled
                if position:
                    rewritten.append(_like(TokenType.DOT, ".", token))
                rewritten.append(_like(TokenType.IDENTIFIER, text, token))
        i = close + 1
    return rewritten, unknown


def has_identifier_clause(text: str) -> bool:
    """A cheap test before the token walk; most statements have no IDENTIFIER at all."""
    return "identifier" in text.lower()


def _clause_end(tokens: list[Token], i: int) -> int | None:
    """Index of the ``)`` closing ``IDENTIFIER(`` at ``i``; None when none starts there."""
    token = tokens[i]
    if token.token_type != TokenType.VAR or token.text.upper() != "IDENTIFIER":
        return None
    if i + 1 >= len(tokens) or tokens[i + 1].token_type != TokenType.L_PAREN:
        return None
    for j, depth in paren_depths(tokens, i + 1):
        if depth == 0:
            return j if j > i + 2 else None
    return None


def _literal_parts(
    inside: list[Token], variables: dict[str, str], dialect: str | None
) -> NameParts | None:
    """The name a clause spells: a string literal, or a variable holding one."""
    literal: str | None = None
    if len(inside) == 1 and inside[0].token_type == TokenType.STRING:
        literal = inside[0].text
    elif len(inside) == 1 and inside[0].token_type == TokenType.VAR:  # Databricks: (name)
        literal = variables.get(inside[0].text.upper())
    elif len(inside) == 2 and inside[0].token_type == TokenType.PARAMETER:  # Snowflake: ($name)
        literal = variables.get(inside[1].text.upper())
    return split_name_literal(literal, dialect) if literal is not None else None


def _shown(tokens: list[Token]) -> str:
    """The clause's argument as written, near enough for a warning."""
    shown: list[str] = []
    for position, token in enumerate(tokens):
        if position and token.start > tokens[position - 1].end + 1:
            shown.append(" ")
        text = token.text
        shown.append(f"'{text}'" if token.token_type == TokenType.STRING else text)
    return "".join(shown)


def _like(kind: TokenType, text: str, where: Token) -> Token:
    return Token(kind, text, where.line, where.col, where.start, where.end)
