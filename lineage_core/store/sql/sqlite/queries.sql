-- Named queries of the SQLite backend. Lists arrive as JSON text and are unpacked with
-- json_each; timestamps are ISO-8601 text; booleans are 0/1.

-- name: select_tenant
SELECT id FROM lineage_tenants WHERE name = :name;

-- name: select_tenant_edition
SELECT edition FROM lineage_tenants WHERE id = :tenant;

-- name: select_tenants
SELECT name, edition, created_at FROM lineage_tenants ORDER BY name;

-- name: insert_tenant
INSERT INTO lineage_tenants (name, edition, created_at) VALUES (:name, :edition, :now);

-- name: update_tenant_edition
UPDATE lineage_tenants SET edition = :edition WHERE name = :name;

-- name: bump_graph_version
UPDATE lineage_tenants SET graph_version = graph_version + 1 WHERE id = :tenant
RETURNING graph_version;

-- name: select_graph_version
SELECT graph_version FROM lineage_tenants WHERE id = :tenant;

-- name: upsert_asset
INSERT INTO lineage_assets (
    tenant_id, asset_type, asset_name, qualified_name, database_name, schema_name,
    connection, metadata, created_at, updated_at
)
VALUES (:tenant, :type, :name, :qualified_name, :database, :schema, :connection, :metadata, :now, :now)
ON CONFLICT (tenant_id, qualified_name) DO UPDATE SET
    asset_type = excluded.asset_type,
    connection = COALESCE(excluded.connection, lineage_assets.connection),
    metadata = json_patch(lineage_assets.metadata, excluded.metadata),
    updated_at = excluded.updated_at;

-- name: insert_asset
INSERT INTO lineage_assets (
    tenant_id, asset_type, asset_name, qualified_name, database_name, schema_name,
    is_source, is_target, created_at, updated_at
)
VALUES (:tenant, :type, :name, :qualified_name, :database, :schema, :is_source, :is_target, :now, :now)
ON CONFLICT (tenant_id, qualified_name) DO NOTHING;

-- name: update_asset_roles
UPDATE lineage_assets
SET is_source = is_source OR :is_source, is_target = is_target OR :is_target, updated_at = :now
WHERE id = :id AND tenant_id = :tenant
  AND ((:is_source AND NOT is_source) OR (:is_target AND NOT is_target));

-- name: select_asset_by_name
SELECT id, asset_type, asset_name, qualified_name, database_name, schema_name, connection,
       metadata, is_source, is_target, created_at, updated_at
FROM lineage_assets WHERE tenant_id = :tenant AND qualified_name = :qualified_name;

-- name: select_assets
SELECT id, asset_type, asset_name, qualified_name, database_name, schema_name, connection,
       metadata, is_source, is_target, created_at, updated_at
FROM lineage_assets
WHERE tenant_id = :tenant AND lower(qualified_name) LIKE :pattern ESCAPE '\'
ORDER BY qualified_name LIMIT :limit OFFSET :offset;

-- name: select_asset_names_like
SELECT qualified_name FROM lineage_assets
WHERE tenant_id = :tenant AND lower(qualified_name) LIKE :pattern ESCAPE '\'
LIMIT :limit;

-- name: select_root
-- The tenant's edition and the asset's id (NULL when unknown); no row: no such tenant.
SELECT t.edition, a.id FROM lineage_tenants t
LEFT JOIN lineage_assets a ON a.tenant_id = t.id AND a.qualified_name = :qualified_name
WHERE t.id = :tenant;

-- name: select_asset_id
SELECT id FROM lineage_assets WHERE tenant_id = :tenant AND qualified_name = :qualified_name;

-- name: select_asset_roles_by_names
SELECT id, qualified_name, is_source, is_target FROM lineage_assets
WHERE tenant_id = :tenant AND qualified_name IN (SELECT value FROM json_each(:names));

-- name: select_asset_ids_by_names
SELECT id, qualified_name FROM lineage_assets
WHERE tenant_id = :tenant AND qualified_name IN (SELECT value FROM json_each(:names));

-- name: select_asset_ids
SELECT id FROM lineage_assets WHERE tenant_id = :tenant ORDER BY id;

