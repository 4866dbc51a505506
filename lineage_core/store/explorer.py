"""What the explorer's HTTP API reads beside walks and impact.

An asset by id (with the Dagster asset key a code location declared for it and its last
writing run), the stored edges and column links of one asset, the column mappings of a
walk's edges (for exports), the tables whose last writing run failed among a page of assets,
a job's tables as assets, and the feed of new captures that the live channel polls. Every
query is scoped to the context's tenant: an id of another tenant's asset or edge is unknown
here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any, Literal

from lineage_core.errors import NotFound
from lineage_core.models import (
    Asset,
    AssetDetail,
    ColumnLink,
    Edge,
    EdgeColumn,
    GraphEdge,
    JobAssets,
    LastWrite,
    WorkflowAsset,
)
from lineage_core.names import normalise_name
from lineage_core.store.backends.base import Session
from lineage_core.store.catalog import asset, asset_id, job_assets
from lineage_core.store.context import StoreContext, chunks
from lineage_core.store.rows import asset_from_row, edge_from_row

EdgeDirection = Literal["in", "out", "both"]
FAILED = "FAILURE"  # the Dagster run status of a failed run
_RUN_ASSETS_LIMIT = 1_000  # names per run in the live channel's events


def find_asset(ctx: StoreContext, session: Session, reference: str) -> Asset:
    """The asset an API path names: digits are an asset id first, then a name; anything
    else is a qualified name (normalised)."""
    if reference.isascii() and reference.isdigit():
        row = session.fetch_one("select_asset_by_id", ctx.params(id=int(reference)))
        if row is not None:
            return asset_from_row(row)
    return asset(ctx, session, normalise_name(reference))


def asset_detail(ctx: StoreContext, session: Session, found: Asset) -> AssetDetail:
    key = session.fetch_one("select_asset_key_of_asset", ctx.params(asset_id=found.id))
    last = last_writes(ctx, session, [found.id]).get(found.id)
    return AssetDetail(**dict(found), dagster_asset_key=key[0] if key else None, last_write=last)


def last_writes(ctx: StoreContext, session: Session, ids: Iterable[int]) -> dict[int, LastWrite]:
    """Asset id -> the latest captured run of a job writing it (assets no job writes are
    left out)."""
    found: dict[int, LastWrite] = {}
    for batch in chunks(sorted(set(ids))):
        rows = session.fetch_all("select_last_writes", ctx.params(ids=session.array(batch)))
        for written_id, run_id, job, location, status, at, written in rows:
            found[written_id] = LastWrite(
                run_id=run_id,
                job=job or None,
                code_location=location or None,
                status=status,
                at=at,
                written=bool(written),
            )
    return found


def failed_writes(ctx: StoreContext, session: Session, ids: Sequence[int]) -> list[int]:
    """The ids among ``ids`` whose last writing run failed without writing them (they are
    stale), in the order given."""
    writes = last_writes(ctx, session, ids)
    return [
        found
        for found in ids
        if (last := writes.get(found)) is not None and last.status == FAILED and not last.written
    ]


def edges_of(
    ctx: StoreContext,
    session: Session,
    name: str,
    direction: EdgeDirection,
    *,
    include_retired: bool,
    limit: int,
) -> list[Edge]:
    """Stored edges into (``in``), out of (``out``) or both ways of one asset."""
    found, _ = asset_id(ctx, session, name)
    return _picked_edges(
        ctx, session, asset_id=found, incoming=direction in ("in", "both"),
        outgoing=direction in ("out", "both"), include_retired=include_retired, limit=limit,
    )  # fmt: skip


def _picked_edges(
    ctx: StoreContext,
    session: Session,
    *,
    edge_id: int | None = None,
    asset_id: int | None = None,
    incoming: bool = False,
    outgoing: bool = False,
    include_retired: bool = True,
    limit: int = 1,
) -> list[Edge]:
    rows = session.fetch_all(
        "select_picked_edges",
        ctx.params(
            edge_id=edge_id, asset_id=asset_id, incoming=incoming, outgoing=outgoing,
            include_retired=include_retired, limit=limit,
        ),
    )  # fmt: skip
    return [edge_from_row(row) for row in rows]


def column_links(edges: Iterable[Edge], name: str) -> tuple[list[ColumnLink], list[ColumnLink]]:
    """The column links of ``edges`` into ``name`` and out of it."""
    incoming: list[ColumnLink] = []
    outgoing: list[ColumnLink] = []
    for edge in edges:
        links = [
            ColumnLink(
                source_table=edge.source,
                source_column=column.source,
                target_table=edge.target,
                target_column=column.target,
                transformation=column.transformation,
                job=edge.job,
                op=edge.op,
                code_location=edge.code_location,
                edge_id=edge.id,
            )
            for column in edge.columns
        ]
        (incoming if edge.target == name else outgoing).extend(links)
    return incoming, outgoing


EdgeKey = tuple[str, str, "str | None", "str | None", "str | None"]


def _edge_key(edge: GraphEdge) -> EdgeKey:
    """What identifies a walk's edge among the stored ones: its ends, job, code location
    and op (the key edges are recorded under)."""
    return (edge.source, edge.target, edge.workflow_id, edge.code_location, edge.op)


def edge_columns(
    ctx: StoreContext, session: Session, edges: Sequence[GraphEdge]
) -> list[list[EdgeColumn]]:
    """The column mappings of each of a walk's edges, in their order.

    The active edges with mappings out of the walk's sources into its targets, a batch of
    sources a query; an edge between two of its assets that the walk did not take is left
    out by its key.
    """
    wanted = {_edge_key(edge) for edge in edges}
    sources = sorted({int(edge.source) for edge in edges})
    targets = session.array(sorted({int(edge.target) for edge in edges}))
    found: dict[EdgeKey, list[EdgeColumn]] = {}
    for batch in chunks(sources):
        rows = session.fetch_all(
            "select_edge_columns", ctx.params(sources=session.array(batch), targets=targets)
        )
        for source_id, target_id, job, location, op, mappings in rows:
            key = (str(source_id), str(target_id), job or None, location or None, op or None)
            if key in wanted:
                found[key] = [EdgeColumn.model_validate(column) for column in mappings]
    return [found.get(_edge_key(edge), []) for edge in edges]


def edge(ctx: StoreContext, session: Session, edge_id: int) -> Edge:
    found = _picked_edges(ctx, session, edge_id=edge_id)
    if not found:
        raise NotFound(f"Unknown edge {edge_id}")
    return found[0]


def workflow_assets(
    ctx: StoreContext, session: Session, job: str, code_location: str | None
) -> tuple[JobAssets, list[WorkflowAsset]]:
    tables = job_assets(ctx, session, job, code_location=code_location)
    names = sorted(set(tables.reads) | set(tables.writes))
    assets: list[WorkflowAsset] = []
    for batch in chunks(names):
        for row in session.fetch_all(
            "select_assets_by_names", ctx.params(names=session.array(batch))
        ):
            found = asset_from_row(row)
            assets.append(
                WorkflowAsset(
                    asset_id=str(found.id),
                    asset_name=found.name,
                    qualified_name=found.qualified_name,
                    asset_type=found.type,
                    is_source=found.is_source,
                    is_target=found.is_target,
                )
            )
    return tables, assets


def last_capture_id(ctx: StoreContext, session: Session) -> int:
    return session.fetch_one("select_last_execution_id", ctx.params())[0]


def graph_version(ctx: StoreContext, session: Session) -> int:
    return session.fetch_one("select_graph_version", ctx.params())[0]


def captures_after(
    ctx: StoreContext, session: Session, after: int, known: Collection[int], limit: int
) -> list[dict[str, Any]]:
    """Captures with an id above ``after`` but not in ``known``, oldest first, each with the
    names of the assets at either end of the edges its run recorded last."""
    captures = []
    for row in session.fetch_all("select_executions_after", ctx.params(after=after, limit=limit)):
        capture_id, run_id, kind, job, location, status, edges, started, completed = row
        if capture_id in known:
            continue
        assets = session.fetch_all(
            "select_run_assets",
            ctx.params(
                run_id=run_id, job=job or "", code_location=location or "", limit=_RUN_ASSETS_LIMIT
            ),
        )
        captures.append(
            {
                "id": capture_id,
                "run_id": run_id,
                "execution_type": kind,
                "job": job,
                "code_location": location,
                "status": status,
                "edges_created": edges,
                "started_at": started,
                "completed_at": completed,
                "assets": [name for (name,) in assets],
            }
        )
    return captures
