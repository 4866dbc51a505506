# CTEs: chained, nested, recursive, column-aliased, and CTEs that shadow real tables.
# dialect: postgres

# case: simple_cte
WITH recent AS (SELECT id, amount FROM orders WHERE created_at > now() - interval '1 day')
INSERT INTO recent_orders SELECT id, amount FROM recent;
# reads: orders
# writes: recent_orders
# flows: orders -> recent_orders
# columns: recent_orders.id <- orders.id
# columns: recent_orders.amount <- orders.amount

# case: insert_then_with
INSERT INTO totals
WITH c AS (SELECT customer_id, amount FROM payments)
SELECT customer_id, SUM(amount) AS total FROM c GROUP BY customer_id;
# reads: payments
# writes: totals
# flows: payments -> totals
# columns: totals.customer_id <- payments.customer_id
# columns: totals.total <- payments.amount [aggregate]

# case: chained_ctes_snowflake
# dialect: snowflake
CREATE TABLE mart.active_customers AS
WITH o AS (SELECT customer_id, order_date FROM raw.orders),
     last_order AS (SELECT customer_id, MAX(order_date) AS last_date FROM o GROUP BY customer_id),
     c AS (SELECT id, name FROM raw.customers)
SELECT c.id, c.name, l.last_date FROM c JOIN last_order l ON l.customer_id = c.id;
# reads: raw.customers, raw.orders
# writes: mart.active_customers
# flows: raw.customers -> mart.active_customers, raw.orders -> mart.active_customers
# columns: mart.active_customers.id <- raw.customers.id
# columns: mart.active_customers.name <- raw.customers.name
# columns: mart.active_customers.last_date <- raw.orders.order_date [aggregate]

# case: cte_shadows_table
WITH orders AS (SELECT id, amount FROM orders WHERE amount > 100)
INSERT INTO big_orders SELECT id, amount FROM orders;
# reads: orders
# writes: big_orders
# flows: orders -> big_orders
# columns: big_orders.id <- orders.id
# columns: big_orders.amount <- orders.amount

# case: cte_shadows_only_unqualified_bigquery
# dialect: bigquery
WITH customers AS (SELECT id FROM crm.accounts)
SELECT customers.id FROM customers JOIN sales.customers sc ON sc.id = customers.id;
# reads: crm.accounts, sales.customers
# writes:
# flows: none
# columns: none
# warnings: no

# case: with_inside_derived_table
INSERT INTO out_t
SELECT x.id FROM (WITH inner_c AS (SELECT id FROM src_a) SELECT id FROM inner_c) x;
# reads: src_a
# writes: out_t
# flows: src_a -> out_t
# columns: out_t.id <- src_a.id

# case: with_nested_in_cte_duckdb
# dialect: duckdb
CREATE TABLE res AS
WITH outer_c AS (
  WITH inner_c AS (SELECT k, v FROM kv)
  SELECT k, v * 2 AS v2 FROM inner_c
)
SELECT k, v2 FROM outer_c;
# reads: kv
# writes: res
# flows: kv -> res
# columns: res.k <- kv.k
# columns: res.v2 <- kv.v [expression]

# case: recursive_cte
WITH RECURSIVE tree AS (
  SELECT id, parent_id, name FROM categories WHERE parent_id IS NULL
  UNION ALL
  SELECT c.id, c.parent_id, c.name FROM categories c JOIN tree t ON c.parent_id = t.id
)
INSERT INTO category_tree SELECT id, parent_id, name FROM tree;
# reads: categories
# writes: category_tree
# flows: categories -> category_tree
# columns: category_tree.id <- categories.id
# columns: category_tree.parent_id <- categories.parent_id
# columns: category_tree.name <- categories.name

# case: cte_used_twice_tsql
# dialect: tsql
WITH s AS (SELECT region, amount FROM dbo.sales)
INSERT INTO dbo.region_stats (region, total, biggest)
SELECT a.region, SUM(a.amount), (SELECT MAX(b.amount) FROM s b WHERE b.region = a.region)
FROM s a GROUP BY a.region;
# reads: dbo.sales
# writes: dbo.region_stats
# flows: dbo.sales -> dbo.region_stats
# columns: dbo.region_stats.region <- dbo.sales.region
# columns: dbo.region_stats.total <- dbo.sales.amount [aggregate]
# columns: dbo.region_stats.biggest <- dbo.sales.amount [aggregate]

