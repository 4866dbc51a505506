-- Named queries (edge history) of the PostgreSQL backend. Lists arrive as arrays (= ANY).

-- name: copy_edge_intervals
-- Open the first active interval of edges inserted in this transaction (none has one yet).
COPY lineage_edge_intervals (tenant_id, edge_id, active_from) FROM STDIN;

-- name: open_edge_intervals
-- Open an active interval of re-activated edges now (kept when one is open already).
INSERT INTO lineage_edge_intervals (tenant_id, edge_id, active_from)
SELECT tenant_id, id, %(now)s::timestamptz FROM lineage_edges
WHERE tenant_id = %(tenant)s AND id = ANY(%(ids)s::bigint[])
ORDER BY id
ON CONFLICT (edge_id) WHERE active_until IS NULL DO NOTHING;

-- name: close_edge_intervals
-- Close the open active interval of retired edges (never before it began).
UPDATE lineage_edge_intervals SET active_until = GREATEST(active_from, %(now)s::timestamptz)
WHERE tenant_id = %(tenant)s AND edge_id = ANY(%(ids)s::bigint[]) AND active_until IS NULL;

-- name: select_edge_intervals
-- One edge's active intervals, oldest first.
SELECT active_from, active_until FROM lineage_edge_intervals
WHERE tenant_id = %(tenant)s AND edge_id = %(edge_id)s
ORDER BY active_from, id;
