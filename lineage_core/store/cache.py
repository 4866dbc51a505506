"""The impact cache: counts and jobs per asset, what invalidates them, and how they are read.

An entry holds an asset's downstream and upstream counts per depth (exact up to
:data:`lineage_core.reach.EXACT_LIMIT`, estimated and flagged beyond), the ids of the jobs
touching its downstream, and, when its downstream counts are exact, the (job, op) contexts
as a bit string over positions fixed in ``lineage_contexts`` (never asset lists: those are
computed a page at a time). An entry is fresh while its asset has no stale mark.

Marks are rows of ``lineage_cache_stale``, not a column of the entry: marking a million
entries writes a million narrow rows instead of a new version of every (wide) entry, and the
refresh that answers them deletes the marks and rewrites only the entries that changed.

Invalidation is exact, not the design document's "mark the two endpoints": a new or retired
edge changes the answer of every ancestor and every descendant, within the cache's depth, of
both its endpoints, and all of them are marked. Above ``_MARK_ALL_THRESHOLD`` changed edges
in one write, or once the affected assets pass half of a large graph, every entry is marked
at once (the refresh rewrites none that comes out the same, so the extra marks cost no entry).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lineage_core.models import DEFAULT_MAX_DEPTH
from lineage_core.names import normalise_name
from lineage_core.store.backends.base import Session
from lineage_core.store.context import StoreContext, chunks

_MARK_ALL_THRESHOLD = 2_000  # changed edges in one write above which every entry is marked stale
_MARK_ALL_FROM = 100_000  # affected assets above which (and above half the graph) all are marked

Context = tuple[int, str]  # (job id, op)


def mark_stale(
    ctx: StoreContext, session: Session, changed: Sequence[tuple[int, int]], version: int
) -> int:
    """Mark stale the entries that the changed (source id, target id) edges affect."""
    if session.fetch_one("select_any_cache_entry", ctx.params()) is None:
        return 0
    if len(changed) > _MARK_ALL_THRESHOLD:
        return session.execute("mark_all_stale", ctx.params(version=version))
    endpoints = {asset for pair in changed for asset in pair}
    # Past half the assets (of a large graph), marking them all is cheaper than finishing the
    # walks; a refresh writes no entry that comes out the same, so the extra marks cost no row.
    limit = max(session.fetch_one("count_refresh_assets", ctx.params())[0] // 2, _MARK_ALL_FROM)
    affected = set(endpoints)
    for direction in ("upstream", "downstream"):
        affected |= _reach_ids(ctx, session, endpoints, direction, limit)
        if len(affected) > limit:
            return session.execute("mark_all_stale", ctx.params(version=version))
    marked = 0
    for batch in chunks(sorted(affected)):
        marked += session.execute(
            "mark_stale", ctx.params(ids=session.array(batch), version=version)
        )
    return marked


def _reach_ids(
    ctx: StoreContext, session: Session, start: set[int], direction: str, limit: int
) -> set[int]:
    """``start`` and the assets within the cache's depth of it, ids only; the walk stops once
    it has found more than ``limit``."""
    query = "select_child_ids" if direction == "downstream" else "select_parent_ids"
    seen = set(start)
    frontier = sorted(start)
    for _ in range(DEFAULT_MAX_DEPTH):
        following: list[int] = []
        for batch in chunks(frontier, 50_000):
            for (found,) in session.fetch_all(query, ctx.params(ids=session.array(batch))):
                if found not in seen:
                    seen.add(found)
                    following.append(found)
        if not following or len(seen) > limit:
            break
        frontier = following
    return seen


def bump_version(ctx: StoreContext, session: Session) -> int:
    """Count one change to the tenant's graph; entries computed before it may be stale."""
    return session.fetch_one("bump_graph_version", {"tenant": ctx.tenant_id})[0]


def stale_entries(ctx: StoreContext, session: Session) -> int:
    return session.fetch_one("count_stale_entries", ctx.params())[0]


def fresh_entry(ctx: StoreContext, session: Session, asset_id: int, max_depth: int) -> tuple | None:
    """(downstream depth counts, estimated, job ids, context offset, context bits, computed at)
    of a fresh entry, else None."""
    return session.fetch_one(
        "select_fresh_cache_entry", ctx.params(asset_id=asset_id, max_depth=max_depth)
    )


def summaries(
    ctx: StoreContext, session: Session, names: Iterable[str]
) -> dict[str, dict[str, int]]:
    wanted = sorted({normalise_name(name) for name in names})
    found: dict[str, dict[str, int]] = {}
    for batch in chunks(wanted):
        for name, down, up, jobs, depth, down_estimated, up_estimated in session.fetch_all(
            "select_cache_summaries", ctx.params(names=session.array(batch))
        ):
            found[name] = {
                "downstream_assets": down,
                "upstream_assets": up,
                "downstream_jobs": jobs,
                "downstream_max_depth": depth,
                "downstream_estimated": bool(down_estimated),
                "upstream_estimated": bool(up_estimated),
            }
    return found


def largest(ctx: StoreContext, session: Session, limit: int) -> list[tuple[str, int, int]]:
    rows = session.fetch_all("select_largest_impacts", ctx.params(limit=limit))
    return [(name, count, jobs) for name, count, jobs in rows]


def over_threshold(
    ctx: StoreContext, session: Session, threshold: int
) -> list[tuple[str, int, int]]:
    rows = session.fetch_all("select_assets_over_threshold", ctx.params(threshold=threshold))
    return [(name, count, jobs) for name, count, jobs in rows]


def context_positions(ctx: StoreContext, needed: set[Context]) -> dict[Context, int]:
    """The bit position of every (job id, op) context in ``needed``, new ones assigned.

    Positions are assigned once, under a lock, and never change or get reused: a cache entry
    written with them keeps its meaning whichever refresh wrote it.
    """
    with ctx.session() as session:
        known = _read_positions(ctx, session)
    missing = needed - known.keys()
    if not missing:
        return known
    with ctx.session(write=True) as session:
        session.execute("lock_contexts", ctx.params())
        known = _read_positions(ctx, session)
        following = max(known.values(), default=-1) + 1
        rows = []
        for job_id, op in sorted(needed - known.keys()):
            rows.append(ctx.params(position=following, job_id=job_id, op=op))
            following += 1
        session.execute_many("insert_context", rows)
        return _read_positions(ctx, session)


def _read_positions(ctx: StoreContext, session: Session) -> dict[Context, int]:
    rows = session.fetch_all("select_contexts", ctx.params())
    return {(job_id, op): position for position, job_id, op in rows}


def contexts_at(ctx: StoreContext, session: Session, bits: bytes, offset: int) -> list[Context]:
    """The (job id, op) contexts whose positions are set in a cache entry's bit string (its
    first ``offset`` bytes, all zero, left out)."""
    value = int.from_bytes(bits, "little") << (8 * offset)
    positions = [i for i in range(value.bit_length()) if value >> i & 1]
    if not positions:
        return []
    rows = session.fetch_all("select_contexts_at", ctx.params(positions=session.array(positions)))
    return sorted((int(job_id), op) for job_id, op in rows)


def no_job_id(ctx: StoreContext) -> int | None:
    """The id of the job row that stands for "no job" (edges recorded by hand), if any."""
    with ctx.session() as session:
        row = session.fetch_one("select_job_id", ctx.params(code_location="", job=""))
    return row[0] if row else None
