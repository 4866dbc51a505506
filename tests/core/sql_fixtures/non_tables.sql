# File paths, stages, table functions, UNNEST and pseudo-tables are not tables.
# dialect: duckdb

# case: read_parquet_function
CREATE TABLE events AS SELECT * FROM read_parquet('s3://bucket/events/*.parquet');
# reads:
# writes: events
# flows: none
# columns: none

# case: string_path_in_from
INSERT INTO logs SELECT * FROM 'data/logs.csv';
# reads:
# writes: logs
# flows: none
# columns: none

# case: read_csv_joined_with_table
CREATE TABLE enriched AS
SELECT e.id, u.name FROM read_csv_auto('events.csv') e JOIN users u ON u.id = e.user_id;
# reads: users
# writes: enriched
# flows: users -> enriched
# columns: enriched.name <- users.name

# case: generate_series_postgres
# dialect: postgres
INSERT INTO calendar (day)
SELECT d::date FROM generate_series('2024-01-01'::date, '2024-12-31'::date, interval '1 day') AS g(d);
# reads:
# writes: calendar
# flows: none
# columns: none

# case: generate_series_joined_postgres
# dialect: postgres
INSERT INTO daily_sales (day, amount)
SELECT g.day, COALESCE(SUM(s.amount), 0)
FROM generate_series(1, 31) AS g(day) LEFT JOIN sales s ON s.day_of_month = g.day GROUP BY g.day;
# reads: sales
# writes: daily_sales
# flows: sales -> daily_sales
# columns: daily_sales.amount <- sales.amount [aggregate]

# case: stage_select_snowflake
# dialect: snowflake
INSERT INTO raw.events SELECT $1, $2 FROM @raw.events_stage/2024/;
# reads:
# writes: raw.events
# flows: none
# columns: none

# case: flatten_snowflake
# dialect: snowflake
INSERT INTO mart.tags
SELECT p.id, f.value::string AS tag FROM raw.posts p, LATERAL FLATTEN(input => p.tags) f;
# reads: raw.posts
# writes: mart.tags
# flows: raw.posts -> mart.tags
# columns: mart.tags.id <- raw.posts.id
# columns: mart.tags.tag <- raw.posts.tags [expression]

# case: table_flatten_snowflake
# dialect: snowflake
CREATE TABLE mart.kv AS SELECT f.key, f.value FROM TABLE(FLATTEN(input => PARSE_JSON('{"a": 1}'))) f;
# reads:
# writes: mart.kv
# flows: none
# columns: none

# case: unnest_bigquery
# dialect: bigquery
CREATE TABLE ds.order_items AS SELECT o.id, item FROM ds.orders o, UNNEST(o.items) AS item;
# reads: ds.orders
# writes: ds.order_items
# flows: ds.orders -> ds.order_items
# columns: ds.order_items.id <- ds.orders.id
# columns: ds.order_items.item <- ds.orders.items [expression]

# case: unnest_trino
# dialect: trino
INSERT INTO flat SELECT t.id, x FROM nested t CROSS JOIN UNNEST(t.vals) AS u(x);
# reads: nested
# writes: flat
# flows: nested -> flat
# columns: flat.id <- nested.id
# columns: flat.x <- nested.vals [expression]

# case: lateral_view_explode_spark
# dialect: spark
INSERT INTO db.flat SELECT id, tag FROM db.posts LATERAL VIEW explode(tags) t AS tag;
# reads: db.posts
# writes: db.flat
# flows: db.posts -> db.flat
# columns: db.flat.id <- db.posts.id
# columns: db.flat.tag <- db.posts.tags [expression]

# case: lateral_view_hive
# dialect: hive
INSERT OVERWRITE TABLE db.pairs SELECT k, v FROM db.maps LATERAL VIEW explode(m) x AS k, v;
# reads: db.maps
# writes: db.pairs
# flows: db.maps -> db.pairs
# columns: db.pairs.k <- db.maps.m [expression]
# columns: db.pairs.v <- db.maps.m [expression]

# case: parquet_path_spark
# dialect: spark
INSERT INTO db.raw SELECT * FROM parquet.`/mnt/data/raw/`;
# reads:
# writes: db.raw
# flows: none
# columns: none
# warnings: no

# case: delta_path_databricks
# dialect: databricks
CREATE TABLE bronze.events AS SELECT * FROM delta.`s3://lake/events`;
# reads:
# writes: bronze.events
# flows: none
# columns: none
# warnings: no

# case: read_files_databricks
# dialect: databricks
CREATE TABLE bronze.orders AS SELECT * FROM read_files('s3://landing/orders', format => 'json');
# reads:
# writes: bronze.orders
# flows: none
# columns: none
# warnings: no

# case: excluded_pseudo_table_postgres
# dialect: postgres
INSERT INTO kv (k, v) SELECT k, v FROM kv_staging ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;
# reads: kv_staging
# writes: kv
# flows: kv_staging -> kv
# columns: kv.k <- kv_staging.k
# columns: kv.v <- kv_staging.v

# case: output_inserted_into_tsql
# dialect: tsql
INSERT INTO dbo.Orders (id, amount) OUTPUT inserted.id INTO dbo.OrderLog (id)
SELECT id, amount FROM dbo.Incoming;
# reads: dbo.incoming
# writes: dbo.orderlog, dbo.orders
# flows: dbo.incoming -> dbo.orderlog, dbo.incoming -> dbo.orders
# columns: none
# warnings: yes

