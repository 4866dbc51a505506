"""Which table a Dagster asset key names, shared between code locations.

The location that defines an asset knows its table (``dagster/table_name``, the dbt
relation); a location that only depends on it knows its key. Recording the defining
location's answer lets every location name the asset's table the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lineage_core.store.backends.base import Session
from lineage_core.store.context import StoreContext, chunks
from lineage_core.store.writes import record_assets


def record_asset_keys(
    ctx: StoreContext, session: Session, tables: Mapping[str, str], code_location: str | None
) -> None:
    """Remember ``asset key -> table`` (the tables become known assets if they were not)."""
    record_assets(ctx, session, sources=(), targets=tables.values())
    items = sorted(tables.items())
    for batch in chunks(items):
        session.execute(
            "upsert_asset_keys",
            ctx.params(
                keys=session.array([key for key, _ in batch]),
                names=session.array([table for _, table in batch]),
                code_location=code_location or "",
            ),
        )


def tables_of_asset_keys(
    ctx: StoreContext, session: Session, keys: Iterable[str]
) -> dict[str, str]:
    wanted = sorted(set(keys))
    found: dict[str, str] = {}
    for batch in chunks(wanted):
        found |= dict(
            session.fetch_all("select_tables_of_asset_keys", ctx.params(keys=session.array(batch)))
        )
    return found
