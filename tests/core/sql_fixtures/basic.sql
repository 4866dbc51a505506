# Plain writes: INSERT, INSERT OVERWRITE, CTAS, views, SELECT INTO, multi-table inserts.
# Format: "# case:" starts a case; "# dialect:", "# defaults:", "# schema:" set it up;
# "# reads:", "# writes:", "# columns: target <- sources [label]" and "# warnings:" state
# what is expected. A file-level "# dialect:" applies to every case that does not set one.
# dialect: postgres

# case: insert_select_column_list
INSERT INTO analytics.orders_clean (id, amount)
SELECT id, amount FROM raw.orders WHERE amount > 0;
# reads: raw.orders
# writes: analytics.orders_clean
# flows: raw.orders -> analytics.orders_clean
# columns: analytics.orders_clean.id <- raw.orders.id [identity]
# columns: analytics.orders_clean.amount <- raw.orders.amount [identity]

# case: ctas_snowflake
# dialect: snowflake
CREATE TABLE mart.customers AS
SELECT c.id, c.name, UPPER(c.email) AS email FROM raw.customers c;
# reads: raw.customers
# writes: mart.customers
# flows: raw.customers -> mart.customers
# columns: mart.customers.id <- raw.customers.id
# columns: mart.customers.name <- raw.customers.name
# columns: mart.customers.email <- raw.customers.email [expression]

# case: create_view_bigquery
# dialect: bigquery
CREATE OR REPLACE VIEW `proj.reporting.v_sales` AS
SELECT order_id, SUM(amount) AS total FROM `proj.sales.orders` GROUP BY order_id;
# reads: proj.sales.orders
# writes: proj.reporting.v_sales
# flows: proj.sales.orders -> proj.reporting.v_sales
# columns: proj.reporting.v_sales.order_id <- proj.sales.orders.order_id
# columns: proj.reporting.v_sales.total <- proj.sales.orders.amount [aggregate]

# case: materialized_view_postgres
CREATE MATERIALIZED VIEW mv_daily AS
SELECT created_at::date AS day, count(*) AS n FROM events GROUP BY 1;
# reads: events
# writes: mv_daily
# flows: events -> mv_daily
# columns: mv_daily.day <- events.created_at [cast]

# case: insert_overwrite_partition_spark
# dialect: spark
INSERT OVERWRITE TABLE dw.fact_sales PARTITION (ds = '2024-01-01')
SELECT s.sale_id, s.amount FROM staging.sales s WHERE s.ds = '2024-01-01';
# reads: staging.sales
# writes: dw.fact_sales
# flows: staging.sales -> dw.fact_sales
# columns: dw.fact_sales.sale_id <- staging.sales.sale_id
# columns: dw.fact_sales.amount <- staging.sales.amount

# case: insert_overwrite_hive
# dialect: hive
INSERT OVERWRITE TABLE db.target SELECT a, b FROM db.source;
# reads: db.source
# writes: db.target
# flows: db.source -> db.target
# columns: db.target.a <- db.source.a
# columns: db.target.b <- db.source.b

# case: select_into_tsql
# dialect: tsql
SELECT CustomerID, SUM(Total) AS Total INTO dbo.CustomerTotals FROM dbo.Orders GROUP BY CustomerID;
# reads: dbo.orders
# writes: dbo.customertotals
# flows: dbo.orders -> dbo.customertotals
# columns: dbo.customertotals.customerid <- dbo.orders.customerid
# columns: dbo.customertotals.total <- dbo.orders.total [aggregate]

# case: select_into_postgres
SELECT id, name INTO archive_users FROM users WHERE deleted;
# reads: users
# writes: archive_users
# flows: users -> archive_users
# columns: archive_users.id <- users.id
# columns: archive_users.name <- users.name

# case: plain_select_reads_only_mysql
# dialect: mysql
SELECT o.id, c.name FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id;
# reads: shop.customers, shop.orders
# writes:
# flows: none
# columns: none

# case: insert_values_duckdb
# dialect: duckdb
INSERT INTO settings (k, v) VALUES ('a', 1), ('b', 2);
# reads:
# writes: settings
# flows: none
# columns: none

# case: ctas_trino_catalogs
# dialect: trino
CREATE TABLE hive.mart.users AS SELECT id, lower(email) AS email FROM postgresql.public.users;
# reads: postgresql.public.users
# writes: hive.mart.users
# flows: postgresql.public.users -> hive.mart.users
# columns: hive.mart.users.id <- postgresql.public.users.id
# columns: hive.mart.users.email <- postgresql.public.users.email [expression]

