-- luamig.ops.batch.pg_rebuild: a PostgreSQL table rebuilt by move and copy
-- with its columns in another order, everything else as it was.
--
-- PostgreSQL cannot move a column, so, as Alembic's recreate = "always"
-- does, a new table is made and the rows copied. Alembic rebuilds from
-- SQLAlchemy's reflection and loses what that does not describe; here the
-- batch's changes have already run as ALTER statements, and the rebuild
-- only moves columns, so every other part of the table is written back
-- in the server's own words (format_type, pg_get_expr,
-- pg_get_constraintdef, pg_get_indexdef, pg_get_triggerdef):
--   1. the other tables' foreign keys into this one are dropped (DROP
--      TABLE would refuse, or with CASCADE lose them), and a serial
--      column's sequence is freed from the table (OWNED BY NONE) so that
--      DROP TABLE does not take it;
--   2. CREATE TABLE "_luamig_tmp_<t>" with the columns in the new order:
--      type, collation, default, NOT NULL, identity (its options and
--      sequence, named apart until the old one is gone) or generation;
--   3. INSERT ... SELECT the rows (OVERRIDING SYSTEM VALUE for an ALWAYS
--      identity), then the identity sequences continue where the old ones
--      stood;
--   4. DROP TABLE the old one, rename the new one and its sequences;
--   5. constraints (key first), indexes, triggers, comments, grants, the
--      sequences' ownership and the other tables' foreign keys come back.
-- All of it in one savepoint (or transaction): a failure leaves the table
-- as it was. A view that uses the table makes DROP TABLE fail, with the
-- server's message; so does a partitioned or inherited table, refused
-- first. Not kept: the table's owner if another role owns it, row-level
-- security policies, rules, storage parameters.

local null = require("luamig.driver").null

local M = {}

local TMP_PREFIX = "_luamig_tmp_"

local function truthy(v) return v == true or v == "t" or v == 1 or v == "1" end

local function present(v) return v ~= nil and v ~= null and v ~= "" end

local COLUMNS_SQL = [[
SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
  pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity AS ident, a.attgenerated AS gen,
  CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN
    (SELECT quote_ident(n.nspname) || '.' || quote_ident(co.collname) FROM pg_collation co
     JOIN pg_namespace n ON n.oid = co.collnamespace WHERE co.oid = a.attcollation) END AS coll,
  col_description(a.attrelid, a.attnum) AS comment,
  sq.relname AS seq, sn.nspname AS seq_schema,
  q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN LATERAL (SELECT s.oid, s.relname, s.relnamespace FROM pg_depend dep
  JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
  WHERE dep.classid = 'pg_class'::regclass AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum
    AND dep.deptype IN ('a', 'i') LIMIT 1) sq ON true
LEFT JOIN pg_namespace sn ON sn.oid = sq.relnamespace
LEFT JOIN pg_sequence q ON q.seqrelid = sq.oid
WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum]]

local CONSTRAINTS_SQL = [[
SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
WHERE conrelid = ?::regclass AND contype IN ('p', 'u', 'x', 'c', 'f')
ORDER BY CASE contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'x' THEN 2 WHEN 'c' THEN 3 ELSE 4 END, conname]]

local INDEXES_SQL = [[
SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
WHERE i.indrelid = ?::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c
  WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))
ORDER BY i.indexrelid]]

local TRIGGERS_SQL = "SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE tgrelid = ?::regclass"
  .. " AND NOT tgisinternal ORDER BY tgname"

local CHILDREN_SQL = [[
SELECT conname AS name, conrelid::regclass::text AS child, pg_get_constraintdef(oid) AS def FROM pg_constraint
WHERE contype = 'f' AND confrelid = ?::regclass AND conrelid <> confrelid ORDER BY 2, 1]]

local TABLE_SQL = [[
SELECT c.relkind AS kind, c.relpersistence AS persistence, obj_description(c.oid, 'pg_class') AS comment,
  EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid OR inhparent = c.oid) AS inherits
FROM pg_class c WHERE c.oid = ?::regclass]]

