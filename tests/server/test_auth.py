"""Bearer tokens, tenants and editions: who may see what, on every route, on both backends."""

from __future__ import annotations

import pytest
from served_app import make_client

from lineage_core.errors import InvalidArgument, LineageNotEnabled
from lineage_core.server.auth import host_of, is_loopback, require_loopback_bind
from lineage_core.server.routes import OPERATIONS

VALUES = {"asset": "warehouse.stg.orders", "edge_id": "1", "job": "ingest"}
LINEAGE_ROUTES = [(op.method, op.path.format(**VALUES)) for op in OPERATIONS] + [
    ("GET", "/api/lineage/events")
]
IDS = [f"{method} {path}" for method, path in LINEAGE_ROUTES]


def call(client, method: str, path: str, headers: dict[str, str]):
    return client.request(method, path, headers=headers)


@pytest.mark.parametrize(("method", "path"), LINEAGE_ROUTES, ids=IDS)
def test_every_lineage_route_needs_a_bearer_token(client, method, path):
    for headers in ({}, {"Authorization": ""}, {"Authorization": "Basic dXNlcjpwdw=="}):
        refused = call(client, method, path, headers)
        assert refused.status_code == 401, (headers, refused.text)
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert refused.json()["detail"]


@pytest.mark.parametrize(
    "token",
    ["lin_" + "x" * 43, "not-a-token", "lin_short", "revoked"],
)
def test_unknown_malformed_and_revoked_tokens_are_401(client, served, token):
    token = served.tokens.revoked if token == "revoked" else token
    refused = client.get("/api/lineage/assets", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'Bearer realm="lineage", error="invalid_token"'


def test_a_token_revoked_while_serving_is_refused_at_once(client, served):
    _, secret = served.store.create_token("short-lived")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/lineage/assets", headers=headers).status_code == 200
    served.store.revoke_token("short-lived")
    assert client.get("/api/lineage/assets", headers=headers).status_code == 401


def test_a_tokens_last_use_is_recorded(client, served):
    before = {t.name: t.last_used_at for t in served.store.tokens(tenant="default")}
    assert before["explorer"] is None
    client.get("/api/lineage/assets", headers=served.tokens.header())
    after = {t.name: t.last_used_at for t in served.store.tokens(tenant="default")}
    assert after["explorer"] is not None


@pytest.mark.parametrize(("method", "path"), LINEAGE_ROUTES, ids=IDS)
def test_a_standard_tenant_gets_the_design_documents_403_everywhere(client, served, method, path):
    refused = call(client, method, path, served.tokens.header("basic"))
    assert refused.status_code == 403
    assert refused.json() == {"detail": LineageNotEnabled.MESSAGE}


def test_a_standard_tenant_gets_403_before_its_parameters_are_read(client, served):
    path = "/api/lineage/assets/warehouse.stg.orders/upstream?max_depth=0"
    assert client.get(path, headers=served.tokens.header("basic")).status_code == 403


def test_another_tenants_token_sees_only_its_own_rows(client, served):
    acme = served.tokens.header("acme")
    listed = client.get("/api/lineage/assets", headers=acme).json()
    assert [a["qualifiedName"] for a in listed["assets"]] == ["acme.raw.events", "acme.stg.events"]
    default_asset = served.store.get_asset("warehouse.stg.orders")
    default_edge = served.store.edges("warehouse.stg.orders")[0]
    for path in (
        "/api/lineage/assets/warehouse.stg.orders",
        f"/api/lineage/assets/{default_asset.id}",
        f"/api/lineage/assets/{default_asset.id}/downstream",
        f"/api/lineage/assets/{default_asset.id}/impact",
        f"/api/lineage/assets/{default_asset.id}/columns",
        f"/api/lineage/assets/{default_asset.id}/edges",
        f"/api/lineage/assets/{default_asset.id}/profiles",
        f"/api/lineage/edges/{default_edge.id}",
        "/api/lineage/workflows/ingest/assets",
    ):
        answer = client.get(path, headers=acme)
        assert answer.status_code == 404, path
        assert "warehouse.stg.orders" not in answer.json().get("suggestions", []), path
    profile = client.post(f"/api/lineage/assets/{default_asset.id}/profile", headers=acme)
    assert profile.status_code == 404
    own = served.store.with_tenant("acme").get_asset("acme.stg.events")
    assert client.get(f"/api/lineage/assets/{own.id}", headers=acme).status_code == 200
    theirs = client.get(f"/api/lineage/assets/{own.id}", headers=served.tokens.header())
    assert theirs.status_code == 404


def test_without_tokens_one_tenant_is_served_to_loopback_hosts_only(served):
    with make_client(served, auth=False) as client:
        assert client.get("/api/config").json() == {
            "dagsterUrl": None,
            "auth": False,
            "tenant": "default",
        }
        listed = client.get("/api/lineage/assets")
        assert listed.status_code == 200 and listed.json()["totalAssets"] == 9
        for host in ("localhost:3100", "[::1]:3100", "127.0.0.2"):
            assert client.get("/api/lineage/assets", headers={"Host": host}).status_code == 200
        rebound = client.get("/api/lineage/assets", headers={"Host": "evil.example:3100"})
        assert rebound.status_code == 400
        document = client.get("/api/openapi.json").json()
        assert "securitySchemes" not in document["components"]
    with make_client(served, auth=False, tenant="basic") as client:
        assert client.get("/api/lineage/assets").status_code == 403


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.1.2.3", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_loopback_addresses_are_told_apart(host, loopback):
    assert is_loopback(host) is loopback
    if loopback:
        require_loopback_bind(host)
    else:
        with pytest.raises(InvalidArgument, match="--no-auth"):
            require_loopback_bind(host)


@pytest.mark.parametrize(
    ("header", "host"),
    [("127.0.0.1:3100", "127.0.0.1"), ("[::1]:3100", "::1"), ("localhost", "localhost")],
)
def test_the_host_of_a_host_header(header, host):
    assert host_of(header) == host
