"""The explorer's ASGI app: the lineage routes, the live channel, the OpenAPI document and the
page, over one store.

Every store call is blocking, so it runs in the threadpool, through a limiter as wide as the
store can serve at once (the PostgreSQL pool's size; a few threads on SQLite, whose backend
serialises sessions on its one connection). A request costs one trip to the threadpool: the
tenant is authorized, the parameters parsed, the store asked and the JSON rendered there.
Profiling, which reads a warehouse for up to minutes, has its own, narrower limiter.

Paths under ``/api/lineage/assets/`` are split on the raw (still percent-encoded) path, so an
encoded slash stays inside an asset name (``file.%22data%2Fx.csv%22``).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lineage_core.errors import InvalidArgument, InvalidName
from lineage_core.models import Model
from lineage_core.server import events
from lineage_core.server.auth import LoopbackHostOnly, Tenancy
from lineage_core.server.errors import UnknownAsset, error_response, json_response, render
from lineage_core.server.openapi import openapi_document
from lineage_core.server.openlineage import naming, openlineage_routes
from lineage_core.server.params import decoded
from lineage_core.server.routes import ASSET_ACTIONS, ASSET_OPERATIONS, OPERATIONS, Call, Operation
from lineage_core.server.schemas import ServerConfig
from lineage_core.store import LineageStore, database_kind, default_database_url, open_store
from lineage_core.store.held import DEFAULT_HELD_EDGES

log = logging.getLogger("lineage_core.server")

STATIC = Path(__file__).parent / "static"
DEFAULT_POOL_SIZE = 20  # PostgreSQL connections, and threads answering requests at once
SQLITE_THREADS = 8
PROFILE_THREADS = 2
BODY_LIMIT = 64 * 1024
_ASSETS_PREFIX = "/api/lineage/assets/"
_SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY")]


def open_server_store(
    url: str | None = None,
    *,
    tenant: str = "default",
    pool_size: int = DEFAULT_POOL_SIZE,
    hold_graph: int = DEFAULT_HELD_EDGES,
) -> LineageStore:
    """An existing store for serving: on PostgreSQL with a pool of ``pool_size`` connections
    (the default store's pool is sized for a command or a sensor), holding each tenant's
    graph in memory up to ``hold_graph`` active edges (see :mod:`lineage_core.store.held`)."""
    url = url or default_database_url()
    if database_kind(url) != "postgres":
        return open_store(url, tenant=tenant, create=False, hold_graph=hold_graph)
    from lineage_core.store.backends.postgres import PostgresBackend

    backend = PostgresBackend(
        urlsplit(url)._replace(scheme="postgresql").geturl(), max_size=pool_size
    )
    try:
        backend.migrate(create=False)
        return LineageStore(backend, tenant=tenant, hold_graph=hold_graph)
    except BaseException:
        backend.close()
        raise


class Explorer:
    """What one app serves from: the store and its tenants, the threadpool's limiters, the
    live channel, and the settings the routes read."""

    def __init__(
        self,
        store: LineageStore,
        *,
        tenant: str,
        auth: bool,
        dagster_url: str | None,
        connections: Mapping[str, str],
        profile_timeout: float,
        poll_seconds: float,
        heartbeat_seconds: float,
        concurrency: int | None,
    ) -> None:
        self.tenancy = Tenancy(store, auth=auth, tenant=tenant)
        self.auth = auth
        self.dagster_url = dagster_url
        self.connections = dict(connections)
        self.profile_timeout = profile_timeout
        self.heartbeat_seconds = heartbeat_seconds
        if concurrency is None:
            concurrency = SQLITE_THREADS if store.backend.name == "sqlite" else DEFAULT_POOL_SIZE
        self.concurrency = concurrency
        self._limiters: dict[bool, anyio.CapacityLimiter] = {}
        self.hub = events.EventHub(self.run, poll_seconds=poll_seconds)
        self.openapi = render(openapi_document(auth=auth))

    async def run(self, function: Callable[..., Any], *args: Any, slow: bool = False, **kw: Any):
        """``function(*args, **kw)`` in the threadpool, within the limiter."""
        limiter = self._limiters.get(slow)
        if limiter is None:
            width = min(PROFILE_THREADS, self.concurrency) if slow else self.concurrency
            limiter = self._limiters[slow] = anyio.CapacityLimiter(width)
        call = functools.partial(function, *args, **kw)
        return await anyio.to_thread.run_sync(call, limiter=limiter)

    def answer(
        self,
        op: Operation,
        authorization: str | None,
        query: Mapping[str, str],
        path: Mapping[str, str],
        body: bytes,
    ) -> bytes:
        """One lineage request, blocking: authorize, parse, ask, render."""
        store = self.tenancy.authorize(authorization)
        parsed = {param.name: param.parse(query) for param in op.params}
        if op.action is not None:
            path = {**path, "asset": decoded(path["asset"], "the asset")}
        call = Call(
            store=store,
            query=parsed,
            path=path,
            body=_body(op.body, body) if op.body is not None else None,
            connections=self.connections,
            profile_timeout=self.profile_timeout,
        )
        try:
            result = op.handler(call)
        except InvalidName as exc:  # no asset has a name that cannot be one
            raise UnknownAsset(call.path["asset"], str(exc)) from None
        if isinstance(result, bytes):
            return result
        return render(result.to_json() if isinstance(result, Model) else result)


def _body(model: type[Model], raw: bytes) -> Model:
    if not raw.strip():
        return model()
    try:
        return model.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        reason = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise InvalidArgument(f"Invalid request body: {reason}") from None


async def _read_body(request: Request) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > BODY_LIMIT:
            raise InvalidArgument(f"The request body is larger than {BODY_LIMIT} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _explorer(request: Request) -> Explorer:
    return request.app.state.explorer


async def _serve(request: Request, op: Operation, path: Mapping[str, str]) -> Response:
    explorer = _explorer(request)
    try:
        body = await _read_body(request) if op.body is not None else b""
        payload = await explorer.run(
            explorer.answer,
            op,
            request.headers.get("authorization"),
            request.query_params,
            path,
            body,
            slow=op.slow,
        )
    except Exception as error:
        return error_response(error)
    return json_response(payload)


def _route(op: Operation) -> Route:
    async def endpoint(request: Request) -> Response:
        return await _serve(request, op, request.path_params)

    return Route(op.path, endpoint, methods=[op.method], name=op.operation_id)


async def asset_route(request: Request) -> Response:
    """``/api/lineage/assets/{asset}[/action]``, split on the raw path (see the module)."""
    raw = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
    parts = raw[raw.find(_ASSETS_PREFIX) + len(_ASSETS_PREFIX) :].split("/")  # under a mount too
    action = parts[-1] if len(parts) > 1 and parts[-1] in ASSET_ACTIONS else ""
    asset = "/".join(parts[:-1] if action else parts)
    method = "GET" if request.method == "HEAD" else request.method
    op = ASSET_OPERATIONS.get((method, action))
    if op is None:
        allowed = sorted(method for method, known in ASSET_OPERATIONS if known == action)
        return json_response({"detail": "Method not allowed"}, 405, {"Allow": ", ".join(allowed)})
    return await _serve(request, op, {"asset": asset})


async def events_route(request: Request) -> Response:
    explorer = _explorer(request)
    try:
        store = await explorer.run(explorer.tenancy.authorize, request.headers.get("authorization"))
        listener = await explorer.hub.subscribe(store.tenant, store)
    except Exception as error:
        return error_response(error)
    last = request.headers.get("last-event-id", "").strip()
    body = events.stream(
        explorer.hub,
        store,
        listener,
        last_event_id=int(last) if last.isascii() and last.isdigit() and len(last) < 19 else None,
        heartbeat_seconds=explorer.heartbeat_seconds,
    )
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

    async def unsubscribe() -> None:  # also when the client left before the stream began
        explorer.hub.unsubscribe(store.tenant, listener)

    return StreamingResponse(
        body,
        media_type="text/event-stream",
        headers=headers,
        background=BackgroundTask(unsubscribe),
    )


async def config_route(request: Request) -> Response:
    explorer = _explorer(request)
    config = ServerConfig(
        dagster_url=explorer.dagster_url,
        auth=explorer.auth,
        tenant=None if explorer.auth else explorer.tenancy.tenant,
    )
    return json_response(config.to_json())


async def openapi_route(request: Request) -> Response:
    return json_response(_explorer(request).openapi)


_PLACEHOLDER = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lineage explorer</title></head>
<body><h1>Lineage explorer</h1><p>The explorer page is not built into this installation
(<code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>). The HTTP API answers
under <code>/api/lineage/</code>, described at <a href="/api/openapi.json">/api/openapi.json</a>.
</p></body></html>
"""


def page_route(static: Path) -> Callable[[Request], Any]:
    """``/``: the built page, or a placeholder that says how to build it."""

    async def page(request: Request) -> Response:
        index = static / "index.html"
        if index.is_file():
            return FileResponse(index, headers={"Cache-Control": "no-cache"})
        return Response(_PLACEHOLDER, media_type="text/html")

    return page


async def unknown_api_route(request: Request) -> Response:
    return json_response({"detail": f"No API route {request.url.path}"}, 404)


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return json_response({"detail": error.detail}, error.status_code, dict(error.headers or {}))


class SecurityHeaders:
    """Adds ``nosniff`` and ``DENY`` framing to every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


def create_app(
    store: LineageStore | None = None,
    *,
    database_url: str | None = None,
    tenant: str | None = None,
    auth: bool = True,
    dagster_url: str | None = None,
    connections: Mapping[str, str] | None = None,
    profile_timeout: float = 300.0,
    poll_seconds: float = 1.0,
    heartbeat_seconds: float = 15.0,
    concurrency: int | None = None,
    static_dir: str | Path | None = None,
    openlineage_namespaces: Mapping[str, str] | None = None,
) -> Starlette:
    """The explorer's ASGI app over ``store`` (left open), or over the existing store at
    ``database_url`` (opened now, closed when the app shuts down).

    ``auth=False`` serves ``tenant`` (default: the store's) without tokens, and answers
    only requests to a loopback host; bind it to a loopback address (``serve`` does).
    ``connections`` (default: ``$LINEAGE_CONNECTIONS``) are the names a profile request may
    use. ``concurrency`` bounds the store calls running at once (default: 20 on PostgreSQL,
    8 on SQLite).
    ``openlineage_namespaces`` (default: ``$LINEAGE_OPENLINEAGE_NAMESPACES``) maps OpenLineage
    dataset namespaces to database names, for the events posted to ``/api/v1/lineage``.
    """
    from lineage_core.connections import named_connections

    dataset_naming = naming(openlineage_namespaces)  # a bad map fails before the store opens
    static = Path(static_dir) if static_dir is not None else STATIC
    owned = store is None
    if store is None:
        store = open_server_store(database_url, tenant=tenant or "default")
    explorer = Explorer(
        store,
        tenant=tenant or store.tenant,
        auth=auth,
        dagster_url=dagster_url,
        connections=named_connections() if connections is None else connections,
        profile_timeout=profile_timeout,
        poll_seconds=poll_seconds,
        heartbeat_seconds=heartbeat_seconds,
        concurrency=concurrency,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette):
        try:
            yield
        finally:
            explorer.hub.close()
            if owned:
                store.close()

    routes = [
        Route("/api/config", config_route, methods=["GET"]),
        Route("/api/openapi.json", openapi_route, methods=["GET"]),
        Route("/api/lineage/events", events_route, methods=["GET"]),
        *(_route(op) for op in OPERATIONS if op.action is None),
        Route(_ASSETS_PREFIX + "{rest:path}", asset_route, methods=["GET", "POST"]),
        *openlineage_routes(),
        Route("/api/{rest:path}", unknown_api_route),
        Route("/", page_route(static), methods=["GET"]),
        Mount("/", StaticFiles(directory=static, check_dir=False)),
    ]
    middleware = [Middleware(SecurityHeaders)]
    if not auth:
        middleware.append(Middleware(LoopbackHostOnly))
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.explorer = explorer
    app.state.openlineage_naming = dataset_naming
    return app
