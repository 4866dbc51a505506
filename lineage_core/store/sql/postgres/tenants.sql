-- Named queries (tenants) of the PostgreSQL backend. Lists arrive as arrays (= ANY), JSON as jsonb.

-- name: select_tenant
-- The id of a tenant, by name.
SELECT id FROM lineage_tenants WHERE name = %(name)s;

-- name: select_tenant_edition
-- A tenant's edition (standard or premium).
SELECT edition FROM lineage_tenants WHERE id = %(tenant)s;

-- name: select_tenants
-- Every tenant, by name.
SELECT name, edition, created_at FROM lineage_tenants ORDER BY name;

-- name: insert_tenant
-- Create a tenant.
INSERT INTO lineage_tenants (name, edition, created_at) VALUES (%(name)s, %(edition)s, %(now)s);

-- name: update_tenant_edition
-- Move a tenant to another edition.
UPDATE lineage_tenants SET edition = %(edition)s WHERE name = %(name)s;

-- name: bump_graph_version
-- Count one more change to the tenant's graph; returns the new version.
UPDATE lineage_tenants SET graph_version = graph_version + 1 WHERE id = %(tenant)s
RETURNING graph_version;

-- name: select_graph_version
-- The tenant's current graph version.
SELECT graph_version FROM lineage_tenants WHERE id = %(tenant)s;
