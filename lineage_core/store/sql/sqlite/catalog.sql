-- Named queries (catalog) of the SQLite backend. Lists arrive as JSON text and are unpacked with
-- json_each. Columns that hold JSON, booleans or times carry their type in their alias
-- ("x [lineage_json]", "[lineage_bool]", "[lineage_time]"), so rows come back as Python values.

-- name: upsert_asset
-- Record an asset or update its type, connection and metadata.
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
-- Create an asset first met as an edge endpoint (kept if it exists).
INSERT INTO lineage_assets (
    tenant_id, asset_type, asset_name, qualified_name, database_name, schema_name,
    is_source, is_target, created_at, updated_at
)
VALUES (:tenant, :type, :name, :qualified_name, :database, :schema, :is_source, :is_target, :now, :now)
ON CONFLICT (tenant_id, qualified_name) DO NOTHING;

-- name: update_asset_roles
-- Flag an asset as a source or target it was not yet.
UPDATE lineage_assets
SET is_source = is_source OR :is_source, is_target = is_target OR :is_target, updated_at = :now
WHERE id = :id AND tenant_id = :tenant
  AND ((:is_source AND NOT is_source) OR (:is_target AND NOT is_target));

-- name: select_asset_by_name
-- One asset, every column, by qualified name.
SELECT id, asset_type, asset_name, qualified_name, database_name, schema_name, connection,
       metadata AS "metadata [lineage_json]", is_source AS "is_source [lineage_bool]",
       is_target AS "is_target [lineage_bool]", created_at AS "created_at [lineage_time]",
       updated_at AS "updated_at [lineage_time]"
FROM lineage_assets WHERE tenant_id = :tenant AND qualified_name = :qualified_name;

-- name: select_assets
-- A page of assets whose name matches a LIKE pattern.
-- lineage_lower is Python's str.lower, registered by the backend: SQLite's lower() folds
-- ASCII only, PostgreSQL's folds every letter. Listing everything ('%') skips the call.
SELECT id, asset_type, asset_name, qualified_name, database_name, schema_name, connection,
       metadata AS "metadata [lineage_json]", is_source AS "is_source [lineage_bool]",
       is_target AS "is_target [lineage_bool]", created_at AS "created_at [lineage_time]",
       updated_at AS "updated_at [lineage_time]"
FROM lineage_assets
WHERE tenant_id = :tenant
  AND (:pattern = '%' OR lineage_lower(qualified_name) LIKE :pattern ESCAPE '\')
ORDER BY qualified_name LIMIT :limit OFFSET :offset;

-- name: select_asset_names_like
-- Qualified names matching a LIKE pattern, for suggestions.
SELECT qualified_name FROM lineage_assets
WHERE tenant_id = :tenant AND lineage_lower(qualified_name) LIKE :pattern ESCAPE '\'
LIMIT :limit;

-- name: select_root
-- The tenant's edition and a walk's root asset id in one round trip.
-- The tenant's edition, the asset's id (NULL when unknown) and the tenant's graph version;
-- no row: no such tenant.
SELECT t.edition, a.id, t.graph_version FROM lineage_tenants t
LEFT JOIN lineage_assets a ON a.tenant_id = t.id AND a.qualified_name = :qualified_name
WHERE t.id = :tenant;

-- name: select_asset_id
-- The id of an asset, by qualified name.
SELECT id FROM lineage_assets WHERE tenant_id = :tenant AND qualified_name = :qualified_name;

-- name: select_asset_roles_by_names
-- Ids and source/target flags of the named assets.
SELECT id, qualified_name, is_source AS "is_source [lineage_bool]",
       is_target AS "is_target [lineage_bool]" FROM lineage_assets
WHERE tenant_id = :tenant AND qualified_name IN (SELECT value FROM json_each(:names));

-- name: select_asset_ids_by_names
-- Ids of the named assets.
SELECT id, qualified_name FROM lineage_assets
WHERE tenant_id = :tenant AND qualified_name IN (SELECT value FROM json_each(:names));

-- name: select_asset_info
-- Name, qualified name and type of the given asset ids.
SELECT id, asset_name, qualified_name, asset_type FROM lineage_assets
WHERE id IN (SELECT value FROM json_each(:ids));

-- name: insert_job
-- Create a (code location, job) row (kept if it exists).
INSERT INTO lineage_jobs (tenant_id, code_location, job_name) VALUES (:tenant, :code_location, :job)
ON CONFLICT (tenant_id, code_location, job_name) DO NOTHING;

-- name: select_jobs
-- Every (code location, job) of the tenant.
SELECT id, code_location, job_name FROM lineage_jobs WHERE tenant_id = :tenant;

-- name: select_job_id
-- The id of one (code location, job).
SELECT id FROM lineage_jobs
WHERE tenant_id = :tenant AND code_location = :code_location AND job_name = :job;

-- name: select_edges
-- Stored edges with their context, touching one asset or all.
SELECT e.id, s.qualified_name, t.qualified_name, j.job_name, j.code_location, e.op_name,
       e.trigger_name, e.transformation_type, e.transformation_logic,
       e.column_mappings AS "column_mappings [lineage_json]", e.last_run_id,
       e.last_execution_at AS "last_execution_at [lineage_time]", e.execution_count,
       e.active AS "active [lineage_bool]", e.created_at AS "created_at [lineage_time]"
FROM lineage_edges e
JOIN lineage_assets s ON s.id = e.source_id
JOIN lineage_assets t ON t.id = e.target_id
JOIN lineage_jobs j ON j.id = e.job_id
WHERE e.tenant_id = :tenant
  AND (:asset_id IS NULL OR e.source_id = :asset_id OR e.target_id = :asset_id)
  AND (:include_retired OR e.active)
ORDER BY s.qualified_name, t.qualified_name, j.job_name, e.op_name
LIMIT :limit;

-- name: select_job_references
-- The jobs and ops that read or write an asset, with their runs.
SELECT j.job_name, e.op_name, j.code_location,
       CASE WHEN e.source_id = :asset_id THEN 'read' ELSE 'write' END,
       e.execution_count, e.last_run_id, e.last_execution_at AS "last_execution_at [lineage_time]"
FROM lineage_edges e JOIN lineage_jobs j ON j.id = e.job_id
WHERE e.tenant_id = :tenant AND e.active AND (e.source_id = :asset_id OR e.target_id = :asset_id)
  AND j.job_name <> '';

-- name: select_job_assets
-- The tables a Dagster job reads and writes.
SELECT j.code_location, a.qualified_name, 'read' FROM lineage_edges e
JOIN lineage_jobs j ON j.id = e.job_id JOIN lineage_assets a ON a.id = e.source_id
WHERE e.tenant_id = :tenant AND e.active AND j.job_name = :job
UNION
SELECT j.code_location, a.qualified_name, 'write' FROM lineage_edges e
JOIN lineage_jobs j ON j.id = e.job_id JOIN lineage_assets a ON a.id = e.target_id
WHERE e.tenant_id = :tenant AND e.active AND j.job_name = :job;
