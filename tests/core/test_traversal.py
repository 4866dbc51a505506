"""Walks, impact and the impact cache, checked against networkx on random graphs.

Each hypothesis example runs in a tenant of its own, so one store serves many examples and
tenants are exercised as a side effect.
"""

from __future__ import annotations

import itertools
import json
import time

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage_core import InvalidArgument, LineageGraph, QueryTimeout
from lineage_core.models import deferred_parts
from lineage_core.store import impact as impact_module
from lineage_core.store import walks

NODES = [f"s.t{i}" for i in range(10)]
JOBS = [None, ("loc_a", "job_1"), ("loc_a", "job_2"), ("loc_b", "job_1")]
OPS = ["op_x", "op_y"]
_tenant_counter = itertools.count()

edge_strategy = st.tuples(
    st.sampled_from(NODES),
    st.sampled_from(NODES),
    st.sampled_from(range(len(JOBS))),
    st.sampled_from(OPS),
)
graph_strategy = st.lists(edge_strategy, min_size=1, max_size=30)
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _records(edges):
    records = []
    for source, target, job, op in edges:
        location, name = JOBS[job] or (None, None)
        records.append(
            {"source": source, "target": target, "job": name, "op": op, "code_location": location}
        )
    return records


def _tenant(store):
    name = f"t{next(_tenant_counter)}"
    store.create_tenant(name, edition="premium")
    return store.with_tenant(name)


def _reference(edges) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for source, target, job, op in edges:
        if source != target:
            graph.add_edge(source, target, key=(job, op), job=job, op=op)
    return graph


def _expected_walk(graph, root, depth, reverse=False):
    g = graph.reverse(copy=False) if reverse else graph
    depths = nx.single_source_shortest_path_length(g, root, cutoff=depth)
    depths.pop(root)
    expanded = {root} | {n for n, d in depths.items() if d < depth}
    if reverse:
        edges = {(s, t, k) for s, t, k in graph.edges(keys=True) if t in expanded}
    else:
        edges = {(s, t, k) for s, t, k in graph.edges(keys=True) if s in expanded}
    return depths, edges


def _expected_jobs(graph, root, depth):
    depths = nx.single_source_shortest_path_length(graph, root, cutoff=depth)
    touched = set(depths)
    jobs = {}
    for s, t, (job, op) in graph.edges(keys=True):
        if (s in touched or t in touched) and JOBS[job]:
            jobs.setdefault(JOBS[job], set()).add(op)
    return jobs


def _actual_walk(graph_model, store_names):
    by_id = {n.id: n.qualified_name for n in graph_model.nodes}
    by_id[graph_model.root_asset_id] = graph_model.root
    depths = {n.qualified_name: n.depth for n in graph_model.nodes}
    reverse_jobs = {JOBS[i]: i for i in range(1, len(JOBS))}
    edges = set()
    for e in graph_model.edges:
        job = reverse_jobs[(e.code_location, e.workflow_id)] if e.workflow_id else 0
        edges.add((by_id[e.source], by_id[e.target], (job, e.op)))
    return depths, edges


@pytest.fixture(name="walk_path", params=["one query", "level by level"])
def fixture_walk_path(request, monkeypatch):
    """Walks up to a few thousand (asset, depth) pairs take one query, larger ones a query
    per level: a limit of 0 sends every walk down the second path."""
    if request.param == "level by level":
        monkeypatch.setattr("lineage_core.store.walks._SMALL_WALK", 0)
    return request.param


@SETTINGS
@given(edges=graph_strategy, depth=st.integers(1, 5), root=st.sampled_from(NODES))
def test_walks_match_networkx(store, walk_path, edges, depth, root):
    tenant = _tenant(store)
    tenant.record_edges(_records(edges))
    graph = _reference(edges)
    if root not in graph:
        return
    for direction, reverse in [("downstream", False), ("upstream", True)]:
        answer = getattr(tenant, direction)(root, max_depth=depth)
        depths, walk_edges = _actual_walk(answer, NODES)
        want_depths, want_edges = _expected_walk(graph, root, depth, reverse=reverse)
        assert depths == want_depths, direction
        assert walk_edges == want_edges, direction
        assert answer.total_nodes == len(want_depths)
        assert len(answer.nodes) == len({n.id for n in answer.nodes})  # each asset once


