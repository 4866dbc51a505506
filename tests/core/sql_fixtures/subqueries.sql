# Derived tables, subqueries in SELECT / WHERE / HAVING / JOIN ON, and set operations.
# dialect: postgres

# case: derived_table
INSERT INTO t_out SELECT d.id, d.total FROM (SELECT id, SUM(v) AS total FROM t_in GROUP BY id) d;
# reads: t_in
# writes: t_out
# flows: t_in -> t_out
# columns: t_out.id <- t_in.id
# columns: t_out.total <- t_in.v [aggregate]

# case: scalar_subquery_in_select
INSERT INTO user_stats (user_id, order_count)
SELECT u.id, (SELECT COUNT(o.id) FROM orders o WHERE o.user_id = u.id) FROM users u;
# reads: orders, users
# writes: user_stats
# flows: orders -> user_stats, users -> user_stats
# columns: user_stats.user_id <- users.id
# columns: user_stats.order_count <- orders.id [aggregate]

# case: where_in_subquery_snowflake
# dialect: snowflake
INSERT INTO vip SELECT id, name FROM customers
WHERE id IN (SELECT customer_id FROM orders WHERE amount > 1000);
# reads: customers, orders
# writes: vip
# flows: customers -> vip, orders -> vip
# columns: vip.id <- customers.id
# columns: vip.name <- customers.name

# case: where_exists_bigquery
# dialect: bigquery
CREATE TABLE ds.active AS
SELECT u.id FROM ds.users u WHERE EXISTS (SELECT 1 FROM ds.logins l WHERE l.user_id = u.id);
# reads: ds.logins, ds.users
# writes: ds.active
# flows: ds.logins -> ds.active, ds.users -> ds.active
# columns: ds.active.id <- ds.users.id

# case: having_subquery_mysql
# dialect: mysql
INSERT INTO big_spenders
SELECT customer_id, SUM(amount) AS total FROM payments GROUP BY customer_id
HAVING SUM(amount) > (SELECT AVG(amount) FROM payment_thresholds);
# reads: payment_thresholds, payments
# writes: big_spenders
# flows: payment_thresholds -> big_spenders, payments -> big_spenders
# columns: big_spenders.customer_id <- payments.customer_id
# columns: big_spenders.total <- payments.amount [aggregate]

# case: join_on_subquery_tsql
# dialect: tsql
INSERT INTO dbo.matched
SELECT a.id FROM dbo.a a JOIN dbo.b b ON b.id = a.id AND b.kind IN (SELECT kind FROM dbo.kinds);
# reads: dbo.a, dbo.b, dbo.kinds
# writes: dbo.matched
# flows: dbo.a -> dbo.matched, dbo.b -> dbo.matched, dbo.kinds -> dbo.matched
# columns: dbo.matched.id <- dbo.a.id

# case: union_all_with_literals
INSERT INTO all_events (id, kind)
SELECT id, 'click' FROM clicks UNION ALL SELECT id, 'view' FROM views;
# reads: clicks, views
# writes: all_events
# flows: clicks -> all_events, views -> all_events
# columns: all_events.id <- clicks.id, views.id

# case: intersect_except_duckdb
# dialect: duckdb
CREATE TABLE both_ids AS
SELECT id FROM a INTERSECT SELECT id FROM b EXCEPT SELECT id FROM c;
# reads: a, b, c
# writes: both_ids
# flows: a -> both_ids, b -> both_ids, c -> both_ids
# columns: both_ids.id <- a.id, b.id, c.id

# case: union_in_derived_table_trino
# dialect: trino
INSERT INTO t SELECT u.x FROM (SELECT x FROM p UNION SELECT y FROM q) u;
# reads: p, q
# writes: t
# flows: p -> t, q -> t
# columns: t.x <- p.x, q.y

# case: lateral_subquery
INSERT INTO latest_orders
SELECT c.id, l.amount FROM customers c
CROSS JOIN LATERAL (
  SELECT amount FROM orders o WHERE o.customer_id = c.id ORDER BY created_at DESC LIMIT 1
) l;
# reads: customers, orders
# writes: latest_orders
# flows: customers -> latest_orders, orders -> latest_orders
# columns: latest_orders.id <- customers.id
# columns: latest_orders.amount <- orders.amount

# case: nested_derived_tables_spark
# dialect: spark
INSERT INTO db.t SELECT z.a FROM (SELECT y.a FROM (SELECT a FROM db.s) y) z;
# reads: db.s
# writes: db.t
# flows: db.s -> db.t
# columns: db.t.a <- db.s.a

# case: subquery_in_case_databricks
# dialect: databricks
INSERT INTO flags
SELECT id, CASE WHEN id IN (SELECT id FROM blocked) THEN 1 ELSE 0 END AS is_blocked FROM users;
# reads: blocked, users
# writes: flags
# flows: blocked -> flags, users -> flags
# columns: flags.id <- users.id
# columns: flags.is_blocked <- blocked.id, users.id [case]

