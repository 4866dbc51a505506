"""A stale-and-refresh cycle writes each impact cache entry at most once.

Marking entries stale must write no entry at all (marks are rows of their own), and the
refresh must write only the entries whose values changed, each once. Updates are counted by
a trigger on the entries, on both backends, so the count is the database's own.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from itertools import pairwise

import psycopg
import pytest

from lineage_core import open_store

_SQLITE_TRIGGER = """
CREATE TABLE cache_writes (asset_id INTEGER NOT NULL);
CREATE TRIGGER count_cache_writes AFTER UPDATE ON lineage_impact_cache
BEGIN INSERT INTO cache_writes VALUES (new.asset_id); END;
"""
_POSTGRES_TRIGGER = """
CREATE TABLE cache_writes (asset_id BIGINT NOT NULL);
CREATE FUNCTION count_cache_writes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO cache_writes VALUES (new.asset_id); RETURN new; END $$;
CREATE TRIGGER count_cache_writes AFTER UPDATE ON lineage_impact_cache
FOR EACH ROW EXECUTE FUNCTION count_cache_writes();
"""


class Writes:
    """Counts the updates of each cache entry since the last ``take()``, by asset name."""

    def __init__(self, store_url: str) -> None:
        self.url = store_url
        self._run(_SQLITE_TRIGGER if self._sqlite else _POSTGRES_TRIGGER, script=True)

    @property
    def _sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def _run(self, sql: str, *, script: bool = False) -> list[tuple]:
        if self._sqlite:
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as conn:
                if script:
                    conn.executescript(sql)
                    return []
                return conn.execute(sql).fetchall()
        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def take(self) -> Counter:
        rows = self._run(
            "SELECT a.qualified_name FROM cache_writes w JOIN lineage_assets a ON a.id = w.asset_id"
        )
        self._run("DELETE FROM cache_writes")
        return Counter(name for (name,) in rows)


def _chain(store, names: list[str], job: str = "etl") -> None:
    store.record_edges(
        [{"source": a, "target": b, "job": job, "op": "run"} for a, b in pairwise(names)]
    )


@pytest.fixture(name="writes")
def fixture_writes(store_url):
    with open_store(store_url) as store:
        _chain(store, ["w.a", "w.b", "w.c", "w.d"])
        _chain(store, ["w.e", "w.f"])
        assert store.refresh_impact_cache().entries_changed == 6
    return Writes(store_url)


def test_marking_writes_no_entry_and_the_refresh_writes_each_changed_one_once(store_url, writes):
    with open_store(store_url) as store:
        recorded = store.record_edge("w.d", "w.g", job="etl", op="run")
        assert recorded.cache_entries_marked_stale == 4  # w.a..w.d gain a descendant
        assert writes.take() == Counter()
        assert store.stale_cache_entries() == 5  # and w.g has no entry yet
        result = store.refresh_impact_cache()
        assert (result.entries_refreshed, result.entries_changed) == (5, 5)  # 4 written, 1 new
        assert writes.take() == Counter({"w.a": 1, "w.b": 1, "w.c": 1, "w.d": 1})
        assert store.impact("w.a").cached and store.impact("w.a").total_impacted_assets == 4


def test_an_entry_that_comes_out_the_same_is_not_written(store_url, writes):
    with open_store(store_url) as store:
        [edge] = [e for e in store.edges("w.b") if e.target == "w.c"]
        store.retire_edges([edge.id])
        _chain(store, ["w.b", "w.c"])  # back as it was: two marks, no entry changed
        assert writes.take() == Counter()
        result = store.refresh_impact_cache()
        assert result.entries_refreshed == 4 and result.entries_changed == 0
        assert writes.take() == Counter()
        assert store.stale_cache_entries() == 0


def test_marking_everything_writes_no_entry(store_url, writes):
    with open_store(store_url) as store:
        # More changed edges than marking one by one is worth: every entry is marked at once.
        store.record_edges([{"source": "w.a", "target": f"w.n{i}"} for i in range(2_100)])
        assert writes.take() == Counter()
        assert store.stale_cache_entries() == 6 + 2_100
        store.refresh_impact_cache()
        assert writes.take() == Counter({"w.a": 1})
        assert store.impact("w.a").total_impacted_assets == 3 + 2_100


def test_an_incremental_refresh_reads_and_recomputes_only_what_the_change_touches(store_url):
    with open_store(store_url) as store:
        for k in range(40):  # forty separate chains of five
            _chain(store, [f"p{k}.n{i}" for i in range(5)], job=f"job{k % 3}")
        store.refresh_impact_cache()
        store.record_edge("p7.n4", "p7.extra", job="job1", op="run")
        read = []
        result = store.refresh_impact_cache(progress=lambda stage, done, total: (
            read.append((done, total)) if stage == "read" else None
        ))  # fmt: skip
        # p7.n0..n4 gain a descendant, p7.extra is new: only that chain is read and counted.
        assert result.entries_refreshed == 6 and result.entries_changed == 6
        assert read == [(6, 201)]
        for name in ("p7.n0", "p7.extra", "p8.n0"):
            cached, live = store.impact(name), store.impact(name, live=True)
            assert cached.cached
            assert cached.model_dump(exclude={"cached", "computed_at"}) == live.model_dump(
                exclude={"cached", "computed_at"}
            )