@SETTINGS
@given(edges=graph_strategy, root=st.sampled_from(NODES))
def test_live_impact_matches_networkx(store, edges, root):
    tenant = _tenant(store)
    tenant.record_edges(_records(edges))
    graph = _reference(edges)
    if root not in graph:
        return
    impact = tenant.impact(root, live=True, limit=3)
    depths = nx.single_source_shortest_path_length(graph, root, cutoff=15)
    depths.pop(root)
    assert impact.total_impacted_assets == len(depths)
    per_depth = {}
    for d in depths.values():
        per_depth[d] = per_depth.get(d, 0) + 1
    assert impact.counts_by_depth == per_depth
    expected_order = sorted(depths, key=lambda n: (depths[n], n))[:3]
    assert [n.qualified_name for n in impact.downstream_assets] == expected_order
    jobs = {(j.code_location, j.workflow_id): set(j.ops) for j in impact.affected_workflows}
    assert jobs == _expected_jobs(graph, root, 15)
    assert impact.total_impacted_workflows == len(jobs)


@SETTINGS
@given(edges=graph_strategy, root=st.sampled_from(NODES), depth=st.sampled_from([1, 2, 15]))
def test_live_impact_jobs_match_networkx_when_each_level_takes_several_queries(
    store, monkeypatch, edges, root, depth
):
    """The contexts are asked a level at a time in batches of ids; with batches of two ids,
    every level of more than two assets, the root's level and the deepest level's edges out
    take several queries, and the jobs and ops found must still be all of them."""
    monkeypatch.setattr(impact_module, "_CONTEXT_BATCH", 2)
    tenant = _tenant(store)
    tenant.record_edges(_records(edges))
    graph = _reference(edges)
    if root not in graph:
        return
    impact = tenant.impact(root, live=True, max_depth=depth)
    jobs = {(j.code_location, j.workflow_id): set(j.ops) for j in impact.affected_workflows}
    assert jobs == _expected_jobs(graph, root, depth)


def _comparable(impact):
    data = impact.to_json()
    for key in ("cached", "computedAt"):
        data.pop(key)
    return data


operation_strategy = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.lists(edge_strategy, min_size=1, max_size=6)),
        st.tuples(st.just("remove"), st.tuples(st.sampled_from(NODES), st.sampled_from(NODES))),
        st.tuples(st.just("refresh"), st.sampled_from(["auto", "bfs", "bitset"])),
    ),
    min_size=1,
    max_size=8,
)


@SETTINGS
@given(operations=operation_strategy, method=st.sampled_from(["bfs", "bitset"]))
def test_cache_equals_live_after_any_inserts_removals_and_refresh(store, operations, method):
    tenant = _tenant(store)
    for kind, argument in operations:
        if kind == "add":
            tenant.record_edges(_records(argument))
        elif kind == "remove":
            source, target = argument
            if {source, target} <= {a.qualified_name for a in tenant.assets(limit=1000)}:
                tenant.remove_edges(source, target)
        else:
            tenant.refresh_impact_cache(method=argument)
    tenant.refresh_impact_cache(method=method)
    assert tenant.stale_cache_entries() == 0
    for asset in tenant.assets(limit=1000):
        cached = tenant.impact(asset.qualified_name, limit=4)
        live = tenant.impact(asset.qualified_name, live=True, limit=4)
        assert cached.cached and not live.cached
        assert _comparable(cached) == _comparable(live), asset.qualified_name


def test_removing_an_edge_marks_every_ancestor_stale(store):
    chain = [f"c.n{i}" for i in range(6)]
    store.record_edges([{"source": a, "target": b} for a, b in itertools.pairwise(chain)])
    store.refresh_impact_cache()
    assert store.impact("c.n0").total_impacted_assets == 5
    store.remove_edges("c.n3", "c.n4")
    # not only the endpoints: n0..n2 lost descendants, n5 lost ancestors
    assert store.stale_cache_entries() == 6
    assert store.impact("c.n0").cached is False
    assert store.impact("c.n0").total_impacted_assets == 3
    store.refresh_impact_cache()
    assert store.impact("c.n0").cached is True
    assert store.impact("c.n0").total_impacted_assets == 3


def test_diamonds_reach_each_asset_once_at_its_shortest_depth(store):
    edges = []
    for level in range(20):
        hub, following = f"d.hub{level}", f"d.hub{level + 1}"
        for middle in range(8):
            name = f"d.m{level}_{middle}"
            edges += [{"source": hub, "target": name}, {"source": name, "target": following}]
    store.record_edges(edges)
    answer = store.downstream("d.hub0", max_depth=15)
    assert answer.total_nodes == len({n.id for n in answer.nodes})
    hubs = {n.qualified_name: n.depth for n in answer.nodes if "hub" in n.qualified_name}
    assert hubs == {f"d.hub{k}": 2 * k for k in range(1, 8)}
    assert max(n.depth for n in answer.nodes) == 15


def test_cycles_terminate(store):
    store.record_edges(
        [
            {"source": "c.a", "target": "c.b"},
            {"source": "c.b", "target": "c.c"},
            {"source": "c.c", "target": "c.a"},
        ]
    )
    down = store.downstream("c.a", max_depth=100)
    assert {n.qualified_name: n.depth for n in down.nodes} == {"c.b": 1, "c.c": 2}
    assert len(down.edges) == 3  # the edge back into the root is part of the answer
    full = store.full("c.a")
    assert full.total_nodes == 2
    assert (full.upstream_count, full.downstream_count) == (2, 2)


