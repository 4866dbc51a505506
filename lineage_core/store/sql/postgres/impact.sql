-- Named queries (impact) of the PostgreSQL backend. Lists arrive as arrays (= ANY), JSON as jsonb.

-- name: select_contexts_into
-- The (job, op) contexts of active edges into the given assets.
SELECT DISTINCT job_id, op_name FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND target_id = ANY(%(ids)s::bigint[]);

-- name: select_contexts_out_of
-- The (job, op) contexts of active edges out of the given assets.
SELECT DISTINCT job_id, op_name FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND source_id = ANY(%(ids)s::bigint[]);

-- name: select_fresh_cache_entry
-- An asset's cache entry when it is fresh.
SELECT downstream_depth_counts, downstream_estimated, job_ids, context_offset, context_bits,
       computed_at
FROM lineage_impact_cache c
WHERE tenant_id = %(tenant)s AND asset_id = %(asset_id)s AND max_depth = %(max_depth)s
  AND NOT EXISTS (SELECT 1 FROM lineage_cache_stale s WHERE s.asset_id = c.asset_id);
