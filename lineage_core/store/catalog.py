"""What the store holds, read as it is: assets, stored edges, and the jobs that touch them.

Also the lookups every other concern starts from: a name to an asset id (with the closest
known names when it is unknown), and ids back to names.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from lineage_core.errors import AssetNotFound, NotFound
from lineage_core.models import Asset, Edge, JobAssets, JobReference
from lineage_core.names import normalise_name, parse_name
from lineage_core.store.backends.base import Session
from lineage_core.store.cache import bump_version
from lineage_core.store.context import StoreContext, chunks, now
from lineage_core.store.rows import AssetInfo, asset_from_row, edge_from_row


def upsert_asset(
    ctx: StoreContext,
    session: Session,
    name: str,
    *,
    type: str,
    connection: str | None,
    metadata: Mapping[str, Any] | None,
) -> Asset:
    qualified = parse_name(name)
    before = session.fetch_one("select_asset_by_name", ctx.params(qualified_name=str(qualified)))
    session.execute(
        "upsert_asset",
        ctx.params(
            type=type,
            name=qualified.table,
            qualified_name=str(qualified),
            database=qualified.database,
            schema=qualified.schema,
            connection=connection,
            metadata=session.json(dict(metadata or {})),
            now=now(),
        ),
    )
    stored = asset(ctx, session, str(qualified))
    if before is not None and asset_from_row(before).type != stored.type:
        # Walks show an asset's type: a copy of the graph held in memory is out of date.
        bump_version(ctx, session)
    return stored


def assets(
    ctx: StoreContext, session: Session, *, search: str | None, limit: int, offset: int
) -> list[Asset]:
    pattern = f"%{escape_like(search.lower())}%" if search else "%"
    rows = session.fetch_all(
        "select_assets", ctx.params(pattern=pattern, limit=limit, offset=offset)
    )
    return [asset_from_row(row) for row in rows]


def asset(ctx: StoreContext, session: Session, qualified_name: str) -> Asset:
    row = session.fetch_one("select_asset_by_name", ctx.params(qualified_name=qualified_name))
    if row is None:
        raise AssetNotFound(qualified_name, suggestions(ctx, session, qualified_name))
    return asset_from_row(row)


def asset_id(ctx: StoreContext, session: Session, name: str) -> tuple[int, str]:
    qualified_name = normalise_name(name)
    row = session.fetch_one("select_asset_id", ctx.params(qualified_name=qualified_name))
    if row is None:
        raise AssetNotFound(qualified_name, suggestions(ctx, session, qualified_name))
    return row[0], qualified_name


def lineage_root(ctx: StoreContext, session: Session, name: str) -> tuple[int, str]:
    """The edition check and :func:`asset_id` in one query: a walk's fixed cost on a server
    is mostly round trips."""
    root_id, qualified_name, _ = versioned_root(ctx, session, name)
    return root_id, qualified_name


def versioned_root(ctx: StoreContext, session: Session, name: str) -> tuple[int, str, int]:
    """:func:`lineage_root` and the tenant's graph version, in the same query."""
    qualified_name = normalise_name(name)
    row = session.fetch_one("select_root", ctx.params(qualified_name=qualified_name))
    ctx.refuse_unless_premium(row[0] if row else None)
    if row[1] is None:
        raise AssetNotFound(qualified_name, suggestions(ctx, session, qualified_name))
    return row[1], qualified_name, row[2]


def suggestions(ctx: StoreContext, session: Session, qualified_name: str) -> list[str]:
    """Up to three known names close to an unknown one, by whole name, then by table part."""
    table = qualified_name.rsplit(".", 1)[-1].strip('"')
    rows = session.fetch_all(
        "select_asset_names_like",
        ctx.params(pattern=f"%{escape_like(table[:3].lower())}%", limit=5_000),
    )
    names = [row[0] for row in rows]
    close = difflib.get_close_matches(qualified_name, names, n=3, cutoff=0.5)
    if len(close) < 3:
        tables = {name: name.rsplit(".", 1)[-1] for name in names}
        for match in difflib.get_close_matches(table, list(tables.values()), n=3, cutoff=0.6):
            for name, short in tables.items():
                if short == match and name not in close:
                    close.append(name)
    return close[:3]


def asset_info(session: Session, ids: Iterable[int]) -> dict[int, AssetInfo]:
    info: dict[int, AssetInfo] = {}
    for batch in chunks(sorted(ids), 50_000):
        for asset_id_, name, qualified, kind in session.fetch_all(
            "select_asset_info", {"ids": session.array(batch)}
        ):
            info[asset_id_] = (name, qualified, kind)
    return info


def job_names(ctx: StoreContext, session: Session, job_ids: set[int]) -> dict[int, tuple[str, str]]:
    """(code location, job) by job id; read once per store, since a job row never changes
    (a renamed job is a new row) and only new jobs miss."""
    known = ctx.jobs
    if not job_ids <= known.keys():
        rows = session.fetch_all("select_jobs", ctx.params())
        known.update({job_id: (location, job) for job_id, location, job in rows})
    return {job_id: known[job_id] for job_id in job_ids if job_id in known}


def edges(
    ctx: StoreContext, session: Session, name: str | None, *, include_retired: bool, limit: int
) -> list[Edge]:
    found = asset_id(ctx, session, name)[0] if name else None
    rows = session.fetch_all(
        "select_edges",
        ctx.params(asset_id=found, include_retired=include_retired, limit=limit),
    )
    return [edge_from_row(row) for row in rows]


def jobs_for_asset(ctx: StoreContext, session: Session, name: str) -> list[JobReference]:
    found, _ = asset_id(ctx, session, name)
    rows = session.fetch_all("select_job_references", ctx.params(asset_id=found))
    grouped: dict[tuple[str, str, str, str], list[tuple]] = defaultdict(list)
    for job, op, location, access, count, run_id, at in rows:
        grouped[(job, op, location, access)].append((count, run_id, at))
    references = []
    for (job, op, location, access), uses in sorted(grouped.items()):
        # The latest use names the last run; uses never run sort first.
        latest = max(uses, key=lambda use: (use[2] is not None, use[2] or 0))
        references.append(
            JobReference(
                job=job,
                op=op or None,
                code_location=location or None,
                access=access,
                execution_count=max(use[0] for use in uses),
                last_run_id=latest[1],
                last_execution_at=latest[2],
            )
        )
    return references


def job_assets(
    ctx: StoreContext, session: Session, job: str, *, code_location: str | None
) -> JobAssets:
    rows = session.fetch_all("select_job_assets", ctx.params(job=job))
    rows = [row for row in rows if code_location is None or row[0] == code_location]
    if not rows:
        raise NotFound(f"No lineage recorded for Dagster job {job!r}")
    reads = sorted({name for _, name, access in rows if access == "read"})
    writes = sorted({name for _, name, access in rows if access == "write"})
    return JobAssets(
        workflow_id=job,
        code_location=code_location,
        reads=reads,
        writes=writes,
        total_assets=len(set(reads) | set(writes)),
    )


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