local GRANTS_SQL = [[
SELECT a.privilege_type AS priv, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee))
  END AS grantee, a.is_grantable AS grantable
FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = ?::regclass AND a.grantee <> c.relowner]]

local function read(ctx, qualified)
  local conn = ctx.conn
  local info, err = conn:first(TABLE_SQL, qualified)
  if not info then return nil, err or ("there is no table " .. qualified) end
  if info.kind ~= "r" or truthy(info.inherits) then
    return nil, string.format("%s is a partitioned or inherited table, which batch mode cannot rebuild", qualified)
  end
  local t = { info = info }
  for key, sql in pairs { columns = COLUMNS_SQL, constraints = CONSTRAINTS_SQL, indexes = INDEXES_SQL,
    triggers = TRIGGERS_SQL, children = CHILDREN_SQL, grants = GRANTS_SQL } do
    local rows, qerr = conn:query(sql, qualified)
    if not rows then return nil, qerr end
    t[key] = rows
  end
  return t
end

local function literal(s) return "'" .. tostring(s):gsub("'", "''") .. "'" end

-- An identity column's clause, its sequence named `seq_name`.
local function identity_sql(c, seq_name)
  return string.format("GENERATED %s AS IDENTITY (SEQUENCE NAME %s START WITH %s INCREMENT BY %s MINVALUE %s"
    .. " MAXVALUE %s CACHE %s%s)", c.ident == "a" and "ALWAYS" or "BY DEFAULT", seq_name, tostring(c.seqstart),
    tostring(c.seqincrement), tostring(c.seqmin), tostring(c.seqmax), tostring(c.seqcache),
    truthy(c.seqcycle) and " CYCLE" or " NO CYCLE")
end

