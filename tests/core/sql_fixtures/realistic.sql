# Longer, real-world shaped statements, written after the extractor was otherwise complete.
# dialect: snowflake

# case: dbt_style_incremental_snowflake
CREATE OR REPLACE TABLE analytics.fct_orders AS
WITH orders AS (
    SELECT id AS order_id, customer_id, status, amount_cents / 100.0 AS amount, created_at
    FROM raw.shop.orders
),
payments AS (
    SELECT order_id, SUM(CASE WHEN status = 'success' THEN amount ELSE 0 END) AS paid
    FROM raw.stripe.payments GROUP BY order_id
)
SELECT o.order_id, o.customer_id, o.amount, COALESCE(p.paid, 0) AS paid, o.created_at::date AS order_date
FROM orders o LEFT JOIN payments p USING (order_id);
# reads: raw.shop.orders, raw.stripe.payments
# writes: analytics.fct_orders
# flows: raw.shop.orders -> analytics.fct_orders, raw.stripe.payments -> analytics.fct_orders
# columns: analytics.fct_orders.order_id <- raw.shop.orders.id
# columns: analytics.fct_orders.customer_id <- raw.shop.orders.customer_id
# columns: analytics.fct_orders.amount <- raw.shop.orders.amount_cents [expression]
# columns: analytics.fct_orders.paid <- raw.stripe.payments.amount, raw.stripe.payments.status [aggregate]
# columns: analytics.fct_orders.order_date <- raw.shop.orders.created_at [cast]

# case: scd2_merge_snowflake
MERGE INTO dim.customer d
USING (
  SELECT s.id, s.email, s.tier, CURRENT_TIMESTAMP() AS loaded_at FROM staging.customer s
  JOIN dim.customer c ON c.id = s.id AND c.is_current
  WHERE c.email <> s.email OR c.tier <> s.tier
) u ON d.id = u.id AND d.is_current
WHEN MATCHED THEN UPDATE SET d.is_current = FALSE, d.valid_to = u.loaded_at;
# reads: dim.customer, staging.customer
# writes: dim.customer
# flows: staging.customer -> dim.customer
# columns: none

# case: sessionization_bigquery
# dialect: bigquery
CREATE OR REPLACE TABLE `proj.web.sessions` AS
SELECT user_id, session_id, MIN(ts) AS started_at, MAX(ts) AS ended_at, COUNT(*) AS hits
FROM (
  SELECT user_id, ts,
    SUM(IF(gap > 1800, 1, 0)) OVER (PARTITION BY user_id ORDER BY ts) AS session_id
  FROM (
    SELECT user_id, ts, TIMESTAMP_DIFF(ts, LAG(ts) OVER (PARTITION BY user_id ORDER BY ts), SECOND) AS gap
    FROM `proj.web.hits`
  )
)
GROUP BY user_id, session_id;
# reads: proj.web.hits
# writes: proj.web.sessions
# flows: proj.web.hits -> proj.web.sessions
# columns: proj.web.sessions.user_id <- proj.web.hits.user_id
# columns: proj.web.sessions.session_id <- proj.web.hits.ts, proj.web.hits.user_id [window]
# columns: proj.web.sessions.started_at <- proj.web.hits.ts [aggregate]
# columns: proj.web.sessions.ended_at <- proj.web.hits.ts [aggregate]

# case: tsql_etl_procedure_style_script
# dialect: tsql
IF OBJECT_ID('tempdb..#changed') IS NOT NULL DROP TABLE #changed;
SELECT s.CustomerKey, s.Email INTO #changed
FROM stg.Customer s JOIN dw.DimCustomer d ON d.CustomerKey = s.CustomerKey
WHERE d.Email <> s.Email;
UPDATE d SET d.Email = c.Email, d.UpdatedAt = GETDATE()
FROM dw.DimCustomer d JOIN #changed c ON c.CustomerKey = d.CustomerKey;
# reads: dw.dimcustomer, stg.customer
# writes: dw.dimcustomer
# flows: stg.customer -> dw.dimcustomer
# columns: dw.dimcustomer.email <- stg.customer.email

