-- The impact cache at a million assets. Stale marks move out of the entries: marking used to
-- rewrite every entry it touched and the refresh rewrote it again (a stale-and-refresh cycle
-- at 1M assets left a 4.9 GB table of dead copies); now marking writes one narrow row per
-- asset here, and a refresh writes an entry only when its values change. An entry is fresh
-- while no mark of its asset is left.
-- Counts are exact up to a bound and estimated beyond it (flagged per direction); an entry
-- lists the ids of the Dagster jobs touching its downstream, and, when exact, the (job, op)
-- contexts as bits from byte context_offset of the positions in lineage_contexts.
-- Entries are derived data: they are dropped here, and the next refresh computes them.
DROP TABLE lineage_impact_cache;

CREATE TABLE lineage_impact_cache (
    asset_id INTEGER PRIMARY KEY REFERENCES lineage_assets (id) ON DELETE CASCADE,
    tenant_id INTEGER NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    max_depth INTEGER NOT NULL,
    downstream_count INTEGER NOT NULL,
    downstream_max_depth INTEGER NOT NULL,
    downstream_depth_counts TEXT NOT NULL,
    downstream_estimated INTEGER NOT NULL,
    upstream_count INTEGER NOT NULL,
    upstream_max_depth INTEGER NOT NULL,
    upstream_depth_counts TEXT NOT NULL,
    upstream_estimated INTEGER NOT NULL,
    job_ids TEXT NOT NULL,
    job_count INTEGER NOT NULL,
    context_offset INTEGER NOT NULL,
    context_bits BLOB NOT NULL,
    computed_version INTEGER NOT NULL,
    computed_at TEXT NOT NULL
);

CREATE INDEX lineage_impact_cache_downstream ON lineage_impact_cache (tenant_id, downstream_count);

-- version: the graph version of the change that marked the asset. A refresh that read the
-- graph at version V removes the marks up to V; a later writer's mark outlives it.
CREATE TABLE lineage_cache_stale (
    asset_id INTEGER PRIMARY KEY REFERENCES lineage_assets (id) ON DELETE CASCADE,
    tenant_id INTEGER NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    version INTEGER NOT NULL
);

CREATE INDEX lineage_cache_stale_by_tenant ON lineage_cache_stale (tenant_id, version);

-- The graph version the last refresh wrote its entries at: a refresh that computed from an
-- older version than one already written leaves the cache as it is.
ALTER TABLE lineage_tenants ADD COLUMN cache_version INTEGER NOT NULL DEFAULT 0;
