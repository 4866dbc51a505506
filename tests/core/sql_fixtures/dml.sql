# UPDATE, DELETE, MERGE, TRUNCATE and upserts: the target is a write, and a read only when it
# appears again as a separate source.
# dialect: postgres

# case: update_simple
UPDATE accounts SET balance = balance * 1.01 WHERE kind = 'savings';
# reads:
# writes: accounts
# flows: none
# columns: accounts.balance <- accounts.balance [expression]

# case: update_from_alias
UPDATE accounts a SET balance = a.balance + t.amount FROM transfers t WHERE t.account_id = a.id;
# reads: transfers
# writes: accounts
# flows: transfers -> accounts
# columns: accounts.balance <- accounts.balance, transfers.amount [expression]

# case: update_alias_in_from_tsql
# dialect: tsql
UPDATE t SET t.Status = s.Status
FROM dbo.Orders AS t JOIN dbo.OrderStatus AS s ON s.OrderID = t.OrderID;
# reads: dbo.orderstatus
# writes: dbo.orders
# flows: dbo.orderstatus -> dbo.orders
# columns: dbo.orders.status <- dbo.orderstatus.status

# case: update_join_mysql
# dialect: mysql
UPDATE orders o JOIN customers c ON c.id = o.customer_id SET o.region = c.region
WHERE o.region IS NULL;
# reads: customers
# writes: orders
# flows: customers -> orders
# columns: orders.region <- customers.region

# case: update_subquery_in_set_snowflake
# dialect: snowflake
UPDATE products SET price = (
  SELECT AVG(p.price) FROM competitor_prices p WHERE p.sku = products.sku
);
# reads: competitor_prices
# writes: products
# flows: competitor_prices -> products
# columns: products.price <- competitor_prices.price [aggregate]

# case: update_target_read_again_in_where
UPDATE employees SET salary = salary * 1.1
WHERE dept_id IN (SELECT dept_id FROM employees GROUP BY dept_id HAVING AVG(salary) < 50000);
# reads: employees
# writes: employees
# flows: none
# columns: employees.salary <- employees.salary [expression]

# case: update_from_bigquery
# dialect: bigquery
UPDATE ds.inventory i SET quantity = i.quantity - s.sold FROM ds.sales s
WHERE s.product = i.product;
# reads: ds.sales
# writes: ds.inventory
# flows: ds.sales -> ds.inventory
# columns: ds.inventory.quantity <- ds.inventory.quantity, ds.sales.sold [expression]

# case: update_two_columns_redshift
# dialect: redshift
UPDATE public.users SET email = lower(s.email), updated_at = s.ts FROM staging.users s
WHERE s.id = users.id;
# reads: staging.users
# writes: public.users
# flows: staging.users -> public.users
# columns: public.users.email <- staging.users.email [expression]
# columns: public.users.updated_at <- staging.users.ts

# case: update_trino_literal_only
# dialect: trino
UPDATE hive.db.t SET flag = true WHERE id IN (SELECT id FROM hive.db.bad);
# reads: hive.db.bad
# writes: hive.db.t
# flows: hive.db.bad -> hive.db.t
# columns: none

# case: update_databricks_case
# dialect: databricks
UPDATE gold.orders SET status = CASE WHEN paid THEN 'done' ELSE status END;
# reads:
# writes: gold.orders
# flows: none
# columns: gold.orders.status <- gold.orders.paid, gold.orders.status [case]

# case: update_duckdb_from_derived
# dialect: duckdb
UPDATE stock SET qty = d.qty
FROM (SELECT sku, SUM(delta) AS qty FROM movements GROUP BY sku) d WHERE d.sku = stock.sku;
# reads: movements
# writes: stock
# flows: movements -> stock
# columns: stock.qty <- movements.delta [aggregate]

# case: delete_simple_redshift
# dialect: redshift
DELETE FROM staging.events WHERE event_date < '2020-01-01';
# reads:
# writes: staging.events
# flows: none
# columns: none
# warnings: no

