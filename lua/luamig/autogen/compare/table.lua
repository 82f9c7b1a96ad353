-- luamig.autogen.compare.table: the changes to one table that both sides
-- have: its columns (added, dropped, renamed; altered: compare/column.lua),
-- its constraints and indexes (luamig.autogen.compare.constraints) and
-- its comment.

local column = require("luamig.autogen.compare.column")
local filter = require("luamig.autogen.compare.filter")
local changes = require("luamig.autogen.compare.change")
local constraints = require("luamig.autogen.compare.constraints")

local included, change = filter.included, changes.change
local fold_uniques, compare_constraints = constraints.fold_uniques, constraints.compare

local M = {}

local function comment_of(v) if v == "" then return nil end return v end

-- The database's constraints and indexes with renamed columns under their
-- new names: the renames run first (phase 3), so that is what the later
-- drops and creates see.
local function with_renames(db_t, renamed)
  if next(renamed) == nil then return db_t end
  local function map(list)
    if not list then return nil end
    local out = {}
    for i, c in ipairs(list) do out[i] = renamed[c] or c end
    return out
  end
  local copy = {}
  for k, v in pairs(db_t) do copy[k] = v end
  for _, key in ipairs { "uniques", "indexes", "foreign_keys" } do
    copy[key] = {}
    for i, e in ipairs(db_t[key]) do
      local m = {}
      for k, v in pairs(e) do m[k] = v end
      m.columns = map(e.columns)
      copy[key][i] = m
    end
  end
  return copy
end

-- db_t with the CHECKs of reflected Enum or Boolean columns given back
-- where the model declares the plain type (compare/column.lua's unfolded).
local function unfold(model_t, db_t)
  local model_cols = {}
  for _, m in ipairs(model_t.columns) do model_cols[m.name] = m end
  local copy, checks = {}, {}
  for k, v in pairs(db_t) do copy[k] = v end
  for i, ck in ipairs(db_t.checks) do checks[i] = ck end
  copy.columns = {}
  for i, d in ipairs(db_t.columns) do
    local m = model_cols[d.name]
    if not m then
      for _, c in ipairs(model_t.columns) do if c.renamed_from == d.name then m = c end end
    end
    copy.columns[i] = m and column.unfolded(m, d, checks) or d
  end
  copy.checks = checks
  return copy
end

--- Append the changes that make db_t model_t to `out`; type_key: the
-- comparison's type keys (compare/normalize.lua's type_keys).
local function compare_table(out, cfg, dialect, tname, model_t, db_t, type_key)
  model_t = fold_uniques(dialect, model_t)
  db_t = unfold(model_t, db_t)
  local renamed = {}
  local db_cols = {}
  for _, c in ipairs(db_t.columns) do db_cols[c.name] = c end
  local function compare_column(m, d) column.compare(out, dialect, tname, m, d, db_t, type_key) end
  local model_cols, seen_db = {}, {}
  for _, m in ipairs(model_t.columns) do
    model_cols[m.name] = m
    local d = db_cols[m.name]
    if not d and m.renamed_from and db_cols[m.renamed_from] and not model_cols[m.renamed_from] then
      d = db_cols[m.renamed_from]
      seen_db[d.name] = true
      renamed[d.name] = m.name
      if included(cfg, m, m.name, "column", false, d) then
        out[#out + 1] = change(3, { op = "rename_column", table = tname, from = d.name, to = m.name },
          { op = "rename_column", table = tname, from = m.name, to = d.name })
        compare_column(m, d)
      end
    elseif d then
      seen_db[d.name] = true
      if included(cfg, m, m.name, "column", false, d) then compare_column(m, d) end
    elseif included(cfg, m, m.name, "column", false, nil) then
      out[#out + 1] = change(4, { op = "add_column", table = tname, column = m },
        { op = "drop_column", table = tname, column = m })
    end
  end
  for _, d in ipairs(db_t.columns) do
    if not seen_db[d.name] and not model_cols[d.name]
        and included(cfg, d, d.name, "column", true, nil, { table_name = tname }) then
      out[#out + 1] = change(8, { op = "drop_column", table = tname, column = d },
        { op = "add_column", table = tname, column = d })
    end
  end
  compare_constraints(out, cfg, dialect, tname, model_t, with_renames(db_t, renamed))
  if dialect.comments and comment_of(model_t.comment) ~= comment_of(db_t.comment) then
    local function set(c) return c and { op = "create_table_comment", table = tname, comment = c }
      or { op = "drop_table_comment", table = tname } end
    out[#out + 1] = change(10, set(comment_of(model_t.comment)), set(comment_of(db_t.comment)))
  end
end
M.compare = compare_table

return M
