-- luamig.autogen.reflect.postgres.queries: the five catalog queries of
-- luamig.autogen.reflect.postgres (its header says what each reads), each
-- over every table of current_schema() at once.

local M = {}

-- The tables reflected, as a condition on pg_class `c`.
local TABLES = "c.relkind IN ('r', 'p')"
  .. " AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"

M.TABLES = [[
SELECT c.relname AS name, obj_description(c.oid, 'pg_class') AS comment
FROM pg_class c
WHERE ]] .. TABLES .. [[

ORDER BY c.relname]]

M.COLUMNS = [[
SELECT c.relname AS table_name, a.attname AS name,
  format_type(a.atttypid, a.atttypmod) AS type_text,
  a.attnotnull AS not_null,
  a.attidentity::text AS identity,
  a.attgenerated::text AS generated,
  pg_get_expr(d.adbin, d.adrelid, true) AS default_text,
  col_description(c.oid, a.attnum) AS comment,
  CASE WHEN t.typtype = 'e' THEN t.oid WHEN et.typtype = 'e' THEN et.oid END AS enum_oid,
  CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation,
  sq.seqstart AS id_start, sq.seqincrement AS id_increment, sq.seqmin AS id_minvalue, sq.seqmax AS id_maxvalue,
  sq.seqcache AS id_cache, sq.seqcycle AS id_cycle,
  EXISTS (SELECT 1 FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
          WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
            AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum AND dep.deptype = 'a') AS owns_sequence
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN LATERAL (SELECT s.* FROM pg_depend dep JOIN pg_sequence s ON s.seqrelid = dep.objid
                   WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
                     AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i'
                   LIMIT 1) sq ON a.attidentity <> ''
WHERE ]] .. TABLES .. [[ AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum]]

-- A partitioned table's foreign key to a partitioned table has, on the
-- same table, one child constraint per referenced partition (conparentid
-- set): those are the one key, not more.
M.CONSTRAINTS = [[
SELECT c.relname AS table_name, con.oid AS oid, con.conname AS name, con.contype::text AS kind,
  con.confdeltype::text AS ondelete, con.confupdtype::text AS onupdate, con.confmatchtype::text AS match,
  con.condeferrable AS deferrable, con.condeferred AS deferred,
  rn.nspname AS ref_schema, rn.nspname = current_schema() AS ref_in_schema, rc.relname AS ref_table,
  CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid, true) END AS sqltext,
  a.attname AS column_name, ra.attname AS ref_column
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN LATERAL unnest(CASE WHEN con.contype <> 'c' THEN con.conkey END, con.confkey)
  WITH ORDINALITY AS k(attnum, ref_attnum, ord) ON true
LEFT JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
LEFT JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.ref_attnum
WHERE ]] .. TABLES .. [[ AND con.contype IN ('p', 'u', 'f', 'c')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint parent
                  WHERE parent.oid = con.conparentid AND parent.conrelid = con.conrelid)
ORDER BY c.relname, con.conname, con.oid, k.ord]]

M.INDEXES = [[
SELECT c.relname AS table_name, ic.relname AS name, i.indexrelid AS oid, i.indisunique AS is_unique,
  pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
  a.attname AS column_name, pg_get_indexdef(i.indexrelid, k.n, true) AS key_text,
  i.indoption[k.n - 1] AS key_option,
  array_to_string(ARRAY(SELECT ia.attname FROM generate_series(i.indnkeyatts, i.indnatts - 1) AS g(n)
    JOIN pg_attribute ia ON ia.attrelid = i.indrelid AND ia.attnum = i.indkey[g.n] ORDER BY g.n), E'\n') AS include
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
CROSS JOIN LATERAL generate_series(1, i.indnkeyatts::int) AS k(n)
LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n - 1] AND i.indkey[k.n - 1] <> 0
WHERE ]] .. TABLES .. [[

  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid
                  AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
ORDER BY c.relname, ic.relname, k.n]]

M.ENUMS = [[
SELECT t.oid AS oid, n.nspname AS schema, n.nspname = current_schema() AS in_schema,
  t.typname AS name, e.enumlabel AS label
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_enum e ON e.enumtypid = t.oid
WHERE n.nspname = current_schema()
   OR t.oid IN (SELECT a.atttypid FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE ]] .. TABLES .. [[)
   OR t.oid IN (SELECT at.typelem FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                JOIN pg_type at ON at.oid = a.atttypid WHERE ]] .. TABLES .. [[)
ORDER BY t.oid, e.enumsortorder]]

return M