# case: delete_using
DELETE FROM sessions s USING users u WHERE s.user_id = u.id AND u.deleted;
# reads: users
# writes: sessions
# flows: users -> sessions
# columns: none
# warnings: no

# case: delete_join_mysql
# dialect: mysql
DELETE o FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.banned = 1;
# reads: customers
# writes: orders
# flows: customers -> orders
# columns: none
# warnings: no

# case: delete_alias_tsql
# dialect: tsql
DELETE t FROM dbo.Target t INNER JOIN dbo.Source s ON s.id = t.id;
# reads: dbo.source
# writes: dbo.target
# flows: dbo.source -> dbo.target
# columns: none
# warnings: no

# case: delete_where_in_bigquery
# dialect: bigquery
DELETE FROM ds.users WHERE id IN (SELECT user_id FROM ds.gdpr_requests);
# reads: ds.gdpr_requests
# writes: ds.users
# flows: ds.gdpr_requests -> ds.users
# columns: none
# warnings: no

# case: delete_without_from_bigquery
# dialect: bigquery
DELETE ds.logs WHERE ts < TIMESTAMP '2020-01-01';
# reads:
# writes: ds.logs
# flows: none
# columns: none
# warnings: no

# case: delete_self_subquery
DELETE FROM events WHERE id NOT IN (SELECT MIN(id) FROM events GROUP BY payload);
# reads: events
# writes: events
# flows: none
# columns: none
# warnings: no

# case: delete_using_duckdb
# dialect: duckdb
DELETE FROM t USING s WHERE t.id = s.id;
# reads: s
# writes: t
# flows: s -> t
# columns: none
# warnings: no

# case: delete_spark_where_exists
# dialect: spark
DELETE FROM db.events WHERE EXISTS (SELECT 1 FROM db.blocklist b WHERE b.id = events.user_id);
# reads: db.blocklist
# writes: db.events
# flows: db.blocklist -> db.events
# columns: none
# warnings: no

# case: merge_snowflake
# dialect: snowflake
MERGE INTO dim.customers t USING staging.customers s ON t.id = s.id
WHEN MATCHED THEN UPDATE SET t.name = s.name, t.email = s.email
WHEN NOT MATCHED THEN INSERT (id, name, email) VALUES (s.id, s.name, s.email);
# reads: staging.customers
# writes: dim.customers
# flows: staging.customers -> dim.customers
# columns: dim.customers.id <- staging.customers.id
# columns: dim.customers.name <- staging.customers.name
# columns: dim.customers.email <- staging.customers.email

# case: merge_subquery_source_bigquery
# dialect: bigquery
MERGE ds.inventory T
USING (SELECT product, SUM(qty) AS qty FROM ds.shipments GROUP BY product) S
ON T.product = S.product
WHEN MATCHED THEN UPDATE SET quantity = T.quantity + S.qty
WHEN NOT MATCHED THEN INSERT (product, quantity) VALUES (S.product, S.qty);
# reads: ds.shipments
# writes: ds.inventory
# flows: ds.shipments -> ds.inventory
# columns: ds.inventory.quantity <- ds.inventory.quantity, ds.shipments.qty [aggregate]
# columns: ds.inventory.product <- ds.shipments.product

# case: merge_by_source_tsql
# dialect: tsql
MERGE dbo.Target AS tgt USING dbo.Source AS src ON tgt.ID = src.ID
WHEN MATCHED THEN UPDATE SET tgt.Val = src.Val
WHEN NOT MATCHED BY TARGET THEN INSERT (ID, Val) VALUES (src.ID, src.Val)
WHEN NOT MATCHED BY SOURCE THEN DELETE;
# reads: dbo.source
# writes: dbo.target
# flows: dbo.source -> dbo.target
# columns: dbo.target.id <- dbo.source.id
# columns: dbo.target.val <- dbo.source.val

