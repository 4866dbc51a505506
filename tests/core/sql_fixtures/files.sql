# Files as assets, on request (a "# files:" line extracts with files=True): a file is named
# file."<path>", the path as written, a leading ./ removed. Without files=True these reads and
# writes are left out (non_tables.sql), as a path is no table.
# dialect: duckdb

# case: read_parquet_columns
CREATE TABLE mart.events AS SELECT id, ts FROM read_parquet('data/events.parquet');
# reads: file."data/events.parquet"
# writes: mart.events
# flows: file."data/events.parquet" -> mart.events
# files: file."data/events.parquet"
# columns: mart.events.id <- file."data/events.parquet".id
# columns: mart.events.ts <- file."data/events.parquet".ts
# warnings: no

# case: read_csv_variants_and_leading_dot
INSERT INTO staging.all_rows (id, source)
SELECT c.id, j.source
FROM read_csv('./raw/a.csv') c
JOIN read_csv_auto('raw/b.csv', header = true) b ON b.id = c.id
JOIN read_json('raw/c.json') j ON j.id = c.id
JOIN read_json_auto('raw/d.json') d ON d.id = c.id;
# reads: file."raw/a.csv", file."raw/b.csv", file."raw/c.json", file."raw/d.json"
# writes: staging.all_rows
# flows: file."raw/a.csv" -> staging.all_rows, file."raw/b.csv" -> staging.all_rows, file."raw/c.json" -> staging.all_rows, file."raw/d.json" -> staging.all_rows
# files: file."raw/a.csv", file."raw/b.csv", file."raw/c.json", file."raw/d.json"
# columns: staging.all_rows.id <- file."raw/a.csv".id
# columns: staging.all_rows.source <- file."raw/c.json".source
# warnings: no

# case: quoted_path_as_a_table_and_a_glob
CREATE TABLE raw.logs AS SELECT * FROM 'data/raw/logs-*.csv';
INSERT INTO mart.errors (at, message) SELECT ts, msg FROM 'data/raw/logs-*.csv' WHERE level = 'error';
# reads: file."data/raw/logs-*.csv"
# writes: raw.logs, mart.errors
# flows: file."data/raw/logs-*.csv" -> mart.errors, file."data/raw/logs-*.csv" -> raw.logs
# files: file."data/raw/logs-*.csv"
# "SELECT *" from a file whose columns are unknown maps nothing.
# columns: mart.errors.at <- file."data/raw/logs-*.csv".ts
# columns: mart.errors.message <- file."data/raw/logs-*.csv".msg
# warnings: no

# case: file_columns_known_from_schema
# schema: file."data/Users.parquet": id, name
CREATE TABLE mart.users AS SELECT * FROM read_parquet('data/Users.parquet');
# reads: file."data/Users.parquet"
# writes: mart.users
# flows: file."data/Users.parquet" -> mart.users
# files: file."data/Users.parquet"
# columns: mart.users.id <- file."data/Users.parquet".id
# columns: mart.users.name <- file."data/Users.parquet".name
# warnings: no

# case: several_files_in_one_read
INSERT INTO mart.ids (id) SELECT id FROM read_parquet(['2024/a.parquet', '2024/b.parquet']);
# reads: file."2024/a.parquet", file."2024/b.parquet"
# writes: mart.ids
# flows: file."2024/a.parquet" -> mart.ids, file."2024/b.parquet" -> mart.ids
# files: file."2024/a.parquet", file."2024/b.parquet"
# columns: mart.ids.id <- file."2024/a.parquet".id, file."2024/b.parquet".id
# warnings: no

# case: through_a_temporary_table
CREATE TEMP TABLE landed AS SELECT * FROM read_csv_auto('landing/orders.csv');
INSERT INTO mart.orders (id, amount) SELECT id, amount FROM landed;
# reads: file."landing/orders.csv"
# writes: mart.orders
# flows: file."landing/orders.csv" -> mart.orders
# files: file."landing/orders.csv"
# columns: mart.orders.id <- file."landing/orders.csv".id
# columns: mart.orders.amount <- file."landing/orders.csv".amount
# warnings: no

# case: copy_from_and_to_files
COPY staging.orders FROM 'in/orders.csv' (HEADER);
COPY mart.orders TO 'out/orders.parquet' (FORMAT PARQUET);
COPY (SELECT id FROM mart.customers) TO 'out/customers.csv';
# reads: file."in/orders.csv", mart.orders, mart.customers
# writes: staging.orders, file."out/orders.parquet", file."out/customers.csv"
# flows: file."in/orders.csv" -> staging.orders, mart.customers -> file."out/customers.csv", mart.orders -> file."out/orders.parquet"
# files: file."in/orders.csv", file."out/orders.parquet", file."out/customers.csv"
# columns: none
# warnings: no

# case: file_read_in_a_statement_sqlglot_cannot_parse
CREATE TABLE mart.sample AS SELECT * FROM read_parquet('data/big.parquet') WHERE x ==== 1;
# reads: file."data/big.parquet"
# writes: mart.sample
# flows: file."data/big.parquet" -> mart.sample
# files: file."data/big.parquet"
# warnings: yes

