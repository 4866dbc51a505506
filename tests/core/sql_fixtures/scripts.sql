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
# columns: dbo.orders2024.* <- dbo.orders.*

# case: session_statements_snowflake
# dialect: snowflake
USE WAREHOUSE etl_wh;
ALTER SESSION SET QUERY_TAG = 'etl';
CREATE OR REPLACE TABLE mart.x AS SELECT id FROM raw.x;
GRANT SELECT ON mart.x TO ROLE analyst;
# reads: raw.x
# writes: mart.x
# columns: mart.x.id <- raw.x.id
# warnings: no

# case: two_writers_same_target_duckdb
# dialect: duckdb
INSERT INTO t (a) SELECT a FROM s1;
INSERT INTO t (a) SELECT b FROM s2;
# reads: s1, s2
# writes: t
# columns: t.a <- s1.a, s2.b

# case: declare_and_script_bigquery
# dialect: bigquery
DECLARE cutoff DATE DEFAULT DATE '2024-01-01';
CREATE OR REPLACE TABLE ds.recent AS SELECT id, order_date FROM ds.orders WHERE order_date >= cutoff;
# reads: ds.orders
# writes: ds.recent
# columns: ds.recent.id <- ds.orders.id
# columns: ds.recent.order_date <- ds.orders.order_date

# case: intermediate_real_table_is_read_and_written_mysql
# dialect: mysql
CREATE TABLE staging_x AS SELECT id FROM src_x;
INSERT INTO final_x SELECT id FROM staging_x;
# reads: src_x, staging_x
# writes: final_x, staging_x
# columns: staging_x.id <- src_x.id
# columns: final_x.id <- staging_x.id

# case: set_statements_hive
# dialect: hive
SET hive.exec.dynamic.partition.mode=nonstrict;
INSERT OVERWRITE TABLE db.p PARTITION (ds) SELECT a, ds FROM db.q;
# reads: db.q
# writes: db.p
# columns: db.p.a <- db.q.a
# columns: db.p.ds <- db.q.ds

# case: comments_and_semicolons_in_strings
-- load; not really
INSERT INTO notes (body) SELECT 'a;b' || text FROM raw_notes; /* trailing; comment */
# reads: raw_notes
# writes: notes
# columns: notes.body <- raw_notes.text [expression]

# case: function_body_is_not_run
CREATE FUNCTION f() RETURNS void AS $$ INSERT INTO x SELECT 1 $$ LANGUAGE sql;
INSERT INTO y SELECT * FROM z;
# reads: z
# writes: y
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
# columns: db.order_amounts.id <- db.orders.id
# columns: db.order_amounts.amount <- db.orders.amount

# case: redshift_script_with_analyze_vacuum
# dialect: redshift
INSERT INTO prod.users SELECT id, email FROM stage.users;
ANALYZE prod.users;
VACUUM prod.users;
# reads: stage.users
# writes: prod.users
# columns: prod.users.id <- stage.users.id
# columns: prod.users.email <- stage.users.email

# case: trino_script_two_ctas
# dialect: trino
CREATE TABLE hive.tmp.a AS SELECT id, name FROM hive.raw.people;
CREATE TABLE hive.mart.b AS SELECT id, upper(name) AS name FROM hive.tmp.a;
# reads: hive.raw.people, hive.tmp.a
# writes: hive.mart.b, hive.tmp.a
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
# columns: gold.t.v <- silver.t.v

# case: snowflake_transaction_block
# dialect: snowflake
BEGIN TRANSACTION;
DELETE FROM mart.daily WHERE day = CURRENT_DATE;
INSERT INTO mart.daily SELECT CURRENT_DATE AS day, COUNT(*) AS n FROM raw.events;
COMMIT;
# reads: raw.events
# writes: mart.daily
# columns: none