-- name: select_asset_info
SELECT id, asset_name, qualified_name, asset_type FROM lineage_assets
WHERE id IN (SELECT value FROM json_each(:ids));

-- name: insert_job
INSERT INTO lineage_jobs (tenant_id, code_location, job_name) VALUES (:tenant, :code_location, :job)
ON CONFLICT (tenant_id, code_location, job_name) DO NOTHING;

-- name: select_jobs
SELECT id, code_location, job_name FROM lineage_jobs WHERE tenant_id = :tenant;

-- name: select_job_id
SELECT id FROM lineage_jobs
WHERE tenant_id = :tenant AND code_location = :code_location AND job_name = :job;

-- name: analyze_lineage
-- Nothing on SQLite: its plans need no statistics, and with sqlite_stat1 present (3.40) the
-- recursive walk builds a Bloom filter over all edges at every step (2 ms -> 50 ms).
SELECT 1;

-- name: select_edge_keys_by_sources
SELECT id, source_id, target_id, job_id, op_name, active FROM lineage_edges
WHERE tenant_id = :tenant AND source_id IN (SELECT value FROM json_each(:ids));

-- name: insert_edge
INSERT INTO lineage_edges (
    tenant_id, source_id, target_id, job_id, op_name, trigger_name, transformation_type,
    transformation_logic, column_mappings, created_at, updated_at
)
VALUES (:tenant, :source_id, :target_id, :job_id, :op, :trigger, :transformation_type,
        :transformation_logic, :columns, :now, :now);

-- name: copy_edges
-- Bulk form of insert_edge (copy_rows), with the new edge's run counts.
INSERT INTO lineage_edges (
    tenant_id, source_id, target_id, job_id, op_name, trigger_name, transformation_type,
    transformation_logic, column_mappings, execution_count, last_run_id, last_execution_at,
    created_at, updated_at
)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: copy_edge_runs
-- Bulk form of insert_edge_run for edges inserted in the same transaction.
INSERT INTO lineage_edge_runs (edge_id, run_id, executed_at) VALUES (?, ?, ?);

-- name: update_edge
UPDATE lineage_edges SET
    trigger_name = COALESCE(:trigger, trigger_name),
    transformation_type = COALESCE(:transformation_type, transformation_type),
    transformation_logic = COALESCE(:transformation_logic, transformation_logic),
    column_mappings = CASE WHEN :columns = '[]' THEN column_mappings ELSE :columns END,
    active = 1,
    retired_at = NULL,
    updated_at = :now
WHERE id = :id AND tenant_id = :tenant;

-- name: select_edge_runs
SELECT edge_id, run_id FROM lineage_edge_runs
WHERE edge_id IN (SELECT value FROM json_each(:ids))
  AND run_id IN (SELECT value FROM json_each(:run_ids));

-- name: insert_edge_run
INSERT INTO lineage_edge_runs (edge_id, run_id, executed_at) VALUES (:edge_id, :run_id, :executed_at)
ON CONFLICT (edge_id, run_id) DO NOTHING;

-- name: update_edge_executions
UPDATE lineage_edges SET
    execution_count = execution_count + :count,
    last_run_id = CASE WHEN last_execution_at IS NULL OR last_execution_at <= :executed_at
                       THEN :run_id ELSE last_run_id END,
    last_execution_at = CASE WHEN last_execution_at IS NULL OR last_execution_at <= :executed_at
                             THEN :executed_at ELSE last_execution_at END
WHERE id = :id;

-- name: select_edges_between
SELECT e.id, e.source_id, e.target_id, j.job_name, j.code_location, e.op_name
FROM lineage_edges e JOIN lineage_jobs j ON j.id = e.job_id
WHERE e.tenant_id = :tenant AND e.source_id = :source_id AND e.target_id = :target_id;

-- name: delete_edges
DELETE FROM lineage_edges WHERE id IN (SELECT value FROM json_each(:ids));

-- name: select_active_edges_by_ids
SELECT id, source_id, target_id FROM lineage_edges
WHERE tenant_id = :tenant AND active AND id IN (SELECT value FROM json_each(:ids));

-- name: select_active_edges_into
SELECT e.id, e.source_id, e.target_id, s.qualified_name, t.qualified_name, e.op_name,
       e.last_execution_at
