"""``POST /api/v1/lineage``: OpenLineage events in, at the path Marquez serves them, so any
OpenLineage client (Airflow's provider, Spark's listener, dbt's wrapper, the Python client's
HTTP transport) can send its lineage to ``lineage serve`` by pointing its URL here.

The route is authorized as every lineage route is (:mod:`lineage_core.server.auth`: 401
without a live token, 403 for a standard tenant), before the body is read as JSON. Then the
event is checked against the vendored OpenLineage specification and recorded for the token's
tenant (:mod:`lineage_core.openlineage.ingest`), in the threadpool like every store call.

Answers: 201 with what was recorded; 400 with ``detail``, ``path`` (a JSON Pointer) and
``message`` for an event the specification or the store refuses (nothing of it is
recorded); 413 past :data:`BODY_LIMIT` (after decompression: clients may send
``Content-Encoding: gzip``); 415 for another encoding.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lineage_core.errors import InvalidArgument
from lineage_core.openlineage.ingest import receive
from lineage_core.openlineage.naming import DatasetNaming, namespaces_from_env
from lineage_core.openlineage.validation import InvalidEvent
from lineage_core.server.errors import error_response, json_response, render

PATH = "/api/v1/lineage"
BODY_LIMIT = 4 * 1024 * 1024  # bytes of JSON: schema and column facets of wide tables are large


class _Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def naming(namespaces: Mapping[str, str] | None) -> DatasetNaming:
    """How the app names datasets: ``namespaces`` (OpenLineage namespace -> database), by
    default ``$LINEAGE_OPENLINEAGE_NAMESPACES``."""
    return DatasetNaming(namespaces_from_env() if namespaces is None else dict(namespaces))


async def receive_event(request: Request) -> Response:
    explorer = request.app.state.explorer
    try:
        body = await _read_body(request)
        payload = await explorer.run(
            _answer, explorer, request.headers.get("authorization"), body,
            request.app.state.openlineage_naming,
        )  # fmt: skip
    except _Refused as refused:
        return json_response({"detail": refused.detail}, refused.status)
    except InvalidEvent as invalid:
        return _refusal(invalid.path, invalid.message)
    except InvalidArgument as invalid:  # the store refused a value of the event
        return _refusal("", str(invalid))
    except Exception as error:
        return error_response(error)
    return json_response(payload, 201)


def _refusal(path: str, message: str) -> Response:
    """400 with where and what; ASCII-escaped, since a refused value may hold text that is
    no UTF-8 (a lone surrogate)."""
    detail = f"{path or '/'}: {message}"
    body = json.dumps({"detail": detail, "path": path, "message": message}).encode()
    return json_response(body, 400)


def _answer(explorer, authorization: str | None, body: bytes, names: DatasetNaming) -> bytes:
    """Blocking: authorize first (nothing of the body is read for a refused token), then
    check and record the event."""
    store = explorer.tenancy.authorize(authorization)
    return render(receive(store, body, names).to_json())


async def _read_body(request: Request) -> bytes:
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip"):
        raise _Refused(415, f"Unsupported Content-Encoding {encoding!r}: send JSON or gzip")
    inflate = zlib.decompressobj(wbits=31) if encoding == "gzip" else None
    chunks, size = [], 0
    async for chunk in request.stream():
        if inflate is not None and chunk:
            try:
                chunk = inflate.decompress(chunk, BODY_LIMIT + 1 - size)
            except zlib.error as exc:
                raise _Refused(400, f"The body is not valid gzip: {exc}") from None
            if inflate.unconsumed_tail:
                size = BODY_LIMIT + 1
        size += len(chunk)
        if size > BODY_LIMIT:
            raise _Refused(413, f"The event is larger than {BODY_LIMIT} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def openlineage_routes() -> list[Route]:
    return [Route(PATH, receive_event, methods=["POST"], name="postOpenLineageEvent")]
