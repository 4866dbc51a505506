"""``lineage remove``: taking wrongly recorded edges and assets out again, on both backends."""

from __future__ import annotations

import json
import sqlite3

import pytest

from lineage_core import AssetNotFound, open_store
from lineage_core.errors import AssetHasEdges

EDGES = [
    {"source": "raw.orders", "target": "stg.orders", "job": "etl", "op": "load"},
    {"source": "raw.orders", "target": "stg.orders", "job": "backfill", "op": "load"},
    {"source": "stg.orders", "target": "mart.revenue", "job": "marts", "op": "revenue"},
    {"source": "raw.customers", "target": "mart.revenue"},
]


@pytest.fixture(name="imported")
def fixture_imported(run, tmp_path):
    path = tmp_path / "edges.jsonl"
    path.write_text("".join(json.dumps(edge) + "\n" for edge in EDGES))
    run("import", str(path))
    run("refresh-cache")
    return path


def _edges(store_url) -> set[tuple]:
    with open_store(store_url) as store:
        return {(e.source, e.target, e.job) for e in store.edges(include_retired=True)}


def _assets(run) -> set[str]:
    return {a["qualifiedName"] for a in json.loads(run("assets", "--json").stdout)["assets"]}


def _live_equals_cache(store_url) -> None:
    with open_store(store_url) as store:
        store.refresh_impact_cache()
        for asset in store.assets():
            cached = store.impact(asset.qualified_name)
            live = store.impact(asset.qualified_name, live=True)
            assert cached.cached
            same = {"cached": False, "computedAt": None}
            assert cached.to_json() | same == live.to_json() | same


def test_remove_edge_dry_run_then_for_real(run, imported, store_url):
    before = _edges(store_url)
    preview = run("remove", "edge", "raw.orders", "stg.orders", "--dry-run")
    assert "Would remove 2 edge(s)" in preview.stdout
    assert "etl/load" in preview.stdout and "backfill/load" in preview.stdout
    assert _edges(store_url) == before

    one = json.loads(
        run("remove", "edge", "raw.orders", "stg.orders", "--job", "backfill", "--json").stdout
    )
    assert (one["dryRun"], one["edgesRemoved"]) == (False, 1)
    assert [(e["source"], e["target"], e["job"]) for e in one["edges"]] == [
        ("raw.orders", "stg.orders", "backfill")
    ]
    assert _edges(store_url) == before - {("raw.orders", "stg.orders", "backfill")}
    with open_store(store_url) as store:
        # raw.orders, stg.orders and mart.revenue: the endpoints, their ancestors, descendants.
        assert store.stale_cache_entries() == 3
    _live_equals_cache(store_url)

    missing = run("remove", "edge", "raw.orders", "stg.orders", "--job", "backfill", code=2)
    assert "No edge from raw.orders to stg.orders" in missing.stderr
    assert "Unknown asset 'raw.ordrs'" in run("remove", "edge", "raw.ordrs", "x.y", code=2).stderr


def test_an_edge_recorded_without_a_job_is_removed_with_an_empty_job(run, imported, store_url):
    run("remove", "edge", "raw.customers", "mart.revenue", "--job", "")
    assert ("raw.customers", "mart.revenue", None) not in _edges(store_url)


def test_remove_asset_refuses_an_asset_with_edges_unless_asked(run, imported, store_url):
    refused = run("remove", "asset", "stg.orders", code=1)
    assert "has 3 edge(s)" in refused.stderr and "--with-edges" in refused.stderr
    preview = run("remove", "asset", "stg.orders", "--with-edges", "--dry-run")
    assert "Would remove asset stg.orders and 3 edge(s)" in preview.stdout
    assert "stg.orders" in _assets(run)

    done = json.loads(run("remove", "asset", "stg.orders", "--with-edges", "--json").stdout)
    assert (done["asset"], done["edgesRemoved"]) == ("stg.orders", 3)
    assert "stg.orders" not in _assets(run)
    assert _edges(store_url) == {("raw.customers", "mart.revenue", None)}
    _live_equals_cache(store_url)
    assert "Unknown asset" in run("downstream", "stg.orders", code=2).stderr


