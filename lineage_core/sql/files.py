"""Files a statement reads or writes, as assets of their own (``extract_lineage(files=True)``).

Lakehouse SQL reads files as if they were tables: DuckDB's ``read_parquet('data/x.parquet')``
and ``FROM 'data/raw/x.csv'``, Spark's ``parquet.`/path```, Databricks' ``read_files(...)``;
and loads or unloads them: ``COPY t FROM 'x.csv'``, ``COPY t TO 'out.parquet'``, ``LOAD DATA
INPATH``, ``INSERT OVERWRITE DIRECTORY``, BigQuery's ``EXPORT DATA OPTIONS (uri=...)``.
A file asset is named ``file."<path>"``: the literal part ``file``, then the path exactly as
written (a leading ``./`` removed; a glob stays a glob), quoted as :mod:`lineage_core.names`
quotes parts. Its case is kept whatever the dialect, since paths are case-sensitive.
Snowflake stages (``@stage/path``) are no files: they name storage the warehouse manages.
"""

from __future__ import annotations

import re

from sqlglot import exp

from lineage_core.names import QualifiedName

FILE_PART = "file"
# Table functions whose first argument is the path (or a list of paths) they read.
READ_FUNCTIONS = frozenset(
    {
        *("read_parquet", "parquet_scan", "read_csv", "read_csv_auto", "csv_scan"),
        *("read_json", "read_json_auto", "read_ndjson", "read_ndjson_auto", "read_json_objects"),
        *("read_text", "read_blob", "read_xlsx", "delta_scan", "iceberg_scan", "read_files"),
    }
)
_FILE_KEY = re.compile(r'^\s*file\s*\.\s*"((?:[^"]|"")*)"\s*$', re.IGNORECASE)


def file_asset(path: str) -> str | None:
    """``file."<path>"`` for a path as written; None for no path at all, or a stage."""
    if path.startswith("./"):
        path = path[2:]
    if not path.strip() or path.startswith("@"):
        return None
    return str(QualifiedName((FILE_PART, path)))


def file_asset_from_text(name: str) -> str | None:
    """A ``file."<path>"`` name given as text (a ``schema=`` key), its path's case kept."""
    match = _FILE_KEY.match(name)
    return file_asset(match.group(1).replace('""', '"')) if match else None


def function_name(node: exp.Expr) -> str:
    """``read_csv_auto`` for ``read_csv_auto(...)``, whether sqlglot knows the function or not."""
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    return node.sql_name().lower() if isinstance(node, exp.Func) else ""


def read_function_paths(node: exp.Expr) -> list[str] | None:
    """The paths a file-reading table function reads; None when ``node`` is no such call."""
    if function_name(node) not in READ_FUNCTIONS:
        return None
    first = node.this if isinstance(node.this, exp.Expr) else None
    if first is None and node.expressions:
        first = node.expressions[0]
    return literal_paths(first)


def literal_paths(node: object) -> list[str]:
    """``'x.csv'`` or ``['a.csv', 'b.csv']``: the string literals naming files."""
    if isinstance(node, exp.Literal) and node.is_string:
        return [node.this]
    if isinstance(node, exp.Array):
        return [path for item in node.expressions for path in literal_paths(item)]
    return []
