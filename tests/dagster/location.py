"""A code location for tests that must run jobs the way Dagster does in production.

Loaded by ``dagster job execute -f``: steps then see the whole code location (its asset
definitions), as in runs launched by the webserver or the daemon. The store and the
connections come from ``LINEAGE_DATABASE_URL`` and ``LINEAGE_CONNECTIONS``.
"""

import dagster as dg

from lineage_dagster import LineageResource
from lineage_dagster.jobs import build_profile_tables_job, build_refresh_impact_cache_job


@dg.asset(metadata={"dagster/table_name": "shop.raw.orders"})
def orders():
    return 1


@dg.asset(metadata={"dagster/table_name": "shop.raw.customers"})
def customers():
    return 1


defs = dg.Definitions(
    assets=[orders, customers],
    jobs=[build_refresh_impact_cache_job(), build_profile_tables_job()],
    resources={"lineage": LineageResource(database_url=dg.EnvVar("LINEAGE_DATABASE_URL"))},
)
