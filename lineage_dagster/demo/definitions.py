"""The demo code location: a small shop warehouse over two embedded databases.

- ``ingest_raw``: op-based; copies six source-system tables into ``warehouse.raw_*``,
  declaring what it reads and writes with ``record_lineage`` or plain metadata.
- ``build_staging``: op-based with joins and pass-through transformations; extracts declare
  their reads, loads their writes, and lineage follows the op graph in between.
- ``load_payments``: raw to staging payments; run it with ``fail: true`` to see an impact alert.
- ``build_marts``: SQL transforms across databases; lineage and column mappings come from SQL.
- assets ``dim_customers``, ``customer_ltv``, ``marketing_attribution``: asset-based, with
  ``dagster/table_name``, deps, SQL column lineage, and impact checks.

Sensors (capture every 10 s, alerts every 10 s) and schedules start running with the code
location, so lineage, profiles and alerts appear without switching anything on. The asset
graph draws the captured lineage (``build_lineage_asset_specs``): reload the code location
after a few runs to see it grow.
"""

import os

import dagster as dg

from lineage_dagster import (
    build_impact_checks,
    build_schema_change_checks,
    lineage_definitions,
    record_lineage,
)
from lineage_dagster.demo import warehouse as wh
from lineage_dagster.specs import build_lineage_asset_specs

wh.ensure_databases()

SOURCES = {
    "raw_orders": "shop_api.orders",
    "raw_order_items": "shop_api.order_items",
    "raw_customers": "crm.customers",
    "raw_products": "shop_api.products",
    "raw_payments": "payments_api.payments",
    "raw_web_events": "tracking.web_events",
}


# -- ingest_raw: one op per source table -----------------------------------------------------


def _ingest_op(table: str, source: str) -> dg.OpDefinition:
    @dg.op(name=f"ingest_{table.removeprefix('raw_')}", tags={"layer": "raw"})
    def ingest(context: dg.OpExecutionContext) -> int:
        rows = wh.source_rows(table, seed=int(context.run_id[:8], 16) % 3)
        count = wh.replace_rows(f"warehouse.{table}", rows)
        record_lineage(context, reads=[source], writes=[f"warehouse.{table}"])
        return count

    return ingest


INGEST_OPS = [_ingest_op(table, source) for table, source in SOURCES.items()]


@dg.job(description="Copies the source systems into warehouse.raw_* tables.")
def ingest_raw() -> None:
    for ingest in INGEST_OPS:
        ingest()


# -- build_staging: extracts, a join, pass-through transformations, loads --------------------


def _extract_op(table: str) -> dg.OpDefinition:
    @dg.op(name=f"extract_{table.removeprefix('raw_')}")
    def extract(context: dg.OpExecutionContext) -> list:
        context.add_output_metadata({"lineage/reads": [f"warehouse.{table}"]})  # no helper needed
        return wh.read_rows(f"warehouse.{table}")

    return extract


extract_orders = _extract_op("raw_orders")
extract_order_items = _extract_op("raw_order_items")
extract_customers = _extract_op("raw_customers")
extract_products = _extract_op("raw_products")
extract_web_events = _extract_op("raw_web_events")


@dg.op
def join_items_with_products(items: list, products: list) -> list:
    """A join: the output carries the lineage of both inputs."""
    category = {product[0]: product[2] for product in products}
    return [
        (item_id, order_id, product_id, category.get(product_id), quantity, price)
        for item_id, order_id, product_id, quantity, price in items
    ]


@dg.op
def compute_line_totals(rows: list) -> list:
    """A pass-through transformation: no lineage metadata, its input's tables flow through."""
    return [(*row, round(row[4] * row[5], 2)) for row in rows]


@dg.op
def deduplicate_orders(rows: list) -> list:
    return sorted(set(rows))


@dg.op
def sessionize(events: list) -> list:
    sessions: dict[tuple, int] = {}
    for _, customer_id, channel, event_time in events:
        key = (customer_id, channel, event_time[:10])
        sessions[key] = sessions.get(key, 0) + 1
    return [(i, *key, n) for i, (key, n) in enumerate(sorted(sessions.items()), start=1)]


def _load_op(table: str) -> dg.OpDefinition:
    @dg.op(name=f"load_{table}")
    def load(context: dg.OpExecutionContext, rows: list) -> int:
        count = wh.replace_rows(f"warehouse.{table}", rows)
        record_lineage(context, writes=[f"warehouse.{table}"])
        return count

    return load


@dg.job(description="Cleans raw tables into warehouse.stg_* tables.")
def build_staging() -> None:
    products = extract_products()
    _load_op("stg_order_items")(
        compute_line_totals(join_items_with_products(extract_order_items(), products))
    )
    _load_op("stg_orders")(deduplicate_orders(extract_orders()))
    _load_op("stg_customers")(extract_customers())
    _load_op("stg_products")(products)
    _load_op("stg_sessions")(sessionize(extract_web_events()))


