# Dialect-specific syntax around otherwise ordinary lineage.
# dialect: postgres

# case: data_modifying_cte_postgres
WITH moved AS (DELETE FROM queue WHERE done RETURNING id, payload)
INSERT INTO queue_archive (id, payload) SELECT id, payload FROM moved;
# reads:
# writes: queue, queue_archive
# flows: none
# columns: queue_archive.id <- queue.id
# columns: queue_archive.payload <- queue.payload

# case: insert_returning_postgres
INSERT INTO users_copy SELECT id, email FROM users RETURNING id;
# reads: users
# writes: users_copy
# flows: users -> users_copy
# columns: users_copy.id <- users.id
# columns: users_copy.email <- users.email

# case: create_table_like_including_postgres
CREATE TABLE orders_2025 (LIKE orders INCLUDING ALL);
# reads:
# writes: orders_2025
# flows: none
# columns: none
# warnings: no

# case: unlogged_table_postgres
CREATE UNLOGGED TABLE fast_copy AS SELECT id FROM slow_source;
# reads: slow_source
# writes: fast_copy
# flows: slow_source -> fast_copy
# columns: fast_copy.id <- slow_source.id

# case: join_using_column_postgres
INSERT INTO joined (id, a, b) SELECT id, x.a, y.b FROM x JOIN y USING (id);
# reads: x, y
# writes: joined
# flows: x -> joined, y -> joined
# columns: joined.id <- x.id, y.id
# columns: joined.a <- x.a
# columns: joined.b <- y.b

# case: transient_table_is_real_snowflake
# dialect: snowflake
CREATE TRANSIENT TABLE mart.t AS SELECT id FROM raw.t;
INSERT INTO mart.u SELECT id FROM mart.t;
# reads: mart.t, raw.t
# writes: mart.t, mart.u
# flows: mart.t -> mart.u, raw.t -> mart.t
# columns: mart.t.id <- raw.t.id
# columns: mart.u.id <- mart.t.id

# case: dynamic_table_snowflake
# dialect: snowflake
CREATE OR REPLACE DYNAMIC TABLE mart.live_orders TARGET_LAG = '1 hour' WAREHOUSE = etl AS
SELECT id, status FROM raw.orders;
# reads: raw.orders
# writes: mart.live_orders
# flows: raw.orders -> mart.live_orders
# columns: mart.live_orders.id <- raw.orders.id
# columns: mart.live_orders.status <- raw.orders.status

# case: time_travel_snowflake
# dialect: snowflake
INSERT INTO mart.restore SELECT id, name FROM mart.customers AT(OFFSET => -3600);
# reads: mart.customers
# writes: mart.restore
# flows: mart.customers -> mart.restore
# columns: mart.restore.id <- mart.customers.id
# columns: mart.restore.name <- mart.customers.name

# case: qualify_snowflake
# dialect: snowflake
CREATE TABLE mart.latest AS
SELECT id, status FROM raw.status_log QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts DESC) = 1;
# reads: raw.status_log
# writes: mart.latest
# flows: raw.status_log -> mart.latest
# columns: mart.latest.id <- raw.status_log.id
# columns: mart.latest.status <- raw.status_log.status

# case: wildcard_table_bigquery
# dialect: bigquery
CREATE TABLE ds.all_events AS SELECT event_name FROM `proj.analytics.events_*` WHERE _TABLE_SUFFIX > '2024';
# reads: proj.analytics."events_*"
# writes: ds.all_events
# flows: proj.analytics."events_*" -> ds.all_events
# columns: ds.all_events.event_name <- proj.analytics."events_*".event_name

# case: partition_cluster_ctas_bigquery
# dialect: bigquery
CREATE OR REPLACE TABLE ds.orders_p PARTITION BY DATE(ts) CLUSTER BY customer_id AS
SELECT id, customer_id, ts FROM ds.orders;
# reads: ds.orders
# writes: ds.orders_p
# flows: ds.orders -> ds.orders_p
# columns: ds.orders_p.id <- ds.orders.id
# columns: ds.orders_p.customer_id <- ds.orders.customer_id
# columns: ds.orders_p.ts <- ds.orders.ts

