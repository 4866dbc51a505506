-- Named queries (lineage as of a time) of the SQLite backend. Lists arrive as JSON text and are
-- unpacked with json_each. Times are ISO text in UTC, :at with all six digits of its
-- microseconds, so that text order is time order (a stored time cut short sorts as its own).
-- An edge was active at :at when one of its intervals holds it: from <= at < until.

-- name: select_out_edges_at
-- Edges out of a frontier of assets that were active at a time, with that active interval.
SELECT e.id, e.source_id, e.target_id, e.job_id, e.op_name, e.transformation_type,
       i.active_from AS "active_from [lineage_time]",
       i.active_until AS "active_until [lineage_time]"
FROM lineage_edges e
JOIN lineage_edge_intervals i ON i.edge_id = e.id
WHERE e.tenant_id = :tenant AND e.source_id IN (SELECT value FROM json_each(:ids))
  AND i.active_from <= :at AND (i.active_until IS NULL OR i.active_until > :at)
ORDER BY e.id;

-- name: select_in_edges_at
-- Edges into a frontier of assets that were active at a time, with that active interval.
SELECT e.id, e.source_id, e.target_id, e.job_id, e.op_name, e.transformation_type,
       i.active_from AS "active_from [lineage_time]",
       i.active_until AS "active_until [lineage_time]"
FROM lineage_edges e
JOIN lineage_edge_intervals i ON i.edge_id = e.id
WHERE e.tenant_id = :tenant AND e.target_id IN (SELECT value FROM json_each(:ids))
  AND i.active_from <= :at AND (i.active_until IS NULL OR i.active_until > :at)
ORDER BY e.id;

-- name: select_contexts_touching_at
-- The (job, op) contexts of edges active at a time touching the given assets.
SELECT e.job_id, e.op_name FROM lineage_edges e
JOIN lineage_edge_intervals i ON i.edge_id = e.id
WHERE e.tenant_id = :tenant AND e.source_id IN (SELECT value FROM json_each(:ids))
  AND i.active_from <= :at AND (i.active_until IS NULL OR i.active_until > :at)
UNION
SELECT e.job_id, e.op_name FROM lineage_edges e
JOIN lineage_edge_intervals i ON i.edge_id = e.id
WHERE e.tenant_id = :tenant AND e.target_id IN (SELECT value FROM json_each(:ids))
  AND i.active_from <= :at AND (i.active_until IS NULL OR i.active_until > :at);
