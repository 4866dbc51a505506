# Dialect-specific syntax around otherwise ordinary lineage.
# dialect: postgres

# case: data_modifying_cte_postgres
WITH moved AS (DELETE FROM queue WHERE done RETURNING id, payload)
INSERT INTO queue_archive (id, payload) SELECT id, payload FROM moved;
# reads:
# writes: queue, queue_archive
# columns: queue_archive.id <- queue.id
# columns: queue_archive.payload <- queue.payload

# case: insert_returning_postgres
INSERT INTO users_copy SELECT id, email FROM users RETURNING id;
# reads: users
# writes: users_copy
# columns: users_copy.id <- users.id
# columns: users_copy.email <- users.email

# case: create_table_like_including_postgres
CREATE TABLE orders_2025 (LIKE orders INCLUDING ALL);
# reads:
# writes: orders_2025
# columns: none
# warnings: no

# case: unlogged_table_postgres
CREATE UNLOGGED TABLE fast_copy AS SELECT id FROM slow_source;
# reads: slow_source
# writes: fast_copy
# columns: fast_copy.id <- slow_source.id

# case: join_using_column_postgres
INSERT INTO joined (id, a, b) SELECT id, x.a, y.b FROM x JOIN y USING (id);
# reads: x, y
# writes: joined
# columns: joined.id <- x.id, y.id
# columns: joined.a <- x.a
# columns: joined.b <- y.b

# case: transient_table_is_real_snowflake
# dialect: snowflake
CREATE TRANSIENT TABLE mart.t AS SELECT id FROM raw.t;
INSERT INTO mart.u SELECT id FROM mart.t;
# reads: mart.t, raw.t
# writes: mart.t, mart.u
# columns: mart.t.id <- raw.t.id
# columns: mart.u.id <- mart.t.id

# case: dynamic_table_snowflake
# dialect: snowflake
CREATE OR REPLACE DYNAMIC TABLE mart.live_orders TARGET_LAG = '1 hour' WAREHOUSE = etl AS
SELECT id, status FROM raw.orders;
# reads: raw.orders
# writes: mart.live_orders
# columns: mart.live_orders.id <- raw.orders.id
# columns: mart.live_orders.status <- raw.orders.status

# case: time_travel_snowflake
# dialect: snowflake
INSERT INTO mart.restore SELECT id, name FROM mart.customers AT(OFFSET => -3600);
# reads: mart.customers
# writes: mart.restore
# columns: mart.restore.id <- mart.customers.id
# columns: mart.restore.name <- mart.customers.name

# case: qualify_snowflake
# dialect: snowflake
CREATE TABLE mart.latest AS
SELECT id, status FROM raw.status_log QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts DESC) = 1;
# reads: raw.status_log
# writes: mart.latest
# columns: mart.latest.id <- raw.status_log.id
# columns: mart.latest.status <- raw.status_log.status

# case: wildcard_table_bigquery
# dialect: bigquery
CREATE TABLE ds.all_events AS SELECT event_name FROM `proj.analytics.events_*` WHERE _TABLE_SUFFIX > '2024';
# reads: proj.analytics."events_*"
# writes: ds.all_events
# columns: ds.all_events.event_name <- proj.analytics."events_*".event_name

# case: partition_cluster_ctas_bigquery
# dialect: bigquery
CREATE OR REPLACE TABLE ds.orders_p PARTITION BY DATE(ts) CLUSTER BY customer_id AS
SELECT id, customer_id, ts FROM ds.orders;
# reads: ds.orders
# writes: ds.orders_p
# columns: ds.orders_p.id <- ds.orders.id
# columns: ds.orders_p.customer_id <- ds.orders.customer_id
# columns: ds.orders_p.ts <- ds.orders.ts

# case: system_time_bigquery
# dialect: bigquery
INSERT INTO ds.snapshot SELECT * FROM ds.accounts FOR SYSTEM_TIME AS OF TIMESTAMP '2024-01-01';
# reads: ds.accounts
# writes: ds.snapshot
# columns: ds.snapshot.* <- ds.accounts.*

# case: broadcast_hint_spark
# dialect: spark
INSERT INTO db.enriched SELECT /*+ BROADCAST(d) */ f.id, d.label FROM db.facts f JOIN db.dims d ON d.k = f.k;
# reads: db.dims, db.facts
# writes: db.enriched
# columns: db.enriched.id <- db.facts.id
# columns: db.enriched.label <- db.dims.label

# case: dynamic_partition_spark
# dialect: spark
INSERT OVERWRITE TABLE db.events_by_day PARTITION (ds) SELECT id, kind, ds FROM db.events;
# reads: db.events
# writes: db.events_by_day
# columns: db.events_by_day.id <- db.events.id
# columns: db.events_by_day.kind <- db.events.kind
# columns: db.events_by_day.ds <- db.events.ds