def _plain_full(store, root, depth=15):
    """The full answer joined from plain models, as ``walks.full`` joins any two graphs that
    are not the store's deferred answers."""
    up, down = (
        LineageGraph.model_validate(getattr(store, kind)(root, depth).model_dump())
        for kind in ("upstream", "downstream")
    )
    return walks.full(up, down, depth)


FULL_ANSWERS = ["store answer", "store answer's JSON", "plain models"]


def _sides(store, root, answer, depth=15):
    if answer == "plain models":
        full = _plain_full(store, root, depth)
        assert deferred_parts(full) is None
        nodes = full.to_json()["nodes"]
    elif answer == "store answer's JSON":
        full = store.full(root, depth)
        assert deferred_parts(full) is not None
        nodes = json.loads(full.to_json_bytes())["nodes"]
    else:
        nodes = [node.to_json() for node in store.full(root, depth).nodes]
    return {node["qualifiedName"]: node["direction"] for node in nodes}


@pytest.mark.parametrize("answer", FULL_ANSWERS)
def test_full_says_on_which_side_of_the_root_each_asset_lies(store, walk_path, answer):
    store.record_edges(
        [
            {"source": source, "target": target}
            for source, target in [
                ("f.u2", "f.u1"), ("f.u1", "f.r"), ("f.r", "f.d1"), ("f.d1", "f.c"),
                ("f.c", "f.r"), ("f.r", "f.d2"),
            ]
        ]
    )  # fmt: skip
    assert _sides(store, "f.r", answer) == {
        "f.u2": "upstream",
        "f.u1": "upstream",
        "f.d1": "both",  # f.r -> f.d1 -> f.c -> f.r: a cycle through the root
        "f.c": "both",
        "f.d2": "downstream",
    }


@pytest.mark.parametrize("answer", FULL_ANSWERS)
def test_a_side_is_found_within_the_walks_depth_only(store, answer):
    store.record_edges(
        [{"source": "g.r", "target": "g.a"}, {"source": "g.a", "target": "g.b"},
         {"source": "g.b", "target": "g.r"}]
    )  # fmt: skip
    assert _sides(store, "g.r", answer, depth=1) == {"g.a": "downstream", "g.b": "upstream"}


def test_upstream_and_downstream_answers_have_no_sides(store):
    store.record_edges([{"source": "h.a", "target": "h.b"}, {"source": "h.b", "target": "h.a"}])
    for kind in ("upstream", "downstream"):
        answer = getattr(store, kind)("h.a")
        assert "direction" not in json.loads(answer.to_json_bytes())["nodes"][0]
        [node] = answer.nodes
        assert node.direction is None and "direction" not in node.to_json()


@SETTINGS
@given(edges=graph_strategy, depth=st.integers(1, 5), root=st.sampled_from(NODES))
def test_sides_match_networkx(store, walk_path, edges, depth, root):
    tenant = _tenant(store)
    tenant.record_edges(_records(edges))
    graph = _reference(edges)
    if root not in graph:
        return
    down, _ = _expected_walk(graph, root, depth)
    up, _ = _expected_walk(graph, root, depth, reverse=True)
    want = {
        name: "both" if name in up and name in down else "upstream" if name in up else "downstream"
        for name in up.keys() | down.keys()
    }
    answer = tenant.full(root, max_depth=depth)
    assert {
        n["qualifiedName"]: n["direction"] for n in json.loads(answer.to_json_bytes())["nodes"]
    } == want
    assert {n.qualified_name: n.direction for n in answer.nodes} == want


def test_node_cap_truncates_and_says_so(store, walk_path):
    store.record_edges([{"source": "w.root", "target": f"w.leaf{i}"} for i in range(50)])
    store.record_edges([{"source": f"w.leaf{i}", "target": f"w.far{i}"} for i in range(50)])
    answer = store.downstream("w.root", max_nodes=60)
    assert answer.truncated is True
    assert answer.total_nodes == 60
    assert sorted(n.depth for n in answer.nodes) == [1] * 50 + [2] * 10  # the nearest kept
    kept = {n.id for n in answer.nodes} | {answer.root_asset_id}
    assert {e.source for e in answer.edges} | {e.target for e in answer.edges} <= kept
    assert len(answer.edges) == 60
    assert store.downstream("w.root").truncated is False


def test_query_time_limit_stops_a_long_walk(store):
    layers = [[f"l.n{layer}_{i}" for i in range(40)] for layer in range(12)]
    store.record_edges(
        [
            {"source": a, "target": b}
            for upper, lower in itertools.pairwise(layers)
            for a in upper
            for b in lower
        ]
    )
    store.timeout = 0.0005
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        store.downstream("l.n0_0")
    assert time.monotonic() - started < 5
    store.timeout = 30
    assert store.downstream("l.n0_0").total_nodes == 11 * 40


