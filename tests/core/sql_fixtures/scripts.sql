# Whole scripts: many statements, transactions, session settings, GO batches, comments.
# dialect: postgres

# case: etl_transaction
BEGIN;
TRUNCATE staging.daily;
INSERT INTO staging.daily SELECT * FROM raw.events WHERE ts::date = current_date;
INSERT INTO mart.daily_counts (day, n) SELECT ts::date, count(*) FROM staging.daily GROUP BY 1;
COMMIT;
# reads: raw.events, staging.daily
# writes: mart.daily_counts, staging.daily
# flows: raw.events -> staging.daily, staging.daily -> mart.daily_counts
# columns: staging.daily.* <- raw.events.*
# columns: mart.daily_counts.day <- staging.daily.ts [cast]

# case: go_batches_tsql
# dialect: tsql
USE Sales;
GO
SELECT * INTO #t FROM dbo.Orders WHERE OrderYear = 2024;
GO
INSERT INTO dbo.Orders2024 SELECT * FROM #t;
GO
# reads: dbo.orders
# writes: dbo.orders2024
# flows: dbo.orders -> dbo.orders2024
# columns: dbo.orders2024.* <- dbo.orders.*

# case: session_statements_snowflake
# dialect: snowflake
USE WAREHOUSE etl_wh;
ALTER SESSION SET QUERY_TAG = 'etl';
CREATE OR REPLACE TABLE mart.x AS SELECT id FROM raw.x;
GRANT SELECT ON mart.x TO ROLE analyst;
# reads: raw.x
# writes: mart.x
# flows: raw.x -> mart.x
# columns: mart.x.id <- raw.x.id
# warnings: no

# case: two_writers_same_target_duckdb
# dialect: duckdb
INSERT INTO t (a) SELECT a FROM s1;
INSERT INTO t (a) SELECT b FROM s2;
# reads: s1, s2
# writes: t
# flows: s1 -> t, s2 -> t
# columns: t.a <- s1.a, s2.b

# case: declare_and_script_bigquery
# dialect: bigquery
DECLARE cutoff DATE DEFAULT DATE '2024-01-01';
CREATE OR REPLACE TABLE ds.recent AS SELECT id, order_date FROM ds.orders WHERE order_date >= cutoff;
# reads: ds.orders
# writes: ds.recent
# flows: ds.orders -> ds.recent
# columns: ds.recent.id <- ds.orders.id
# columns: ds.recent.order_date <- ds.orders.order_date

# case: intermediate_real_table_is_read_and_written_mysql
# dialect: mysql
CREATE TABLE staging_x AS SELECT id FROM src_x;
INSERT INTO final_x SELECT id FROM staging_x;
# reads: src_x, staging_x
# writes: final_x, staging_x
# flows: src_x -> staging_x, staging_x -> final_x
# columns: staging_x.id <- src_x.id
# columns: final_x.id <- staging_x.id

# case: set_statements_hive
# dialect: hive
SET hive.exec.dynamic.partition.mode=nonstrict;
INSERT OVERWRITE TABLE db.p PARTITION (ds) SELECT a, ds FROM db.q;
# reads: db.q
# writes: db.p
# flows: db.q -> db.p
# columns: db.p.a <- db.q.a
# columns: db.p.ds <- db.q.ds

# case: comments_and_semicolons_in_strings
-- load; not really
INSERT INTO notes (body) SELECT 'a;b' || text FROM raw_notes; /* trailing; comment */
# reads: raw_notes
# writes: notes
# flows: raw_notes -> notes
# columns: notes.body <- raw_notes.text [expression]

# case: function_body_is_not_run
CREATE FUNCTION f() RETURNS void AS $$ INSERT INTO x SELECT 1 $$ LANGUAGE sql;
INSERT INTO y SELECT * FROM z;
# reads: z
# writes: y
# flows: z -> y
# columns: y.* <- z.*
# warnings: no

# case: spark_script_with_cache_and_uncache
# dialect: spark
SET spark.sql.shuffle.partitions = 8;
CACHE TABLE c AS SELECT id, amount FROM db.orders;
INSERT INTO db.order_amounts SELECT id, amount FROM c;
UNCACHE TABLE c;
# reads: db.orders
# writes: db.order_amounts
# flows: db.orders -> db.order_amounts
# columns: db.order_amounts.id <- db.orders.id
# columns: db.order_amounts.amount <- db.orders.amount

# case: redshift_script_with_analyze_vacuum
# dialect: redshift
INSERT INTO prod.users SELECT id, email FROM stage.users;
ANALYZE prod.users;
VACUUM prod.users;
# reads: stage.users
# writes: prod.users
# flows: stage.users -> prod.users
# columns: prod.users.id <- stage.users.id
# columns: prod.users.email <- stage.users.email

# case: trino_script_two_ctas
# dialect: trino
CREATE TABLE hive.tmp.a AS SELECT id, name FROM hive.raw.people;
CREATE TABLE hive.mart.b AS SELECT id, upper(name) AS name FROM hive.tmp.a;
# reads: hive.raw.people, hive.tmp.a
# writes: hive.mart.b, hive.tmp.a
# flows: hive.raw.people -> hive.tmp.a, hive.tmp.a -> hive.mart.b
# columns: hive.tmp.a.id <- hive.raw.people.id
# columns: hive.tmp.a.name <- hive.raw.people.name
# columns: hive.mart.b.id <- hive.tmp.a.id
# columns: hive.mart.b.name <- hive.tmp.a.name [expression]

