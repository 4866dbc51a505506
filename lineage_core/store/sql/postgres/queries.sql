-- Named queries of the PostgreSQL backend. Lists arrive as arrays (= ANY), JSON as jsonb.

-- name: select_tenant
SELECT id FROM lineage_tenants WHERE name = %(name)s;

-- name: select_tenant_edition
SELECT edition FROM lineage_tenants WHERE id = %(tenant)s;

-- name: select_tenants
SELECT name, edition, created_at FROM lineage_tenants ORDER BY name;

-- name: insert_tenant
INSERT INTO lineage_tenants (name, edition, created_at) VALUES (%(name)s, %(edition)s, %(now)s);

-- name: update_tenant_edition
UPDATE lineage_tenants SET edition = %(edition)s WHERE name = %(name)s;

-- name: bump_graph_version
UPDATE lineage_tenants SET graph_version = graph_version + 1 WHERE id = %(tenant)s
RETURNING graph_version;

-- name: select_graph_version
SELECT graph_version FROM lineage_tenants WHERE id = %(tenant)s;

-- name: upsert_asset
INSERT INTO lineage_assets (
    tenant_id, asset_type, asset_name, qualified_name, database_name, schema_name,
    connection, metadata, created_at, updated_at
)
VALUES (%(tenant)s, %(type)s, %(name)s, %(qualified_name)s, %(database)s, %(schema)s, %(connection)s, %(metadata)s, %(now)s, %(now)s)
ON CONFLICT (tenant_id, qualified_name) DO UPDATE SET
    asset_type = excluded.asset_type,
    connection = COALESCE(excluded.connection, lineage_assets.connection),
    metadata = lineage_assets.metadata || excluded.metadata,
    updated_at = excluded.updated_at;

-- name: insert_asset
INSERT INTO lineage_assets (
    tenant_id, asset_type, asset_name, qualified_name, database_name, schema_name,
    is_source, is_target, created_at, updated_at
)
VALUES (%(tenant)s, %(type)s, %(name)s, %(qualified_name)s, %(database)s, %(schema)s, %(is_source)s, %(is_target)s, %(now)s, %(now)s)
ON CONFLICT (tenant_id, qualified_name) DO NOTHING;

-- name: update_asset_roles
UPDATE lineage_assets
SET is_source = is_source OR %(is_source)s, is_target = is_target OR %(is_target)s, updated_at = %(now)s
WHERE id = %(id)s AND tenant_id = %(tenant)s
  AND ((%(is_source)s AND NOT is_source) OR (%(is_target)s AND NOT is_target));

-- name: select_asset_by_name
SELECT id, asset_type, asset_name, qualified_name, database_name, schema_name, connection,
       metadata, is_source, is_target, created_at, updated_at
FROM lineage_assets WHERE tenant_id = %(tenant)s AND qualified_name = %(qualified_name)s;

-- name: select_assets
SELECT id, asset_type, asset_name, qualified_name, database_name, schema_name, connection,
       metadata, is_source, is_target, created_at, updated_at
FROM lineage_assets
WHERE tenant_id = %(tenant)s AND lower(qualified_name) LIKE %(pattern)s ESCAPE '\'
ORDER BY qualified_name LIMIT %(limit)s OFFSET %(offset)s;

-- name: select_asset_names_like
SELECT qualified_name FROM lineage_assets
WHERE tenant_id = %(tenant)s AND lower(qualified_name) LIKE %(pattern)s ESCAPE '\'
LIMIT %(limit)s;

-- name: select_root
-- The tenant's edition and the asset's id (NULL when unknown); no row: no such tenant.
SELECT t.edition, a.id FROM lineage_tenants t
LEFT JOIN lineage_assets a ON a.tenant_id = t.id AND a.qualified_name = %(qualified_name)s
WHERE t.id = %(tenant)s;

-- name: select_asset_id
SELECT id FROM lineage_assets WHERE tenant_id = %(tenant)s AND qualified_name = %(qualified_name)s;

-- name: select_asset_roles_by_names
SELECT id, qualified_name, is_source, is_target FROM lineage_assets
WHERE tenant_id = %(tenant)s AND qualified_name = ANY(%(names)s::text[]);

-- name: select_asset_ids_by_names
SELECT id, qualified_name FROM lineage_assets
WHERE tenant_id = %(tenant)s AND qualified_name = ANY(%(names)s::text[]);

-- name: select_asset_ids
SELECT id FROM lineage_assets WHERE tenant_id = %(tenant)s ORDER BY id;

-- name: select_asset_info
SELECT id, asset_name, qualified_name, asset_type FROM lineage_assets
WHERE id = ANY(%(ids)s::bigint[]);

