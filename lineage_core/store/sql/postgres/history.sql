-- Named queries (history) of the PostgreSQL backend. Lists arrive as arrays (= ANY), JSON as jsonb.

-- name: upsert_execution
-- Record one capture of a run (recording it again replaces it).
INSERT INTO lineage_executions (
    tenant_id, run_id, execution_type, job_name, code_location, status, assets_discovered,
    edges_created, errors, notes, started_at, completed_at
)
VALUES (%(tenant)s, %(run_id)s, %(execution_type)s, %(job)s, %(code_location)s, %(status)s, %(assets_discovered)s,
        %(edges_created)s, %(errors)s, %(notes)s, %(started_at)s, %(completed_at)s)
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
       edges_created, errors, started_at, completed_at, notes
FROM lineage_executions WHERE tenant_id = %(tenant)s ORDER BY started_at DESC, id DESC LIMIT %(limit)s;

-- name: select_latest_profile
-- An asset's latest profile.
SELECT id, body FROM lineage_table_profiles WHERE asset_id = %(asset_id)s
ORDER BY profiled_at DESC, id DESC LIMIT 1;

-- name: insert_profile
-- Store a profile; returns its id.
INSERT INTO lineage_table_profiles (
    tenant_id, asset_id, connection, row_count, column_count, table_size_bytes,
    duplicate_count, null_percentage, body, schema_changed, profiled_at, profile_duration_ms
)
VALUES (%(tenant)s, %(asset_id)s, %(connection)s, %(row_count)s, %(column_count)s, %(table_size_bytes)s,
        %(duplicate_count)s, %(null_percentage)s, %(body)s, %(schema_changed)s, %(profiled_at)s, %(duration)s)
RETURNING id;

-- name: select_profiles
-- An asset's profile history, newest first.
SELECT id, body FROM lineage_table_profiles WHERE asset_id = %(asset_id)s
ORDER BY profiled_at DESC, id DESC LIMIT %(limit)s;

-- name: select_schema_changes_after
-- Profiles with schema drift recorded after a profile id.
SELECT p.id, a.qualified_name, p.body FROM lineage_table_profiles p
JOIN lineage_assets a ON a.id = p.asset_id
WHERE p.tenant_id = %(tenant)s AND p.id > %(after)s AND p.schema_changed
ORDER BY p.id LIMIT %(limit)s;

-- name: select_last_profile_id
-- The id of the tenant's latest profile (0 when none).
SELECT coalesce(max(id), 0) FROM lineage_table_profiles WHERE tenant_id = %(tenant)s;
