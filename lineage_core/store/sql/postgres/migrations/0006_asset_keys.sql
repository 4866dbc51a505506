-- The Dagster asset key that names each table, as the code location defining the asset
-- declared it (dagster/table_name, a dbt relation): another location that only depends on
-- the asset, and knows it by its key alone, finds the table's name here.
CREATE TABLE lineage_asset_keys (
    tenant_id BIGINT NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    asset_key TEXT NOT NULL,
    asset_id BIGINT NOT NULL REFERENCES lineage_assets (id) ON DELETE CASCADE,
    code_location TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, asset_key)
);
