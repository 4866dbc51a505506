"""Errors as HTTP answers: ``{"detail": ...}`` with the status the contract gives each.

The library's one hierarchy (:mod:`lineage_core.errors`) is mapped here and nowhere else: a
missing or bad token is 401 with ``WWW-Authenticate: Bearer``, a standard tenant 403 with
the design document's message, an unknown asset 404 with the closest names, a bad parameter
422, a store that cannot answer 503 (504 past its time limit). Anything else is a bug: 500,
logged with its traceback, its text never sent.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.responses import Response

from lineage_core.errors import (
    AssetNotFound,
    InvalidArgument,
    LineageError,
    LineageNotEnabled,
    NotFound,
    QueryTimeout,
    StoreDataError,
    StoreError,
)
from lineage_core.profiling.plan import ProfilingError

log = logging.getLogger("lineage_core.server")


class Unauthenticated(LineageError):
    """No bearer token, or one that is unknown or revoked."""

    def __init__(self, message: str, *, invalid_token: bool = False) -> None:
        self.invalid_token = invalid_token
        super().__init__(message)


class UnknownAsset(AssetNotFound):
    """An asset path that is not a valid qualified name, so names no asset."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.suggestions = []
        LineageError.__init__(self, f"Unknown asset {name!r}: {reason}")


# (error class, status), the first match wins: subclasses before their bases.
_STATUSES: tuple[tuple[type[BaseException], int], ...] = (
    (Unauthenticated, 401),
    (LineageNotEnabled, 403),
    (NotFound, 404),
    (InvalidArgument, 422),
    (StoreDataError, 422),  # the database refused a value from the request
    (ProfilingError, 409),  # the table answered, but cannot be profiled as it is
    (QueryTimeout, 504),
    (StoreError, 503),
)
# The statuses an operation of the API may answer with, besides its own success.
ERROR_STATUSES = {
    401: "Missing, unknown or revoked bearer token.",
    403: LineageNotEnabled.MESSAGE,
    404: "Unknown asset (with the closest names), edge or job.",
    409: "The table cannot be profiled as it is (detail says why).",
    422: "A parameter or body outside what the route accepts; detail says which.",
    503: "The lineage store cannot be reached.",
    504: "The query ran past the store's time limit.",
}


def render(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    body = payload if isinstance(payload, bytes) else render(payload)
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def status_of(error: BaseException) -> int:
    for kind, status in _STATUSES:
        if isinstance(error, kind):
            return status
    return 500


def error_response(error: BaseException) -> Response:
    status = status_of(error)
    body: dict[str, Any] = {"detail": str(error)}
    headers: dict[str, str] = {}
    if isinstance(error, LineageNotEnabled):
        body["detail"] = LineageNotEnabled.MESSAGE
    elif isinstance(error, AssetNotFound):
        body["suggestions"] = error.suggestions
    elif isinstance(error, Unauthenticated):
        challenge = 'Bearer realm="lineage"'
        if error.invalid_token:
            challenge += ', error="invalid_token"'
        headers["WWW-Authenticate"] = challenge
    elif status == 500:
        log.error("Unexpected error answering a request", exc_info=error)
        body["detail"] = "Internal server error"
    return json_response(body, status, headers)
