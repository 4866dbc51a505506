"""The lineage store: every question and every write, built on a backend that only moves rows.

All domain objects are built here, from tuples, in one place; the backends (SQLite, PostgreSQL)
know nothing of assets or edges beyond the named queries in their ``.sql`` files.

Walks are breadth-first, one query per level with the whole frontier as an array, and a
visited set on this side: each asset is reached once, at its shortest depth, whatever the
number of paths to it (the design document's ``UNION ALL`` recursion enumerates every path and
explodes on diamonds).
"""

from __future__ import annotations

import difflib
import gc
import heapq
import json
import logging
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import ValidationError

from lineage_core.errors import (
    AssetNotFound,
    InvalidArgument,
    InvalidName,
    LineageNotEnabled,
    NotFound,
    QueryTimeout,
    TenantExists,
    TenantNotFound,
)
from lineage_core.graph import bfs_depths, bounded_reach, bounded_union, level_order
from lineage_core.models import (
    DEFAULT_MAX_DEPTH,
    AffectedJob,
    Asset,
    Edge,
    EdgeColumn,
    EdgeIn,
    Edition,
    GraphEdge,
    GraphNode,
    ImpactAnalysis,
    JobAssets,
    JobReference,
    LineageGraph,
    ProfileDrift,
    RecordResult,
    RefreshResult,
    TableProfile,
    Tenant,
    validate_depth,
)
from lineage_core.names import normalise_name, parse_name
from lineage_core.store.reach_worker import Halves as _Halves
from lineage_core.store.reach_worker import upstream_half

Direction = Literal["upstream", "downstream"]

DEFAULT_MAX_NODES = 100_000
DEFAULT_TIMEOUT_SECONDS = 30.0
_MARK_ALL_THRESHOLD = 2_000  # changed edges in one write above which every entry is marked stale
_BULK = 5_000
_log = logging.getLogger(__name__)
_PARALLEL_FROM = 20_000  # assets from which a refresh's upstream pass gets its own process
_SMALL_WALK = 2_000  # (asset, depth) pairs up to which a walk takes two queries, not one a level
_ANALYZE_AFTER = 10_000  # edges recorded before the planner's statistics are refreshed


class Session(Protocol):
    def execute(self, name: str, params: Mapping[str, Any] | None = None) -> int: ...
    def execute_many(self, name: str, rows: Iterable[Mapping[str, Any]]) -> None: ...
    def fetch_all(self, name: str, params: Mapping[str, Any] | None = None) -> list[tuple]: ...
    def fetch_one(self, name: str, params: Mapping[str, Any] | None = None) -> tuple | None: ...
    def array(self, values: Iterable[Any]) -> Any: ...
    def json(self, value: Any) -> Any: ...
    def copy_rows(self, name: str, rows: Iterable[Sequence[Any]]) -> None:
        """Insert new rows in bulk (COPY on PostgreSQL), values in the query's column order."""
        ...


class Backend(Protocol):
    """What a backend offers: transactions that move rows, migrations, and closing."""

    name: str

    def session(self, *, write: bool = False, timeout: float | None = None) -> Any: ...
    def migrate(self) -> None: ...
    def describe(self) -> str: ...
    def close(self) -> None: ...


def _now() -> datetime:
    return datetime.now(UTC)


