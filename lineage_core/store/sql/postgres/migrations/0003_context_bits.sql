-- An impact cache entry names the (job, op) contexts touching an asset's downstream as a bit
-- string over positions fixed here, a few hundred bytes, instead of JSON that ran to ~7 kB an
-- entry (0.7 GB per 100,000 assets, most of a full refresh's write). Positions are never
-- reused, so a bit keeps its meaning for as long as the entry lives.
CREATE TABLE lineage_contexts (
    tenant_id BIGINT NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    job_id BIGINT NOT NULL REFERENCES lineage_jobs (id),
    op_name TEXT NOT NULL,
    PRIMARY KEY (tenant_id, position),
    UNIQUE (tenant_id, job_id, op_name)
);

-- Cache entries are derived data: missing ones count as stale and the next refresh computes them.
DELETE FROM lineage_impact_cache;
ALTER TABLE lineage_impact_cache DROP COLUMN job_contexts;
ALTER TABLE lineage_impact_cache ADD COLUMN context_bits BYTEA NOT NULL DEFAULT '\x'::bytea;
