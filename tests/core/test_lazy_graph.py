"""Walk answers build their models only when read, and are the plain models in every way.

A walk returns a LineageGraph whose nodes and edges stay columns until read
(``lineage_core.models.deferred_graph``). Each answer is held to a plain, validated
LineageGraph of the same walk, field by field, and its ``to_json_bytes()`` to
``json.dumps(to_json())`` byte for byte, on both backends, by both walk paths (one query and
a query per level), truncated or not, upstream, downstream and full.
"""

from __future__ import annotations

import copy
import itertools
import json
import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from lineage_core.models import LineageGraph, deferred_graph, deferred_parts

# Escaping and formatting traps: non-ASCII, quotes, backslashes, tabs, "%" and "%d" in
# names, jobs and ops; edges without a job, an op, a code location or a transformation.
NAMES = [
    "s.root",
    's."Ünï cöde ☃"',
    's."quo""te"',
    's."back\\slash"',
    's."per%cent %d"',
    's."tab\tx"',
    'file."data/x.csv"',
    "s.plain",
]
CONTEXTS = [
    {},
    {"job": "job %d %s", "op": "op%", "code_location": "loc", "transformation": "sql"},
    {"job": "jöb", "op": 'o"p', "transformation": "python"},
    {"job": "jöb", "code_location": "l\\oc"},
]
_tenants = itertools.count()
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _edges(pairs, contexts=None):
    contexts = contexts or itertools.cycle(range(len(CONTEXTS)))
    return [
        {"source": NAMES[a], "target": NAMES[b], **CONTEXTS[c]}
        for (a, b), c in zip(pairs, contexts, strict=False)
    ]


# A diamond from the root, a cycle back into it, a chain past it, and parallel edges of
# several jobs between the same two assets.
PAIRS = [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (4, 0), (4, 5), (5, 6), (6, 7), (1, 3), (2, 4)]


@pytest.fixture(name="walk_path", params=["one query", "level by level"])
def fixture_walk_path(request, monkeypatch):
    if request.param == "level by level":
        monkeypatch.setattr("lineage_core.store.walks._SMALL_WALK", 0)
    return request.param


@pytest.fixture(name="recorded")
def fixture_recorded(store):
    store.record_edges(_edges(PAIRS, contexts=itertools.cycle([0, 1, 2, 3, 1])))
    return store


def _answer(store, kind, **options):
    return getattr(store, kind)(NAMES[0], **options)


def _plain(graph: LineageGraph) -> LineageGraph:
    """The same answer as plain models, validated by pydantic from its dump."""
    return LineageGraph.model_validate(graph.model_dump())


def _twin(answer: LineageGraph) -> LineageGraph:
    """Another deferred graph over the same walk's columns (two walks of one graph may list
    its edges in another order), leaving ``answer`` as it was."""
    scalars = {
        name: getattr(answer, name)
        for name in LineageGraph.model_fields
        if name not in ("nodes", "edges")
    }
    return deferred_graph(deferred_parts(answer), **scalars)


ANSWERS = [
    pytest.param(kind, options, id=f"{kind}-{label}")
    for kind in ("downstream", "upstream", "full")
    for label, options in (
        ("whole", {}),
        ("depth 2", {"max_depth": 2}),
        ("truncated", {"max_nodes": 2}),
    )
]


@pytest.mark.parametrize(("kind", "options"), ANSWERS)
def test_an_answer_equals_its_plain_models_field_by_field(recorded, walk_path, kind, options):
    answer = _answer(recorded, kind, **options)
    plain = _plain(_twin(answer))
    assert deferred_parts(answer) is not None
    for name in LineageGraph.model_fields:
        if name not in ("nodes", "edges"):
            assert getattr(answer, name) == getattr(plain, name), name
    assert deferred_parts(answer) is not None  # other fields are read as they are
    assert len(answer.nodes) == len(plain.nodes) == answer.total_nodes
    for node, want in zip(answer.nodes, plain.nodes, strict=True):
        assert node.model_dump() == want.model_dump()
    assert deferred_parts(answer) is not None  # nodes alone leave the edges unbuilt
    assert len(answer.edges) == len(plain.edges)
    for edge, want in zip(answer.edges, plain.edges, strict=True):
        assert edge.model_dump() == want.model_dump()
    assert type(answer) is LineageGraph  # both read: a plain model from now on
    assert answer == plain
    assert list(answer.__dict__) == list(plain.__dict__)
    assert answer.model_fields_set == plain.model_fields_set
    if options.get("max_nodes"):
        assert answer.truncated


