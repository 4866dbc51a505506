-- The lineage store on PostgreSQL: the design document's five concepts plus tenants.

CREATE TABLE lineage_tenants (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    edition TEXT NOT NULL CHECK (edition IN ('standard', 'premium')),
    graph_version BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO lineage_tenants (name, edition) VALUES ('default', 'premium');

CREATE TABLE lineage_assets (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    asset_type TEXT NOT NULL DEFAULT 'table',
    asset_name TEXT NOT NULL,
    qualified_name TEXT NOT NULL,
    database_name TEXT,
    schema_name TEXT,
    connection TEXT,
    metadata JSONB NOT NULL DEFAULT '{}'::jsonb,
    is_source BOOLEAN NOT NULL DEFAULT FALSE,
    is_target BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, qualified_name)
);

-- Dagster jobs by code location; the row with empty names stands for "no job" (manual edges).
CREATE TABLE lineage_jobs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    code_location TEXT NOT NULL DEFAULT '',
    job_name TEXT NOT NULL DEFAULT '',
    UNIQUE (tenant_id, code_location, job_name)
);

CREATE TABLE lineage_edges (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    source_id BIGINT NOT NULL REFERENCES lineage_assets (id) ON DELETE CASCADE,
    target_id BIGINT NOT NULL REFERENCES lineage_assets (id) ON DELETE CASCADE,
    job_id BIGINT NOT NULL REFERENCES lineage_jobs (id),
    op_name TEXT NOT NULL DEFAULT '',
    trigger_name TEXT,
    transformation_type TEXT,
    transformation_logic TEXT,
    column_mappings JSONB NOT NULL DEFAULT '[]'::jsonb,
    last_run_id TEXT,
    last_execution_at TIMESTAMPTZ,
    execution_count BIGINT NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    retired_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, source_id, target_id, job_id, op_name)
);

-- Walks read every column of select_out_edges / select_in_edges from these (index-only scans).
CREATE INDEX lineage_edges_by_source ON lineage_edges (tenant_id, source_id)
    INCLUDE (target_id, job_id, active, op_name, transformation_type);
CREATE INDEX lineage_edges_by_target ON lineage_edges (tenant_id, target_id)
    INCLUDE (source_id, job_id, active, op_name, transformation_type);
CREATE INDEX lineage_edges_by_job ON lineage_edges (tenant_id, job_id);

-- One row per (edge, run): an edge counts each run once, however often the run is replayed.
CREATE TABLE lineage_edge_runs (
    edge_id BIGINT NOT NULL REFERENCES lineage_edges (id) ON DELETE CASCADE,
    run_id TEXT NOT NULL,
    executed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (edge_id, run_id)
);

CREATE TABLE lineage_executions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    run_id TEXT NOT NULL,
    execution_type TEXT NOT NULL,
    code_location TEXT,
    job_name TEXT,
    status TEXT,
    assets_discovered INTEGER NOT NULL DEFAULT 0,
    edges_created INTEGER NOT NULL DEFAULT 0,
    errors JSONB NOT NULL DEFAULT '[]'::jsonb,
    started_at TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    UNIQUE (tenant_id, run_id, execution_type)
);

-- Counts, depths and jobs per asset; asset lists are computed a page at a time, never stored.
-- An entry is stale while stale_version > computed_version (or when it is missing).
CREATE TABLE lineage_impact_cache (
    asset_id BIGINT PRIMARY KEY REFERENCES lineage_assets (id) ON DELETE CASCADE,
    tenant_id BIGINT NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    max_depth INTEGER NOT NULL,
    downstream_count INTEGER NOT NULL,
    downstream_max_depth INTEGER NOT NULL,
    downstream_depth_counts JSONB NOT NULL,
    upstream_count INTEGER NOT NULL,
    upstream_max_depth INTEGER NOT NULL,
    upstream_depth_counts JSONB NOT NULL,
    -- JSON [[job_id, op], ...] kept as TEXT (as on SQLite): read whole, never queried, and a
    -- full refresh writes ~0.7 GB of it per 100,000 assets; jsonb parsing tripled that write.
    job_contexts TEXT NOT NULL,
    job_count INTEGER NOT NULL,
    computed_version BIGINT NOT NULL,
    stale_version BIGINT NOT NULL DEFAULT 0,
    computed_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX lineage_impact_cache_stale ON lineage_impact_cache (tenant_id)
    WHERE stale_version > computed_version;
CREATE INDEX lineage_impact_cache_downstream ON lineage_impact_cache (tenant_id, downstream_count);

CREATE TABLE lineage_table_profiles (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES lineage_tenants (id) ON DELETE CASCADE,
    asset_id BIGINT NOT NULL REFERENCES lineage_assets (id) ON DELETE CASCADE,
    connection TEXT,
    row_count BIGINT NOT NULL,
    column_count INTEGER NOT NULL,
    table_size_bytes BIGINT,
    duplicate_count BIGINT,
    null_percentage DOUBLE PRECISION,
    body JSONB NOT NULL,
    schema_changed BOOLEAN NOT NULL DEFAULT FALSE,
    profiled_at TIMESTAMPTZ NOT NULL,
    profile_duration_ms INTEGER
);

CREATE INDEX lineage_table_profiles_by_asset ON lineage_table_profiles (asset_id, profiled_at DESC);
