-- Named queries (tokens) of the SQLite backend: the explorer's API tokens, kept as SHA-256
-- hashes. Columns that hold times carry their type in their alias ("x [lineage_time]").

-- name: insert_api_token
-- Store a new token's hash for a tenant.
INSERT INTO lineage_api_tokens (tenant_id, name, token_hash, created_at)
VALUES (:tenant, :name, :token_hash, :now);

-- name: select_live_api_token
-- The id of a tenant's live (not revoked) token of a name.
SELECT id FROM lineage_api_tokens
WHERE tenant_id = :tenant AND name = :name AND revoked_at IS NULL;

-- name: select_api_tokens
-- Every token (of one tenant, or all), with its tenant's name; never a hash.
SELECT k.name, t.name, k.created_at AS "created_at [lineage_time]",
       k.last_used_at AS "last_used_at [lineage_time]", k.revoked_at AS "revoked_at [lineage_time]"
FROM lineage_api_tokens k JOIN lineage_tenants t ON t.id = k.tenant_id
WHERE :tenant IS NULL OR k.tenant_id = :tenant
ORDER BY t.name, k.name, k.created_at, k.id;

-- name: revoke_api_token
-- Revoke a tenant's live token of a name; returns it.
UPDATE lineage_api_tokens SET revoked_at = :now
WHERE tenant_id = :tenant AND name = :name AND revoked_at IS NULL
RETURNING name, created_at AS "created_at [lineage_time]",
          last_used_at AS "last_used_at [lineage_time]", revoked_at AS "revoked_at [lineage_time]";

-- name: select_api_token_by_hash
-- The token with a hash, its tenant and the tenant's edition.
SELECT k.id, k.token_hash, k.name, t.name, t.edition, k.created_at AS "created_at [lineage_time]",
       k.last_used_at AS "last_used_at [lineage_time]", k.revoked_at AS "revoked_at [lineage_time]"
FROM lineage_api_tokens k JOIN lineage_tenants t ON t.id = k.tenant_id
WHERE k.token_hash = :token_hash;

-- name: touch_api_token
-- Record when a token was last used.
UPDATE lineage_api_tokens SET last_used_at = :now WHERE id = :id;
