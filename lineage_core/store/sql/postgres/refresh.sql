-- Named queries (refresh) of the PostgreSQL backend. Lists arrive as arrays (= ANY), JSON as jsonb.

-- name: select_active_edge_contexts
-- Every active edge with its job and op: the graph a refresh reads.
SELECT source_id, target_id, job_id, op_name FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active;

-- name: lock_graph_version
-- The tenant's graph version, held against writers until the refresh commits.
-- Writers bump the version (an UPDATE of this row) before they mark entries stale, so
-- holding the row shared until the refresh commits makes every writer either finish
-- before (and the refresh sees the new version) or mark the refresh's own rows after.
SELECT graph_version FROM lineage_tenants WHERE id = %(tenant)s FOR SHARE;

-- name: create_cache_load
-- Prepare the staging table a refresh loads its entries into.
-- A refresh writes up to an entry per asset: COPY into a scratch table, then one upsert
-- (stale_version is kept on update: a writer that marked the entry meanwhile wins).
CREATE TEMP TABLE lineage_cache_load (LIKE lineage_impact_cache) ON COMMIT DROP;

-- name: copy_cache_load
-- Load a refresh's entries in bulk.
COPY lineage_cache_load (
    asset_id, tenant_id, max_depth, downstream_count, downstream_max_depth,
    downstream_depth_counts, upstream_count, upstream_max_depth, upstream_depth_counts,
    context_bits, job_count, computed_version, stale_version, computed_at
) FROM STDIN;

-- name: merge_cache_load
-- Upsert the loaded entries into the cache.
INSERT INTO lineage_impact_cache (
    asset_id, tenant_id, max_depth, downstream_count, downstream_max_depth,
    downstream_depth_counts, upstream_count, upstream_max_depth, upstream_depth_counts,
    context_bits, job_count, computed_version, stale_version, computed_at
)
SELECT asset_id, tenant_id, max_depth, downstream_count, downstream_max_depth,
    downstream_depth_counts, upstream_count, upstream_max_depth, upstream_depth_counts,
    context_bits, job_count, computed_version, stale_version, computed_at
FROM lineage_cache_load
ORDER BY asset_id
ON CONFLICT (asset_id) DO UPDATE SET
    max_depth = excluded.max_depth,
    downstream_count = excluded.downstream_count,
    downstream_max_depth = excluded.downstream_max_depth,
    downstream_depth_counts = excluded.downstream_depth_counts,
    upstream_count = excluded.upstream_count,
    upstream_max_depth = excluded.upstream_max_depth,
    upstream_depth_counts = excluded.upstream_depth_counts,
    context_bits = excluded.context_bits,
    job_count = excluded.job_count,
    computed_version = excluded.computed_version,
    computed_at = excluded.computed_at;
