# Column level: expressions, CASE, windows, aggregates, column lists, stars, ambiguity.
# dialect: postgres

# case: concat_expression
INSERT INTO people (full_name) SELECT first_name || ' ' || last_name FROM raw_people;
# reads: raw_people
# writes: people
# flows: raw_people -> people
# columns: people.full_name <- raw_people.first_name, raw_people.last_name [expression]

# case: searched_case_snowflake
# dialect: snowflake
CREATE TABLE mart.tiers AS
SELECT id, CASE WHEN spend > 1000 THEN 'gold' WHEN visits > 10 THEN 'silver' ELSE tier END AS tier
FROM raw.customers;
# reads: raw.customers
# writes: mart.tiers
# flows: raw.customers -> mart.tiers
# columns: mart.tiers.id <- raw.customers.id
# columns: mart.tiers.tier <- raw.customers.spend, raw.customers.tier, raw.customers.visits [case]

# case: row_number_window_bigquery
# dialect: bigquery
CREATE TABLE ds.ranked AS
SELECT id, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY created_at DESC) AS rn FROM ds.orders;
# reads: ds.orders
# writes: ds.ranked
# flows: ds.orders -> ds.ranked
# columns: ds.ranked.id <- ds.orders.id
# columns: ds.ranked.rn <- ds.orders.created_at, ds.orders.customer_id [window]

# case: running_total_window_trino
# dialect: trino
INSERT INTO running (day, total)
SELECT day, SUM(amount) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM sales;
# reads: sales
# writes: running
# flows: sales -> running
# columns: running.day <- sales.day
# columns: running.total <- sales.amount, sales.day [window]

# case: count_distinct_mysql
# dialect: mysql
INSERT INTO stats (product, buyers) SELECT product, COUNT(DISTINCT user_id) FROM purchases GROUP BY product;
# reads: purchases
# writes: stats
# flows: purchases -> stats
# columns: stats.product <- purchases.product
# columns: stats.buyers <- purchases.user_id [aggregate]

# case: coalesce_across_join_duckdb
# dialect: duckdb
CREATE TABLE contacts AS
SELECT c.id, COALESCE(p.email, c.email) AS email FROM customers c LEFT JOIN profiles p ON p.customer_id = c.id;
# reads: customers, profiles
# writes: contacts
# flows: customers -> contacts, profiles -> contacts
# columns: contacts.id <- customers.id
# columns: contacts.email <- customers.email, profiles.email [expression]

# case: insert_column_list_reordered
INSERT INTO t (b, a) SELECT x, y FROM s;
# reads: s
# writes: t
# flows: s -> t
# columns: t.b <- s.x
# columns: t.a <- s.y

# case: star_expanded_with_schema_join_redshift
# dialect: redshift
# schema: a: id, x
# schema: b: id, y
INSERT INTO t SELECT a.*, b.y AS y2 FROM a JOIN b ON a.id = b.id;
# reads: a, b
# writes: t
# flows: a -> t, b -> t
# columns: t.id <- a.id
# columns: t.x <- a.x
# columns: t.y2 <- b.y

# case: bare_star_expanded_over_join_with_schema_hive
# dialect: hive
# schema: db.a: id, x
# schema: db.b: k, y
INSERT INTO TABLE db.t SELECT * FROM db.a JOIN db.b ON db.a.id = db.b.k;
# reads: db.a, db.b
# writes: db.t
# flows: db.a -> db.t, db.b -> db.t
# columns: db.t.id <- db.a.id
# columns: db.t.x <- db.a.x
# columns: db.t.k <- db.b.k
# columns: db.t.y <- db.b.y

# case: star_unknown_without_schema_spark
# dialect: spark
INSERT INTO db.t SELECT * FROM db.s;
# reads: db.s
# writes: db.t
# flows: db.s -> db.t
# columns: db.t.* <- db.s.*

# case: qualified_star_unknown_tsql
# dialect: tsql
INSERT INTO dbo.t SELECT o.* FROM dbo.orders o JOIN dbo.customers c ON c.id = o.customer_id;
# reads: dbo.customers, dbo.orders
# writes: dbo.t
# flows: dbo.customers -> dbo.t, dbo.orders -> dbo.t
# columns: dbo.t.* <- dbo.orders.*

