-- Named queries (writes) of the SQLite backend. Lists arrive as JSON text and are unpacked with
-- json_each. Columns that hold JSON, booleans or times carry their type in their alias
-- ("x [lineage_json]", "[lineage_bool]", "[lineage_time]"), so rows come back as Python values.

-- name: analyze_lineage
-- Refresh the planner's statistics after a bulk import.
-- Nothing on SQLite: its plans need no statistics, and with sqlite_stat1 present (3.40) the
-- recursive walk builds a Bloom filter over all edges at every step (2 ms -> 50 ms).
SELECT 1;

-- name: select_edge_keys_by_sources
-- Keys, active flags and transformation types of the edges out of the given sources.
SELECT id, source_id, target_id, job_id, op_name, active AS "active [lineage_bool]",
    transformation_type
FROM lineage_edges
WHERE tenant_id = :tenant AND source_id IN (SELECT value FROM json_each(:ids));

-- name: create_edge_load
-- Prepare the scratch table new edges are copied into before they are inserted.
CREATE TEMP TABLE IF NOT EXISTS lineage_edge_load (
    tenant_id, source_id, target_id, job_id, op_name, trigger_name, transformation_type,
    transformation_logic, column_mappings, execution_count, last_run_id, last_execution_at,
    created_at, updated_at, first_seen_at
);

-- name: copy_edges
-- Load new edges, with their run counts, into the scratch table.
INSERT INTO lineage_edge_load VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: insert_loaded_edges
-- Insert the loaded edges in key order; returns those this writer inserted.
-- A key another writer inserted meanwhile is skipped: the caller updates it instead.
INSERT INTO lineage_edges (
    tenant_id, source_id, target_id, job_id, op_name, trigger_name, transformation_type,
    transformation_logic, column_mappings, execution_count, last_run_id, last_execution_at,
    created_at, updated_at, first_seen_at
)
SELECT tenant_id, source_id, target_id, job_id, op_name, trigger_name, transformation_type,
       transformation_logic, column_mappings, execution_count, last_run_id, last_execution_at,
       created_at, updated_at, first_seen_at
FROM lineage_edge_load WHERE tenant_id = :tenant
ORDER BY source_id, target_id, job_id, op_name
ON CONFLICT (tenant_id, source_id, target_id, job_id, op_name) DO NOTHING
RETURNING id, source_id, target_id, job_id, op_name;

-- name: clear_edge_load
-- Empty the scratch table (it lives as long as the connection) for the next write.
DELETE FROM lineage_edge_load;

-- name: copy_edge_runs
-- Insert (edge, run) rows in bulk for edges inserted in this transaction.
INSERT INTO lineage_edge_runs (edge_id, run_id, executed_at) VALUES (?, ?, ?);

-- name: update_edge
-- Refresh an existing edge's descriptive fields and re-activate it.
UPDATE lineage_edges SET
    trigger_name = COALESCE(:trigger, trigger_name),
    transformation_type = COALESCE(:transformation_type, transformation_type),
    transformation_logic = COALESCE(:transformation_logic, transformation_logic),
    column_mappings = CASE WHEN :columns = '[]' THEN column_mappings ELSE :columns END,
    active = 1,
    retired_at = NULL,
    updated_at = :now
WHERE id = :id AND tenant_id = :tenant;

-- name: insert_edge_runs
-- Count runs of existing edges, each (edge, run) once; returns the pairs really added.
INSERT INTO lineage_edge_runs (edge_id, run_id, executed_at)
SELECT e.value, r.value, a.value
FROM json_each(:edge_ids) AS e
JOIN json_each(:run_ids) AS r ON r.key = e.key
JOIN json_each(:executed_at) AS a ON a.key = e.key
WHERE true
ORDER BY e.value, r.value
ON CONFLICT (edge_id, run_id) DO NOTHING
RETURNING edge_id, run_id, executed_at AS "executed_at [lineage_time]";

-- name: update_edge_executions
-- Add runs to an edge's execution count and move its last run.
UPDATE lineage_edges SET
    execution_count = execution_count + :count,
    last_run_id = CASE WHEN last_execution_at IS NULL OR last_execution_at <= :executed_at
                       THEN :run_id ELSE last_run_id END,
    last_execution_at = CASE WHEN last_execution_at IS NULL OR last_execution_at <= :executed_at
                             THEN :executed_at ELSE last_execution_at END
WHERE id = :id;

-- name: select_edges_between
-- The edges between two assets, with their job and op.
SELECT e.id, e.source_id, e.target_id, j.job_name, j.code_location, e.op_name
FROM lineage_edges e JOIN lineage_jobs j ON j.id = e.job_id
WHERE e.tenant_id = :tenant AND e.source_id = :source_id AND e.target_id = :target_id;

-- name: delete_edges
-- Delete edges by id.
DELETE FROM lineage_edges WHERE id IN (SELECT value FROM json_each(:ids));

-- name: select_active_edges_by_ids
-- Active edges among the given ids, with their endpoints.
SELECT id, source_id, target_id FROM lineage_edges
WHERE tenant_id = :tenant AND active AND id IN (SELECT value FROM json_each(:ids));

-- name: select_active_edges_into
-- Active edges of one job into the named tables.
SELECT e.id, e.source_id, e.target_id, s.qualified_name, t.qualified_name, e.op_name,
       e.last_execution_at AS "last_execution_at [lineage_time]"
FROM lineage_assets t
JOIN lineage_edges e ON e.tenant_id = t.tenant_id AND e.target_id = t.id AND e.active
JOIN lineage_jobs j ON j.id = e.job_id
JOIN lineage_assets s ON s.id = e.source_id
WHERE t.tenant_id = :tenant AND t.qualified_name IN (SELECT value FROM json_each(:names))
  AND j.code_location = :code_location AND j.job_name = :job;

-- name: retire_edges
-- Mark edges inactive, keeping their history.
UPDATE lineage_edges SET active = 0, retired_at = :now, updated_at = :now
WHERE tenant_id = :tenant AND id IN (SELECT value FROM json_each(:ids));

-- name: select_edges_touching
-- Ids and endpoints of every edge into or out of one asset, retired ones too.
SELECT id, source_id, target_id FROM lineage_edges
WHERE tenant_id = :tenant AND (source_id = :asset_id OR target_id = :asset_id)
ORDER BY id;

-- name: delete_asset
-- Delete one asset; its profiles and impact cache entry go with it (ON DELETE CASCADE).
DELETE FROM lineage_assets WHERE tenant_id = :tenant AND id = :id;
