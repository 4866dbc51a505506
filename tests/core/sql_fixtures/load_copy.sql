# COPY, LOAD DATA and unloads: the table loaded is a write, the table unloaded is a read.
# dialect: postgres

# case: copy_from_file_postgres
COPY staging.orders FROM '/data/orders.csv' WITH (FORMAT csv, HEADER true);
# reads:
# writes: staging.orders
# flows: none
# columns: none
# warnings: no

# case: copy_to_file_postgres
COPY orders TO '/tmp/orders.csv' WITH (FORMAT csv);
# reads: orders
# writes:
# flows: none
# columns: none
# warnings: no

# case: copy_query_to_stdout_postgres
COPY (SELECT id FROM users WHERE active) TO STDOUT;
# reads: users
# writes:
# flows: none
# columns: none
# warnings: no

# case: copy_from_stdin_with_columns_postgres
COPY events (id, payload) FROM STDIN;
# reads:
# writes: events
# flows: none
# columns: none
# warnings: no

# case: copy_from_s3_redshift
# dialect: redshift
COPY analytics.events FROM 's3://bucket/events/' IAM_ROLE 'arn:aws:iam::1:role/x' FORMAT AS PARQUET;
# reads:
# writes: analytics.events
# flows: none
# columns: none
# warnings: no

# case: unload_redshift
# dialect: redshift
UNLOAD ('SELECT * FROM sales.orders WHERE region = ''EU''')
TO 's3://exports/orders_' IAM_ROLE 'arn:aws:iam::1:role/u';
# reads: sales.orders
# writes:
# flows: none
# warnings: yes

# case: copy_into_from_stage_snowflake
# dialect: snowflake
COPY INTO raw.orders FROM @my_stage/orders/ FILE_FORMAT = (TYPE = 'CSV');
# reads:
# writes: raw.orders
# flows: none
# columns: none
# warnings: no

# case: copy_into_transform_snowflake
# dialect: snowflake
COPY INTO raw.orders (id, amount) FROM (SELECT $1, $2 FROM @my_stage/orders/);
# reads:
# writes: raw.orders
# flows: none
# columns: none
# warnings: no

# case: copy_into_stage_unload_snowflake
# dialect: snowflake
COPY INTO @exports/orders/ FROM (SELECT id, amount FROM mart.orders);
# reads: mart.orders
# writes:
# flows: none
# columns: none
# warnings: no

# case: copy_into_stage_from_table_snowflake
# dialect: snowflake
COPY INTO @exports/customers/ FROM mart.customers;
# reads: mart.customers
# writes:
# flows: none
# columns: none
# warnings: no

# case: copy_into_databricks
# dialect: databricks
COPY INTO bronze.raw_orders FROM 's3://landing/orders' FILEFORMAT = JSON;
# reads:
# writes: bronze.raw_orders
# flows: none
# columns: none
# warnings: no

# case: copy_from_csv_duckdb
# dialect: duckdb
COPY trips FROM 'trips.csv' (HEADER);
# reads:
# writes: trips
# flows: none
# columns: none
# warnings: no

# case: copy_query_to_parquet_duckdb
# dialect: duckdb
COPY (SELECT * FROM sales WHERE year = 2024) TO 'sales_2024.parquet' (FORMAT PARQUET);
# reads: sales
# writes:
# flows: none
# columns: none
# warnings: no

# case: copy_table_to_file_duckdb
# dialect: duckdb
COPY customers TO 'customers.csv';
# reads: customers
# writes:
# flows: none
# columns: none
# warnings: no

# case: load_data_inpath_hive
# dialect: hive
LOAD DATA INPATH '/data/events' OVERWRITE INTO TABLE db.events;
# reads:
# writes: db.events
# flows: none
# columns: none
# warnings: no

# case: load_data_local_spark
# dialect: spark
LOAD DATA LOCAL INPATH '/tmp/people.txt' INTO TABLE db.people;
# reads:
# writes: db.people
# flows: none
# columns: none
# warnings: no

# case: load_data_infile_mysql
# dialect: mysql
LOAD DATA INFILE '/var/lib/mysql-files/items.csv' INTO TABLE shop.items FIELDS TERMINATED BY ',';
# reads:
# writes: shop.items
# flows: none
# columns: none
# warnings: yes

# case: bulk_insert_tsql
# dialect: tsql
BULK INSERT dbo.Imports FROM 'C:\data\imports.csv' WITH (FIELDTERMINATOR = ',');
# reads:
# writes: dbo.imports
# flows: none
# warnings: yes

# case: export_data_bigquery
# dialect: bigquery
EXPORT DATA OPTIONS (uri = 'gs://bucket/orders-*.csv', format = 'CSV') AS
SELECT id, total FROM ds.orders;
# reads: ds.orders
# writes:
# flows: none
# columns: none
# warnings: no

# case: load_data_bigquery
# dialect: bigquery
LOAD DATA INTO ds.events FROM FILES (format = 'PARQUET', uris = ['gs://bucket/events/*.parquet']);
# reads:
# writes: ds.events
# flows: none
# columns: none
# warnings: no

# case: insert_from_s3_function_trino
# dialect: trino
INSERT INTO hive.raw.events SELECT * FROM TABLE(system.query(query => 'select 1'));
# reads:
# writes: hive.raw.events
# flows: none
# columns: none
# warnings: no

# The stage path of a statement after the first is read from that statement's own text.
# case: stage_path_in_a_later_statement_snowflake
# dialect: snowflake
DELETE FROM raw.events WHERE loaded_at < DATEADD(day, -7, CURRENT_DATE()) AND source = 'web';
COPY INTO raw.events FROM @landing/events FILE_FORMAT = (TYPE = JSON);
# reads:
# writes: raw.events
# flows: none
# columns: none
# warnings: no
