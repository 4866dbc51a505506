-- Named queries (tenants) of the SQLite backend. Lists arrive as JSON text and are unpacked with
-- json_each. Columns that hold JSON, booleans or times carry their type in their alias
-- ("x [lineage_json]", "[lineage_bool]", "[lineage_time]"), so rows come back as Python values.

-- name: select_tenant
-- The id of a tenant, by name.
SELECT id FROM lineage_tenants WHERE name = :name;

-- name: select_tenant_edition
-- A tenant's edition (standard or premium).
SELECT edition FROM lineage_tenants WHERE id = :tenant;

-- name: select_tenants
-- Every tenant, by name.
SELECT name, edition, created_at AS "created_at [lineage_time]" FROM lineage_tenants ORDER BY name;

-- name: insert_tenant
-- Create a tenant.
INSERT INTO lineage_tenants (name, edition, created_at) VALUES (:name, :edition, :now);

-- name: update_tenant_edition
-- Move a tenant to another edition.
UPDATE lineage_tenants SET edition = :edition WHERE name = :name;

-- name: bump_graph_version
-- Count one more change to the tenant's graph; returns the new version.
UPDATE lineage_tenants SET graph_version = graph_version + 1 WHERE id = :tenant
RETURNING graph_version;

-- name: select_graph_version
-- The tenant's current graph version.
SELECT graph_version FROM lineage_tenants WHERE id = :tenant;