FROM lineage_assets t
JOIN lineage_edges e ON e.tenant_id = t.tenant_id AND e.target_id = t.id AND e.active
JOIN lineage_jobs j ON j.id = e.job_id
JOIN lineage_assets s ON s.id = e.source_id
WHERE t.tenant_id = :tenant AND t.qualified_name IN (SELECT value FROM json_each(:names))
  AND j.code_location = :code_location AND j.job_name = :job;

-- name: retire_edges
UPDATE lineage_edges SET active = 0, retired_at = :now, updated_at = :now
WHERE tenant_id = :tenant AND id IN (SELECT value FROM json_each(:ids));

-- name: select_edges
SELECT e.id, s.qualified_name, t.qualified_name, j.job_name, j.code_location, e.op_name,
       e.trigger_name, e.transformation_type, e.transformation_logic, e.column_mappings,
       e.last_run_id, e.last_execution_at, e.execution_count, e.active, e.created_at
FROM lineage_edges e
JOIN lineage_assets s ON s.id = e.source_id
JOIN lineage_assets t ON t.id = e.target_id
JOIN lineage_jobs j ON j.id = e.job_id
WHERE e.tenant_id = :tenant
  AND (:asset_id IS NULL OR e.source_id = :asset_id OR e.target_id = :asset_id)
  AND (:include_retired OR e.active)
ORDER BY s.qualified_name, t.qualified_name, j.job_name, e.op_name
LIMIT :limit;

-- name: select_small_walk_downstream
-- A small walk in one round trip: the number of (asset, depth) pairs within max_depth
-- (UNION keeps each pair once, so a diamond cannot multiply rows; past :limit the
-- caller walks level by level instead), then, when under the limit, every edge out of
-- an asset reached before max_depth. The caller finds shortest depths over those edges.
WITH RECURSIVE reach(id, depth) AS (
    SELECT :root, 0
    UNION
    SELECT e.target_id, r.depth + 1 FROM reach r
    JOIN lineage_edges e ON e.tenant_id = :tenant AND e.source_id = r.id AND e.active
    WHERE r.depth < :max_depth
),
capped AS MATERIALIZED (SELECT id, depth FROM reach LIMIT :limit)
SELECT NULL, NULL, NULL, NULL, NULL, count(*) FROM capped
UNION ALL
SELECT e.source_id, e.target_id, e.job_id, e.op_name, e.transformation_type, NULL
FROM (SELECT DISTINCT id FROM capped WHERE depth < :max_depth) w
JOIN lineage_edges e ON e.tenant_id = :tenant AND e.source_id = w.id AND e.active
WHERE (SELECT count(*) FROM capped) < :limit;

-- name: select_small_walk_upstream
WITH RECURSIVE reach(id, depth) AS (
    SELECT :root, 0
    UNION
    SELECT e.source_id, r.depth + 1 FROM reach r
    JOIN lineage_edges e ON e.tenant_id = :tenant AND e.target_id = r.id AND e.active
    WHERE r.depth < :max_depth
),
capped AS MATERIALIZED (SELECT id, depth FROM reach LIMIT :limit)
SELECT NULL, NULL, NULL, NULL, NULL, count(*) FROM capped
UNION ALL
SELECT e.source_id, e.target_id, e.job_id, e.op_name, e.transformation_type, NULL
FROM (SELECT DISTINCT id FROM capped WHERE depth < :max_depth) w
JOIN lineage_edges e ON e.tenant_id = :tenant AND e.target_id = w.id AND e.active
WHERE (SELECT count(*) FROM capped) < :limit;

-- name: select_out_edges
SELECT source_id, target_id, job_id, op_name, transformation_type FROM lineage_edges
WHERE tenant_id = :tenant AND active AND source_id IN (SELECT value FROM json_each(:ids));

-- name: select_in_edges
SELECT source_id, target_id, job_id, op_name, transformation_type FROM lineage_edges
WHERE tenant_id = :tenant AND active AND target_id IN (SELECT value FROM json_each(:ids));

-- name: select_child_ids
SELECT DISTINCT target_id FROM lineage_edges
WHERE tenant_id = :tenant AND active AND source_id IN (SELECT value FROM json_each(:ids));

