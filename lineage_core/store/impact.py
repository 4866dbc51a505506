"""Impact analysis: what breaks if an asset changes.

The answer is the downstream counts per depth, the Dagster jobs and ops touching the asset
or its downstream, and one page of the downstream assets (by depth, then name). Counts and
jobs come from the impact cache when its entry is fresh; the page is always walked, but only
as deep as the page needs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from lineage_core.errors import InvalidArgument
from lineage_core.models import DEFAULT_MAX_DEPTH, ImpactAnalysis, validate_depth
from lineage_core.store import cache
from lineage_core.store.backends.base import Session
from lineage_core.store.catalog import asset_info, job_names, lineage_root
from lineage_core.store.context import StoreContext, chunks
from lineage_core.store.rows import by_depth_then_name, gc_paused, impact_model
from lineage_core.store.walks import walk

UNBOUNDED = 10**9  # a node cap no walk reaches: impact counts every asset


def impact(
    ctx: StoreContext, name: str, *, max_depth: int, live: bool, limit: int, offset: int
) -> ImpactAnalysis:
    validate_depth(max_depth)
    if limit < 0 or offset < 0:
        raise InvalidArgument("limit and offset must not be negative")
    deadline = time.monotonic() + ctx.timeout
    with gc_paused(), ctx.session(timeout=ctx.timeout) as session:
        root_id, root_name = lineage_root(ctx, session, name)
        cached = None
        if not live and max_depth == DEFAULT_MAX_DEPTH:
            cached = cache.fresh_entry(ctx, session, root_id, max_depth)
        if cached is not None:
            depth_counts = [int(c) for c in cached[0]]
            contexts = cache.contexts_at(ctx, session, bytes(cached[1]))
            computed_at = cached[2]
            page = _page(ctx, session, root_id, depth_counts, offset, limit, deadline)
        else:
            found = walk(
                ctx, session, root_id, "downstream", max_depth, UNBOUNDED, deadline,
                with_edges=False,
            )  # fmt: skip
            depth_counts = depth_counts_of(found.depths, max_depth)
            contexts = _contexts_touching(ctx, session, set(found.depths) | {root_id})
            page = _order(session, found.depths)[offset : offset + limit]
            computed_at = None
        info = asset_info(session, [asset_id for asset_id, _ in page])
        jobs = job_names(ctx, session, {job_id for job_id, _ in contexts})
    return impact_model(
        root_id,
        root_name,
        max_depth,
        depth_counts,
        contexts,
        jobs,
        page,
        info,
        offset=offset,
        limit=limit,
        cached=cached is not None,
        computed_at=computed_at,
    )


def depth_counts_of(depths: Mapping[int, int], max_depth: int) -> list[int]:
    """Assets per depth (1 first), trailing empty depths left out."""
    counts = [0] * max_depth
    for depth in depths.values():
        counts[depth - 1] += 1
    return trim(counts)


def trim(counts: list[int]) -> list[int]:
    counts = list(counts)
    while counts and counts[-1] == 0:
        counts.pop()
    return counts


def _order(session: Session, depths: Mapping[int, int]) -> list[tuple[int, int]]:
    return by_depth_then_name(depths, asset_info(session, depths.keys()))


def _page(
    ctx: StoreContext,
    session: Session,
    root_id: int,
    depth_counts: Sequence[int],
    offset: int,
    limit: int,
    deadline: float,
) -> list[tuple[int, int]]:
    """A page of the downstream list, walking only as deep as the page needs."""
    need, depth = offset + limit, 0
    running = 0
    for depth, count in enumerate(depth_counts, start=1):  # noqa: B007
        running += count
        if running >= need:
            break
    if depth == 0 or limit == 0:
        return []
    found = walk(ctx, session, root_id, "downstream", depth, UNBOUNDED, deadline, with_edges=False)
    return _order(session, found.depths)[offset : offset + limit]


def _contexts_touching(ctx: StoreContext, session: Session, ids: set[int]) -> list[tuple[int, str]]:
    contexts: set[tuple[int, str]] = set()
    for batch in chunks(sorted(ids), 50_000):
        for job_id, op in session.fetch_all(
            "select_contexts_touching", ctx.params(ids=session.array(batch))
        ):
            contexts.add((job_id, op))
    return sorted(contexts)
