"""The fixed SQL of the database engines: named blocks in ``sql/<engine>.sql``, loaded once.

The files are in the store's format (``-- name: find_table``, a one-line description, then
the SQL) and are read by the store's own parser, so both kinds of query file follow one rule.
Only catalog queries, whose values arrive as parameters, live there. The aggregate passes
name the table and its columns, so they are composed in Python from quoted identifiers
(:mod:`psycopg.sql` in PostgreSQL, :func:`quote_identifier` in SQLite and DuckDB).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import NewType

from lineage_core.store.backends.base import parse_queries

QuotedName = NewType("QuotedName", str)


@cache
def load_queries(engine: str) -> dict[str, str]:
    """Name -> SQL of every named query in ``sql/<engine>.sql``."""
    source = f"sql/{engine}.sql"
    text = resources.files("lineage_core.profiling").joinpath("sql", f"{engine}.sql").read_text()
    return {name: query for name, (_description, query) in parse_queries(text, source).items()}


def quote_identifier(*parts: str) -> QuotedName:
    """The only way a name enters SQLite or DuckDB SQL: each part in double quotes, inner
    quotes doubled, parts joined by dots (``"shop"."main"."Odd Name"``)."""
    return QuotedName(".".join('"' + part.replace('"', '""') + '"' for part in parts))
