"""Edge writes: recording edges with their runs, retiring and removing them.

An edge is keyed by (source, target, code location, job, op). Its execution count is the
number of distinct run ids that recorded it (one ``lineage_edge_runs`` row per edge and run),
so replaying a run changes nothing. Retiring keeps an edge's history; removing deletes it.
Every change that alters the graph bumps the tenant's graph version and marks stale the cache
entries it affects (:mod:`lineage_core.store.cache`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from lineage_core.errors import AssetHasEdges, InvalidArgument, InvalidName, StoreDataError
from lineage_core.models import Edge, EdgeIn, RecordResult
from lineage_core.names import parse_name
from lineage_core.store import edge_history
from lineage_core.store.backends.base import Session
from lineage_core.store.cache import bump_version, mark_stale
from lineage_core.store.catalog import asset_id
from lineage_core.store.catalog import edges as stored_edges
from lineage_core.store.context import StoreContext, aware, chunks, now

EdgeKey = tuple[int, int, int, str]  # (source id, target id, job id, op)

ANALYZE_AFTER = 10_000  # edges recorded before the planner's statistics are refreshed


def validated_edges(edges: Iterable[EdgeIn | Mapping[str, Any]]) -> list[EdgeIn]:
    """The edges as models, self-loops dropped; the first invalid one raises, numbered."""
    items = [edge_in(edge, position) for position, edge in enumerate(edges, start=1)]
    return [edge for edge in items if edge.source != edge.target]


def edge_in(edge: EdgeIn | Mapping[str, Any], position: int) -> EdgeIn:
    """Validate one edge, turning pydantic's report into our own errors."""
    if isinstance(edge, EdgeIn):
        return edge
    try:
        return EdgeIn.model_validate(edge)
    except ValidationError as exc:
        first = exc.errors()[0]
        cause = first.get("ctx", {}).get("error")
        if isinstance(cause, InvalidName):
            message = str(cause) if position == 1 else f"edge {position}: {cause}"
            raise InvalidName(message) from None
        where = ".".join(str(part) for part in first["loc"]) or "edge"
        raise InvalidArgument(f"edge {position}: {where}: {first['msg']}") from None


def record(
    ctx: StoreContext,
    session: Session,
    items: list[EdgeIn],
    progress: Callable[[int], None] | None,
) -> RecordResult:
    """Upsert ``items`` (validated, no self-loops) with their assets, jobs and runs."""
    at = now()
    roles: dict[str, list[bool]] = {}
    for edge in items:
        roles.setdefault(edge.source, [False, False])[0] = True
        roles.setdefault(edge.target, [False, False])[1] = True
    asset_ids, assets_created = _ensure_assets(ctx, session, roles, at)
    if missing := roles.keys() - asset_ids.keys():
        raise StoreDataError(
            f"The store kept no asset for {sorted(missing)[:3]!r}: it could not store the name"
        )
    job_ids = _ensure_jobs(ctx, session, {(e.code_location or "", e.job or "") for e in items})

    # One row per key; the last record of a key in this batch wins its descriptive fields.
    keyed: dict[EdgeKey, EdgeIn] = {}
    runs: dict[EdgeKey, dict[str, datetime]] = defaultdict(dict)
    for edge in items:
        key = (
            asset_ids[edge.source],
            asset_ids[edge.target],
            job_ids[(edge.code_location or "", edge.job or "")],
            edge.op or "",
        )
        keyed[key] = edge
        if edge.run_id:
            executed_at = edge.executed_at or at
            previous = runs[key].get(edge.run_id)
            runs[key][edge.run_id] = executed_at if previous is None else max(previous, executed_at)

    existing = _existing_edges(ctx, session, {key[0] for key in keyed})
    rows = {
        key: ctx.params(
            source_id=key[0],
            target_id=key[1],
            job_id=key[2],
            op=key[3],
            trigger=edge.trigger,
            transformation_type=edge.transformation,
            transformation_logic=edge.sql,
            columns=session.json([c.to_json() for c in edge.columns]),
            now=at,
        )
        for key, edge in keyed.items()
    }
    # Rows are written in key order (edges) and id order (updates, counts, stale marks), so
    # concurrent writers take their locks in one order and cannot deadlock.
    inserted = _insert_edges(
        session, sorted(key for key in keyed if key not in existing), rows, runs, progress
    )
    changed = [(key[0], key[1]) for key in inserted]
    if raced := [key for key in keyed if key not in existing and key not in inserted]:
        # Another writer inserted these meanwhile: they are updates of its rows now.
        found = _existing_edges(ctx, session, {key[0] for key in raced})
        existing |= {key: found[key] for key in raced if key in found}
    changed += [
        (key[0], key[1]) for key, (_, active, _) in existing.items() if key in keyed and not active
    ]
    updates = sorted(
        ({**rows[key], "id": existing[key][0]} for key in keyed if key in existing),
        key=lambda row: row["id"],
    )
    done = len(inserted)
    for batch in chunks(updates):
        session.execute_many("update_edge", batch)
        done += len(batch)
        if progress:
            progress(done)
    counted = {key: existing[key][0] for key in runs if key in existing}
    if counted:
        _count_runs(session, {key: runs[key] for key in counted}, counted)
    # When each edge was active (lineage as of a date): new edges from when they were first
    # seen, re-activated ones from now.
    if inserted:
        seen = [(i, edge_history.first_seen(runs.get(key), at)) for key, i in inserted.items()]
        edge_history.record_new(ctx, session, seen)
    reactivated = [existing[key][0] for key in keyed if key in existing and not existing[key][1]]
    if reactivated:
        edge_history.reopen(ctx, session, reactivated, at)

    marked = 0
    if changed:
        marked = mark_stale(ctx, session, changed, bump_version(ctx, session))
    elif any(
        rows[key]["transformation_type"] not in (None, existing[key][2])
        for key in keyed
        if key in existing
    ):
        bump_version(ctx, session)  # the counts stand, but walks show the new type
    return RecordResult(
        assets_created=assets_created,
        edges_created=len(inserted),
        edges_updated=len(updates),
        cache_entries_marked_stale=marked,
    )


