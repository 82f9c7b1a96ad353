-- luamig.autogen.model: the schema a project declares, as a snapshot.
--
-- The models file is Lua, written with the constructors revisions use:
--
--   Table("links",
--     Column("id", Integer, { primary_key = true }),
--     Column("url", Text, { nullable = false }),
--     Column("code", String(16), { unique = true, renamed_from = "short_code" }),
--     Index("ix_links_url", "url"),
--     { comment = "shortened links", renamed_from = "urls" })
--
-- Each Table(...) call declares a table (in order); a file may also return
-- a list of them. `renamed_from` on a table or a column asks compare to
-- rename instead of dropping and adding (so no data is lost); it is the
-- only option a model has that a revision has not.
--
-- A declared table goes through op.create_table's own argument handling
-- (a context that keeps the records instead of running them) and the
-- dialect's constraint naming, so a model means exactly what the same
-- create_table in a revision would create.

local ops = require("luamig.ops")
local types = require("luamig.schema.types")
local script = require("luamig.script")
local sys = require("luamig.sys")
local snapshot = require("luamig.autogen.snapshot")

local M = {}

local ModelTable = { __name = "luamig.Table" }

--- The models file of a project: cfg.models (a path, or a module name
-- such as "models" for models.lua / models/init.lua), else
-- <script_location>/models.lua. nil, msg when there is none.
function M.path(cfg)
  local candidates = {}
  local explicit = cfg.models ~= nil and cfg.models ~= "models" and cfg.models  -- "models" is the default
  if explicit then
    if explicit:find("%.lua$") then candidates = { explicit }
    else
      local base = explicit:gsub("%.", "/")
      candidates = { base .. ".lua", base .. "/init.lua" }
    end
  else
    candidates = { cfg.script_location .. "/models.lua", "models.lua", "models/init.lua" }
  end
  for _, p in ipairs(candidates) do
    local st = sys.stat(p)
    if st and st.type == "file" then return p end
  end
  return nil, string.format("no models file: looked for %s (set `models` in luamig.lua)",
    table.concat(candidates, ", "))
end

-- Column(...) with `renamed_from`, which revisions do not take (in the
-- options table, which comes last: after a Computed or an Identity).
local function model_column(name, coltype, ...)
  local n = select("#", ...)
  local opts = n > 0 and select(n, ...) or nil
  if not (type(opts) == "table" and getmetatable(opts) == nil and opts.renamed_from ~= nil) then
    -- the usual column, without copying its arguments
    local ok, col = pcall(types.Column, name, coltype, ...)
    if not ok then error(col, 2) end
    return col
  end
  local renamed_from = opts.renamed_from
  if type(renamed_from) ~= "string" or renamed_from == "" then
    error(string.format("Column %q: renamed_from must be the old column name, got %s", tostring(name),
      types.describe(renamed_from)), 2)
  end
  local args = table.pack(...)
  local copy = {}
  for k, v in pairs(opts) do if k ~= "renamed_from" then copy[k] = v end end
  args[args.n] = copy
  local ok, col = pcall(types.Column, name, coltype, table.unpack(args, 1, args.n))
  if not ok then error(col, 2) end
  col.renamed_from = renamed_from
  return col
end