# -- load_payments: the job that can be told to fail -----------------------------------------


class PaymentsConfig(dg.Config):
    fail: bool = False


@dg.op
def extract_payments(context: dg.OpExecutionContext) -> list:
    record_lineage(context, reads=["warehouse.raw_payments"])
    return wh.read_rows("warehouse.raw_payments")


@dg.op
def load_stg_payments(context: dg.OpExecutionContext, config: PaymentsConfig, rows: list) -> int:
    if config.fail:
        raise RuntimeError("payments provider sent a malformed file (demo failure)")
    cleaned = [
        (pid, oid, method, amount, paid_at[:10]) for pid, oid, method, amount, paid_at in rows
    ]
    count = wh.replace_rows("warehouse.stg_payments", cleaned)
    record_lineage(context, writes=["warehouse.stg_payments"])
    return count


@dg.job(description="Loads payments; set `fail: true` on load_stg_payments to raise an alert.")
def load_payments() -> None:
    load_stg_payments(extract_payments())


# -- build_marts: SQL transforms across the two databases ------------------------------------

MART_SQL = {
    "fct_orders": """
DELETE FROM analytics.fct_orders;
INSERT INTO analytics.fct_orders (order_id, customer_id, order_date, items, amount)
SELECT o.order_id, o.customer_id, o.order_date, COUNT(i.item_id), SUM(i.line_total)
FROM warehouse.stg_orders AS o
JOIN warehouse.stg_order_items AS i ON i.order_id = o.order_id
WHERE o.status <> 'cancelled'
GROUP BY o.order_id, o.customer_id, o.order_date
""",
    "fct_revenue_daily": """
DELETE FROM analytics.fct_revenue_daily;
INSERT INTO analytics.fct_revenue_daily (day, orders, revenue, paid)
SELECT f.order_date, COUNT(f.order_id), SUM(f.amount), SUM(p.amount)
FROM analytics.fct_orders AS f
LEFT JOIN warehouse.stg_payments AS p ON p.order_id = f.order_id
GROUP BY f.order_date
""",
    "product_performance": """
DELETE FROM analytics.product_performance;
INSERT INTO analytics.product_performance (category, units, revenue)
SELECT p.category, SUM(i.quantity), SUM(i.line_total)
FROM warehouse.stg_order_items AS i
JOIN warehouse.stg_products AS p ON p.product_id = i.product_id
GROUP BY p.category
""",
}


def _sql_op(name: str, sql: str) -> dg.OpDefinition:
    @dg.op(name=f"build_{name}", ins={"after": dg.In(dg.Nothing)})
    def build(context: dg.OpExecutionContext) -> None:
        wh.run_script(sql)
        record_lineage(context, sql=sql, dialect="sqlite")  # tables and columns from the SQL

    return build


@dg.op(out=dg.Out(dg.Nothing))
def start_marts() -> None:
    """Orders the SQL steps; carries no lineage."""


@dg.job(description="Builds analytics marts from staging with SQL (lineage parsed from SQL).")
def build_marts() -> None:
    fct = _sql_op("fct_orders", MART_SQL["fct_orders"])(start_marts())
    _sql_op("fct_revenue_daily", MART_SQL["fct_revenue_daily"])(fct)
    _sql_op("product_performance", MART_SQL["product_performance"])(fct)


# -- assets: table names, deps, SQL column lineage, impact checks ----------------------------


def _spec(database: str, table: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=[database, table],
        metadata={"dagster/table_name": f"{database}.{table}"},
        group_name=database,
        kinds={"sqlite"},
        description=f"Built by a Dagster job; lineage captured from its runs ({database}).",
    )


TABLE_SPECS = [
    _spec(database, table)
    for database, tables in wh.SCHEMA.items()
    for table in tables
    if table not in {"dim_customers", "customer_ltv", "marketing_attribution", "revenue_forecast"}
]
STG_CUSTOMERS = dg.AssetKey(["warehouse", "stg_customers"])
STG_SESSIONS = dg.AssetKey(["warehouse", "stg_sessions"])
FCT_ORDERS = dg.AssetKey(["analytics", "fct_orders"])
FCT_REVENUE_DAILY = dg.AssetKey(["analytics", "fct_revenue_daily"])
STG_PAYMENTS = dg.AssetKey(["warehouse", "stg_payments"])


