-- Named queries (catalog) of the PostgreSQL backend. Lists arrive as arrays (= ANY), JSON as jsonb.

-- name: upsert_asset
-- Record an asset or update its type, connection and metadata.
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
-- Create an asset first met as an edge endpoint (kept if it exists).
INSERT INTO lineage_assets (
    tenant_id, asset_type, asset_name, qualified_name, database_name, schema_name,
    is_source, is_target, created_at, updated_at
)
VALUES (%(tenant)s, %(type)s, %(name)s, %(qualified_name)s, %(database)s, %(schema)s, %(is_source)s, %(is_target)s, %(now)s, %(now)s)
ON CONFLICT (tenant_id, qualified_name) DO NOTHING;

-- name: update_asset_roles
-- Flag an asset as a source or target it was not yet.
UPDATE lineage_assets
SET is_source = is_source OR %(is_source)s, is_target = is_target OR %(is_target)s, updated_at = %(now)s
WHERE id = %(id)s AND tenant_id = %(tenant)s
  AND ((%(is_source)s AND NOT is_source) OR (%(is_target)s AND NOT is_target));

-- name: select_asset_by_name
-- One asset, every column, by qualified name.
SELECT id, asset_type, asset_name, qualified_name, database_name, schema_name, connection,
       metadata, is_source, is_target, created_at, updated_at
FROM lineage_assets WHERE tenant_id = %(tenant)s AND qualified_name = %(qualified_name)s;

-- name: select_assets
-- A page of assets whose name matches a LIKE pattern.
SELECT id, asset_type, asset_name, qualified_name, database_name, schema_name, connection,
       metadata, is_source, is_target, created_at, updated_at
FROM lineage_assets
WHERE tenant_id = %(tenant)s AND lower(qualified_name) LIKE %(pattern)s ESCAPE '\'
ORDER BY qualified_name LIMIT %(limit)s OFFSET %(offset)s;

-- name: select_asset_names_like
-- Qualified names matching a LIKE pattern, for suggestions.
SELECT qualified_name FROM lineage_assets
WHERE tenant_id = %(tenant)s AND lower(qualified_name) LIKE %(pattern)s ESCAPE '\'
LIMIT %(limit)s;

-- name: select_root
-- The tenant's edition and a walk's root asset id in one round trip.
-- The tenant's edition, the asset's id (NULL when unknown) and the tenant's graph version;
-- no row: no such tenant.
SELECT t.edition, a.id, t.graph_version FROM lineage_tenants t
LEFT JOIN lineage_assets a ON a.tenant_id = t.id AND a.qualified_name = %(qualified_name)s
WHERE t.id = %(tenant)s;

-- name: select_asset_id
-- The id of an asset, by qualified name.
SELECT id FROM lineage_assets WHERE tenant_id = %(tenant)s AND qualified_name = %(qualified_name)s;

-- name: select_asset_roles_by_names
-- Ids and source/target flags of the named assets.
SELECT id, qualified_name, is_source, is_target FROM lineage_assets
WHERE tenant_id = %(tenant)s AND qualified_name = ANY(%(names)s::text[]);

-- name: select_asset_ids_by_names
-- Ids of the named assets.
SELECT id, qualified_name FROM lineage_assets
WHERE tenant_id = %(tenant)s AND qualified_name = ANY(%(names)s::text[]);

-- name: select_asset_info
-- Name, qualified name and type of the given asset ids.
SELECT id, asset_name, qualified_name, asset_type FROM lineage_assets
WHERE id = ANY(%(ids)s::bigint[]);

-- name: insert_job
-- Create a (code location, job) row (kept if it exists).
INSERT INTO lineage_jobs (tenant_id, code_location, job_name) VALUES (%(tenant)s, %(code_location)s, %(job)s)
ON CONFLICT (tenant_id, code_location, job_name) DO NOTHING;

-- name: select_jobs
-- Every (code location, job) of the tenant.
SELECT id, code_location, job_name FROM lineage_jobs WHERE tenant_id = %(tenant)s;

-- name: select_job_id
-- The id of one (code location, job).
SELECT id FROM lineage_jobs
WHERE tenant_id = %(tenant)s AND code_location = %(code_location)s AND job_name = %(job)s;

-- name: select_edges
-- Stored edges with their context, touching one asset or all.
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

-- name: select_job_references
-- The jobs and ops that read or write an asset, with their runs.
SELECT j.job_name, e.op_name, j.code_location,
       CASE WHEN e.source_id = %(asset_id)s::bigint THEN 'read' ELSE 'write' END,
       e.execution_count, e.last_run_id, e.last_execution_at
FROM lineage_edges e JOIN lineage_jobs j ON j.id = e.job_id
WHERE e.tenant_id = %(tenant)s AND e.active AND (e.source_id = %(asset_id)s OR e.target_id = %(asset_id)s)
  AND j.job_name <> '';

-- name: select_job_assets
-- The tables a Dagster job reads and writes.
SELECT j.code_location, a.qualified_name, 'read' FROM lineage_edges e
JOIN lineage_jobs j ON j.id = e.job_id JOIN lineage_assets a ON a.id = e.source_id
WHERE e.tenant_id = %(tenant)s AND e.active AND j.job_name = %(job)s
UNION
SELECT j.code_location, a.qualified_name, 'write' FROM lineage_edges e
JOIN lineage_jobs j ON j.id = e.job_id JOIN lineage_assets a ON a.id = e.target_id
WHERE e.tenant_id = %(tenant)s AND e.active AND j.job_name = %(job)s;
