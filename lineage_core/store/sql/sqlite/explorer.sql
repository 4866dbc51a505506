-- Named queries (explorer) of the SQLite backend: what the explorer's HTTP API reads beside
-- walks and impact. Lists arrive as JSON text and are unpacked with json_each. Columns that
-- hold JSON, booleans or times carry their type in their alias ("x [lineage_json]",
-- "[lineage_bool]", "[lineage_time]"), so rows come back as Python values.

-- name: select_asset_by_id
-- One asset of the tenant, every column, by id.
SELECT id, asset_type, asset_name, qualified_name, database_name, schema_name, connection,
       metadata AS "metadata [lineage_json]", is_source AS "is_source [lineage_bool]",
       is_target AS "is_target [lineage_bool]", created_at AS "created_at [lineage_time]",
       updated_at AS "updated_at [lineage_time]"
FROM lineage_assets WHERE tenant_id = :tenant AND id = :id;

-- name: select_assets_by_names
-- Every column of the named assets, by name.
SELECT id, asset_type, asset_name, qualified_name, database_name, schema_name, connection,
       metadata AS "metadata [lineage_json]", is_source AS "is_source [lineage_bool]",
       is_target AS "is_target [lineage_bool]", created_at AS "created_at [lineage_time]",
       updated_at AS "updated_at [lineage_time]"
FROM lineage_assets
WHERE tenant_id = :tenant AND qualified_name IN (SELECT value FROM json_each(:names))
ORDER BY qualified_name;

-- name: select_asset_key_of_asset
-- The Dagster asset key a code location declared for an asset (the first, if several).
SELECT asset_key FROM lineage_asset_keys WHERE tenant_id = :tenant AND asset_id = :asset_id
ORDER BY asset_key LIMIT 1;

-- name: select_picked_edges
-- Stored edges with their context: one by id, or those into and/or out of one asset.
WITH picked AS (
    SELECT id FROM lineage_edges WHERE tenant_id = :tenant AND id = :edge_id
    UNION ALL
    SELECT id FROM lineage_edges WHERE tenant_id = :tenant AND target_id = :asset_id AND :incoming
    UNION ALL
    SELECT id FROM lineage_edges WHERE tenant_id = :tenant AND source_id = :asset_id AND :outgoing
)
SELECT e.id, s.qualified_name, t.qualified_name, j.job_name, j.code_location, e.op_name,
       e.trigger_name, e.transformation_type, e.transformation_logic,
       e.column_mappings AS "column_mappings [lineage_json]", e.last_run_id,
       e.last_execution_at AS "last_execution_at [lineage_time]", e.execution_count,
       e.active AS "active [lineage_bool]", e.created_at AS "created_at [lineage_time]"
FROM picked
JOIN lineage_edges e ON e.id = picked.id
JOIN lineage_assets s ON s.id = e.source_id
JOIN lineage_assets t ON t.id = e.target_id
JOIN lineage_jobs j ON j.id = e.job_id
WHERE :include_retired OR e.active
ORDER BY s.qualified_name, t.qualified_name, j.job_name, e.op_name
LIMIT :limit;

-- name: select_edge_columns
-- Ends, job, code location, op and column mappings of the active edges with mappings from
-- the given sources into the given targets.
SELECT e.source_id, e.target_id, j.job_name, j.code_location, e.op_name,
       e.column_mappings AS "column_mappings [lineage_json]"
FROM lineage_edges e JOIN lineage_jobs j ON j.id = e.job_id
WHERE e.tenant_id = :tenant AND e.active AND json_array_length(e.column_mappings) > 0
  AND e.source_id IN (SELECT value FROM json_each(:sources))
  AND e.target_id IN (SELECT value FROM json_each(:targets));

-- name: select_last_writes
-- The latest captured run of the jobs writing each given asset, and whether it wrote it.
WITH writers AS (
    SELECT DISTINCT e.target_id AS asset_id, j.code_location, j.job_name
    FROM lineage_edges e JOIN lineage_jobs j ON j.id = e.job_id
    WHERE e.tenant_id = :tenant AND e.active AND j.job_name <> ''
      AND e.target_id IN (SELECT value FROM json_each(:ids))
), runs AS (
    SELECT w.asset_id, x.run_id, x.job_name, x.code_location, x.status,
           coalesce(x.completed_at, x.started_at) AS at,
           row_number() OVER (
               PARTITION BY w.asset_id
               ORDER BY coalesce(x.completed_at, x.started_at) DESC, x.id DESC
           ) AS position
    FROM writers w
    JOIN lineage_executions x
      ON x.tenant_id = :tenant AND x.job_name = w.job_name
     AND coalesce(x.code_location, '') = w.code_location
)
SELECT asset_id, run_id, job_name, code_location, status, at AS "at [lineage_time]",
       EXISTS (
           SELECT 1 FROM lineage_edges e JOIN lineage_edge_runs r ON r.edge_id = e.id
           WHERE e.tenant_id = :tenant AND e.target_id = runs.asset_id AND r.run_id = runs.run_id
       ) AS "written [lineage_bool]"
FROM runs WHERE position = 1;

-- name: select_last_execution_id
-- The id of the tenant's latest recorded capture (0 when none).
SELECT coalesce(max(id), 0) FROM lineage_executions WHERE tenant_id = :tenant;

-- name: select_executions_after
-- Captures with an id above a given one (a run captured anew gets a new id), oldest first.
SELECT id, run_id, execution_type, job_name, code_location, status, edges_created,
       started_at AS "started_at [lineage_time]", completed_at AS "completed_at [lineage_time]"
FROM lineage_executions WHERE tenant_id = :tenant AND id > :after ORDER BY id LIMIT :limit;

-- name: select_run_assets
-- Names of the assets at either end of the edges a run of a job recorded last.
SELECT a.qualified_name FROM lineage_edges e
JOIN lineage_jobs j ON j.id = e.job_id JOIN lineage_assets a ON a.id = e.source_id
WHERE e.tenant_id = :tenant AND j.tenant_id = :tenant AND j.job_name = :job
  AND j.code_location = :code_location AND e.last_run_id = :run_id
UNION
SELECT a.qualified_name FROM lineage_edges e
JOIN lineage_jobs j ON j.id = e.job_id JOIN lineage_assets a ON a.id = e.target_id
WHERE e.tenant_id = :tenant AND j.tenant_id = :tenant AND j.job_name = :job
  AND j.code_location = :code_location AND e.last_run_id = :run_id
ORDER BY 1 LIMIT :limit;