# case: databricks_script_optimize
# dialect: databricks
MERGE INTO gold.t USING silver.t s ON gold.t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v;
OPTIMIZE gold.t;
# reads: silver.t
# writes: gold.t
# flows: silver.t -> gold.t
# columns: gold.t.v <- silver.t.v

# case: snowflake_transaction_block
# dialect: snowflake
BEGIN TRANSACTION;
DELETE FROM mart.daily WHERE day = CURRENT_DATE;
INSERT INTO mart.daily SELECT CURRENT_DATE AS day, COUNT(*) AS n FROM raw.events;
COMMIT;
# reads: raw.events
# writes: mart.daily
# flows: raw.events -> mart.daily
# columns: none

# case: bigquery_begin_end_block
# dialect: bigquery
BEGIN
  INSERT INTO mart.daily (day, n) SELECT DATE(ts), COUNT(*) FROM raw.events GROUP BY 1;
  DELETE FROM raw.events WHERE DATE(ts) < DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY);
END;
# reads: raw.events
# writes: mart.daily, raw.events
# flows: raw.events -> mart.daily
# columns: mart.daily.day <- raw.events.ts [expression]
# warnings: no

# case: bigquery_nested_begin_with_exception_handler
# dialect: bigquery
BEGIN
  BEGIN
    CREATE TEMP TABLE recent AS SELECT id, amount FROM shop.orders WHERE day = CURRENT_DATE();
    INSERT INTO mart.recent_totals (id, total) SELECT id, SUM(amount) FROM recent GROUP BY id;
  EXCEPTION WHEN ERROR THEN
    SELECT @@error.message;
  END;
END;
# reads: shop.orders
# writes: mart.recent_totals
# flows: shop.orders -> mart.recent_totals
# columns: mart.recent_totals.id <- shop.orders.id
# columns: mart.recent_totals.total <- shop.orders.amount [aggregate]

# case: bigquery_procedure_body_has_column_lineage
# dialect: bigquery
CREATE OR REPLACE PROCEDURE ops.refresh_customers(run_day DATE)
OPTIONS (strict_mode = FALSE)
BEGIN
  INSERT INTO mart.customers (id, email) SELECT id, LOWER(email) FROM raw.customers WHERE day = run_day;
  MERGE mart.customer_stats t USING raw.orders s ON t.id = s.customer_id
  WHEN MATCHED THEN UPDATE SET t.last_order = s.ordered_at;
END;
# reads: raw.customers, raw.orders
# writes: mart.customers, mart.customer_stats
# flows: raw.customers -> mart.customers, raw.orders -> mart.customer_stats
# columns: mart.customers.id <- raw.customers.id
# columns: mart.customers.email <- raw.customers.email [expression]
# columns: mart.customer_stats.last_order <- raw.orders.ordered_at
# warnings: no

# case: unrelated_statements_are_not_crossed_duckdb
# dialect: duckdb
# Three statements, three flows: no read of one statement becomes a source of another's write.
CREATE TABLE trips AS SELECT * FROM raw;
COPY (SELECT * FROM trips) TO 'out.csv';
INSERT INTO summary SELECT count(*) AS n FROM other;
# reads: other, raw, trips
# writes: file."out.csv", summary, trips
# flows: raw -> trips, trips -> file."out.csv", other -> summary
# files: file."out.csv"
# columns: trips.* <- raw.*
# warnings: no

# case: table_written_then_read_is_its_own_node_snowflake
# dialect: snowflake
# mart.trips is a real table: raw.trips -> mart.trips -> mart.summary, never raw.trips -> mart.summary.
CREATE TABLE mart.trips AS SELECT id, fare FROM raw.trips;
INSERT INTO mart.summary (n, total) SELECT COUNT(id), SUM(fare) FROM mart.trips;
# reads: mart.trips, raw.trips
# writes: mart.summary, mart.trips
# flows: raw.trips -> mart.trips, mart.trips -> mart.summary
# columns: mart.trips.id <- raw.trips.id
# columns: mart.trips.fare <- raw.trips.fare
# columns: mart.summary.n <- mart.trips.id [aggregate]
# columns: mart.summary.total <- mart.trips.fare [aggregate]
# warnings: no

# case: filter_read_and_in_script_table_bigquery
# dialect: bigquery
# The filter's table is a source of the DELETE's target; ds.audit, written then read, stays a node.
DELETE FROM ds.users WHERE id IN (SELECT user_id FROM ds.gdpr_requests);
INSERT INTO ds.audit (n) SELECT COUNT(*) FROM ds.gdpr_requests;
UPDATE ds.stats s SET n = a.n FROM ds.audit a WHERE TRUE;
# reads: ds.audit, ds.gdpr_requests
# writes: ds.audit, ds.stats, ds.users
# flows: ds.gdpr_requests -> ds.users, ds.gdpr_requests -> ds.audit, ds.audit -> ds.stats
# columns: ds.stats.n <- ds.audit.n
# warnings: no
