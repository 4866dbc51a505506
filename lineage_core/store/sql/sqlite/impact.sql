-- Named queries (impact) of the SQLite backend. Lists arrive as JSON text and are unpacked with
-- json_each. Columns that hold JSON, booleans or times carry their type in their alias
-- ("x [lineage_json]", "[lineage_bool]", "[lineage_time]"), so rows come back as Python values.

-- name: select_contexts_into
-- The (job, op) contexts of active edges into the given assets.
SELECT DISTINCT job_id, op_name FROM lineage_edges
WHERE tenant_id = :tenant AND active AND target_id IN (SELECT value FROM json_each(:ids));

-- name: select_contexts_out_of
-- The (job, op) contexts of active edges out of the given assets.
SELECT DISTINCT job_id, op_name FROM lineage_edges
WHERE tenant_id = :tenant AND active AND source_id IN (SELECT value FROM json_each(:ids));

-- name: select_fresh_cache_entry
-- An asset's cache entry when it is fresh.
SELECT downstream_depth_counts AS "downstream_depth_counts [lineage_json]",
       downstream_estimated AS "downstream_estimated [lineage_bool]",
       job_ids AS "job_ids [lineage_json]", context_offset, context_bits,
       computed_at AS "computed_at [lineage_time]"
FROM lineage_impact_cache c
WHERE tenant_id = :tenant AND asset_id = :asset_id AND max_depth = :max_depth
  AND NOT EXISTS (SELECT 1 FROM lineage_cache_stale s WHERE s.asset_id = c.asset_id);
