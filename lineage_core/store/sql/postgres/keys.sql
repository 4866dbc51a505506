-- Named queries (keys) of the PostgreSQL backend. Lists arrive as arrays (= ANY).

-- name: upsert_asset_keys
-- Record which table each asset key names, as the defining code location declared it.
INSERT INTO lineage_asset_keys (tenant_id, asset_key, asset_id, code_location)
SELECT %(tenant)s, k.asset_key, a.id, %(code_location)s
FROM unnest(%(keys)s::text[], %(names)s::text[]) AS k(asset_key, qualified_name)
JOIN lineage_assets AS a ON a.tenant_id = %(tenant)s AND a.qualified_name = k.qualified_name
ORDER BY k.asset_key
ON CONFLICT (tenant_id, asset_key) DO UPDATE SET
    asset_id = excluded.asset_id, code_location = excluded.code_location;

-- name: select_tables_of_asset_keys
-- The tables the given asset keys name, where a code location declared them.
SELECT k.asset_key, a.qualified_name
FROM lineage_asset_keys AS k JOIN lineage_assets AS a ON a.id = k.asset_id
WHERE k.tenant_id = %(tenant)s AND k.asset_key = ANY(%(keys)s::text[]);