# case: system_time_bigquery
# dialect: bigquery
INSERT INTO ds.snapshot SELECT * FROM ds.accounts FOR SYSTEM_TIME AS OF TIMESTAMP '2024-01-01';
# reads: ds.accounts
# writes: ds.snapshot
# flows: ds.accounts -> ds.snapshot
# columns: ds.snapshot.* <- ds.accounts.*

# case: broadcast_hint_spark
# dialect: spark
INSERT INTO db.enriched SELECT /*+ BROADCAST(d) */ f.id, d.label FROM db.facts f JOIN db.dims d ON d.k = f.k;
# reads: db.dims, db.facts
# writes: db.enriched
# flows: db.dims -> db.enriched, db.facts -> db.enriched
# columns: db.enriched.id <- db.facts.id
# columns: db.enriched.label <- db.dims.label

# case: dynamic_partition_spark
# dialect: spark
INSERT OVERWRITE TABLE db.events_by_day PARTITION (ds) SELECT id, kind, ds FROM db.events;
# reads: db.events
# writes: db.events_by_day
# flows: db.events -> db.events_by_day
# columns: db.events_by_day.id <- db.events.id
# columns: db.events_by_day.kind <- db.events.kind
# columns: db.events_by_day.ds <- db.events.ds

# case: insert_set_mysql
# dialect: mysql
INSERT INTO settings SET k = 'mode', v = 'fast';
# reads:
# writes: settings
# flows: none
# columns: none
# warnings: no

# case: insert_ignore_mysql
# dialect: mysql
INSERT IGNORE INTO shop.tags (name) SELECT DISTINCT tag FROM shop.post_tags;
# reads: shop.post_tags
# writes: shop.tags
# flows: shop.post_tags -> shop.tags
# columns: shop.tags.name <- shop.post_tags.tag

# case: create_table_select_without_as_mysql
# dialect: mysql
CREATE TABLE shop.order_ids SELECT id FROM shop.orders;
# reads: shop.orders
# writes: shop.order_ids
# flows: shop.orders -> shop.order_ids
# columns: shop.order_ids.id <- shop.orders.id

# case: parenthesised_select_redshift
# dialect: redshift
INSERT INTO prod.ids (SELECT id FROM stage.ids);
# reads: stage.ids
# writes: prod.ids
# flows: stage.ids -> prod.ids
# columns: prod.ids.id <- stage.ids.id

# case: create_table_like_redshift
# dialect: redshift
CREATE TABLE prod.events_new (LIKE prod.events);
# reads:
# writes: prod.events_new
# flows: none
# columns: none
# warnings: no

# case: from_first_duckdb
# dialect: duckdb
CREATE TABLE copy_t AS FROM source_t;
# reads: source_t
# writes: copy_t
# flows: source_t -> copy_t
# columns: copy_t.* <- source_t.*

# case: insert_or_replace_duckdb
# dialect: duckdb
INSERT OR REPLACE INTO kv SELECT k, v FROM kv_updates;
# reads: kv_updates
# writes: kv
# flows: kv_updates -> kv
# columns: kv.k <- kv_updates.k
# columns: kv.v <- kv_updates.v

# case: ctas_with_properties_trino
# dialect: trino
CREATE TABLE IF NOT EXISTS hive.mart.t WITH (format = 'PARQUET') AS SELECT id, amount FROM hive.raw.t;
# reads: hive.raw.t
# writes: hive.mart.t
# flows: hive.raw.t -> hive.mart.t
# columns: hive.mart.t.id <- hive.raw.t.id
# columns: hive.mart.t.amount <- hive.raw.t.amount

