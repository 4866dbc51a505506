-- Named queries (alerts) of the PostgreSQL backend. Lists arrive as arrays (= ANY), JSON as jsonb.

-- name: insert_alert
-- Record an alert under its deduplication key (kept if it exists).
INSERT INTO lineage_alerts (tenant_id, dedup_key, kind, asset, status, body, created_at, updated_at)
VALUES (%(tenant)s, %(dedup_key)s, %(kind)s, %(asset)s, %(status)s, %(body)s, %(now)s, %(now)s)
ON CONFLICT (tenant_id, dedup_key) DO NOTHING;

-- name: select_alert_status
-- The status of an alert, by deduplication key.
SELECT status FROM lineage_alerts WHERE tenant_id = %(tenant)s AND dedup_key = %(dedup_key)s;

-- name: update_alert
-- Record how an alert's deliveries went.
UPDATE lineage_alerts SET status = %(status)s, deliveries = %(deliveries)s, updated_at = %(now)s
WHERE tenant_id = %(tenant)s AND dedup_key = %(dedup_key)s;

-- name: resolve_alert
-- Close an alert, freeing its key for a later occurrence.
UPDATE lineage_alerts SET status = 'resolved', dedup_key = dedup_key || ':resolved:' || id,
    updated_at = %(now)s
WHERE tenant_id = %(tenant)s AND dedup_key = %(dedup_key)s;

-- name: select_alerts
-- Recorded alerts, newest first.
SELECT dedup_key, kind, asset, status, body, deliveries, created_at FROM lineage_alerts
WHERE tenant_id = %(tenant)s AND (%(kind)s::text IS NULL OR kind = %(kind)s)
ORDER BY id DESC LIMIT %(limit)s;

-- name: select_open_alert_assets
-- Deduplication keys and assets of the unresolved alerts of a kind.
SELECT dedup_key, asset FROM lineage_alerts
WHERE tenant_id = %(tenant)s AND kind = %(kind)s AND status <> 'resolved';

-- name: insert_alert_delivery
-- Add a pending delivery to one sink of a pending alert, by key (kept if it exists).
INSERT INTO lineage_alert_deliveries
    (tenant_id, alert_id, sink, max_attempts, next_attempt_at, updated_at)
SELECT tenant_id, id, %(sink)s, %(max_attempts)s, %(now)s, %(now)s FROM lineage_alerts
WHERE tenant_id = %(tenant)s AND dedup_key = %(dedup_key)s AND status = 'pending'
ON CONFLICT (tenant_id, alert_id, sink) DO NOTHING;

-- name: claim_alert_deliveries
-- Take due deliveries of pending alerts to the given sinks whose lease is free: one attempt more, leased.
WITH due AS (
    SELECT d.id FROM lineage_alert_deliveries d JOIN lineage_alerts a ON a.id = d.alert_id
    WHERE d.tenant_id = %(tenant)s AND d.status = 'pending' AND d.attempts < d.max_attempts
      AND d.next_attempt_at <= %(now)s AND (d.lease_until IS NULL OR d.lease_until <= %(now)s)
      AND d.sink = ANY(%(sinks)s::text[])
      AND a.status = 'pending' AND (%(dedup_key)s::text IS NULL OR a.dedup_key = %(dedup_key)s)
    ORDER BY d.alert_id, d.sink LIMIT %(limit)s
    FOR UPDATE OF d SKIP LOCKED
)
UPDATE lineage_alert_deliveries d
SET attempts = d.attempts + 1, lease_until = %(lease_until)s, updated_at = %(now)s
FROM due WHERE d.id = due.id
RETURNING d.id, d.alert_id, d.sink, d.attempts;

-- name: select_claimed_alerts
-- Key, kind and body of alerts, by id.
SELECT id, dedup_key, kind, body FROM lineage_alerts
WHERE tenant_id = %(tenant)s AND id = ANY(%(ids)s::bigint[]);

-- name: start_alert_delivery
-- Extend the lease of a delivery whose current attempt is the given one and still unsettled.
UPDATE lineage_alert_deliveries SET lease_until = %(lease_until)s, updated_at = %(now)s
WHERE tenant_id = %(tenant)s AND id = %(delivery_id)s AND attempts = %(attempt)s
  AND status = 'pending'
RETURNING id;

-- name: select_alert_delivery
-- A delivery's alert, attempts so far, attempts allowed and status, by id.
SELECT alert_id, attempts, max_attempts, status FROM lineage_alert_deliveries
WHERE tenant_id = %(tenant)s AND id = %(delivery_id)s
FOR UPDATE;

-- name: finish_alert_delivery
-- Record how a delivery's current attempt went and free its lease.
UPDATE lineage_alert_deliveries
SET status = %(status)s, detail = %(detail)s, next_attempt_at = %(next_attempt_at)s,
    lease_until = NULL, updated_at = %(now)s
WHERE tenant_id = %(tenant)s AND id = %(delivery_id)s AND attempts = %(attempt)s
  AND status = 'pending';

-- name: fail_abandoned_alert_deliveries
-- Fail for good the deliveries whose last allowed attempt was leased and never finished.
UPDATE lineage_alert_deliveries
SET status = 'failed', detail = %(detail)s, lease_until = NULL, updated_at = %(now)s
WHERE tenant_id = %(tenant)s AND status = 'pending' AND attempts >= max_attempts
  AND lease_until <= %(now)s
RETURNING alert_id;

-- name: select_alert_delivery_states
-- Sink, status, attempts, last outcome and lease of every delivery of the given alerts.
SELECT alert_id, sink, status, attempts, detail, lease_until FROM lineage_alert_deliveries
WHERE tenant_id = %(tenant)s AND alert_id = ANY(%(ids)s::bigint[]);

-- name: update_alert_summary
-- Record an alert's overall delivery status and per-sink details, by id (unless resolved).
UPDATE lineage_alerts SET status = %(status)s, deliveries = %(deliveries)s, updated_at = %(now)s
WHERE tenant_id = %(tenant)s AND id = %(alert_id)s AND status NOT IN ('resolved', 'baseline');

-- name: select_alert_deliveries
-- Deliveries with their alert's key, attempts, lease and last outcome, newest alert first.
SELECT a.dedup_key, d.sink, d.status, d.attempts, d.max_attempts, d.detail, d.lease_until,
       d.next_attempt_at
FROM lineage_alert_deliveries d JOIN lineage_alerts a ON a.id = d.alert_id
WHERE d.tenant_id = %(tenant)s AND (%(dedup_key)s::text IS NULL OR a.dedup_key = %(dedup_key)s)
ORDER BY d.alert_id DESC, d.sink LIMIT %(limit)s;
