-- Named queries (lineage as of a time) of the PostgreSQL backend. Lists arrive as arrays
-- (= ANY), times as ISO text in UTC. An edge was active at :at when one of its intervals holds
-- it: from <= at < until.

-- name: select_out_edges_at
-- Edges out of a frontier of assets that were active at a time, with that active interval.
SELECT e.id, e.source_id, e.target_id, e.job_id, e.op_name, e.transformation_type,
       i.active_from, i.active_until
FROM lineage_edges e
JOIN lineage_edge_intervals i ON i.edge_id = e.id
WHERE e.tenant_id = %(tenant)s AND e.source_id = ANY(%(ids)s::bigint[])
  AND i.active_from <= %(at)s::timestamptz
  AND (i.active_until IS NULL OR i.active_until > %(at)s::timestamptz)
ORDER BY e.id;

-- name: select_in_edges_at
-- Edges into a frontier of assets that were active at a time, with that active interval.
SELECT e.id, e.source_id, e.target_id, e.job_id, e.op_name, e.transformation_type,
       i.active_from, i.active_until
FROM lineage_edges e
JOIN lineage_edge_intervals i ON i.edge_id = e.id
WHERE e.tenant_id = %(tenant)s AND e.target_id = ANY(%(ids)s::bigint[])
  AND i.active_from <= %(at)s::timestamptz
  AND (i.active_until IS NULL OR i.active_until > %(at)s::timestamptz)
ORDER BY e.id;

-- name: select_contexts_touching_at
-- The (job, op) contexts of edges active at a time touching the given assets.
SELECT e.job_id, e.op_name FROM lineage_edges e
JOIN lineage_edge_intervals i ON i.edge_id = e.id
WHERE e.tenant_id = %(tenant)s AND e.source_id = ANY(%(ids)s::bigint[])
  AND i.active_from <= %(at)s::timestamptz
  AND (i.active_until IS NULL OR i.active_until > %(at)s::timestamptz)
UNION
SELECT e.job_id, e.op_name FROM lineage_edges e
JOIN lineage_edge_intervals i ON i.edge_id = e.id
WHERE e.tenant_id = %(tenant)s AND e.target_id = ANY(%(ids)s::bigint[])
  AND i.active_from <= %(at)s::timestamptz
  AND (i.active_until IS NULL OR i.active_until > %(at)s::timestamptz);
