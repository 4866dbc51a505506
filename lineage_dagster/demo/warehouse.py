"""The demo's two embedded databases: ``warehouse`` (raw and staging) and ``analytics`` (marts).

Both are SQLite files under ``LINEAGE_DEMO_DIR`` (default: ``demo_warehouse`` under
``DAGSTER_HOME``). SQL runs on a connection with both attached under their own names, so
``warehouse.stg_orders`` and ``analytics.fct_orders`` are real, cross-database names both to
SQLite and to the lineage store.
"""

import os
import random
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

DATABASES = ("warehouse", "analytics")

SCHEMA = {
    "warehouse": {
        "raw_orders": "order_id INTEGER, customer_id INTEGER, order_date TEXT, status TEXT",
        "raw_order_items": "item_id INTEGER, order_id INTEGER, product_id INTEGER, "
        "quantity INTEGER, unit_price REAL",
        "raw_customers": "customer_id INTEGER, name TEXT, email TEXT, country TEXT, "
        "signup_date TEXT",
        "raw_products": "product_id INTEGER, name TEXT, category TEXT, list_price REAL",
        "raw_payments": "payment_id INTEGER, order_id INTEGER, method TEXT, amount REAL, "
        "paid_at TEXT",
        "raw_web_events": "event_id INTEGER, customer_id INTEGER, channel TEXT, event_time TEXT",
        "stg_orders": "order_id INTEGER, customer_id INTEGER, order_date TEXT, status TEXT",
        "stg_order_items": "item_id INTEGER, order_id INTEGER, product_id INTEGER, "
        "category TEXT, quantity INTEGER, unit_price REAL, line_total REAL",
        "stg_customers": "customer_id INTEGER, name TEXT, email TEXT, country TEXT, "
        "signup_date TEXT",
        "stg_products": "product_id INTEGER, name TEXT, category TEXT, list_price REAL",
        "stg_payments": "payment_id INTEGER, order_id INTEGER, method TEXT, amount REAL, "
        "paid_date TEXT",
        "stg_sessions": "session_id INTEGER, customer_id INTEGER, channel TEXT, "
        "session_date TEXT, events INTEGER",
    },
    "analytics": {
        "fct_orders": "order_id INTEGER, customer_id INTEGER, order_date TEXT, items INTEGER, "
        "amount REAL",
        "fct_revenue_daily": "day TEXT, orders INTEGER, revenue REAL, paid REAL",
        "product_performance": "category TEXT, units INTEGER, revenue REAL",
        "dim_customers": "customer_id INTEGER, name TEXT, country TEXT, first_order TEXT, "
        "orders INTEGER",
        "customer_ltv": "customer_id INTEGER, country TEXT, lifetime_value REAL",
        "marketing_attribution": "channel TEXT, customers INTEGER, revenue REAL",
        "revenue_forecast": "day TEXT, revenue REAL, forecast REAL",
    },
}


def demo_dir() -> Path:
    if configured := os.environ.get("LINEAGE_DEMO_DIR"):
        return Path(configured)
    home = os.environ.get("DAGSTER_HOME") or str(Path.home() / ".local/share/dagster-lineage")
    return Path(home) / "demo_warehouse"


def database_path(database: str) -> Path:
    return demo_dir() / f"{database}.db"


def connections() -> dict[str, str]:
    """Named connections for profiling the demo's tables."""
    return {database: f"sqlite:///{database_path(database)}" for database in DATABASES}


def ensure_databases() -> None:
    """Create both databases and every table, empty, if they are not there yet."""
    with connect():
        pass


@contextmanager
def connect() -> Iterator[sqlite3.Connection]:
    """An in-memory connection with both demo databases attached under their names."""
    demo_dir().mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for database in DATABASES:
            conn.execute("ATTACH DATABASE ? AS " + database, (str(database_path(database)),))
        for database, tables in SCHEMA.items():
            for table, columns in tables.items():
                conn.execute(f"CREATE TABLE IF NOT EXISTS {database}.{table} ({columns})")
        yield conn
    finally:
        conn.close()


def replace_rows(table: str, rows: Sequence[tuple]) -> int:
    """Replace the contents of ``database.table`` in one transaction."""
    database, name = table.split(".")
    columns = len(SCHEMA[database][name].split(","))
    with connect() as conn:
        conn.execute("BEGIN")
        conn.execute(f"DELETE FROM {table}")
        conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * columns)})", rows)
        conn.execute("COMMIT")
    return len(rows)


def read_rows(table: str) -> list[tuple]:
    with connect() as conn:
        return conn.execute(f"SELECT * FROM {table}").fetchall()


def run_script(sql: str) -> None:
    with connect() as conn:
        conn.execute("BEGIN")
        for statement in sql.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("COMMIT")


# -- generated source data -------------------------------------------------------------------

COUNTRIES = ["DE", "FR", "US", "GB", "ES", None]
CATEGORIES = ["books", "games", "garden", "kitchen", "toys"]
CHANNELS = ["search", "social", "email", "direct"]
START = date(2026, 1, 1)


def source_rows(table: str, seed: int) -> list[tuple]:
    """Deterministic, slightly messy rows for one raw table (nulls, duplicates, outliers)."""
    rng = random.Random(f"{table}:{seed}")
    if table == "raw_customers":
        return [
            (i, f"Customer {i}", f"c{i}@example.com" if i % 17 else None, rng.choice(COUNTRIES),
             str(START + timedelta(days=rng.randrange(300))))
            for i in range(1, 201)
        ]  # fmt: skip
    if table == "raw_products":
        return [
            (i, f"Product {i}", CATEGORIES[i % 5], round(rng.uniform(2, 120), 2))
            for i in range(1, 51)
        ]
    if table == "raw_orders":
        rows = [
            (i, rng.randrange(1, 201), str(START + timedelta(days=rng.randrange(330))),
             rng.choice(["paid", "paid", "paid", "shipped", "cancelled"]))
            for i in range(1, 501)
        ]  # fmt: skip
        return rows + rows[:5]  # a few duplicated rows from the source
    if table == "raw_order_items":
        return [
            (i, rng.randrange(1, 501), rng.randrange(1, 51), rng.randrange(1, 6),
             round(rng.uniform(2, 120), 2))
            for i in range(1, 1501)
        ]  # fmt: skip
    if table == "raw_payments":
        return [
            (i, i, rng.choice(["card", "paypal", "invoice"]),
             round(rng.uniform(5, 400), 2) if i % 23 else None,
             str(START + timedelta(days=rng.randrange(330))))
            for i in range(1, 481)
        ]  # fmt: skip
    if table == "raw_web_events":
        return [
            (i, rng.randrange(1, 201), rng.choice(CHANNELS),
             f"{START + timedelta(days=rng.randrange(330))} {rng.randrange(24):02d}:00")
            for i in range(1, 2001)
        ]  # fmt: skip
    raise KeyError(table)
