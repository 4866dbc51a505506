-- Named queries of the PostgreSQL profiler. They read only the catalog and the statistics
-- views; the aggregate passes over the table itself are composed in Python.

-- name: set_time_limit
-- Bound the next statements by what is left of the profile's time (this transaction only).
SELECT pg_catalog.set_config('statement_timeout', %(milliseconds)s, true);

-- name: find_table
-- The table, view or foreign table by name (default: the search path), its size and ANALYZE age.
SELECT c.oid, n.nspname, c.relname, c.relkind,
       CASE
         WHEN c.relkind = 'p' THEN (SELECT sum(pg_catalog.pg_total_relation_size(t.relid))
                                    FROM pg_catalog.pg_partition_tree(c.oid) AS t)
         WHEN c.relkind IN ('r', 'm') THEN pg_catalog.pg_total_relation_size(c.oid)
       END AS size_bytes,
       greatest(s.last_analyze, s.last_autoanalyze) IS NOT NULL AS analyzed,
       s.n_mod_since_analyze
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_stat_all_tables AS s ON s.relid = c.oid
WHERE c.relname = %(table)s
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND CASE WHEN %(schema)s::text IS NULL
           THEN n.nspname = ANY (pg_catalog.current_schemas(false))
           ELSE n.nspname = %(schema)s::text END
ORDER BY pg_catalog.array_position(pg_catalog.current_schemas(false), n.nspname)
LIMIT 1;

-- name: select_columns
-- The columns in order, with the aggregates each one's type supports and its 64-bit hash.
-- Read from the catalog rather than guessed from type names: min/max need an ordering,
-- COUNT(DISTINCT) a default btree operator class.
SELECT a.attname,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type,
       b.typname = 'bool' AS is_bool,
       b.typcategory = 'N' AND EXISTS (
         SELECT 1 FROM pg_catalog.pg_proc AS p
         WHERE p.proname = 'avg' AND p.prokind = 'a' AND p.pronargs = 1
           AND p.pronamespace = 'pg_catalog'::regnamespace AND p.proargtypes[0] = b.oid
       ) AS has_mean,
       EXISTS (
         SELECT 1 FROM pg_catalog.pg_proc AS p
         WHERE p.proname = 'min' AND p.prokind = 'a' AND p.pronargs = 1
           AND p.pronamespace = 'pg_catalog'::regnamespace
           AND (p.proargtypes[0] = b.oid
                OR (p.proargtypes[0] = 'anyenum'::regtype AND b.typtype = 'e')
                OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast AS k
                           WHERE k.castsource = b.oid AND k.casttarget = p.proargtypes[0]
                             AND k.castcontext = 'i' AND k.castmethod = 'b'))
       ) AS has_min_max,
       EXISTS (
         SELECT 1 FROM pg_catalog.pg_opclass AS o
         JOIN pg_catalog.pg_am AS m ON m.oid = o.opcmethod
         WHERE m.amname = 'btree' AND o.opcdefault
           AND (o.opcintype = b.oid
                OR (o.opcintype = 'anyenum'::regtype AND b.typtype = 'e')
                OR (o.opcintype = 'anyrange'::regtype AND b.typtype = 'r')
                OR (o.opcintype = 'anymultirange'::regtype AND b.typtype = 'm')
                OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast AS k
                           WHERE k.castsource = b.oid AND k.casttarget = o.opcintype
                             AND k.castcontext = 'i' AND k.castmethod = 'b'))
       ) AS has_distinct,
       EXISTS (
         SELECT 1 FROM pg_catalog.pg_index AS i
         WHERE i.indrelid = a.attrelid AND i.indisunique AND i.indimmediate AND i.indisvalid
           AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum
           AND i.indpred IS NULL AND i.indexprs IS NULL
       ) AS is_unique,
       coalesce(nullif(a.attstattarget, -1),
                pg_catalog.current_setting('default_statistics_target')::integer)
         AS statistics_target,
       h.hash_schema,
       h.hash_function
FROM pg_catalog.pg_attribute AS a
JOIN pg_catalog.pg_type AS t ON t.oid = a.atttypid
JOIN pg_catalog.pg_type AS b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype
                                            ELSE t.oid END
-- The 64-bit hash that the type's default hash operator class pairs with its equality.
LEFT JOIN LATERAL (
  SELECT n.nspname AS hash_schema, p.proname AS hash_function
  FROM pg_catalog.pg_opclass AS o
  JOIN pg_catalog.pg_am AS m ON m.oid = o.opcmethod AND m.amname = 'hash'
  JOIN pg_catalog.pg_amproc AS ap
    ON ap.amprocfamily = o.opcfamily AND ap.amprocnum = 2
   AND ap.amproclefttype = o.opcintype AND ap.amprocrighttype = o.opcintype
  JOIN pg_catalog.pg_proc AS p ON p.oid = ap.amproc
  JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
  WHERE o.opcdefault
    AND (o.opcintype = b.oid
         OR (o.opcintype = 'anyenum'::regtype AND b.typtype = 'e')
         OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast AS k
                    WHERE k.castsource = b.oid AND k.casttarget = o.opcintype
                      AND k.castcontext = 'i' AND k.castmethod = 'b'))
  LIMIT 1
) AS h ON true
WHERE a.attrelid = %(oid)s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;

-- name: select_stats
-- ANALYZE's n_distinct per column (negative: a share of the rows), the whole tree's first.
SELECT DISTINCT ON (attname) attname, n_distinct
FROM pg_catalog.pg_stats
WHERE schemaname = %(schema)s AND tablename = %(table)s
ORDER BY attname, inherited DESC;
