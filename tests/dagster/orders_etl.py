"""A one-op job declaring its lineage, for the tests that build projects.

The tests run it in-process and copy this file, as it is, into the temporary projects they
write for ``dg``, so that both see the same job.
"""

import dagster as dg

from lineage_dagster import record_lineage


@dg.op
def load_orders(context: dg.OpExecutionContext):
    record_lineage(context, reads=["shop.raw.orders"], writes=["shop.stg.orders"])


@dg.job
def load_orders_job():
    load_orders()
