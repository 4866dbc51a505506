"""The ``lineage`` resource: where the lineage store is, for sensors, jobs and checks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import dagster as dg
from pydantic import Field

from lineage_core import LineageStore, default_database_url, open_store
from lineage_core.connections import named_connections
from lineage_core.resolution import NameContext
from lineage_core.store import ENV_DATABASE_URL, database_kind

RESOURCE_KEY = "lineage"

_log = dg.get_dagster_logger("lineage")


class LineageResource(dg.ConfigurableResource):
    """The lineage store, bound by convention to the resource key ``lineage``.

    Every lineage definition (capture and alert sensors, refresh and profiling jobs, impact
    checks) asks for this key, so one binding configures them all::

        import dagster as dg
        from lineage_dagster import LineageResource, build_lineage_capture_sensor

        defs = dg.Definitions(
            jobs=[daily_etl],
            sensors=[build_lineage_capture_sensor()],
            resources={
                "lineage": LineageResource(
                    database_url=dg.EnvVar("LINEAGE_DATABASE_URL"),  # or leave unset
                    tenant="default",
                )
            },
        )

    With ``database_url`` unset the store is ``lineage.db`` under ``DAGSTER_HOME`` (or
    ``LINEAGE_DATABASE_URL`` when set), the same file the ``lineage`` command opens.

    The URL is checked when the definitions load, not at every sensor tick: an ``EnvVar``
    whose variable is unset (or empty) means that default store, with one warning naming the
    variable; a URL that is neither ``sqlite:///`` nor ``postgresql://`` fails the load. A set
    ``EnvVar`` is kept as it is, so the URL never shows in the UI.
    """

    database_url: str | None = Field(
        default=None,
        description="sqlite:///path.db or postgresql://user@host/db; default: the embedded "
        "store under DAGSTER_HOME (or LINEAGE_DATABASE_URL).",
    )
    tenant: str = Field(default="default", description="Tenant whose lineage this is.")
    timeout_seconds: float = Field(default=30.0, description="Time limit of one lineage query.")
    connections: dict[str, str] = Field(
        default_factory=dict,
        description="Named connections for profiling: name -> database URL (postgresql://, "
        "sqlite:///) or file location (/data/{table}.parquet). Merged over the JSON object in "
        "the LINEAGE_CONNECTIONS environment variable, which the `lineage` command reads too.",
    )

    default_database: str | None = Field(
        default=None,
        description="Database that unqualified table names in captured lineage (SQL, "
        "lineage/reads and writes, asset keys) belong to. A step's or asset's "
        "lineage/connection or lineage/default_database overrides it.",
    )
    default_schema: str | None = Field(
        default=None,
        description="Schema that unqualified table names belong to (main for DuckDB, public "
        "for PostgreSQL, ...); overridden like default_database.",
    )
    aliases: dict[str, str] = Field(
        default_factory=dict,
        description="Names that stand for another table: name -> the table's qualified name "
        "(e.g. taxi_zones -> data.main.zones), so one table is one node.",
    )

    explorer_url: str | None = Field(
        default=None,
        description="Where `lineage serve` answers (e.g. http://127.0.0.1:3100): assets and "
        "checks the integration reports on then link to their page in the lineage explorer.",
    )
    file_lineage: bool = Field(
        default=False,
        description="Also record the files SQL reads and writes (read_parquet('x'), "
        "FROM 'data/x.csv', COPY ... TO 'out.parquet') as file assets named file.\"<path>\".",
    )

    def __init__(self, **data: Any) -> None:
        if "database_url" in data:
            data["database_url"] = _database_url_at_load(data["database_url"])
        naming = {key: data.get(key) for key in ("default_database", "default_schema")}
        if not any(isinstance(value, dg.EnvVar) for value in naming.values()):
            NameContext.build(**naming, aliases=data.get("aliases"))  # refused at load
        super().__init__(**data)

    def explorer_link(self, table: str, **view: str) -> str | None:
        """The explorer page of ``table`` (with ``view`` options such as ``direction``), or
        None when no explorer is configured."""
        return explorer_link(self.explorer_url, table, **view)

    def get_names(self) -> NameContext:
        """How unqualified and aliased table names resolve for this code location."""
        return NameContext.build(
            default_database=self.default_database,
            default_schema=self.default_schema,
            aliases=self.aliases,
        )

    def get_connections(self) -> dict[str, str]:
        """The named connections: ``LINEAGE_CONNECTIONS`` overridden by this resource's own."""
        return {**named_connections(), **self.connections}

    @contextmanager
    def get_store(self) -> Iterator[LineageStore]:
        """Open the store for one unit of work; always closed, even when the work fails."""
        store = open_store(
            self.database_url or None, tenant=self.tenant, timeout=self.timeout_seconds
        )
        try:
            yield store
        finally:
            store.close()


def explorer_link(explorer_url: str | None, table: str, **view: str) -> str | None:
    """``<explorer>/?asset=<table>&...``, the explorer's deep link to one table."""
    if not explorer_url:
        return None
    return f"{explorer_url.rstrip('/')}/?{urlencode({'asset': table, **view})}"


def _database_url_at_load(url: str | dg.EnvVar | None) -> str | dg.EnvVar | None:
    """The ``database_url`` a resource keeps: checked now; an unset ``EnvVar`` becomes None."""
    if isinstance(url, dg.EnvVar):
        value = url.get_value()
        if not value:
            _log.warning(f"{url.env_var_name} is not set: lineage is stored in {_default_store()}")
            return None
        database_kind(value, origin=f"The environment variable {url.env_var_name}")
    elif url:
        database_kind(url, origin="The lineage database_url")
    return url


def _default_store() -> str:
    """Where an unset URL leads, without showing a URL that may hold a password."""
    if os.environ.get(ENV_DATABASE_URL):
        return f"the store {ENV_DATABASE_URL} names"
    return default_database_url().removeprefix("sqlite:///")