def record_assets(
    ctx: StoreContext, session: Session, sources: Iterable[str], targets: Iterable[str]
) -> int:
    """Make the named tables known assets (read and written ones), without edges; returns
    how many were new."""
    roles: dict[str, list[bool]] = {}
    for name in sources:
        roles.setdefault(name, [False, False])[0] = True
    for name in targets:
        roles.setdefault(name, [False, False])[1] = True
    if not roles:
        return 0
    return _ensure_assets(ctx, session, roles, now())[1]


def analyze_if_grown(ctx: StoreContext, created: int) -> None:
    """Refresh the planner's statistics each time this store has doubled the edges it
    recorded: bulk imports leave them behind (autovacuum comes along only later, if at all),
    and PostgreSQL then plans walks as on an empty table."""
    ctx.unanalyzed += created
    if ctx.unanalyzed >= max(ANALYZE_AFTER, ctx.analyzed) and not ctx.in_transaction:
        with ctx.session(write=True) as session:
            session.execute("analyze_lineage")
        ctx.analyzed += ctx.unanalyzed
        ctx.unanalyzed = 0


def _ensure_assets(
    ctx: StoreContext, session: Session, roles: Mapping[str, list[bool]], at: datetime
) -> tuple[dict[str, int], int]:
    names = sorted(roles)
    ids: dict[str, int] = {}
    flagged: dict[str, tuple[bool, bool]] = {}
    for batch in chunks(names):
        for found, name, is_source, is_target in session.fetch_all(
            "select_asset_roles_by_names", ctx.params(names=session.array(batch))
        ):
            ids[name] = found
            flagged[name] = (is_source, is_target)
    missing = [name for name in names if name not in ids]
    rows = []
    for name in missing:
        qualified = parse_name(name)
        is_source, is_target = roles[name]
        rows.append(
            ctx.params(
                type="table",
                name=qualified.table,
                qualified_name=name,
                database=qualified.database,
                schema=qualified.schema,
                is_source=is_source,
                is_target=is_target,
                now=at,
            )
        )
    for batch in chunks(rows):
        session.execute_many("insert_asset", batch)
    for batch in chunks(missing):
        for found, name in session.fetch_all(
            "select_asset_ids_by_names", ctx.params(names=session.array(batch))
        ):
            ids[name] = found
    # Only assets that gain a role: a bulk import would otherwise send one no-op UPDATE per
    # asset it touches again.
    flags = [
        ctx.params(id=ids[name], is_source=roles[name][0], is_target=roles[name][1], now=at)
        for name, (is_source, is_target) in sorted(flagged.items(), key=lambda i: ids[i[0]])
        if (roles[name][0] and not is_source) or (roles[name][1] and not is_target)
    ]
    for batch in chunks(flags):
        session.execute_many("update_asset_roles", batch)
    return ids, len(missing)


