"""The graph held in memory: its walks equal the database's, and a write is never missed.

A store opened with ``hold_graph`` walks a copy of the tenant's graph while the copy is of the
current graph version. These tests compare its answers with a store that walks the database
(itself checked against networkx in test_traversal.py), on random graphs with cycles, several
jobs, ops and transformation types per asset, and node caps; then check that every kind of
write that changes an answer is seen by the very next walk, also while another thread writes.
"""

from __future__ import annotations

import itertools
import json
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage_core import LineageNotEnabled, open_store
from lineage_core.store import held as held_module

NODES = [f"s.t{i}" for i in range(12)]
JOBS = [None, ("loc_a", "job_1"), ("loc_a", "job_2"), ("loc_b", "job_1")]
OPS = ["op_x", "op_y"]
KINDS = [None, "INSERT", "MERGE"]  # transformation types
_tenants = itertools.count()

edge_strategy = st.tuples(*map(st.sampled_from, (NODES, NODES, range(len(JOBS)), OPS, KINDS)))
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


def _records(edges):
    records = []
    for source, target, job, op, transformation in edges:
        if source == target:
            continue
        location, name = JOBS[job] or (None, None)
        records.append(
            {
                "source": source,
                "target": target,
                "job": name,
                "op": op,
                "code_location": location,
                "transformation": transformation,
            }
        )
    return records


@pytest.fixture(name="stores")
def fixture_stores(store_url):
    """The same store opened twice: one walks the database, one the graph it holds."""
    plain = open_store(store_url)
    held = open_store(store_url, hold_graph=10_000)
    try:
        yield plain, held
    finally:
        held.close()
        plain.close()


def _tenant_pair(plain, held):
    name = f"h{next(_tenants)}"
    plain.create_tenant(name, edition="premium")
    return plain.with_tenant(name), held.with_tenant(name)


def _answer(body: dict) -> tuple:
    """A walk's answer with its edges in a fixed order (the order of edges is not part of it)."""
    body = dict(body)
    edges = sorted(json.dumps(edge, sort_keys=True) for edge in body.pop("edges"))
    nodes = body.pop("nodes")
    return body, nodes, edges


def _hits(store) -> int:
    return store._ctx.held.hits


@pytest.fixture(name="grouping", params=["sorted", "masked"])
def fixture_grouping(request, monkeypatch):
    """An answer's edges are grouped by sorting them, or by a mask over all edges when they
    are a good share of the graph: each way for every answer."""
    monkeypatch.setattr(held_module, "_MASK_FROM", 0 if request.param == "sorted" else 10**9)
    return request.param


@SETTINGS
@given(
    edges=st.lists(edge_strategy, min_size=1, max_size=40),
    depth=st.integers(1, 6),
    max_nodes=st.integers(1, 12),
)
def test_held_walks_equal_database_walks(stores, grouping, edges, depth, max_nodes):
    plain, held = _tenant_pair(*stores)
    records = _records(edges)
    if not records:
        return
    plain.record_edges(records)
    assert held.load_graph()
    before = _hits(held)
    walked = 0
    for root in sorted({r["source"] for r in records} | {r["target"] for r in records}):
        for direction in ("downstream", "upstream", "full"):
            want = getattr(plain, direction)(root, max_depth=depth, max_nodes=max_nodes)
            got = getattr(held, direction)(root, max_depth=depth, max_nodes=max_nodes)
            assert _answer(got.to_json()) == _answer(want.to_json()), (root, direction)
            written = json.loads(got.to_json_bytes())  # the JSON written from the columns
            assert _answer(written) == _answer(want.to_json()), (root, direction)
            walked += 2 if direction == "full" else 1
    assert _hits(held) - before == walked  # every walk was answered from memory


def _chain(store, names, **context):
    store.record_edges(
        [{"source": a, "target": b, **context} for a, b in itertools.pairwise(names)]
    )


def _downstream_names(store, root="s.a"):
    return {node.qualified_name for node in store.downstream(root).nodes}


