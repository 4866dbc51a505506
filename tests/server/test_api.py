"""Every route of the API through the ASGI app, on both backends, over real recorded lineage."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from served_app import TestClient, make_client

from lineage_core.cli import main
from lineage_core.models import LineageGraph
from lineage_core.server import open_server_store
from lineage_core.server.routes import OPERATIONS


def get(client, served, path: str, tenant: str = "default", **params):
    return client.get(path, headers=served.tokens.header(tenant), params=params)


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def asset_id(served, name: str) -> int:
    return served.store.get_asset(name).id


def test_assets_are_listed_by_name_with_search_and_paging(client, served):
    listed = ok(get(client, served, "/api/lineage/assets"))
    names = [asset["qualifiedName"] for asset in listed["assets"]]
    assert names == sorted(names) and len(names) == 9
    assert (listed["totalAssets"], listed["limit"], listed["offset"]) == (9, 100, 0)
    assert set(listed["assets"][0]) >= {"id", "name", "qualifiedName", "type", "isSource"}
    found = ok(get(client, served, "/api/lineage/assets", search="STG"))
    assert [a["qualifiedName"] for a in found["assets"]] == [
        "warehouse.stg.customers",
        "warehouse.stg.orders",
    ]
    page = ok(get(client, served, "/api/lineage/assets", limit=3, offset=2))
    assert [a["qualifiedName"] for a in page["assets"]] == names[2:5]


def test_an_asset_by_name_or_id_with_its_asset_key_and_last_write(client, served):
    revenue = ok(get(client, served, "/api/lineage/assets/warehouse.mart.revenue"))
    assert revenue["dagsterAssetKey"] == "mart/revenue"
    # The marts job's last run failed before writing the table: it is stale.
    assert revenue["lastWrite"] == {
        "runId": "run-4",
        "job": "marts",
        "codeLocation": "shop",
        "status": "FAILURE",
        "at": "2026-11-01T15:05:00Z",
        "written": False,
    }
    orders = ok(get(client, served, "/api/lineage/assets/warehouse.stg.orders"))
    assert orders["lastWrite"]["runId"] == "run-1"
    assert orders["lastWrite"]["written"] is True
    assert orders["dagsterAssetKey"] is None
    by_id = ok(get(client, served, f"/api/lineage/assets/{revenue['id']}"))
    assert by_id == revenue
    source = ok(get(client, served, "/api/lineage/assets/warehouse.main.customers"))
    assert source["lastWrite"] is None  # no job writes it


def edges_unordered(answer: dict) -> dict:
    """A walk's answer with its edges as a sorted list: edges come in no set order (a walk
    of the graph held in memory and one through the database list them differently), while
    everything else, the order of nodes included, is the same."""
    if "edges" not in answer:
        return answer
    return {**answer, "edges": sorted(answer["edges"], key=lambda edge: json.dumps(edge))}


@pytest.mark.parametrize("direction", ["upstream", "downstream"])
def test_walks_answer_as_the_store_does(client, served, direction):
    walked = ok(get(client, served, f"/api/lineage/assets/warehouse.stg.orders/{direction}"))
    stored = getattr(served.store, direction)("warehouse.stg.orders").to_json()
    assert edges_unordered(walked) == edges_unordered(stored)
    root = str(asset_id(served, "warehouse.stg.orders"))
    assert walked["rootAssetId"] == root
    assert all(isinstance(node["id"], str) for node in walked["nodes"])
    by_id = ok(get(client, served, f"/api/lineage/assets/{root}/{direction}", max_depth=1))
    assert all(node["depth"] == 1 for node in by_id["nodes"]) and by_id["maxDepth"] == 1


def test_the_downstream_walk_names_assets_and_their_jobs(client, served):
    down = ok(get(client, served, "/api/lineage/assets/warehouse.stg.orders/downstream"))
    assert [(n["qualifiedName"], n["depth"]) for n in down["nodes"]] == [
        ("warehouse.mart.revenue", 1),
        ("analytics.public.dashboard", 2),
    ]
    assert {(e["workflowId"], e["op"], e["codeLocation"]) for e in down["edges"]} == {
        ("marts", "revenue", "shop"),
        ("reports", "publish", "shop"),
    }
    capped = ok(
        get(client, served, "/api/lineage/assets/warehouse.stg.orders/downstream", max_nodes=1)
    )
    assert capped["truncated"] is True and capped["totalNodes"] == 1


def test_full_marks_the_side_of_each_node(client, served):
    full = ok(get(client, served, "/api/lineage/assets/warehouse.stg.orders/full"))
    sides = {node["qualifiedName"]: node["direction"] for node in full["nodes"]}
    assert sides == {
        "warehouse.main.orders": "upstream",
        'file."data/orders.csv"': "upstream",
        "warehouse.mart.revenue": "downstream",
        "analytics.public.dashboard": "downstream",
    }
    assert (full["upstreamCount"], full["downstreamCount"], full["totalNodes"]) == (2, 2, 4)
    LineageGraph.model_validate(full)
    cycle = ok(get(client, served, "/api/lineage/assets/loop.a/full"))
    assert [(n["qualifiedName"], n["direction"]) for n in cycle["nodes"]] == [("loop.b", "both")]


def test_impact_is_cached_after_a_refresh_and_names_failed_writes(client, served):
    impact = ok(get(client, served, "/api/lineage/assets/warehouse.stg.orders/impact"))
    assert impact["cached"] is True
    assert impact["totalImpactedAssets"] == 2
    assert impact["countsByDepth"] == {"1": 1, "2": 1}
    assert [w["workflowName"] for w in impact["affectedWorkflows"]] == [
        "ingest",
        "marts",
        "reports",
    ]
    assert impact["failedWrites"] == ["warehouse.mart.revenue"]
    live = ok(get(client, served, "/api/lineage/assets/warehouse.stg.orders/impact", live="true"))
    assert live["cached"] is False
    assert live["downstreamAssets"] == impact["downstreamAssets"]
    page = ok(
        get(client, served, "/api/lineage/assets/warehouse.stg.orders/impact", limit=1, offset=1)
    )
    assert [n["qualifiedName"] for n in page["downstreamAssets"]] == ["analytics.public.dashboard"]
    assert page["failedWrites"] == []  # the failed write is not on this page
    fresh = ok(get(client, served, "/api/lineage/assets/warehouse.main.customers/impact"))
    assert fresh["failedWrites"] == ["warehouse.mart.revenue"]


def test_column_links_into_and_out_of_an_asset(client, served):
    columns = ok(get(client, served, "/api/lineage/assets/warehouse.stg.orders/columns"))
    assert columns["asset"] == "warehouse.stg.orders"
    assert [
        (c["sourceTable"], c["sourceColumn"], c["targetColumn"]) for c in columns["incoming"]
    ] == [
        ("warehouse.main.orders", "id", "id"),
        ("warehouse.main.orders", "amount", "amount"),
    ]
    [out] = columns["outgoing"]
    assert out == {
        "sourceTable": "warehouse.stg.orders",
        "sourceColumn": "amount",
        "targetTable": "warehouse.mart.revenue",
        "targetColumn": "revenue",
        "transformation": "sum",
        "job": "marts",
        "op": "revenue",
        "codeLocation": "shop",
        "edgeId": out["edgeId"],
    }
    assert ok(get(client, served, f"/api/lineage/edges/{out['edgeId']}"))["target"] == (
        "warehouse.mart.revenue"
    )


@pytest.mark.parametrize(
    ("command", "path"),
    [
        (["columns", "warehouse.stg.orders"], "/api/lineage/assets/warehouse.stg.orders/columns"),
        (["columns", "loop.a"], "/api/lineage/assets/loop.a/columns"),
        (["full", "warehouse.stg.orders"], "/api/lineage/assets/warehouse.stg.orders/full"),
        (["full", "loop.a"], "/api/lineage/assets/loop.a/full"),
    ],
)
def test_the_command_line_prints_what_the_route_answers(client, served, command, path):
    printed = CliRunner().invoke(main, ["--db", served.url, *command, "--json"])
    assert printed.exit_code == 0, printed.output
    served_answer = ok(get(client, served, path))
    assert edges_unordered(json.loads(printed.stdout)) == edges_unordered(served_answer)


def test_stored_edges_by_direction_and_one_edge_by_id(client, served):
    path = "/api/lineage/assets/warehouse.mart.revenue/edges"
    incoming = ok(get(client, served, path, direction="in"))["edges"]
    assert [e["source"] for e in incoming] == ["warehouse.stg.customers", "warehouse.stg.orders"]
    outgoing = ok(get(client, served, path, direction="out"))["edges"]
    assert [e["target"] for e in outgoing] == ["analytics.public.dashboard"]
    both = ok(get(client, served, path))["edges"]
    assert len(both) == 3
    edge = ok(get(client, served, f"/api/lineage/edges/{incoming[1]['id']}"))
    assert edge == incoming[1]
    assert edge["transformationType"] == "aggregate" and edge["executionCount"] == 1
    served.store.retire_edges([outgoing[0]["id"]])
    assert ok(get(client, served, path, direction="out"))["edges"] == []
    retired = ok(get(client, served, path, direction="out", include_retired="true"))["edges"]
    assert [e["active"] for e in retired] == [False]
    assert get(client, served, "/api/lineage/edges/999999").status_code == 404


def test_a_table_is_profiled_through_a_named_connection(client, served):
    path = "/api/lineage/assets/warehouse.main.orders/profile"
    profile = ok(client.post(path, headers=served.tokens.header()))
    assert (profile["asset"], profile["rowCount"], profile["columnCount"]) == (
        "warehouse.main.orders",
        3,
        3,
    )
    named = ok(client.post(path, headers=served.tokens.header(), json={"connection": "warehouse"}))
    assert named["connection"] == "warehouse" and named["drift"] is not None
    history = ok(get(client, served, "/api/lineage/assets/warehouse.main.orders/profiles"))
    assert [p["profileId"] for p in history["profiles"]] == [
        named["profileId"],
        profile["profileId"],
    ]
    assert history["assetId"] == str(asset_id(served, "warehouse.main.orders"))
    unknown = client.post(path, headers=served.tokens.header(), json={"connection": "/etc"})
    assert unknown.status_code == 404  # a connection is a name the server knows, not a path
    assert "Unknown connection '/etc'" in unknown.json()["detail"]
    nowhere = client.post(
        "/api/lineage/assets/analytics.public.dashboard/profile", headers=served.tokens.header()
    )
    assert nowhere.status_code == 404 and "No connection" in nowhere.json()["detail"]
    for body in (b"{not json", b'{"connection": 3}', b'{"table": "x"}'):
        bad = client.post(path, headers=served.tokens.header(), content=body)
        assert bad.status_code == 422, body
        assert bad.json()["detail"].startswith("Invalid request body")


def test_profile_history_of_an_asset(client, served):
    history = ok(get(client, served, "/api/lineage/assets/warehouse.stg.orders/profiles", limit=5))
    assert history["asset"] == "warehouse.stg.orders"
    [stored] = history["profiles"]
    assert (stored["rowCount"], stored["columnProfiles"][0]["columnName"]) == (3, "id")
    empty = ok(get(client, served, "/api/lineage/assets/loop.a/profiles"))
    assert empty["profiles"] == []


def test_the_tables_of_a_dagster_job(client, served):
    found = ok(get(client, served, "/api/lineage/workflows/ingest/assets"))
    assert found["workflowId"] == "ingest"
    assert found["reads"] == ["warehouse.main.customers", "warehouse.main.orders"]
    assert found["writes"] == ["warehouse.stg.customers", "warehouse.stg.orders"]
    assert found["totalAssets"] == 4
    assert {a["qualifiedName"]: (a["isSource"], a["isTarget"]) for a in found["assets"]} == {
        "warehouse.main.customers": (True, False),
        "warehouse.main.orders": (True, True),
        "warehouse.stg.customers": (True, True),
        "warehouse.stg.orders": (True, True),
    }
    located = ok(get(client, served, "/api/lineage/workflows/ingest/assets", code_location="shop"))
    assert located["codeLocation"] == "shop" and located["totalAssets"] == 4
    elsewhere = get(client, served, "/api/lineage/workflows/ingest/assets", code_location="other")
    assert elsewhere.status_code == 404
    assert get(client, served, "/api/lineage/workflows/nothing/assets").status_code == 404


def test_names_with_slashes_and_quotes_travel_url_encoded(client, served):
    encoded = "/api/lineage/assets/file.%22data%2Forders.csv%22"
    asset = ok(client.get(encoded, headers=served.tokens.header()))
    assert asset["qualifiedName"] == 'file."data/orders.csv"'
    down = ok(client.get(f"{encoded}/downstream", headers=served.tokens.header()))
    assert down["root"] == 'file."data/orders.csv"'
    assert down["nodes"][0]["qualifiedName"] == "warehouse.main.orders"
    raw = ok(
        client.get('/api/lineage/assets/file."data/orders.csv"', headers=served.tokens.header())
    )
    assert raw == asset


def test_an_unknown_asset_is_404_with_the_closest_names(client, served):
    for action in ("", "/upstream", "/full", "/impact", "/columns", "/edges", "/profiles"):
        missing = get(client, served, f"/api/lineage/assets/warehouse.stg.order{action}")
        assert missing.status_code == 404, action
        assert missing.json()["suggestions"][0] == "warehouse.stg.orders"
        assert "Unknown asset 'warehouse.stg.order'" in missing.json()["detail"]
    not_a_name = get(client, served, "/api/lineage/assets/a..b/upstream")
    assert not_a_name.status_code == 404 and not_a_name.json()["suggestions"] == []


@pytest.mark.parametrize(
    ("path", "params", "detail"),
    [
        ("/upstream", {"max_depth": 0}, "max_depth must be at least 1, got 0"),
        ("/downstream", {"max_depth": 101}, "max_depth must be at most 100, got 101"),
        ("/full", {"max_depth": "deep"}, "max_depth must be an integer"),
        ("/upstream", {"max_nodes": 0}, "max_nodes must be at least 1"),
        ("/impact", {"max_depth": 200}, "max_depth must be at most 100"),
        ("/impact", {"live": "maybe"}, "live must be true or false"),
        ("/impact", {"limit": -1}, "limit must be at least 0"),
        ("/edges", {"direction": "sideways"}, "direction must be one of in, out, both"),
        ("/profiles", {"limit": 0}, "limit must be at least 1"),
    ],
)
def test_bad_parameters_are_422_saying_which(client, served, path, params, detail):
    answer = get(client, served, f"/api/lineage/assets/warehouse.stg.orders{path}", **params)
    assert answer.status_code == 422
    assert detail in answer.json()["detail"]


def test_bad_query_text_is_422(client, served):
    answer = get(client, served, "/api/lineage/assets", search="a\x00b")
    assert answer.status_code == 422 and "NUL" in answer.json()["detail"]
    assert get(client, served, "/api/lineage/assets", limit=5000).status_code == 422
    assert get(client, served, "/api/lineage/edges/abc").status_code == 422


def test_the_openapi_document_describes_every_route(client):
    document = ok(client.get("/api/openapi.json"))
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    described = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert {(op.method, op.path) for op in OPERATIONS} <= described
    assert {("GET", "/api/lineage/events"), ("GET", "/api/config"), ("GET", "/")} <= described
    upstream = document["paths"]["/api/lineage/assets/{asset}/upstream"]["get"]
    assert {p["name"] for p in upstream["parameters"]} == {
        "asset",
        "max_depth",
        "max_nodes",
        "as_of",
    }
    assert upstream["security"] == [{"bearerAuth": []}]
    assert {"200", "401", "403", "404", "422"} <= set(upstream["responses"])
    assert "WWW-Authenticate" in upstream["responses"]["401"]["headers"]
    graph = document["components"]["schemas"]["GraphNode"]["properties"]
    assert "direction" in graph and "qualifiedName" in graph


def test_the_config_tells_the_page_how_it_is_served(served):
    with make_client(served, dagster_url="http://127.0.0.1:3000") as client:
        assert ok(client.get("/api/config")) == {
            "dagsterUrl": "http://127.0.0.1:3000",
            "auth": True,
            "tenant": None,
        }


def test_the_page_and_its_bundle_are_served(client, tmp_path, served):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["x-content-type-options"] == "nosniff"
    static = Path(__file__).parents[2] / "lineage_core" / "server" / "static"
    if (static / "build-info.json").is_file():
        bundle = json.loads((static / "build-info.json").read_text())["bundle"]
        for asset in (name for name in bundle if name.startswith("assets/")):
            assert client.get(f"/{asset}").status_code == 200, asset
    assert client.get("/assets/nothing.js").status_code == 404
    missing = client.get("/api/nothing")
    assert missing.status_code == 404 and missing.json() == {"detail": "No API route /api/nothing"}
    with make_client(served, static_dir=tmp_path) as unbuilt:
        placeholder = unbuilt.get("/")
        assert placeholder.status_code == 200 and b"not built" in placeholder.content


def test_a_method_a_route_does_not_have_is_405(client, served):
    answer = client.post("/api/lineage/assets/warehouse.stg.orders", headers=served.tokens.header())
    assert answer.status_code == 405 and answer.headers["allow"] == "GET"
    assert client.delete("/api/lineage/assets").status_code == 405


def test_the_app_answers_when_mounted_under_a_prefix(served):
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from lineage_core.server import create_app

    outer = Starlette(routes=[Mount("/lineage", app=create_app(served.store))])
    mounted = TestClient(outer, base_url="http://127.0.0.1")
    path = "/lineage/api/lineage/assets/file.%22data%2Forders.csv%22/downstream"
    down = ok(mounted.get(path, headers=served.tokens.header()))
    assert down["root"] == 'file."data/orders.csv"'
    assert (
        mounted.head(
            "/lineage/api/lineage/assets/loop.a", headers=served.tokens.header()
        ).status_code
        == 200
    )


def test_walks_are_answered_from_the_graph_the_server_holds(client, served):
    path = "/api/lineage/assets/warehouse.stg.orders/downstream"
    first = ok(get(client, served, path))  # through the database; the copy loads meanwhile
    deadline = time.monotonic() + 10
    while sum(holder.hits for holder in served.store._holders) == 0:
        assert time.monotonic() < deadline, "no walk was answered from memory within 10 s"
        held = ok(get(client, served, path))
        time.sleep(0.02)
    assert edges_unordered(held) == edges_unordered(first)
    served.store.record_edges(
        [{"source": "warehouse.mart.revenue", "target": "warehouse.mart.revenue_v2", "job": "j"}]
    )
    after = ok(get(client, served, path))  # the very next walk sees the write
    assert "warehouse.mart.revenue_v2" in {node["qualifiedName"] for node in after["nodes"]}


def test_a_server_store_can_walk_the_database_only(served):
    store = open_server_store(served.url, hold_graph=0)
    try:
        assert not store.load_graph() and not list(store._holders)
        assert store.downstream("warehouse.stg.orders").total_nodes == 2
    finally:
        store.close()


def test_a_negative_graph_limit_is_refused_before_serving(served):
    printed = CliRunner().invoke(main, ["--db", served.url, "serve", "--hold-graph-edges", "-1"])
    assert printed.exit_code == 2
    assert "--hold-graph-edges" in printed.output and "-1" in printed.output
