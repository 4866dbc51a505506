"""What happened, kept as history: captures of runs (executions) and table profiles.

A profile is stored with its drift from the previous profile of the same table, computed
here when it is stored (:mod:`lineage_core.profiling.drift`, which needs no polars), so the
drift never depends on who profiled the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lineage_core.models import ProfileDrift, TableProfile
from lineage_core.names import parse_name
from lineage_core.store.backends.base import Session
from lineage_core.store.catalog import asset_id
from lineage_core.store.context import StoreContext, now
from lineage_core.store.rows import execution_from_row, profile_from_row


def record_execution(
    ctx: StoreContext,
    session: Session,
    *,
    run_id: str,
    execution_type: str,
    job: str | None,
    code_location: str | None,
    status: str | None,
    assets_discovered: int,
    edges_created: int,
    errors: Sequence[str],
    notes: Sequence[str],
    started_at: datetime | None,
    completed_at: datetime | None,
) -> None:
    session.execute(
        "upsert_execution",
        ctx.params(
            run_id=run_id,
            execution_type=execution_type,
            job=job,
            code_location=code_location,
            status=status,
            assets_discovered=assets_discovered,
            edges_created=edges_created,
            errors=session.json([_storable_text(error) for error in errors]),
            notes=session.json([_storable_text(note) for note in notes]),
            started_at=started_at or now(),
            completed_at=completed_at,
        ),
    )


def _storable_text(text: str) -> str:
    """An error message as every backend can keep it: PostgreSQL text and jsonb refuse NUL
    bytes, and a message quoting bad input may hold one."""
    return str(text).replace("\x00", "\\x00")


def executions(ctx: StoreContext, session: Session, limit: int) -> list[dict[str, Any]]:
    rows = session.fetch_all("select_executions", ctx.params(limit=limit))
    return [execution_from_row(row) for row in rows]


def add_profile(ctx: StoreContext, session: Session, profile: TableProfile) -> TableProfile:
    from lineage_core.profiling.drift import compare_profiles

    qualified = parse_name(profile.asset)
    session.execute(
        "upsert_asset",
        ctx.params(
            type="table",
            name=qualified.table,
            qualified_name=str(qualified),
            database=qualified.database,
            schema=qualified.schema,
            connection=profile.connection,
            metadata=session.json({}),
            now=now(),
        ),
    )
    found, _ = asset_id(ctx, session, str(qualified))
    previous_row = session.fetch_one("select_latest_profile", {"asset_id": found})
    drift: ProfileDrift | None = None
    if previous_row is not None:
        previous = profile_from_row(previous_row)
        current = profile.model_copy(update={"asset": str(qualified)})
        drift = compare_profiles(previous, current).model_copy(
            update={"previous_profile_id": previous.profile_id}
        )
    profiled_at = profile.profiled_at or now()
    stored = profile.model_copy(
        update={
            "asset": str(qualified),
            "asset_id": str(found),
            "drift": drift,
            "profiled_at": profiled_at,
            "profile_id": None,
        }
    )
    row = session.fetch_one(
        "insert_profile",
        ctx.params(
            asset_id=found,
            connection=profile.connection,
            row_count=profile.row_count,
            column_count=profile.column_count,
            table_size_bytes=profile.table_size_bytes,
            duplicate_count=profile.duplicate_count,
            null_percentage=profile.null_percentage,
            body=session.json(stored.to_json()),
            schema_changed=bool(drift and drift.schema_changed),
            profiled_at=profiled_at,
            duration=profile.profile_duration_ms,
        ),
    )
    return stored.model_copy(update={"profile_id": row[0]})


def profiles(ctx: StoreContext, session: Session, name: str, limit: int) -> list[TableProfile]:
    found, _ = asset_id(ctx, session, name)
    rows = session.fetch_all("select_profiles", {"asset_id": found, "limit": limit})
    return [profile_from_row(row) for row in rows]


def schema_changes_after(
    ctx: StoreContext, session: Session, profile_id: int, limit: int
) -> list[tuple[int, str, TableProfile]]:
    rows = session.fetch_all(
        "select_schema_changes_after", ctx.params(after=profile_id, limit=limit)
    )
    return [(pid, name, profile_from_row((pid, body))) for pid, name, body in rows]


def last_profile_id(ctx: StoreContext, session: Session) -> int:
    return session.fetch_one("select_last_profile_id", ctx.params())[0]