-- name: insert_job
INSERT INTO lineage_jobs (tenant_id, code_location, job_name) VALUES (%(tenant)s, %(code_location)s, %(job)s)
ON CONFLICT (tenant_id, code_location, job_name) DO NOTHING;

-- name: select_jobs
SELECT id, code_location, job_name FROM lineage_jobs WHERE tenant_id = %(tenant)s;

-- name: select_job_id
SELECT id FROM lineage_jobs
WHERE tenant_id = %(tenant)s AND code_location = %(code_location)s AND job_name = %(job)s;

-- name: analyze_lineage
ANALYZE lineage_assets, lineage_edges;

-- name: select_edge_keys_by_sources
SELECT id, source_id, target_id, job_id, op_name, active FROM lineage_edges
WHERE tenant_id = %(tenant)s AND source_id = ANY(%(ids)s::bigint[]);

-- name: insert_edge
INSERT INTO lineage_edges (
    tenant_id, source_id, target_id, job_id, op_name, trigger_name, transformation_type,
    transformation_logic, column_mappings, created_at, updated_at
)
VALUES (%(tenant)s, %(source_id)s, %(target_id)s, %(job_id)s, %(op)s, %(trigger)s, %(transformation_type)s,
        %(transformation_logic)s, %(columns)s, %(now)s, %(now)s);

-- name: copy_edges
-- Bulk form of insert_edge (copy_rows), with the new edge's run counts.
COPY lineage_edges (
    tenant_id, source_id, target_id, job_id, op_name, trigger_name, transformation_type,
    transformation_logic, column_mappings, execution_count, last_run_id, last_execution_at,
    created_at, updated_at
) FROM STDIN;

-- name: copy_edge_runs
-- Bulk form of insert_edge_run for edges inserted in the same transaction.
COPY lineage_edge_runs (edge_id, run_id, executed_at) FROM STDIN;

-- name: update_edge
UPDATE lineage_edges SET
    trigger_name = COALESCE(%(trigger)s, trigger_name),
    transformation_type = COALESCE(%(transformation_type)s, transformation_type),
    transformation_logic = COALESCE(%(transformation_logic)s, transformation_logic),
    column_mappings = CASE WHEN %(columns)s::jsonb = '[]'::jsonb THEN column_mappings ELSE %(columns)s END,
    active = TRUE,
    retired_at = NULL,
    updated_at = %(now)s
WHERE id = %(id)s AND tenant_id = %(tenant)s;

-- name: select_edge_runs
SELECT edge_id, run_id FROM lineage_edge_runs
WHERE edge_id = ANY(%(ids)s::bigint[]) AND run_id = ANY(%(run_ids)s::text[]);

-- name: insert_edge_run
INSERT INTO lineage_edge_runs (edge_id, run_id, executed_at) VALUES (%(edge_id)s, %(run_id)s, %(executed_at)s)
ON CONFLICT (edge_id, run_id) DO NOTHING;

-- name: update_edge_executions
UPDATE lineage_edges SET
    execution_count = execution_count + %(count)s,
    last_run_id = CASE WHEN last_execution_at IS NULL OR last_execution_at <= %(executed_at)s
                       THEN %(run_id)s ELSE last_run_id END,
    last_execution_at = CASE WHEN last_execution_at IS NULL OR last_execution_at <= %(executed_at)s
                             THEN %(executed_at)s ELSE last_execution_at END
WHERE id = %(id)s;

-- name: select_edges_between
SELECT e.id, e.source_id, e.target_id, j.job_name, j.code_location, e.op_name
FROM lineage_edges e JOIN lineage_jobs j ON j.id = e.job_id
WHERE e.tenant_id = %(tenant)s AND e.source_id = %(source_id)s AND e.target_id = %(target_id)s;

-- name: delete_edges
DELETE FROM lineage_edges WHERE id = ANY(%(ids)s::bigint[]);

-- name: select_active_edges_by_ids
SELECT id, source_id, target_id FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND id = ANY(%(ids)s::bigint[]);

-- name: select_active_edges_into
SELECT e.id, e.source_id, e.target_id, s.qualified_name, t.qualified_name, e.op_name,
       e.last_execution_at
FROM lineage_assets t
JOIN lineage_edges e ON e.tenant_id = t.tenant_id AND e.target_id = t.id AND e.active
JOIN lineage_jobs j ON j.id = e.job_id
JOIN lineage_assets s ON s.id = e.source_id
WHERE t.tenant_id = %(tenant)s AND t.qualified_name = ANY(%(names)s::text[])
  AND j.code_location = %(code_location)s AND j.job_name = %(job)s;