-- name: select_parent_ids
SELECT DISTINCT source_id FROM lineage_edges
WHERE tenant_id = :tenant AND active AND target_id IN (SELECT value FROM json_each(:ids));

-- name: select_contexts_touching
SELECT job_id, op_name FROM lineage_edges
WHERE tenant_id = :tenant AND active AND source_id IN (SELECT value FROM json_each(:ids))
UNION
SELECT job_id, op_name FROM lineage_edges
WHERE tenant_id = :tenant AND active AND target_id IN (SELECT value FROM json_each(:ids));

-- name: select_active_edge_contexts
SELECT source_id, target_id, job_id, op_name FROM lineage_edges
WHERE tenant_id = :tenant AND active;

-- name: select_any_cache_entry
SELECT 1 FROM lineage_impact_cache WHERE tenant_id = :tenant LIMIT 1;

-- name: mark_all_stale
UPDATE lineage_impact_cache SET stale_version = :version WHERE tenant_id = :tenant;

-- name: mark_stale
UPDATE lineage_impact_cache SET stale_version = :version
WHERE tenant_id = :tenant AND asset_id IN (SELECT value FROM json_each(:ids));

-- name: count_stale_entries
SELECT count(*) FROM lineage_assets a
LEFT JOIN lineage_impact_cache c ON c.asset_id = a.id
WHERE a.tenant_id = :tenant AND (c.asset_id IS NULL OR c.stale_version > c.computed_version);

-- name: select_stale_asset_ids
SELECT a.id FROM lineage_assets a
LEFT JOIN lineage_impact_cache c ON c.asset_id = a.id
WHERE a.tenant_id = :tenant AND (c.asset_id IS NULL OR c.stale_version > c.computed_version)
ORDER BY a.id;

-- name: select_fresh_cache_entry
SELECT downstream_depth_counts, context_bits, computed_at FROM lineage_impact_cache
WHERE tenant_id = :tenant AND asset_id = :asset_id AND max_depth = :max_depth
  AND stale_version <= computed_version;

-- name: create_cache_load
-- Nothing: SQLite upserts row by row in copy_cache_load, within the same transaction.
SELECT 1;

-- name: copy_cache_load
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
SELECT 1;

-- name: select_cache_summaries
SELECT a.qualified_name, c.downstream_count, c.upstream_count, c.job_count, c.downstream_max_depth
FROM lineage_impact_cache c JOIN lineage_assets a ON a.id = c.asset_id
WHERE c.tenant_id = :tenant AND a.qualified_name IN (SELECT value FROM json_each(:names))
  AND c.stale_version <= c.computed_version;

-- name: select_largest_impacts
SELECT a.qualified_name, c.downstream_count, c.job_count
FROM lineage_impact_cache c JOIN lineage_assets a ON a.id = c.asset_id
WHERE c.tenant_id = :tenant
ORDER BY c.downstream_count DESC, a.qualified_name LIMIT :limit;

-- name: select_job_references
SELECT j.job_name, e.op_name, j.code_location,
       CASE WHEN e.source_id = :asset_id THEN 'read' ELSE 'write' END,
       e.execution_count, e.last_run_id, e.last_execution_at
FROM lineage_edges e JOIN lineage_jobs j ON j.id = e.job_id
WHERE e.tenant_id = :tenant AND e.active AND (e.source_id = :asset_id OR e.target_id = :asset_id)
  AND j.job_name <> '';

-- name: select_job_assets
SELECT j.code_location, a.qualified_name, 'read' FROM lineage_edges e
JOIN lineage_jobs j ON j.id = e.job_id JOIN lineage_assets a ON a.id = e.source_id
WHERE e.tenant_id = :tenant AND e.active AND j.job_name = :job
UNION
SELECT j.code_location, a.qualified_name, 'write' FROM lineage_edges e
JOIN lineage_jobs j ON j.id = e.job_id JOIN lineage_assets a ON a.id = e.target_id
WHERE e.tenant_id = :tenant AND e.active AND j.job_name = :job;

