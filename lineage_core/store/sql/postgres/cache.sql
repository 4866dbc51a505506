-- Named queries (cache) of the PostgreSQL backend. Lists arrive as arrays (= ANY), JSON as jsonb.

-- name: select_any_cache_entry
-- Whether the tenant has any cache entry at all.
SELECT 1 FROM lineage_impact_cache WHERE tenant_id = %(tenant)s LIMIT 1;

-- name: mark_all_stale
-- Mark every cache entry of the tenant stale.
-- Marks are rows of their own: the entries are not written (see migration 0010).
INSERT INTO lineage_cache_stale (asset_id, tenant_id, version)
SELECT asset_id, tenant_id, %(version)s FROM lineage_impact_cache WHERE tenant_id = %(tenant)s
ORDER BY asset_id
ON CONFLICT (asset_id) DO UPDATE SET version = excluded.version
WHERE lineage_cache_stale.version < excluded.version;

-- name: mark_stale
-- Mark the entries of the given assets stale.
INSERT INTO lineage_cache_stale (asset_id, tenant_id, version)
SELECT asset_id, tenant_id, %(version)s FROM lineage_impact_cache
WHERE tenant_id = %(tenant)s AND asset_id = ANY(%(ids)s::bigint[])
ORDER BY asset_id
ON CONFLICT (asset_id) DO UPDATE SET version = excluded.version
WHERE lineage_cache_stale.version < excluded.version;

-- name: count_stale_entries
-- Assets whose cache entry is stale or missing.
SELECT count(*) FROM lineage_assets a
LEFT JOIN lineage_impact_cache c ON c.asset_id = a.id
WHERE a.tenant_id = %(tenant)s
  AND (c.asset_id IS NULL OR EXISTS (SELECT 1 FROM lineage_cache_stale s WHERE s.asset_id = a.id));

-- name: select_stale_asset_ids
-- Ids of the assets whose cache entry is stale or missing.
SELECT a.id FROM lineage_assets a
LEFT JOIN lineage_impact_cache c ON c.asset_id = a.id
WHERE a.tenant_id = %(tenant)s
  AND (c.asset_id IS NULL OR EXISTS (SELECT 1 FROM lineage_cache_stale s WHERE s.asset_id = a.id))
ORDER BY a.id;

-- name: select_cache_summaries
-- Cached counts of the named assets with a fresh entry.
SELECT a.qualified_name, c.downstream_count, c.upstream_count, c.job_count,
       c.downstream_max_depth, c.downstream_estimated, c.upstream_estimated
FROM lineage_impact_cache c JOIN lineage_assets a ON a.id = c.asset_id
WHERE c.tenant_id = %(tenant)s AND a.qualified_name = ANY(%(names)s::text[])
  AND NOT EXISTS (SELECT 1 FROM lineage_cache_stale s WHERE s.asset_id = c.asset_id);

-- name: select_largest_impacts
-- The largest cached downstream counts.
SELECT a.qualified_name, c.downstream_count, c.job_count
FROM lineage_impact_cache c JOIN lineage_assets a ON a.id = c.asset_id
WHERE c.tenant_id = %(tenant)s
ORDER BY c.downstream_count DESC, a.qualified_name LIMIT %(limit)s;

-- name: select_assets_over_threshold
-- Fresh entries at or over a downstream threshold.
SELECT a.qualified_name, c.downstream_count, c.job_count
FROM lineage_impact_cache c JOIN lineage_assets a ON a.id = c.asset_id
WHERE c.tenant_id = %(tenant)s AND c.downstream_count >= %(threshold)s
  AND NOT EXISTS (SELECT 1 FROM lineage_cache_stale s WHERE s.asset_id = c.asset_id)
ORDER BY c.downstream_count DESC, a.qualified_name;

-- name: select_contexts
-- Every (job, op) context with its bit position.
SELECT position, job_id, op_name FROM lineage_contexts WHERE tenant_id = %(tenant)s;

-- name: select_contexts_at
-- The (job, op) contexts at the given bit positions.
SELECT job_id, op_name FROM lineage_contexts
WHERE tenant_id = %(tenant)s AND position = ANY(%(positions)s::int[]);

-- name: lock_contexts
-- Serialise the writers of new context positions.
-- Serialises the writers of new positions, so two refreshes never pick the same one.
SELECT id FROM lineage_tenants WHERE id = %(tenant)s FOR UPDATE;

-- name: insert_context
-- Give a (job, op) context its bit position (kept if it has one).
INSERT INTO lineage_contexts (tenant_id, position, job_id, op_name)
VALUES (%(tenant)s, %(position)s, %(job_id)s, %(op)s)
ON CONFLICT (tenant_id, job_id, op_name) DO NOTHING;
