# Temporary and intermediate tables: neither read nor written, but lineage flows through them.
# dialect: tsql

# case: select_into_hash_temp
SELECT o.CustomerID, SUM(o.Amount) AS Total INTO #totals FROM dbo.Orders o GROUP BY o.CustomerID;
INSERT INTO dbo.CustomerSummary (CustomerID, Total) SELECT t.CustomerID, t.Total FROM #totals t;
DROP TABLE #totals;
# reads: dbo.orders
# writes: dbo.customersummary
# flows: dbo.orders -> dbo.customersummary
# columns: dbo.customersummary.customerid <- dbo.orders.customerid [identity]
# columns: dbo.customersummary.total <- dbo.orders.amount [aggregate]

# case: create_temp_then_star
CREATE TABLE #stage (id INT, name NVARCHAR(100));
INSERT INTO #stage (id, name) SELECT id, name FROM dbo.Users WHERE active = 1;
INSERT INTO dbo.ActiveUsers SELECT * FROM #stage;
# reads: dbo.users
# writes: dbo.activeusers
# flows: dbo.users -> dbo.activeusers
# columns: dbo.activeusers.id <- dbo.users.id
# columns: dbo.activeusers.name <- dbo.users.name

# case: global_temp
SELECT * INTO ##shared FROM dbo.a;
INSERT INTO dbo.b SELECT * FROM ##shared;
# reads: dbo.a
# writes: dbo.b
# flows: dbo.a -> dbo.b
# columns: dbo.b.* <- dbo.a.*

# case: table_variable
DECLARE @ids TABLE (id INT);
INSERT INTO @ids SELECT id FROM dbo.flagged;
DELETE FROM dbo.accounts WHERE id IN (SELECT id FROM @ids);
# reads: dbo.flagged
# writes: dbo.accounts
# flows: dbo.flagged -> dbo.accounts
# columns: none
# warnings: no

# case: temp_updated_in_between
SELECT id, price INTO #p FROM dbo.prices;
UPDATE #p SET price = p.price * r.rate FROM #p p JOIN dbo.rates r ON r.id = p.id;
INSERT INTO dbo.converted (id, price) SELECT id, price FROM #p;
# reads: dbo.prices, dbo.rates
# writes: dbo.converted
# flows: dbo.prices -> dbo.converted, dbo.rates -> dbo.converted
# columns: dbo.converted.id <- dbo.prices.id
# columns: dbo.converted.price <- dbo.prices.price, dbo.rates.rate [expression]

# case: temp_table_postgres
# dialect: postgres
CREATE TEMP TABLE tmp_orders AS SELECT id, amount FROM orders WHERE amount > 0;
INSERT INTO order_facts (id, amount) SELECT id, amount * 2 FROM tmp_orders;
# reads: orders
# writes: order_facts
# flows: orders -> order_facts
# columns: order_facts.id <- orders.id
# columns: order_facts.amount <- orders.amount [expression]

# case: temporary_table_snowflake
# dialect: snowflake
CREATE OR REPLACE TEMPORARY TABLE tmp AS SELECT id, region FROM raw.customers;
INSERT INTO mart.by_region SELECT region, COUNT(id) AS n FROM tmp GROUP BY region;
# reads: raw.customers
# writes: mart.by_region
# flows: raw.customers -> mart.by_region
# columns: mart.by_region.region <- raw.customers.region
# columns: mart.by_region.n <- raw.customers.id [aggregate]

# case: temp_table_bigquery
# dialect: bigquery
CREATE TEMP TABLE t1 AS SELECT user_id, country FROM ds.users;
CREATE OR REPLACE TABLE ds.country_users AS
SELECT country, COUNT(DISTINCT user_id) AS users FROM t1 GROUP BY country;
# reads: ds.users
# writes: ds.country_users
# flows: ds.users -> ds.country_users
# columns: ds.country_users.country <- ds.users.country
# columns: ds.country_users.users <- ds.users.user_id [aggregate]

# case: temp_view_spark
# dialect: spark
CREATE OR REPLACE TEMP VIEW recent AS SELECT * FROM db.events WHERE ds > '2024-01-01';
INSERT OVERWRITE TABLE db.recent_events SELECT * FROM recent;
# reads: db.events
# writes: db.recent_events
# flows: db.events -> db.recent_events
# columns: db.recent_events.* <- db.events.*

# case: temporary_view_databricks
# dialect: databricks
CREATE TEMPORARY VIEW v AS SELECT id, amount FROM main.sales.orders;
CREATE TABLE main.sales.order_copy AS SELECT id, amount FROM v;
# reads: main.sales.orders
# writes: main.sales.order_copy
# flows: main.sales.orders -> main.sales.order_copy
# columns: main.sales.order_copy.id <- main.sales.orders.id
# columns: main.sales.order_copy.amount <- main.sales.orders.amount

# case: cache_table_spark
# dialect: spark
CACHE TABLE hot AS SELECT id, score FROM db.scores WHERE score > 90;
INSERT INTO db.top_scores SELECT id, score FROM hot;
# reads: db.scores
# writes: db.top_scores
# flows: db.scores -> db.top_scores
# columns: db.top_scores.id <- db.scores.id
# columns: db.top_scores.score <- db.scores.score

# case: created_and_dropped_in_script
# dialect: postgres
CREATE TABLE work_tmp AS SELECT id, total FROM invoices;
INSERT INTO invoice_report (id, total) SELECT id, total FROM work_tmp;
DROP TABLE work_tmp;
# reads: invoices
# writes: invoice_report
# flows: invoices -> invoice_report
# columns: invoice_report.id <- invoices.id
# columns: invoice_report.total <- invoices.total