# case: insert_set_mysql
# dialect: mysql
INSERT INTO settings SET k = 'mode', v = 'fast';
# reads:
# writes: settings
# columns: none
# warnings: no

# case: insert_ignore_mysql
# dialect: mysql
INSERT IGNORE INTO shop.tags (name) SELECT DISTINCT tag FROM shop.post_tags;
# reads: shop.post_tags
# writes: shop.tags
# columns: shop.tags.name <- shop.post_tags.tag

# case: create_table_select_without_as_mysql
# dialect: mysql
CREATE TABLE shop.order_ids SELECT id FROM shop.orders;
# reads: shop.orders
# writes: shop.order_ids
# columns: shop.order_ids.id <- shop.orders.id

# case: parenthesised_select_redshift
# dialect: redshift
INSERT INTO prod.ids (SELECT id FROM stage.ids);
# reads: stage.ids
# writes: prod.ids
# columns: prod.ids.id <- stage.ids.id

# case: create_table_like_redshift
# dialect: redshift
CREATE TABLE prod.events_new (LIKE prod.events);
# reads:
# writes: prod.events_new
# columns: none
# warnings: no

# case: from_first_duckdb
# dialect: duckdb
CREATE TABLE copy_t AS FROM source_t;
# reads: source_t
# writes: copy_t
# columns: copy_t.* <- source_t.*

# case: insert_or_replace_duckdb
# dialect: duckdb
INSERT OR REPLACE INTO kv SELECT k, v FROM kv_updates;
# reads: kv_updates
# writes: kv
# columns: kv.k <- kv_updates.k
# columns: kv.v <- kv_updates.v

# case: ctas_with_properties_trino
# dialect: trino
CREATE TABLE IF NOT EXISTS hive.mart.t WITH (format = 'PARQUET') AS SELECT id, amount FROM hive.raw.t;
# reads: hive.raw.t
# writes: hive.mart.t
# columns: hive.mart.t.id <- hive.raw.t.id
# columns: hive.mart.t.amount <- hive.raw.t.amount

# case: insert_exec_tsql
# dialect: tsql
INSERT INTO dbo.Results (id, score) EXEC dbo.ComputeScores;
# reads:
# writes: dbo.results
# columns: none
# warnings: yes

# case: top_into_temp_tsql
# dialect: tsql
SELECT TOP 10 id, score INTO #best FROM dbo.Scores WITH (NOLOCK) ORDER BY score DESC;
INSERT INTO dbo.Leaderboard (id, score) SELECT id, score FROM #best;
# reads: dbo.scores
# writes: dbo.leaderboard
# columns: dbo.leaderboard.id <- dbo.scores.id
# columns: dbo.leaderboard.score <- dbo.scores.score

# case: cross_apply_tsql
# dialect: tsql
INSERT INTO dbo.LastOrders (CustomerID, OrderID)
SELECT c.ID, o.ID FROM dbo.Customers c
CROSS APPLY (SELECT TOP 1 ID FROM dbo.Orders WHERE CustomerID = c.ID ORDER BY Created DESC) o;
# reads: dbo.customers, dbo.orders
# writes: dbo.lastorders
# columns: dbo.lastorders.customerid <- dbo.customers.id
# columns: dbo.lastorders.orderid <- dbo.orders.id

# case: update_top_tsql
# dialect: tsql
UPDATE TOP (100) dbo.Jobs SET State = 'queued' WHERE State = 'new';
# reads:
# writes: dbo.jobs
# columns: none
# warnings: yes

# case: hive_insert_partition_with_columns
# dialect: hive
INSERT INTO TABLE db.t PARTITION (ds = '2024-01-01') SELECT a, b FROM db.s;
# reads: db.s
# writes: db.t
# columns: db.t.a <- db.s.a
# columns: db.t.b <- db.s.b

# case: pivot_snowflake
# dialect: snowflake
CREATE TABLE mart.monthly AS
SELECT * FROM (SELECT region, month, amount FROM raw.sales) PIVOT (SUM(amount) FOR month IN ('jan', 'feb')) AS p;
# reads: raw.sales
# writes: mart.monthly
# The PIVOT's own columns (region, jan, feb) are not derived yet: columns stay unchecked.
# warnings: no

# case: natural_join_databricks
# dialect: databricks
CREATE TABLE gold.nj AS SELECT a.x, b.y FROM silver.a a NATURAL JOIN silver.b b;
# reads: silver.a, silver.b
# writes: gold.nj
# columns: gold.nj.x <- silver.a.x
# columns: gold.nj.y <- silver.b.y
