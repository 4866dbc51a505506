-- The lineage store on SQLite: the design document's five concepts plus tenants.

CREATE TABLE lineage_tenants (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    edition TEXT NOT NULL CHECK (edition IN ('standard', 'premium')),
    graph_version INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

INSERT INTO lineage_tenants (name, edition) VALUES ('default', 'premium');

CREATE TABLE lineage_assets (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    asset_type TEXT NOT NULL DEFAULT 'table',
    asset_name TEXT NOT NULL,
    qualified_name TEXT NOT NULL,
    database_name TEXT,
    schema_name TEXT,
    connection TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    is_source INTEGER NOT NULL DEFAULT 0,
    is_target INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (tenant_id, qualified_name)
);

-- Dagster jobs by code location; the row with empty names stands for "no job" (manual edges).
CREATE TABLE lineage_jobs (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    code_location TEXT NOT NULL DEFAULT '',
    job_name TEXT NOT NULL DEFAULT '',
    UNIQUE (tenant_id, code_location, job_name)
);

CREATE TABLE lineage_edges (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    source_id INTEGER NOT NULL REFERENCES lineage_assets (id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES lineage_assets (id) ON DELETE CASCADE,
    job_id INTEGER NOT NULL REFERENCES lineage_jobs (id),
    op_name TEXT NOT NULL DEFAULT '',
    trigger_name TEXT,
    transformation_type TEXT,
    transformation_logic TEXT,
    column_mappings TEXT NOT NULL DEFAULT '[]',
    last_run_id TEXT,
    last_execution_at TEXT,
    execution_count INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    retired_at TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (tenant_id, source_id, target_id, job_id, op_name)
);

-- Walks read every column of select_out_edges / select_in_edges from these (covering).
CREATE INDEX lineage_edges_by_source
    ON lineage_edges (tenant_id, source_id, active, target_id, job_id, op_name, transformation_type);
CREATE INDEX lineage_edges_by_target
    ON lineage_edges (tenant_id, target_id, active, source_id, job_id, op_name, transformation_type);
CREATE INDEX lineage_edges_by_job ON lineage_edges (tenant_id, job_id);

-- One row per (edge, run): an edge counts each run once, however often the run is replayed.
CREATE TABLE lineage_edge_runs (
    edge_id INTEGER NOT NULL REFERENCES lineage_edges (id) ON DELETE CASCADE,
    run_id TEXT NOT NULL,
    executed_at TEXT NOT NULL,
    PRIMARY KEY (edge_id, run_id)
) WITHOUT ROWID;

CREATE TABLE lineage_executions (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    run_id TEXT NOT NULL,
    execution_type TEXT NOT NULL,
    code_location TEXT,
    job_name TEXT,
    status TEXT,
    assets_discovered INTEGER NOT NULL DEFAULT 0,
    edges_created INTEGER NOT NULL DEFAULT 0,
    errors TEXT NOT NULL DEFAULT '[]',
    started_at TEXT NOT NULL,
    completed_at TEXT,
    UNIQUE (tenant_id, run_id, execution_type)
);

-- Counts, depths and jobs per asset; asset lists are computed a page at a time, never stored.
-- An entry is stale while stale_version > computed_version (or when it is missing).
CREATE TABLE lineage_impact_cache (
    asset_id INTEGER PRIMARY KEY REFERENCES lineage_assets (id) ON DELETE CASCADE,
    tenant_id INTEGER NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    max_depth INTEGER NOT NULL,
    downstream_count INTEGER NOT NULL,
    downstream_max_depth INTEGER NOT NULL,
    downstream_depth_counts TEXT NOT NULL,
    upstream_count INTEGER NOT NULL,
    upstream_max_depth INTEGER NOT NULL,
    upstream_depth_counts TEXT NOT NULL,
    job_contexts TEXT NOT NULL,
    job_count INTEGER NOT NULL,
    computed_version INTEGER NOT NULL,
    stale_version INTEGER NOT NULL DEFAULT 0,
    computed_at TEXT NOT NULL
);

CREATE INDEX lineage_impact_cache_stale ON lineage_impact_cache (tenant_id)
    WHERE stale_version > computed_version;
CREATE INDEX lineage_impact_cache_downstream ON lineage_impact_cache (tenant_id, downstream_count);

CREATE TABLE lineage_table_profiles (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    asset_id INTEGER NOT NULL REFERENCES lineage_assets (id) ON DELETE CASCADE,
    connection TEXT,
    row_count INTEGER NOT NULL,
    column_count INTEGER NOT NULL,
    table_size_bytes INTEGER,
    duplicate_count INTEGER,
    null_percentage REAL,
    body TEXT NOT NULL,
    schema_changed INTEGER NOT NULL DEFAULT 0,
    profiled_at TEXT NOT NULL,
    profile_duration_ms INTEGER
);

CREATE INDEX lineage_table_profiles_by_asset ON lineage_table_profiles (asset_id, profiled_at DESC);
