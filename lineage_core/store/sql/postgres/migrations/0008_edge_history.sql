-- Lineage as of a date. Each edge keeps when it was first seen (its recording, or its
-- earliest run when that is older) and the stretches of time it was active, one row per
-- interval [active_from, active_until), the last one open (NULL) while the edge is active.
-- Retiring an edge closes its open interval and recording it again opens a new one: an
-- edge retired and re-activated keeps both stretches, which its one retired_at cannot.
ALTER TABLE lineage_edges ADD COLUMN first_seen_at TIMESTAMPTZ;

UPDATE lineage_edges e SET first_seen_at = LEAST(
    e.created_at, (SELECT min(r.executed_at) FROM lineage_edge_runs r WHERE r.edge_id = e.id)
);

CREATE TABLE lineage_edge_intervals (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    edge_id BIGINT NOT NULL REFERENCES lineage_edges (id) ON DELETE CASCADE,
    active_from TIMESTAMPTZ NOT NULL,
    active_until TIMESTAMPTZ
);

-- What the store knew until now, as one interval per edge: from when it was first seen to
-- when it was retired (a gap between an earlier retirement and a re-activation left no trace).
INSERT INTO lineage_edge_intervals (tenant_id, edge_id, active_from, active_until)
SELECT tenant_id, id, first_seen_at,
       CASE WHEN active THEN NULL
            ELSE GREATEST(first_seen_at, COALESCE(retired_at, updated_at)) END
FROM lineage_edges ORDER BY id;

-- At most one open interval per edge: of two writers re-activating one edge, one opens it.
CREATE UNIQUE INDEX lineage_edge_intervals_open ON lineage_edge_intervals (edge_id)
    WHERE active_until IS NULL;
-- As-of walks find the intervals of each edge they reach; deleting an edge cascades here.
CREATE INDEX lineage_edge_intervals_by_edge
    ON lineage_edge_intervals (edge_id, active_from) INCLUDE (active_until);
