-- luamig.ops.batch.reorder: a batch that asks for a column order
-- (partial_reordering, add_column's insert_before / insert_after) on
-- PostgreSQL and MySQL/MariaDB.
--
-- The order is planned first (luamig.ops.batch.order), from the columns
-- the table has, so that a wrong name or a contradiction is refused
-- before any statement runs (MySQL commits each one). Then the batch's
-- changes run as ALTER statements, as every batch does there, and the
-- columns are put in the planned order:
--   * MySQL/MariaDB: one ALTER TABLE ... MODIFY COLUMN <its definition as
--     SHOW CREATE TABLE writes it> FIRST | AFTER ..., which the server
--     carries out by copying the table, keeping keys, indexes, foreign
--     keys in both directions, triggers, grants and the AUTO_INCREMENT
--     counter;
--   * PostgreSQL, which cannot move a column: move and copy (see
--     luamig.ops.batch.pg_rebuild).

local order = require("luamig.ops.batch.order")
local pg_rebuild = require("luamig.ops.batch.pg_rebuild")

local M = {}

-- The table's column names in order | nil, msg.
local function column_names(ctx, tname, schema)
  local d = ctx.dialect
  local rows, err = ctx.conn:query(d.column_names_sql, schema, tname)
  if not rows then return nil, err end
  if #rows == 0 then return nil, string.format("there is no table %s", d:qualify(tname, schema)) end
  local out = {}
  for i, r in ipairs(rows) do out[i] = r.name or r.NAME end
  return out
end

-- The column definitions of SHOW CREATE TABLE, by lowercase name.
local function mysql_definitions(ctx, tname, schema)
  local d = ctx.dialect
  local row, err = ctx.conn:first("SHOW CREATE TABLE " .. d:qualify(tname, schema))
  if not row then return nil, err or ("cannot read " .. d:qualify(tname, schema)) end
  local text = row["Create Table"]
  if not text then return nil, "SHOW CREATE TABLE returned no definition" end
  local defs = {}
  for line in text:gmatch("[^\n]+") do
    if line:sub(1, 3) == "  `" then
      -- the name ends at a backtick not doubled
      local i, name = 4, {}
      while i <= #line do
        local ch = line:sub(i, i)
        if ch == "`" then
          if line:sub(i + 1, i + 1) == "`" then name[#name + 1] = "`"; i = i + 2 else break end
        else
          name[#name + 1] = ch; i = i + 1
        end
      end
      defs[string.lower(table.concat(name))] = (line:sub(3):gsub(",%s*$", ""))
    end
  end
  return defs
end

-- MySQL/MariaDB: MODIFY every column from the first one out of place.
local function mysql_reorder(ctx, tname, schema, now, plan)
  local d = ctx.dialect
  local defs, err = mysql_definitions(ctx, tname, schema)
  if not defs then return nil, err end
  local first = 1
  while first <= #plan and string.lower(now[first]) == string.lower(plan[first]) do first = first + 1 end
  local parts = {}
  for i = first, #plan do
    local def = defs[string.lower(plan[i])]
    if not def then return nil, "SHOW CREATE TABLE has no definition of column " .. d:quote(plan[i]) end
    parts[#parts + 1] = "MODIFY COLUMN " .. def .. (i == 1 and " FIRST" or (" AFTER " .. d:quote(plan[i - 1])))
  end
  return ctx:run_op({ kind = "execute", sql = "ALTER TABLE " .. d:qualify(tname, schema) .. " " .. table.concat(parts, ", ") })
end

local function same_order(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do
    if string.lower(a[i]) ~= string.lower(b[i]) then return false end
  end
  return true
end

--- Run the batch's `records` (through `run_records()`) on `tname` and put
-- the columns in the order asked for. true | nil, msg.
function M.run(ctx, tname, records, opts, run_records)
  local d = ctx.dialect
  if ctx.offline then
    return nil, string.format("%s cannot be written for --sql on %s: putting the columns in order needs to read"
      .. " the table", opts.partial_reordering and "partial_reordering" or "insert_before/insert_after",
      d.display_name or d.name)
  end
  local before, err = column_names(ctx, tname, opts.schema)
  if not before then return nil, err end
  local plan, perr = order.plan(before, records, opts.partial_reordering, tname)
  if not plan then return nil, perr end
  local ok, rerr = run_records()
  if not ok then return nil, rerr end
  local now, nerr = column_names(ctx, tname, opts.schema)
  if not now then return nil, nerr end
  if same_order(now, plan) then return true end
  local named = {}
  for i, n in ipairs(now) do named[i] = { name = n } end
  if not order.arrange(named, plan) then
    return nil, string.format("the table's columns (%s) are not the ones planned (%s)", table.concat(now, ", "),
      table.concat(plan, ", "))
  end
  -- The dialect says how its server moves columns (column_order).
  if d.column_order == "copy" then return pg_rebuild.run(ctx, tname, opts.schema, plan) end
  return mysql_reorder(ctx, tname, opts.schema, now, plan)
end

return M