# case: insert_exec_tsql
# dialect: tsql
INSERT INTO dbo.Results (id, score) EXEC dbo.ComputeScores;
# reads:
# writes: dbo.results
# flows: none
# columns: none
# warnings: yes

# case: top_into_temp_tsql
# dialect: tsql
SELECT TOP 10 id, score INTO #best FROM dbo.Scores WITH (NOLOCK) ORDER BY score DESC;
INSERT INTO dbo.Leaderboard (id, score) SELECT id, score FROM #best;
# reads: dbo.scores
# writes: dbo.leaderboard
# flows: dbo.scores -> dbo.leaderboard
# columns: dbo.leaderboard.id <- dbo.scores.id
# columns: dbo.leaderboard.score <- dbo.scores.score

# case: cross_apply_tsql
# dialect: tsql
INSERT INTO dbo.LastOrders (CustomerID, OrderID)
SELECT c.ID, o.ID FROM dbo.Customers c
CROSS APPLY (SELECT TOP 1 ID FROM dbo.Orders WHERE CustomerID = c.ID ORDER BY Created DESC) o;
# reads: dbo.customers, dbo.orders
# writes: dbo.lastorders
# flows: dbo.customers -> dbo.lastorders, dbo.orders -> dbo.lastorders
# columns: dbo.lastorders.customerid <- dbo.customers.id
# columns: dbo.lastorders.orderid <- dbo.orders.id

# case: update_top_tsql
# dialect: tsql
UPDATE TOP (100) dbo.Jobs SET State = 'queued' WHERE State = 'new';
# reads:
# writes: dbo.jobs
# flows: none
# columns: none
# warnings: yes

# case: hive_insert_partition_with_columns
# dialect: hive
INSERT INTO TABLE db.t PARTITION (ds = '2024-01-01') SELECT a, b FROM db.s;
# reads: db.s
# writes: db.t
# flows: db.s -> db.t
# columns: db.t.a <- db.s.a
# columns: db.t.b <- db.s.b

# case: pivot_snowflake
# dialect: snowflake
CREATE TABLE mart.monthly AS
SELECT * FROM (SELECT region, month, amount FROM raw.sales) PIVOT (SUM(amount) FOR month IN ('jan', 'feb')) AS p;
# reads: raw.sales
# writes: mart.monthly
# flows: raw.sales -> mart.monthly
# The PIVOT's own columns (region, jan, feb) are not derived yet: columns stay unchecked.
# warnings: no

# case: natural_join_databricks
# dialect: databricks
CREATE TABLE gold.nj AS SELECT a.x, b.y FROM silver.a a NATURAL JOIN silver.b b;
# reads: silver.a, silver.b
# writes: gold.nj
# flows: silver.a -> gold.nj, silver.b -> gold.nj
# columns: gold.nj.x <- silver.a.x
# columns: gold.nj.y <- silver.b.y

# IDENTIFIER('...') names a table by a string literal, in every statement kind.
# case: identifier_literal_select_and_join_snowflake
# dialect: snowflake
INSERT INTO mart.daily (id, amount)
SELECT o.id, p.amount
FROM IDENTIFIER('raw.sales.orders') AS o
JOIN IDENTIFIER('raw.sales.payments') p ON p.order_id = o.id;
# reads: raw.sales.orders, raw.sales.payments
# writes: mart.daily
# flows: raw.sales.orders -> mart.daily, raw.sales.payments -> mart.daily
# columns: mart.daily.id <- raw.sales.orders.id
# columns: mart.daily.amount <- raw.sales.payments.amount
# warnings: no

