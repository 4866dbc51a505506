"""``?as_of=`` on the walks and impact, and the diff route, through the ASGI app on both
backends over the tests' recorded lineage (:mod:`lineage_data`): its runs ran at T0, T0 + 1 h
and later, so the lineage as of T0 + 30 min is only what the first run produced."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from lineage_data import T0

from lineage_core.server.openapi import openapi_document

ORDERS = "/api/lineage/assets/warehouse.main.orders"
REVENUE = "/api/lineage/assets/warehouse.mart.revenue"


def get(client, served, path: str, tenant: str = "default", **params):
    return client.get(path, headers=served.tokens.header(tenant), params=params)


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def names(graph: dict) -> set[str]:
    return {node["qualifiedName"] for node in graph["nodes"]}


def at(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def tick() -> datetime:
    time.sleep(0.005)
    moment = datetime.now(UTC)
    time.sleep(0.005)
    return moment


def test_the_walks_as_of_a_time_walk_the_edges_of_the_runs_before_it(client, served):
    half_past = at(T0 + timedelta(minutes=30))
    assert names(ok(get(client, served, f"{ORDERS}/downstream", as_of=half_past))) == {
        "warehouse.stg.orders"
    }
    later = ok(get(client, served, f"{ORDERS}/downstream", as_of=at(T0 + timedelta(hours=1))))
    assert names(later) == {"warehouse.stg.orders", "warehouse.mart.revenue"}
    assert names(ok(get(client, served, f"{ORDERS}/downstream"))) == {
        "warehouse.stg.orders",
        "warehouse.mart.revenue",
        "analytics.public.dashboard",
    }
    before = ok(get(client, served, f"{REVENUE}/upstream", as_of="2026-11-01"))
    assert (before["root"], before["nodes"], before["edges"]) == ("warehouse.mart.revenue", [], [])
    full = ok(get(client, served, "/api/lineage/assets/warehouse.stg.orders/full", as_of=half_past))
    assert {(n["qualifiedName"], n["direction"]) for n in full["nodes"]} == {
        ("warehouse.main.orders", "upstream")
    }
    assert full["edges"] == [
        {
            "source": str(served.store.get_asset("warehouse.main.orders").id),
            "target": str(served.store.get_asset("warehouse.stg.orders").id),
            "workflowId": "ingest",
            "op": "load_orders",
            "codeLocation": "shop",
            "transformationType": "copy",
        }
    ]


def test_a_retired_edge_is_walked_as_of_before_its_retirement(client, served):
    store = served.store
    [edge] = [e for e in store.edges("warehouse.stg.orders") if e.target.endswith("revenue")]
    before = tick()
    store.retire_edges([edge.id])
    path = "/api/lineage/assets/warehouse.stg.orders/downstream"
    assert "warehouse.mart.revenue" in names(ok(get(client, served, path, as_of=at(before))))
    assert "warehouse.mart.revenue" not in names(ok(get(client, served, path)))
    assert (
        ok(get(client, served, path, as_of=at(before)))
        == store.downstream("warehouse.stg.orders", as_of=before).to_json()
    )


def test_impact_as_of_a_time_is_computed_not_cached(client, served):
    present = ok(get(client, served, f"{ORDERS}/impact"))
    assert present["cached"] is True
    past = ok(get(client, served, f"{ORDERS}/impact", as_of=at(T0 + timedelta(minutes=30))))
    assert past["cached"] is False and past["computedAt"] is None
    assert [n["qualifiedName"] for n in past["downstreamAssets"]] == ["warehouse.stg.orders"]
    assert [w["workflowId"] for w in past["affectedWorkflows"]] == ["ingest"]
    assert past["failedWrites"] == []
    expected = served.store.impact("warehouse.main.orders", as_of=T0 + timedelta(minutes=30))
    assert {
        key: value for key, value in past.items() if key != "failedWrites"
    } == expected.to_json()


def test_the_diff_route_lists_changes_with_when(client, served):
    window = {"since": at(T0 + timedelta(minutes=30)), "until": at(T0 + timedelta(hours=2))}
    found = ok(get(client, served, f"{ORDERS}/diff", **window))
    assert (found["root"], found["direction"], found["maxDepth"]) == (
        "warehouse.main.orders",
        "downstream",
        15,
    )
    assert [(a["qualifiedName"], a["depth"], a["at"]) for a in found["addedAssets"]] == [
        ("warehouse.mart.revenue", 2, "2026-11-01T13:00:00Z")
    ]
    assert [(e["source"], e["target"], e["at"], e["activeUntil"]) for e in found["addedEdges"]] == [
        ("warehouse.stg.orders", "warehouse.mart.revenue", "2026-11-01T13:00:00Z", None)
    ]
    assert found["removedAssets"] == found["removedEdges"] == []
    assert found == served.store.diff("warehouse.main.orders", **window).to_json()

    up = ok(get(client, served, f"{REVENUE}/diff", direction="upstream", depth=1, **window))
    assert {a["qualifiedName"] for a in up["addedAssets"]} == {
        "warehouse.stg.orders",
        "warehouse.stg.customers",
    }
    back = ok(get(client, served, f"{ORDERS}/diff", since=window["until"], until=window["since"]))
    assert (back["addedAssets"], back["removedAssets"]) == ([], found["addedAssets"])
    week = ok(get(client, served, f"{ORDERS}/diff"))
    assert datetime.fromisoformat(week["until"]) - datetime.fromisoformat(
        week["since"]
    ) == timedelta(days=7)


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        (f"{ORDERS}/downstream", {"as_of": "yesterday"}, "as_of"),
        (f"{ORDERS}/upstream", {"as_of": "2026-02-30"}, "as_of"),
        (f"{ORDERS}/full", {"as_of": "2026-11-01T12:00+25:00"}, "as_of"),
        (f"{ORDERS}/impact", {"as_of": "x" * 100}, "as_of"),
        (f"{ORDERS}/diff", {"since": "last week"}, "since"),
        (f"{ORDERS}/diff", {"until": "soon"}, "until"),
        (f"{ORDERS}/diff", {"direction": "sideways"}, "direction"),
        (f"{ORDERS}/diff", {"depth": "0"}, "depth"),
    ],
)
def test_a_bad_time_or_window_is_422_naming_it(client, served, path, params, named):
    response = get(client, served, path, **params)
    assert response.status_code == 422, response.text
    assert named in response.json()["detail"]


def test_another_tenants_lineage_never_appears(client, served):
    now = at(tick())
    acme = ok(
        get(client, served, "/api/lineage/assets/acme.raw.events/downstream", "acme", as_of=now)
    )
    assert names(acme) == {"acme.stg.events"}
    assert get(client, served, f"{ORDERS}/diff", "acme").status_code == 404
    assert get(client, served, "/api/lineage/assets/acme.raw.events/diff").status_code == 404
    found = ok(get(client, served, "/api/lineage/assets/acme.raw.events/diff", "acme"))
    assert [a["qualifiedName"] for a in found["addedAssets"]] == ["acme.stg.events"]
    assert get(client, served, f"{ORDERS}/diff", "basic").status_code == 403


def test_the_document_describes_as_of_and_the_diff_route():
    paths = openapi_document(auth=True)["paths"]
    for action in ("upstream", "downstream", "full", "impact"):
        parameters = paths[f"/api/lineage/assets/{{asset}}/{action}"]["get"]["parameters"]
        assert "as_of" in {parameter["name"] for parameter in parameters}
    diff = paths["/api/lineage/assets/{asset}/diff"]["get"]
    assert diff["operationId"] == "getDiff"
    assert [p["name"] for p in diff["parameters"]] == [
        "asset",
        "since",
        "until",
        "depth",
        "direction",
    ]
    assert diff["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LineageDiff"
    }
