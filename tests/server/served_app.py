"""Ways to reach the explorer's server in tests, shared by the fixtures and the tests that
build their own app: the ASGI test client and the live channel sped up."""

from __future__ import annotations

import warnings

from lineage_data import Served

from lineage_core.server import create_app

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 for its test client
    from starlette.exceptions import StarletteDeprecationWarning

    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

FAST = {"poll_seconds": 0.2, "heartbeat_seconds": 1.0}  # the live channel, sped up


def make_client(served: Served, **options) -> TestClient:
    app = create_app(served.store, connections=served.connections, **FAST, **options)
    return TestClient(app, base_url="http://127.0.0.1")