-- name: upsert_execution
INSERT INTO lineage_executions (
    tenant_id, run_id, execution_type, job_name, code_location, status, assets_discovered,
    edges_created, errors, started_at, completed_at
)
VALUES (:tenant, :run_id, :execution_type, :job, :code_location, :status, :assets_discovered,
        :edges_created, :errors, :started_at, :completed_at)
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
FROM lineage_executions WHERE tenant_id = :tenant ORDER BY started_at DESC, id DESC LIMIT :limit;

-- name: select_latest_profile
SELECT id, body FROM lineage_table_profiles WHERE asset_id = :asset_id
ORDER BY profiled_at DESC, id DESC LIMIT 1;

-- name: insert_profile
INSERT INTO lineage_table_profiles (
    tenant_id, asset_id, connection, row_count, column_count, table_size_bytes,
    duplicate_count, null_percentage, body, schema_changed, profiled_at, profile_duration_ms
)
VALUES (:tenant, :asset_id, :connection, :row_count, :column_count, :table_size_bytes,
        :duplicate_count, :null_percentage, :body, :schema_changed, :profiled_at, :duration)
RETURNING id;

-- name: select_profiles
SELECT id, body FROM lineage_table_profiles WHERE asset_id = :asset_id
ORDER BY profiled_at DESC, id DESC LIMIT :limit;

-- name: insert_alert
INSERT INTO lineage_alerts (tenant_id, dedup_key, kind, asset, status, body, created_at, updated_at)
VALUES (:tenant, :dedup_key, :kind, :asset, :status, :body, :now, :now)
ON CONFLICT (tenant_id, dedup_key) DO NOTHING;

-- name: select_alert_status
SELECT status FROM lineage_alerts WHERE tenant_id = :tenant AND dedup_key = :dedup_key;

-- name: update_alert
UPDATE lineage_alerts SET status = :status, deliveries = :deliveries, updated_at = :now
WHERE tenant_id = :tenant AND dedup_key = :dedup_key;

-- name: resolve_alert
UPDATE lineage_alerts SET status = 'resolved', dedup_key = dedup_key || ':resolved:' || id,
    updated_at = :now
WHERE tenant_id = :tenant AND dedup_key = :dedup_key;

-- name: select_alerts
SELECT dedup_key, kind, asset, status, body, deliveries, created_at FROM lineage_alerts
WHERE tenant_id = :tenant AND (:kind IS NULL OR kind = :kind)
ORDER BY id DESC LIMIT :limit;

-- name: select_open_alert_assets
SELECT dedup_key, asset FROM lineage_alerts
WHERE tenant_id = :tenant AND kind = :kind AND status <> 'resolved';

-- name: select_assets_over_threshold
SELECT a.qualified_name, c.downstream_count, c.job_count
FROM lineage_impact_cache c JOIN lineage_assets a ON a.id = c.asset_id
WHERE c.tenant_id = :tenant AND c.downstream_count >= :threshold
  AND c.stale_version <= c.computed_version
ORDER BY c.downstream_count DESC, a.qualified_name;

-- name: select_schema_changes_after
SELECT p.id, a.qualified_name, p.body FROM lineage_table_profiles p
JOIN lineage_assets a ON a.id = p.asset_id
WHERE p.tenant_id = :tenant AND p.id > :after AND p.schema_changed
ORDER BY p.id LIMIT :limit;

-- name: select_last_profile_id
SELECT coalesce(max(id), 0) FROM lineage_table_profiles WHERE tenant_id = :tenant;

-- name: select_contexts
SELECT position, job_id, op_name FROM lineage_contexts WHERE tenant_id = :tenant;

-- name: select_contexts_at
SELECT job_id, op_name FROM lineage_contexts
WHERE tenant_id = :tenant AND position IN (SELECT value FROM json_each(:positions));

-- name: lock_contexts
-- Serialises the writers of new positions, so two refreshes never pick the same one.
-- Nothing: a write session already holds SQLite's only write lock (BEGIN IMMEDIATE).
SELECT 1;

-- name: insert_context
INSERT INTO lineage_contexts (tenant_id, position, job_id, op_name)
VALUES (:tenant, :position, :job_id, :op)
ON CONFLICT (tenant_id, job_id, op_name) DO NOTHING;
