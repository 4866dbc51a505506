-- Named queries (impact) of the PostgreSQL backend. Lists arrive as arrays (= ANY), JSON as jsonb.

-- name: select_contexts_touching
-- The (job, op) contexts of active edges touching the given assets.
SELECT job_id, op_name FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND source_id = ANY(%(ids)s::bigint[])
UNION
SELECT job_id, op_name FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND target_id = ANY(%(ids)s::bigint[]);

-- name: select_fresh_cache_entry
-- An asset's cache entry when it is fresh.
SELECT downstream_depth_counts, context_bits, computed_at FROM lineage_impact_cache
WHERE tenant_id = %(tenant)s AND asset_id = %(asset_id)s AND max_depth = %(max_depth)s
  AND stale_version <= computed_version;
