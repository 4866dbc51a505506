-- Alerts raised by the impact alert sensor, one row per deduplication key.

CREATE TABLE lineage_alerts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    dedup_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    asset TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'baseline', 'resolved')),
    body JSONB NOT NULL,
    deliveries JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, dedup_key)
);

CREATE INDEX lineage_alerts_by_kind ON lineage_alerts (tenant_id, kind, status);
