"""The explorer's server over a store of each backend holding the tests' lineage
(:mod:`lineage_data`): through the ASGI app (``client``), or on a real uvicorn socket
(``running``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lineage_data import Served, record_lineage
from served_app import FAST, TestClient, make_client

from lineage_core import open_store
from lineage_core.server import RunningServer, open_server_store, start


@pytest.fixture(name="served")
def fixture_served(store_url: str, tmp_path: Path) -> Iterator[Served]:
    open_store(store_url).close()  # as `lineage init` does: the server opens existing stores
    store = open_server_store(store_url)
    try:
        tokens, connections = record_lineage(store, tmp_path)
        yield Served(store, store_url, tokens, connections)
    finally:
        store.close()


@pytest.fixture(name="client")
def fixture_client(served: Served) -> Iterator[TestClient]:
    with make_client(served) as client:
        yield client


@pytest.fixture(name="running")
def fixture_running(served: Served) -> Iterator[RunningServer]:
    with start(store=served.store, connections=served.connections, **FAST) as server:
        yield server