# case: spark_dedup_insert_overwrite
# dialect: spark
INSERT OVERWRITE TABLE silver.events
SELECT event_id, user_id, event_type, event_ts
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY ingested_at DESC) AS rn
  FROM bronze.events
) t
WHERE rn = 1;
# reads: bronze.events
# writes: silver.events
# flows: bronze.events -> silver.events
# columns: silver.events.event_id <- bronze.events.event_id
# columns: silver.events.user_id <- bronze.events.user_id
# columns: silver.events.event_type <- bronze.events.event_type
# columns: silver.events.event_ts <- bronze.events.event_ts

# case: databricks_merge_cdc
# dialect: databricks
MERGE INTO gold.accounts AS t
USING (
  SELECT id, balance, op FROM silver.account_changes
  QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY seq DESC) = 1
) AS s
ON t.id = s.id
WHEN MATCHED AND s.op = 'D' THEN DELETE
WHEN MATCHED THEN UPDATE SET t.balance = s.balance
WHEN NOT MATCHED AND s.op <> 'D' THEN INSERT (id, balance) VALUES (s.id, s.balance);
# reads: silver.account_changes
# writes: gold.accounts
# flows: silver.account_changes -> gold.accounts
# columns: gold.accounts.balance <- silver.account_changes.balance
# columns: gold.accounts.id <- silver.account_changes.id

# case: redshift_upsert_pattern
# dialect: redshift
BEGIN TRANSACTION;
CREATE TEMP TABLE stage_users (LIKE prod.users);
INSERT INTO stage_users SELECT * FROM landing.users;
DELETE FROM prod.users USING stage_users WHERE prod.users.id = stage_users.id;
INSERT INTO prod.users SELECT * FROM stage_users;
END TRANSACTION;
# reads: landing.users
# writes: prod.users
# flows: landing.users -> prod.users
# columns: prod.users.* <- landing.users.*

# case: postgres_report_with_filters
# dialect: postgres
INSERT INTO reporting.monthly_revenue (month, region, revenue, orders)
SELECT date_trunc('month', o.created_at) AS month, r.name, SUM(oi.quantity * oi.unit_price), COUNT(DISTINCT o.id)
FROM sales.orders o
JOIN sales.order_items oi ON oi.order_id = o.id
JOIN geo.regions r ON r.id = o.region_id
WHERE o.status NOT IN (SELECT status FROM sales.excluded_statuses)
GROUP BY 1, 2
HAVING SUM(oi.quantity * oi.unit_price) > 0;
# reads: geo.regions, sales.excluded_statuses, sales.order_items, sales.orders
# writes: reporting.monthly_revenue
# flows: geo.regions -> reporting.monthly_revenue, sales.excluded_statuses -> reporting.monthly_revenue, sales.order_items -> reporting.monthly_revenue, sales.orders -> reporting.monthly_revenue
# columns: reporting.monthly_revenue.month <- sales.orders.created_at [expression]
# columns: reporting.monthly_revenue.region <- geo.regions.name
# columns: reporting.monthly_revenue.revenue <- sales.order_items.quantity, sales.order_items.unit_price [aggregate]
# columns: reporting.monthly_revenue.orders <- sales.orders.id [aggregate]

# case: mysql_summary_with_derived
# dialect: mysql
INSERT INTO crm.customer_summary (customer_id, orders, last_order)
SELECT c.id, IFNULL(x.cnt, 0), x.last_at
FROM crm.customers c
LEFT JOIN (SELECT customer_id, COUNT(*) AS cnt, MAX(created_at) AS last_at FROM shop.orders GROUP BY customer_id) x
  ON x.customer_id = c.id;
# reads: crm.customers, shop.orders
# writes: crm.customer_summary
# flows: crm.customers -> crm.customer_summary, shop.orders -> crm.customer_summary
# columns: crm.customer_summary.customer_id <- crm.customers.id
# columns: crm.customer_summary.last_order <- shop.orders.created_at [aggregate]

# case: trino_cross_catalog_join
# dialect: trino
INSERT INTO iceberg.analytics.enriched_events
SELECT e.event_id, e.user_id, u.country, from_unixtime(e.ts) AS event_time
FROM kafka.default.events e
JOIN postgresql.public.users u ON u.id = e.user_id;
# reads: kafka.default.events, postgresql.public.users
# writes: iceberg.analytics.enriched_events
# flows: kafka.default.events -> iceberg.analytics.enriched_events, postgresql.public.users -> iceberg.analytics.enriched_events
# columns: iceberg.analytics.enriched_events.event_id <- kafka.default.events.event_id
# columns: iceberg.analytics.enriched_events.user_id <- kafka.default.events.user_id
# columns: iceberg.analytics.enriched_events.country <- postgresql.public.users.country
# columns: iceberg.analytics.enriched_events.event_time <- kafka.default.events.ts [expression]