# case: insert_databricks_three_parts
# dialect: databricks
INSERT INTO main.gold.revenue
SELECT region, SUM(amount) AS revenue FROM main.silver.orders GROUP BY region;
# reads: main.silver.orders
# writes: main.gold.revenue
# flows: main.silver.orders -> main.gold.revenue
# columns: main.gold.revenue.region <- main.silver.orders.region
# columns: main.gold.revenue.revenue <- main.silver.orders.amount [aggregate]

# case: create_or_replace_delta_databricks
# dialect: databricks
CREATE OR REPLACE TABLE gold.dim_customer USING DELTA AS SELECT * FROM silver.customer;
# reads: silver.customer
# writes: gold.dim_customer
# flows: silver.customer -> gold.dim_customer
# columns: gold.dim_customer.* <- silver.customer.*

# case: ctas_distkey_redshift
# dialect: redshift
CREATE TABLE analytics.sessions DISTKEY(user_id) AS
SELECT user_id, MIN(ts) AS first_seen FROM events.raw_events GROUP BY user_id;
# reads: events.raw_events
# writes: analytics.sessions
# flows: events.raw_events -> analytics.sessions
# columns: analytics.sessions.user_id <- events.raw_events.user_id
# columns: analytics.sessions.first_seen <- events.raw_events.ts [aggregate]

# case: insert_backticks_mysql
# dialect: mysql
INSERT INTO `shop`.`order_totals` (`order_id`, `total`)
SELECT `order_id`, SUM(`price` * `qty`) FROM `shop`.`order_items` GROUP BY `order_id`;
# reads: shop.order_items
# writes: shop.order_totals
# flows: shop.order_items -> shop.order_totals
# columns: shop.order_totals.order_id <- shop.order_items.order_id
# columns: shop.order_totals.total <- shop.order_items.price, shop.order_items.qty [aggregate]

# case: ctas_duckdb
# dialect: duckdb
CREATE TABLE summary AS SELECT category, AVG(price) AS avg_price FROM products GROUP BY category;
# reads: products
# writes: summary
# flows: products -> summary
# columns: summary.category <- products.category
# columns: summary.avg_price <- products.price [aggregate]

# case: ctas_stored_as_hive
# dialect: hive
CREATE TABLE IF NOT EXISTS db.t2 STORED AS ORC AS SELECT id, name FROM db.t1;
# reads: db.t1
# writes: db.t2
# flows: db.t1 -> db.t2
# columns: db.t2.id <- db.t1.id
# columns: db.t2.name <- db.t1.name

# case: create_table_without_query
CREATE TABLE audit_log (id bigint, message text);
# reads:
# writes: audit_log
# flows: none
# columns: none

# case: create_table_like_mysql
# dialect: mysql
CREATE TABLE orders_copy LIKE orders;
# reads:
# writes: orders_copy
# flows: none
# columns: none

# case: clone_snowflake
# dialect: snowflake
CREATE TABLE dev.orders CLONE prod.orders;
# reads: prod.orders
# writes: dev.orders
# flows: prod.orders -> dev.orders
# columns: none
# warnings: no

# case: multi_insert_hive
# dialect: hive
FROM raw.events e
INSERT OVERWRITE TABLE mart.clicks SELECT e.user_id, e.url WHERE e.kind = 'click'
INSERT OVERWRITE TABLE mart.views SELECT e.user_id, e.page WHERE e.kind = 'view';
# reads: raw.events
# writes: mart.clicks, mart.views
# flows: raw.events -> mart.clicks, raw.events -> mart.views
# columns: mart.clicks.user_id <- raw.events.user_id
# columns: mart.clicks.url <- raw.events.url
# columns: mart.views.user_id <- raw.events.user_id
# columns: mart.views.page <- raw.events.page

# case: insert_all_snowflake
# dialect: snowflake
INSERT ALL
  INTO small_orders (id, amount) VALUES (id, amount)
  INTO big_orders (id, amount) VALUES (id, amount)
SELECT id, amount FROM orders;
# reads: orders
# writes: big_orders, small_orders
# flows: orders -> big_orders, orders -> small_orders
# INTO ... VALUES (id, amount) is not traced to the SELECT yet: columns stay unchecked.
# warnings: no