@pytest.mark.parametrize("jobs", [2, 40], ids=["few jobs", "more jobs than context bytes"])
def test_cached_job_counts_equal_the_live_answer(store, jobs):
    """Job counts are read from each entry's context bits, one way for few jobs and another
    for many; both must count what the live answer lists."""
    edges = [
        {
            "source": f"c.n{i}",
            "target": f"c.n{i + 1}",
            "job": f"job_{i % jobs}",
            "op": f"op_{i % 3}",
            "code_location": "loc",
        }
        for i in range(60)
    ]
    store.record_edges(edges)
    store.refresh_impact_cache(stale_only=False, method="bitset")
    counts = {name: job_count for name, _, job_count in store.largest_impacts(limit=100)}
    for name in ("c.n0", "c.n30", "c.n45", "c.n59", "c.n60"):
        live = store.impact(name, live=True)
        assert counts[name] == len(live.affected_workflows), name
    assert counts["c.n0"] == min(jobs, 16)  # 15 levels: 16 edges from the root


def _cache_answers(store, names):
    return {name: _comparable(store.impact(name)) for name in names}


@pytest.mark.parametrize("worker", ["python", "broken"])
def test_refresh_with_a_second_process_gives_the_same_entries(store, monkeypatch, caplog, worker):
    """The upstream half (and half of the job bits) may run in a worker process; a worker
    that dies is replaced by computing here, and either way the entries equal the live
    answers."""
    edges = [
        (f"w.n{i}", f"w.n{j}")
        for i in range(40)
        for j in (i + 1, i + 3, (i * 7) % 40)
        if j < 40 and j != i
    ]
    store.record_edges(  # 15 (job, op) contexts: each process ORs half of their bits
        [
            {"source": s, "target": t, "job": f"j{k % 5}", "op": f"o{k % 3}"}
            for k, (s, t) in enumerate(edges)
        ]
    )
    names = [f"w.n{i}" for i in range(40)]
    if worker == "broken":
        monkeypatch.setattr("sys.executable", "/bin/false")
    result = store.refresh_impact_cache(stale_only=False, method="bitset", workers=2)
    assert result.entries_refreshed == 40
    failed = [r for r in caplog.records if "refresh worker failed" in r.getMessage()]
    assert len(failed) == (1 if worker == "broken" else 0)
    cached = _cache_answers(store, names)
    live = {name: _comparable(store.impact(name, live=True)) for name in names}
    assert cached == live
    assert any(entry["totalImpactedAssets"] > 10 for entry in cached.values())
    assert any(len(entry["affectedWorkflows"]) == 5 for entry in cached.values())


def test_refresh_refuses_an_unknown_worker_count(store):
    store.record_edge("w.a", "w.b")
    with pytest.raises(InvalidArgument, match="workers"):
        store.refresh_impact_cache(workers=3)


def test_concurrent_refreshes_never_share_a_context_position(store, store_url):
    """Two refreshes meeting new (job, op) contexts at once each get their own positions,
    and every entry either wrote still names the right jobs."""
    from concurrent.futures import ThreadPoolExecutor

    from lineage_core import open_store

    stores = [open_store(store_url) for _ in range(2)]
    try:
        for round_ in range(3):
            for k, side in enumerate(stores):
                side.record_edges(
                    [
                        {
                            "source": f"c.r{round_}_{k}_{i}",
                            "target": f"c.r{round_}_{k}_{i + 1}",
                            "job": f"job_{round_}_{k}",
                            "op": f"op_{i}",
                        }
                        for i in range(5)
                    ]
                )
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda side: side.refresh_impact_cache(stale_only=False), stores))
        assert store.stale_cache_entries() == 0
        for round_ in range(3):
            for k in range(2):
                name = f"c.r{round_}_{k}_0"
                cached, live = store.impact(name), store.impact(name, live=True)
                assert cached.cached
                assert cached.affected_workflows == live.affected_workflows
                assert [j.workflow_id for j in cached.affected_workflows] == [f"job_{round_}_{k}"]
    finally:
        for side in stores:
            side.close()


def test_a_job_recorded_after_a_walk_is_named_in_the_next_walk(store):
    """Job names are kept per store once read; a job that appears later must still be named."""
    store.record_edge("n.a", "n.b", job="first_job", op="x", code_location="loc")
    assert [e.workflow_id for e in store.downstream("n.a").edges] == ["first_job"]
    store.record_edge("n.b", "n.c", job="second_job", op="y", code_location="loc")
    assert sorted(e.workflow_id for e in store.downstream("n.a").edges) == [
        "first_job",
        "second_job",
    ]
