"""``lineage diff`` and ``--as-of`` on a store of each backend: the answers the Python API
gives, rendered as tables, JSON and Markdown; a bad time is a one-line usage error."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from lineage_core import open_store

ETL = {"job": "etl", "code_location": "shop"}


def tick() -> datetime:
    time.sleep(0.005)
    at = datetime.now(UTC)
    time.sleep(0.005)
    return at


@pytest.fixture(name="moments")
def fixture_moments(run, store_url) -> tuple[datetime, datetime]:
    """A store where, between t1 and t2, s.b -> s.d was recorded and s.b -> s.c retired."""
    with open_store(store_url) as store:
        store.record_edges(
            [
                {"source": "s.a", "target": "s.b", "op": "load", **ETL},
                {"source": "s.b", "target": "s.c", "op": "model", **ETL},
                {"source": "s.d", "target": "s.f", "op": "publish", **ETL},
            ]
        )
        t1 = tick()
        store.record_edge("s.b", "s.d", op="model", **ETL)
        [retired] = [e for e in store.edges("s.b") if e.target == "s.c"]
        store.retire_edges([retired.id])
        return t1, tick()


def test_diff_as_json_is_the_stores_answer(run, store_url, moments):
    t1, t2 = moments
    window = ["--since", t1.isoformat(), "--until", t2.isoformat()]
    result = run("diff", "s.a", *window, "--format", "json")
    with open_store(store_url) as store:
        expected = store.diff("s.a", since=t1, until=t2).to_json()
    assert json.loads(result.output) == expected
    assert [a["qualifiedName"] for a in expected["addedAssets"]] == ["s.d", "s.f"]
    assert [a["qualifiedName"] for a in expected["removedAssets"]] == ["s.c"]


def test_diff_as_a_table_says_what_changed_and_how(run, moments):
    t1, t2 = moments
    output = run("diff", "s.a", "--since", t1.isoformat(), "--until", t2.isoformat()).output
    lines = output.splitlines()
    assert lines[0].startswith("downstream of s.a from ") and lines[0].endswith("(depth 15)")
    assert lines[1] == "2 asset(s) added, 1 removed; 2 edge(s) added, 1 removed"
    rows = [line.split() for line in lines if line.startswith(("added", "removed"))]
    assert [(row[0], row[5]) for row in rows[:3]] == [
        ("added", "s.d"),
        ("added", "s.f"),
        ("removed", "s.c"),
    ]
    edges = [(row[0], row[4], row[5], row[-1]) for row in rows[3:]]
    assert ("added", "s.b", "s.d", "recorded") in edges
    assert ("removed", "s.b", "s.c", "retired") in edges
    assert [edge for edge in edges if edge[2] == "s.f"] == [("added", "s.d", "s.f", "reached")]


def test_diff_as_markdown_has_a_table_per_kind_of_change(run, moments):
    t1, t2 = moments
    output = run(
        "diff", "s.a", "--since", t1.isoformat(), "--until", t2.isoformat(), "--format", "markdown"
    ).output
    assert output.startswith("### Lineage diff: downstream of `s.a` from ")
    headings = [line for line in output.splitlines() if line.startswith("#### ")]
    assert headings == [
        "#### Assets added (2)",
        "#### Assets removed (1)",
        "#### Edges added (2)",
        "#### Edges removed (1)",
    ]
    assert "| `s.b` | `s.c` | `etl` | `model` | retired |" in output


def test_diff_upstream_within_a_depth(run, moments):
    t1, t2 = moments
    result = run(
        "diff", "s.f", "--since", t1.isoformat(), "--until", t2.isoformat(),
        "--direction", "upstream", "--depth", "2", "--format", "json",
    )  # fmt: skip
    found = json.loads(result.output)
    assert found["direction"] == "upstream" and found["maxDepth"] == 2
    assert [a["qualifiedName"] for a in found["addedAssets"]] == ["s.b"]


def test_diff_back_in_time_swaps_added_and_removed(run, moments):
    t1, t2 = moments
    back = json.loads(
        run(
            "diff", "s.a", "--since", t2.isoformat(), "--until", t1.isoformat(), "--format", "json"
        ).output
    )
    assert [a["qualifiedName"] for a in back["addedAssets"]] == ["s.c"]
    assert [a["qualifiedName"] for a in back["removedAssets"]] == ["s.d", "s.f"]


def test_diff_of_a_quiet_week_says_so(run, moments):
    _, t2 = moments
    output = run("diff", "s.a", "--since", t2.isoformat(), "--format", "markdown").output
    assert output.rstrip().endswith("No changes.")
    assert run("diff", "s.a", "--since", t2.isoformat()).output.splitlines()[1] == "no changes"


@pytest.mark.parametrize(
    "args",
    [
        ["diff", "s.a", "--since", "last tuesday"],
        ["diff", "s.a", "--until", "2026-02-30"],
        ["upstream", "s.c", "--as-of", "yesterday"],
        ["downstream", "s.a", "--as-of", "2026-11-01T25:00"],
        ["full", "s.b", "--as-of", ""],
        ["impact", "s.a", "--as-of", "soon", "--json"],
    ],
)
def test_a_bad_time_is_one_line_and_exit_status_2(run, moments, args):
    result = run(*args, code=2)
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("lineage: --")


@pytest.mark.parametrize("walk", ["upstream", "downstream", "full"])
def test_as_of_walks_answer_as_the_api_does(run, store_url, moments, walk):
    t1, t2 = moments
    name = {"upstream": "s.c", "downstream": "s.a", "full": "s.b"}[walk]
    with open_store(store_url) as store:
        for at in (t1, t2):
            expected = getattr(store, walk)(name, as_of=at).to_json()
            result = run(walk, name, "--as-of", at.isoformat(), "--json")
            assert json.loads(result.output) == expected
    table = run("downstream", "s.a", "--as-of", t1.isoformat()).output.splitlines()
    assert table[0] == f"as of {t1:%Y-%m-%d %H:%M:%S} UTC"
    assert {line.split()[1] for line in table[4:]} == {"s.b", "s.c"}


def test_impact_as_of_answers_as_the_api_does(run, store_url, moments):
    t1, _ = moments
    with open_store(store_url) as store:
        store.refresh_impact_cache()
        expected = store.impact("s.a", as_of=t1).to_json()
    assert json.loads(run("impact", "s.a", "--as-of", t1.isoformat(), "--json").output) == expected
    assert expected["cached"] is False and expected["totalImpactedAssets"] == 2
    output = run("impact", "s.a", "--as-of", t1.date().isoformat()).output
    assert output.splitlines()[0] == f"as of {t1:%Y-%m-%d} 00:00:00 UTC"


def test_an_unknown_asset_is_not_found_at_any_date(run, moments):
    result = run("diff", "s.nothing", code=2)
    assert "Unknown asset" in result.stderr
    run("upstream", "s.nothing", "--as-of", "2026-01-01", code=2)
