"""The diff of an asset's downstream (or upstream) between two moments, on both backends:
what was added and removed, when, and what is no change at all."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from lineage_core import InvalidArgument
from lineage_core.models import LineageDiff
from lineage_core.store import LineageStore

ETL = {"job": "etl", "code_location": "shop"}


def tick() -> datetime:
    """A moment strictly between the writes before and after it."""
    time.sleep(0.005)
    at = datetime.now(UTC)
    time.sleep(0.005)
    return at


def edge_id(store: LineageStore, source: str, target: str) -> int:
    [edge] = [e for e in store.edges(source, include_retired=True) if e.target == target]
    return edge.id


def retire(store: LineageStore, source: str, target: str) -> None:
    store.retire_edges([edge_id(store, source, target)])


def record(store: LineageStore, *pairs: tuple[str, str]) -> None:
    store.record_edges([{"source": s, "target": t, "op": f"{s}>{t}", **ETL} for s, t in pairs])


def started(store: LineageStore, source: str, target: str, stretch: int = -1) -> datetime:
    return store.edge_intervals(edge_id(store, source, target))[stretch].active_from


def ended(store: LineageStore, source: str, target: str, stretch: int = -1) -> datetime | None:
    return store.edge_intervals(edge_id(store, source, target))[stretch].active_until


@dataclass
class History:
    store: LineageStore
    t1: datetime
    t2: datetime


def history(store: LineageStore) -> History:
    """s.a's downstream, changed between t1 and t2 in every way a diff tells apart."""
    record(
        store,
        ("s.a", "s.b"),  # stays
        ("s.b", "s.c"),  # retired between t1 and t2
        ("s.c", "s.e"),  # stays, but cut off with s.b -> s.c
        ("s.d", "s.f"),  # stays, and joins the walk with s.b -> s.d
        ("s.a", "s.h"),  # retired and recorded again between t1 and t2: no change
        ("s.a", "s.g"),  # retired before t1, recorded again between t1 and t2
        ("s.x", "s.y"),  # elsewhere
    )
    retire(store, "s.a", "s.g")
    t1 = tick()
    record(store, ("s.b", "s.d"))
    retire(store, "s.b", "s.c")
    retire(store, "s.a", "s.h")
    record(store, ("s.a", "s.h"), ("s.a", "s.g"))
    record(store, ("s.a", "s.m"))  # s.m joins by the first of its two new paths
    record(store, ("s.b", "s.m"))
    record(store, ("s.x", "s.z"))
    return History(store, t1, tick())


def assets(found: LineageDiff, kind: str) -> dict[str, tuple[int, datetime]]:
    return {a.qualified_name: (a.depth, a.at) for a in getattr(found, f"{kind}_assets")}


def edges(found: LineageDiff, kind: str) -> dict[tuple[str, str], tuple]:
    return {
        (e.source, e.target): (e.at, e.active_from, e.active_until)
        for e in getattr(found, f"{kind}_edges")
    }


def test_a_diff_lists_what_joined_and_left_the_downstream_with_when(store):
    h = history(store)
    found = store.diff("s.a", since=h.t1, until=h.t2)
    joined_d, left_c = started(store, "s.b", "s.d"), ended(store, "s.b", "s.c")
    back_g, first_m = started(store, "s.a", "s.g"), started(store, "s.a", "s.m")

    assert (found.root, found.direction, found.since, found.until) == (
        "s.a", "downstream", h.t1, h.t2,
    )  # fmt: skip
    assert assets(found, "added") == {
        "s.d": (2, joined_d),
        "s.f": (3, joined_d),
        "s.g": (1, back_g),
        "s.m": (1, first_m),
    }
    assert assets(found, "removed") == {"s.c": (2, left_c), "s.e": (3, left_c)}
    assert edges(found, "added") == {
        ("s.b", "s.d"): (joined_d, joined_d, None),
        ("s.d", "s.f"): (joined_d, started(store, "s.d", "s.f"), None),  # there all along
        ("s.a", "s.g"): (back_g, back_g, None),
        ("s.a", "s.m"): (first_m, first_m, None),
        ("s.b", "s.m"): (started(store, "s.b", "s.m"),) * 2 + (None,),
    }
    assert started(store, "s.d", "s.f") < h.t1 < joined_d < h.t2
    assert edges(found, "removed") == {
        ("s.b", "s.c"): (left_c, started(store, "s.b", "s.c"), left_c),  # retired
        ("s.c", "s.e"): (left_c, started(store, "s.c", "s.e"), None),  # cut off
    }
    assert [a.at for a in found.added_assets] == sorted(a.at for a in found.added_assets)
    [edge] = [e for e in found.removed_edges if e.target == "s.c"]
    assert (edge.edge_id, edge.job, edge.op, edge.code_location) == (
        edge_id(store, "s.b", "s.c"), "etl", "s.b>s.c", "shop",
    )  # fmt: skip


