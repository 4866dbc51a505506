-- Named queries of the SQLite profiler. They read only the schema, pragmas and ANALYZE's
-- statistics; the count and the aggregate passes over the table are composed in Python.

-- name: find_table
-- The table or view by name, as SQLite matches names (without regard to case).
SELECT name, type FROM sqlite_master
WHERE type IN ('table', 'view') AND name = :table COLLATE NOCASE;

-- name: select_columns
-- The columns in order with their declared type and their place in the primary key.
SELECT name, type, pk FROM pragma_table_info(:table);

-- name: select_unique_columns
-- The column of every full (not partial) unique index on a single column.
SELECT min(ii.name) FROM pragma_index_list(:table) AS il, pragma_index_info(il.name) AS ii
WHERE il."unique" = 1 AND il.partial = 0 GROUP BY il.name HAVING count(*) = 1;

-- name: find_stat1
-- Whether ANALYZE has ever run on this database (it creates sqlite_stat1).
SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1';

-- name: select_stat1
-- ANALYZE's "rows rows-per-value ..." line for the column leading each index of the table.
SELECT ii.name, s.stat FROM sqlite_stat1 AS s, pragma_index_info(s.idx) AS ii
WHERE s.tbl = :table AND ii.seqno = 0;

-- name: select_storage_names
-- The b-trees that hold the table: itself and its indexes.
SELECT name FROM sqlite_master WHERE tbl_name = :table AND type IN ('table', 'index');

-- name: select_storage_size
-- The bytes of one b-tree, when SQLite was built with the dbstat virtual table.
SELECT pgsize FROM dbstat('main', 1) WHERE name = :name;