# case: identifier_literal_every_statement_snowflake
# dialect: snowflake
CREATE TABLE IDENTIFIER('work.stage_orders') AS SELECT id, amount FROM IDENTIFIER('raw.orders');
MERGE INTO IDENTIFIER('mart.orders') AS t USING IDENTIFIER('work.stage_orders') AS s ON t.id = s.id
WHEN MATCHED THEN UPDATE SET t.amount = s.amount
WHEN NOT MATCHED THEN INSERT (id, amount) VALUES (s.id, s.amount);
UPDATE IDENTIFIER('mart.order_stats') SET refreshed_at = CURRENT_TIMESTAMP();
DELETE FROM IDENTIFIER('raw.quarantine') WHERE id IN (SELECT id FROM IDENTIFIER('mart.orders'));
COPY INTO IDENTIFIER('raw.events') FROM @landing/events FILE_FORMAT = (TYPE = JSON);
DROP TABLE IDENTIFIER('work.stage_orders');
# reads: raw.orders, mart.orders
# writes: mart.orders, mart.order_stats, raw.quarantine, raw.events
# flows: mart.orders -> raw.quarantine, raw.orders -> mart.orders
# columns: mart.orders.amount <- raw.orders.amount
# columns: mart.orders.id <- raw.orders.id
# warnings: no

# case: identifier_quoted_parts_snowflake
# dialect: snowflake
INSERT INTO IDENTIFIER('"Mart"."Daily"') SELECT "Id" FROM IDENTIFIER('raw."Events"');
# reads: raw."Events"
# writes: "Mart"."Daily"
# flows: raw."Events" -> "Mart"."Daily"
# columns: "Mart"."Daily"."Id" <- raw."Events"."Id"
# warnings: no

# case: identifier_literal_databricks
# dialect: databricks
INSERT INTO IDENTIFIER('main.mart.orders') SELECT id, amount FROM IDENTIFIER('main.raw.orders');
CREATE TABLE IDENTIFIER('main.mart.big_orders') AS SELECT id FROM IDENTIFIER('main.mart.orders') WHERE amount > 100;
DROP TABLE IF EXISTS IDENTIFIER('main.tmp.scratch');
# reads: main.raw.orders, main.mart.orders
# writes: main.mart.orders, main.mart.big_orders
# flows: main.mart.orders -> main.mart.big_orders, main.raw.orders -> main.mart.orders
# columns: main.mart.orders.id <- main.raw.orders.id
# columns: main.mart.orders.amount <- main.raw.orders.amount
# columns: main.mart.big_orders.id <- main.mart.orders.id
# warnings: no

# A variable set to a literal earlier in the script is that literal; any other argument is
# only known when the script runs: it is left out, with a warning, not invented.
# case: identifier_session_variable_snowflake
# dialect: snowflake
SET source_table = 'raw.sales.orders';
INSERT INTO mart.orders_copy (id) SELECT id FROM IDENTIFIER($source_table);
INSERT INTO IDENTIFIER($target_table) SELECT id FROM raw.sales.refunds;
# reads: raw.sales.orders, raw.sales.refunds
# writes: mart.orders_copy
# flows: raw.sales.orders -> mart.orders_copy
# columns: mart.orders_copy.id <- raw.sales.orders.id
# warnings: yes

# case: identifier_variable_and_parameter_databricks
# dialect: databricks
DECLARE VARIABLE source_table STRING DEFAULT 'main.raw.events';
CREATE OR REPLACE TABLE IDENTIFIER(:target_table) AS SELECT * FROM IDENTIFIER(source_table);
INSERT INTO IDENTIFIER(:target_table || '_log') SELECT id FROM main.raw.log;
# reads: main.raw.events, main.raw.log
# writes:
# flows: none
# columns: none
# warnings: yes

# case: identifier_literal_spark
# dialect: spark
INSERT OVERWRITE TABLE IDENTIFIER('warehouse.daily') SELECT day, n FROM IDENTIFIER('staging.daily');
# reads: staging.daily
# writes: warehouse.daily
# flows: staging.daily -> warehouse.daily
# columns: warehouse.daily.day <- staging.daily.day
# columns: warehouse.daily.n <- staging.daily.n
# warnings: no
