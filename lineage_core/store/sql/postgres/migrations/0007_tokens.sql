-- Bearer tokens of the explorer's HTTP API (`lineage serve`), one tenant each. Only the
-- SHA-256 of a token is kept: tokens are 256-bit random secrets, so a hash needs no salt and
-- a stolen table gives no token. A revoked token stays listed, with when it was revoked.
CREATE TABLE lineage_api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);

-- One live token per tenant and name; the name of a revoked token can be given again.
CREATE UNIQUE INDEX lineage_api_tokens_live_name ON lineage_api_tokens (tenant_id, name)
    WHERE revoked_at IS NULL;

-- The explorer shows each table's last writing run: the latest capture of its writing jobs.
CREATE INDEX lineage_executions_by_job ON lineage_executions (tenant_id, job_name, code_location);
