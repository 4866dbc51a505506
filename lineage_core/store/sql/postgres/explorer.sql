-- Named queries (explorer) of the PostgreSQL backend: what the explorer's HTTP API reads
-- beside walks and impact. Lists arrive as arrays (= ANY).

-- name: select_asset_by_id
-- One asset of the tenant, every column, by id.
SELECT id, asset_type, asset_name, qualified_name, database_name, schema_name, connection,
       metadata, is_source, is_target, created_at, updated_at
FROM lineage_assets WHERE tenant_id = %(tenant)s AND id = %(id)s;

-- name: select_assets_by_names
-- Every column of the named assets, by name.
SELECT id, asset_type, asset_name, qualified_name, database_name, schema_name, connection,
       metadata, is_source, is_target, created_at, updated_at
FROM lineage_assets
WHERE tenant_id = %(tenant)s AND qualified_name = ANY(%(names)s::text[])
ORDER BY qualified_name;

-- name: select_asset_key_of_asset
-- The Dagster asset key a code location declared for an asset (the first, if several).
SELECT asset_key FROM lineage_asset_keys
WHERE tenant_id = %(tenant)s AND asset_id = %(asset_id)s
ORDER BY asset_key LIMIT 1;

-- name: select_picked_edges
-- Stored edges with their context: one by id, or those into and/or out of one asset.
WITH picked AS (
    SELECT id FROM lineage_edges WHERE tenant_id = %(tenant)s AND id = %(edge_id)s
    UNION ALL
    SELECT id FROM lineage_edges
    WHERE tenant_id = %(tenant)s AND target_id = %(asset_id)s AND %(incoming)s::boolean
    UNION ALL
    SELECT id FROM lineage_edges
    WHERE tenant_id = %(tenant)s AND source_id = %(asset_id)s AND %(outgoing)s::boolean
)
SELECT e.id, s.qualified_name, t.qualified_name, j.job_name, j.code_location, e.op_name,
       e.trigger_name, e.transformation_type, e.transformation_logic, e.column_mappings,
       e.last_run_id, e.last_execution_at, e.execution_count, e.active, e.created_at
FROM picked
JOIN lineage_edges e ON e.id = picked.id
JOIN lineage_assets s ON s.id = e.source_id
JOIN lineage_assets t ON t.id = e.target_id
JOIN lineage_jobs j ON j.id = e.job_id
WHERE %(include_retired)s::boolean OR e.active
ORDER BY s.qualified_name, t.qualified_name, j.job_name, e.op_name
LIMIT %(limit)s;

-- name: select_edge_columns
-- Ends, job, code location, op and column mappings of the active edges with mappings from
-- the given sources into the given targets.
SELECT e.source_id, e.target_id, j.job_name, j.code_location, e.op_name, e.column_mappings
FROM lineage_edges e JOIN lineage_jobs j ON j.id = e.job_id
WHERE e.tenant_id = %(tenant)s AND e.active AND jsonb_array_length(e.column_mappings) > 0
  AND e.source_id = ANY(%(sources)s::bigint[]) AND e.target_id = ANY(%(targets)s::bigint[]);

-- name: select_last_writes
-- The latest captured run of the jobs writing each given asset, and whether it wrote it.
WITH writers AS (
    SELECT DISTINCT e.target_id AS asset_id, j.code_location, j.job_name
    FROM lineage_edges e JOIN lineage_jobs j ON j.id = e.job_id
    WHERE e.tenant_id = %(tenant)s AND e.active AND j.job_name <> ''
      AND e.target_id = ANY(%(ids)s::bigint[])
), runs AS (
    SELECT w.asset_id, x.run_id, x.job_name, x.code_location, x.status,
           coalesce(x.completed_at, x.started_at) AS at,
           row_number() OVER (
               PARTITION BY w.asset_id
               ORDER BY coalesce(x.completed_at, x.started_at) DESC, x.id DESC
           ) AS position
    FROM writers w
    JOIN lineage_executions x
      ON x.tenant_id = %(tenant)s AND x.job_name = w.job_name
     AND coalesce(x.code_location, '') = w.code_location
)
SELECT asset_id, run_id, job_name, code_location, status, at,
       EXISTS (
           SELECT 1 FROM lineage_edges e JOIN lineage_edge_runs r ON r.edge_id = e.id
           WHERE e.tenant_id = %(tenant)s AND e.target_id = runs.asset_id
             AND r.run_id = runs.run_id
       )
FROM runs WHERE position = 1;

-- name: select_last_execution_id
-- The id of the tenant's latest recorded capture (0 when none).
SELECT coalesce(max(id), 0) FROM lineage_executions WHERE tenant_id = %(tenant)s;

-- name: select_executions_after
-- Captures with an id above a given one (a run captured anew gets a new id), oldest first.
SELECT id, run_id, execution_type, job_name, code_location, status, edges_created,
       started_at, completed_at
FROM lineage_executions WHERE tenant_id = %(tenant)s AND id > %(after)s ORDER BY id
LIMIT %(limit)s;

-- name: select_run_assets
-- Names of the assets at either end of the edges a run of a job recorded last.
SELECT a.qualified_name FROM lineage_edges e
JOIN lineage_jobs j ON j.id = e.job_id JOIN lineage_assets a ON a.id = e.source_id
WHERE e.tenant_id = %(tenant)s AND j.tenant_id = %(tenant)s AND j.job_name = %(job)s
  AND j.code_location = %(code_location)s AND e.last_run_id = %(run_id)s
UNION
SELECT a.qualified_name FROM lineage_edges e
JOIN lineage_jobs j ON j.id = e.job_id JOIN lineage_assets a ON a.id = e.target_id
WHERE e.tenant_id = %(tenant)s AND j.tenant_id = %(tenant)s AND j.job_name = %(job)s
  AND j.code_location = %(code_location)s AND e.last_run_id = %(run_id)s
ORDER BY 1 LIMIT %(limit)s;