# case: merge_star_databricks
# dialect: databricks
MERGE INTO gold.customers t USING silver.customer_updates s ON t.id = s.id
WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *;
# reads: silver.customer_updates
# writes: gold.customers
# flows: silver.customer_updates -> gold.customers
# columns: gold.customers.* <- silver.customer_updates.*

# case: merge_with_cte
WITH src AS (SELECT id, qty FROM incoming)
MERGE INTO stock s USING src ON s.id = src.id
WHEN MATCHED THEN UPDATE SET qty = s.qty + src.qty
WHEN NOT MATCHED THEN INSERT (id, qty) VALUES (src.id, src.qty);
# reads: incoming
# writes: stock
# flows: incoming -> stock
# columns: stock.qty <- incoming.qty, stock.qty [expression]
# columns: stock.id <- incoming.id

# case: merge_target_also_source_spark
# dialect: spark
MERGE INTO db.t USING (SELECT id, MAX(v) AS v FROM db.t GROUP BY id) s ON t.id = s.id
WHEN MATCHED THEN UPDATE SET v = s.v;
# reads: db.t
# writes: db.t
# flows: none
# columns: db.t.v <- db.t.v [aggregate]

# case: merge_insert_without_columns_trino
# dialect: trino
MERGE INTO target_t t USING source_t s ON t.id = s.id
WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name);
# reads: source_t
# writes: target_t
# flows: source_t -> target_t
# columns: target_t.id <- source_t.id
# columns: target_t.name <- source_t.name

# case: truncate_two_tables
TRUNCATE TABLE staging.a, staging.b;
# reads:
# writes: staging.a, staging.b
# flows: none
# columns: none
# warnings: no

# case: truncate_if_exists_snowflake
# dialect: snowflake
TRUNCATE TABLE IF EXISTS raw.events;
# reads:
# writes: raw.events
# flows: none
# columns: none
# warnings: no

# case: truncate_hive
# dialect: hive
TRUNCATE TABLE db.scratch;
# reads:
# writes: db.scratch
# flows: none
# columns: none
# warnings: no

# case: insert_on_conflict
INSERT INTO counters (k, n) SELECT k, COUNT(*) FROM hits GROUP BY k
ON CONFLICT (k) DO UPDATE SET n = counters.n + EXCLUDED.n;
# reads: hits
# writes: counters
# flows: hits -> counters
# columns: counters.k <- hits.k

# case: on_duplicate_key_mysql
# dialect: mysql
INSERT INTO daily (day, hits) SELECT DATE(ts), 1 FROM raw_hits
ON DUPLICATE KEY UPDATE hits = hits + VALUES(hits);
# reads: raw_hits
# writes: daily
# flows: raw_hits -> daily
# columns: daily.day <- raw_hits.ts [expression]

# case: replace_into_mysql
# dialect: mysql
REPLACE INTO shop.prices (sku, price) SELECT sku, price FROM shop.price_feed;
# reads: shop.price_feed
# writes: shop.prices
# flows: shop.price_feed -> shop.prices
# columns: shop.prices.sku <- shop.price_feed.sku
# columns: shop.prices.price <- shop.price_feed.price

# case: delete_through_cte_tsql
# dialect: tsql
WITH dupes AS (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY Email ORDER BY ID) AS rn FROM dbo.Contacts
)
DELETE FROM dupes WHERE rn > 1;
# reads:
# writes: dbo.contacts
# flows: none
# columns: none
# warnings: no

# case: update_row_assignment_postgres
UPDATE inventory i SET (qty, price) = (SELECT s.qty, s.price FROM supplier_feed s WHERE s.sku = i.sku);
# reads: supplier_feed
# writes: inventory
# flows: supplier_feed -> inventory
# columns: inventory.qty <- supplier_feed.qty [identity]
# columns: inventory.price <- supplier_feed.price [identity]

# case: update_tuple_assignment_duckdb
# dialect: duckdb
UPDATE points SET (x, y) = (y, x);
# reads:
# writes: points
# flows: none
# columns: points.x <- points.y
# columns: points.y <- points.x
