"""SQL dialects as callers name them, and the sqlglot dialect behind each name.

A dialect is named the way sqlglot names it (``postgres``, ``snowflake``, ...), in any case;
``postgresql`` is accepted for ``postgres``, and ``None`` or ``""`` means generic SQL.
"""

from __future__ import annotations

from sqlglot.dialects.dialect import Dialect, Dialects

from lineage_core.errors import InvalidArgument

SUPPORTED_DIALECTS: tuple[str, ...] = tuple(sorted(d.value for d in Dialects if d.value))

# Dialects where ``SELECT ... INTO x`` assigns variables (MySQL, PL/SQL, Snowflake and
# BigQuery scripting): it never creates a table there.
INTO_VARIABLES_DIALECTS = frozenset({"mysql", "oracle", "snowflake", "bigquery"})

_DIALECTS: dict[str | None, Dialect] = {}


def dialect_name(dialect: str | None) -> str | None:
    """The supported name of ``dialect``; ``InvalidArgument`` lists the known ones."""
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


def sqlglot_dialect(name: str | None) -> Dialect:
    """sqlglot dialect objects hold settings only; building one per call is wasted work."""
    found = _DIALECTS.get(name)
    if found is None:
        found = _DIALECTS[name] = Dialect.get_or_raise(name)
    return found