# case: drop_before_create_is_a_real_table
# dialect: mysql
DROP TABLE IF EXISTS report;
CREATE TABLE report AS SELECT id, total FROM invoices;
# reads: invoices
# writes: report
# flows: invoices -> report
# columns: report.id <- invoices.id
# columns: report.total <- invoices.total

# case: hash_temp_redshift
# dialect: redshift
SELECT user_id, COUNT(*) AS n INTO #tmp_counts FROM events GROUP BY user_id;
INSERT INTO user_counts SELECT user_id, n FROM #tmp_counts;
# reads: events
# writes: user_counts
# flows: events -> user_counts
# columns: user_counts.user_id <- events.user_id

# case: temp_chain_two_hops_duckdb
# dialect: duckdb
CREATE TEMP TABLE a1 AS SELECT id, v FROM src;
CREATE TEMP TABLE a2 AS SELECT id, v + 1 AS v FROM a1;
INSERT INTO dst SELECT id, v FROM a2;
# reads: src
# writes: dst
# flows: src -> dst
# columns: dst.id <- src.id
# columns: dst.v <- src.v [expression]

# case: temporary_table_hive
# dialect: hive
CREATE TEMPORARY TABLE tmp_join AS
SELECT a.id, b.name FROM db.a a JOIN db.b b ON a.id = b.id;
INSERT INTO TABLE db.out SELECT id, name FROM tmp_join;
# reads: db.a, db.b
# writes: db.out
# flows: db.a -> db.out, db.b -> db.out
# columns: db.out.id <- db.a.id
# columns: db.out.name <- db.b.name

# case: temp_star_without_schema_postgres
# dialect: postgres
CREATE TEMP TABLE snapshot AS SELECT * FROM accounts;
INSERT INTO accounts_history (id, balance) SELECT id, balance FROM snapshot;
# reads: accounts
# writes: accounts_history
# flows: accounts -> accounts_history
# columns: accounts_history.id <- accounts.id
# columns: accounts_history.balance <- accounts.balance

# case: temp_used_by_merge_snowflake
# dialect: snowflake
CREATE TEMPORARY TABLE changes AS SELECT id, status FROM raw.status_events;
MERGE INTO mart.status t USING changes c ON t.id = c.id
WHEN MATCHED THEN UPDATE SET t.status = c.status
WHEN NOT MATCHED THEN INSERT (id, status) VALUES (c.id, c.status);
# reads: raw.status_events
# writes: mart.status
# flows: raw.status_events -> mart.status
# columns: mart.status.id <- raw.status_events.id
# columns: mart.status.status <- raw.status_events.status

# case: temp_view_trino_created_and_dropped
# dialect: trino
CREATE VIEW memory.tmp.v AS SELECT id, total FROM hive.sales.orders;
INSERT INTO hive.sales.order_totals SELECT id, total FROM memory.tmp.v;
DROP VIEW memory.tmp.v;
# reads: hive.sales.orders
# writes: hive.sales.order_totals
# flows: hive.sales.orders -> hive.sales.order_totals
# columns: hive.sales.order_totals.id <- hive.sales.orders.id
# columns: hive.sales.order_totals.total <- hive.sales.orders.total

# case: temp_table_only_is_not_written_mysql
# dialect: mysql
CREATE TEMPORARY TABLE t_scratch AS SELECT id FROM shop.orders;
# reads: shop.orders
# writes:
# flows: none
# columns: none

# case: recreated_temp_starts_afresh_snowflake
# dialect: snowflake
# Each CREATE of batch replaces its rows: mart.done_b is made from raw.inbox_b alone. Column
# lineage still merges both creations of batch (mart.done_b.id <- raw.inbox_a.id,
# raw.inbox_b.id), so columns are left unchecked here.
CREATE OR REPLACE TEMPORARY TABLE batch AS SELECT id FROM raw.inbox_a;
INSERT INTO mart.done_a SELECT id FROM batch;
CREATE OR REPLACE TEMPORARY TABLE batch AS SELECT id FROM raw.inbox_b;
INSERT INTO mart.done_b SELECT id FROM batch;
# reads: raw.inbox_a, raw.inbox_b
# writes: mart.done_a, mart.done_b
# flows: raw.inbox_a -> mart.done_a, raw.inbox_b -> mart.done_b
# warnings: no

# case: temp_grows_in_script_order_tsql
# dialect: tsql
# dbo.b reads #work before dbo.d is added to it; dbo.e reads it after.
SELECT id, v INTO #work FROM dbo.a;
INSERT INTO dbo.b (id, v, w) SELECT t.id, t.v, c.w FROM #work t JOIN dbo.c c ON c.id = t.id;
INSERT INTO #work (id, v) SELECT id, v FROM dbo.d;
INSERT INTO dbo.e (id, v) SELECT id, v FROM #work;
# reads: dbo.a, dbo.c, dbo.d
# writes: dbo.b, dbo.e
# flows: dbo.a -> dbo.b, dbo.c -> dbo.b, dbo.a -> dbo.e, dbo.d -> dbo.e
# columns: dbo.b.id <- dbo.a.id
# columns: dbo.b.v <- dbo.a.v
# columns: dbo.b.w <- dbo.c.w
# columns: dbo.e.id <- dbo.a.id, dbo.d.id
# columns: dbo.e.v <- dbo.a.v, dbo.d.v
# warnings: no