# case: cte_column_aliases
WITH c (cust, total) AS (SELECT customer_id, SUM(amount) FROM orders GROUP BY customer_id)
INSERT INTO customer_totals SELECT cust, total FROM c;
# reads: orders
# writes: customer_totals
# flows: orders -> customer_totals
# columns: customer_totals.cust <- orders.customer_id
# columns: customer_totals.total <- orders.amount [aggregate]

# case: cte_before_insert_overwrite_spark
# dialect: spark
WITH base AS (SELECT user_id, event_time FROM logs.events)
INSERT OVERWRITE TABLE logs.daily_users
SELECT user_id, to_date(event_time) AS day FROM base;
# reads: logs.events
# writes: logs.daily_users
# flows: logs.events -> logs.daily_users
# columns: logs.daily_users.user_id <- logs.events.user_id
# columns: logs.daily_users.day <- logs.events.event_time [expression]

# case: cte_name_case_insensitive_snowflake
# dialect: snowflake
WITH Recent AS (SELECT id FROM raw.events)
INSERT INTO mart.ids SELECT id FROM RECENT;
# reads: raw.events
# writes: mart.ids
# flows: raw.events -> mart.ids
# columns: mart.ids.id <- raw.events.id

# case: cte_hive
# dialect: hive
WITH t AS (SELECT a FROM db.src) INSERT INTO TABLE db.dst SELECT a FROM t;
# reads: db.src
# writes: db.dst
# flows: db.src -> db.dst
# columns: db.dst.a <- db.src.a

# case: cte_after_insert_mysql
# dialect: mysql
INSERT INTO report (day, cnt)
WITH d AS (SELECT DATE(created) AS day FROM visits)
SELECT day, COUNT(*) FROM d GROUP BY day;
# reads: visits
# writes: report
# flows: visits -> report
# columns: report.day <- visits.created [expression]

# case: unused_cte_still_read_redshift
# dialect: redshift
WITH unused AS (SELECT * FROM stage.a), used AS (SELECT id FROM stage.b)
INSERT INTO prod.c SELECT id FROM used;
# reads: stage.a, stage.b
# writes: prod.c
# flows: stage.a -> prod.c, stage.b -> prod.c
# columns: prod.c.id <- stage.b.id

# case: cte_with_window_trino
# dialect: trino
CREATE TABLE iceberg.mart.top_products AS
WITH ranked AS (
  SELECT product_id, revenue, rank() OVER (ORDER BY revenue DESC) AS rnk
  FROM iceberg.mart.product_revenue
)
SELECT product_id, revenue, rnk FROM ranked WHERE rnk <= 10;
# reads: iceberg.mart.product_revenue
# writes: iceberg.mart.top_products
# flows: iceberg.mart.product_revenue -> iceberg.mart.top_products
# columns: iceberg.mart.top_products.product_id <- iceberg.mart.product_revenue.product_id
# columns: iceberg.mart.top_products.revenue <- iceberg.mart.product_revenue.revenue
# columns: iceberg.mart.top_products.rnk <- iceberg.mart.product_revenue.revenue [window]

# case: later_cte_shadows_table_in_earlier_cte_databricks
# dialect: databricks
WITH a AS (SELECT id FROM b), b AS (SELECT id FROM raw.b_source)
INSERT INTO gold.out SELECT a.id FROM a JOIN b ON a.id = b.id;
# reads: b, raw.b_source
# writes: gold.out
# flows: b -> gold.out, raw.b_source -> gold.out
# columns: gold.out.id <- b.id

# case: cte_star_passthrough_duckdb
# dialect: duckdb
WITH everything AS (SELECT * FROM events)
INSERT INTO event_ids SELECT id, kind FROM everything;
# reads: events
# writes: event_ids
# flows: events -> event_ids
# columns: event_ids.id <- events.id
# columns: event_ids.kind <- events.kind

# case: cte_in_update_postgres
WITH latest AS (SELECT account_id, MAX(balance) AS balance FROM snapshots GROUP BY account_id)
UPDATE accounts SET balance = latest.balance FROM latest WHERE latest.account_id = accounts.id;
# reads: snapshots
# writes: accounts
# flows: snapshots -> accounts
# columns: accounts.balance <- snapshots.balance [aggregate]