def _sql_asset(name: str, deps: list[dg.AssetKey], sql: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["analytics", name],
        deps=deps,
        group_name="analytics_assets",
        kinds={"sqlite"},
        metadata={"dagster/table_name": f"analytics.{name}"},
    )
    def build(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        wh.run_script(sql)
        record_lineage(context, sql=sql, dialect="sqlite")
        rows = len(wh.read_rows(f"analytics.{name}"))
        return dg.MaterializeResult(metadata={"dagster/row_count": rows})

    return build


dim_customers = _sql_asset(
    "dim_customers",
    [STG_CUSTOMERS, FCT_ORDERS],
    """
DELETE FROM analytics.dim_customers;
INSERT INTO analytics.dim_customers (customer_id, name, country, first_order, orders)
SELECT c.customer_id, c.name, COALESCE(c.country, 'unknown'), MIN(f.order_date), COUNT(f.order_id)
FROM warehouse.stg_customers AS c
LEFT JOIN analytics.fct_orders AS f ON f.customer_id = c.customer_id
GROUP BY c.customer_id, c.name, c.country
""",
)
customer_ltv = _sql_asset(
    "customer_ltv",
    [dg.AssetKey(["analytics", "dim_customers"]), FCT_ORDERS, STG_PAYMENTS],
    """
DELETE FROM analytics.customer_ltv;
INSERT INTO analytics.customer_ltv (customer_id, country, lifetime_value)
SELECT d.customer_id, d.country, COALESCE(SUM(p.amount), 0)
FROM analytics.dim_customers AS d
LEFT JOIN analytics.fct_orders AS f ON f.customer_id = d.customer_id
LEFT JOIN warehouse.stg_payments AS p ON p.order_id = f.order_id
GROUP BY d.customer_id, d.country
""",
)
revenue_forecast = _sql_asset(
    "revenue_forecast",
    [FCT_REVENUE_DAILY],
    """
DELETE FROM analytics.revenue_forecast;
INSERT INTO analytics.revenue_forecast (day, revenue, forecast)
SELECT r.day, r.revenue,
       AVG(r.revenue) OVER (ORDER BY r.day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
FROM analytics.fct_revenue_daily AS r
""",
)
marketing_attribution = _sql_asset(
    "marketing_attribution",
    [STG_SESSIONS, FCT_ORDERS],
    """
DELETE FROM analytics.marketing_attribution;
INSERT INTO analytics.marketing_attribution (channel, customers, revenue)
SELECT s.channel, COUNT(DISTINCT s.customer_id), SUM(f.amount)
FROM warehouse.stg_sessions AS s
JOIN analytics.fct_orders AS f ON f.customer_id = s.customer_id
GROUP BY s.channel
""",
)
DEMO_ASSETS = [dim_customers, customer_ltv, marketing_attribution, revenue_forecast]

impact_checks = build_impact_checks(
    assets=[dim_customers, *[s for s in TABLE_SPECS if s.key == FCT_ORDERS]],
    max_downstream_assets=3,
)
schema_checks = build_schema_change_checks(assets=[dim_customers], min_downstream_assets=1)

warehouse_assets_job = dg.define_asset_job(
    "build_customer_assets", selection=dg.AssetSelection.assets(*DEMO_ASSETS)
)


def _every(minutes: int, offset: int, job) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name=f"{job.name}_schedule",
        job=job,
        cron_schedule=f"{offset}-59/{minutes} * * * *",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )


# The asset graph shows captured lineage: each table's spec gets the upstream tables the
# lineage store knows, and source systems appear as assets of their own (reload the code
# location after runs to see new lineage).
# `make demo` starts the lineage explorer beside Dagster and says where.
EXPLORER_URL = os.environ.get("LINEAGE_EXPLORER_URL")
LINEAGE_SPECS = build_lineage_asset_specs(
    specs=TABLE_SPECS, assets=DEMO_ASSETS, explorer_url=EXPLORER_URL
)

# One Definitions object at module scope: Dagster refuses to load a module with two.
defs = dg.Definitions.merge(
    dg.Definitions(
        assets=[*LINEAGE_SPECS, *DEMO_ASSETS],
        asset_checks=[*impact_checks, *schema_checks],
        jobs=[ingest_raw, build_staging, load_payments, build_marts, warehouse_assets_job],
        schedules=[
            _every(30, 0, ingest_raw),
            _every(30, 2, build_staging),
            _every(30, 3, load_payments),
            _every(30, 5, build_marts),
            _every(30, 7, warehouse_assets_job),
        ],
    ),
    lineage_definitions(
        connections=wh.connections(),
        explorer_url=EXPLORER_URL,
        impact_threshold=3,
        capture_interval_seconds=10,
        alert_interval_seconds=10,
        refresh_cron_schedule="*/10 * * * *",
        profile_cron_schedule="15 * * * *",
        running=True,
    ),
)
