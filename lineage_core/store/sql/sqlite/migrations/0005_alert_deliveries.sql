-- One row per alert and sink: the delivery of that alert to that sink. A claimer takes it with
-- one conditional UPDATE (free lease, due, attempts left) that sets a lease, so of any number
-- of sensors over one store exactly one holds each attempt; the run that delivers it records
-- the outcome only while that attempt is still the current one.
CREATE TABLE lineage_alert_deliveries (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    alert_id INTEGER NOT NULL REFERENCES lineage_alerts (id) ON DELETE CASCADE,
    sink TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
    lease_until TEXT,
    next_attempt_at TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, alert_id, sink)
);

CREATE INDEX lineage_alert_deliveries_due
    ON lineage_alert_deliveries (tenant_id, status, next_attempt_at);