def _json_value(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _chunks(values: Sequence[Any], size: int = _BULK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(slots=True)
class _Walk:
    depths: dict[int, int]  # asset id -> shortest depth (root excluded)
    edges: list[tuple]  # (source_id, target_id, job_id, op, transformation_type)
    truncated: bool


class LineageStore:
    """Lineage for one tenant over a backend; ``with_tenant`` gives a view on another tenant.

    Open one with :func:`lineage_core.open_store`. Methods that answer lineage questions or
    record lineage refuse with ``LineageNotEnabled`` when the tenant is on the standard
    edition; tenant management is always allowed.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        tenant: str = "default",
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        owns_backend: bool = True,
    ) -> None:
        self.backend = backend
        self.timeout = timeout
        self._owns_backend = owns_backend
        self._open = threading.local()  # the session of this thread's ``transaction()``
        self._analyzed = self._unanalyzed = 0  # edges recorded before / since the last ANALYZE
        self._jobs: dict[int, tuple[str, str]] = {}  # job id -> (code location, job name)
        with backend.session() as session:
            row = session.fetch_one("select_tenant", {"name": tenant})
        if row is None:
            raise TenantNotFound(tenant)
        self._tenant_id: int = row[0]
        self.tenant: str = tenant

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        if self._owns_backend:
            self.backend.close()

    def __enter__(self) -> LineageStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def with_tenant(self, tenant: str) -> LineageStore:
        """The same store seen as another tenant; closing the view leaves the backend open."""
        return LineageStore(self.backend, tenant=tenant, timeout=self.timeout, owns_backend=False)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run several writes (``record_edges``, ``retire_unconfirmed_edges``,
        ``record_execution``, ...) in one transaction: all committed together, or none."""
        if getattr(self._open, "session", None) is not None:
            yield  # already inside one: the outermost commits
            return
        with self.backend.session(write=True) as session:
            self._open.session = session
            try:
                yield
            finally:
                self._open.session = None

    @contextmanager
    def _session(self, *, write: bool = False, timeout: float | None = None) -> Iterator[Session]:
        session = getattr(self._open, "session", None)
        if session is not None:  # inside ``transaction()``: join it
            yield session
            return
        with self.backend.session(write=write, timeout=timeout) as session:
            yield session

    def _params(self, **params: Any) -> dict[str, Any]:
        return {"tenant": self._tenant_id, **params}

    def _require_lineage(self, session: Session) -> None:
        if session is getattr(self._open, "checked", None):
            return  # checked once in this ``transaction()``
        row = session.fetch_one("select_tenant_edition", {"tenant": self._tenant_id})
        self._refuse_unless_premium(row[0] if row else None)
        if session is getattr(self._open, "session", None):
            self._open.checked = session

    # -- tenants -------------------------------------------------------------------------

    def tenants(self) -> list[Tenant]:
        with self._session() as session:
            rows = session.fetch_all("select_tenants")
        return [
            Tenant(name=name, edition=edition, created_at=created)
            for name, edition, created in rows
        ]

    def create_tenant(self, name: str, *, edition: Edition | str = Edition.STANDARD) -> Tenant:
        edition = _edition(edition)
        name = _tenant_name(name)
        with self._session(write=True) as session:
            if session.fetch_one("select_tenant", {"name": name}) is not None:
                raise TenantExists(f"Tenant {name!r} already exists")
            session.execute(
                "insert_tenant", {"name": name, "edition": edition.value, "now": _now()}
            )
        return Tenant(name=name, edition=edition)

    def set_edition(self, name: str, edition: Edition | str) -> Tenant:
        edition = _edition(edition)
        with self._session(write=True) as session:
            if not session.execute(
                "update_tenant_edition", {"name": name, "edition": edition.value}
            ):
                raise TenantNotFound(name)
        return Tenant(name=name, edition=edition)

    def edition(self) -> Edition:
        with self._session() as session:
            row = session.fetch_one("select_tenant_edition", {"tenant": self._tenant_id})
        if row is None:
            raise TenantNotFound(self.tenant)
        return Edition(row[0])

    # -- assets --------------------------------------------------------------------------

    def upsert_asset(
        self,
        name: str,
        *,
        type: str = "table",
        connection: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Asset:
        """Record an asset (or update its type, connection and metadata); never duplicates."""
        qualified = parse_name(name)
        with self._session(write=True) as session:
            self._require_lineage(session)
            session.execute(
                "upsert_asset",
                self._params(
                    type=type,
                    name=qualified.table,
                    qualified_name=str(qualified),
                    database=qualified.database,
                    schema=qualified.schema,
                    connection=connection,
                    metadata=session.json(dict(metadata or {})),
                    now=_now(),
                ),
            )
            return self._asset(session, str(qualified))

    def get_asset(self, name: str) -> Asset:
        with self._session() as session:
            self._require_lineage(session)
            return self._asset(session, normalise_name(name))

    def assets(
        self, *, search: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[Asset]:
        """Assets by name; ``search`` matches any part of the qualified name, case-insensitively."""
        pattern = f"%{_escape_like(search.lower())}%" if search else "%"
        with self._session() as session:
            self._require_lineage(session)
            rows = session.fetch_all(
                "select_assets", self._params(pattern=pattern, limit=limit, offset=offset)
            )
        return [_asset_from_row(row) for row in rows]

    def _asset(self, session: Session, qualified_name: str) -> Asset:
        row = session.fetch_one("select_asset_by_name", self._params(qualified_name=qualified_name))
        if row is None:
            raise AssetNotFound(qualified_name, self._suggestions(session, qualified_name))
        return _asset_from_row(row)

    def _suggestions(self, session: Session, qualified_name: str) -> list[str]:
        table = qualified_name.rsplit(".", 1)[-1].strip('"')
        rows = session.fetch_all(
            "select_asset_names_like",
            self._params(pattern=f"%{_escape_like(table[:3].lower())}%", limit=5_000),
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

    def _refuse_unless_premium(self, edition: str | None) -> None:
        """``edition`` is the tenant's as read, None when its row is gone."""
        if edition is None:
            raise TenantNotFound(self.tenant)
        if edition != Edition.PREMIUM.value:
            raise LineageNotEnabled(self.tenant)

    def _lineage_root(self, session: Session, name: str) -> tuple[int, str]:
        """``_require_lineage`` and ``_asset_id`` in one query: a walk's fixed cost on a
        server is mostly round trips."""
        qualified_name = normalise_name(name)
        row = session.fetch_one("select_root", self._params(qualified_name=qualified_name))
        self._refuse_unless_premium(row[0] if row else None)
        if row[1] is None:
            raise AssetNotFound(qualified_name, self._suggestions(session, qualified_name))
        return row[1], qualified_name

    def _asset_id(self, session: Session, name: str) -> tuple[int, str]:
        qualified_name = normalise_name(name)
        row = session.fetch_one("select_asset_id", self._params(qualified_name=qualified_name))
        if row is None:
            raise AssetNotFound(qualified_name, self._suggestions(session, qualified_name))
        return row[0], qualified_name

    # -- edges ---------------------------------------------------------------------------

    def record_edge(self, source: str, target: str, **context: Any) -> RecordResult:
        return self.record_edges([{"source": source, "target": target, **context}])

    def record_edges(
        self,
        edges: Iterable[EdgeIn | Mapping[str, Any]],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> RecordResult:
        """Upsert edges (and their assets and jobs) in one transaction: all or nothing.

        An edge is keyed by (source, target, code location, job, op). Its execution count is
        the number of distinct run ids that recorded it, so replaying a run changes nothing.
        Self-loops are dropped. New or re-activated edges mark stale every impact cache entry
        whose answer they change: the ancestors and descendants (within the cache's depth) of
        both endpoints.
        """
        items = [_edge_in(edge, position) for position, edge in enumerate(edges, start=1)]
        items = [edge for edge in items if edge.source != edge.target]
        if not items:
            with self._session() as session:
                self._require_lineage(session)
            return RecordResult()
        with self._session(write=True) as session:
            self._require_lineage(session)
            result = self._record(session, items, progress)
        self._unanalyzed += result.edges_created
        if (
            self._unanalyzed >= max(_ANALYZE_AFTER, self._analyzed)
            and getattr(self._open, "session", None) is None
        ):
            # Bulk imports leave the planner's statistics behind (autovacuum comes along only
            # later, if at all), and PostgreSQL then plans walks as on an empty table. Each
            # time this store has doubled the edges it recorded, it refreshes them.
            with self._session(write=True) as session:
                session.execute("analyze_lineage")
            self._analyzed += self._unanalyzed
            self._unanalyzed = 0
        return result

    def _record(
        self, session: Session, items: list[EdgeIn], progress: Callable[[int], None] | None
    ) -> RecordResult:
        now = _now()
        roles: dict[str, list[bool]] = {}
        for edge in items:
            roles.setdefault(edge.source, [False, False])[0] = True
            roles.setdefault(edge.target, [False, False])[1] = True
        asset_ids, assets_created = self._ensure_assets(session, roles, now)
        job_ids = self._ensure_jobs(session, {(e.code_location or "", e.job or "") for e in items})

        # One row per key; the last record of a key in this batch wins its descriptive fields.
        keyed: dict[tuple[int, int, int, str], EdgeIn] = {}
        runs: dict[tuple[int, int, int, str], dict[str, datetime]] = defaultdict(dict)
        for edge in items:
            key = (
                asset_ids[edge.source],
                asset_ids[edge.target],
                job_ids[(edge.code_location or "", edge.job or "")],
                edge.op or "",
            )
            keyed[key] = edge
            if edge.run_id:
                at = edge.executed_at or now
                previous = runs[key].get(edge.run_id)
                runs[key][edge.run_id] = at if previous is None else max(previous, at)

        existing = self._existing_edges(session, {key[0] for key in keyed})
        inserts, updates, changed = [], [], []
        for key, edge in keyed.items():
            row = {
                **self._params(
                    source_id=key[0],
                    target_id=key[1],
                    job_id=key[2],
                    op=key[3],
                    trigger=edge.trigger,
                    transformation_type=edge.transformation,
                    transformation_logic=edge.sql,
                    columns=session.json([c.to_json() for c in edge.columns]),
                    now=now,
                ),
            }
            found = existing.get(key)
            if found is None:
                inserts.append(row)
                changed.append((key[0], key[1]))
            else:
                updates.append({**row, "id": found[0]})
                if not found[1]:
                    changed.append((key[0], key[1]))
        done = 0
        for batch in _chunks(inserts):
            # New edges go in with their run counts (counted below only for older edges).
            session.copy_rows(
                "copy_edges",
                (
                    (
                        row["tenant"],
                        row["source_id"],
                        row["target_id"],
                        row["job_id"],
                        row["op"],
                        row["trigger"],
                        row["transformation_type"],
                        row["transformation_logic"],
                        row["columns"],
                        *_run_summary(
                            runs.get((row["source_id"], row["target_id"], row["job_id"], row["op"]))
                        ),
                        row["now"],
                        row["now"],
                    )
                    for row in batch
                ),
            )
            done += len(batch)
            if progress:
                progress(done)
        for batch in _chunks(updates):
            session.execute_many("update_edge", batch)
            done += len(batch)
            if progress:
                progress(done)

        if runs:
            known = {key: found[0] for key, found in existing.items() if key in runs}
            self._count_runs(session, runs, known, counted=existing.keys())

        marked = 0
        if changed:
            version = session.fetch_one("bump_graph_version", {"tenant": self._tenant_id})[0]
            marked = self._mark_stale(session, changed, version)
        return RecordResult(
            assets_created=assets_created,
            edges_created=len(inserts),
            edges_updated=len(updates),
            cache_entries_marked_stale=marked,
        )

    def _ensure_assets(
        self, session: Session, roles: Mapping[str, list[bool]], now: datetime
    ) -> tuple[dict[str, int], int]:
        names = sorted(roles)
        ids: dict[str, int] = {}
        flagged: dict[str, tuple[bool, bool]] = {}
        for batch in _chunks(names):
            for asset_id, name, is_source, is_target in session.fetch_all(
                "select_asset_roles_by_names", self._params(names=session.array(batch))
            ):
                ids[name] = asset_id
                flagged[name] = (bool(is_source), bool(is_target))
        missing = [name for name in names if name not in ids]
        rows = []
        for name in missing:
            qualified = parse_name(name)
            is_source, is_target = roles[name]
            rows.append(
                self._params(
                    type="table",
                    name=qualified.table,
                    qualified_name=name,
                    database=qualified.database,
                    schema=qualified.schema,
                    is_source=is_source,
                    is_target=is_target,
                    now=now,
                )
            )
        for batch in _chunks(rows):
            session.execute_many("insert_asset", batch)
        for batch in _chunks(missing):
            for asset_id, name in session.fetch_all(
                "select_asset_ids_by_names", self._params(names=session.array(batch))
            ):
                ids[name] = asset_id
        # Only assets that gain a role: a bulk import would otherwise send one no-op UPDATE
        # per asset it touches again.
        flags = [
            self._params(id=ids[name], is_source=roles[name][0], is_target=roles[name][1], now=now)
            for name, (is_source, is_target) in flagged.items()
            if (roles[name][0] and not is_source) or (roles[name][1] and not is_target)
        ]
        for batch in _chunks(flags):
            session.execute_many("update_asset_roles", batch)
        return ids, len(missing)

    def _ensure_jobs(
        self, session: Session, keys: set[tuple[str, str]]
    ) -> dict[tuple[str, str], int]:
        def lookup(wanted: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
            if len(wanted) > 10:  # a bulk import: one query for all of the tenant's jobs
                rows = session.fetch_all("select_jobs", self._params())
                return {(loc, job): job_id for job_id, loc, job in rows if (loc, job) in wanted}
            found = {}
            for loc, job in wanted:  # a run's capture: its one job, without the others
                row = session.fetch_one("select_job_id", self._params(code_location=loc, job=job))
                if row is not None:
                    found[(loc, job)] = row[0]
            return found

        ids = lookup(keys)
        if missing := keys - ids.keys():
            rows = [self._params(code_location=loc, job=job) for loc, job in sorted(missing)]
            session.execute_many("insert_job", rows)
            ids |= lookup(missing)
        return ids

    def _existing_edges(
        self, session: Session, source_ids: set[int]
    ) -> dict[tuple[int, int, int, str], tuple[int, bool]]:
        existing = {}
        for batch in _chunks(sorted(source_ids)):
            for edge_id, source_id, target_id, job_id, op, active in session.fetch_all(
                "select_edge_keys_by_sources", self._params(ids=session.array(batch))
            ):
                existing[(source_id, target_id, job_id, op)] = (edge_id, bool(active))
        return existing

    def _count_runs(
        self,
        session: Session,
        runs: Mapping[tuple[int, int, int, str], Mapping[str, datetime]],
        known: Mapping[tuple[int, int, int, str], int],
        counted: Collection[tuple[int, int, int, str]] | None = None,
    ) -> None:
        """Count each (edge, run) once; ``known`` holds the ids of edges that existed before.

        Edges whose key is not in ``counted`` (when given) were inserted with their counts
        (see ``_run_summary``): only their (edge, run) rows are added, in bulk.
        """
        edge_ids = dict(known)
        if inserted := {key for key in runs if key not in edge_ids}:
            sources = {key[0] for key in inserted}
            for key, (edge_id, _) in self._existing_edges(session, sources).items():
                if key in inserted:
                    edge_ids[key] = edge_id
        pairs = [
            (edge_ids[key], run_id, at)
            for key, by_run in runs.items()
            for run_id, at in by_run.items()
        ]
        seen: set[tuple[int, str]] = set()
        run_ids = session.array(sorted({run_id for _, run_id, _ in pairs}))
        for batch in _chunks(sorted({edge_id for edge_id, _, _ in pairs})):
            for edge_id, run_id in session.fetch_all(
                "select_edge_runs", {"ids": session.array(batch), "run_ids": run_ids}
            ):
                seen.add((edge_id, run_id))
        fresh = [
            (edge_id, run_id, at) for edge_id, run_id, at in pairs if (edge_id, run_id) not in seen
        ]
        if counted is not None:
            new_ids = {edge_ids[key] for key in runs if key not in counted}
            if new_ids:
                session.copy_rows("copy_edge_runs", [row for row in fresh if row[0] in new_ids])
                fresh = [row for row in fresh if row[0] not in new_ids]
        if not fresh:
            return
        session.execute_many(
            "insert_edge_run",
            [{"edge_id": e, "run_id": r, "executed_at": at} for e, r, at in fresh],
        )
        latest: dict[int, tuple[datetime, str]] = {}
        counts: dict[int, int] = defaultdict(int)
        for edge_id, run_id, at in fresh:
            counts[edge_id] += 1
            if edge_id not in latest or at >= latest[edge_id][0]:
                latest[edge_id] = (at, run_id)
        session.execute_many(
            "update_edge_executions",
            [
                {"id": edge_id, "count": counts[edge_id], "run_id": run_id, "executed_at": at}
                for edge_id, (at, run_id) in latest.items()
            ],
        )

    def remove_edges(
        self,
        source: str,
        target: str,
        *,
        job: str | None = None,
        op: str | None = None,
        code_location: str | None = None,
    ) -> int:
        """Delete edges between two assets (all of them, or those of one job/op)."""
        with self._session(write=True) as session:
            self._require_lineage(session)
            source_id, _ = self._asset_id(session, source)
            target_id, _ = self._asset_id(session, target)
            ids = [
                edge_id
                for edge_id, _s, _t, job_name, location, op_name in session.fetch_all(
                    "select_edges_between", self._params(source_id=source_id, target_id=target_id)
                )
                if (job is None or job == job_name)
                and (code_location is None or code_location == location)
                and (op is None or op == op_name)
            ]
            if not ids:
                return 0
            version = session.fetch_one("bump_graph_version", {"tenant": self._tenant_id})[0]
            # Mark before deleting: the affected ancestors are found through the edge itself.
            self._mark_stale(session, [(source_id, target_id)], version)
            session.execute("delete_edges", {"ids": session.array(ids)})
            return len(ids)

    def retire_edges(self, edge_ids: Sequence[int]) -> int:
        """Mark edges inactive (history kept); walks and impact ignore inactive edges."""
        if not edge_ids:
            return 0
        with self._session(write=True) as session:
            self._require_lineage(session)
            rows = session.fetch_all(
                "select_active_edges_by_ids", self._params(ids=session.array(edge_ids))
            )
            return self._retire(session, rows)

    def _retire(self, session: Session, rows: Sequence[tuple[int, int, int]]) -> int:
        """Retire (edge id, source id, target id) edges; mark stale the entries they change."""
        if not rows:
            return 0
        version = session.fetch_one("bump_graph_version", {"tenant": self._tenant_id})[0]
        self._mark_stale(session, [(s, t) for _, s, t in rows], version)
        session.execute(
            "retire_edges", self._params(ids=session.array([r[0] for r in rows]), now=_now())
        )
        return len(rows)

    def retire_unconfirmed_edges(
        self,
        *,
        job: str,
        code_location: str | None,
        writes: Mapping[tuple[str, str], set[str]],
        as_of: datetime,
    ) -> int:
        """Retire edges a newer run of the same job and op no longer produced.

        ``writes`` maps (op, target table) to the sources that run produced for that target.
        Only targets the run wrote are considered: a run that did not write a table (a partial
        materialization, an asset subset) says nothing about that table's edges. An edge last
        seen after ``as_of`` (recorded by a newer run) is kept.
        """
        if not writes:
            return 0
        with self._session() as session:
            self._require_lineage(session)
            rows = session.fetch_all(
                "select_active_edges_into",
                self._params(
                    code_location=code_location or "",
                    job=job,
                    names=session.array(sorted({target for _, target in writes})),
                ),
            )
        cutoff = _sortable_time(as_of)
        stale = [
            (edge_id, source_id, target_id)
            for edge_id, source_id, target_id, source, target, op, last_seen in rows
            if (op, target) in writes
            and source not in writes[(op, target)]
            and (last_seen is None or _sortable_time(last_seen) <= cutoff)
        ]
        if not stale:
            return 0
        with self._session(write=True) as session:
            return self._retire(session, stale)

    def edges(
        self, name: str | None = None, *, include_retired: bool = False, limit: int = 10_000
    ) -> list[Edge]:
        """Stored edges touching ``name`` (or all), with their Dagster context."""
        with self._session() as session:
            self._require_lineage(session)
            asset_id = self._asset_id(session, name)[0] if name else None
            rows = session.fetch_all(
                "select_edges",
                self._params(asset_id=asset_id, include_retired=include_retired, limit=limit),
            )
        return [_edge_from_row(row) for row in rows]

    # -- cache invalidation --------------------------------------------------------------

    def _mark_stale(
        self, session: Session, changed: Sequence[tuple[int, int]], version: int
    ) -> int:
        if session.fetch_one("select_any_cache_entry", self._params()) is None:
            return 0
        if len(changed) > _MARK_ALL_THRESHOLD:
            return session.execute("mark_all_stale", self._params(version=version))
        endpoints = {asset for pair in changed for asset in pair}
        affected = set(endpoints)
        for direction in ("upstream", "downstream"):
            affected |= self._reach_ids(session, endpoints, direction, DEFAULT_MAX_DEPTH)
        marked = 0
        for batch in _chunks(sorted(affected)):
            marked += session.execute(
                "mark_stale", self._params(ids=session.array(batch), version=version)
            )
        return marked

    def _reach_ids(
        self, session: Session, start: set[int], direction: Direction, max_depth: int
    ) -> set[int]:
        query = "select_child_ids" if direction == "downstream" else "select_parent_ids"
        seen = set(start)
        frontier = sorted(start)
        for _ in range(max_depth):
            following: list[int] = []
            for batch in _chunks(frontier, 50_000):
                for (asset_id,) in session.fetch_all(query, self._params(ids=session.array(batch))):
                    if asset_id not in seen:
                        seen.add(asset_id)
                        following.append(asset_id)
            if not following:
                break
            frontier = following
        return seen

    # -- traversal -----------------------------------------------------------------------

    def upstream(
        self, name: str, max_depth: int = DEFAULT_MAX_DEPTH, *, max_nodes: int = DEFAULT_MAX_NODES
    ) -> LineageGraph:
        """Assets whose data flows into ``name``, each once at its shortest depth."""
        return self._graph(name, "upstream", max_depth, max_nodes)

    def downstream(
        self, name: str, max_depth: int = DEFAULT_MAX_DEPTH, *, max_nodes: int = DEFAULT_MAX_NODES
    ) -> LineageGraph:
        """Assets fed by ``name``, each once at its shortest depth."""
        return self._graph(name, "downstream", max_depth, max_nodes)

    def full(
        self, name: str, max_depth: int = DEFAULT_MAX_DEPTH, *, max_nodes: int = DEFAULT_MAX_NODES
    ) -> LineageGraph:
        """Upstream and downstream together; an asset on both sides (a cycle) appears once."""
        up = self.upstream(name, max_depth, max_nodes=max_nodes)
        down = self.downstream(name, max_depth, max_nodes=max_nodes)
        nodes: dict[str, GraphNode] = {node.id: node for node in up.nodes}
        for node in down.nodes:
            if node.id not in nodes or node.depth < nodes[node.id].depth:
                nodes[node.id] = node
        edges: dict[tuple, GraphEdge] = {}
        for edge in [*up.edges, *down.edges]:
            edges[(edge.source, edge.target, edge.workflow_id, edge.code_location, edge.op)] = edge
        return LineageGraph.model_construct(
            direction="full",
            root_asset_id=up.root_asset_id,
            root=up.root,
            max_depth=max_depth,
            nodes=list(nodes.values()),
            edges=list(edges.values()),
            total_nodes=len(nodes),
            truncated=up.truncated or down.truncated,
            upstream_count=up.total_nodes,
            downstream_count=down.total_nodes,
        )

    def _graph(
        self, name: str, direction: Direction, max_depth: int, max_nodes: int
    ) -> LineageGraph:
        validate_depth(max_depth)
        if max_nodes < 1:
            raise InvalidArgument(f"max_nodes must be at least 1, got {max_nodes}")
        deadline = time.monotonic() + self.timeout
        with _gc_paused():
            with self._session(timeout=self.timeout) as session:
                root_id, root_name = self._lineage_root(session, name)
                walk = self._walk(session, root_id, direction, max_depth, max_nodes, deadline)
                info = self._asset_info(session, walk.depths.keys() | {root_id})
                jobs = self._job_names(session, {edge[2] for edge in walk.edges})
            return _lineage_graph(direction, root_id, root_name, max_depth, walk, info, jobs)

    def _walk(
        self,
        session: Session,
        root_id: int,
        direction: Direction,
        max_depth: int,
        max_nodes: int,
        deadline: float,
        *,
        with_edges: bool = True,
    ) -> _Walk:
        small = self._small_walk(
            session, root_id, direction, max_depth, max_nodes, deadline, with_edges
        )
        if small is not None:
            return small
        query = "select_out_edges" if direction == "downstream" else "select_in_edges"
        far = 1 if direction == "downstream" else 0
        depths: dict[int, int] = {}
        seen = {root_id}
        edges: list[tuple] = []
        frontier = [root_id]
        truncated = False
        for depth in range(1, max_depth + 1):
            if time.monotonic() > deadline:
                raise QueryTimeout(f"The {direction} walk ran past {self.timeout:g} s")
            rows: list[tuple] = []
            for batch in _chunks(frontier, 50_000):
                rows.extend(session.fetch_all(query, self._params(ids=session.array(batch))))
            following: list[int] = []
            capped = False
            for row in rows:
                other = row[far]
                if other not in seen:
                    if len(depths) >= max_nodes:
                        truncated = capped = True
                        continue
                    seen.add(other)
                    depths[other] = depth
                    following.append(other)
            if with_edges:
                # Edges to assets left out by the cap are left out too.
                edges.extend([row for row in rows if row[far] in seen] if capped else rows)
            if not following:
                break
            frontier = following
        return _Walk(depths, edges, truncated)

    def _small_walk(
        self,
        session: Session,
        root_id: int,
        direction: Direction,
        max_depth: int,
        max_nodes: int,
        deadline: float,
        with_edges: bool,
    ) -> _Walk | None:
        """The same walk in one query when the reach is small, None when it is not.

        A recursive query lists every (asset, depth) within ``max_depth`` once (UNION, not
        the design document's UNION ALL: a diamond cannot multiply rows) and, while there are
        at most _SMALL_WALK of them, returns the edges out of the assets walked through;
        shortest depths are then found in memory over just those edges. Fifteen round trips
        become one; past _SMALL_WALK the level-by-level walk is cheaper.
        """
        rows = session.fetch_all(
            f"select_small_walk_{direction}",
            self._params(root=root_id, max_depth=max_depth, limit=_SMALL_WALK + 1),
        )
        pairs = next(row[5] for row in rows if row[5] is not None)
        if pairs > _SMALL_WALK:
            return None
        if time.monotonic() > deadline:
            raise QueryTimeout(f"The {direction} walk ran past {self.timeout:g} s")
        near, far = (0, 1) if direction == "downstream" else (1, 0)
        edges = [row[:5] for row in rows if row[5] is None]
        adjacency: dict[int, list[int]] = defaultdict(list)
        for edge in edges:
            adjacency[edge[near]].append(edge[far])
        depths = bfs_depths(adjacency, root_id, max_depth)
        truncated = len(depths) > max_nodes
        if truncated:  # the cap keeps the nearest, as the level-by-level walk does
            depths = dict(sorted(depths.items(), key=lambda item: item[1])[:max_nodes])
            kept = depths.keys() | {root_id}
            edges = [edge for edge in edges if edge[near] in kept and edge[far] in kept]
        return _Walk(depths, edges if with_edges else [], truncated)

    def _asset_info(self, session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str, str]]:
        info: dict[int, tuple[str, str, str]] = {}
        for batch in _chunks(sorted(ids), 50_000):
            for asset_id, name, qualified, kind in session.fetch_all(
                "select_asset_info", {"ids": session.array(batch)}
            ):
                info[asset_id] = (name, qualified, kind)
        return info

    def _job_names(self, session: Session, job_ids: set[int]) -> dict[int, tuple[str, str]]:
        """(code location, job) by job id; read once per store, since a job row never
        changes (a renamed job is a new row) and only new jobs miss."""
        known = self._jobs
        if not job_ids <= known.keys():
            rows = session.fetch_all("select_jobs", self._params())
            known.update({job_id: (location, job) for job_id, location, job in rows})
        return {job_id: known[job_id] for job_id in job_ids if job_id in known}

    # -- impact --------------------------------------------------------------------------

    def impact(
        self,
        name: str,
        *,
        max_depth: int = DEFAULT_MAX_DEPTH,
        live: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> ImpactAnalysis:
        """What breaks if ``name`` changes: downstream assets, and the jobs that touch them.

        The counts and jobs come from the impact cache when its entry is fresh (and the
        depth is the cache's); otherwise, or with ``live=True``, they are computed now. The
        asset list is a page (``offset``, ``limit``) ordered by depth, then name.
        """
        validate_depth(max_depth)
        if limit < 0 or offset < 0:
            raise InvalidArgument("limit and offset must not be negative")
        deadline = time.monotonic() + self.timeout
        with _gc_paused(), self._session(timeout=self.timeout) as session:
            root_id, root_name = self._lineage_root(session, name)
            cached = None
            if not live and max_depth == DEFAULT_MAX_DEPTH:
                cached = session.fetch_one(
                    "select_fresh_cache_entry", self._params(asset_id=root_id, max_depth=max_depth)
                )
            if cached is not None:
                depth_counts = [int(c) for c in _json_value(cached[0])]
                contexts = self._contexts_at(session, bytes(cached[1]))
                computed_at = cached[2]
                page = self._page(session, root_id, depth_counts, offset, limit, deadline)
            else:
                walk = self._walk(
                    session, root_id, "downstream", max_depth, 10**9, deadline, with_edges=False
                )
                depth_counts = _depth_counts(walk.depths, max_depth)
                contexts = self._contexts_touching(session, set(walk.depths) | {root_id})
                ordered = self._order(session, walk.depths)
                page = ordered[offset : offset + limit]
                computed_at = None
            info = self._asset_info(session, [asset_id for asset_id, _ in page])
            jobs = self._job_names(session, {job_id for job_id, _ in contexts})
        return _impact_model(
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

    def _order(self, session: Session, depths: Mapping[int, int]) -> list[tuple[int, int]]:
        return _by_depth_then_name(depths, self._asset_info(session, depths.keys()))

    def _page(
        self,
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
        walk = self._walk(session, root_id, "downstream", depth, 10**9, deadline, with_edges=False)
        return self._order(session, walk.depths)[offset : offset + limit]

    def _contexts_touching(self, session: Session, ids: set[int]) -> list[tuple[int, str]]:
        contexts: set[tuple[int, str]] = set()
        for batch in _chunks(sorted(ids), 50_000):
            for job_id, op in session.fetch_all(
                "select_contexts_touching", self._params(ids=session.array(batch))
            ):
                contexts.add((job_id, op))
        return sorted(contexts)

    # -- impact cache --------------------------------------------------------------------

    def stale_cache_entries(self) -> int:
        """Assets whose cache entry is stale or missing."""
        with self._session() as session:
            self._require_lineage(session)
            return session.fetch_one("count_stale_entries", self._params())[0]

    def refresh_impact_cache(
        self,
        *,
        stale_only: bool = True,
        method: Literal["auto", "bfs", "bitset"] = "auto",
        progress: Callable[[str, int, int], None] | None = None,
        workers: int | None = None,
    ) -> RefreshResult:
        """Recompute cache entries: stale and missing ones by default, every one on request.

        The whole graph is read once; a few entries are answered by one in-memory walk each,
        many by the bitset pass of :mod:`lineage_core.graph` over every asset at once
        (``method`` forces one or the other; both give the same entries). With ``workers=2``
        the bitset pass's upstream half runs in a second process while this one does the
        downstream half; by default that happens on large graphs when there is a second CPU.
        """
        if workers is not None and workers not in (1, 2):
            raise InvalidArgument(f"workers must be 1 or 2, got {workers}")
        if method not in ("auto", "bfs", "bitset"):
            raise InvalidArgument(f"Unknown refresh method {method!r}")
        started = time.monotonic()
        with self._session() as session:
            self._require_lineage(session)
            version = session.fetch_one("select_graph_version", self._params())[0]
            asset_ids = [row[0] for row in session.fetch_all("select_asset_ids", self._params())]
            edges = session.fetch_all("select_active_edge_contexts", self._params())
            wanted_ids = (
                [row[0] for row in session.fetch_all("select_stale_asset_ids", self._params())]
                if stale_only
                else asset_ids
            )
        if not wanted_ids:
            return RefreshResult(
                entries_refreshed=0,
                stale_only=stale_only,
                method="none",
                seconds=time.monotonic() - started,
            )
        index = {asset_id: i for i, asset_id in enumerate(asset_ids)}
        n = len(asset_ids)
        no_job = self._no_job_id()
        context_bits = self._context_positions(
            {(job_id, op) for _, _, job_id, op in edges if job_id != no_job}
        )
        # Edges of several jobs between the same two assets are one adjacency; every job's
        # context lands on both endpoints' labels. 380,000 edges go through these loops.
        bit_of = {context: 1 << position for context, position in context_bits.items()}
        labels = [0] * n
        pairs = set()
        for source_id, target_id, job_id, op in edges:
            s, t = index[source_id], index[target_id]
            pairs.add((s, t))
            if job_id != no_job:
                bit = bit_of[(job_id, op)]
                labels[s] |= bit
                labels[t] |= bit
        edge_count = len(edges)
        del edges
        down: list[list[int]] = [[] for _ in range(n)]
        up: list[list[int]] = [[] for _ in range(n)]
        for s, t in pairs:
            down[s].append(t)
            up[t].append(s)
        del pairs
        wanted = [index[asset_id] for asset_id in wanted_ids]
        depth = DEFAULT_MAX_DEPTH

        if method == "auto":
            method = _refresh_method(down, up, wanted, edge_count, depth)
        if method == "bfs":
            results = {}
            for done, v in enumerate(wanted, start=1):
                d_depths = bfs_depths(down, v, depth)
                u_depths = bfs_depths(up, v, depth)
                bits = labels[v]
                for u in d_depths:
                    bits |= labels[u]
                results[v] = (_depth_counts(d_depths, depth), _depth_counts(u_depths, depth), bits)
                if progress and done % 100 == 0:
                    progress("walk", done, len(wanted))
        else:
            # One level order for both directions: what an asset reaches at one depth, up or
            # down, sits in a few blocks of bits (see lineage_core.graph).
            positions = level_order(down)
            if workers is None:
                workers = 2 if n >= _PARALLEL_FROM and (os.cpu_count() or 1) > 1 else 1
            # With a second process, each side also ORs half of the context bits (the union is
            # linear in them), so that the two sides finish at about the same time.
            split = (max(context_bits.values(), default=0) + 1) // 2 if workers == 2 else 0
            high = [label >> split for label in labels] if split else None
            with _second_half(up, depth, positions, high, workers) as second:
                down_reach = bounded_reach(
                    down,
                    depth,
                    positions,
                    (lambda k: progress("downstream", k, n)) if progress else None,
                )
                low = [label & ((1 << split) - 1) for label in labels] if split else labels
                unions = bounded_union(down, depth, low)
                up_counts, high_unions = second(
                    (lambda k: progress("upstream", k, n)) if progress else None
                )
            if high_unions is not None:
                unions = [a | b << split for a, b in zip(unions, high_unions, strict=True)]
            results = {v: (down_reach[v].depth_counts, up_counts[v], unions[v]) for v in wanted}
        computed_at = _now()
        count_jobs = _JobCounter(context_bits)
        with self._session(write=True) as session:
            current = session.fetch_one("select_graph_version", self._params())[0]
            # If lineage changed while we computed, new entries start stale (conservative).
            stale_version = current if current > version else 0
            tenant = self._tenant_id

            def entries() -> Iterator[tuple]:
                # str() of a list of ints is its JSON text, at a quarter of json.dumps' cost.
                for done, (v, (down_counts, up_counts, bits)) in enumerate(results.items(), 1):
                    down_counts, up_counts = _trim(down_counts), _trim(up_counts)
                    yield (
                        asset_ids[v],
                        tenant,
                        depth,
                        sum(down_counts),
                        len(down_counts),
                        str(down_counts),
                        sum(up_counts),
                        len(up_counts),
                        str(up_counts),
                        bits.to_bytes((bits.bit_length() + 7) // 8, "little"),
                        count_jobs(bits),
                        version,
                        stale_version,
                        computed_at,
                    )
                    if progress and done % _BULK == 0:
                        progress("write", done, len(results))

            session.execute("create_cache_load")
            session.copy_rows("copy_cache_load", entries())
            session.execute("merge_cache_load")
            if progress:
                progress("write", len(results), len(results))
        largest = heapq.nsmallest(
            5, ((-sum(down), asset_ids[v]) for v, (down, _, _) in results.items())
        )
        names = self._names_by_id([asset_id for _, asset_id in largest])
        return RefreshResult(
            entries_refreshed=len(results),
            stale_only=stale_only,
            method=method,
            seconds=time.monotonic() - started,
            largest=[(names[asset_id], -count) for count, asset_id in largest],
        )

    def _context_positions(self, needed: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
        """The bit position of every (job id, op) context in ``needed``, new ones assigned.

        Positions are assigned once, under a lock, and never change or get reused: a cache
        entry written with them keeps its meaning whichever refresh wrote it.
        """
        with self._session() as session:
            known = self._read_positions(session)
        missing = needed - known.keys()
        if not missing:
            return known
        with self._session(write=True) as session:
            session.execute("lock_contexts", self._params())
            known = self._read_positions(session)
            following = max(known.values(), default=-1) + 1
            rows = []
            for job_id, op in sorted(needed - known.keys()):
                rows.append(self._params(position=following, job_id=job_id, op=op))
                following += 1
            session.execute_many("insert_context", rows)
            return self._read_positions(session)

    def _read_positions(self, session: Session) -> dict[tuple[int, str], int]:
        rows = session.fetch_all("select_contexts", self._params())
        return {(job_id, op): position for position, job_id, op in rows}

    def _contexts_at(self, session: Session, bits: bytes) -> list[tuple[int, str]]:
        """The (job id, op) contexts whose positions are set in a cache entry's bit string."""
        value = int.from_bytes(bits, "little")
        positions = [i for i in range(value.bit_length()) if value >> i & 1]
        if not positions:
            return []
        rows = session.fetch_all(
            "select_contexts_at", self._params(positions=session.array(positions))
        )
        return sorted((int(job_id), op) for job_id, op in rows)

    def _no_job_id(self) -> int | None:
        with self._session() as session:
            row = session.fetch_one("select_job_id", self._params(code_location="", job=""))
        return row[0] if row else None

    def _names_by_id(self, ids: Sequence[int]) -> dict[int, str]:
        with self._session() as session:
            return {asset_id: info[1] for asset_id, info in self._asset_info(session, ids).items()}

    def impact_summaries(self, names: Iterable[str]) -> dict[str, dict[str, int]]:
        """Cached counts of the named assets with a fresh entry (others are left out)."""
        wanted = sorted({normalise_name(name) for name in names})
        found: dict[str, dict[str, int]] = {}
        with self._session() as session:
            self._require_lineage(session)
            for batch in _chunks(wanted):
                for name, down, up, jobs, depth in session.fetch_all(
                    "select_cache_summaries", self._params(names=session.array(batch))
                ):
                    found[name] = {
                        "downstream_assets": down,
                        "upstream_assets": up,
                        "downstream_jobs": jobs,
                        "downstream_max_depth": depth,
                    }
        return found

    def largest_impacts(self, limit: int = 10) -> list[tuple[str, int, int]]:
        """(asset, downstream count, job count) of the largest cached impacts."""
        with self._session() as session:
            self._require_lineage(session)
            rows = session.fetch_all("select_largest_impacts", self._params(limit=limit))
        return [(name, count, jobs) for name, count, jobs in rows]

    # -- Dagster jobs ----------------------------------------------------------------------

    def jobs_for_asset(self, name: str) -> list[JobReference]:
        """The Dagster jobs and ops that read or write ``name``, with their last run."""
        with self._session() as session:
            self._require_lineage(session)
            asset_id, _ = self._asset_id(session, name)
            rows = session.fetch_all("select_job_references", self._params(asset_id=asset_id))
        grouped: dict[tuple[str, str, str, str], list[tuple]] = defaultdict(list)
        for job, op, location, access, count, run_id, at in rows:
            grouped[(job, op, location, access)].append((count, run_id, _sortable_time(at), at))
        references = []
        for (job, op, location, access), uses in sorted(grouped.items()):
            latest = max(uses, key=lambda use: use[2])
            references.append(
                JobReference(
                    job=job,
                    op=op or None,
                    code_location=location or None,
                    access=access,
                    execution_count=max(use[0] for use in uses),
                    last_run_id=latest[1],
                    last_execution_at=latest[3],
                )
            )
        return references

    def job_assets(self, job: str, *, code_location: str | None = None) -> JobAssets:
        """The tables a Dagster job reads and writes."""
        with self._session() as session:
            self._require_lineage(session)
            rows = session.fetch_all("select_job_assets", self._params(job=job))
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

    # -- executions and profiles ---------------------------------------------------------

    def record_execution(
        self,
        *,
        run_id: str,
        execution_type: str = "dagster_run",
        job: str | None = None,
        code_location: str | None = None,
        status: str | None = None,
        assets_discovered: int = 0,
        edges_created: int = 0,
        errors: Sequence[str] = (),
        started_at: datetime | None = None,
        completed_at: datetime | None = None,
    ) -> None:
        """One row per (run, kind of capture); recording it again replaces it."""
        with self._session(write=True) as session:
            session.execute(
                "upsert_execution",
                self._params(
                    run_id=run_id,
                    execution_type=execution_type,
                    job=job,
                    code_location=code_location,
                    status=status,
                    assets_discovered=assets_discovered,
                    edges_created=edges_created,
                    errors=session.json(list(errors)),
                    started_at=started_at or _now(),
                    completed_at=completed_at,
                ),
            )

    def executions(self, *, limit: int = 100) -> list[dict[str, Any]]:
        with self._session() as session:
            rows = session.fetch_all("select_executions", self._params(limit=limit))
        keys = (
            "run_id",
            "execution_type",
            "job",
            "code_location",
            "status",
            "assets_discovered",
            "edges_created",
            "errors",
            "started_at",
            "completed_at",
        )
        result = []
        for row in rows:
            item = dict(zip(keys, row, strict=True))
            item["errors"] = _json_value(item["errors"])
            result.append(item)
        return result

    def add_profile(self, profile: TableProfile) -> TableProfile:
        """Store a profile (creating the asset if needed) with its drift from the previous one."""
        from lineage_core.profiling import compare_profiles

        with self._session(write=True) as session:
            self._require_lineage(session)
            qualified = parse_name(profile.asset)
            session.execute(
                "upsert_asset",
                self._params(
                    type="table",
                    name=qualified.table,
                    qualified_name=str(qualified),
                    database=qualified.database,
                    schema=qualified.schema,
                    connection=profile.connection,
                    metadata=session.json({}),
                    now=_now(),
                ),
            )
            asset_id, _ = self._asset_id(session, str(qualified))
            previous_row = session.fetch_one("select_latest_profile", {"asset_id": asset_id})
            drift: ProfileDrift | None = None
            if previous_row is not None:
                previous = _profile_from_row(previous_row)
                current = profile.model_copy(update={"asset": str(qualified)})
                drift = compare_profiles(previous, current).model_copy(
                    update={"previous_profile_id": previous.profile_id}
                )
            profiled_at = profile.profiled_at or _now()
            stored = profile.model_copy(
                update={
                    "asset": str(qualified),
                    "asset_id": str(asset_id),
                    "drift": drift,
                    "profiled_at": profiled_at,
                    "profile_id": None,
                }
            )
            row = session.fetch_one(
                "insert_profile",
                self._params(
                    asset_id=asset_id,
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

    def profiles(self, name: str, *, limit: int = 10) -> list[TableProfile]:
        """Profile history of a table, newest first."""
        with self._session() as session:
            self._require_lineage(session)
            asset_id, _ = self._asset_id(session, name)
            rows = session.fetch_all("select_profiles", {"asset_id": asset_id, "limit": limit})
        return [_profile_from_row(row) for row in rows]

    # -- alerts --------------------------------------------------------------------------

    def claim_alert(
        self,
        dedup_key: str,
        *,
        kind: str,
        body: Mapping[str, Any],
        asset: str | None = None,
        status: str = "pending",
    ) -> str | None:
        """Record an alert once per deduplication key.

        Returns ``None`` when the key is new (the caller delivers it), else the status the
        key already has: ``delivered``, ``failed`` or ``baseline`` mean handled; ``pending``
        means a delivery was interrupted and may be retried.
        """
        with self._session(write=True) as session:
            self._require_lineage(session)
            row = session.fetch_one("select_alert_status", self._params(dedup_key=dedup_key))
            if row is not None:
                return row[0]
            session.execute(
                "insert_alert",
                self._params(
                    dedup_key=dedup_key, kind=kind, asset=asset, status=status,
                    body=session.json(dict(body)), now=_now(),
                ),
            )  # fmt: skip
        return None

    def finish_alert(self, dedup_key: str, *, status: str, deliveries: Mapping[str, Any]) -> None:
        with self._session(write=True) as session:
            session.execute(
                "update_alert",
                self._params(
                    dedup_key=dedup_key, status=status,
                    deliveries=session.json(dict(deliveries)), now=_now(),
                ),
            )  # fmt: skip

    def resolve_alert(self, dedup_key: str) -> None:
        """Close an alert so that the same condition, if it comes back, alerts again."""
        with self._session(write=True) as session:
            session.execute("resolve_alert", self._params(dedup_key=dedup_key, now=_now()))

    def alerts(self, *, kind: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Recorded alerts, newest first."""
        with self._session() as session:
            rows = session.fetch_all("select_alerts", self._params(kind=kind, limit=limit))
        keys = ("dedup_key", "kind", "asset", "status", "body", "deliveries", "created_at")
        alerts = []
        for row in rows:
            item = dict(zip(keys, row, strict=True))
            item["body"] = _json_value(item["body"])
            item["deliveries"] = _json_value(item["deliveries"])
            alerts.append(item)
        return alerts

    def open_alerts(self, kind: str) -> dict[str, str]:
        """Dedup key -> asset of the alerts of ``kind`` not yet resolved."""
        with self._session() as session:
            rows = session.fetch_all("select_open_alert_assets", self._params(kind=kind))
        return dict(rows)

    def assets_over_threshold(self, threshold: int) -> list[tuple[str, int, int]]:
        """(asset, downstream count, job count) of fresh cache entries at or over ``threshold``."""
        with self._session() as session:
            self._require_lineage(session)
            rows = session.fetch_all(
                "select_assets_over_threshold", self._params(threshold=threshold)
            )
        return [(name, count, jobs) for name, count, jobs in rows]

    def schema_changes_after(
        self, profile_id: int, *, limit: int = 1000
    ) -> list[tuple[int, str, TableProfile]]:
        """Profiles with schema drift recorded after ``profile_id``, oldest first."""
        with self._session() as session:
            self._require_lineage(session)
            rows = session.fetch_all(
                "select_schema_changes_after", self._params(after=profile_id, limit=limit)
            )
        return [(pid, name, _profile_from_row((pid, body))) for pid, name, body in rows]

    def last_profile_id(self) -> int:
        with self._session() as session:
            return session.fetch_one("select_last_profile_id", self._params())[0]


# -- row -> model, in one place ------------------------------------------------------------


def _asset_from_row(row: tuple) -> Asset:
    (
        asset_id,
        kind,
        name,
        qualified,
        database,
        schema,
        connection,
        metadata,
        is_source,
        is_target,
        created_at,
        updated_at,
    ) = row
    return Asset(
        id=asset_id,
        type=kind,
        name=name,
        qualified_name=qualified,
        database=database,
        schema=schema,
        connection=connection,
        metadata=_json_value(metadata) or {},
        is_source=bool(is_source),
        is_target=bool(is_target),
        created_at=created_at,
        updated_at=updated_at,
    )


def _edge_from_row(row: tuple) -> Edge:
    (
        edge_id,
        source,
        target,
        job,
        location,
        op,
        trigger,
        kind,
        logic,
        columns,
        run_id,
        executed_at,
        count,
        active,
        created_at,
    ) = row
    return Edge(
        id=edge_id,
        source=source,
        target=target,
        job=job or None,
        code_location=location or None,
        op=op or None,
        trigger=trigger,
        transformation_type=kind,
        transformation_logic=logic,
        columns=[EdgeColumn.model_validate(c) for c in _json_value(columns) or []],
        last_run_id=run_id,
        last_execution_at=executed_at,
        execution_count=count,
        active=bool(active),
        created_at=created_at,
    )


def _profile_from_row(row: tuple) -> TableProfile:
    profile_id, body = row
    data = _json_value(body)
    profile = TableProfile.model_validate(data)
    return profile.model_copy(update={"profile_id": profile_id})


def _impact_model(
    root_id: int,
    root_name: str,
    max_depth: int,
    depth_counts: Sequence[int],
    contexts: Sequence[tuple[int, str]],
    jobs: Mapping[int, tuple[str, str]],
    page: Sequence[tuple[int, int]],
    info: Mapping[int, tuple[str, str, str]],
    *,
    offset: int,
    limit: int,
    cached: bool,
    computed_at: Any,
) -> ImpactAnalysis:
    ops: dict[tuple[str, str], set[str]] = defaultdict(set)
    for job_id, op in contexts:
        location, job = jobs.get(job_id, ("", ""))
        if not job:
            continue
        bucket = ops[(location, job)]
        if op:
            bucket.add(op)
    affected = [
        AffectedJob(
            workflow_id=job,
            workflow_name=job,
            code_location=location or None,
            workspace_name=location or None,
            ops=sorted(op_names),
        )
        for (location, job), op_names in sorted(
            ops.items(), key=lambda item: (item[0][1], item[0][0])
        )
    ]
    counts = {depth: count for depth, count in enumerate(depth_counts, start=1) if count}
    nodes = [
        GraphNode(
            id=str(asset_id),
            name=info[asset_id][0],
            qualified_name=info[asset_id][1],
            type=info[asset_id][2],
            depth=depth,
        )
        for asset_id, depth in page
    ]
    return ImpactAnalysis(
        asset_id=str(root_id),
        asset=root_name,
        max_depth=max_depth,
        downstream_assets=nodes,
        affected_workflows=affected,
        code_locations=sorted({a.code_location for a in affected if a.code_location}),
        counts_by_depth=counts,
        total_impacted_assets=sum(depth_counts),
        total_impacted_workflows=len(affected),
        page_offset=offset,
        page_limit=limit,
        cached=cached,
        computed_at=computed_at,
    )


def _edge_in(edge: EdgeIn | Mapping[str, Any], position: int) -> EdgeIn:
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


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a large result is built, as it was after.

    Building a 200,000-edge graph allocates ~800,000 objects, none of them cyclic garbage; the
    collections they trigger scan the whole heap again and again (~40% of a large walk).
    Reference counting still frees everything; a caller who turned the collector off keeps
    it off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Walks can return hundreds of thousands of edges, and pydantic's ``model_construct`` walks
# every field and alias on each call (~5 us). These set the same four attributes directly,
# from values the store built itself (~0.7 us; edges inline it): the models equal, dump and copy as
# ``model_construct``'s. The field lists are checked against the models at import. Every
# model of a kind shares one fields-set: the models are frozen, and ``model_copy`` copies
# the set before it adds to it.
_NODE_FIELDS = ("id", "name", "qualified_name", "type", "depth")
_EDGE_FIELDS = ("source", "target", "workflow_id", "op", "code_location", "transformation_type")
for _model, _fields in ((GraphNode, _NODE_FIELDS), (GraphEdge, _EDGE_FIELDS)):
    if tuple(_model.model_fields) != _fields:
        raise RuntimeError(f"{_model.__name__} fields changed: update the store's constructor")
_NODE_SET, _EDGE_SET = set(_NODE_FIELDS), set(_EDGE_FIELDS)
_new = object.__new__
_set_attribute = object.__setattr__


def _graph_node(id: str, name: str, qualified_name: str, type: str, depth: int) -> GraphNode:
    node = _new(GraphNode)
    _set_attribute(
        node,
        "__dict__",
        {"id": id, "name": name, "qualified_name": qualified_name, "type": type, "depth": depth},
    )
    _set_attribute(node, "__pydantic_fields_set__", _NODE_SET)
    _set_attribute(node, "__pydantic_extra__", None)
    _set_attribute(node, "__pydantic_private__", None)
    return node


def _lineage_graph(
    direction: Direction,
    root_id: int,
    root_name: str,
    max_depth: int,
    walk: _Walk,
    info: Mapping[int, tuple[str, str, str]],
    jobs: Mapping[int, tuple[str, str]],
) -> LineageGraph:
    # A walk can return hundreds of thousands of edges: ids are turned into text once per
    # asset, job names looked up once per job, models built by _graph_node/_graph_edge.
    text_ids = {asset_id: str(asset_id) for asset_id in info}
    nodes = [
        _graph_node(text_ids[asset_id], *info[asset_id], depth)
        for asset_id, depth in _by_depth_then_name(walk.depths, info)
    ]
    contexts = {job_id: (job or None, location or None) for job_id, (location, job) in jobs.items()}
    no_context = (None, None)
    edges = []
    append = edges.append
    new, set_attribute, fields_set = _new, _set_attribute, _EDGE_SET
    for source_id, target_id, job_id, op, transformation in walk.edges:
        job, location = contexts.get(job_id, no_context)
        # As _graph_node does, inlined: this loop runs once per edge of the answer.
        edge = new(GraphEdge)
        set_attribute(
            edge,
            "__dict__",
            {
                "source": text_ids.get(source_id) or str(source_id),
                "target": text_ids.get(target_id) or str(target_id),
                "workflow_id": job,
                "op": op or None,
                "code_location": location,
                "transformation_type": transformation,
            },
        )
        set_attribute(edge, "__pydantic_fields_set__", fields_set)
        set_attribute(edge, "__pydantic_extra__", None)
        set_attribute(edge, "__pydantic_private__", None)
        append(edge)
    return LineageGraph.model_construct(
        direction=direction,
        root_asset_id=str(root_id),
        root=root_name,
        max_depth=max_depth,
        nodes=nodes,
        edges=edges,
        total_nodes=len(nodes),
        truncated=walk.truncated,
        upstream_count=None,
        downstream_count=None,
    )


def _by_depth_then_name(
    depths: Mapping[int, int], info: Mapping[int, tuple[str, str, str]]
) -> list[tuple[int, int]]:
    """(asset id, depth) ordered by depth, then qualified name."""
    by_depth: dict[int, list[int]] = defaultdict(list)
    for asset_id, depth in depths.items():
        by_depth[depth].append(asset_id)
    names = {asset_id: info[asset_id][1] for asset_id in depths}
    return [
        (asset_id, depth)
        for depth in sorted(by_depth)
        for asset_id in sorted(by_depth[depth], key=names.__getitem__)
    ]


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


def _refresh_method(
    down: Sequence[Sequence[int]],
    up: Sequence[Sequence[int]],
    wanted: Sequence[int],
    edge_count: int,
    depth: int,
) -> Literal["bfs", "bitset"]:
    """Walks per entry or the bitset pass, whichever a sample of walks says is cheaper.

    A walk costs about 0.7 us per asset it reaches; the bitset pass about 2 us per asset and
    edge per level, more where reaches are large (its bitsets are then wide). Measured on
    100,000-asset graphs, the estimate is within 2x of the break-even point.
    """
    n = len(down)
    if len(wanted) <= 64:
        return "bfs"
    if len(wanted) > n // 4:
        return "bitset"
    sample = wanted[:: max(1, len(wanted) // 8)][:8]
    reached = sum(len(bfs_depths(down, v, depth)) + len(bfs_depths(up, v, depth)) for v in sample)
    per_walk = reached / len(sample)
    density = per_walk / (2 * n)
    walks = 0.7 * per_walk * len(wanted)
    bitset = 2.0 * (n + edge_count) * depth * (1 + 4 * density)
    return "bfs" if walks < bitset else "bitset"


@contextmanager
def _second_half(
    up: Sequence[Sequence[int]],
    max_depth: int,
    positions: Sequence[int],
    labels: Sequence[int] | None,
    workers: int,
) -> Iterator[Callable[[Callable[[int], None] | None], _Halves]]:
    """The upstream half of the bitset pass (and, with ``labels``, their downstream union),
    started in a second process when ``workers=2`` (see :mod:`lineage_core.store.reach_worker`);
    yields the function that collects it. With one worker, or if the second process fails,
    that function computes it here instead.
    """

    def here(progress: Callable[[int], None] | None) -> _Halves:
        return upstream_half(up, max_depth, positions, labels, progress)

    if workers == 1:
        yield here
        return
    with tempfile.TemporaryDirectory(prefix="lineage-refresh-") as folder:
        source, target = Path(folder, "input.pickle"), Path(folder, "output.pickle")
        with source.open("wb") as file:
            pickle.dump((up, max_depth, positions, labels), file, pickle.HIGHEST_PROTOCOL)
        with Path(folder, "errors.txt").open("w+b") as errors:
            worker = subprocess.Popen(
                [sys.executable, "-m", "lineage_core.store.reach_worker", str(source), str(target)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
            try:

                def collect(progress: Callable[[int], None] | None) -> _Halves:
                    if worker.wait() == 0:
                        with target.open("rb") as file:
                            counts, union = pickle.load(file)
                        if progress:
                            progress(len(counts))
                        return counts, union
                    errors.seek(0)
                    lines = errors.read().decode(errors="replace").strip().splitlines()
                    _log.warning(
                        "The upstream refresh worker failed (%s); computing here",
                        lines[-1] if lines else f"exit status {worker.returncode}",
                    )
                    return here(progress)

                yield collect
            finally:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()


class _JobCounter:
    """The number of distinct jobs among the contexts whose bits are set.

    A full refresh counts an entry per asset, each over up to thousands of contexts. With few
    jobs, one AND per job against the job's mask of contexts is cheapest; with many, the set
    bytes are mapped to job bits through masks cached on first use.
    """

    def __init__(self, positions: Mapping[tuple[int, str], int]) -> None:
        jobs: dict[int, int] = {}
        self._job_bit: dict[int, int] = {}
        by_job: dict[int, int] = defaultdict(int)
        for (job_id, _), position in sorted(positions.items(), key=lambda item: item[1]):
            self._job_bit[position] = 1 << jobs.setdefault(job_id, len(jobs))
            by_job[job_id] |= 1 << position
        self._job_masks = list(by_job.values())
        width = (max(positions.values(), default=0) + 8) // 8  # bytes of the widest entry
        self._by_mask = len(self._job_masks) <= width
        self._masks: dict[int, int] = {}

    def __call__(self, bits: int) -> int:
        if self._by_mask:
            return sum(1 for mask in self._job_masks if bits & mask)
        job_bits = 0
        masks = self._masks
        for offset, byte in enumerate(bits.to_bytes((bits.bit_length() + 7) // 8, "little")):
            if not byte:
                continue
            mask = masks.get(offset << 8 | byte)
            if mask is None:
                mask = 0
                for i in range(8):
                    if byte >> i & 1:
                        mask |= self._job_bit.get(offset * 8 + i, 0)
                masks[offset << 8 | byte] = mask
            job_bits |= mask
        return job_bits.bit_count()


def _depth_counts(depths: Mapping[int, int], max_depth: int) -> list[int]:
    counts = [0] * max_depth
    for depth in depths.values():
        counts[depth - 1] += 1
    return _trim(counts)


def _trim(counts: list[int]) -> list[int]:
    counts = list(counts)
    while counts and counts[-1] == 0:
        counts.pop()
    return counts


def _sortable_time(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _edition(value: Edition | str) -> Edition:
    try:
        return Edition(value)
    except ValueError:
        raise InvalidArgument(f"Unknown edition {value!r}; use 'standard' or 'premium'") from None


def _tenant_name(name: str) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 200:
        raise InvalidArgument("A tenant name must have 1 to 200 characters")
    return name


__all__ = ["Backend", "LineageStore", "Session"]
