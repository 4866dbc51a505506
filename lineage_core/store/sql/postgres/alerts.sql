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
