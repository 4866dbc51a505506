-- Named queries (edge history) of the SQLite backend. Lists arrive as JSON text and are unpacked
-- with json_each. Times are ISO text in UTC ("[lineage_time]" aliases make them datetimes).

-- name: copy_edge_intervals
-- Open the first active interval of edges inserted in this transaction (none has one yet).
INSERT INTO lineage_edge_intervals (tenant_id, edge_id, active_from) VALUES (?, ?, ?);

-- name: open_edge_intervals
-- Open an active interval of re-activated edges now (kept when one is open already).
INSERT INTO lineage_edge_intervals (tenant_id, edge_id, active_from)
SELECT tenant_id, id, :now FROM lineage_edges
WHERE tenant_id = :tenant AND id IN (SELECT value FROM json_each(:ids))
ORDER BY id
ON CONFLICT (edge_id) WHERE active_until IS NULL DO NOTHING;

-- name: close_edge_intervals
-- Close the open active interval of retired edges (never before it began).
UPDATE lineage_edge_intervals SET active_until = max(active_from, :now)
WHERE tenant_id = :tenant AND edge_id IN (SELECT value FROM json_each(:ids))
  AND active_until IS NULL;

-- name: select_edge_intervals
-- One edge's active intervals, oldest first.
SELECT active_from AS "active_from [lineage_time]", active_until AS "active_until [lineage_time]"
FROM lineage_edge_intervals
WHERE tenant_id = :tenant AND edge_id = :edge_id
ORDER BY active_from, id;