@pytest.mark.parametrize(("kind", "options"), ANSWERS)
def test_json_bytes_are_json_dumps_of_to_json(recorded, walk_path, kind, options):
    answer = _answer(recorded, kind, **options)
    plain = _plain(_twin(answer))
    want = json.dumps(plain.to_json()).encode()
    assert answer.to_json_bytes() == want
    assert plain.to_json_bytes() == want
    nodes_read = _twin(answer)
    nodes_read.nodes  # noqa: B018
    assert nodes_read.to_json_bytes() == want
    edges_read = _twin(answer)
    edges_read.edges  # noqa: B018
    assert edges_read.to_json_bytes() == want
    both_read = _twin(answer)
    both_read.nodes, both_read.edges  # noqa: B018
    assert both_read.to_json_bytes() == want
    assert json.loads(want)["nodes"], "the graph reaches something"


class _Response(BaseModel):
    graph: LineageGraph


LOOKS = {
    "model_dump": lambda graph: graph.model_dump(),
    "model_dump by alias": lambda graph: graph.model_dump(mode="json", by_alias=True),
    "model_dump_json": lambda graph: graph.model_dump_json(),
    "to_json": lambda graph: graph.to_json(),
    "iteration": lambda graph: list(graph),
    "dict": lambda graph: dict(graph),
    "repr": repr,
    "str": str,
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
    "pickle": lambda graph: pickle.loads(pickle.dumps(graph)),
    "model_copy": lambda graph: graph.model_copy(update={"root": "other"}),
    "nested dump": lambda graph: _Response(graph=graph).model_dump(),
    "nested json": lambda graph: _Response(graph=graph).model_dump_json(),
}


@pytest.mark.parametrize("look", list(LOOKS))
def test_every_way_of_looking_at_an_answer_sees_the_plain_model(recorded, look):
    answer = _answer(recorded, "full")
    plain = _plain(_twin(answer))
    seen, want = LOOKS[look](answer), LOOKS[look](plain)
    assert seen == want
    if isinstance(seen, LineageGraph):
        assert type(seen) is LineageGraph
    assert type(answer) is LineageGraph


@pytest.mark.parametrize("order", ["answer first", "plain first", "not equal"])
def test_an_answer_compares_as_the_plain_model(recorded, order):
    answer = _answer(recorded, "full")
    plain = _plain(_twin(answer))
    if order == "answer first":
        assert answer == plain
    elif order == "plain first":
        assert plain == answer
    else:
        assert (answer != plain) is False
        assert answer != _plain(_answer(recorded, "downstream"))
    assert type(answer) is LineageGraph


def test_an_answer_is_a_lineage_graph_before_anything_is_built(recorded):
    answer = _answer(recorded, "downstream")
    assert isinstance(answer, LineageGraph)
    assert answer.total_nodes > 0 and answer.to_json_bytes()
    assert deferred_parts(answer) is not None
    with pytest.raises(ValueError, match="frozen"):
        answer.root = "other"


def test_an_empty_walk_writes_empty_lists(store):
    store.record_edge("s.a", "s.b")
    for kind in ("downstream", "upstream", "full"):
        answer = getattr(store, kind)("s.b" if kind == "downstream" else "s.a")
        want = json.dumps(_plain(_twin(answer)).to_json())
        assert answer.to_json_bytes() == want.encode()
    assert store.downstream("s.b").nodes == []


@SETTINGS
@given(
    pairs=st.lists(
        st.tuples(st.integers(0, len(NAMES) - 1), st.integers(0, len(NAMES) - 1)),
        min_size=1,
        max_size=25,
    ),
    contexts=st.lists(st.integers(0, len(CONTEXTS) - 1), min_size=25, max_size=25),
    kind=st.sampled_from(["downstream", "upstream", "full"]),
    depth=st.integers(1, 4),
    max_nodes=st.sampled_from([1, 3, 100]),
)
def test_random_answers_match_their_plain_models(
    store, walk_path, pairs, contexts, kind, depth, max_nodes
):
    tenant = f"lazy{next(_tenants)}"
    store.create_tenant(tenant, edition="premium")
    view = store.with_tenant(tenant)
    view.record_edges(_edges(pairs, contexts))
    if not view.assets(search=NAMES[0], limit=1):
        return
    options = {"max_depth": depth, "max_nodes": max_nodes}
    answer = _answer(view, kind, **options)
    plain = _plain(_twin(answer))
    assert answer.to_json_bytes() == json.dumps(plain.to_json()).encode()
    assert answer == plain