def test_remove_asset_without_edges_takes_its_profiles(run, tmp_path):
    shop = tmp_path / "shop.db"
    with sqlite3.connect(shop) as conn:
        conn.execute("CREATE TABLE lonely (id INTEGER)")
    run("profile", "shop.lonely", "--connection", f"sqlite:///{shop}")
    preview = run("remove", "asset", "shop.lonely", "--dry-run")
    assert "Would remove asset shop.lonely and 0 edge(s)" in preview.stdout
    assert "1 profile(s)" in preview.stdout
    run("remove", "asset", "shop.lonely")
    assert _assets(run) == set()
    assert "Unknown asset" in run("profiles", "shop.lonely", code=2).stderr


def test_remove_from_file_undoes_an_import(run, imported, store_url, tmp_path):
    with open_store(store_url) as store:
        store.record_edge("stg.orders", "mart.kept", job="marts", op="kept")
    preview = run("remove", "edge", "--from-file", str(imported), "--dry-run")
    assert "Would remove 4 edge(s)" in preview.stdout
    assert len(_edges(store_url)) == 5

    undone = json.loads(run("remove", "edge", "--from-file", str(imported), "--json").stdout)
    assert (undone["edgesRemoved"], undone["linesNotFound"]) == (4, 0)
    assert _edges(store_url) == {("stg.orders", "mart.kept", "marts")}
    _live_equals_cache(store_url)

    again = json.loads(run("remove", "edge", "--from-file", str(imported), "--json").stdout)
    assert (again["edgesRemoved"], again["linesNotFound"]) == (0, 4)


def test_remove_from_file_can_prune_the_assets_left_without_edges(run, imported, store_url):
    with open_store(store_url) as store:
        store.record_edge("stg.orders", "mart.kept", job="marts")
    result = run("remove", "edge", "--from-file", str(imported), "--prune-assets")
    assert "4 edge(s)" in result.stdout and "3 asset(s)" in result.stdout
    # stg.orders keeps an edge that was not imported, so it stays.
    assert _assets(run) == {"stg.orders", "mart.kept"}


def test_remove_from_file_is_all_or_nothing_on_bad_lines(run, imported, store_url, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(EDGES[0]) + "\n{not json\n")
    assert "line 2: not JSON" in run("remove", "edge", "--from-file", str(bad), code=1).stderr
    assert len(_edges(store_url)) == 4
    run("remove", "edge", "--from-file", str(bad), "--skip-invalid")
    assert len(_edges(store_url)) == 3


def test_remove_edge_wants_two_names_or_a_file(run, imported):
    assert "SOURCE and TARGET" in run("remove", "edge", "raw.orders", code=2).stderr
    assert "not both" in run("remove", "edge", "a.b", "c.d", "--from-file", "-", code=2).stderr


def test_removal_is_scoped_to_the_tenant(run, imported, store_url):
    with open_store(store_url) as store:
        store.create_tenant("other", edition="premium")
        store.with_tenant("other").record_edge("raw.orders", "stg.orders", job="etl", op="load")
    run("--tenant", "other", "remove", "asset", "raw.orders", "--with-edges")
    assert len(_edges(store_url)) == 4
    with open_store(store_url, tenant="other") as other:
        assert [a.qualified_name for a in other.assets()] == ["stg.orders"]


def test_the_store_api_removes_assets(store):
    store.record_edge("a.x", "a.y", job="j")
    store.refresh_impact_cache()
    with pytest.raises(AssetHasEdges, match="has 1 edge"):
        store.remove_asset("a.x")
    assert [e.target for e in store.remove_asset("a.x", with_edges=True, dry_run=True)] == ["a.y"]
    assert len(store.edges()) == 1
    removed = store.remove_asset("a.x", with_edges=True)
    assert [(e.source, e.target) for e in removed] == [("a.x", "a.y")]
    assert store.stale_cache_entries() == 1  # a.y's entry; a.x's went with it
    with pytest.raises(AssetNotFound):
        store.get_asset("a.x")
    assert store.remove_asset("a.y") == []
    assert store.assets() == []
