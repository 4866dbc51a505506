"""The bitset passes of lineage_core.graph against one breadth-first walk per node.

Small ``block_bits`` make the sweeps cross many blocks, including blocks cut through levels and
blocks of several levels, which is where an off-by-one in the block bookkeeping would show.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from lineage_core.graph import bfs_depths, bounded_reach, bounded_union, level_order


def _reverse(adjacency: list[list[int]]) -> list[list[int]]:
    parents: list[list[int]] = [[] for _ in adjacency]
    for v, children in enumerate(adjacency):
        for c in children:
            parents[c].append(v)
    return parents


def _expected_counts(adjacency: list[list[int]], max_depth: int) -> list[list[int]]:
    expected = []
    for v in range(len(adjacency)):
        counts = [0] * max_depth
        for depth in bfs_depths(adjacency, v, max_depth).values():
            counts[depth - 1] += 1
        while counts and counts[-1] == 0:
            counts.pop()
        expected.append(counts)
    return expected


def _expected_union(adjacency: list[list[int]], max_depth: int, labels: list[int]) -> list[int]:
    union = []
    for v in range(len(adjacency)):
        bits = labels[v]
        for u in bfs_depths(adjacency, v, max_depth):
            bits |= labels[u]
        union.append(bits)
    return union


def _check(adjacency: list[list[int]], max_depth: int, block_bits: int) -> None:
    up = _reverse(adjacency)
    positions = level_order(adjacency)
    assert sorted(positions) == list(range(len(adjacency)))
    for graph in (adjacency, up):
        expected = _expected_counts(graph, max_depth)
        for bit_of in (positions, None, list(range(len(graph)))[::-1]):
            reach = bounded_reach(graph, max_depth, bit_of, block_bits=block_bits)
            assert [r.depth_counts for r in reach] == expected
            assert [r.total for r in reach] == [sum(c) for c in expected]
            assert [r.max_depth for r in reach] == [len(c) for c in expected]


@st.composite
def graphs(draw: st.DrawFn) -> list[list[int]]:
    n = draw(st.integers(0, 40))
    if n == 0:
        return []
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=90))
    adjacency: list[list[int]] = [[] for _ in range(n)]
    for s, t in edges:
        adjacency[s].append(t)  # duplicates and self-loops included on purpose
    return adjacency


@settings(max_examples=150, deadline=None)
@given(graphs(), st.integers(0, 6), st.sampled_from([1, 2, 3, 5, 64, 4096]))
def test_bounded_reach_matches_walks(adjacency, max_depth, block_bits):
    _check(adjacency, max_depth, block_bits)


@settings(max_examples=100, deadline=None)
@given(graphs(), st.integers(0, 6), st.data())
def test_bounded_union_matches_walks(adjacency, max_depth, data):
    labels = [data.draw(st.integers(0, (1 << 70) - 1)) for _ in adjacency]
    assert bounded_union(adjacency, max_depth, labels) == _expected_union(
        adjacency, max_depth, labels
    )


def _layered(layers: int, width: int, back_edges: int, seed: int) -> list[list[int]]:
    """Diamonds everywhere (several parents per node), and cycles from back-edges."""
    rng = random.Random(seed)
    adjacency: list[list[int]] = [[] for _ in range(layers * width)]
    for layer in range(1, layers):
        for i in range(width):
            for p in rng.sample(range(width), min(width, rng.randint(1, 3))):
                adjacency[(layer - 1) * width + p].append(layer * width + i)
    for _ in range(back_edges):
        layer = rng.randrange(1, layers)
        target = rng.randrange(layer) * width + rng.randrange(width)
        adjacency[layer * width + rng.randrange(width)].append(target)
    return adjacency


def test_layered_graphs_with_and_without_cycles():
    for back_edges in (0, 3, 25):
        adjacency = _layered(9, 12, back_edges, seed=back_edges)
        for block_bits in (4, 12, 13, 30):
            _check(adjacency, 5, block_bits)
        labels = [1 << (v % 11) | 1 << (20 + v % 7) for v in range(len(adjacency))]
        assert bounded_union(adjacency, 4, labels) == _expected_union(adjacency, 4, labels)


def test_busy_blocks_grow(monkeypatch):
    # A long cycle: every node reaches everything, so blocks grow after the first one.
    import lineage_core.graph as graph

    monkeypatch.setattr(graph, "_BLOCK_MEMORY", 64)
    n = 60
    adjacency = [[(v + 1) % n, (v + 7) % n] for v in range(n)]
    seen = []
    reach = bounded_reach(adjacency, 15, None, seen.append, block_bits=2)
    assert [r.depth_counts for r in reach] == _expected_counts(adjacency, 15)
    assert seen[-1] == n
    assert len(seen) < n // 2


def test_edge_cases():
    assert bounded_reach([], 15) == []
    assert bounded_union([], 15, []) == []
    assert level_order([]) == []
    # Isolated nodes and self-loops reach nothing but themselves, which is not counted.
    adjacency = [[], [1], [1, 2, 0]]
    assert [r.depth_counts for r in bounded_reach(adjacency, 3, block_bits=1)] == [[], [], [2]]
    assert bounded_union(adjacency, 3, [1, 2, 4]) == [1, 2, 7]
    assert bounded_union([[1], []], 0, [1, 2]) == [1, 2]
    assert [r.depth_counts for r in bounded_reach([[1], []], 0)] == [[], []]


def test_progress_reports_every_block():
    adjacency = _layered(4, 5, 0, seed=1)
    seen = []
    bounded_reach(adjacency, 3, None, seen.append, block_bits=5)
    assert seen == [5, 10, 15, 20]
