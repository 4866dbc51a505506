"""The lineage routes: one :class:`Operation` each, declaring its path, parameters, body and
answer, and a handler that asks the store.

Handlers are plain functions run in the threadpool with the store view of the request's
tenant (:mod:`lineage_core.server.auth`); they return a model, or JSON already rendered. The
same operations build the OpenAPI document (:mod:`lineage_core.server.openapi`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lineage_core.connections import connection_for_table, resolve_connection
from lineage_core.errors import InvalidArgument, NotFound
from lineage_core.models import (
    Asset,
    AssetColumns,
    AssetDetail,
    Edge,
    LineageDiff,
    LineageGraph,
    Model,
    TableProfile,
)
from lineage_core.names import normalise_name
from lineage_core.server import params as p
from lineage_core.server.errors import render
from lineage_core.server.schemas import (
    AssetList,
    EdgeList,
    ImpactPage,
    ProfileHistory,
    ProfileRequest,
    WorkflowAssets,
)
from lineage_core.store import DEFAULT_MAX_NODES, LineageStore


@dataclass(frozen=True)
class Call:
    """What a handler is given: the tenant's store, the parsed query, the path's values."""

    store: LineageStore
    query: Mapping[str, Any]
    path: Mapping[str, str]
    body: Model | None = None
    connections: Mapping[str, str] = field(default_factory=dict)
    profile_timeout: float = 300.0

    @property
    def asset(self) -> str:
        """The qualified name of the asset the path names (digits: by id, in this tenant)."""
        reference = self.path["asset"]
        if reference.isascii() and reference.isdigit():
            return self.store.find_asset(reference).qualified_name
        return normalise_name(reference)


Handler = Callable[[Call], Any]


@dataclass(frozen=True)
class Operation:
    """One route of the API, as served and as documented."""

    method: str
    path: str
    operation_id: str
    summary: str
    handler: Handler
    response: type[Model]
    params: tuple[p.Param, ...] = ()
    body: type[Model] | None = None
    not_found: bool = True  # may answer 404
    statuses: tuple[int, ...] = ()  # further error statuses it may answer with
    slow: bool = False  # runs on its own, smaller limiter (profiling reads a warehouse)

    @property
    def action(self) -> str | None:
        """For routes under ``/api/lineage/assets/{asset}``: what follows the asset ("" for
        the asset itself); None for the others."""
        prefix = "/api/lineage/assets/{asset}"
        if not self.path.startswith(prefix):
            return None
        return self.path[len(prefix) :].lstrip("/")


def list_assets(call: Call) -> AssetList:
    query = call.query
    found = call.store.assets(search=query["search"], limit=query["limit"], offset=query["offset"])
    return AssetList(
        assets=found, total_assets=len(found), limit=query["limit"], offset=query["offset"]
    )


def asset_detail(call: Call) -> AssetDetail:
    return call.store.asset_detail(call.path["asset"])


def _walk_options(call: Call) -> dict[str, Any]:
    return {
        "max_depth": call.query["max_depth"],
        "max_nodes": call.query["max_nodes"] or DEFAULT_MAX_NODES,
        "as_of": call.query["as_of"],
    }


def graph_json(graph: LineageGraph) -> bytes:
    """A walk's JSON, through the graph's own fast path when it has one."""
    fast = getattr(graph, "to_json_bytes", None)
    return fast() if callable(fast) else render(graph.to_json())


def upstream(call: Call) -> bytes:
    return graph_json(call.store.upstream(call.asset, **_walk_options(call)))


def downstream(call: Call) -> bytes:
    return graph_json(call.store.downstream(call.asset, **_walk_options(call)))


def full(call: Call) -> bytes:
    return graph_json(call.store.full(call.asset, **_walk_options(call)))


def impact(call: Call) -> dict[str, Any]:
    query = call.query
    found = call.store.impact(
        call.asset,
        max_depth=query["max_depth"],
        live=query["live"],
        limit=query["limit"],
        offset=query["offset"],
        as_of=query["as_of"],
    )
    names = {int(node.id): node.qualified_name for node in found.downstream_assets}
    failed = call.store.failed_writes(list(names))
    return {**found.to_json(), "failedWrites": [names[asset_id] for asset_id in failed]}


def diff(call: Call) -> LineageDiff:
    query = call.query
    return call.store.diff(
        call.asset,
        since=query["since"],
        until=query["until"],
        max_depth=query["depth"],
        direction=query["direction"],
    )


def columns(call: Call) -> AssetColumns:
    return call.store.asset_columns(call.asset)


def edges(call: Call) -> EdgeList:
    found = call.store.edges_of(
        call.asset,
        direction=call.query["direction"],
        include_retired=call.query["include_retired"],
    )
    return EdgeList(edges=found)


def edge(call: Call) -> Edge:
    text = call.path["edge_id"]
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise InvalidArgument(f"An edge id is a positive integer, got {text[:40]!r}")
    return call.store.edge(int(text))


def profile(call: Call) -> TableProfile:
    from lineage_core.profiling import profile_table

    asked = call.body.connection if isinstance(call.body, ProfileRequest) else None
    found: Asset = call.store.find_asset(call.path["asset"])
    if asked is not None:
        if asked not in call.connections:  # a name only: URLs and paths are the operator's
            known = ", ".join(sorted(call.connections)) or "none configured"
            raise NotFound(f"Unknown connection {asked!r} (known: {known})")
        where = resolve_connection(asked, call.connections)
    else:
        where = connection_for_table(
            found.qualified_name, asset_connection=found.connection, connections=call.connections
        )
    measured = profile_table(found.qualified_name, where, timeout_seconds=call.profile_timeout)
    return call.store.add_profile(measured)


def profiles(call: Call) -> ProfileHistory:
    found = call.store.find_asset(call.path["asset"])
    history = call.store.profiles(found.qualified_name, limit=call.query["limit"])
    return ProfileHistory(asset_id=str(found.id), asset=found.qualified_name, profiles=history)


def workflow_assets(call: Call) -> WorkflowAssets:
    job = p.checked_text(call.path["job"], "the job")
    tables, assets = call.store.workflow_assets(job, code_location=call.query["code_location"])
    return WorkflowAssets(
        workflow_id=tables.workflow_id,
        code_location=tables.code_location,
        reads=tables.reads,
        writes=tables.writes,
        assets=assets,
        total_assets=tables.total_assets,
    )


_WALK = (p.MAX_DEPTH, p.MAX_NODES, p.AS_OF)
OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET", "/api/lineage/assets", "listAssets", "Known assets, by name.", list_assets,
        AssetList, (p.SEARCH, p.LIMIT, p.OFFSET), not_found=False,
    ),
    Operation(
        "GET", "/api/lineage/assets/{asset}", "getAsset",
        "An asset, its Dagster asset key and its last writing run.", asset_detail, AssetDetail,
    ),
    Operation(
        "GET", "/api/lineage/assets/{asset}/upstream", "getUpstream",
        "Assets whose data flows into the asset, each once at its shortest depth.", upstream,
        LineageGraph, _WALK,
    ),
    Operation(
        "GET", "/api/lineage/assets/{asset}/downstream", "getDownstream",
        "Assets fed by the asset, each once at its shortest depth.", downstream, LineageGraph,
        _WALK,
    ),
    Operation(
        "GET", "/api/lineage/assets/{asset}/full", "getFull",
        "Upstream and downstream together; each node says on which side it lies.", full,
        LineageGraph, _WALK,
    ),
    Operation(
        "GET", "/api/lineage/assets/{asset}/impact", "getImpact",
        "What breaks if the asset changes: downstream assets (a page) and Dagster jobs.",
        impact, ImpactPage, (p.LIVE, p.MAX_DEPTH, p.LIMIT, p.OFFSET, p.AS_OF),
    ),
    Operation(
        "GET", "/api/lineage/assets/{asset}/diff", "getDiff",
        "Assets and edges added to and removed from the asset's downstream (or upstream) "
        "between two times, each with when.", diff, LineageDiff,
        (p.SINCE, p.UNTIL, p.DEPTH, p.SIDE),
    ),
    Operation(
        "GET", "/api/lineage/assets/{asset}/columns", "getColumns",
        "Column links into and out of the asset.", columns, AssetColumns,
    ),
    Operation(
        "GET", "/api/lineage/assets/{asset}/edges", "getAssetEdges",
        "Stored edges of the asset, with their Dagster context and SQL.", edges, EdgeList,
        (p.DIRECTION, p.INCLUDE_RETIRED),
    ),
    Operation(
        "POST", "/api/lineage/assets/{asset}/profile", "profileAsset",
        "Profile the table now and keep the profile in its history.", profile, TableProfile,
        body=ProfileRequest, statuses=(409,), slow=True,
    ),
    Operation(
        "GET", "/api/lineage/assets/{asset}/profiles", "getProfiles",
        "The table's profile history, newest first.", profiles, ProfileHistory,
        (p.PROFILE_LIMIT,),
    ),
    Operation(
        "GET", "/api/lineage/edges/{edge_id}", "getEdge", "One stored edge.", edge, Edge,
    ),
    Operation(
        "GET", "/api/lineage/workflows/{job}/assets", "getWorkflowAssets",
        "The tables a Dagster job reads and writes.", workflow_assets, WorkflowAssets,
        (p.CODE_LOCATION,),
    ),
)  # fmt: skip
ASSET_OPERATIONS: dict[tuple[str, str], Operation] = {
    (op.method, op.action): op for op in OPERATIONS if op.action is not None
}
ASSET_ACTIONS = frozenset(action for _, action in ASSET_OPERATIONS if action)
