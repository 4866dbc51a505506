-- Named queries (keys) of the SQLite backend. Lists arrive as JSON text and are unpacked with
-- json_each.

-- name: upsert_asset_keys
-- Record which table each asset key names, as the defining code location declared it.
INSERT INTO lineage_asset_keys (tenant_id, asset_key, asset_id, code_location)
SELECT :tenant, k.value, a.id, :code_location
FROM json_each(:keys) AS k
JOIN json_each(:names) AS n ON n.key = k.key
JOIN lineage_assets AS a ON a.tenant_id = :tenant AND a.qualified_name = n.value
WHERE true
ORDER BY k.value
ON CONFLICT (tenant_id, asset_key) DO UPDATE SET
    asset_id = excluded.asset_id, code_location = excluded.code_location;

-- name: select_tables_of_asset_keys
-- The tables the given asset keys name, where a code location declared them.
SELECT k.asset_key, a.qualified_name
FROM lineage_asset_keys AS k JOIN lineage_assets AS a ON a.id = k.asset_id
WHERE k.tenant_id = :tenant AND k.asset_key IN (SELECT value FROM json_each(:keys));
