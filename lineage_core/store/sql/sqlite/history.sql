-- Named queries (history) of the SQLite backend. Lists arrive as JSON text and are unpacked with
-- json_each. Columns that hold JSON, booleans or times carry their type in their alias
-- ("x [lineage_json]", "[lineage_bool]", "[lineage_time]"), so rows come back as Python values.

-- name: upsert_execution
-- Record one capture of a run (recording it again replaces it).
INSERT INTO lineage_executions (
    tenant_id, run_id, execution_type, job_name, code_location, status, assets_discovered,
    edges_created, errors, notes, started_at, completed_at
)
VALUES (:tenant, :run_id, :execution_type, :job, :code_location, :status, :assets_discovered,
        :edges_created, :errors, :notes, :started_at, :completed_at)
ON CONFLICT (tenant_id, run_id, execution_type) DO UPDATE SET
    job_name = excluded.job_name,
    code_location = excluded.code_location,
    status = excluded.status,
    assets_discovered = excluded.assets_discovered,
    edges_created = excluded.edges_created,
    errors = excluded.errors,
    notes = excluded.notes,
    started_at = excluded.started_at,
    completed_at = excluded.completed_at;

-- name: select_executions
-- The latest captures, newest first.
SELECT run_id, execution_type, job_name, code_location, status, assets_discovered,
       edges_created, errors AS "errors [lineage_json]", started_at AS "started_at [lineage_time]",
       completed_at AS "completed_at [lineage_time]", notes AS "notes [lineage_json]"
FROM lineage_executions WHERE tenant_id = :tenant ORDER BY started_at DESC, id DESC LIMIT :limit;

-- name: select_latest_profile
-- An asset's latest profile.
SELECT id, body AS "body [lineage_json]" FROM lineage_table_profiles WHERE asset_id = :asset_id
ORDER BY profiled_at DESC, id DESC LIMIT 1;

-- name: insert_profile
-- Store a profile; returns its id.
INSERT INTO lineage_table_profiles (
    tenant_id, asset_id, connection, row_count, column_count, table_size_bytes,
    duplicate_count, null_percentage, body, schema_changed, profiled_at, profile_duration_ms
)
VALUES (:tenant, :asset_id, :connection, :row_count, :column_count, :table_size_bytes,
        :duplicate_count, :null_percentage, :body, :schema_changed, :profiled_at, :duration)
RETURNING id;

-- name: select_profiles
-- An asset's profile history, newest first.
SELECT id, body AS "body [lineage_json]" FROM lineage_table_profiles WHERE asset_id = :asset_id
ORDER BY profiled_at DESC, id DESC LIMIT :limit;

-- name: select_schema_changes_after
-- Profiles with schema drift recorded after a profile id.
SELECT p.id, a.qualified_name, p.body AS "body [lineage_json]" FROM lineage_table_profiles p
JOIN lineage_assets a ON a.id = p.asset_id
WHERE p.tenant_id = :tenant AND p.id > :after AND p.schema_changed
ORDER BY p.id LIMIT :limit;

-- name: select_last_profile_id
-- The id of the tenant's latest profile (0 when none).
SELECT coalesce(max(id), 0) FROM lineage_table_profiles WHERE tenant_id = :tenant;
