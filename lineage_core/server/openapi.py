"""The OpenAPI 3.1 document of the API, built from the routes' own declarations.

Schemas come from the models the responses are rendered from (pydantic's JSON Schema, by
alias, in serialization mode: what is sent, not what is accepted); parameters from the
:class:`~lineage_core.server.params.Param` each route parses with; statuses from the error
mapping. A server without tokens (``--no-auth``) describes itself without the bearer scheme.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import metadata, resources
from typing import Any

from pydantic.json_schema import models_json_schema

from lineage_core.models import Model
from lineage_core.openlineage.ingest import Receipt
from lineage_core.server.errors import ERROR_STATUSES
from lineage_core.server.params import NO_NUL
from lineage_core.server.routes import OPERATIONS, Operation
from lineage_core.server.schemas import AssetsChanged, ErrorBody, RunCaptured, ServerConfig

_REF = "#/components/schemas/{model}"
_PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "asset": {
        "description": "A qualified name, URL-encoded (warehouse.raw_orders, "
        "file.%22data%2Fx.csv%22), or an asset id (digits).",
        "schema": {"type": "string", "minLength": 1, "maxLength": 500, "pattern": NO_NUL},
    },
    "edge_id": {
        "description": "The id of a stored edge.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 10**18 - 1},
    },
    "job": {
        "description": "A Dagster job name.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 500, "pattern": NO_NUL},
    },
}


def _version() -> str:
    try:
        return metadata.version("dagster-lineage")
    except metadata.PackageNotFoundError:
        return "0.0.0"


@cache
def _schemas() -> tuple[dict[tuple[type[Model], str], dict[str, Any]], dict[str, Any]]:
    """(model and mode -> its ``$ref``, the schemas by name)."""
    responses: list[type[Model]] = [ErrorBody, ServerConfig, RunCaptured, AssetsChanged, Receipt]
    responses += [op.response for op in OPERATIONS]
    bodies = [op.body for op in OPERATIONS if op.body is not None]
    refs, definitions = models_json_schema(
        [(model, "serialization") for model in dict.fromkeys(responses)]
        + [(model, "validation") for model in dict.fromkeys(bodies)],
        by_alias=True,
        ref_template=_REF,
    )
    return {key: dict(ref) for key, ref in refs.items()}, definitions["$defs"]


@cache
def _openlineage_schemas() -> dict[str, Any]:
    """The vendored OpenLineage specification's definitions, as components named
    ``OpenLineage<Name>``: the request body of ``/api/v1/lineage`` is exactly its events."""
    text = (
        resources.files("lineage_core.openlineage")
        .joinpath("schema", "OpenLineage.json")
        .read_text(encoding="utf-8")
    )
    spec = json.loads(text.replace('"#/$defs/', '"#/components/schemas/OpenLineage'))
    schemas = {f"OpenLineage{name}": schema for name, schema in spec["$defs"].items()}
    schemas["OpenLineageEvent"] = {"oneOf": spec["oneOf"]}
    return schemas


def _ref(model: type[Model], mode: str = "serialization") -> dict[str, Any]:
    return _schemas()[0][(model, mode)]


def _json(description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
        **extra,
    }


def _errors(statuses: list[int]) -> dict[str, Any]:
    answers = {}
    for status in statuses:
        extra = {}
        if status == 401:
            extra["headers"] = {
                "WWW-Authenticate": {
                    "description": "The bearer challenge.",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^Bearer"},
                }
            }
        answers[str(status)] = _json(ERROR_STATUSES.get(status, "Error."), _ref(ErrorBody), **extra)
    return answers


def _lineage_errors(auth: bool, *, not_found: bool, more: tuple[int, ...] = ()) -> list[int]:
    statuses = [401] if auth else [400]
    statuses += [403, *([404] if not_found else []), *more, 422, 503, 504]
    return statuses


def _operation(op: Operation, auth: bool) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, **_PATH_PARAMETERS[name]}
        for name in _PATH_PARAMETERS
        if "{" + name + "}" in op.path
    ]
    parameters += [param.openapi() for param in op.params]
    document: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": ["lineage"],
        "parameters": parameters,
        "responses": {
            "200": _json("OK", _ref(op.response)),
            **_errors(_lineage_errors(auth, not_found=op.not_found, more=op.statuses)),
        },
    }
    if op.body is not None:
        document["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": _ref(op.body, "validation")}},
        }
    if auth:
        document["security"] = [{"bearerAuth": []}]
    return document


def openapi_document(*, auth: bool) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, auth)
    open_errors = _errors([] if auth else [400])
    paths["/api/lineage/events"] = {
        "get": {
            "operationId": "streamEvents",
            "summary": "Server-Sent Events: run_captured and assets_changed, with a comment "
            "heartbeat; Last-Event-ID resumes after the capture it names.",
            "tags": ["lineage"],
            "parameters": [
                {
                    "name": "Last-Event-ID",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
                }
            ],
            "responses": {
                "200": {
                    "description": "An endless text/event-stream.",
                    "content": {"text/event-stream": {"schema": {"type": "string"}}},
                },
                **_errors([s for s in _lineage_errors(auth, not_found=False) if s != 422]),
            },
            **({"security": [{"bearerAuth": []}]} if auth else {}),
        }
    }
    paths["/api/v1/lineage"] = {
        "post": {
            "operationId": "receiveOpenLineageEvent",
            "summary": "An OpenLineage event in (the path Marquez serves): a RunEvent, "
            "DatasetEvent or JobEvent of the specification vendored in "
            "lineage_core/openlineage/schema/, recorded for the token's tenant. Facets are "
            "checked against their own schemas too, and names as every name is (no NUL, at "
            "most 500 characters): a 400 says where and why.",
            "tags": ["openlineage"],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/OpenLineageEvent"}
                    }
                },
            },
            "responses": {
                "201": _json("Recorded: the edges the event's run now has.", _ref(Receipt)),
                **_errors(
                    sorted({400, *_lineage_errors(auth, not_found=False, more=(413, 415))} - {422})
                ),
            },
            **({"security": [{"bearerAuth": []}]} if auth else {}),
        }
    }
    paths["/api/config"] = {
        "get": {
            "operationId": "getConfig",
            "summary": "What the page needs to know about this server.",
            "tags": ["page"],
            "security": [],
            "responses": {"200": _json("OK", _ref(ServerConfig)), **open_errors},
        }
    }
    paths["/api/openapi.json"] = {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document.",
            "tags": ["page"],
            "security": [],
            "responses": {"200": _json("OK", {"type": "object"}), **open_errors},
        }
    }
    paths["/"] = {
        "get": {
            "operationId": "getPage",
            "summary": "The lineage explorer page.",
            "tags": ["page"],
            "security": [],
            "responses": {
                "200": {
                    "description": "The page.",
                    "content": {"text/html": {"schema": {"type": "string"}}},
                },
                **open_errors,
            },
        }
    }
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Lineage explorer API",
            "version": _version(),
            "description": "The design document's lineage routes over the lineage store, for "
            "one tenant per bearer token.",
        },
        "paths": paths,
        "components": {"schemas": {**_schemas()[1], **_openlineage_schemas()}},
    }
    if auth:
        document["components"]["securitySchemes"] = {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token made by `lineage token create --tenant T --name N`.",
            }
        }
    return document