-- name: retire_edges
UPDATE lineage_edges SET active = FALSE, retired_at = %(now)s, updated_at = %(now)s
WHERE tenant_id = %(tenant)s AND id = ANY(%(ids)s::bigint[]);

-- name: select_edges
SELECT e.id, s.qualified_name, t.qualified_name, j.job_name, j.code_location, e.op_name,
       e.trigger_name, e.transformation_type, e.transformation_logic, e.column_mappings,
       e.last_run_id, e.last_execution_at, e.execution_count, e.active, e.created_at
FROM lineage_edges e
JOIN lineage_assets s ON s.id = e.source_id
JOIN lineage_assets t ON t.id = e.target_id
JOIN lineage_jobs j ON j.id = e.job_id
WHERE e.tenant_id = %(tenant)s
  AND (%(asset_id)s::bigint IS NULL OR e.source_id = %(asset_id)s OR e.target_id = %(asset_id)s)
  AND (%(include_retired)s::boolean OR e.active)
ORDER BY s.qualified_name, t.qualified_name, j.job_name, e.op_name
LIMIT %(limit)s;

-- name: select_small_walk_downstream
-- A small walk in one round trip: the number of (asset, depth) pairs within max_depth
-- (UNION keeps each pair once, so a diamond cannot multiply rows; past :limit the
-- caller walks level by level instead), then, when under the limit, every edge out of
-- an asset reached before max_depth. The caller finds shortest depths over those edges.
WITH RECURSIVE reach(id, depth) AS (
    SELECT %(root)s::bigint, 0
    UNION
    SELECT e.target_id, r.depth + 1 FROM reach r
    JOIN lineage_edges e ON e.tenant_id = %(tenant)s AND e.source_id = r.id AND e.active
    WHERE r.depth < %(max_depth)s
),
capped AS MATERIALIZED (SELECT id, depth FROM reach LIMIT %(limit)s)
SELECT NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::text, count(*) FROM capped
UNION ALL
SELECT e.source_id, e.target_id, e.job_id, e.op_name, e.transformation_type, NULL
FROM (SELECT DISTINCT id FROM capped WHERE depth < %(max_depth)s) w
JOIN lineage_edges e ON e.tenant_id = %(tenant)s AND e.source_id = w.id AND e.active
WHERE (SELECT count(*) FROM capped) < %(limit)s;

-- name: select_small_walk_upstream
WITH RECURSIVE reach(id, depth) AS (
    SELECT %(root)s::bigint, 0
    UNION
    SELECT e.source_id, r.depth + 1 FROM reach r
    JOIN lineage_edges e ON e.tenant_id = %(tenant)s AND e.target_id = r.id AND e.active
    WHERE r.depth < %(max_depth)s
),
capped AS MATERIALIZED (SELECT id, depth FROM reach LIMIT %(limit)s)
SELECT NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::text, count(*) FROM capped
UNION ALL
SELECT e.source_id, e.target_id, e.job_id, e.op_name, e.transformation_type, NULL
FROM (SELECT DISTINCT id FROM capped WHERE depth < %(max_depth)s) w
JOIN lineage_edges e ON e.tenant_id = %(tenant)s AND e.target_id = w.id AND e.active
WHERE (SELECT count(*) FROM capped) < %(limit)s;

-- name: select_out_edges
SELECT source_id, target_id, job_id, op_name, transformation_type FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND source_id = ANY(%(ids)s::bigint[]);

-- name: select_in_edges
SELECT source_id, target_id, job_id, op_name, transformation_type FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND target_id = ANY(%(ids)s::bigint[]);

-- name: select_child_ids
SELECT DISTINCT target_id FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND source_id = ANY(%(ids)s::bigint[]);

-- name: select_parent_ids
SELECT DISTINCT source_id FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND target_id = ANY(%(ids)s::bigint[]);

-- name: select_contexts_touching
SELECT job_id, op_name FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND source_id = ANY(%(ids)s::bigint[])
UNION
SELECT job_id, op_name FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND target_id = ANY(%(ids)s::bigint[]);

-- name: select_active_edge_contexts
SELECT source_id, target_id, job_id, op_name FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active;

-- name: select_any_cache_entry
SELECT 1 FROM lineage_impact_cache WHERE tenant_id = %(tenant)s LIMIT 1;

-- name: mark_all_stale
UPDATE lineage_impact_cache SET stale_version = %(version)s WHERE tenant_id = %(tenant)s;

-- name: mark_stale
UPDATE lineage_impact_cache SET stale_version = %(version)s
WHERE tenant_id = %(tenant)s AND asset_id = ANY(%(ids)s::bigint[]);

