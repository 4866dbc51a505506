-- Named queries (refresh) of the SQLite backend. Lists arrive as JSON text and are unpacked with
-- json_each. Columns that hold JSON, booleans or times carry their type in their alias
-- ("x [lineage_json]", "[lineage_bool]", "[lineage_time]"), so rows come back as Python values.

-- name: select_refresh_assets
-- The tenant's asset ids in order.
SELECT id FROM lineage_assets WHERE tenant_id = :tenant ORDER BY id;

-- name: select_refresh_contexts
-- The (job, op) contexts of the active edges; a context's place in this list is its number.
SELECT job_id, op_name FROM lineage_edges
WHERE tenant_id = :tenant AND active
GROUP BY job_id, op_name
ORDER BY job_id, op_name;

-- name: select_refresh_edges
-- Every active edge and its (job, op) context.
-- One a row, with its job and op: numbering them here joins every edge with every context
-- (SQLite plans no index for the numbered list), which the store does by a dict instead.
SELECT source_id, target_id, job_id, op_name FROM lineage_edges
WHERE tenant_id = :tenant AND active;

-- name: select_refresh_edges_touching
-- The active edges touching the given assets, with their job and op: part of the graph.
-- An incremental refresh reads only the neighbourhood of its stale entries.
SELECT source_id, target_id, job_id, op_name FROM lineage_edges
WHERE tenant_id = :tenant AND active AND source_id IN (SELECT value FROM json_each(:ids))
UNION
SELECT source_id, target_id, job_id, op_name FROM lineage_edges
WHERE tenant_id = :tenant AND active AND target_id IN (SELECT value FROM json_each(:ids));

-- name: count_refresh_assets
-- How many assets the tenant has.
SELECT count(*) FROM lineage_assets WHERE tenant_id = :tenant;

-- name: lock_graph_version
-- The tenant's graph version and the version the cache was last written at, locked.
-- A SQLite write session already excludes every writer: the plain read is enough.
SELECT graph_version, cache_version FROM lineage_tenants WHERE id = :tenant;

-- name: set_cache_version
-- Record the graph version a refresh wrote its entries at.
UPDATE lineage_tenants SET cache_version = :version WHERE id = :tenant;

-- name: create_cache_load
-- Prepare the staging table a refresh loads its entries into.
-- A refresh writes up to an entry per asset: load a scratch table, then write only the
-- entries whose values changed.
CREATE TEMP TABLE IF NOT EXISTS lineage_cache_load AS SELECT * FROM lineage_impact_cache WHERE 0;

-- name: empty_cache_load
-- Empty the staging table.
-- It lives as long as the connection.
DELETE FROM temp.lineage_cache_load;

-- name: copy_cache_load
-- Load a refresh's entries in bulk.
INSERT INTO temp.lineage_cache_load (
    asset_id, tenant_id, max_depth, downstream_count, downstream_max_depth,
    downstream_depth_counts, downstream_estimated, upstream_count, upstream_max_depth,
    upstream_depth_counts, upstream_estimated, job_ids, job_count, context_offset,
    context_bits, computed_version, computed_at
)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: update_changed_entries
-- Write the loaded entries whose values differ from the stored ones.
-- An entry that came out the same is not written.
UPDATE lineage_impact_cache AS c SET
    max_depth = l.max_depth,
    downstream_count = l.downstream_count,
    downstream_max_depth = l.downstream_max_depth,
    downstream_depth_counts = l.downstream_depth_counts,
    downstream_estimated = l.downstream_estimated,
    upstream_count = l.upstream_count,
    upstream_max_depth = l.upstream_max_depth,
    upstream_depth_counts = l.upstream_depth_counts,
    upstream_estimated = l.upstream_estimated,
    job_ids = l.job_ids,
    job_count = l.job_count,
    context_offset = l.context_offset,
    context_bits = l.context_bits,
    computed_version = l.computed_version,
    computed_at = l.computed_at
FROM temp.lineage_cache_load AS l
WHERE c.asset_id = l.asset_id
  AND (c.max_depth, c.downstream_count, c.downstream_depth_counts, c.downstream_estimated,
       c.upstream_count, c.upstream_depth_counts, c.upstream_estimated, c.job_ids,
       c.context_offset, c.context_bits)
      IS NOT
      (l.max_depth, l.downstream_count, l.downstream_depth_counts, l.downstream_estimated,
       l.upstream_count, l.upstream_depth_counts, l.upstream_estimated, l.job_ids,
       l.context_offset, l.context_bits);

-- name: insert_new_entries
-- Insert the loaded entries of assets that had none (assets deleted meanwhile are skipped).
INSERT INTO lineage_impact_cache
SELECT l.* FROM temp.lineage_cache_load l JOIN lineage_assets a ON a.id = l.asset_id
WHERE NOT EXISTS (SELECT 1 FROM lineage_impact_cache c WHERE c.asset_id = l.asset_id)
ORDER BY l.asset_id;

-- name: clear_stale_marks
-- Remove the marks a refresh that read the graph at this version has answered.
DELETE FROM lineage_cache_stale WHERE tenant_id = :tenant AND version <= :version;

-- name: mark_loaded_stale
-- Mark the loaded entries stale: the graph changed while the refresh computed them.
INSERT INTO lineage_cache_stale (asset_id, tenant_id, version)
SELECT l.asset_id, l.tenant_id, :version FROM temp.lineage_cache_load l
JOIN lineage_impact_cache c ON c.asset_id = l.asset_id
WHERE 1
ORDER BY l.asset_id
ON CONFLICT (asset_id) DO UPDATE SET version = excluded.version
WHERE lineage_cache_stale.version < excluded.version;