# case: not_exists_hive
# dialect: hive
INSERT INTO TABLE db.new_users
SELECT u.id FROM db.users u WHERE NOT EXISTS (SELECT 1 FROM db.known k WHERE k.id = u.id);
# reads: db.known, db.users
# writes: db.new_users
# flows: db.known -> db.new_users, db.users -> db.new_users
# columns: db.new_users.id <- db.users.id

# case: correlated_scalar_redshift
# dialect: redshift
CREATE TABLE rpt.last_login AS
SELECT u.id, (SELECT MAX(l.ts) FROM logins l WHERE l.user_id = u.id) AS last_login FROM users u;
# reads: logins, users
# writes: rpt.last_login
# flows: logins -> rpt.last_login, users -> rpt.last_login
# columns: rpt.last_login.id <- users.id
# columns: rpt.last_login.last_login <- logins.ts [aggregate]

# case: union_of_three_bigquery
# dialect: bigquery
CREATE TABLE ds.all_ids AS
SELECT id FROM ds.a UNION DISTINCT SELECT id FROM ds.b UNION ALL SELECT user_id FROM ds.c;
# reads: ds.a, ds.b, ds.c
# writes: ds.all_ids
# flows: ds.a -> ds.all_ids, ds.b -> ds.all_ids, ds.c -> ds.all_ids
# columns: ds.all_ids.id <- ds.a.id, ds.b.id, ds.c.user_id

# case: derived_table_column_aliases
INSERT INTO pairs SELECT d.x, d.y FROM (SELECT a, b FROM source_pairs) AS d (x, y);
# reads: source_pairs
# writes: pairs
# flows: source_pairs -> pairs
# columns: pairs.x <- source_pairs.a
# columns: pairs.y <- source_pairs.b

# case: subquery_in_join_derived_mysql
# dialect: mysql
INSERT INTO order_summary (customer, n)
SELECT c.name, o.n FROM customers c
JOIN (SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id) o ON o.customer_id = c.id;
# reads: customers, orders
# writes: order_summary
# flows: customers -> order_summary, orders -> order_summary
# columns: order_summary.customer <- customers.name

# case: exists_in_select_list_snowflake
# dialect: snowflake
INSERT INTO mart.has_orders
SELECT c.id, EXISTS (SELECT 1 FROM raw.orders o WHERE o.customer_id = c.id) AS has_orders
FROM raw.customers c;
# reads: raw.customers, raw.orders
# writes: mart.has_orders
# flows: raw.customers -> mart.has_orders, raw.orders -> mart.has_orders
# columns: mart.has_orders.id <- raw.customers.id

# case: union_all_into_view_tsql
# dialect: tsql
CREATE VIEW dbo.AllPeople AS
SELECT Name, Email FROM dbo.Customers
UNION ALL
SELECT FullName, WorkEmail FROM dbo.Employees;
# reads: dbo.customers, dbo.employees
# writes: dbo.allpeople
# flows: dbo.customers -> dbo.allpeople, dbo.employees -> dbo.allpeople
# columns: dbo.allpeople.name <- dbo.customers.name, dbo.employees.fullname
# columns: dbo.allpeople.email <- dbo.customers.email, dbo.employees.workemail

# case: using_join_of_unaliased_derived_tables_mysql
# dialect: mysql
CREATE TABLE mart.customer_view AS
SELECT id, name, total
FROM (SELECT id, name FROM shop.customers) JOIN (SELECT id, SUM(amount) AS total FROM shop.orders GROUP BY id) USING (id);
# reads: shop.customers, shop.orders
# writes: mart.customer_view
# flows: shop.customers -> mart.customer_view, shop.orders -> mart.customer_view
# columns: mart.customer_view.id <- shop.customers.id, shop.orders.id
# columns: mart.customer_view.name <- shop.customers.name
# columns: mart.customer_view.total <- shop.orders.amount [aggregate]
# warnings: no

# case: using_join_of_unaliased_derived_tables_duckdb
# dialect: duckdb
INSERT INTO mart.pairs (k, a, b)
SELECT k, a, b FROM (SELECT k, a FROM raw.left_side) JOIN (SELECT k, b FROM raw.right_side) USING (k);
# reads: raw.left_side, raw.right_side
# writes: mart.pairs
# flows: raw.left_side -> mart.pairs, raw.right_side -> mart.pairs
# columns: mart.pairs.k <- raw.left_side.k, raw.right_side.k
# columns: mart.pairs.a <- raw.left_side.a
# columns: mart.pairs.b <- raw.right_side.b
# warnings: no

# case: unaliased_derived_tables_in_from_list_snowflake
# dialect: snowflake
INSERT INTO mart.pairs (a, b) SELECT a, b FROM (SELECT a FROM raw.x), (SELECT b FROM raw.y);
# reads: raw.x, raw.y
# writes: mart.pairs
# flows: raw.x -> mart.pairs, raw.y -> mart.pairs
# columns: mart.pairs.a <- raw.x.a
# columns: mart.pairs.b <- raw.y.b
# warnings: no