-- The environment a models file runs in: the constructors, Table, and
-- the same safe standard library as revisions.
local function environment(declared)
  local env = script.environment()
  local function Table(name, ...)
    if type(name) ~= "string" or name == "" then
      error("Table: argument #1 (name) must be a non-empty string, got " .. types.describe(name), 2)
    end
    local args = { n = select("#", ...), ... }
    local last = args[args.n]
    local renamed_from
    if type(last) == "table" and getmetatable(last) == nil then
      if last.renamed_from ~= nil then
        renamed_from = last.renamed_from
        if type(renamed_from) ~= "string" or renamed_from == "" then
          error(string.format("Table %q: renamed_from must be the old table name, got %s", name,
            types.describe(renamed_from)), 2)
        end
        local copy = {}
        for k, v in pairs(last) do if k ~= "renamed_from" then copy[k] = v end end
        args[args.n] = copy
      end
    end
    local t = setmetatable({ name = name, args = args, renamed_from = renamed_from }, ModelTable)
    if declared.by_name[name] then error(string.format("Table %q is declared twice", name), 2) end
    declared.by_name[name] = t
    declared[#declared + 1] = t
    return t
  end
  rawset(env, "Table", Table)
  rawset(env, "Column", model_column)
  return env
end

--- Read a models file: the declared tables, in order | nil, msg.
function M.load(path)
  local src, err = sys.read_file(path)
  if not src then return nil, "cannot read the models file " .. err end
  local declared = { by_name = {} }
  local env = environment(declared)
  local chunk, cerr = load(src, "@" .. path, "t", env)
  if not chunk then return nil, cerr end
  local ok, result = pcall(chunk)
  if not ok then return nil, tostring(result) end
  if type(result) == "table" and getmetatable(result) == nil and #result > 0 then
    for i, t in ipairs(result) do
      if getmetatable(t) ~= ModelTable then
        return nil, string.format("%s: the returned list holds a %s at #%d, not a Table", path, types.describe(t), i)
      end
    end
    return result
  end
  return declared
end

-- A function making the create_table record op.create_table makes of a
-- declared table. One op table serves every table: ops.new wraps each
-- operation anew, which on a thousand tables was most of the models' time.
local function record_maker(cfg, dialect, path)
  local captured
  local ctx = { cfg = cfg, dialect = dialect, run_op = function(_, record) captured = record; return true end }
  local op
  return function(t)
    op = op or ops.new(ctx)
    captured = nil
    local ok, err = pcall(op.create_table, t.name, table.unpack(t.args, 1, t.args.n))
    if not ok then
      return nil, string.format("%s: Table %q: %s", path, t.name, tostring(err):gsub("^[^:]*:%d+: ", ""))
    end
    return captured
  end
end

-- A column's default as the snapshot has it: MySQL's ON UPDATE
-- (server_onupdate) is part of it, as the reflection reads it.
local function default_sql(dialect, col)
  if col.server_default == nil then return nil end
  local text = dialect:literal(col.server_default)
  if col.server_onupdate ~= nil then text = text .. " ON UPDATE " .. dialect:literal(col.server_onupdate) end
  return text
end

local function index_entry(dialect, rec, ix)
  local name, err = dialect:constraint_name(rec.naming_convention, "index",
    { table = rec.table, columns = ix.columns, name = ix.name })
  if not name then return nil, err or "an Index needs a name" end
  local columns, expressions = {}, nil
  for _, e in ipairs(ix.columns) do
    if types.is_sql(e) then
      expressions = expressions or {}
      expressions[#expressions + 1] = e.text
    else
      columns[#columns + 1] = e
    end
  end
  local where = ix[dialect.option_prefix .. "_where"]
  if types.is_sql(where) then where = where.text end
  local include = ix[dialect.option_prefix .. "_include"]
  return { name = name, columns = expressions and nil or columns, expressions = expressions,
    unique = ix.unique or false, where = where, include = include and #include > 0 and include or nil }
end

-- The CHECK a column's type brings on this dialect (a non-native Enum,
-- Boolean{create_constraint}), as the snapshot has it: {name, values} |
-- nil | nil, msg.
local function type_check(dialect, rec, col)
  local cond, name = dialect:type_check_condition(col.type, col.name, rec.table, rec.naming_convention)
  if not cond then
    if name then return nil, name end
    return nil
  end
  local values = col.type.name == "Enum" and col.type.values or { "0", "1" }
  return { name = name, values = values }
end

-- A snapshot table of a create_table record.
local function table_of(rec, dialect, renamed_from)
  local t = snapshot.new_table(rec.table)
  t.comment = rec.comment
  t.renamed_from = renamed_from
  local auto = dialect:autoincrement_column(rec.columns)
  for i, col in ipairs(rec.columns) do
    local checked, err = type_check(dialect, rec, col)
    if err then return nil, err end
    -- the autoincrementing key as the dialect writes it (SQLite: any
    -- integer key is the rowid, INTEGER)
    local coltype = col.type
    if col == auto and types.is_integer(coltype)
        and dialect:column_type_sql(col, { primary_key = true, autoincrement = true }) == "INTEGER" then
      coltype = types.Integer
    end
    t.columns[i] = { name = col.name, type = coltype, nullable = col.nullable ~= false,
      default = default_sql(dialect, col), autoincrement = col == auto, comment = col.comment,
      renamed_from = col.renamed_from, type_check = checked,
      computed = col.computed and { sqltext = col.computed.sqltext, persisted = col.computed.persisted },
      identity = dialect.identity_columns and snapshot.identity(col.identity, col.type) or nil }
  end
  local constraints, cerr = dialect:table_constraints(rec, nil)
  if not constraints then return nil, cerr end
  for _, c in ipairs(constraints) do
    if c.kind == "primary_key" then
      t.primary_key = { name = c.name, columns = c.columns }
    elseif c.kind == "unique" then
      t.uniques[#t.uniques + 1] = { name = c.name, columns = c.columns }
    elseif c.kind == "foreign_key" then
      t.foreign_keys[#t.foreign_keys + 1] = { name = c.name, columns = c.columns, ref_table = c.ref_table,
        ref_columns = c.ref_columns, ondelete = snapshot.action(c.ondelete, dialect),
        onupdate = snapshot.action(c.onupdate, dialect) }
      snapshot.fk_options(c, t.foreign_keys[#t.foreign_keys])
    elseif c.kind == "check" then
      local text = c.sqltext
      if types.is_sql(text) then text = text.text end
      t.checks[#t.checks + 1] = { name = c.name, sqltext = text }
    end
  end
  for _, col in ipairs(rec.columns) do
    -- a CheckConstraint given to a Column is the table's too
    for _, ck in ipairs(col.checks or {}) do
      local name, nerr = dialect:constraint_name(rec.naming_convention, "check",
        { table = rec.table, columns = { col.name }, name = ck.name })
      if nerr then return nil, nerr end
      t.checks[#t.checks + 1] = { name = name, sqltext = types.is_sql(ck.sqltext) and ck.sqltext.text or ck.sqltext }
    end
    if col.index then
      local ix, ierr = index_entry(dialect, rec, { columns = { col.name }, unique = col.unique })
      if not ix then return nil, ierr end
      t.indexes[#t.indexes + 1] = ix
    end
  end
  for _, ix in ipairs(rec.indexes or {}) do
    local entry, ierr = index_entry(dialect, rec, ix)
    if not entry then return nil, ierr end
    t.indexes[#t.indexes + 1] = entry
  end
  return snapshot.sort_lists(t)
end

--- The snapshot of a models file for `dialect` | nil, msg.
function M.snapshot(cfg, dialect, path)
  local declared, err = M.load(path)
  if not declared then return nil, err end
  local snap = snapshot.new()
  local create_record = record_maker(cfg, dialect, path)
  for _, t in ipairs(declared) do
    local rec, rerr = create_record(t)
    if not rec then return nil, rerr end
    local tbl, terr = table_of(rec, dialect, t.renamed_from)
    if not tbl then return nil, string.format("%s: Table %q: %s", path, t.name, terr) end
    snap.tables[t.name] = tbl
    for _, col in ipairs(rec.columns) do
      local ty = col.type
      if ty.name == "Enum" and ty.enum_name and dialect.named_enums then
        snap.enums[ty.enum_name] = ty.values
      end
    end
  end
  return snap
end

return M
