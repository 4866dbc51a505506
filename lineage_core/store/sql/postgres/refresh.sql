-- Named queries (refresh) of the PostgreSQL backend. Lists arrive as arrays (= ANY), JSON as jsonb.

-- name: select_refresh_assets
-- The tenant's asset ids in order.
-- Packed: one bytea of 8-byte big-endian ids per row. A million ids as rows cost a Python object each; packed they are one buffer to decode.
SELECT string_agg(int8send(id), ''::bytea ORDER BY id) FROM lineage_assets
WHERE tenant_id = %(tenant)s
GROUP BY id >> 22
ORDER BY id >> 22;

-- name: select_refresh_contexts
-- The (job, op) contexts of the active edges; a context's place in this list is its number.
SELECT job_id, op_name FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active
GROUP BY job_id, op_name
ORDER BY job_id, op_name;

-- name: select_refresh_edges
-- Every active edge and its (job, op) context.
-- Packed as (source id, target id, context number), 8 big-endian bytes each. The context number is the place of the edge's (job, op) in select_refresh_contexts, read
-- in the same snapshot. Rows of at most 4M edges keep each bytea far under its 1 GB limit.
WITH contexts AS (
    SELECT job_id, op_name, row_number() OVER (ORDER BY job_id, op_name) - 1 AS number
    FROM (
        SELECT DISTINCT job_id, op_name FROM lineage_edges
        WHERE tenant_id = %(tenant)s AND active
    ) used
)
SELECT string_agg(int8send(e.source_id) || int8send(e.target_id) || int8send(c.number), ''::bytea)
FROM lineage_edges e JOIN contexts c USING (job_id, op_name)
WHERE e.tenant_id = %(tenant)s AND e.active
GROUP BY e.id >> 22;

-- name: select_refresh_edges_touching
-- The active edges touching the given assets, with their job and op: part of the graph.
-- An incremental refresh reads only the neighbourhood of its stale entries.
SELECT source_id, target_id, job_id, op_name FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND source_id = ANY(%(ids)s::bigint[])
UNION
SELECT source_id, target_id, job_id, op_name FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND target_id = ANY(%(ids)s::bigint[]);

-- name: count_refresh_assets
-- How many assets the tenant has.
SELECT count(*) FROM lineage_assets WHERE tenant_id = %(tenant)s;

-- name: lock_graph_version
-- The tenant's graph version and the version the cache was last written at, locked.
-- Writers bump the version (an UPDATE of this row) before they mark entries stale, so
-- holding the row until the refresh commits makes every writer either finish before (and
-- the refresh sees the new version) or mark the refresh's own rows after. Refreshes that
-- write at the same time take turns.
SELECT graph_version, cache_version FROM lineage_tenants WHERE id = %(tenant)s FOR UPDATE;

-- name: set_cache_version
-- Record the graph version a refresh wrote its entries at.
UPDATE lineage_tenants SET cache_version = %(version)s WHERE id = %(tenant)s;

-- name: create_cache_load
-- Prepare the staging table a refresh loads its entries into.
-- A refresh writes up to an entry per asset: COPY into a scratch table, then write only the
-- entries whose values changed.
CREATE TEMP TABLE lineage_cache_load (LIKE lineage_impact_cache) ON COMMIT DROP;

-- name: copy_cache_load
-- Load a refresh's entries in bulk.
COPY lineage_cache_load (
    asset_id, tenant_id, max_depth, downstream_count, downstream_max_depth,
    downstream_depth_counts, downstream_estimated, upstream_count, upstream_max_depth,
    upstream_depth_counts, upstream_estimated, job_ids, job_count, context_offset,
    context_bits, computed_version, computed_at
) FROM STDIN;

-- name: update_changed_entries
-- Write the loaded entries whose values differ from the stored ones.
-- An entry that came out the same is not written: it stays one row version.
UPDATE lineage_impact_cache c SET
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
FROM lineage_cache_load l
WHERE c.asset_id = l.asset_id
  AND (c.max_depth, c.downstream_count, c.downstream_depth_counts, c.downstream_estimated,
       c.upstream_count, c.upstream_depth_counts, c.upstream_estimated, c.job_ids,
       c.context_offset, c.context_bits)
      IS DISTINCT FROM
      (l.max_depth, l.downstream_count, l.downstream_depth_counts, l.downstream_estimated,
       l.upstream_count, l.upstream_depth_counts, l.upstream_estimated, l.job_ids,
       l.context_offset, l.context_bits);

-- name: insert_new_entries
-- Insert the loaded entries of assets that had none (assets deleted meanwhile are skipped).
INSERT INTO lineage_impact_cache
SELECT l.* FROM lineage_cache_load l JOIN lineage_assets a ON a.id = l.asset_id
WHERE NOT EXISTS (SELECT 1 FROM lineage_impact_cache c WHERE c.asset_id = l.asset_id)
ORDER BY l.asset_id;

-- name: clear_stale_marks
-- Remove the marks a refresh that read the graph at this version has answered.
DELETE FROM lineage_cache_stale WHERE tenant_id = %(tenant)s AND version <= %(version)s;

-- name: mark_loaded_stale
-- Mark the loaded entries stale: the graph changed while the refresh computed them.
INSERT INTO lineage_cache_stale (asset_id, tenant_id, version)
SELECT l.asset_id, l.tenant_id, %(version)s FROM lineage_cache_load l
JOIN lineage_impact_cache c ON c.asset_id = l.asset_id
ORDER BY l.asset_id
ON CONFLICT (asset_id) DO UPDATE SET version = excluded.version
WHERE lineage_cache_stale.version < excluded.version;

-- name: empty_cache_load
-- Empty the staging table.
-- Nothing to do: each refresh's transaction makes its own.
SELECT 1;
