"""OpenLineage dataset identifiers (namespace, name) and the store's qualified names, both ways.

OpenLineage names a dataset by where it lives (the namespace: ``postgres://host:5432``,
``snowflake://org-account``, ``bigquery``, ``s3://bucket``) and what it is there (the name:
``db.schema.table``, ``project.dataset.table``, an object key). The store names a table by
``database.schema.table`` alone, so one table captured from Dagster and the same table seen
by an Airflow task must come out as one name. The rules follow the OpenLineage naming
conventions (https://openlineage.io/docs/spec/naming):

- **A namespace mapped to a database** (``{"postgres://warehouse:5432": "warehouse"}``, or
  ``"warehouse.public"`` to give a schema too) completes names that lack those parts:
  ``stg.orders`` there is ``warehouse.stg.orders``. A name with all three parts is kept.
- **Warehouses** (``postgres``, ``redshift``, ``snowflake``, ``bigquery``, ``mysql``,
  ``mssql``, ``trino``, ...): the name is the table's, folded by the warehouse's SQL dialect
  (Snowflake's ``DB.SCHEMA.ORDERS`` is ``db.schema.orders``), as every name entering the
  store is (:func:`lineage_core.names.normalise_name`).
- **Storage** (``s3``, ``gs``, ``abfss``, ``hdfs``, ``dbfs``, ``file``, ...): the dataset is a
  file, named as the SQL extractor names the files SQL reads: ``file."s3://bucket/key"``
  (``file."<path>"`` for the local ``file`` namespace).
- **Any other namespace without a scheme** (``dagster``, a scheduler's name): the name is
  read as a qualified table name when it is one.
- **Anything else** (``kafka://broker:9092`` and a topic): the two parts side by side,
  ``"kafka://broker:9092".orders``, so it stays one distinct, stable node.

Going out, :func:`dataset_of` is the inverse: a file asset back to its storage namespace and
key, a table to the namespace its database is mapped to (else a default one) and its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lineage_core.connections import string_map_setting
from lineage_core.errors import InvalidArgument, InvalidName
from lineage_core.names import (
    MAX_NAME_LENGTH,
    MAX_PARTS,
    QualifiedName,
    check_label,
    normalise_name,
    normalise_part,
    parse_name,
    qualify,
)

NAMESPACES_ENV = "LINEAGE_OPENLINEAGE_NAMESPACES"
FILE_PART = "file"  # as lineage_core.sql.files names file assets
# Namespace schemes of warehouses, with the SQL dialect their names fold by (None: the
# store's default, PostgreSQL's rule).
WAREHOUSE_DIALECTS: dict[str, str | None] = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "redshift": "redshift",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "mysql": "mysql",
    "oceanbase": "mysql",
    "mssql": "tsql",
    "sqlserver": "tsql",
    "oracle": "oracle",
    "db2": None,
    "teradata": "teradata",
    "trino": "trino",
    "presto": "presto",
    "awsathena": "athena",
    "hive": "hive",
    "spark": "spark",
    "databricks": "databricks",
    "unitycatalog": "databricks",
    "fabric-warehouse": "fabric",
    "crate": "postgres",
    "spanner": None,
    "clickhouse": "clickhouse",
    "duckdb": "duckdb",
    "sqlite": "sqlite",
    "cassandra": None,
}
STORAGE_SCHEMES = frozenset(
    {"s3", "s3a", "s3n", "gs", "gcs", "abfs", "abfss", "wasb", "wasbs", "hdfs", "dbfs", "file"}
)


def scheme_of(namespace: str) -> str:
    """``postgres`` for ``postgres://host:5432``; a namespace without ``://`` is its own."""
    return namespace.partition("://")[0].lower() if "://" in namespace else namespace.lower()


def dialect_of(namespace: str) -> str | None:
    """The SQL dialect of a warehouse namespace, None for any other."""
    return WAREHOUSE_DIALECTS.get(scheme_of(namespace))


def file_asset(path: str) -> str:
    """``file."<path>"``, checked as every name entering the store is."""
    return normalise_name(str(QualifiedName((FILE_PART, path))))


@dataclass(frozen=True)
class Named:
    """A dataset as the store names it; ``file`` when it is a file, not a table."""

    name: str
    file: bool = False


