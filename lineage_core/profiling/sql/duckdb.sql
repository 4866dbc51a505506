-- Named queries of the DuckDB profiler. They read only the catalog of the file's own
-- database; the count and the aggregate pass over the table are composed in Python.

-- name: find_table
-- The table or view by schema and name, as DuckDB matches names (without regard to case).
SELECT table_catalog, table_schema, table_name
FROM information_schema.tables
WHERE table_catalog = current_database()
  AND lower(table_schema) = $schema
  AND lower(table_name) = $table;

-- name: select_columns
-- The columns in order with their type, whether it has a mean, and whether each is unique.
SELECT c.column_name,
       c.data_type,
       c.data_type IN ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT',
                       'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT', 'FLOAT', 'DOUBLE')
         OR starts_with(c.data_type, 'DECIMAL(') AS has_mean,
       EXISTS (
         SELECT 1 FROM duckdb_constraints() AS k
         WHERE k.database_name = c.database_name AND k.schema_name = c.schema_name
           AND k.table_name = c.table_name
           AND k.constraint_type IN ('PRIMARY KEY', 'UNIQUE')
           AND k.constraint_column_names = [c.column_name]
       ) AS is_unique
FROM duckdb_columns() AS c
WHERE c.database_name = $catalog AND c.schema_name = $schema AND c.table_name = $table
ORDER BY c.column_index;
