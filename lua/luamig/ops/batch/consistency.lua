-- luamig.ops.batch.consistency: is the database still consistent around a
-- table that batch mode rebuilt? Its own foreign keys, the foreign keys of
-- the tables that reference it, and the views that use it.
--
-- Inside a revision's transaction the check runs once, when the revision's
-- function has returned and before its commit (Context:at_revision_end),
-- so that a revision may rebuild a parent table and then fix its child in
-- a second batch, as long as the end result holds. Outside one it runs at
-- once, inside the rebuild's savepoint.

local catalog = require("luamig.reflect.sqlite")
local sqltext = require("luamig.ops.batch.sqltext")

local M = {}

-- How many offending rows a message lists.
local SHOWN_ROWS = 5

local function quote_list(d, names)
  local out = {}
  for i, n in ipairs(names) do out[i] = d:quote(n) end
  return table.concat(out, ", ")
end

-- With foreign keys on: the rows of `tname` whose reference finds no row.
local function fk_violations(ctx, tname, schema)
  local d = ctx.dialect
  local rows, err = ctx.conn:query(catalog.pragma(schema, "foreign_key_check", tname))
  if not rows then return nil, err end
  if #rows == 0 then return true end
  local shown = {}
  for i = 1, math.min(#rows, SHOWN_ROWS) do
    shown[i] = string.format("rowid %s references a missing row of %s", tostring(rows[i].rowid),
      d:quote(tostring(rows[i].parent)))
  end
  return nil, string.format("%d row%s of %s would break %s foreign keys: %s%s", #rows, #rows == 1 and "" or "s",
    d:quote(tname), #rows == 1 and "its" or "their", table.concat(shown, "; "), #rows > SHOWN_ROWS and "; ..." or "")
end

-- With foreign keys off, rows that break a key are the project's business,
-- but a key whose parent columns do not exist is an error ("foreign key
-- mismatch") that SQLite would otherwise never report.
local function fk_targets(ctx, entry, schema)
  if #entry.foreign_keys == 0 then return true end
  local constraints = {}
  for i, fk in ipairs(entry.foreign_keys) do
    constraints[i] = { kind = "foreign_key", ref_table = fk.ref_table, ref_columns = fk.ref_columns }
  end
  return ctx.dialect:verify({ kind = "create_table", table = entry.name, schema = schema, constraints = constraints },
    function(sql)
      local rows, err = ctx.conn:query(sql)  -- rows only: a second result is the error
      if not rows then return nil, err end
      return rows
    end)
end

-- Every foreign key of another table that points at `tname` must still
-- find a primary key or unique column set, or SQLite reports "foreign key
-- mismatch" at the next write.
local function children_keys(ctx, tname, schema)
  local d = ctx.dialect
  local children, cerr = catalog.referencing(ctx.conn, tname, schema)
  if not children then return nil, cerr end
  if #children == 0 then return true end
  local keys, pk = catalog.unique_keys(ctx.conn, tname, schema)
  if not keys then return nil, pk end
  for _, fk in ipairs(children) do
    local target = #fk.ref_columns > 0 and fk.ref_columns or pk
    local sorted = {}
    for i, n in ipairs(target) do sorted[i] = string.lower(n) end
    table.sort(sorted)
    if #target ~= #fk.columns or not keys[table.concat(sorted, "\0")] then
      return nil, string.format("table %s has a foreign key (%s) that references %s (%s), which after the batch is no"
        .. " longer the primary key or a unique key of %s; change or drop that foreign key first, and rename a"
        .. " referenced column with op.alter_column (outside a rebuild SQLite updates the references)",
        d:quote(fk.table), quote_list(d, fk.columns), d:quote(tname),
        #fk.ref_columns > 0 and quote_list(d, fk.ref_columns) or "its primary key", d:quote(tname))
    end
  end
  return true
end

-- Views that name the table must still compile.
local function views_work(ctx, tname, schema)
  local d = ctx.dialect
  local views, err = catalog.views(ctx.conn, schema)
  if not views then return nil, err end
  for _, v in ipairs(views) do
    if sqltext.mentions(v.sql, tname) then
      local ok, verr = ctx.conn:query(string.format("SELECT * FROM %s LIMIT 0", d:qualify(v.name, schema)))
      if not ok then
        return nil, string.format("view %s no longer works after the batch: %s; drop it before the batch and create it"
          .. " again after", d:quote(v.name), verr)
      end
    end
  end
  return true
end

--- Check table `tname` as it is now: true | nil, msg. A table that a
-- later operation of the revision dropped has nothing left to check.
-- `fk_on`: PRAGMA foreign_keys was on for the rebuild.
function M.check(ctx, tname, schema, fk_on)
  local cat, err = catalog.read(ctx.conn, { schema = schema, table = tname })
  if not cat then return nil, err end
  local _, entry = next(cat.tables)
  if not entry then return true end
  local ok
  if fk_on then
    -- its rows, and the rows of the tables that reference it
    ok, err = fk_violations(ctx, entry.name, schema)
    local children
    if ok then children, err = catalog.referencing(ctx.conn, entry.name, schema) end
    ok = ok and children ~= nil
    for _, child in ipairs(children or {}) do
      if not ok then break end
      ok, err = fk_violations(ctx, child.table, schema)
    end
  else
    ok, err = fk_targets(ctx, entry, schema)
  end
  if ok then ok, err = children_keys(ctx, entry.name, schema) end
  if ok then ok, err = views_work(ctx, entry.name, schema) end
  return ok, err
end

return M
