-- Alerts raised by the impact alert sensor, one row per deduplication key.

CREATE TABLE lineage_alerts (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    dedup_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    asset TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'baseline', 'resolved')),
    body TEXT NOT NULL,
    deliveries TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, dedup_key)
);

CREATE INDEX lineage_alerts_by_kind ON lineage_alerts (tenant_id, kind, status);
