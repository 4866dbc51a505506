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
