"""Property-based tests of the API against its own OpenAPI document (schemathesis).

Every operation is called with generated paths, parameters and bodies, a valid bearer token
injected (schemathesis also drops it, to check that the route refuses without one), over the
lineage of :mod:`lineage_data` on both backends: no answer may be a server error, and every
answer (status, content type, headers, body) must be one the document describes. The live
channel's stream never ends, so it is left to ``test_socket.py``; its refusals are checked
here by hand against the document. Examples are few and there is no deadline per example, so
the run stays within a minute or two.
"""

from __future__ import annotations

import copy

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from lineage_data import EDGES
from schemathesis.config import SchemathesisConfig
from served_app import make_client

from lineage_core.server.openapi import openapi_document

EXAMPLES = 12
ROUTES = [
    (method.upper(), path)
    for path, methods in openapi_document(auth=True)["paths"].items()
    for method in methods
    if path != "/api/lineage/events"
]
# Generated names almost never name an asset: a second run draws path values from these.
KNOWN = {
    "asset": [
        *sorted({edge[end] for edge in EDGES for end in ("source", "target")}),
        *["1", "2", "3", "999999", "warehouse.main.nothing"],
    ],
    "edge_id": [1, 2, 3, 999999],
    "job": ["ingest", "marts", "reports", "loops", "nothing"],
}


def narrowed(document: dict) -> dict:
    """``document`` with its path parameters drawn from :data:`KNOWN`."""
    document = copy.deepcopy(document)
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    parameter["schema"] = {"enum": KNOWN[parameter["name"]]}
    return document


@pytest.mark.parametrize("paths", ["generated", "known"])
@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_every_route_answers_as_documented(served, method, path, paths):
    options = {"headers": served.tokens.header(), "generation": {"max-examples": EXAMPLES}}
    if path == "/api/v1/lineage":
        # An event the specification allows may still be refused with its documented 400:
        # its facets are checked against their own schemas, and names as every name is.
        options["checks"] = {"positive_data_acceptance": {"enabled": False}}
    config = SchemathesisConfig.from_dict(options)
    with make_client(served) as client:
        document = client.get("/api/openapi.json").json()
        if paths == "known":
            document = narrowed(document)
        schema = schemathesis.openapi.from_dict(document, config=config)
        schema.app = client.app
        operation = schema[path][method]

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_documented(case):
            case.call_and_validate()

        answers_as_documented()


@pytest.mark.parametrize("tenant", ["none", "basic"])
def test_the_live_channel_refuses_as_documented(served, tenant):
    with make_client(served) as client:
        document = schemathesis.openapi.from_asgi("/api/openapi.json", client.app)
        operation = document["/api/lineage/events"]["GET"]
        headers = {} if tenant == "none" else served.tokens.header(tenant)
        response = client.get("/api/lineage/events", headers=headers)
    assert response.status_code == (401 if tenant == "none" else 403)
    operation.validate_response(response)