# case: duckdb_pipeline_from_files
# dialect: duckdb
CREATE TABLE raw_trips AS SELECT * FROM read_csv_auto('trips/*.csv');
CREATE TABLE trip_stats AS
SELECT vendor_id, AVG(fare) AS avg_fare, COUNT(*) AS trips FROM raw_trips GROUP BY vendor_id;
COPY trip_stats TO 'out/trip_stats.parquet' (FORMAT PARQUET);
# reads: raw_trips, trip_stats
# writes: raw_trips, trip_stats
# flows: raw_trips -> trip_stats
# columns: trip_stats.vendor_id <- raw_trips.vendor_id
# columns: trip_stats.avg_fare <- raw_trips.fare [aggregate]

# case: hive_partition_rebuild
# dialect: hive
SET hive.exec.dynamic.partition=true;
INSERT OVERWRITE TABLE dw.page_views PARTITION (dt)
SELECT v.user_id, v.url, p.category, v.dt
FROM ods.views v LEFT OUTER JOIN dim.pages p ON p.url = v.url
WHERE v.dt >= '2024-01-01';
# reads: dim.pages, ods.views
# writes: dw.page_views
# flows: dim.pages -> dw.page_views, ods.views -> dw.page_views
# columns: dw.page_views.user_id <- ods.views.user_id
# columns: dw.page_views.url <- ods.views.url
# columns: dw.page_views.category <- dim.pages.category
# columns: dw.page_views.dt <- ods.views.dt

# case: snowflake_semi_structured
CREATE OR REPLACE TABLE curated.devices AS
SELECT raw:device_id::string AS device_id, raw:os.name::string AS os_name, ingested_at
FROM landing.device_events;
# reads: landing.device_events
# writes: curated.devices
# flows: landing.device_events -> curated.devices
# columns: curated.devices.device_id <- landing.device_events.raw [expression]
# columns: curated.devices.os_name <- landing.device_events.raw [expression]
# columns: curated.devices.ingested_at <- landing.device_events.ingested_at

# case: bigquery_scripting_temp_and_merge
# dialect: bigquery
CREATE TEMP TABLE latest AS
SELECT * EXCEPT(rn) FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY updated_at DESC) AS rn FROM `p.stage.items`
) WHERE rn = 1;
MERGE `p.core.items` T USING latest S ON T.id = S.id
WHEN MATCHED THEN UPDATE SET name = S.name, price = S.price
WHEN NOT MATCHED THEN INSERT (id, name, price) VALUES (S.id, S.name, S.price);
# reads: p.stage.items
# writes: p.core.items
# flows: p.stage.items -> p.core.items
# columns: p.core.items.id <- p.stage.items.id
# columns: p.core.items.name <- p.stage.items.name
# columns: p.core.items.price <- p.stage.items.price

# case: tsql_insert_from_cte_with_joins
# dialect: tsql
WITH last_status AS (
  SELECT OrderID, Status, ROW_NUMBER() OVER (PARTITION BY OrderID ORDER BY ChangedAt DESC) AS rn
  FROM dbo.OrderStatusHistory
)
INSERT INTO rpt.OrderStatus (OrderID, CustomerName, Status)
SELECT o.OrderID, c.Name, ls.Status
FROM dbo.Orders o
JOIN dbo.Customers c ON c.CustomerID = o.CustomerID
JOIN last_status ls ON ls.OrderID = o.OrderID AND ls.rn = 1;
# reads: dbo.customers, dbo.orders, dbo.orderstatushistory
# writes: rpt.orderstatus
# flows: dbo.customers -> rpt.orderstatus, dbo.orders -> rpt.orderstatus, dbo.orderstatushistory -> rpt.orderstatus
# columns: rpt.orderstatus.orderid <- dbo.orders.orderid
# columns: rpt.orderstatus.customername <- dbo.customers.name
# columns: rpt.orderstatus.status <- dbo.orderstatushistory.status