# case: ambiguous_without_schema_warns
INSERT INTO t (a, b) SELECT x, s2.y FROM s1 JOIN s2 ON s1.id = s2.id;
# reads: s1, s2
# writes: t
# flows: s1 -> t, s2 -> t
# columns: t.b <- s2.y
# warnings: yes

# case: ambiguous_resolved_by_schema_databricks
# dialect: databricks
# schema: s1: id, x
# schema: s2: id, y
INSERT INTO t SELECT x, y FROM s1 JOIN s2 ON s1.id = s2.id;
# reads: s1, s2
# writes: t
# flows: s1 -> t, s2 -> t
# columns: t.x <- s1.x
# columns: t.y <- s2.y
# warnings: no

# case: unqualified_resolved_by_known_cte_columns_snowflake
# dialect: snowflake
WITH c AS (SELECT id AS cid FROM raw.a)
INSERT INTO mart.t SELECT cid, name FROM c JOIN raw.b ON raw.b.id = c.cid;
# reads: raw.a, raw.b
# writes: mart.t
# flows: raw.a -> mart.t, raw.b -> mart.t
# columns: mart.t.cid <- raw.a.id
# columns: mart.t.name <- raw.b.name

# case: lateral_column_alias_snowflake
# dialect: snowflake
CREATE TABLE mart.calc AS SELECT amount * 2 AS doubled, doubled + fee AS total FROM raw.payments;
# reads: raw.payments
# writes: mart.calc
# flows: raw.payments -> mart.calc
# columns: mart.calc.doubled <- raw.payments.amount [expression]
# columns: mart.calc.total <- raw.payments.amount, raw.payments.fee [expression]

# case: update_set_several_columns_mysql
# dialect: mysql
UPDATE users u JOIN profiles p ON p.user_id = u.id
SET u.display = CONCAT(p.first, ' ', p.last), u.age = p.age, u.updated = NOW();
# reads: profiles
# writes: users
# flows: profiles -> users
# columns: users.display <- profiles.first, profiles.last [expression]
# columns: users.age <- profiles.age

# case: nested_functions_cast_hive
# dialect: hive
INSERT INTO TABLE db.clean SELECT CAST(TRIM(raw_id) AS INT) AS id, amount FROM db.raw;
# reads: db.raw
# writes: db.clean
# flows: db.raw -> db.clean
# columns: db.clean.id <- db.raw.raw_id [expression]
# columns: db.clean.amount <- db.raw.amount

# case: plain_cast_trino
# dialect: trino
INSERT INTO t (id) SELECT CAST(id_text AS bigint) FROM s;
# reads: s
# writes: t
# flows: s -> t
# columns: t.id <- s.id_text [cast]

# case: literals_are_not_mapped_duckdb
# dialect: duckdb
INSERT INTO audit (id, source, loaded_at) SELECT id, 'crm', now() FROM crm_users;
# reads: crm_users
# writes: audit
# flows: crm_users -> audit
# columns: audit.id <- crm_users.id

# case: star_except_bigquery
# dialect: bigquery
# schema: ds.users: id, email, password_hash
CREATE TABLE ds.safe_users AS SELECT * EXCEPT (password_hash) FROM ds.users;
# reads: ds.users
# writes: ds.safe_users
# flows: ds.users -> ds.safe_users
# columns: ds.safe_users.id <- ds.users.id
# columns: ds.safe_users.email <- ds.users.email

# case: insert_by_name_duckdb
# dialect: duckdb
# schema: target_t: a, b
INSERT INTO target_t BY NAME SELECT y AS b, x AS a FROM source_t;
# reads: source_t
# writes: target_t
# flows: source_t -> target_t
# columns: target_t.b <- source_t.y
# columns: target_t.a <- source_t.x

# case: insert_positional_into_known_target_mysql
# dialect: mysql
# schema: t: c1, c2
INSERT INTO t SELECT a, b FROM s;
# reads: s
# writes: t
# flows: s -> t
# columns: t.c1 <- s.a
# columns: t.c2 <- s.b

# case: target_columns_from_create_in_script_tsql
# dialect: tsql
CREATE TABLE dbo.t (c1 INT, c2 INT);
INSERT INTO dbo.t SELECT a, b FROM dbo.s;
# reads: dbo.s
# writes: dbo.t
# flows: dbo.s -> dbo.t
# columns: dbo.t.c1 <- dbo.s.a
# columns: dbo.t.c2 <- dbo.s.b

