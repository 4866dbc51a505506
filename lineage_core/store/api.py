"""``LineageStore``: the one object callers hold, for one tenant over one backend.

It owns the lifecycle (closing, tenant views, transactions) and the edition gate, and
delegates each question to the module of its concern: :mod:`~lineage_core.store.tenants`,
:mod:`~lineage_core.store.catalog` (assets, stored edges, job references),
:mod:`~lineage_core.store.writes`, :mod:`~lineage_core.store.walks`,
:mod:`~lineage_core.store.impact`, :mod:`~lineage_core.store.cache`,
:mod:`~lineage_core.store.refresh`, :mod:`~lineage_core.store.history`,
:mod:`~lineage_core.store.alerts`, and for lineage over time
:mod:`~lineage_core.store.edge_history`, :mod:`~lineage_core.store.as_of` and
:mod:`~lineage_core.store.diff`. The methods here are the public surface and say what each
answer means; how it is computed is in those modules.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal

from lineage_core.models import (
    DEFAULT_MAX_DEPTH,
    ApiToken,
    Asset,
    AssetColumns,
    AssetDetail,
    ColumnLink,
    Edge,
    EdgeColumn,
    EdgeIn,
    EdgeInterval,
    Edition,
    GraphEdge,
    ImpactAnalysis,
    JobAssets,
    JobReference,
    LineageDiff,
    LineageGraph,
    RecordResult,
    RefreshResult,
    TableProfile,
    Tenant,
    WorkflowAsset,
)
from lineage_core.names import normalise_name
from lineage_core.store import alerts as alert_records
from lineage_core.store import as_of as as_of_walks
from lineage_core.store import cache, catalog, explorer, history, impact, refresh, tenants, walks
from lineage_core.store import diff as lineage_diff
from lineage_core.store import edge_history as active_intervals
from lineage_core.store import keys as asset_keys
from lineage_core.store import openlineage as openlineage_events
from lineage_core.store import tokens as api_tokens
from lineage_core.store import writes as edge_writes
from lineage_core.store.backends.base import Backend
from lineage_core.store.context import StoreContext, now
from lineage_core.store.held import GraphHolder
from lineage_core.store.walks import DEFAULT_MAX_NODES
from lineage_core.timestamps import Moment, earlier, parse_timestamp

DEFAULT_TIMEOUT_SECONDS = 30.0


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
        hold_graph: int = 0,
    ) -> None:
        """``hold_graph`` (for long-lived processes that walk often, such as a server): hold
        the tenant's graph in memory while it has at most this many active edges, and walk
        that copy whenever it is of the current graph version (see
        :mod:`lineage_core.store.held`); 0 walks the database only."""
        self.backend = backend
        self._owns_backend = owns_backend
        self._ctx = StoreContext(backend, tenant=tenant, timeout=timeout)
        if hold_graph > 0:
            self._ctx.held = GraphHolder(self._ctx, hold_graph)
        self.tenant: str = tenant
        # Every holder of this store and its tenant views: closed before the backend, so no
        # load runs on a closed backend.
        self._holders: weakref.WeakSet[GraphHolder] = weakref.WeakSet()
        if self._ctx.held is not None:
            self._holders.add(self._ctx.held)

    @property
    def timeout(self) -> float:
        """Time limit of one lineage query, in seconds."""
        return self._ctx.timeout

    @timeout.setter
    def timeout(self, seconds: float) -> None:
        self._ctx.timeout = seconds

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        for holder in list(self._holders):
            holder.close()
        if self._owns_backend:
            self.backend.close()

    def __enter__(self) -> LineageStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def with_tenant(self, tenant: str) -> LineageStore:
        """The same store seen as another tenant; closing the view leaves the backend open."""
        view = LineageStore(
            self.backend,
            tenant=tenant,
            timeout=self.timeout,
            owns_backend=False,
            hold_graph=self._ctx.held.max_edges if self._ctx.held is not None else 0,
        )
        if view._ctx.held is not None:
            self._holders.add(view._ctx.held)
        return view

    def load_graph(self) -> bool:
        """Load the graph held in memory now, in this thread, rather than in the background
        after the next walk (so that the first walks are answered from memory too); True
        when it is held, False when the store does not hold its graph or the graph has more
        active edges than ``hold_graph``."""
        if self._ctx.held is None:
            return False
        with self._ctx.session() as session:
            self._ctx.require_lineage(session)
        return self._ctx.held.load() is not None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run several writes (``record_edges``, ``retire_unconfirmed_edges``,
        ``record_execution``, ...) in one transaction: all committed together, or none."""
        with self._ctx.transaction():
            yield

    @contextmanager
    def _lineage_session(self, *, write: bool = False):
        """A session of a lineage feature: refused unless the tenant is premium."""
        with self._ctx.session(write=write) as session:
            self._ctx.require_lineage(session)
            yield session

    # -- tenants -------------------------------------------------------------------------

    def tenants(self) -> list[Tenant]:
        return tenants.tenants(self._ctx)

    def create_tenant(self, name: str, *, edition: Edition | str = Edition.STANDARD) -> Tenant:
        """Make a tenant (a name of 1 to 63 letters, digits, ``_`` or ``-``); an operator's
        command, refused with ``OperatorOnly`` to a store opened for a standard tenant."""
        return tenants.create_tenant(self._ctx, name, edition)

    def set_edition(self, name: str, edition: Edition | str) -> Tenant:
        """Move a tenant to another edition; an operator's command, as ``create_tenant``."""
        return tenants.set_edition(self._ctx, name, edition)

    def edition(self) -> Edition:
        return tenants.edition(self._ctx)

    def require_lineage(self) -> None:
        """Raise ``LineageNotEnabled`` unless the tenant is premium: for callers about to do
        costly work (profiling a table) before their first lineage call would refuse."""
        tenants.require_lineage(self._ctx)

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
        with self._lineage_session(write=True) as session:
            return catalog.upsert_asset(
                self._ctx, session, name, type=type, connection=connection, metadata=metadata
            )

    def get_asset(self, name: str) -> Asset:
        with self._lineage_session() as session:
            return catalog.asset(self._ctx, session, normalise_name(name))

    def assets(
        self, *, search: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[Asset]:
        """Assets by name; ``search`` matches any part of the qualified name, case-insensitively."""
        with self._lineage_session() as session:
            return catalog.assets(self._ctx, session, search=search, limit=limit, offset=offset)

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
        items = edge_writes.validated_edges(edges)
        if not items:
            with self._lineage_session():
                return RecordResult()
        with self._lineage_session(write=True) as session:
            result = edge_writes.record(self._ctx, session, items, progress)
        edge_writes.analyze_if_grown(self._ctx, result.edges_created)
        return result

    def record_assets(self, *, sources: Iterable[str] = (), targets: Iterable[str] = ()) -> int:
        """Make tables known assets without edges (a table a run wrote from no source, a
        table only read); names are normalised. Returns how many were new."""
        sources = [normalise_name(name) for name in sources]
        targets = [normalise_name(name) for name in targets]
        with self._lineage_session(write=True) as session:
            return edge_writes.record_assets(self._ctx, session, sources, targets)

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
        with self._lineage_session(write=True) as session:
            return edge_writes.remove(
                self._ctx, session, source, target, job=job, op=op, code_location=code_location
            )

    def remove_asset(
        self, name: str, *, with_edges: bool = False, dry_run: bool = False
    ) -> list[Edge]:
        """Delete an asset with its profiles and impact cache entry; returns the edges removed.

        An asset that edges touch (retired ones included) is refused with ``AssetHasEdges``
        unless ``with_edges``: then its edges are deleted too, marking stale the cache entries
        they change, as ``remove_edges`` does. ``dry_run`` returns what would go, changing
        nothing.
        """
        with self._lineage_session(write=not dry_run) as session:
            return edge_writes.remove_asset(
                self._ctx, session, name, with_edges=with_edges, dry_run=dry_run
            )

    def retire_edges(self, edge_ids: Sequence[int]) -> int:
        """Mark edges inactive (history kept); walks and impact ignore inactive edges."""
        if not edge_ids:
            return 0
        with self._lineage_session(write=True) as session:
            return edge_writes.retire_by_ids(self._ctx, session, edge_ids)

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
        with self._lineage_session() as session:
            stale = edge_writes.unconfirmed_edges(
                self._ctx, session, job=job, code_location=code_location, writes=writes,
                as_of=as_of,
            )  # fmt: skip
        if not stale:
            return 0
        with self._ctx.session(write=True) as session:
            return edge_writes.retire(self._ctx, session, stale)

    def edges(
        self, name: str | None = None, *, include_retired: bool = False, limit: int = 10_000
    ) -> list[Edge]:
        """Stored edges touching ``name`` (or all), with their Dagster context."""
        with self._lineage_session() as session:
            return catalog.edges(
                self._ctx, session, name, include_retired=include_retired, limit=limit
            )

    # -- traversal -----------------------------------------------------------------------

    def upstream(
        self,
        name: str,
        max_depth: int = DEFAULT_MAX_DEPTH,
        *,
        max_nodes: int = DEFAULT_MAX_NODES,
        as_of: Moment | None = None,
    ) -> LineageGraph:
        """Assets whose data flows into ``name``, each once at its shortest depth.

        ``as_of`` (a time, or a date: see :func:`~lineage_core.timestamps.parse_timestamp`)
        walks the edges that were active then instead of those active now.
        """
        if as_of is not None:
            at = parse_timestamp(as_of, "as_of")
            return as_of_walks.graph(self._ctx, name, "upstream", max_depth, max_nodes, at)
        return walks.graph(self._ctx, name, "upstream", max_depth, max_nodes)

    def downstream(
        self,
        name: str,
        max_depth: int = DEFAULT_MAX_DEPTH,
        *,
        max_nodes: int = DEFAULT_MAX_NODES,
        as_of: Moment | None = None,
    ) -> LineageGraph:
        """Assets fed by ``name``, each once at its shortest depth; ``as_of`` as ``upstream``."""
        if as_of is not None:
            at = parse_timestamp(as_of, "as_of")
            return as_of_walks.graph(self._ctx, name, "downstream", max_depth, max_nodes, at)
        return walks.graph(self._ctx, name, "downstream", max_depth, max_nodes)

    def full(
        self,
        name: str,
        max_depth: int = DEFAULT_MAX_DEPTH,
        *,
        max_nodes: int = DEFAULT_MAX_NODES,
        as_of: Moment | None = None,
    ) -> LineageGraph:
        """Upstream and downstream together; an asset on both sides (a cycle) appears once.

        Each node's ``direction`` says which walk reached it: ``upstream``, ``downstream``, or
        ``both`` for an asset on a cycle through ``name``. ``as_of`` as ``upstream``.
        """
        up = self.upstream(name, max_depth, max_nodes=max_nodes, as_of=as_of)
        down = self.downstream(name, max_depth, max_nodes=max_nodes, as_of=as_of)
        return walks.full(up, down, max_depth)

    # -- impact --------------------------------------------------------------------------

    def impact(
        self,
        name: str,
        *,
        max_depth: int = DEFAULT_MAX_DEPTH,
        live: bool = False,
        limit: int = 100,
        offset: int = 0,
        as_of: Moment | None = None,
    ) -> ImpactAnalysis:
        """What breaks if ``name`` changes: downstream assets, and the jobs that touch them.

        The counts and jobs come from the impact cache when its entry is fresh (and the
        depth is the cache's); otherwise, or with ``live=True``, they are computed now. The
        asset list is a page (``offset``, ``limit``) ordered by depth, then name. ``as_of``
        (as ``upstream``) answers over the edges active then, always computed, never cached.
        """
        if as_of is not None:
            at = parse_timestamp(as_of, "as_of")
            return as_of_walks.impact(
                self._ctx, name, max_depth=max_depth, limit=limit, offset=offset, at=at
            )
        return impact.impact(
            self._ctx, name, max_depth=max_depth, live=live, limit=limit, offset=offset
        )

    # -- lineage over time ---------------------------------------------------------------

    def diff(
        self,
        name: str,
        *,
        since: Moment | None = None,
        until: Moment | None = None,
        max_depth: int = DEFAULT_MAX_DEPTH,
        direction: Literal["downstream", "upstream"] = "downstream",
    ) -> LineageDiff:
        """What changed in the downstream (or upstream) of ``name`` from ``since`` to
        ``until``: the assets and edges added and removed, each with when.

        ``until`` defaults to now, ``since`` to seven days before ``until``; both take what
        ``as_of`` takes. Changes are net: an edge retired and recorded again in between is
        none. A ``since`` after ``until`` gives the same changes the other way round.
        """
        end = parse_timestamp(until, "until") if until is not None else now()
        start = (
            parse_timestamp(since, "since")
            if since is not None
            else earlier(end, lineage_diff.WINDOW)
        )
        return lineage_diff.diff(
            self._ctx, name, since=start, until=end, max_depth=max_depth, direction=direction
        )

    def edge_intervals(self, edge_id: int) -> list[EdgeInterval]:
        """When one stored edge of this tenant was active, oldest first: one interval from
        its first sighting to its retirement, and one more per re-activation (none for an
        edge of another tenant, or no edge)."""
        with self._lineage_session() as session:
            return active_intervals.intervals(self._ctx, session, edge_id)

    # -- impact cache --------------------------------------------------------------------

    def stale_cache_entries(self) -> int:
        """Assets whose cache entry is stale or missing."""
        with self._lineage_session() as session:
            return cache.stale_entries(self._ctx, session)

    def refresh_impact_cache(
        self,
        *,
        stale_only: bool = True,
        method: Literal["auto", "bfs", "bitset"] = "auto",
        progress: Callable[[str, int, int], None] | None = None,
        workers: int | None = None,
    ) -> RefreshResult:
        """Recompute cache entries: stale and missing ones by default, every one on request.

        ``method`` forces the per-entry walks or the bitset pass (both give the same
        entries); ``workers=2`` runs the bitset pass's upstream half in a second process
        (by default that happens on large graphs when there is a second CPU).
        """
        return refresh.refresh_impact_cache(
            self._ctx, stale_only=stale_only, method=method, progress=progress, workers=workers
        )

    def impact_summaries(self, names: Iterable[str]) -> dict[str, dict[str, int]]:
        """Cached counts of the named assets with a fresh entry (others are left out)."""
        with self._lineage_session() as session:
            return cache.summaries(self._ctx, session, names)

    def largest_impacts(self, limit: int = 10) -> list[tuple[str, int, int]]:
        """(asset, downstream count, job count) of the largest cached impacts."""
        with self._lineage_session() as session:
            return cache.largest(self._ctx, session, limit)

    def assets_over_threshold(self, threshold: int) -> list[tuple[str, int, int]]:
        """(asset, downstream count, job count) of fresh cache entries at or over ``threshold``."""
        with self._lineage_session() as session:
            return cache.over_threshold(self._ctx, session, threshold)

    # -- asset keys ------------------------------------------------------------------------

    def record_asset_keys(
        self, tables: Mapping[str, str], *, code_location: str | None = None
    ) -> None:
        """Remember the table each asset key names, as the code location defining the asset
        declared it; keys are Dagster's user strings (``a/b/c``), tables are normalised."""
        normalised = {key: normalise_name(table) for key, table in tables.items()}
        if not normalised:
            return
        with self._lineage_session(write=True) as session:
            asset_keys.record_asset_keys(self._ctx, session, normalised, code_location)

    def tables_of_asset_keys(self, keys: Iterable[str]) -> dict[str, str]:
        """The tables that code locations declared for these asset keys (others left out)."""
        with self._lineage_session() as session:
            return asset_keys.tables_of_asset_keys(self._ctx, session, keys)

    # -- Dagster jobs ----------------------------------------------------------------------

    def jobs_for_asset(self, name: str) -> list[JobReference]:
        """The Dagster jobs and ops that read or write ``name``, with their last run."""
        with self._lineage_session() as session:
            return catalog.jobs_for_asset(self._ctx, session, name)

    def job_assets(self, job: str, *, code_location: str | None = None) -> JobAssets:
        """The tables a Dagster job reads and writes."""
        with self._lineage_session() as session:
            return catalog.job_assets(self._ctx, session, job, code_location=code_location)

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
        notes: Sequence[str] = (),
        started_at: datetime | None = None,
        completed_at: datetime | None = None,
    ) -> None:
        """One row per (run, kind of capture); recording it again replaces it.

        ``errors`` are problems with what the run declared; ``notes`` say what was captured
        and why anything was not (steps taken from a parent run, a failed step's writes).
        """
        with self._ctx.session(write=True) as session:
            history.record_execution(
                self._ctx, session, run_id=run_id, execution_type=execution_type, job=job,
                code_location=code_location, status=status, assets_discovered=assets_discovered,
                edges_created=edges_created, errors=errors, notes=notes, started_at=started_at,
                completed_at=completed_at,
            )  # fmt: skip

    def executions(self, *, limit: int = 100) -> list[dict[str, Any]]:
        """Recorded captures of runs, newest first."""
        with self._ctx.session() as session:
            return history.executions(self._ctx, session, limit)

    def add_profile(self, profile: TableProfile) -> TableProfile:
        """Store a profile (creating the asset if needed) with its drift from the previous one."""
        with self._lineage_session(write=True) as session:
            return history.add_profile(self._ctx, session, profile)

    def profiles(self, name: str, *, limit: int = 10) -> list[TableProfile]:
        """Profile history of a table, newest first."""
        with self._lineage_session() as session:
            return history.profiles(self._ctx, session, name, limit)

    def schema_changes_after(
        self, profile_id: int, *, limit: int = 1000
    ) -> list[tuple[int, str, TableProfile]]:
        """Profiles with schema drift recorded after ``profile_id``, oldest first."""
        with self._lineage_session() as session:
            return history.schema_changes_after(self._ctx, session, profile_id, limit)

    def last_profile_id(self) -> int:
        with self._ctx.session() as session:
            return history.last_profile_id(self._ctx, session)

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
        with self._lineage_session(write=True) as session:
            return alert_records.claim(
                self._ctx, session, dedup_key, kind=kind, body=body, asset=asset, status=status
            )

    def finish_alert(self, dedup_key: str, *, status: str, deliveries: Mapping[str, Any]) -> None:
        with self._ctx.session(write=True) as session:
            alert_records.finish(self._ctx, session, dedup_key, status, deliveries)

    def resolve_alert(self, dedup_key: str) -> None:
        """Close an alert so that the same condition, if it comes back, alerts again."""
        with self._ctx.session(write=True) as session:
            alert_records.resolve(self._ctx, session, dedup_key)

    def alerts(self, *, kind: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Recorded alerts, newest first."""
        with self._ctx.session() as session:
            return alert_records.alerts(self._ctx, session, kind, limit)

    def open_alerts(self, kind: str) -> dict[str, str]:
        """Dedup key -> asset of the alerts of ``kind`` not yet resolved."""
        with self._ctx.session() as session:
            return alert_records.open_alerts(self._ctx, session, kind)

    def record_alert(
        self,
        dedup_key: str,
        *,
        kind: str,
        body: Mapping[str, Any],
        asset: str | None = None,
        sinks: Mapping[str, int],
    ) -> bool:
        """Record an alert once per deduplication key, with a pending delivery to each of
        ``sinks`` (sink -> attempts allowed) while the alert is pending; True if the key is new.

        Recording again is harmless: an existing alert or delivery is kept as it is.
        """
        with self._ctx.session(write=True) as session:
            return alert_records.record(
                self._ctx, session, dedup_key, kind=kind, body=body, asset=asset, sinks=sinks
            )

    def claim_alert_deliveries(
        self,
        *,
        sinks: Sequence[str],
        lease_seconds: float,
        limit: int = 100,
        dedup_key: str | None = None,
    ) -> list[alert_records.DeliveryClaim]:
        """Take up to ``limit`` due deliveries to ``sinks`` (of pending alerts; of one key if
        given) whose lease is free: each gains an attempt and a lease of ``lease_seconds``.

        One atomic UPDATE: of any number of concurrent claimers, exactly one gets each
        attempt. A delivery is due once its backoff has passed, while attempts are left.
        """
        with self._ctx.session(write=True) as session:
            return alert_records.claim_deliveries(
                self._ctx, session, sinks=sinks, lease_seconds=lease_seconds, limit=limit,
                dedup_key=dedup_key,
            )  # fmt: skip

    def start_alert_deliveries(
        self, claims: Sequence[alert_records.DeliveryClaim], *, lease_seconds: float
    ) -> list[alert_records.DeliveryClaim]:
        """The claims whose attempt is still their delivery's current one, with the lease
        extended to ``lease_seconds`` from now; a claim that a later attempt took over, or
        whose delivery is settled, is left out (its holder must not deliver)."""
        with self._ctx.session(write=True) as session:
            return alert_records.start_deliveries(self._ctx, session, claims, lease_seconds)

    def finish_alert_deliveries(
        self,
        claims: Sequence[alert_records.DeliveryClaim],
        *,
        delivered: bool,
        detail: str,
        backoff_seconds: float,
    ) -> list[str]:
        """Record how the claims' attempts went, for those still current, and free their
        leases: delivered; or failed and due again after ``backoff_seconds * 2 ** (attempt -
        1)`` (at most an hour); or, on the last attempt allowed, failed for good.

        Returns each claim's new status: ``delivered``, ``pending`` (to be retried),
        ``failed``, or ``superseded`` when its attempt was no longer current.
        """
        with self._ctx.session(write=True) as session:
            return alert_records.finish_deliveries(
                self._ctx, session, claims, delivered=delivered, detail=detail,
                backoff_seconds=backoff_seconds,
            )  # fmt: skip

    def fail_abandoned_alert_deliveries(self) -> list[str]:
        """Fail for good the deliveries whose last attempt allowed was claimed and never
        finished before its lease ran out; returns the keys of their alerts."""
        with self._ctx.session(write=True) as session:
            return alert_records.fail_abandoned(self._ctx, session)

    def alert_deliveries(
        self, *, dedup_key: str | None = None, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """Deliveries (of one alert, or all), newest alert first: sink, status, attempts,
        attempts allowed, last detail, lease and when the next attempt may start."""
        with self._ctx.session() as session:
            return alert_records.deliveries(self._ctx, session, dedup_key, limit)

    # -- tokens --------------------------------------------------------------------------

    def create_token(self, name: str, *, tenant: str | None = None) -> tuple[ApiToken, str]:
        """Make a bearer token of the explorer's HTTP API for ``tenant`` (default: this
        store's); returns it and its secret, which exists only now (the store keeps a hash).

        An operator's command, as ``create_tenant`` is; a live token of the same name and
        tenant is refused with ``TokenExists``.
        """
        return api_tokens.create_token(self._ctx, name, tenant)

    def tokens(self, *, tenant: str | None = None) -> list[ApiToken]:
        """Every API token (of ``tenant``, or of all), revoked ones included; an operator's
        command. Never the tokens themselves."""
        return api_tokens.tokens(self._ctx, tenant)

    def revoke_token(self, name: str, *, tenant: str | None = None) -> ApiToken:
        """Revoke the live token ``name`` of ``tenant`` (default: this store's) at once;
        an operator's command. ``TokenNotFound`` when there is none."""
        return api_tokens.revoke_token(self._ctx, name, tenant)

    def authenticate(self, token: str) -> api_tokens.Credential | None:
        """The live token ``token`` is, with its tenant's edition; None when it is unknown,
        malformed or revoked. Any tenant's store answers: the token names its tenant."""
        return api_tokens.authenticate(self._ctx, token)

    # -- explorer ------------------------------------------------------------------------

    def find_asset(self, reference: str) -> Asset:
        """The asset an explorer path names: digits are an asset id first (of this tenant),
        anything else a qualified name; ``AssetNotFound`` with the closest names."""
        with self._lineage_session() as session:
            return explorer.find_asset(self._ctx, session, reference)

    def asset_detail(self, reference: str) -> AssetDetail:
        """The asset (as ``find_asset``) with its Dagster asset key and last writing run."""
        with self._lineage_session() as session:
            found = explorer.find_asset(self._ctx, session, reference)
            return explorer.asset_detail(self._ctx, session, found)

    def edges_of(
        self,
        name: str,
        *,
        direction: explorer.EdgeDirection = "both",
        include_retired: bool = False,
        limit: int = 10_000,
    ) -> list[Edge]:
        """Stored edges into (``in``), out of (``out``) or both ways of ``name``."""
        with self._lineage_session() as session:
            return explorer.edges_of(
                self._ctx, session, name, direction, include_retired=include_retired, limit=limit
            )

    def column_links(self, name: str) -> tuple[list[ColumnLink], list[ColumnLink]]:
        """The column links of the active edges into ``name`` and out of it."""
        with self._lineage_session() as session:
            found = explorer.edges_of(
                self._ctx, session, name, "both", include_retired=False, limit=10_000
            )
        return explorer.column_links(found, normalise_name(name))

    def asset_columns(self, name: str) -> AssetColumns:
        """``column_links`` under the table's name: what the explorer and ``lineage columns``
        answer, so that both give one shape."""
        incoming, outgoing = self.column_links(name)
        return AssetColumns(asset=normalise_name(name), incoming=incoming, outgoing=outgoing)

    def edge_columns(self, edges: Sequence[GraphEdge]) -> list[list[EdgeColumn]]:
        """The column mappings of each of a walk's ``edges``, in their order (an edge without
        any, or no longer stored, has none): an export's columns, read a few thousand
        edges' sources at a time rather than an edge at a time."""
        if not edges:
            return []
        with self._lineage_session() as session:
            return explorer.edge_columns(self._ctx, session, edges)

    def edge(self, edge_id: int) -> Edge:
        """One stored edge of this tenant by id (retired ones included); ``NotFound``."""
        with self._lineage_session() as session:
            return explorer.edge(self._ctx, session, edge_id)

    def failed_writes(self, asset_ids: Sequence[int]) -> list[int]:
        """The assets among ``asset_ids`` (of this tenant) whose last writing run failed
        before writing them, in the order given."""
        if not asset_ids:
            return []
        with self._lineage_session() as session:
            return explorer.failed_writes(self._ctx, session, asset_ids)

    def workflow_assets(
        self, job: str, *, code_location: str | None = None
    ) -> tuple[JobAssets, list[WorkflowAsset]]:
        """The tables a Dagster job reads and writes, and the same tables as assets."""
        with self._lineage_session() as session:
            return explorer.workflow_assets(self._ctx, session, job, code_location)

    def capture_feed(
        self, after: int | None, *, known: Collection[int] = (), limit: int = 100
    ) -> tuple[int, int, list[dict[str, Any]]]:
        """(graph version, latest capture id, captures with an id above ``after`` and not in
        ``known``, oldest first), for a poller; ``after=None`` gives where the feed is, and
        no captures. Each capture is an execution row (``id``, ``run_id``, ``job``, ...)
        with the ``assets`` at either end of the edges its run recorded last."""
        with self._lineage_session() as session:
            version = explorer.graph_version(self._ctx, session)
            if after is None:
                return version, explorer.last_capture_id(self._ctx, session), []
            captures = explorer.captures_after(self._ctx, session, after, known, limit)
        last = max((capture["id"] for capture in captures), default=after)
        return version, last, captures

    # -- OpenLineage ------------------------------------------------------------------------

    def add_openlineage_event(
        self,
        *,
        lineage_run_id: str,
        run_id: str,
        digest: str,
        event_type: str,
        event_time: datetime,
        said: Mapping[str, Any],
    ) -> list[tuple[str, str, datetime, dict[str, Any]]]:
        """Keep what one OpenLineage event of ``lineage_run_id`` said (once per ``digest``)
        and return (run id, event type, time, what it said) of every event of that run,
        oldest first. Inside ``transaction()`` the run stays locked until it commits, so a
        caller that records the run from these events cannot miss a concurrent one."""
        with self._lineage_session(write=True) as session:
            return openlineage_events.add_run_event(
                self._ctx, session, lineage_run_id=lineage_run_id, run_id=run_id,
                digest=digest, event_type=event_type, event_time=event_time, said=said,
            )  # fmt: skip

    def prune_openlineage_events(
        self, *, before: Moment, dry_run: bool = False
    ) -> openlineage_events.OpenLineagePruneResult:
        """Delete the kept OpenLineage events of every run of this tenant none of whose
        events was received since ``before`` (a time or a date, as ``upstream``'s
        ``as_of``); returns how many events of how many runs went. ``dry_run`` counts them
        and deletes nothing.

        The events are kept only to merge a run's next event with; the edges and execution
        rows recorded from them stay as they are. A run still sending events (a resent one
        counts) is never idle. An event that arrives for a pruned run goes on from its
        execution row: its status, times, errors and notes, and its edges' columns, are
        kept. Maintenance, not a lineage feature: allowed on any edition.
        """
        at = parse_timestamp(before, "before")
        return openlineage_events.prune(self._ctx, before=at, dry_run=dry_run)

    def run_edges(self, run_id: str, *, job: str, code_location: str | None = None) -> list[Edge]:
        """The stored edges one run of ``job`` recorded (retired ones too), whichever run
        recorded them last."""
        with self._lineage_session() as session:
            return openlineage_events.run_edges(
                self._ctx, session, run_id, job=job, code_location=code_location
            )
