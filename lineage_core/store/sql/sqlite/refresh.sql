-- Named queries (refresh) of the SQLite backend. Lists arrive as JSON text and are unpacked with
-- json_each. Columns that hold JSON, booleans or times carry their type in their alias
-- ("x [lineage_json]", "[lineage_bool]", "[lineage_time]"), so rows come back as Python values.

-- name: select_active_edge_contexts
-- Every active edge with its job and op: the graph a refresh reads.
SELECT source_id, target_id, job_id, op_name FROM lineage_edges
WHERE tenant_id = :tenant AND active;

-- name: lock_graph_version
-- The tenant's graph version, held against writers until the refresh commits.
-- A SQLite write session already excludes every writer: the plain read is enough.
SELECT graph_version FROM lineage_tenants WHERE id = :tenant;

-- name: create_cache_load
-- Prepare the staging table a refresh loads its entries into.
-- Nothing: SQLite upserts row by row in copy_cache_load, within the same transaction.
SELECT 1;

-- name: copy_cache_load
-- Load a refresh's entries in bulk.
-- stale_version is kept on update: a writer that marked the entry meanwhile wins.
INSERT INTO lineage_impact_cache (
    asset_id, tenant_id, max_depth, downstream_count, downstream_max_depth,
    downstream_depth_counts, upstream_count, upstream_max_depth, upstream_depth_counts,
    context_bits, job_count, computed_version, stale_version, computed_at
)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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

-- name: merge_cache_load
-- Upsert the loaded entries into the cache.
SELECT 1;
