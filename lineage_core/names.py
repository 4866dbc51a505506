"""Qualified table names: parsed, normalised and rendered in one place.

Every name that enters the store goes through :func:`normalise_name`, so ``Sales.Orders``,
``sales.orders`` and ``"sales"."orders"`` are one asset, while ``"Sales"`` (quoted, case kept)
stays distinct where the SQL dialect treats quoted identifiers as case-sensitive.

The canonical text form quotes a part with double quotes only when it has to (upper-case
letters, dots, spaces, other punctuation), so the common case reads as ``db.schema.table``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

MAX_NAME_LENGTH = 500
MAX_LABEL_LENGTH = 500  # jobs, ops, code locations, columns: well under every index's limit
MAX_PARTS = 3

_BARE_PART = re.compile(r"^[a-z_][a-z0-9_$]*$")
_UNQUOTED_PART = re.compile(r"^[\w$#@-]+$")
_QUOTES = {'"': '"', "`": "`", "[": "]"}


class CaseRule(Enum):
    """How a SQL dialect resolves identifier case (mirrors sqlglot's normalisation strategies)."""

    LOWERCASE = "lowercase"  # unquoted folded to lower case; quoted kept (PostgreSQL)
    UPPERCASE = "uppercase"  # unquoted folded to upper case; quoted kept (Snowflake, Oracle)
    CASE_INSENSITIVE = "case_insensitive"  # case never matters (BigQuery, DuckDB, T-SQL, ...)
    CASE_SENSITIVE = "case_sensitive"  # case always matters, quoted or not (Fabric, Doris)


# One entry per sqlglot dialect; tests/core/test_names.py checks them against sqlglot's own
# normalisation strategies and names the entries kept apart on purpose.
_DIALECT_CASE_RULES: dict[str, CaseRule] = {
    "postgres": CaseRule.LOWERCASE,
    "postgresql": CaseRule.LOWERCASE,
    "redshift": CaseRule.CASE_INSENSITIVE,
    "snowflake": CaseRule.UPPERCASE,
    "oracle": CaseRule.UPPERCASE,
    "bigquery": CaseRule.CASE_INSENSITIVE,
    "duckdb": CaseRule.CASE_INSENSITIVE,
    "sqlite": CaseRule.CASE_INSENSITIVE,
    "tsql": CaseRule.CASE_INSENSITIVE,
    "mysql": CaseRule.CASE_INSENSITIVE,
    "spark": CaseRule.CASE_INSENSITIVE,
    "spark2": CaseRule.CASE_INSENSITIVE,
    "databricks": CaseRule.CASE_INSENSITIVE,
    "hive": CaseRule.CASE_INSENSITIVE,
    "trino": CaseRule.CASE_INSENSITIVE,
    "presto": CaseRule.CASE_INSENSITIVE,
    "athena": CaseRule.CASE_INSENSITIVE,
    "clickhouse": CaseRule.LOWERCASE,
    "dax": CaseRule.LOWERCASE,
    "doris": CaseRule.CASE_SENSITIVE,
    "dremio": CaseRule.LOWERCASE,
    "drill": CaseRule.LOWERCASE,
    "druid": CaseRule.LOWERCASE,
    "dune": CaseRule.CASE_INSENSITIVE,
    "exasol": CaseRule.UPPERCASE,
    "fabric": CaseRule.CASE_SENSITIVE,
    "materialize": CaseRule.LOWERCASE,
    "prql": CaseRule.LOWERCASE,
    "risingwave": CaseRule.LOWERCASE,
    "solr": CaseRule.CASE_INSENSITIVE,
    "starrocks": CaseRule.CASE_SENSITIVE,
    "tableau": CaseRule.LOWERCASE,
    "teradata": CaseRule.LOWERCASE,
}


def case_rule(dialect: str | None) -> CaseRule:
    """The case rule of ``dialect``; ``None`` and unknown dialects follow PostgreSQL."""
    if dialect is None:
        return CaseRule.LOWERCASE
    return _DIALECT_CASE_RULES.get(dialect.lower(), CaseRule.LOWERCASE)


@dataclass(frozen=True, slots=True)
class QualifiedName:
    """A normalised ``database.schema.table`` name; fewer parts are allowed."""

    parts: tuple[str, ...]

    @property
    def table(self) -> str:
        return self.parts[-1]

    @property
    def schema(self) -> str | None:
        return self.parts[-2] if len(self.parts) >= 2 else None

    @property
    def database(self) -> str | None:
        return self.parts[-3] if len(self.parts) >= 3 else None

    def __str__(self) -> str:
        return ".".join(quote_part(part) for part in self.parts)


def quote_part(part: str) -> str:
    """Render one normalised part, quoting it only when a bare identifier would change it."""
    if _BARE_PART.match(part):
        return part
    return '"' + part.replace('"', '""') + '"'


def _split(name: str) -> list[tuple[str, bool]]:
    """Split on dots outside quotes; return (text, was_quoted) per part."""
    parts: list[tuple[str, bool]] = []
    i, n = 0, len(name)
    while True:
        while i < n and name[i].isspace():
            i += 1
        if i < n and name[i] in _QUOTES:
            close = _QUOTES[name[i]]
            i += 1
            buf: list[str] = []
            while True:
                if i >= n:
                    raise _invalid(name, "unterminated quoted identifier")
                if name[i] == close:
                    if i + 1 < n and name[i + 1] == close:  # doubled quote = literal quote
                        buf.append(close)
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(name[i])
                i += 1
            parts.append(("".join(buf), True))
            while i < n and name[i].isspace():
                i += 1
            if i < n and name[i] != ".":
                raise _invalid(name, f"unexpected {name[i]!r} after a quoted identifier")
        else:
            start = i
            while i < n and name[i] != "." and name[i] not in _QUOTES:
                i += 1
            if i < n and name[i] in _QUOTES:
                raise _invalid(name, f"unexpected {name[i]!r} inside an identifier")
            text = name[start:i].strip()
            if text and not _UNQUOTED_PART.match(text):
                raise _invalid(
                    name,
                    f"unquoted identifier {text!r} may only hold letters, digits and _ $ # @ -; "
                    "quote it if the name really contains other characters",
                )
            parts.append((text, False))
        if i >= n:
            return parts
        i += 1  # the dot
        if i >= n:
            parts.append(("", False))
            return parts


def _invalid(name: str, why: str):
    from lineage_core.errors import InvalidName

    shown = name if len(name) <= 80 else name[:77] + "..."
    return InvalidName(f"Invalid qualified name {shown!r}: {why}")


def check_label(value: str | None, what: str, *, limit: int = MAX_LABEL_LENGTH) -> str | None:
    """A job, op, code location or column name as the store can key it: refused with a clear
    error when it holds a NUL byte or is longer than ``limit`` characters (Dagster accepts
    both; the databases' indexes and text types do not)."""
    from lineage_core.errors import InvalidName

    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidName(f"Invalid {what} {value!r}: expected a string")
    shown = value if len(value) <= 80 else value[:77] + "..."
    if "\x00" in value:
        raise InvalidName(f"Invalid {what} {shown!r}: it contains a NUL byte")
    if len(value) > limit:
        length = len(value)
        raise InvalidName(f"Invalid {what} {shown!r}: longer than {limit} characters ({length})")
    return value


def parse_name(name: str, dialect: str | None = None) -> QualifiedName:
    """Parse and normalise a qualified name; raises ``InvalidName`` with the reason."""
    if not isinstance(name, str):
        raise _invalid(repr(name), f"expected a string, got {type(name).__name__}")
    if not name.strip():
        raise _invalid(name, "the name is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise _invalid(name, f"longer than {MAX_NAME_LENGTH} characters ({len(name)})")
    if "\x00" in name:
        raise _invalid(name, "it contains a NUL byte, which no database keeps in a name")
    raw_parts = _split(name)
    if len(raw_parts) > MAX_PARTS:
        raise _invalid(name, f"more than {MAX_PARTS} parts (database.schema.table)")
    rule = case_rule(dialect)
    parts: list[str] = []
    for position, (text, quoted) in enumerate(raw_parts, start=1):
        if not text:
            raise _invalid(name, f"part {position} is empty")
        parts.append(_normalise_part(text, quoted, rule))
    return QualifiedName(tuple(parts))


def normalise_part(text: str, *, quoted: bool, dialect: str | None = None) -> str:
    """One identifier as ``dialect`` resolves it: the part :func:`parse_name` would keep.

    For callers that already hold split identifiers (a SQL parser's), so they fold case by
    the same rule as the names they are compared with.
    """
    return _normalise_part(text, quoted, case_rule(dialect))


def _normalise_part(text: str, quoted: bool, rule: CaseRule) -> str:
    if rule is CaseRule.CASE_SENSITIVE:
        return text
    if rule is CaseRule.CASE_INSENSITIVE or not quoted:
        return text.lower()
    if rule is CaseRule.UPPERCASE and text == text.upper():
        # In Snowflake "ORDERS" and orders are the same object.
        return text.lower()
    return text


def normalise_name(name: str, dialect: str | None = None) -> str:
    """The canonical text of a qualified name, the form the store keys assets by."""
    return str(parse_name(name, dialect))


def qualify(
    name: str,
    *,
    default_database: str | None = None,
    default_schema: str | None = None,
    dialect: str | None = None,
) -> str:
    """Complete a partly qualified name with defaults, then normalise it."""
    parsed = parse_name(name, dialect)
    parts = list(parsed.parts)
    if len(parts) == 1 and default_schema:
        parts.insert(0, parse_name(default_schema, dialect).table)
    if len(parts) == 2 and default_database:
        parts.insert(0, parse_name(default_database, dialect).table)
    return str(QualifiedName(tuple(parts)))
