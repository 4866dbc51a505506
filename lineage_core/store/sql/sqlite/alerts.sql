-- Named queries (alerts) of the SQLite backend. Lists arrive as JSON text and are unpacked with
-- json_each. Columns that hold JSON, booleans or times carry their type in their alias
-- ("x [lineage_json]", "[lineage_bool]", "[lineage_time]"), so rows come back as Python values.

-- name: insert_alert
-- Record an alert under its deduplication key (kept if it exists).
INSERT INTO lineage_alerts (tenant_id, dedup_key, kind, asset, status, body, created_at, updated_at)
VALUES (:tenant, :dedup_key, :kind, :asset, :status, :body, :now, :now)
ON CONFLICT (tenant_id, dedup_key) DO NOTHING;

-- name: select_alert_status
-- The status of an alert, by deduplication key.
SELECT status FROM lineage_alerts WHERE tenant_id = :tenant AND dedup_key = :dedup_key;

-- name: update_alert
-- Record how an alert's deliveries went.
UPDATE lineage_alerts SET status = :status, deliveries = :deliveries, updated_at = :now
WHERE tenant_id = :tenant AND dedup_key = :dedup_key;

-- name: resolve_alert
-- Close an alert, freeing its key for a later occurrence.
UPDATE lineage_alerts SET status = 'resolved', dedup_key = dedup_key || ':resolved:' || id,
    updated_at = :now
WHERE tenant_id = :tenant AND dedup_key = :dedup_key;

-- name: select_alerts
-- Recorded alerts, newest first.
SELECT dedup_key, kind, asset, status, body AS "body [lineage_json]",
       deliveries AS "deliveries [lineage_json]", created_at AS "created_at [lineage_time]"
FROM lineage_alerts
WHERE tenant_id = :tenant AND (:kind IS NULL OR kind = :kind)
ORDER BY id DESC LIMIT :limit;

-- name: select_open_alert_assets
-- Deduplication keys and assets of the unresolved alerts of a kind.
SELECT dedup_key, asset FROM lineage_alerts
WHERE tenant_id = :tenant AND kind = :kind AND status <> 'resolved';

-- name: insert_alert_delivery
-- Add a pending delivery to one sink of a pending alert, by key (kept if it exists).
INSERT INTO lineage_alert_deliveries
    (tenant_id, alert_id, sink, max_attempts, next_attempt_at, updated_at)
SELECT tenant_id, id, :sink, :max_attempts, :now, :now FROM lineage_alerts
WHERE tenant_id = :tenant AND dedup_key = :dedup_key AND status = 'pending'
ON CONFLICT (tenant_id, alert_id, sink) DO NOTHING;

-- name: claim_alert_deliveries
-- Take due deliveries of pending alerts to the given sinks whose lease is free: one attempt more, leased.
UPDATE lineage_alert_deliveries
SET attempts = attempts + 1, lease_until = :lease_until, updated_at = :now
WHERE id IN (
    SELECT d.id FROM lineage_alert_deliveries d JOIN lineage_alerts a ON a.id = d.alert_id
    WHERE d.tenant_id = :tenant AND d.status = 'pending' AND d.attempts < d.max_attempts
      AND d.next_attempt_at <= :now AND (d.lease_until IS NULL OR d.lease_until <= :now)
      AND d.sink IN (SELECT value FROM json_each(:sinks))
      AND a.status = 'pending' AND (:dedup_key IS NULL OR a.dedup_key = :dedup_key)
    ORDER BY d.alert_id, d.sink LIMIT :limit
)
RETURNING id, alert_id, sink, attempts;

-- name: select_claimed_alerts
-- Key, kind and body of alerts, by id.
SELECT id, dedup_key, kind, body AS "body [lineage_json]" FROM lineage_alerts
WHERE tenant_id = :tenant AND id IN (SELECT value FROM json_each(:ids));

-- name: start_alert_delivery
-- Extend the lease of a delivery whose current attempt is the given one and still unsettled.
UPDATE lineage_alert_deliveries SET lease_until = :lease_until, updated_at = :now
WHERE tenant_id = :tenant AND id = :delivery_id AND attempts = :attempt AND status = 'pending'
RETURNING id;

-- name: select_alert_delivery
-- A delivery's alert, attempts so far, attempts allowed and status, by id.
SELECT alert_id, attempts, max_attempts, status FROM lineage_alert_deliveries
WHERE tenant_id = :tenant AND id = :delivery_id;

-- name: finish_alert_delivery
-- Record how a delivery's current attempt went and free its lease.
UPDATE lineage_alert_deliveries
SET status = :status, detail = :detail, next_attempt_at = :next_attempt_at, lease_until = NULL,
    updated_at = :now
WHERE tenant_id = :tenant AND id = :delivery_id AND attempts = :attempt AND status = 'pending';

-- name: fail_abandoned_alert_deliveries
-- Fail for good the deliveries whose last allowed attempt was leased and never finished.
UPDATE lineage_alert_deliveries
SET status = 'failed', detail = :detail, lease_until = NULL, updated_at = :now
WHERE tenant_id = :tenant AND status = 'pending' AND attempts >= max_attempts
  AND lease_until <= :now
RETURNING alert_id;

-- name: select_alert_delivery_states
-- Sink, status, attempts, last outcome and lease of every delivery of the given alerts.
SELECT alert_id, sink, status, attempts, detail, lease_until AS "lease_until [lineage_time]"
FROM lineage_alert_deliveries
WHERE tenant_id = :tenant AND alert_id IN (SELECT value FROM json_each(:ids));

-- name: update_alert_summary
-- Record an alert's overall delivery status and per-sink details, by id (unless resolved).
UPDATE lineage_alerts SET status = :status, deliveries = :deliveries, updated_at = :now
WHERE tenant_id = :tenant AND id = :alert_id AND status NOT IN ('resolved', 'baseline');

-- name: select_alert_deliveries
-- Deliveries with their alert's key, attempts, lease and last outcome, newest alert first.
SELECT a.dedup_key, d.sink, d.status, d.attempts, d.max_attempts, d.detail,
       d.lease_until AS "lease_until [lineage_time]",
       d.next_attempt_at AS "next_attempt_at [lineage_time]"
FROM lineage_alert_deliveries d JOIN lineage_alerts a ON a.id = d.alert_id
WHERE d.tenant_id = :tenant AND (:dedup_key IS NULL OR a.dedup_key = :dedup_key)
ORDER BY d.alert_id DESC, d.sink LIMIT :limit;
