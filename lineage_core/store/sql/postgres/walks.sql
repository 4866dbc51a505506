-- Named queries (walks) of the PostgreSQL backend. Lists arrive as arrays (= ANY), JSON as jsonb.

-- name: select_small_walk_downstream
-- A small downstream walk and its edges in one round trip.
-- A small walk in one round trip: the number of (asset, depth) pairs within max_depth
-- (UNION keeps each pair once, so a diamond cannot multiply rows; past :limit the
-- caller walks level by level instead), then, when under the limit, every edge out of
-- an asset reached before max_depth. The caller finds shortest depths over those edges.
WITH RECURSIVE reach(id, depth) AS (
    SELECT %(root)s::bigint, 0
    UNION
    SELECT e.target_id, r.depth + 1 FROM reach r
    JOIN lineage_edges e ON e.tenant_id = %(tenant)s AND e.source_id = r.id AND e.active
    WHERE r.depth < %(max_depth)s
),
capped AS MATERIALIZED (SELECT id, depth FROM reach LIMIT %(limit)s)
SELECT NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::text, count(*) FROM capped
UNION ALL
SELECT e.source_id, e.target_id, e.job_id, e.op_name, e.transformation_type, NULL
FROM (SELECT DISTINCT id FROM capped WHERE depth < %(max_depth)s) w
JOIN lineage_edges e ON e.tenant_id = %(tenant)s AND e.source_id = w.id AND e.active
WHERE (SELECT count(*) FROM capped) < %(limit)s;

-- name: select_small_walk_upstream
-- A small upstream walk and its edges in one round trip.
WITH RECURSIVE reach(id, depth) AS (
    SELECT %(root)s::bigint, 0
    UNION
    SELECT e.source_id, r.depth + 1 FROM reach r
    JOIN lineage_edges e ON e.tenant_id = %(tenant)s AND e.target_id = r.id AND e.active
    WHERE r.depth < %(max_depth)s
),
capped AS MATERIALIZED (SELECT id, depth FROM reach LIMIT %(limit)s)
SELECT NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::text, count(*) FROM capped
UNION ALL
SELECT e.source_id, e.target_id, e.job_id, e.op_name, e.transformation_type, NULL
FROM (SELECT DISTINCT id FROM capped WHERE depth < %(max_depth)s) w
JOIN lineage_edges e ON e.tenant_id = %(tenant)s AND e.target_id = w.id AND e.active
WHERE (SELECT count(*) FROM capped) < %(limit)s;

-- name: select_out_edge_groups
-- Active edges out of a frontier of assets: per (job, op, transformation), their ends as arrays.
SELECT job_id, op_name, transformation_type, array_agg(source_id), array_agg(target_id)
FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND source_id = ANY(%(ids)s::bigint[])
GROUP BY job_id, op_name, transformation_type;

-- name: select_in_edge_groups
-- Active edges into a frontier of assets: per (job, op, transformation), their ends as arrays.
SELECT job_id, op_name, transformation_type, array_agg(source_id), array_agg(target_id)
FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND target_id = ANY(%(ids)s::bigint[])
GROUP BY job_id, op_name, transformation_type;

-- name: select_child_ids
-- Assets fed directly by a frontier of assets.
SELECT DISTINCT target_id FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND source_id = ANY(%(ids)s::bigint[]);

-- name: select_parent_ids
-- Assets feeding a frontier of assets directly.
SELECT DISTINCT source_id FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active AND target_id = ANY(%(ids)s::bigint[]);

-- name: count_held_edges
-- How many active edges the tenant has: whether its graph is small enough to hold in memory.
SELECT count(*) FROM lineage_edges WHERE tenant_id = %(tenant)s AND active;

-- name: select_held_assets
-- Every asset of the tenant with its names and type, for the graph held in memory.
SELECT id, asset_name, qualified_name, asset_type FROM lineage_assets WHERE tenant_id = %(tenant)s;

-- name: select_held_edges
-- Every active edge of the tenant with its job, op and transformation, for the graph held in memory.
SELECT source_id, target_id, job_id, op_name, transformation_type FROM lineage_edges
WHERE tenant_id = %(tenant)s AND active;