# case: inserted_deleted_in_trigger_tsql
# dialect: tsql
CREATE TRIGGER trg_audit ON dbo.Accounts AFTER UPDATE AS
INSERT INTO dbo.AccountAudit (id, old_balance, new_balance)
SELECT d.id, d.balance, i.balance FROM deleted d JOIN inserted i ON i.id = d.id;
# reads:
# writes: dbo.accountaudit
# flows: none
# columns: none
# warnings: yes

# case: dual_mysql
# dialect: mysql
INSERT INTO config (k, v) SELECT 'version', '1' FROM dual;
# reads:
# writes: config
# flows: none
# columns: none

# case: values_derived_table_redshift
# dialect: redshift
INSERT INTO lookup (code, label) SELECT v.code, v.label FROM (VALUES (1, 'a'), (2, 'b')) AS v(code, label);
# reads:
# writes: lookup
# flows: none
# columns: none

# case: unnest_postgres_array
# dialect: postgres
INSERT INTO tag_rows (post_id, tag) SELECT p.id, t.tag FROM posts p, unnest(p.tags) AS t(tag);
# reads: posts
# writes: tag_rows
# flows: posts -> tag_rows
# columns: tag_rows.post_id <- posts.id
# columns: tag_rows.tag <- posts.tags [expression]

# Words after a keyword in statements sqlglot cannot parse are no tables unless the
# keyword surely names one there.
# case: update_statistics_tsql
# dialect: tsql
UPDATE STATISTICS dbo.Orders WITH FULLSCAN;
INSERT INTO dbo.OrderCounts (n) SELECT COUNT(*) FROM dbo.Orders;
# reads: dbo.orders
# writes: dbo.ordercounts
# flows: dbo.orders -> dbo.ordercounts
# columns: none
# warnings: no

# case: restore_from_disk_tsql
# dialect: tsql
RESTORE DATABASE Sales FROM DISK = 'D:\backups\sales.bak' WITH REPLACE;
# reads:
# writes:
# flows: none
# columns: none
# warnings: no

# case: cursor_fetch_loop_tsql
# dialect: tsql
DECLARE order_cursor CURSOR FOR SELECT id FROM dbo.Orders;
OPEN order_cursor;
FETCH NEXT FROM order_cursor INTO @id;
WHILE @@FETCH_STATUS = 0
BEGIN
  INSERT INTO dbo.Audit (order_id) VALUES (@id)
  FETCH NEXT FROM order_cursor INTO @id
END
CLOSE order_cursor;
DEALLOCATE order_cursor;
# reads:
# writes: dbo.audit
# flows: none
# warnings: yes

# case: is_distinct_from_compares_columns_tsql
# dialect: tsql
UPDATE d SET d.email = s.email, d.version += 1
FROM dw.customers d JOIN stg.customers s ON s.id = d.id
WHERE s.email IS DISTINCT FROM d.email;
# reads: stg.customers
# writes: dw.customers
# flows: stg.customers -> dw.customers
# warnings: yes

# case: create_function_using_jar_hive
# dialect: hive
CREATE FUNCTION udfs.parse_ua AS 'com.example.ParseUserAgent' USING JAR 'hdfs:///udf/ua.jar', FILE 'hdfs:///udf/regexes.yaml';
# reads:
# writes:
# flows: none
# columns: none

# case: insert_overwrite_directory_using_format_spark
# dialect: spark
INSERT OVERWRITE DIRECTORY '/exports/daily' USING parquet SELECT day, n FROM mart.daily;
# reads: mart.daily
# writes:
# flows: none
# warnings: yes

# case: select_into_outfile_mysql
# dialect: mysql
SELECT id, email FROM shop.customers WHERE active = 1
INTO OUTFILE '/tmp/customers.csv' FIELDS TERMINATED BY ',' ENCLOSED BY '"' LINES TERMINATED BY '\n';
# reads: shop.customers
# writes:
# flows: none
# warnings: yes

# case: select_into_variable_in_procedure_mysql
# dialect: mysql
SELECT COUNT(*) INTO open_orders FROM shop.orders WHERE status = 'open';
# reads: shop.orders
# writes:
# flows: none
# columns: none
# warnings: no

# case: select_into_variable_plsql_oracle
# dialect: oracle
SELECT MAX(loaded_at) INTO v_last_load FROM etl.load_log WHERE job = 'orders';
# reads: etl.load_log
# writes:
# flows: none
# columns: none
# warnings: no

# SQL*Plus PROMPT and REM lines are prose for the person running the script.
# case: sqlplus_prompt_and_rem_lines_oracle
# dialect: oracle
PROMPT Loading customers from staging into the warehouse
INSERT INTO dw.customers (id, name) SELECT id, name FROM stg.customers;
REM copy rows from the archive into history
PROMPT Done
# reads: stg.customers
# writes: dw.customers
# flows: stg.customers -> dw.customers
# columns: dw.customers.id <- stg.customers.id
# columns: dw.customers.name <- stg.customers.name
# warnings: no

# A procedure written in another language holds no SQL to read: "from x import y" is Python.
# case: python_procedure_body_snowflake
# dialect: snowflake
CREATE OR REPLACE PROCEDURE etl.copy_orders()
RETURNS STRING
LANGUAGE PYTHON
RUNTIME_VERSION = '3.11'
PACKAGES = ('snowflake-snowpark-python')
HANDLER = 'main'
AS
$$
from snowflake.snowpark import Session
def main(session):
    return 'copied'
$$;
INSERT INTO etl.runs (name) SELECT 'copy_orders' FROM etl.schedule;
# reads: etl.schedule
# writes: etl.runs
# flows: etl.schedule -> etl.runs
# columns: none
# warnings: yes
