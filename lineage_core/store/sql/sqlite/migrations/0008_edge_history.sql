-- Lineage as of a date. Each edge keeps when it was first seen (its recording, or its
-- earliest run when that is older) and the stretches of time it was active, one row per
-- interval [active_from, active_until), the last one open (NULL) while the edge is active.
-- Retiring an edge closes its open interval and recording it again opens a new one: an
-- edge retired and re-activated keeps both stretches, which its one retired_at cannot.
-- Times are ISO text in UTC, compared as text: run times, which a caller may have given in
-- another zone, are brought to UTC first (strftime keeps milliseconds).
ALTER TABLE lineage_edges ADD COLUMN first_seen_at TEXT;

UPDATE lineage_edges SET first_seen_at = min(
    created_at,
    coalesce(
        (SELECT min(strftime('%Y-%m-%dT%H:%M:%f+00:00', r.executed_at))
         FROM lineage_edge_runs r WHERE r.edge_id = lineage_edges.id),
        created_at
    )
);

CREATE TABLE lineage_edge_intervals (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    edge_id INTEGER NOT NULL REFERENCES lineage_edges (id) ON DELETE CASCADE,
    active_from TEXT NOT NULL,
    active_until TEXT
);

-- What the store knew until now, as one interval per edge: from when it was first seen to
-- when it was retired (a gap between an earlier retirement and a re-activation left no trace).
INSERT INTO lineage_edge_intervals (tenant_id, edge_id, active_from, active_until)
SELECT tenant_id, id, first_seen_at,
       CASE WHEN active THEN NULL
            ELSE max(first_seen_at, coalesce(retired_at, updated_at)) END
FROM lineage_edges ORDER BY id;

-- At most one open interval per edge: of two writers re-activating one edge, one opens it.
CREATE UNIQUE INDEX lineage_edge_intervals_open ON lineage_edge_intervals (edge_id)
    WHERE active_until IS NULL;
-- As-of walks find the intervals of each edge they reach; deleting an edge cascades here.
CREATE INDEX lineage_edge_intervals_by_edge
    ON lineage_edge_intervals (edge_id, active_from, active_until);