def _ensure_jobs(
    ctx: StoreContext, session: Session, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    def lookup(wanted: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        if len(wanted) > 10:  # a bulk import: one query for all of the tenant's jobs
            rows = session.fetch_all("select_jobs", ctx.params())
            return {(loc, job): job_id for job_id, loc, job in rows if (loc, job) in wanted}
        found = {}
        for loc, job in wanted:  # a run's capture: its one job, without the others
            row = session.fetch_one("select_job_id", ctx.params(code_location=loc, job=job))
            if row is not None:
                found[(loc, job)] = row[0]
        return found

    ids = lookup(keys)
    if missing := keys - ids.keys():
        rows = [ctx.params(code_location=loc, job=job) for loc, job in sorted(missing)]
        session.execute_many("insert_job", rows)
        ids |= lookup(missing)
    return ids


def _existing_edges(
    ctx: StoreContext, session: Session, source_ids: set[int]
) -> dict[EdgeKey, tuple[int, bool, str | None]]:
    """(id, active, transformation type) of the edges out of ``source_ids``, by key."""
    existing = {}
    for batch in chunks(sorted(source_ids)):
        for edge_id, source_id, target_id, job_id, op, active, transformation in session.fetch_all(
            "select_edge_keys_by_sources", ctx.params(ids=session.array(batch))
        ):
            existing[(source_id, target_id, job_id, op)] = (edge_id, active, transformation)
    return existing


def _insert_edges(
    session: Session,
    keys: Sequence[EdgeKey],
    rows: Mapping[EdgeKey, Mapping[str, Any]],
    runs: Mapping[EdgeKey, Mapping[str, datetime]],
    progress: Callable[[int], None] | None,
) -> dict[EdgeKey, int]:
    """Insert new edges with their run counts; returns the id of each one this writer
    inserted. A key another writer inserted meanwhile is skipped (``ON CONFLICT DO NOTHING``
    after a bulk load), never an error: the caller treats it as an existing edge."""
    if not keys:
        return {}
    session.execute("create_edge_load")
    done = 0
    for batch in chunks(keys):
        session.copy_rows(
            "copy_edges",
            (
                (
                    rows[key]["tenant"], *key, rows[key]["trigger"],
                    rows[key]["transformation_type"], rows[key]["transformation_logic"],
                    rows[key]["columns"], *_run_summary(runs.get(key)), rows[key]["now"],
                    rows[key]["now"], edge_history.first_seen(runs.get(key), rows[key]["now"]),
                )
                for key in batch
            ),
        )  # fmt: skip
        done += len(batch)
        if progress:
            progress(done)
    inserted = {
        (source_id, target_id, job_id, op): edge_id
        for edge_id, source_id, target_id, job_id, op in session.fetch_all(
            "insert_loaded_edges", {"tenant": rows[keys[0]]["tenant"]}
        )
    }
    session.execute("clear_edge_load")
    edge_runs = [
        (inserted[key], run_id, at)
        for key in keys
        if key in inserted
        for run_id, at in sorted(runs.get(key, {}).items())
    ]
    for batch in chunks(edge_runs):
        session.copy_rows("copy_edge_runs", batch)  # new edges: no (edge, run) exists yet
    return inserted


def _count_runs(
    session: Session,
    runs: Mapping[EdgeKey, Mapping[str, datetime]],
    edge_ids: Mapping[EdgeKey, int],
) -> None:
    """Count each (edge, run) of existing edges once: the rows the insert really added are
    the ones counted, so two writers recording one run cannot both count it."""
    pairs = sorted(
        (edge_ids[key], run_id, at.isoformat())
        for key, by_run in runs.items()
        for run_id, at in by_run.items()
    )
    added: list[tuple[int, str, datetime]] = []
    for batch in chunks(pairs):
        added += session.fetch_all(
            "insert_edge_runs",
            {
                "edge_ids": session.array([edge_id for edge_id, _, _ in batch]),
                "run_ids": session.array([run_id for _, run_id, _ in batch]),
                "executed_at": session.array([at for _, _, at in batch]),
            },
        )
    if not added:
        return
    latest: dict[int, tuple[datetime, str]] = {}
    counts: dict[int, int] = defaultdict(int)
    for edge_id, run_id, at in added:
        counts[edge_id] += 1
        if edge_id not in latest or at >= latest[edge_id][0]:
            latest[edge_id] = (at, run_id)
    session.execute_many(
        "update_edge_executions",
        [
            {"id": edge_id, "count": counts[edge_id], "run_id": run_id, "executed_at": at}
            for edge_id, (at, run_id) in sorted(latest.items())
        ],
    )


def _run_summary(by_run: Mapping[str, datetime] | None) -> tuple[int, str | None, Any]:
    """(execution count, last run id, last execution time) of a new edge's runs, as
    ``_count_runs`` would set them: the latest run wins, the last listed among equals."""
    if not by_run:
        return 0, None, None
    latest_at, latest_run = None, None
    for run_id, at in by_run.items():
        if latest_at is None or at >= latest_at:
            latest_at, latest_run = at, run_id
    return len(by_run), latest_run, latest_at


def remove(
    ctx: StoreContext,
    session: Session,
    source: str,
    target: str,
    *,
    job: str | None,
    op: str | None,
    code_location: str | None,
) -> int:
    source_id, _ = asset_id(ctx, session, source)
    target_id, _ = asset_id(ctx, session, target)
    ids = [
        edge_id
        for edge_id, _s, _t, job_name, location, op_name in session.fetch_all(
            "select_edges_between", ctx.params(source_id=source_id, target_id=target_id)
        )
        if (job is None or job == job_name)
        and (code_location is None or code_location == location)
        and (op is None or op == op_name)
    ]
    if not ids:
        return 0
    version = bump_version(ctx, session)
    # Mark before deleting: the affected ancestors are found through the edge itself.
    mark_stale(ctx, session, [(source_id, target_id)], version)
    session.execute("delete_edges", {"ids": session.array(ids)})
    return len(ids)


def retire_by_ids(ctx: StoreContext, session: Session, edge_ids: Sequence[int]) -> int:
    rows = session.fetch_all("select_active_edges_by_ids", ctx.params(ids=session.array(edge_ids)))
    return retire(ctx, session, rows)


def retire(ctx: StoreContext, session: Session, rows: Sequence[tuple[int, int, int]]) -> int:
    """Retire (edge id, source id, target id) edges; mark stale the entries they change."""
    if not rows:
        return 0
    version = bump_version(ctx, session)
    mark_stale(ctx, session, [(s, t) for _, s, t in rows], version)
    at = now()
    session.execute("retire_edges", ctx.params(ids=session.array([r[0] for r in rows]), now=at))
    edge_history.close(ctx, session, [r[0] for r in rows], at)
    return len(rows)


def unconfirmed_edges(
    ctx: StoreContext,
    session: Session,
    *,
    job: str,
    code_location: str | None,
    writes: Mapping[tuple[str, str], set[str]],
    as_of: datetime,
) -> list[tuple[int, int, int]]:
    """(edge id, source id, target id) of the edges a newer run no longer produced; see
    ``LineageStore.retire_unconfirmed_edges``."""
    cutoff = aware(as_of)
    rows = session.fetch_all(
        "select_active_edges_into",
        ctx.params(
            code_location=code_location or "",
            job=job,
            names=session.array(sorted({target for _, target in writes})),
        ),
    )
    return [
        (edge_id, source_id, target_id)
        for edge_id, source_id, target_id, source, target, op, last_seen in rows
        if (op, target) in writes
        and source not in writes[(op, target)]
        and (last_seen is None or last_seen <= cutoff)
    ]


def remove_asset(
    ctx: StoreContext, session: Session, name: str, *, with_edges: bool, dry_run: bool
) -> list[Edge]:
    """Delete an asset; its profiles and cache entry go with it (the schema cascades). The
    edges touching it (retired ones too) are refused unless ``with_edges``, which deletes them
    first, marking stale what they change as :func:`remove` does. ``dry_run`` changes
    nothing. Returns the edges removed (or that would be)."""
    found, qualified = asset_id(ctx, session, name)
    touching = session.fetch_all("select_edges_touching", ctx.params(asset_id=found))
    if touching and not with_edges:
        raise AssetHasEdges(qualified, len(touching))
    removed = (
        stored_edges(ctx, session, qualified, include_retired=True, limit=len(touching))
        if touching
        else []
    )
    if dry_run:
        return removed
    if touching:
        version = bump_version(ctx, session)
        # Mark before deleting: the affected ancestors are found through the edges themselves.
        mark_stale(ctx, session, [(source, target) for _, source, target in touching], version)
        session.execute("delete_edges", {"ids": session.array([row[0] for row in touching])})
    session.execute("delete_asset", ctx.params(id=found))
    return removed