def test_the_depth_and_the_direction_bound_what_a_diff_compares(store):
    h = history(store)
    shallow = store.diff("s.a", since=h.t1, until=h.t2, max_depth=1)
    assert set(assets(shallow, "added")) == {"s.g", "s.m"} and not shallow.removed_assets
    assert set(edges(shallow, "added")) == {("s.a", "s.g"), ("s.a", "s.m")}

    up = store.diff("s.f", since=h.t1, until=h.t2, direction="upstream")
    joined = started(store, "s.b", "s.d")
    assert assets(up, "added") == {"s.b": (2, joined), "s.a": (3, joined)}
    assert set(edges(up, "added")) == {("s.b", "s.d"), ("s.a", "s.b")}
    assert not up.removed_assets and not up.removed_edges


def test_a_diff_reaches_back_seven_days_from_until_by_default(store):
    h = history(store)
    week = store.diff("s.a", until=h.t2)
    assert week.until - week.since == timedelta(days=7)
    assert set(assets(week, "added")) == {"s.b", "s.d", "s.f", "s.g", "s.h", "s.m"}
    assert not week.removed_assets
    until_now = store.diff("s.a", since=h.t1)
    assert until_now.until > h.t2
    assert until_now.model_dump(exclude={"until"}) == store.diff(
        "s.a", since=h.t1, until=h.t2
    ).model_dump(exclude={"until"})


def test_no_change_between_two_moments_is_an_empty_diff(store):
    h = history(store)
    later = tick()
    for since, until in ((h.t2, later), (h.t1, h.t1)):
        found = store.diff("s.a", since=since, until=until)
        assert found.added_assets == found.removed_assets == []
        assert found.added_edges == found.removed_edges == []


def test_a_diff_back_in_time_is_the_same_changes_the_other_way_round(store):
    h = history(store)
    ahead = store.diff("s.a", since=h.t1, until=h.t2)
    back = store.diff("s.a", since=h.t2, until=h.t1)
    assert (back.since, back.until) == (h.t2, h.t1)
    assert (back.added_assets, back.removed_assets) == (ahead.removed_assets, ahead.added_assets)
    assert (back.added_edges, back.removed_edges) == (ahead.removed_edges, ahead.added_edges)


def test_a_diff_refuses_a_bad_direction_or_time(store):
    h = history(store)
    with pytest.raises(InvalidArgument, match="direction"):
        store.diff("s.a", since=h.t1, direction="sideways")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="since must be an ISO 8601 time"):
        store.diff("s.a", since="last week")


def test_another_tenants_changes_never_appear_in_a_diff(store):
    store.create_tenant("acme", edition="premium")
    acme = store.with_tenant("acme")
    record(store, ("s.a", "s.b"))
    record(acme, ("s.a", "s.b"), ("s.b", "s.c"))
    t1 = tick()
    record(acme, ("s.a", "s.new"))
    retire(acme, "s.b", "s.c")
    found = store.diff("s.a", since=t1, until=tick())
    assert found.added_assets == found.removed_assets == []
    assert found.added_edges == found.removed_edges == []
    theirs = acme.diff("s.a", since=t1)
    assert set(assets(theirs, "added")) == {"s.new"} and set(assets(theirs, "removed")) == {"s.c"}


def test_a_diff_renders_camel_case_json(store):
    h = history(store)
    document = store.diff("s.a", since=h.t1, until=h.t2).to_json()
    assert set(document) == {
        "rootAssetId", "root", "direction", "maxDepth", "since", "until", "addedAssets",
        "removedAssets", "addedEdges", "removedEdges",
    }  # fmt: skip
    assert set(document["removedEdges"][0]) == {
        "edgeId", "source", "target", "job", "op", "codeLocation", "transformationType",
        "activeFrom", "activeUntil", "at",
    }  # fmt: skip
    assert set(document["addedAssets"][0]) == {"id", "name", "qualifiedName", "type", "depth", "at"}
