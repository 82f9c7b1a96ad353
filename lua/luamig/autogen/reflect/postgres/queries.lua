-- luamig.autogen.reflect.postgres.queries: the five catalog queries of
-- luamig.autogen.reflect.postgres (its header says what each reads), each
-- over every table of current_schema() at once.

local M = {}

-- The tables reflected, as a condition on pg_class `c`.
local TABLES = "c.relkind IN ('r', 'p')"
  .. " AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"

-- Comments are joined from pg_description rather than read with
-- obj_description()/col_description(): those are SQL functions, run as a
-- query of their own for every row.
M.TABLES = [[
SELECT c.relname AS name, ds.description AS comment
FROM pg_class c
LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
WHERE ]] .. TABLES .. [[

ORDER BY c.relname]]

-- A default is printed without the table (pg_get_expr(adbin, 0)): with it,
-- pg_get_expr opens the table to name its columns, which on a fresh
-- connection builds the relation cache entry of every table, and a default
-- names no column. A generated column's expression does, so it gets its table.
-- The identity sequence and the owned (serial) sequence are hash-joined
-- rather than looked up once per column. The rows only need to come
-- table by table in column order: sorted by the table's oid, not its name.
M.COLUMNS = [[
SELECT c.relname AS table_name, a.attname AS name,
  format_type(a.atttypid, a.atttypmod) AS type_text,
  a.attnotnull AS not_null,
  a.attidentity::text AS identity,
  a.attgenerated::text AS generated,
  CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, 0, true)
       ELSE pg_get_expr(d.adbin, d.adrelid, true) END AS default_text,
  ds.description AS comment,
  CASE WHEN t.typtype = 'e' THEN t.oid WHEN et.typtype = 'e' THEN et.oid END AS enum_oid,
  CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation,
  sq.seqstart AS id_start, sq.seqincrement AS id_increment, sq.seqmin AS id_minvalue, sq.seqmax AS id_maxvalue,
  sq.seqcache AS id_cache, sq.seqcycle AS id_cycle,
  own.refobjid IS NOT NULL AS owns_sequence
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum
LEFT JOIN (SELECT dep.refobjid, dep.refobjsubid, s.* FROM pg_depend dep JOIN pg_sequence s ON s.seqrelid = dep.objid
           WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
             AND dep.deptype = 'i') sq
  ON sq.refobjid = c.oid AND sq.refobjsubid = a.attnum AND a.attidentity <> ''
LEFT JOIN (SELECT DISTINCT dep.refobjid, dep.refobjsubid FROM pg_depend dep
           JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
           WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
             AND dep.deptype = 'a') own
  ON own.refobjid = c.oid AND own.refobjsubid = a.attnum
WHERE ]] .. TABLES .. [[ AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum]]

-- A partitioned table's foreign key to a partitioned table has, on the
-- same table, one child constraint per referenced partition (conparentid
-- set): those are the one key, not more. The key columns' names are looked
-- up one by one (subqueries on pg_attribute's unique index): as joins the
-- planner, which expects a row or two, scans every column of the table.
M.CONSTRAINTS = [[
SELECT c.relname AS table_name, con.oid AS oid, con.conname AS name, con.contype::text AS kind,
  con.confdeltype::text AS ondelete, con.confupdtype::text AS onupdate, con.confmatchtype::text AS match,
  con.condeferrable AS deferrable, con.condeferred AS deferred,
  rn.nspname AS ref_schema, rn.nspname = current_schema() AS ref_in_schema, rc.relname AS ref_table,
  CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid, true) END AS sqltext,
  (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = con.conrelid AND a.attnum = k.attnum) AS column_name,
  (SELECT ra.attname FROM pg_attribute ra WHERE ra.attrelid = con.confrelid AND ra.attnum = k.ref_attnum)
    AS ref_column
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN LATERAL unnest(CASE WHEN con.contype <> 'c' THEN con.conkey END, con.confkey)
  WITH ORDINALITY AS k(attnum, ref_attnum, ord) ON true
WHERE ]] .. TABLES .. [[ AND con.contype IN ('p', 'u', 'f', 'c')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint parent
                  WHERE parent.oid = con.conparentid AND parent.conrelid = con.conrelid)
ORDER BY c.relname, con.conname, con.oid, k.ord]]

-- One row per index attribute, keys then INCLUDE columns (`included`).
-- A key's text is pg_get_indexdef's only for an expression: for a column
-- it is the quoted name, which is what pg_get_indexdef prints, and
-- pg_get_indexdef opens the table each time. unnest, not generate_series:
-- the planner takes generate_series over a column for 1000 rows, and the
-- cost it then sees puts the query through JIT compilation (jit_above_cost),
-- which costs far more than the query.
M.INDEXES = [[
SELECT c.relname AS table_name, ic.relname AS name, i.indexrelid AS oid, i.indisunique AS is_unique,
  pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
  k.n > i.indnkeyatts AS included, a.attname AS column_name,
  CASE WHEN k.attnum = 0 THEN pg_get_indexdef(i.indexrelid, k.n::int, true) ELSE quote_ident(a.attname) END AS key_text,
  i.indoption[k.n - 1] AS key_option
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum <> 0
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
