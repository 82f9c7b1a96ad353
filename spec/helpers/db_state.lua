-- A text of everything a database holds that a migration could change:
-- every table with its columns, indexes, constraints and foreign keys, the
-- rows of every table (the version table's included), and the history
-- table's rows apart. Specs of failures take it before and after a run and
-- compare: "the database is exactly as it was".
--
--   local before = db_state.snapshot(b, url)
--   ... a run that must fail ...
--   db_state.assert_unchanged(b, url, before)
local driver = require "luamig.driver"
local assert = require "luassert"

local M = {}

local HISTORY = "luamig_history"

local function value_text(v)
  if v == driver.null then return "NULL" end
  return string.format("%q", tostring(v))
end

-- Rows of a table as sorted lines "col=value, ...".
local function rows_text(conn, name)
  local rows, columns = conn:query("SELECT * FROM " .. conn:quote_ident(name))
  if not rows then return "<" .. tostring(columns) .. ">" end
  local lines = {}
  for i, row in ipairs(rows) do
    local cells = {}
    for j, c in ipairs(columns) do cells[j] = c .. "=" .. value_text(row[c]) end
    lines[i] = table.concat(cells, ", ")
  end
  table.sort(lines)
  return table.concat(lines, "\n")
end

local function list(t)
  local out = {}
  for k, v in pairs(t) do out[#out + 1] = type(k) == "number" and tostring(v) or (k .. ": " .. tostring(v)) end
  table.sort(out)
  return table.concat(out, "; ")
end

--- {schema = text, data = text, history = {rows as "revision direction outcome"}}
function M.snapshot(b, url)
  local parts = { b:schema(url) }
  local data = {}
  local tables = b:tables(url)
  for _, t in ipairs(tables) do
    parts[#parts + 1] = t .. " constraints: " .. list(b:constraints(url, t))
    parts[#parts + 1] = t .. " foreign keys: " .. list(b:foreign_keys(url, t))
    parts[#parts + 1] = t .. " indexes: " .. list(b:index_definitions(url, t))
  end
  local history = {}
  b:with(url, function(conn)
    for _, t in ipairs(tables) do
      if t ~= HISTORY then data[#data + 1] = t .. ":\n" .. rows_text(conn, t) end
    end
    local rows = conn:query("SELECT revision, direction, outcome FROM " .. HISTORY .. " ORDER BY id")
    for i, r in ipairs(rows or {}) do history[i] = r.revision .. " " .. r.direction .. " " .. r.outcome end
  end)
  return { schema = table.concat(parts, "\n"), data = table.concat(data, "\n"), history = history }
end

--- The database is as `before` says. On MySQL a failed step is recorded in
-- the history table (its DDL cannot be rolled back): `failed_step`, when
-- given, may be there as "failed" (never "ok") on that backend.
function M.assert_unchanged(b, url, before, failed_step)
  local after = M.snapshot(b, url)
  assert.equal(before.schema, after.schema)
  assert.equal(before.data, after.data)
  local history = after.history
  if b.tag == "mysql" and failed_step then
    local kept = {}
    for _, line in ipairs(history) do
      if line:sub(1, #failed_step + 1) == failed_step .. " " then
        assert.matches(" failed$", line)
      else
        kept[#kept + 1] = line
      end
    end
    history = kept
  end
  assert.same(before.history, history)
end

return M
