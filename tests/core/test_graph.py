"""The bitset passes of lineage_core.graph against one breadth-first walk per node.

Small ``block_bits`` make the sweeps cross many blocks, including blocks cut through levels and
blocks of several levels, which is where an off-by-one in the block bookkeeping would show;
nodes followed for a few rounds only must still be exact for those rounds.
"""

from __future__ import annotations

import random
from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from lineage_core.graph import (
    adjacency_lists,
    bfs_depths,
    bounded_reach,
    bounded_union,
    depth_counts,
    follow_children,
    level_order,
    ordered_levels,
)


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


def _positions(bits: int) -> list[int]:
    return [i for i in range(bits.bit_length()) if bits >> i & 1]


def _check_union(adjacency: list[list[int]], max_depth: int, labels: list[int]) -> None:
    expected = _expected_union(adjacency, max_depth, labels)
    wanted = list(range(0, len(adjacency), 2))
    by_node = {v: _positions(bits) for v, bits in enumerate(labels) if bits}
    for block_bits in (1, 5, 64, 4096):
        found = bounded_union(adjacency, max_depth, by_node, wanted, block_bits=block_bits)
        assert found == {v: expected[v] for v in wanted}


def _check(adjacency: list[list[int]], max_depth: int, block_bits: int) -> None:
    up = _reverse(adjacency)
    positions = level_order(adjacency)
    assert sorted(positions) == list(range(len(adjacency)))
    for graph in (adjacency, up):
        expected = _expected_counts(graph, max_depth)
        for bit_of in (positions, None, list(range(len(graph)))[::-1]):
            counts = bounded_reach(graph, max_depth, bit_of, block_bits=block_bits)
            assert [depth_counts(counts, v) for v in range(len(graph))] == expected
        # Followed for some rounds only: exact for those rounds.
        rounds = array("b", [(v * 7) % (max_depth + 1) for v in range(len(graph))])
        follow_children(graph, rounds, max_depth)
        counts = bounded_reach(graph, max_depth, positions, rounds=rounds, block_bits=block_bits)
        for v in range(len(graph)):
            followed = depth_counts(counts, v)[: rounds[v]]
            assert followed == (expected[v] + [0] * max_depth)[: len(followed)]
            assert sum(followed) == sum(expected[v][: rounds[v]])


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
def test_unions_match_walks(adjacency, max_depth, data):
    labels = [data.draw(st.integers(0, (1 << 70) - 1)) for _ in adjacency]
    _check_union(adjacency, max_depth, labels)


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
        _check_union(adjacency, 4, labels)


def test_edge_cases():
    assert bounded_reach([], 15) == [array("i")] * 15
    assert bounded_union([], 15, {}, []) == {}
    assert level_order([]) == []
    # Isolated nodes and self-loops reach nothing but themselves, which is not counted.
    adjacency = [[], [1], [1, 2, 0]]
    counts = bounded_reach(adjacency, 3, block_bits=1)
    assert [depth_counts(counts, v) for v in range(3)] == [[], [], [2]]
    assert bounded_reach([[1], []], 0) == []


def test_progress_reports_every_block():
    adjacency = _layered(4, 5, 0, seed=1)
    seen = []
    bounded_reach(adjacency, 3, None, seen.append, block_bits=5)
    assert seen == [5, 10, 15, 20]


def test_hubs_wider_than_the_slots():
    """A node with more parents and children than the slots of a round takes: the rest of
    its edges are OR-ed per node, and must count alike."""
    hub = 0
    adjacency: list[list[int]] = [[] for _ in range(122)]
    adjacency[hub] = list(range(1, 61))  # 60 children
    for v in range(61, 121):
        adjacency[v].append(hub)  # 60 parents
    adjacency[121] = list(range(61, 121))  # a grandparent of the hub through all of them
    for block_bits in (7, 64, 4096):
        _check(adjacency, 3, block_bits)


@settings(max_examples=60, deadline=None)
@given(graphs(), st.integers(0, 5), st.sampled_from([1, 3, 64]))
def test_level_ends_given_cut_the_same_blocks(adjacency, max_depth, block_bits):
    positions, ends = ordered_levels(adjacency)
    assert positions == level_order(adjacency)
    assert ends == sorted(set(ends)) and (ends[-1] if ends else 0) == len(adjacency)
    seen: list[list[int]] = [[], []]
    for given_ends, found in ((None, seen[0]), (ends, seen[1])):
        counts = bounded_reach(
            adjacency, max_depth, positions, found.append, block_bits=block_bits,
            level_ends=given_ends,
        )  # fmt: skip
        assert [depth_counts(counts, v) for v in range(len(adjacency))] == _expected_counts(
            adjacency, max_depth
        )
    assert seen[0] == seen[1]  # the same blocks, where each ended


def test_adjacency_lists_join_a_pair_once_and_share_each_node():
    """Several jobs writing the same pair make one adjacency, first order kept; every list
    refers to one int object per node, which is what keeps a million assets' lists small
    (nodes past 256, which Python does not share by itself)."""
    a, b, c, d = 500, 501, 502, 503
    sources = array("q", [a, a, a, b, c, c, a])
    targets = array("q", [c, b, c, c, d, d, d])
    down, up = adjacency_lists(sources, targets, 600)
    assert (down[a], down[b], down[c], down[d]) == ([c, b, d], [c], [d], [])
    assert (up[a], up[b], up[c], up[d]) == ([], [a], [a, b], [a, c])
    assert down[a][0] is down[b][0]  # node c, read from two places of ``targets``
    assert down[a][2] is down[c][0]  # node d
