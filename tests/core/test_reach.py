"""Counts exact up to a limit and estimated beyond, against walks: the passes over a whole graph
must give every node what one walk from it gives, flag included.

The limit is lowered (to a few assets) so that small graphs cross it in both directions.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage_core import reach, sketch
from lineage_core.graph import bfs_depths, level_order, reverse


@pytest.fixture(name="limit", params=[2, 6, 25, 10_000])  # the same for every example
def fixture_limit(request, monkeypatch):
    monkeypatch.setattr(reach, "EXACT_LIMIT", request.param)
    monkeypatch.setattr(reach, "_FOLLOW_UNDER", request.param * 3 // 2)
    return request.param


@st.composite
def graphs(draw: st.DrawFn) -> list[list[int]]:
    n = draw(st.integers(1, 60))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=150))
    adjacency: list[list[int]] = [[] for _ in range(n)]
    for s, t in edges:
        if t not in adjacency[s]:
            adjacency[s].append(t)  # self-loops included on purpose
    return adjacency


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(graphs(), st.integers(1, 15))
def test_every_node_gets_what_its_walk_gives(limit, adjacency, max_depth):
    n = len(adjacency)
    ids = [1_000 + 7 * v for v in range(n)]
    jobs = [random.Random(v).getrandbits(6) for v in range(n)]
    positions = level_order(adjacency)
    up = reverse(adjacency)
    for graph, parents in ((adjacency, up), (up, adjacency)):
        found = reach.direction_counts(graph, parents, max_depth, ids, positions, job_bits=jobs)
        for v in range(n):
            counts, estimated, depths = reach.walked_counts(graph, v, max_depth, ids)
            assert found.of(v) == counts
            assert bool(found.estimated[v]) == estimated
            if not estimated:
                assert sum(counts) == len(depths) <= limit
            else:
                assert sum(counts) > limit
            union = jobs[v]
            for u in depths:
                union |= jobs[u]
            assert found.jobs[v] == union


def test_a_layered_graph_is_exact_near_its_sinks_and_estimated_above():
    rng = random.Random(3)
    layers, width = 8, 300
    adjacency: list[list[int]] = [[] for _ in range(layers * width)]
    for layer in range(1, layers):
        for i in range(width):
            for p in rng.sample(range(width), 4):
                adjacency[(layer - 1) * width + p].append(layer * width + i)
    ids = list(range(1, layers * width + 1))
    found = reach.direction_counts(adjacency, reverse(adjacency), 15, ids, level_order(adjacency))
    for v in range(0, len(adjacency), 37):
        exact = len(bfs_depths(adjacency, v, 15))
        total = sum(found.of(v))
        if found.estimated[v]:
            assert exact > reach.EXACT_LIMIT
            assert abs(total - exact) < 0.25 * exact  # five standard errors
        else:
            assert total == exact


def test_sketch_estimates_are_within_their_error_and_only_grow():
    for size in (12_000, 80_000, 400_000):
        start = random.Random(size).randrange(10**9)
        value = sketch.sketch_of(range(start, start + size))
        assert abs(sketch.estimate(value) - size) < 4 * sketch.RELATIVE_ERROR * size
    smaller = sketch.sketch_of(range(5_000))
    larger = smaller | sketch.sketch_of(range(5_000, 6_000))
    assert sketch.runs(larger) >= sketch.runs(smaller)
    assert sketch.estimate_of_runs(sketch.runs_above(15_000)) > 15_000
    assert sketch.estimate_of_runs(sketch.runs_above(15_000) - 1) <= 15_000
    # Job bits carried above the sketch do not change what it reads.
    assert sketch.runs(larger | 0b101 << sketch.SKETCH_BITS) == sketch.runs(larger)


def _walked_runs(adjacency, max_depth, ids, jobs):
    runs_by_round = []
    for k in range(max_depth + 1):
        row = []
        for v in range(len(adjacency)):
            reached = [v, *bfs_depths(adjacency, v, k)] if k else [v]
            row.append(sketch.runs(sketch.sketch_of(ids[u] for u in reached)))
        runs_by_round.append(row)
    unions = []
    for v in range(len(adjacency)):
        union = jobs[v]
        for u in bfs_depths(adjacency, v, max_depth):
            union |= jobs[u]
        unions.append(union)
    return runs_by_round, unions


@pytest.mark.parametrize("block_words", [7, 32, 64])
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(graphs(), st.integers(0, 6), st.sampled_from([0, 6, 64, 65, 130]), st.data())
def test_the_sketch_rounds_give_what_walks_give(
    monkeypatch, block_words, adjacency, max_depth, job_width, data
):
    """Every round's runs and the job unions, including job bits over several 64-bit words,
    no rounds at all and rounds after which nothing changes; whatever blocks of words the
    rounds run in (seven words leave a last block of one)."""
    monkeypatch.setattr(sketch, "_BLOCK_WORDS", block_words)
    ids = [data.draw(st.integers(1, 2**62)) for _ in adjacency]
    jobs = [data.draw(st.integers(0, (1 << job_width) - 1)) for _ in adjacency]
    found, unions = sketch.reach_runs(adjacency, max_depth, ids, jobs)
    expected_runs, expected_unions = _walked_runs(adjacency, max_depth, ids, jobs)
    assert [list(row) for row in found] == expected_runs
    assert unions == expected_unions
    assert sketch.reach_runs(adjacency, max_depth, ids)[1] is None


def test_the_vectorised_hash_is_the_one_walks_use():
    ids = [1, 2, 3, 10**9, 2**62, 2**63 - 1, *random.Random(5).sample(range(2**40), 2_000)]
    assert [1 << bit for bit in sketch.own_bits(ids).tolist()] == list(map(sketch.own_sketch, ids))
    runs_by_round, jobs = sketch.reach_runs([], 15, [])
    assert runs_by_round.shape == (16, 0) and jobs is None


def test_sketch_rounds_cut_into_chunks_give_the_same(monkeypatch):
    """A chunk never splits one parent's edges, and a parent with more edges than a chunk
    holds gets a chunk of its own."""
    rng = random.Random(11)
    n = 300
    adjacency = [rng.sample(range(n), rng.randint(0, 6)) for _ in range(n)]
    adjacency[7] = list(range(n))  # a hub wider than any chunk
    ids = list(range(50, 50 + n))
    whole = sketch.reach_runs(adjacency, 5, ids, [v % 5 for v in range(n)])
    for chunk_rows in (1, 2, 3, 17, 64):
        monkeypatch.setattr(sketch, "_CHUNK_BYTES", 8 * (sketch._WORDS + 1) * chunk_rows)
        runs_by_round, jobs = sketch.reach_runs(adjacency, 5, ids, [v % 5 for v in range(n)])
        assert (runs_by_round == whole[0]).all() and jobs == whole[1]
