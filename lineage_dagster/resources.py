"""The ``lineage`` resource: where the lineage store is, for sensors, jobs and checks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import Field

from lineage_core import LineageStore, open_store
from lineage_core.connections import named_connections

RESOURCE_KEY = "lineage"


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
