-- Named queries (walks) of the SQLite backend. Lists arrive as JSON text and are unpacked with
-- json_each. Columns that hold JSON, booleans or times carry their type in their alias
-- ("x [lineage_json]", "[lineage_bool]", "[lineage_time]"), so rows come back as Python values.

-- name: select_small_walk_downstream
-- A small downstream walk and its edges in one round trip.
-- A small walk in one round trip: the number of (asset, depth) pairs within max_depth
-- (UNION keeps each pair once, so a diamond cannot multiply rows; past :limit the
-- caller walks level by level instead), then, when under the limit, every edge out of
-- an asset reached before max_depth. The caller finds shortest depths over those edges.
WITH RECURSIVE reach(id, depth) AS (
    SELECT :root, 0
    UNION
    SELECT e.target_id, r.depth + 1 FROM reach r
    JOIN lineage_edges e ON e.tenant_id = :tenant AND e.source_id = r.id AND e.active
    WHERE r.depth < :max_depth
),
capped AS MATERIALIZED (SELECT id, depth FROM reach LIMIT :limit)
SELECT NULL, NULL, NULL, NULL, NULL, count(*) FROM capped
UNION ALL
SELECT e.source_id, e.target_id, e.job_id, e.op_name, e.transformation_type, NULL
FROM (SELECT DISTINCT id FROM capped WHERE depth < :max_depth) w
JOIN lineage_edges e ON e.tenant_id = :tenant AND e.source_id = w.id AND e.active
WHERE (SELECT count(*) FROM capped) < :limit;

-- name: select_small_walk_upstream
-- A small upstream walk and its edges in one round trip.
WITH RECURSIVE reach(id, depth) AS (
    SELECT :root, 0
    UNION
    SELECT e.source_id, r.depth + 1 FROM reach r
    JOIN lineage_edges e ON e.tenant_id = :tenant AND e.target_id = r.id AND e.active
    WHERE r.depth < :max_depth
),
capped AS MATERIALIZED (SELECT id, depth FROM reach LIMIT :limit)
SELECT NULL, NULL, NULL, NULL, NULL, count(*) FROM capped
UNION ALL
SELECT e.source_id, e.target_id, e.job_id, e.op_name, e.transformation_type, NULL
FROM (SELECT DISTINCT id FROM capped WHERE depth < :max_depth) w
JOIN lineage_edges e ON e.tenant_id = :tenant AND e.target_id = w.id AND e.active
WHERE (SELECT count(*) FROM capped) < :limit;

-- name: select_out_edge_groups
-- Active edges out of a frontier of assets: per (job, op, transformation), their ends as arrays.
SELECT job_id, op_name, transformation_type,
       json_group_array(source_id) AS "sources [lineage_json]",
       json_group_array(target_id) AS "targets [lineage_json]"
FROM lineage_edges
WHERE tenant_id = :tenant AND active AND source_id IN (SELECT value FROM json_each(:ids))
GROUP BY job_id, op_name, transformation_type;

-- name: select_in_edge_groups
-- Active edges into a frontier of assets: per (job, op, transformation), their ends as arrays.
SELECT job_id, op_name, transformation_type,
       json_group_array(source_id) AS "sources [lineage_json]",
       json_group_array(target_id) AS "targets [lineage_json]"
FROM lineage_edges
WHERE tenant_id = :tenant AND active AND target_id IN (SELECT value FROM json_each(:ids))
GROUP BY job_id, op_name, transformation_type;

-- name: select_child_ids
-- Assets fed directly by a frontier of assets.
SELECT DISTINCT target_id FROM lineage_edges
WHERE tenant_id = :tenant AND active AND source_id IN (SELECT value FROM json_each(:ids));

-- name: select_parent_ids
-- Assets feeding a frontier of assets directly.
SELECT DISTINCT source_id FROM lineage_edges
WHERE tenant_id = :tenant AND active AND target_id IN (SELECT value FROM json_each(:ids));

-- name: count_held_edges
-- How many active edges the tenant has: whether its graph is small enough to hold in memory.
SELECT count(*) FROM lineage_edges WHERE tenant_id = :tenant AND active;

-- name: select_held_assets
-- Every asset of the tenant with its names and type, for the graph held in memory.
SELECT id, asset_name, qualified_name, asset_type FROM lineage_assets WHERE tenant_id = :tenant;

-- name: select_held_edges
-- Every active edge of the tenant with its job, op and transformation, for the graph held in memory.
SELECT source_id, target_id, job_id, op_name, transformation_type FROM lineage_edges
WHERE tenant_id = :tenant AND active;