local function column_sql(d, c, schema)
  local p = { d:quote(c.name), c.type }
  if present(c.coll) then p[#p + 1] = "COLLATE " .. c.coll end
  if present(c.gen) and c.gen == "s" then
    p[#p + 1] = "GENERATED ALWAYS AS (" .. c.dflt .. ") STORED"
  elseif present(c.dflt) then
    p[#p + 1] = "DEFAULT " .. c.dflt
  end
  if truthy(c.notnull) then p[#p + 1] = "NOT NULL" end
  if present(c.ident) and present(c.seq) then p[#p + 1] = identity_sql(c, d:qualify(TMP_PREFIX .. c.seq, schema)) end
  return table.concat(p, " ")
end

-- The statements of the rebuild, from what read() found | nil, msg.
local function statements(ctx, t, tname, schema, plan)
  local d = ctx.dialect
  local qualified, tmp = d:qualify(tname, schema), d:qualify(TMP_PREFIX .. tname, schema)
  local by = {}
  for _, c in ipairs(t.columns) do by[string.lower(c.name)] = c end
  local out, cols, copied, always = {}, {}, {}, false
  for _, fk in ipairs(t.children) do
    out[#out + 1] = string.format("ALTER TABLE %s DROP CONSTRAINT %s", fk.child, d:quote(fk.name))
  end
  for _, c in ipairs(t.columns) do
    if present(c.seq) and not present(c.ident) then
      out[#out + 1] = string.format("ALTER SEQUENCE %s OWNED BY NONE", d:qualify(c.seq, c.seq_schema))
    end
  end
  for i, name in ipairs(plan) do
    local c = by[string.lower(name)]
    if not c then return nil, "the table has no column " .. d:quote(name) end
    cols[i] = "  " .. column_sql(d, c, schema)
    if not (present(c.gen) and c.gen == "s") then copied[#copied + 1] = d:quote(c.name) end
    if c.ident == "a" then always = true end
  end
  out[#out + 1] = string.format("CREATE %sTABLE %s (\n%s\n)", t.info.persistence == "u" and "UNLOGGED " or "", tmp,
    table.concat(cols, ",\n"))
  local list = table.concat(copied, ", ")
  out[#out + 1] = string.format("INSERT INTO %s (%s)%s SELECT %s FROM %s", tmp, list,
    always and " OVERRIDING SYSTEM VALUE" or "", list, qualified)
  for _, c in ipairs(t.columns) do
    if present(c.ident) and present(c.seq) then
      -- the new identity continues where the old one stood
      out[#out + 1] = string.format("SELECT setval(%s, last_value, is_called) FROM %s",
        literal(d:qualify(TMP_PREFIX .. c.seq, schema)), d:qualify(c.seq, c.seq_schema))
    end
  end
  out[#out + 1] = "DROP TABLE " .. qualified
  out[#out + 1] = string.format("ALTER TABLE %s RENAME TO %s", tmp, d:quote(tname))
  for _, c in ipairs(t.columns) do
    if present(c.ident) and present(c.seq) then
      out[#out + 1] = string.format("ALTER SEQUENCE %s RENAME TO %s", d:qualify(TMP_PREFIX .. c.seq, schema),
        d:quote(c.seq))
    elseif present(c.seq) then
      out[#out + 1] = string.format("ALTER SEQUENCE %s OWNED BY %s.%s", d:qualify(c.seq, c.seq_schema), qualified,
        d:quote(c.name))
    end
  end
  for _, c in ipairs(t.constraints) do
    out[#out + 1] = string.format("ALTER TABLE %s ADD CONSTRAINT %s %s", qualified, d:quote(c.name), c.def)
  end
  for _, ix in ipairs(t.indexes) do out[#out + 1] = ix.def end
  for _, tr in ipairs(t.triggers) do out[#out + 1] = tr.def end
  if present(t.info.comment) then
    out[#out + 1] = string.format("COMMENT ON TABLE %s IS %s", qualified, literal(t.info.comment))
  end
  for _, c in ipairs(t.columns) do
    if present(c.comment) then
      out[#out + 1] = string.format("COMMENT ON COLUMN %s.%s IS %s", qualified, d:quote(c.name), literal(c.comment))
    end
  end
  for _, g in ipairs(t.grants) do
    out[#out + 1] = string.format("GRANT %s ON %s TO %s%s", g.priv, qualified, g.grantee,
      truthy(g.grantable) and " WITH GRANT OPTION" or "")
  end
  for _, fk in ipairs(t.children) do
    out[#out + 1] = string.format("ALTER TABLE %s ADD CONSTRAINT %s %s", fk.child, d:quote(fk.name), fk.def)
  end
  return out
end

--- Rebuild `tname` with its columns in the order of `plan` (names).
-- true | nil, msg.
function M.run(ctx, tname, schema, plan)
  local d, conn = ctx.dialect, ctx.conn
  local t, err = read(ctx, d:qualify(tname, schema))
  if not t then return nil, err end
  local list, serr = statements(ctx, t, tname, schema, plan)
  if not list then return nil, serr end
  local inside = conn:in_transaction()
  local ok, berr = conn:execute(inside and "SAVEPOINT luamig_reorder" or "BEGIN")
  if not ok then return nil, berr end
  local failed
  for _, sql in ipairs(list) do
    local rok, rerr = ctx:run_op({ kind = "execute", sql = sql })
    if not rok then
      failed = "rebuilding the table to reorder its columns failed: "
        .. tostring(rerr):gsub((TMP_PREFIX .. tname):gsub("%p", "%%%0"), function() return tname end)
      break
    end
  end
  if failed then
    local rok, rerr = conn:execute(inside and "ROLLBACK TO SAVEPOINT luamig_reorder" or "ROLLBACK")
    if rok and inside then rok, rerr = conn:execute("RELEASE SAVEPOINT luamig_reorder") end
    if not rok then failed = failed .. "; and undoing it failed too: " .. tostring(rerr) end
    return nil, failed
  end
  ok, berr = conn:execute(inside and "RELEASE SAVEPOINT luamig_reorder" or "COMMIT")
  if not ok then return nil, berr end
  return true
end

return M