# case: insert_table_spark
# dialect: spark
INSERT INTO db.copy TABLE db.original;
# reads: db.original
# writes: db.copy
# flows: db.original -> db.copy
# columns: db.copy.* <- db.original.*

# case: insert_overwrite_snowflake
# dialect: snowflake
INSERT OVERWRITE INTO mart.latest SELECT id, status FROM raw.status_feed;
# reads: raw.status_feed
# writes: mart.latest
# flows: raw.status_feed -> mart.latest
# columns: mart.latest.id <- raw.status_feed.id
# columns: mart.latest.status <- raw.status_feed.status

# case: view_with_column_list_trino
# dialect: trino
CREATE OR REPLACE VIEW reporting.v_users (user_id, user_email) AS SELECT id, email FROM crm.users;
# reads: crm.users
# writes: reporting.v_users
# flows: crm.users -> reporting.v_users
# columns: reporting.v_users.user_id <- crm.users.id
# columns: reporting.v_users.user_email <- crm.users.email

# case: insert_select_same_table_redshift
# dialect: redshift
INSERT INTO public.events SELECT * FROM public.events WHERE ts > getdate() - 1;
# reads: public.events
# writes: public.events
# flows: none
# columns: public.events.* <- public.events.*

# case: select_into_first_branch_of_union_tsql
# dialect: tsql
SELECT CustomerID, Email INTO dbo.AllContacts FROM dbo.Customers
UNION
SELECT SupplierID, Email FROM dbo.Suppliers;
# reads: dbo.customers, dbo.suppliers
# writes: dbo.allcontacts
# flows: dbo.customers -> dbo.allcontacts, dbo.suppliers -> dbo.allcontacts
# columns: dbo.allcontacts.customerid <- dbo.customers.customerid, dbo.suppliers.supplierid
# columns: dbo.allcontacts.email <- dbo.customers.email, dbo.suppliers.email
# warnings: no

# case: select_into_union_all_temp_then_insert_tsql
# dialect: tsql
SELECT id, amount INTO #sales FROM shop.Orders
UNION ALL SELECT id, amount FROM shop.Refunds
UNION ALL SELECT id, amount FROM shop.Adjustments;
INSERT INTO mart.Sales (id, amount) SELECT id, amount FROM #sales;
# reads: shop.orders, shop.refunds, shop.adjustments
# writes: mart.sales
# flows: shop.adjustments -> mart.sales, shop.orders -> mart.sales, shop.refunds -> mart.sales
# columns: mart.sales.id <- shop.orders.id, shop.refunds.id, shop.adjustments.id
# columns: mart.sales.amount <- shop.orders.amount, shop.refunds.amount, shop.adjustments.amount
# warnings: no

# case: select_into_union_postgres
SELECT id, name INTO archive.people FROM users WHERE deleted
UNION SELECT id, name FROM contractors WHERE ended;
# reads: users, contractors
# writes: archive.people
# flows: contractors -> archive.people, users -> archive.people
# columns: archive.people.id <- users.id, contractors.id
# columns: archive.people.name <- users.name, contractors.name
# warnings: no

# case: view_query_in_double_parentheses_postgres
CREATE VIEW reporting.active AS ((SELECT id, email FROM app.users WHERE active));
# reads: app.users
# writes: reporting.active
# flows: app.users -> reporting.active
# columns: reporting.active.id <- app.users.id
# columns: reporting.active.email <- app.users.email
# warnings: no

# case: view_union_in_nested_parentheses_snowflake
# dialect: snowflake
CREATE OR REPLACE VIEW mart.ids AS (((SELECT id FROM raw.a) UNION ALL ((SELECT id FROM raw.b))));
# reads: raw.a, raw.b
# writes: mart.ids
# flows: raw.a -> mart.ids, raw.b -> mart.ids
# columns: mart.ids.id <- raw.a.id, raw.b.id
# warnings: no

# case: insert_query_in_double_parentheses_mysql
# dialect: mysql
INSERT INTO shop.totals (customer_id, total) ((SELECT customer_id, SUM(amount) FROM shop.orders GROUP BY customer_id));
# reads: shop.orders
# writes: shop.totals
# flows: shop.orders -> shop.totals
# columns: shop.totals.customer_id <- shop.orders.customer_id
# columns: shop.totals.total <- shop.orders.amount [aggregate]
# warnings: no
