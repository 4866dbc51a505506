# Names: qualified as far as the SQL qualifies them, completed by defaults when given, and
# normalised per dialect (unquoted folded, quoted case kept where the dialect keeps it).
# dialect: postgres

# case: default_schema
# defaults: schema=public
INSERT INTO orders_clean SELECT id FROM orders;
# reads: public.orders
# writes: public.orders_clean
# flows: public.orders -> public.orders_clean
# columns: public.orders_clean.id <- public.orders.id

# case: default_database_and_schema_snowflake
# dialect: snowflake
# defaults: database=analytics, schema=mart
INSERT INTO daily SELECT id FROM raw.events;
# reads: analytics.raw.events
# writes: analytics.mart.daily
# flows: analytics.raw.events -> analytics.mart.daily
# columns: analytics.mart.daily.id <- analytics.raw.events.id

# case: fully_qualified_names_untouched
# defaults: database=d, schema=s
INSERT INTO x.y.z SELECT 1 FROM a.b.c;
# reads: a.b.c
# writes: x.y.z
# flows: a.b.c -> x.y.z
# columns: none
# warnings: no

# case: quoted_case_kept_snowflake
# dialect: snowflake
INSERT INTO "Mart"."DailySales" SELECT "OrderId" FROM RAW.ORDERS;
# reads: raw.orders
# writes: "Mart"."DailySales"
# flows: raw.orders -> "Mart"."DailySales"
# columns: "Mart"."DailySales"."OrderId" <- raw.orders."OrderId"

# case: quoted_upper_is_unquoted_snowflake
# dialect: snowflake
INSERT INTO "MART"."SALES" SELECT ID FROM raw.orders;
# reads: raw.orders
# writes: mart.sales
# flows: raw.orders -> mart.sales
# columns: mart.sales.id <- raw.orders.id

# case: quoted_mixed_case
INSERT INTO "Reporting"."Sales" ("Amount") SELECT amount FROM "Raw"."Orders";
# reads: "Raw"."Orders"
# writes: "Reporting"."Sales"
# flows: "Raw"."Orders" -> "Reporting"."Sales"
# columns: "Reporting"."Sales"."Amount" <- "Raw"."Orders".amount

# case: unquoted_folded
INSERT INTO Reporting.Sales SELECT Amount FROM RAW.Orders;
# reads: raw.orders
# writes: reporting.sales
# flows: raw.orders -> reporting.sales
# columns: reporting.sales.amount <- raw.orders.amount

# case: backticks_case_insensitive_bigquery
# dialect: bigquery
INSERT INTO `My-Project.Sales.Orders` SELECT id FROM `my-project.raw.Orders`;
# reads: "my-project".raw.orders
# writes: "my-project".sales.orders
# flows: "my-project".raw.orders -> "my-project".sales.orders
# columns: "my-project".sales.orders.id <- "my-project".raw.orders.id

# case: brackets_tsql
# dialect: tsql
INSERT INTO [dbo].[Target] ([Id]) SELECT [Id] FROM [Sales].[dbo].[Source];
# reads: sales.dbo.source
# writes: dbo.target
# flows: sales.dbo.source -> dbo.target
# columns: dbo.target.id <- sales.dbo.source.id

# case: backticks_catalog_databricks
# dialect: databricks
INSERT INTO `main`.`gold`.`Users` SELECT Id FROM `main`.`silver`.`USERS`;
# reads: main.silver.users
# writes: main.gold.users
# flows: main.silver.users -> main.gold.users
# columns: main.gold.users.id <- main.silver.users.id

# case: defaults_do_not_apply_to_ctes
# defaults: schema=sales
WITH x AS (SELECT id FROM orders) INSERT INTO report SELECT id FROM x;
# reads: sales.orders
# writes: sales.report
# flows: sales.orders -> sales.report
# columns: sales.report.id <- sales.orders.id

# case: defaults_with_schema_mapping
# defaults: schema=sales
# schema: sales.orders: id, amount
INSERT INTO report SELECT * FROM orders;
# reads: sales.orders
# writes: sales.report
# flows: sales.orders -> sales.report
# columns: sales.report.id <- sales.orders.id
# columns: sales.report.amount <- sales.orders.amount

# case: defaults_catalog_trino
# dialect: trino
# defaults: database=hive, schema=web
CREATE TABLE page_views AS SELECT url, count(*) AS views FROM web_logs GROUP BY url;
# reads: hive.web.web_logs
# writes: hive.web.page_views
# flows: hive.web.web_logs -> hive.web.page_views
# columns: hive.web.page_views.url <- hive.web.web_logs.url

# case: quoted_case_insensitive_duckdb
# dialect: duckdb
INSERT INTO "Main"."Results" SELECT "Score" FROM "Raw";
# reads: raw
# writes: main.results
# flows: raw -> main.results
# columns: main.results.score <- raw.score

# case: quoted_case_insensitive_redshift
# dialect: redshift
INSERT INTO "Analytics"."Daily" SELECT "Day" FROM "Events";
# reads: events
# writes: analytics.daily
# flows: events -> analytics.daily
# columns: analytics.daily.day <- events.day

# case: schema_only_default_mysql
# dialect: mysql
# defaults: schema=shop
INSERT INTO archive.orders SELECT * FROM orders;
# reads: shop.orders
# writes: archive.orders
# flows: shop.orders -> archive.orders
# columns: archive.orders.* <- shop.orders.*

# case: default_database_only_hive
# dialect: hive
# defaults: database=ignored
INSERT INTO TABLE events_clean SELECT id FROM events;
# reads: events
# writes: events_clean
# flows: events -> events_clean
# columns: events_clean.id <- events.id

# case: quoted_names_with_dots_spark
# dialect: spark
INSERT INTO db.`weird.name` SELECT `col.with.dots` FROM db.src;
# reads: db.src
# writes: db."weird.name"
# flows: db.src -> db."weird.name"
# columns: db."weird.name"."col.with.dots" <- db.src."col.with.dots"

# case: same_table_differently_cased_is_one_asset_tsql
# dialect: tsql
INSERT INTO dbo.T SELECT * FROM DBO.s; INSERT INTO DBO.t SELECT * FROM dbo.S;
# reads: dbo.s
# writes: dbo.t
# flows: dbo.s -> dbo.t
# columns: dbo.t.* <- dbo.s.*
