-- Named queries (openlineage) of the SQLite backend: the events of OpenLineage runs, and the
-- edges a run recorded (for sending runs out as OpenLineage events).

-- name: lock_openlineage_run
-- Serialise the writers of one run's events until commit (PostgreSQL: a two-key advisory lock, which never meets the migration's one-key lock; SQLite: nothing to take, as a write session holds the database's write lock already).
SELECT 1;

-- name: insert_openlineage_event
-- Keep what one event said, once per digest.
INSERT INTO lineage_openlineage_events (
    tenant_id, lineage_run_id, run_id, digest, event_type, event_time, said, received_at
)
VALUES (:tenant, :lineage_run_id, :run_id, :digest, :event_type, :event_time, :said, :now)
ON CONFLICT (tenant_id, lineage_run_id, digest) DO NOTHING;

-- name: select_openlineage_events
-- What every event of a run said, oldest first.
SELECT run_id, event_type, event_time AS "event_time [lineage_time]", said AS "said [lineage_json]"
FROM lineage_openlineage_events
WHERE tenant_id = :tenant AND lineage_run_id = :lineage_run_id
ORDER BY event_time, id
LIMIT :limit;

-- name: select_run_edge_targets
-- Ids and targets of the edges one run of a job recorded.
SELECT e.id, t.qualified_name
FROM lineage_edge_runs r
JOIN lineage_edges e ON e.id = r.edge_id
JOIN lineage_jobs j ON j.id = e.job_id
JOIN lineage_assets t ON t.id = e.target_id
WHERE r.run_id = :run_id AND e.tenant_id = :tenant AND j.tenant_id = :tenant
  AND j.job_name = :job AND j.code_location = :code_location
ORDER BY e.id
LIMIT :limit;