@dataclass(frozen=True)
class DatasetNaming:
    """How dataset identifiers become names: ``namespaces`` maps an OpenLineage namespace to
    the database (``db``) or database and schema (``db.schema``) its shorter names live in."""

    namespaces: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for namespace, where in self.namespaces.items():
            if not isinstance(namespace, str) or not isinstance(where, str):
                raise InvalidArgument("An OpenLineage namespace maps to a database name")
            try:
                parts = parse_name(where, dialect_of(namespace)).parts
            except InvalidName as exc:
                raise InvalidArgument(f"OpenLineage namespace {namespace!r}: {exc}") from None
            if len(parts) > 2:
                raise InvalidArgument(
                    f"OpenLineage namespace {namespace!r} maps to {where!r}: a database, or "
                    "a database and a schema"
                )

    def defaults(self, namespace: str) -> tuple[str | None, str | None] | None:
        """(database, schema) a namespace is mapped to, None when it is not mapped."""
        where = self.namespaces.get(namespace, self.namespaces.get(namespace.rstrip("/")))
        if where is None:
            return None
        parts = parse_name(where, dialect_of(namespace)).parts
        return parts[0], parts[1] if len(parts) > 1 else None

    def name_of(self, namespace: str, name: str) -> Named:
        """The store's name of an OpenLineage dataset; ``InvalidName`` when there is none
        (an empty part, a NUL byte, longer than the store keeps)."""
        scheme = scheme_of(namespace)
        defaults = self.defaults(namespace)
        if defaults is not None:
            database, schema = defaults
            dialect = dialect_of(namespace)
            table = _table_name(name, dialect)
            return Named(
                qualify(table, default_database=database, default_schema=schema)
                if table is not None
                else _side_by_side(namespace, name)
            )
        if scheme in STORAGE_SCHEMES:
            return Named(file_asset(_path(namespace, name)), file=True)
        if scheme in WAREHOUSE_DIALECTS or "://" not in namespace:
            table = _table_name(name, dialect_of(namespace))
            if table is not None:
                return Named(table)
        return Named(_side_by_side(namespace, name))


def _path(namespace: str, name: str) -> str:
    """The file's path or URI: the key within its bucket (``s3://bucket`` + ``key``), the
    path itself in the local ``file`` namespace."""
    if "://" not in namespace:
        return name
    return f"{namespace.rstrip('/')}/{name.lstrip('/')}"


def _table_name(name: str, dialect: str | None) -> str | None:
    """``name`` as a qualified table name; None when it has more parts than a table name
    (the caller names it otherwise). Names are read as SQL writes them (``"Sales".orders``
    keeps its quoted case); a part SQL would have to quote (``my table``) is taken as it is."""
    try:
        return normalise_name(name, dialect)
    except InvalidName:
        check_label(name, "dataset name", limit=MAX_NAME_LENGTH)  # NUL bytes, over-long
    parts = name.split(".")
    if len(parts) > MAX_PARTS:
        return None
    if not all(part.strip() for part in parts):
        raise InvalidName(f"Invalid qualified name {name[:80]!r}: a part is empty")
    folded = tuple(normalise_part(part.strip(), quoted=False, dialect=dialect) for part in parts)
    return normalise_name(str(QualifiedName(folded)), dialect)


def _side_by_side(namespace: str, name: str) -> str:
    """``"<namespace>"."<name>"``: a dataset that is neither a table nor a file."""
    return normalise_name(str(QualifiedName((namespace, name))))


def dataset_of(
    name: str, *, namespaces: Mapping[str, str] | None = None, default_namespace: str
) -> tuple[str, str]:
    """(namespace, name) of a stored asset for OpenLineage: a file back in its storage
    namespace (``file."s3://bucket/key"`` is ``s3://bucket`` and ``key``), a table in the
    namespace ``namespaces`` gives its database (else ``default_namespace``), under its
    qualified name. What :meth:`DatasetNaming.name_of` reads back as the same name."""
    parts = parse_name(name).parts
    if len(parts) == 2 and parts[0] == FILE_PART:
        path = parts[1]
        if "://" in path:
            scheme, _, rest = path.partition("://")
            authority, _, key = rest.partition("/")
            return f"{scheme}://{authority}", key or "/"
        return FILE_PART, path
    if len(parts) == 2 and "://" in parts[0]:
        return parts[0], parts[1]
    database = parts[0] if len(parts) == MAX_PARTS else None
    namespace = (namespaces or {}).get(database or "", default_namespace)
    return namespace, str(QualifiedName(parts))


def namespaces_from_env(text: str | None = None) -> dict[str, str]:
    """The namespace map in ``text`` (default: ``$LINEAGE_OPENLINEAGE_NAMESPACES``, a JSON
    object of OpenLineage namespace to database name)."""
    return string_map_setting(NAMESPACES_ENV, text, "namespace -> database")