-- name: count_stale_entries
SELECT count(*) FROM lineage_assets a
LEFT JOIN lineage_impact_cache c ON c.asset_id = a.id
WHERE a.tenant_id = %(tenant)s AND (c.asset_id IS NULL OR c.stale_version > c.computed_version);

-- name: select_stale_asset_ids
SELECT a.id FROM lineage_assets a
LEFT JOIN lineage_impact_cache c ON c.asset_id = a.id
WHERE a.tenant_id = %(tenant)s AND (c.asset_id IS NULL OR c.stale_version > c.computed_version)
ORDER BY a.id;

-- name: select_fresh_cache_entry
SELECT downstream_depth_counts, context_bits, computed_at FROM lineage_impact_cache
WHERE tenant_id = %(tenant)s AND asset_id = %(asset_id)s AND max_depth = %(max_depth)s
  AND stale_version <= computed_version;

-- name: create_cache_load
-- A refresh writes up to an entry per asset: COPY into a scratch table, then one upsert
-- (stale_version is kept on update: a writer that marked the entry meanwhile wins).
CREATE TEMP TABLE lineage_cache_load (LIKE lineage_impact_cache) ON COMMIT DROP;

-- name: copy_cache_load
COPY lineage_cache_load (
    asset_id, tenant_id, max_depth, downstream_count, downstream_max_depth,
    downstream_depth_counts, upstream_count, upstream_max_depth, upstream_depth_counts,
    context_bits, job_count, computed_version, stale_version, computed_at
) FROM STDIN;

-- name: merge_cache_load
INSERT INTO lineage_impact_cache (
    asset_id, tenant_id, max_depth, downstream_count, downstream_max_depth,
    downstream_depth_counts, upstream_count, upstream_max_depth, upstream_depth_counts,
    context_bits, job_count, computed_version, stale_version, computed_at
)
SELECT asset_id, tenant_id, max_depth, downstream_count, downstream_max_depth,
    downstream_depth_counts, upstream_count, upstream_max_depth, upstream_depth_counts,
    context_bits, job_count, computed_version, stale_version, computed_at
FROM lineage_cache_load
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

-- name: select_cache_summaries
SELECT a.qualified_name, c.downstream_count, c.upstream_count, c.job_count, c.downstream_max_depth
FROM lineage_impact_cache c JOIN lineage_assets a ON a.id = c.asset_id
WHERE c.tenant_id = %(tenant)s AND a.qualified_name = ANY(%(names)s::text[])
  AND c.stale_version <= c.computed_version;

-- name: select_largest_impacts
SELECT a.qualified_name, c.downstream_count, c.job_count
FROM lineage_impact_cache c JOIN lineage_assets a ON a.id = c.asset_id
WHERE c.tenant_id = %(tenant)s
ORDER BY c.downstream_count DESC, a.qualified_name LIMIT %(limit)s;

-- name: select_job_references
SELECT j.job_name, e.op_name, j.code_location,
       CASE WHEN e.source_id = %(asset_id)s::bigint THEN 'read' ELSE 'write' END,
       e.execution_count, e.last_run_id, e.last_execution_at
FROM lineage_edges e JOIN lineage_jobs j ON j.id = e.job_id
WHERE e.tenant_id = %(tenant)s AND e.active AND (e.source_id = %(asset_id)s OR e.target_id = %(asset_id)s)
  AND j.job_name <> '';

-- name: select_job_assets
SELECT j.code_location, a.qualified_name, 'read' FROM lineage_edges e
JOIN lineage_jobs j ON j.id = e.job_id JOIN lineage_assets a ON a.id = e.source_id
WHERE e.tenant_id = %(tenant)s AND e.active AND j.job_name = %(job)s
UNION
SELECT j.code_location, a.qualified_name, 'write' FROM lineage_edges e
JOIN lineage_jobs j ON j.id = e.job_id JOIN lineage_assets a ON a.id = e.target_id
WHERE e.tenant_id = %(tenant)s AND e.active AND j.job_name = %(job)s;

-- name: upsert_execution
INSERT INTO lineage_executions (
    tenant_id, run_id, execution_type, job_name, code_location, status, assets_discovered,
    edges_created, errors, started_at, completed_at
)
VALUES (%(tenant)s, %(run_id)s, %(execution_type)s, %(job)s, %(code_location)s, %(status)s, %(assets_discovered)s,
        %(edges_created)s, %(errors)s, %(started_at)s, %(completed_at)s)
