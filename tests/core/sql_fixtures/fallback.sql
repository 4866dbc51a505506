# Statements sqlglot cannot parse: a keyword scan finds their tables and a warning says so;
# the rest of the script keeps full lineage. Arbitrary text returns warnings.
# dialect: tsql

# case: delete_output_into
DELETE FROM dbo.Queue OUTPUT deleted.id, deleted.payload INTO dbo.QueueArchive (id, payload)
WHERE processed = 1;
# reads:
# writes: dbo.queue, dbo.queuearchive
# flows: none
# warnings: yes

# case: update_output_into
UPDATE dbo.Jobs SET state = 'done' OUTPUT inserted.id INTO dbo.JobLog (id) WHERE state = 'running';
# reads:
# writes: dbo.jobs, dbo.joblog
# flows: none
# columns: none
# warnings: yes

# case: temp_on_commit_drop_postgres
# dialect: postgres
CREATE TEMP TABLE scratch ON COMMIT DROP AS SELECT id FROM jobs;
INSERT INTO job_ids SELECT id FROM scratch;
# reads: jobs
# writes: job_ids
# flows: jobs -> job_ids
# warnings: yes

# case: rename_table_mysql
# dialect: mysql
RENAME TABLE shop.orders_new TO shop.orders;
# reads: shop.orders_new
# writes: shop.orders
# flows: shop.orders_new -> shop.orders
# warnings: yes

# case: alter_rename_snowflake
# dialect: snowflake
ALTER TABLE mart.orders_v2 RENAME TO mart.orders;
# reads: mart.orders_v2
# writes: mart.orders
# flows: mart.orders_v2 -> mart.orders
# columns: none
# warnings: no

# case: broken_middle_statement_postgres
# dialect: postgres
INSERT INTO a SELECT x FROM b;
INSERT INTO c SELEC x FROM d;
INSERT INTO e SELECT x FROM f;
# reads: b, d, f
# writes: a, c, e
# flows: b -> a, d -> c, f -> e
# columns: a.x <- b.x
# columns: e.x <- f.x
# warnings: yes

# case: truncated_where_snowflake
# dialect: snowflake
INSERT INTO mart.x SELECT a, b FROM raw.y WHERE
# reads: raw.y
# writes: mart.x
# flows: raw.y -> mart.x
# warnings: yes

# case: unterminated_string_bigquery
# dialect: bigquery
INSERT INTO ds.t SELECT 'abc FROM ds.s
# reads:
# writes: ds.t
# flows: none
# warnings: yes

# case: unterminated_string_later_statement_mysql
# dialect: mysql
INSERT INTO good_t SELECT id FROM good_s;
INSERT INTO bad_t SELECT "oops FROM bad_s
# reads: good_s
# writes: bad_t, good_t
# flows: good_s -> good_t
# warnings: yes

# case: garbage_text_hive
# dialect: hive
this is not sql at all, is it?
# reads:
# writes:
# flows: none
# warnings: yes

# case: half_a_merge_databricks
# dialect: databricks
MERGE INTO gold.t USING silver.s ON
# reads: silver.s
# writes: gold.t
# flows: silver.s -> gold.t
# warnings: yes

# case: extract_from_is_not_a_table_redshift
# dialect: redshift
INSERT INTO stats SELECT EXTRACT(year FROM created_at) AS y FROM events WHERE ;
# reads: events
# writes: stats
# flows: events -> stats
# warnings: yes

# case: procedure_body_tsql
CREATE PROCEDURE dbo.LoadFacts AS
BEGIN
  INSERT INTO dbo.Facts (id) SELECT id FROM dbo.Staging;
  TRUNCATE TABLE dbo.Staging;
END;
# reads: dbo.staging
# writes: dbo.facts, dbo.staging
# flows: dbo.staging -> dbo.facts
# columns: dbo.facts.id <- dbo.staging.id
# warnings: no

# case: scripting_procedure_snowflake
# dialect: snowflake
CREATE OR REPLACE PROCEDURE etl.load_orders() RETURNS STRING LANGUAGE SQL AS
$$
BEGIN
  INSERT INTO mart.orders SELECT id, amount FROM raw.orders;
  RETURN 'ok';
END;
$$;
# reads: raw.orders
# writes: mart.orders
# flows: raw.orders -> mart.orders
# columns: mart.orders.amount <- raw.orders.amount
# columns: mart.orders.id <- raw.orders.id
# warnings: no

# case: explain_is_not_lineage_duckdb
# dialect: duckdb
EXPLAIN SELECT * FROM big_table;
# reads:
# writes:
# flows: none
# columns: none
# warnings: no

# case: show_and_describe_trino
# dialect: trino
SHOW TABLES FROM hive.sales;
DESCRIBE hive.sales.orders;
# reads:
# writes:
# flows: none
# warnings: no

# An UPDATE or DELETE target written as an alias is the table behind the alias.
# case: update_alias_with_compound_assignment
UPDATE sr SET sr.qty += m.qty
FROM dbo.stock AS sr JOIN dbo.moves AS m ON m.sku = sr.sku;
# reads: dbo.moves
# writes: dbo.stock
# flows: dbo.moves -> dbo.stock
# warnings: yes

# case: delete_alias_with_query_hint
DELETE TOP (100) d FROM dbo.stock AS d JOIN dbo.expired AS e ON e.sku = d.sku OPTION (MAXDOP 1);
# reads: dbo.expired
# writes: dbo.stock
# flows: dbo.expired -> dbo.stock
# warnings: yes

# case: update_alias_reading_its_table_again
UPDATE s SET s.qty -= 1 FROM dbo.stock s
WHERE s.sku IN (SELECT sku FROM dbo.stock WHERE qty > 0);
# reads: dbo.stock
# writes: dbo.stock
# flows: none
# warnings: yes

# BigQuery project names hold hyphens: one three-part name, as sqlglot reads it.
# case: hyphenated_project_names_bigquery
# dialect: bigquery
INSERT INTO my-project.dataset.table
SELECT * FROM my-project-2.raw.events
MATCH_RECOGNIZE (PARTITION BY id ORDER BY ts MEASURES FIRST(a.ts) AS start_ts PATTERN (a b+) DEFINE b AS b.x > a.x);
# reads: "my-project-2".raw.events
# writes: "my-project".dataset.table
# flows: "my-project-2".raw.events -> "my-project".dataset.table
# warnings: yes

# case: identifier_literal_in_keyword_scan_snowflake
# dialect: snowflake
UPDATE IDENTIFIER('mart.stock') AS s SET s.qty += 1 FROM IDENTIFIER('raw.moves') m WHERE m.sku = s.sku;
# reads: raw.moves
# writes: mart.stock
# flows: raw.moves -> mart.stock
# warnings: yes

# case: scanned_statement_reads_through_a_temp_postgres
# dialect: postgres
# The keyword scan finds staged, a temporary table: the flow joins its ends.
CREATE TEMP TABLE staged AS SELECT id, amount FROM raw.payments;
INSERT INTO mart.payments SELEC id, amount FROM staged;
# reads: raw.payments
# writes: mart.payments
# flows: raw.payments -> mart.payments
# columns: none
# warnings: yes
