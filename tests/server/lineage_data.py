"""The lineage the server's tests serve, recorded through the store's public API.

Tenant ``default`` (premium) holds a small shop warehouse: ingestion, staging, marts and a
report over two databases, a file source, column mappings, SQL, runs (the last run of the
marts job failed before writing), a Dagster asset key, a profile, a two-table cycle and a
refreshed impact cache. Tenant ``acme`` (premium) holds a graph of its own; tenant ``basic``
is on the standard edition. Each has a token; one more token of ``default`` is revoked.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lineage_core import ColumnProfile, TableProfile
from lineage_core.store import LineageStore

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SHOP = {"code_location": "shop"}
EDGES = [
    {"source": 'file."data/orders.csv"', "target": "warehouse.main.orders", "op": "upload"},
    {"source": "warehouse.main.orders", "target": "warehouse.stg.orders", "job": "ingest",
     "op": "load_orders", "run_id": "run-1", "executed_at": T0, "transformation": "copy",
     "sql": "INSERT INTO stg.orders SELECT id, amount, customer_id FROM main.orders",
     "columns": [{"source": "id", "target": "id"}, {"source": "amount", "target": "amount"}],
     **SHOP},
    {"source": "warehouse.main.customers", "target": "warehouse.stg.customers", "job": "ingest",
     "op": "load_customers", "run_id": "run-1", "executed_at": T0, **SHOP},
    {"source": "warehouse.stg.orders", "target": "warehouse.mart.revenue", "job": "marts",
     "op": "revenue", "run_id": "run-2", "executed_at": T0 + timedelta(hours=1),
     "transformation": "aggregate",
     "columns": [{"source": "amount", "target": "revenue", "transformation": "sum"}], **SHOP},
    {"source": "warehouse.stg.customers", "target": "warehouse.mart.revenue", "job": "marts",
     "op": "revenue", "run_id": "run-2", "executed_at": T0 + timedelta(hours=1), **SHOP},
    {"source": "warehouse.mart.revenue", "target": "analytics.public.dashboard",
     "job": "reports", "op": "publish", "run_id": "run-3", **SHOP},
    {"source": "loop.a", "target": "loop.b", "job": "loops", "op": "forth", **SHOP},
    {"source": "loop.b", "target": "loop.a", "job": "loops", "op": "back", **SHOP},
]  # fmt: skip
ACME_EDGES = [
    {"source": "acme.raw.events", "target": "acme.stg.events", "job": "acme_ingest",
     "op": "load", "code_location": "acme", "run_id": "acme-1"},
]  # fmt: skip
WAREHOUSE_ROWS = [(1, 10.0, 1), (2, 12.5, 1), (3, None, 2)]


@dataclass(frozen=True)
class Tokens:
    default: str
    acme: str
    basic: str
    revoked: str

    def header(self, tenant: str = "default") -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, tenant)}"}


@dataclass(frozen=True)
class Served:
    """A store holding the tests' lineage, its tokens and the profiling connections."""

    store: LineageStore
    url: str
    tokens: Tokens
    connections: dict[str, str]


def warehouse_file(folder: Path) -> Path:
    """A SQLite file holding the ``orders`` table, for profiling through a connection."""
    path = folder / "warehouse.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER, amount REAL, customer_id INTEGER)")
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?)", WAREHOUSE_ROWS)
    return path


def record_lineage(store: LineageStore, folder: Path) -> tuple[Tokens, dict[str, str]]:
    store.record_edges(EDGES)
    for run_id, job, status, hours in [
        ("run-1", "ingest", "SUCCESS", 0),
        ("run-2", "marts", "SUCCESS", 1),
        ("run-3", "reports", "SUCCESS", 2),
        ("run-4", "marts", "FAILURE", 3),  # failed before writing warehouse.mart.revenue
    ]:
        at = T0 + timedelta(hours=hours)
        store.record_execution(
            run_id=run_id, job=job, code_location="shop", status=status, started_at=at,
            completed_at=at + timedelta(minutes=5),
        )  # fmt: skip
    store.record_asset_keys({"mart/revenue": "warehouse.mart.revenue"}, code_location="shop")
    store.add_profile(
        TableProfile(
            asset="warehouse.stg.orders",
            row_count=3,
            column_count=1,
            column_profiles=[
                ColumnProfile(
                    column_name="id", data_type="INTEGER", null_count=0, null_percentage=0.0
                )
            ],
        )
    )
    store.refresh_impact_cache()
    store.create_tenant("acme", edition="premium")
    store.create_tenant("basic")
    store.with_tenant("acme").record_edges(ACME_EDGES)
    tokens = Tokens(
        default=store.create_token("explorer")[1],
        acme=store.create_token("explorer", tenant="acme")[1],
        basic=store.create_token("explorer", tenant="basic")[1],
        revoked=store.create_token("old")[1],
    )
    store.revoke_token("old")
    return tokens, {"warehouse": f"sqlite:///{warehouse_file(folder)}"}