ON CONFLICT (tenant_id, run_id, execution_type) DO UPDATE SET
    job_name = excluded.job_name,
    code_location = excluded.code_location,
    status = excluded.status,
    assets_discovered = excluded.assets_discovered,
    edges_created = excluded.edges_created,
    errors = excluded.errors,
    started_at = excluded.started_at,
    completed_at = excluded.completed_at;

-- name: select_executions
SELECT run_id, execution_type, job_name, code_location, status, assets_discovered,
       edges_created, errors, started_at, completed_at
FROM lineage_executions WHERE tenant_id = %(tenant)s ORDER BY started_at DESC, id DESC LIMIT %(limit)s;

-- name: select_latest_profile
SELECT id, body FROM lineage_table_profiles WHERE asset_id = %(asset_id)s
ORDER BY profiled_at DESC, id DESC LIMIT 1;

-- name: insert_profile
INSERT INTO lineage_table_profiles (
    tenant_id, asset_id, connection, row_count, column_count, table_size_bytes,
    duplicate_count, null_percentage, body, schema_changed, profiled_at, profile_duration_ms
)
VALUES (%(tenant)s, %(asset_id)s, %(connection)s, %(row_count)s, %(column_count)s, %(table_size_bytes)s,
        %(duplicate_count)s, %(null_percentage)s, %(body)s, %(schema_changed)s, %(profiled_at)s, %(duration)s)
RETURNING id;

-- name: select_profiles
SELECT id, body FROM lineage_table_profiles WHERE asset_id = %(asset_id)s
ORDER BY profiled_at DESC, id DESC LIMIT %(limit)s;

-- name: insert_alert
INSERT INTO lineage_alerts (tenant_id, dedup_key, kind, asset, status, body, created_at, updated_at)
VALUES (%(tenant)s, %(dedup_key)s, %(kind)s, %(asset)s, %(status)s, %(body)s, %(now)s, %(now)s)
ON CONFLICT (tenant_id, dedup_key) DO NOTHING;

-- name: select_alert_status
SELECT status FROM lineage_alerts WHERE tenant_id = %(tenant)s AND dedup_key = %(dedup_key)s;

-- name: update_alert
UPDATE lineage_alerts SET status = %(status)s, deliveries = %(deliveries)s, updated_at = %(now)s
WHERE tenant_id = %(tenant)s AND dedup_key = %(dedup_key)s;

-- name: resolve_alert
UPDATE lineage_alerts SET status = 'resolved', dedup_key = dedup_key || ':resolved:' || id,
    updated_at = %(now)s
WHERE tenant_id = %(tenant)s AND dedup_key = %(dedup_key)s;

-- name: select_alerts
SELECT dedup_key, kind, asset, status, body, deliveries, created_at FROM lineage_alerts
WHERE tenant_id = %(tenant)s AND (%(kind)s::text IS NULL OR kind = %(kind)s)
ORDER BY id DESC LIMIT %(limit)s;

-- name: select_open_alert_assets
SELECT dedup_key, asset FROM lineage_alerts
WHERE tenant_id = %(tenant)s AND kind = %(kind)s AND status <> 'resolved';

-- name: select_assets_over_threshold
SELECT a.qualified_name, c.downstream_count, c.job_count
FROM lineage_impact_cache c JOIN lineage_assets a ON a.id = c.asset_id
WHERE c.tenant_id = %(tenant)s AND c.downstream_count >= %(threshold)s
  AND c.stale_version <= c.computed_version
ORDER BY c.downstream_count DESC, a.qualified_name;

-- name: select_schema_changes_after
SELECT p.id, a.qualified_name, p.body FROM lineage_table_profiles p
JOIN lineage_assets a ON a.id = p.asset_id
WHERE p.tenant_id = %(tenant)s AND p.id > %(after)s AND p.schema_changed
ORDER BY p.id LIMIT %(limit)s;

-- name: select_last_profile_id
SELECT coalesce(max(id), 0) FROM lineage_table_profiles WHERE tenant_id = %(tenant)s;

-- name: select_contexts
SELECT position, job_id, op_name FROM lineage_contexts WHERE tenant_id = %(tenant)s;

-- name: select_contexts_at
SELECT job_id, op_name FROM lineage_contexts
WHERE tenant_id = %(tenant)s AND position = ANY(%(positions)s::int[]);

-- name: lock_contexts
-- Serialises the writers of new positions, so two refreshes never pick the same one.
SELECT id FROM lineage_tenants WHERE id = %(tenant)s FOR UPDATE;

-- name: insert_context
INSERT INTO lineage_contexts (tenant_id, position, job_id, op_name)
VALUES (%(tenant)s, %(position)s, %(job_id)s, %(op)s)
ON CONFLICT (tenant_id, job_id, op_name) DO NOTHING;
