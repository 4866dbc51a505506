-- Named queries (writes) of the PostgreSQL backend. Lists arrive as arrays (= ANY), JSON as jsonb.

-- name: analyze_lineage
-- Refresh the planner's statistics after a bulk import.
ANALYZE lineage_assets, lineage_edges;

-- name: select_edge_keys_by_sources
-- Keys, active flags and transformation types of the edges out of the given sources.
SELECT id, source_id, target_id, job_id, op_name, active, transformation_type FROM lineage_edges
WHERE tenant_id = %(tenant)s AND source_id = ANY(%(ids)s::bigint[]);

-- name: create_edge_load
-- Prepare the scratch table new edges are copied into before they are inserted.
CREATE TEMP TABLE IF NOT EXISTS lineage_edge_load (
    tenant_id BIGINT, source_id BIGINT, target_id BIGINT, job_id BIGINT, op_name TEXT,
    trigger_name TEXT, transformation_type TEXT, transformation_logic TEXT,
    column_mappings JSONB, execution_count INTEGER, last_run_id TEXT,
    last_execution_at TIMESTAMPTZ, created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ,
    first_seen_at TIMESTAMPTZ
);

-- name: copy_edges
-- Load new edges, with their run counts, into the scratch table.
COPY lineage_edge_load (
    tenant_id, source_id, target_id, job_id, op_name, trigger_name, transformation_type,
    transformation_logic, column_mappings, execution_count, last_run_id, last_execution_at,
    created_at, updated_at, first_seen_at
) FROM STDIN;

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
FROM lineage_edge_load WHERE tenant_id = %(tenant)s
ORDER BY source_id, target_id, job_id, op_name
ON CONFLICT (tenant_id, source_id, target_id, job_id, op_name) DO NOTHING
RETURNING id, source_id, target_id, job_id, op_name;

-- name: clear_edge_load
-- Empty the scratch table (it lives as long as the connection) for the next write.
DELETE FROM lineage_edge_load;

-- name: copy_edge_runs
-- Insert (edge, run) rows in bulk for edges inserted in this transaction.
COPY lineage_edge_runs (edge_id, run_id, executed_at) FROM STDIN;

-- name: update_edge
-- Refresh an existing edge's descriptive fields and re-activate it.
UPDATE lineage_edges SET
    trigger_name = COALESCE(%(trigger)s, trigger_name),
    transformation_type = COALESCE(%(transformation_type)s, transformation_type),
    transformation_logic = COALESCE(%(transformation_logic)s, transformation_logic),
    column_mappings = CASE WHEN %(columns)s::jsonb = '[]'::jsonb THEN column_mappings ELSE %(columns)s END,
    active = TRUE,
    retired_at = NULL,
    updated_at = %(now)s
WHERE id = %(id)s AND tenant_id = %(tenant)s;

-- name: insert_edge_runs
-- Count runs of existing edges, each (edge, run) once; returns the pairs really added.
INSERT INTO lineage_edge_runs (edge_id, run_id, executed_at)
SELECT edge_id, run_id, executed_at
FROM unnest(%(edge_ids)s::bigint[], %(run_ids)s::text[], %(executed_at)s::timestamptz[])
    AS added(edge_id, run_id, executed_at)
ORDER BY edge_id, run_id
ON CONFLICT (edge_id, run_id) DO NOTHING
RETURNING edge_id, run_id, executed_at;

-- name: update_edge_executions
-- Add runs to an edge's execution count and move its last run.
UPDATE lineage_edges SET
    execution_count = execution_count + %(count)s,
    last_run_id = CASE WHEN last_execution_at IS NULL OR last_execution_at <= %(executed_at)s
                       THEN %(run_id)s ELSE last_run_id END,
    last_execution_at = CASE WHEN last_execution_at IS NULL OR last_execution_at <= %(executed_at)s
                             THEN %(executed_at)s ELSE last_execution_at END
WHERE id = %(id)s;

-- name: select_edges_between
-- The edges between two assets, with their job and op.
SELECT e.id, e.source_id, e.target_id, j.job_name, j.code_location, e.op_name
FROM lineage_edges e JOIN lineage_jobs j ON j.id = e.job_id
WHERE e.tenant_id = %(tenant)s AND e.source_id = %(source_id)s AND e.target_id = %(target_id)s;

-- name: delete_edges
-- Delete edges by id.
DELETE FROM lineage_edges WHERE id = ANY(%(ids)s::bigint[]);

-- name: select_active_edges_by_ids
-- Active edges among the given ids, with their endpoints.
SELECT id, source_id, target_id FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND id = ANY(%(ids)s::bigint[]);

-- name: select_active_edges_into
-- Active edges of one job into the named tables.
SELECT e.id, e.source_id, e.target_id, s.qualified_name, t.qualified_name, e.op_name,
       e.last_execution_at
FROM lineage_assets t
JOIN lineage_edges e ON e.tenant_id = t.tenant_id AND e.target_id = t.id AND e.active
JOIN lineage_jobs j ON j.id = e.job_id
JOIN lineage_assets s ON s.id = e.source_id
WHERE t.tenant_id = %(tenant)s AND t.qualified_name = ANY(%(names)s::text[])
  AND j.code_location = %(code_location)s AND j.job_name = %(job)s;

-- name: retire_edges
-- Mark edges inactive, keeping their history.
UPDATE lineage_edges SET active = FALSE, retired_at = %(now)s, updated_at = %(now)s
WHERE tenant_id = %(tenant)s AND id = ANY(%(ids)s::bigint[]);

-- name: select_edges_touching
-- Ids and endpoints of every edge into or out of one asset, retired ones too.
SELECT id, source_id, target_id FROM lineage_edges
WHERE tenant_id = %(tenant)s AND (source_id = %(asset_id)s OR target_id = %(asset_id)s)
ORDER BY id;

-- name: delete_asset
-- Delete one asset; its profiles and impact cache entry go with it (ON DELETE CASCADE).
DELETE FROM lineage_assets WHERE tenant_id = %(tenant)s AND id = %(id)s;