def _wait_for_copy(store, deadline_seconds=10.0):
    """Walk until a walk is answered from memory (the background reload has finished)."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        before = _hits(store)
        store.downstream("s.a")
        if _hits(store) > before:
            return
        time.sleep(0.02)
    pytest.fail(f"the graph was not held again within {deadline_seconds} s")


def test_every_change_is_seen_by_the_next_walk(stores):
    plain, held = _tenant_pair(*stores)
    _chain(plain, ["s.a", "s.b", "s.c"], job="j", op="o")
    assert held.load_graph()
    assert _downstream_names(held) == {"s.b", "s.c"}

    # A new edge: the next walk sees it, from the database until the copy is reloaded.
    _chain(plain, ["s.c", "s.d"], job="j", op="o")
    assert _downstream_names(held) == {"s.b", "s.c", "s.d"}
    _wait_for_copy(held)
    assert _downstream_names(held) == {"s.b", "s.c", "s.d"}

    # A retired edge.
    retired = [edge.id for edge in plain.edges("s.c") if edge.target == "s.d"]
    assert plain.retire_edges(retired) == 1
    assert _downstream_names(held) == {"s.b", "s.c"}
    _wait_for_copy(held)

    # A removed edge.
    assert plain.remove_edges("s.b", "s.c") == 1
    assert _downstream_names(held) == {"s.b"}
    _wait_for_copy(held)

    # An edge's new transformation type, with no change to the graph's shape.
    _chain(plain, ["s.a", "s.b"], job="j", op="o", transformation="MERGE")
    assert {edge.transformation_type for edge in held.downstream("s.a").edges} == {"MERGE"}
    _wait_for_copy(held)

    # An asset's new type.
    plain.upsert_asset("s.b", type="view")
    assert {node.type for node in held.downstream("s.a").nodes} == {"view"}
    _wait_for_copy(held)
    assert {node.type for node in held.downstream("s.a").nodes} == {"view"}

    # The edition gate still holds with a copy in memory.
    plain.set_edition(plain.tenant, "standard")
    with pytest.raises(LineageNotEnabled):
        held.downstream("s.a")


def test_a_transaction_walks_its_own_writes(stores):
    plain, held = _tenant_pair(*stores)
    _chain(plain, ["s.a", "s.b"], job="j", op="o")
    assert held.load_graph()
    with held.transaction():
        _chain(held, ["s.b", "s.c"], job="j", op="o")
        assert _downstream_names(held) == {"s.b", "s.c"}
    assert _downstream_names(held) == {"s.b", "s.c"}


def test_a_graph_over_the_limit_is_not_held(store_url):
    with open_store(store_url, hold_graph=3) as held:
        held.create_tenant("big", edition="premium")
        big = held.with_tenant("big")
        _chain(big, [f"s.n{i}" for i in range(6)], job="j", op="o")
        assert not big.load_graph()
        assert len(big.downstream("s.n0").nodes) == 5
        assert big._ctx.held.loads == 0
    with open_store(store_url) as plain:
        assert not plain.load_graph()  # a store that does not hold its graph


def test_walks_see_every_write_of_another_thread(stores):
    """A writer extends a chain while a reader walks it: each walk that starts after a write
    has committed includes it, whether answered from memory or from the database."""
    plain, held = _tenant_pair(*stores)
    _chain(plain, ["s.a", "s.x0"], job="j", op="o")
    assert held.load_graph()
    committed = [0]
    failures: list[str] = []
    stop = threading.Event()
    writes, deadline = 40, time.monotonic() + 60

    def write() -> None:
        try:
            for i in range(1, writes + 1):
                if stop.is_set() or time.monotonic() > deadline:
                    return
                _chain(plain, [f"s.x{i - 1}", f"s.x{i}"], job="j", op="o")
                committed[0] = i
                time.sleep(0.01)
        finally:
            stop.set()

    writer = threading.Thread(target=write)
    writer.start()
    walks = 0
    try:
        while not stop.is_set() and time.monotonic() < deadline:
            known = committed[0]
            names = held.downstream("s.a", max_depth=100).nodes
            walks += 1
            reached = {node.qualified_name for node in names}
            missing = {f"s.x{i}" for i in range(known + 1)} - reached
            if missing:
                failures.append(f"after write {known}, a walk missed {sorted(missing)[:3]}")
    finally:
        stop.set()
        writer.join()
    assert not failures, failures[:3]
    assert committed[0] == writes, "the writer did not finish before the deadline"
    assert walks >= 10
    _wait_for_copy(held)
    assert len(held.downstream("s.a", max_depth=100).nodes) == writes + 1
