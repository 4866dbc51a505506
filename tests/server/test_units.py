"""The server's pure functions: parameters, path decoding, events, error mapping."""

from __future__ import annotations

import json

import pytest

from lineage_core.errors import (
    AssetNotFound,
    InvalidArgument,
    LineageNotEnabled,
    NotFound,
    QueryTimeout,
    StoreDataError,
    StoreUnavailable,
)
from lineage_core.profiling.plan import ProfilingError
from lineage_core.server import params as p
from lineage_core.server.errors import Unauthenticated, error_response, status_of
from lineage_core.server.events import sse


@pytest.mark.parametrize(
    ("query", "expected"),
    [({}, 15), ({"max_depth": ""}, 15), ({"max_depth": "3"}, 3), ({"max_depth": " 100 "}, 100)],
)
def test_an_integer_parameter_takes_its_default_or_its_value(query, expected):
    assert p.MAX_DEPTH.parse(query) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0", "at least 1"),
        ("101", "at most 100"),
        ("-1", "at least 1"),
        ("1.5", "an integer"),
        ("\uff11", "an integer"),  # a full-width digit is not ASCII
        ("9" * 40, "an integer"),
    ],
)
def test_an_integer_parameter_refuses_what_it_does_not_take(raw, message):
    with pytest.raises(InvalidArgument, match=message):
        p.MAX_DEPTH.parse({"max_depth": raw})


def test_boolean_choice_and_text_parameters():
    assert [p.LIVE.parse({"live": raw}) for raw in ("true", "1", "YES", "false", "0")] == [
        True,
        True,
        True,
        False,
        False,
    ]
    with pytest.raises(InvalidArgument, match="true or false"):
        p.LIVE.parse({"live": "perhaps"})
    assert p.DIRECTION.parse({}) == "both" and p.DIRECTION.parse({"direction": "in"}) == "in"
    with pytest.raises(InvalidArgument, match="one of in, out, both"):
        p.DIRECTION.parse({"direction": "IN"})
    assert p.SEARCH.parse({"search": ""}) is None and p.SEARCH.parse({"search": "ord"}) == "ord"
    for bad in ("a\x00b", "x" * 501, "\ud800"):
        with pytest.raises(InvalidArgument):
            p.SEARCH.parse({"search": bad})


def test_a_parameter_documents_what_it_parses():
    assert p.MAX_DEPTH.openapi() == {
        "name": "max_depth",
        "in": "query",
        "required": False,
        "description": p.MAX_DEPTH.description,
        "schema": {"type": "integer", "default": 15, "minimum": 1, "maximum": 100},
    }
    assert p.DIRECTION.openapi()["schema"] == {
        "type": "string",
        "default": "both",
        "enum": ["in", "out", "both"],
    }
    assert p.SEARCH.openapi()["schema"] == {
        "type": "string",
        "maxLength": 500,
        "pattern": "^[^\\u0000]*$",
    }


def test_a_path_part_is_decoded_strictly():
    assert p.decoded("file.%22data%2Fx.csv%22", "the asset") == 'file."data/x.csv"'
    assert p.decoded("caf%C3%A9", "the asset") == "café"
    with pytest.raises(InvalidArgument, match="not valid UTF-8"):
        p.decoded("%FF", "the asset")
    with pytest.raises(InvalidArgument, match="NUL"):
        p.decoded("a%00b", "the asset")


def test_an_event_is_one_block_of_the_event_stream_format():
    text = sse("run_captured", {"runId": "a\nb", "assets": ["x"]}, 7)
    assert text.endswith("\n\n") and text.count("\n") == 4
    head, event, data = text.strip().split("\n")
    assert (head, event) == ("id: 7", "event: run_captured")
    assert json.loads(data.removeprefix("data: ")) == {"runId": "a\nb", "assets": ["x"]}
    assert sse("assets_changed", {}).startswith("event: assets_changed\n")


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (Unauthenticated("no token"), 401),
        (LineageNotEnabled("basic"), 403),
        (AssetNotFound("x.y", ["x.z"]), 404),
        (NotFound("Unknown edge 3"), 404),
        (ProfilingError("no such table"), 409),
        (InvalidArgument("max_depth"), 422),
        (StoreDataError("refused"), 422),
        (StoreUnavailable("down"), 503),
        (QueryTimeout("slow"), 504),
        (RuntimeError("bug"), 500),
    ],
)
def test_errors_map_to_their_statuses(error, status):
    assert status_of(error) == status
    assert error_response(error).status_code == status


def test_error_bodies_say_what_the_contract_says():
    def body(error):
        return json.loads(error_response(error).body)

    assert body(AssetNotFound("x.y", ["x.z"])) == {
        "detail": "Unknown asset 'x.y'; did you mean: x.z",
        "suggestions": ["x.z"],
    }
    assert body(LineageNotEnabled("basic")) == {"detail": LineageNotEnabled.MESSAGE}
    assert body(RuntimeError("secret internals")) == {"detail": "Internal server error"}
    refused = error_response(Unauthenticated("bad", invalid_token=True))
    assert refused.headers["www-authenticate"] == 'Bearer realm="lineage", error="invalid_token"'