# case: copy_from_file_postgres
# dialect: postgres
COPY staging.orders (id, amount) FROM '/data/Orders.csv' WITH (FORMAT csv, HEADER true);
COPY staging.more FROM STDIN;
# reads: file."/data/Orders.csv"
# writes: staging.orders, staging.more
# flows: file."/data/Orders.csv" -> staging.orders
# files: file."/data/Orders.csv"
# columns: none
# warnings: no

# case: copy_from_s3_redshift
# dialect: redshift
COPY staging.events FROM 's3://landing/events/' IAM_ROLE 'arn:aws:iam::1:role/load' FORMAT AS JSON 'auto';
# reads: file."s3://landing/events/"
# writes: staging.events
# flows: file."s3://landing/events/" -> staging.events
# files: file."s3://landing/events/"
# columns: none
# warnings: no

# case: format_prefixed_paths_spark
# dialect: spark
INSERT INTO silver.events SELECT id, ts FROM parquet.`/lake/bronze/events`;
INSERT INTO silver.users SELECT u.id FROM csv.`/lake/raw/users.csv` AS u;
# reads: file."/lake/bronze/events", file."/lake/raw/users.csv"
# writes: silver.events, silver.users
# flows: file."/lake/bronze/events" -> silver.events, file."/lake/raw/users.csv" -> silver.users
# files: file."/lake/bronze/events", file."/lake/raw/users.csv"
# columns: silver.events.id <- file."/lake/bronze/events".id
# columns: silver.events.ts <- file."/lake/bronze/events".ts
# columns: silver.users.id <- file."/lake/raw/users.csv".id
# warnings: no

# case: read_files_and_delta_path_databricks
# dialect: databricks
CREATE TABLE bronze.orders AS SELECT order_id, amount FROM read_files('s3://landing/orders/', format => 'json');
INSERT INTO silver.snapshot SELECT * FROM delta.`/mnt/lake/Snapshot`;
# reads: file."s3://landing/orders/", file."/mnt/lake/Snapshot"
# writes: bronze.orders, silver.snapshot
# flows: file."/mnt/lake/Snapshot" -> silver.snapshot, file."s3://landing/orders/" -> bronze.orders
# files: file."s3://landing/orders/", file."/mnt/lake/Snapshot"
# columns: bronze.orders.order_id <- file."s3://landing/orders/".order_id
# columns: bronze.orders.amount <- file."s3://landing/orders/".amount
# warnings: no

# case: load_data_and_directory_hive
# dialect: hive
LOAD DATA INPATH '/landing/orders/2024-01-01' INTO TABLE staging.orders;
INSERT OVERWRITE DIRECTORY '/exports/orders' SELECT id, amount FROM staging.orders;
# reads: file."/landing/orders/2024-01-01", staging.orders
# writes: staging.orders, file."/exports/orders"
# flows: file."/landing/orders/2024-01-01" -> staging.orders, staging.orders -> file."/exports/orders"
# files: file."/landing/orders/2024-01-01", file."/exports/orders"
# columns: none
# warnings: no

# case: load_data_infile_mysql
# dialect: mysql
LOAD DATA INFILE '/var/lib/mysql-files/orders.csv' INTO TABLE shop.orders FIELDS TERMINATED BY ',';
# reads: file."/var/lib/mysql-files/orders.csv"
# writes: shop.orders
# flows: file."/var/lib/mysql-files/orders.csv" -> shop.orders
# files: file."/var/lib/mysql-files/orders.csv"
# warnings: yes

# case: export_data_bigquery
# dialect: bigquery
EXPORT DATA OPTIONS (uri = 'gs://exports/orders-*.csv', format = 'CSV', overwrite = TRUE) AS
SELECT id, amount FROM shop.orders;
# reads: shop.orders
# writes: file."gs://exports/orders-*.csv"
# flows: shop.orders -> file."gs://exports/orders-*.csv"
# files: file."gs://exports/orders-*.csv"
# columns: none
# warnings: no

# Snowflake stages are storage the warehouse manages, no files.
# case: stages_are_no_files_snowflake
# dialect: snowflake
COPY INTO raw.orders FROM @landing/orders FILE_FORMAT = (TYPE = CSV);
COPY INTO @exports/orders FROM mart.orders;
# reads: mart.orders
# writes: raw.orders
# flows: none
# files: none
# columns: none
# warnings: no

# case: unload_to_s3_redshift
# dialect: redshift
UNLOAD ('SELECT id, amount FROM mart.orders WHERE day = ''2024-01-01''') TO 's3://exports/orders/' IAM_ROLE 'arn:aws:iam::1:role/unload';
# reads: mart.orders
# writes: file."s3://exports/orders/"
# flows: mart.orders -> file."s3://exports/orders/"
# files: file."s3://exports/orders/"
# columns: none
# warnings: yes

# case: file_through_a_temporary_table_to_a_file
# dialect: duckdb
CREATE TEMP TABLE landed AS SELECT * FROM read_parquet('in/orders.parquet');
COPY (SELECT l.id, d.name FROM landed l JOIN dim_customers d ON d.id = l.customer_id) TO 'out/orders.csv';
# reads: dim_customers, file."in/orders.parquet"
# writes: file."out/orders.csv"
# flows: file."in/orders.parquet" -> file."out/orders.csv", dim_customers -> file."out/orders.csv"
# files: file."in/orders.parquet", file."out/orders.csv"
# warnings: no