# case: string_agg_group_by
INSERT INTO tag_lists (post_id, tags) SELECT post_id, string_agg(tag, ',' ORDER BY tag) FROM post_tags GROUP BY post_id;
# reads: post_tags
# writes: tag_lists
# flows: post_tags -> tag_lists
# columns: tag_lists.post_id <- post_tags.post_id
# columns: tag_lists.tags <- post_tags.tag [aggregate]

# case: window_over_aggregate_spark
# dialect: spark
INSERT INTO db.shares
SELECT region, SUM(amount) / SUM(SUM(amount)) OVER () AS share FROM db.sales GROUP BY region;
# reads: db.sales
# writes: db.shares
# flows: db.sales -> db.shares
# columns: db.shares.region <- db.sales.region
# columns: db.shares.share <- db.sales.amount [window]

# case: if_function_bigquery
# dialect: bigquery
CREATE TABLE ds.flags AS SELECT id, IF(score > 50, 'pass', 'fail') AS result FROM ds.exams;
# reads: ds.exams
# writes: ds.flags
# flows: ds.exams -> ds.flags
# columns: ds.flags.id <- ds.exams.id
# columns: ds.flags.result <- ds.exams.score [case]

# case: iif_tsql
# dialect: tsql
SELECT id, IIF(qty > 0, price * qty, 0) AS value INTO dbo.values_out FROM dbo.lines;
# reads: dbo.lines
# writes: dbo.values_out
# flows: dbo.lines -> dbo.values_out
# columns: dbo.values_out.id <- dbo.lines.id
# columns: dbo.values_out.value <- dbo.lines.price, dbo.lines.qty [case]

# case: json_extraction_postgres
INSERT INTO events_flat (id, kind) SELECT id, payload->>'kind' FROM events_raw;
# reads: events_raw
# writes: events_flat
# flows: events_raw -> events_flat
# columns: events_flat.id <- events_raw.id
# columns: events_flat.kind <- events_raw.payload [expression]

# case: arithmetic_across_join_redshift
# dialect: redshift
INSERT INTO margins SELECT o.id, o.price - c.cost AS margin FROM orders o JOIN costs c ON c.sku = o.sku;
# reads: costs, orders
# writes: margins
# flows: costs -> margins, orders -> margins
# columns: margins.id <- orders.id
# columns: margins.margin <- costs.cost, orders.price [expression]

# case: distinct_and_group_by_rollup_databricks
# dialect: databricks
CREATE TABLE gold.rollup AS
SELECT region, country, SUM(amount) AS amount FROM silver.sales GROUP BY ROLLUP (region, country);
# reads: silver.sales
# writes: gold.rollup
# flows: silver.sales -> gold.rollup
# columns: gold.rollup.region <- silver.sales.region
# columns: gold.rollup.country <- silver.sales.country
# columns: gold.rollup.amount <- silver.sales.amount [aggregate]

# case: view_column_list_with_expressions_mysql
# dialect: mysql
CREATE VIEW v_orders (order_id, total_cents) AS SELECT id, ROUND(total * 100) FROM orders;
# reads: orders
# writes: v_orders
# flows: orders -> v_orders
# columns: v_orders.order_id <- orders.id
# columns: v_orders.total_cents <- orders.total [expression]

# case: unnamed_expression_warns
INSERT INTO t SELECT a + b FROM s;
# reads: s
# writes: t
# flows: s -> t
# columns: none
# warnings: yes

# case: column_through_two_derived_levels_with_rename_trino
# dialect: trino
INSERT INTO out_t
SELECT total AS grand_total FROM (SELECT SUM(x) AS total FROM (SELECT amount AS x FROM pay) p1) p2;
# reads: pay
# writes: out_t
# flows: pay -> out_t
# columns: out_t.grand_total <- pay.amount [aggregate]

# case: quoted_column_keeps_case_postgres
INSERT INTO "Report" ("Total") SELECT SUM("Amount") FROM "Orders";
# reads: "Orders"
# writes: "Report"
# flows: "Orders" -> "Report"
# columns: "Report"."Total" <- "Orders"."Amount" [aggregate]
