"""SQL lineage: the tables a SQL script reads and writes, and how its columns flow.

This package is the only place that imports sqlglot, so sqlglot's API (and its import cost)
stays in one place; ``import lineage_core`` does not pay for it until lineage is asked for.

Nothing a caller passes as SQL makes extraction raise: what failed is told in
``SqlLineage.warnings`` for people and in ``SqlLineage.errors`` for programs, and the rest of
the script keeps its lineage. Table names match the store's asset keys. Column mappings are
``ColumnMapping(target="table.column", sources=["table.column", ...])`` with one
transformation label per target; ``columns=False`` skips them, several times faster.

One concern a module, in the order a script goes through them:

- ``split``: the script's statements, at the tokeniser's semicolons and T-SQL ``GO`` lines;
- ``script``: each statement parsed once, failures told and scanned instead;
- ``blocks`` and ``identifiers``: what wraps a statement's tokens (``BEGIN``, procedure
  headers, prose lines), and ``IDENTIFIER('name')`` clauses, taken off before parsing;
- ``tables``: reads and writes, one handler per statement type;
- ``mappings`` and ``columns``: column flows of each write, over sqlglot's scopes;
- ``temporary``: lineage through temporary and other transient tables, across the script,
  and the table flows that pair each write with the reads it was made from;
- ``scan`` over ``lenient`` tokens: the keyword scan for statements sqlglot cannot parse;
- ``files``: file paths as assets, with ``files=True``;
- ``names``, ``dialects``, ``trees``, ``report``: what the others share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lineage_core.errors import InvalidArgument, InvalidName
from lineage_core.models import SqlLineage
from lineage_core.names import parse_name
from lineage_core.sql.dialects import SUPPORTED_DIALECTS, dialect_name
from lineage_core.sql.script import ScriptExtraction
from lineage_core.sql.split import split_script

__all__ = ["SUPPORTED_DIALECTS", "extract_lineage", "split_statements"]


def extract_lineage(
    sql: str,
    dialect: str | None = None,
    *,
    default_database: str | None = None,
    default_schema: str | None = None,
    schema: Mapping[str, Sequence[str]] | None = None,
    columns: bool = True,
    files: bool = False,
) -> SqlLineage:
    """Tables read and written by ``sql``, which fed which, and, unless ``columns=False``, its
    column mappings.

    ``flows`` says which of the reads each written table was made from, statement by statement
    and through temporary tables, so that a script of unrelated statements is not read as
    every read feeding every write.

    ``schema`` maps table names to their column names; it lets ``SELECT *`` expand and
    resolves unqualified columns in joins. ``columns=False`` skips column lineage, several times
    faster for table-level capture of large scripts. ``files=True`` also records the files
    the SQL reads and writes (``read_parquet('x.parquet')``, ``COPY t TO 'out.csv'``, ...) as
    assets named ``file."<path>"``, listed again in ``SqlLineage.files``; without it they are
    left out, since a path is no table.

    Raises ``InvalidArgument`` only for bad arguments (an unknown dialect, an invalid default
    name); any SQL text, however broken, returns a result whose ``warnings`` and ``errors``
    tell what failed.
    """
    if not isinstance(sql, str):
        raise InvalidArgument(f"sql must be a string, got {type(sql).__name__}")
    name = dialect_name(dialect)
    for label, value in (
        ("default_database", default_database),
        ("default_schema", default_schema),
    ):
        if value is not None:
            try:
                if len(parse_name(value, name).parts) != 1:
                    raise InvalidArgument(f"{label} must be a single name, got {value!r}")
            except InvalidName as error:
                raise InvalidArgument(f"{label}: {error}") from error
    extraction = ScriptExtraction(
        name,
        default_database=default_database,
        default_schema=default_schema,
        columns=columns,
        files=files,
    )
    return extraction.extract(sql, schema or {})


def split_statements(sql: str, dialect: str | None = None) -> list[str]:
    """The statements of a script, as :func:`extract_lineage` sees them.

    Splitting follows sqlglot's tokeniser (semicolons inside strings, comments and dollar
    quotes do not split; T-SQL ``GO`` lines do), so callers that need per-statement work,
    such as recording one lineage event per statement, agree with the extractor.
    """
    return [piece.text for piece in split_script(sql, dialect_name(dialect))]
