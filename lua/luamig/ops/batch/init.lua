-- luamig.ops.batch: batch mode, op.batch_alter_table(table, fn, opts).
--
--   op.batch_alter_table("users", function(batch)
--     batch.alter_column("email", { nullable = false, type_ = String(320) })
--     batch:create_unique_constraint("uq_users_email", { "email" })
--   end)
--
-- The function queues operations on one table (each method works called
-- with a dot, as Alembic users write it, or with a colon); then they run
-- together. PostgreSQL and MySQL run them one by one as ALTER statements.
-- SQLite, whose ALTER TABLE can only rename and add or drop plain columns,
-- rebuilds the table by move and copy (luamig.ops.batch.rebuild) when one of
-- them needs it ("auto"), always ("always") or never ("never": each runs
-- as it is and fails where SQLite cannot). The records are those of
-- docs/internals.md; the queue is closed when the function returns.
--
-- Errors in a revision's arguments raise at the revision's line: the
-- methods below are called from the revision's function, so they raise at
-- level 2 and their check helpers at level 3; run() is called by
-- op.batch_alter_table, one frame further, so it raises at level 3 and its
-- helpers at level 4. Neither call may be a tail call.

local types = require "luamig.schema.types"
local check = require "luamig.ops.check"
local naming = require "luamig.schema.naming"
local reflect = require "luamig.ops.batch.reflect"
local model_ops = require "luamig.ops.batch.model"
local rebuild = require "luamig.ops.batch.rebuild"

local type, ipairs, pairs, error, select = type, ipairs, pairs, error, select
local setmetatable = setmetatable
local str_format, str_upper, table_concat = string.format, string.upper, table.concat
local describe, is_sql, is_column = types.describe, types.is_sql, types.is_column

local M = {}

local PREFIX = "op.batch_alter_table: "

local is_plain_table, is_name, sorted_keys = check.is_plain_table, check.is_name, check.sorted_keys

-- The option kinds of ops/check.lua, and batch's own: its drop_constraint
-- also takes "foreign_key", and batch_alter_table's options.
local KINDS = setmetatable({
  constraint_type = {
    function(v) return v == "unique" or v == "check" or v == "foreignkey" or v == "foreign_key" or v == "primary" end,
    'one of "unique", "check", "foreignkey", "primary"',
  },
  recreate = { function(v) return v == "auto" or v == "always" or v == "never" end, '"auto", "always" or "never"' },
  definition = {
    function(v) return is_plain_table(v) and is_plain_table(v.columns) and #v.columns > 0 end,
    "a table definition such as op.create_table returns ({table =, columns = {Column...}, constraints = {...}})",
  },
  constraints = {
    function(v)
      if type(v) ~= "table" then return false end
      for _, c in ipairs(v) do
        if type(c) ~= "table" or type(c.kind) ~= "string" then return false end
      end
      return true
    end,
    "a list of constraints (UniqueConstraint(...), CheckConstraint(...), ...)",
  },
}, { __index = check.KINDS })

local OPTIONS = {
  batch_alter_table = { recreate = "recreate", copy_from = "definition", table_args = "constraints", schema = "name" },
  alter_column = {
    nullable = "boolean", type_ = "type", type = "type", server_default = "server_default",
    new_column_name = "name", comment = "comment", using = "sqltext",
    existing_type = "type", existing_nullable = "boolean", existing_server_default = "server_default",
    existing_comment = "comment", existing_autoincrement = "boolean",
  },
  add_column = { insert_before = "name", insert_after = "name" },
  drop_column = {},
  create_index = { unique = "boolean", sqlite_where = "sqltext", postgresql_where = "sqltext" },
  drop_index = {},
  create_foreign_key = { ondelete = "action", onupdate = "action" },
  drop_constraint = { type_ = "constraint_type" },
}

-- `what`: "" for batch_alter_table's own options, "alter_column: " etc.
-- for a method's. Raises at `level` (default 3).
local function check_opts(what, allowed_key, n, opts, level)
  level = level or 3
  if opts == nil then return {} end
  if not is_plain_table(opts) then
    error(str_format("%s%sargument #%d (options) must be a table, got %s", PREFIX, what, n, describe(opts)), level)
  end
  local allowed = OPTIONS[allowed_key]
  for k, v in pairs(opts) do
    local kind = allowed[k]
    if kind == nil then
      local known = sorted_keys(allowed)
      error(str_format("%s%sunknown option %s (expected %s)", PREFIX, what, describe(k),
        #known > 0 and ("one of: " .. table_concat(known, ", ")) or "none"), level)
    end
    if not KINDS[kind][1](v) then
      error(str_format("%s%soption %s must be %s, got %s", PREFIX, what, k, KINDS[kind][2], describe(v)), level)
    end
  end
  return opts
end

local function check_name(what, n, pname, v, level)
  if not is_name(v) then
    error(str_format("%s%sargument #%d (%s) must be a non-empty string, got %s", PREFIX, what, n, pname,
      describe(v)), level or 3)
  end
end

local function check_optional_name(what, n, pname, v)
  if v ~= nil and not is_name(v) then
    error(str_format("%s%sargument #%d (%s) must be a non-empty string or nil, got %s", PREFIX, what, n, pname,
      describe(v)), 3)
  end
end

-- A column name or a list of them -> a new list. Raises at level 3.
local function name_list(what, n, pname, v, allow_sql)
  if is_name(v) or (allow_sql and is_sql(v)) then return { v } end
  local ok = is_plain_table(v) and #v > 0
  local out = {}
  if ok then
    for i, c in ipairs(v) do
      if not (is_name(c) or (allow_sql and is_sql(c))) then ok = false; break end
      out[i] = c
    end
  end
  if not ok then
    error(str_format("%s%sargument #%d (%s) must be a list of column names%s, got %s", PREFIX, what, n, pname,
      allow_sql and " or sql fragments" or "", describe(v)), 3)
  end
  return out
end

--- The object the revision's function receives. Each method appends a
-- record to `records` while `is_open()` says the queue is open.
local function new_builder(ctx, table_name, schema, records, is_open)
  local b = {}
  local cfg = type(ctx.cfg) == "table" and ctx.cfg or {}

  -- An unnamed constraint gets the project's naming_convention name, as
  -- with the plain ops. Raises at level 3.
  local function convention_name(kind, name, columns, ref_table, ref_columns)
    local n, err = naming.name(cfg.naming_convention, kind, { table = table_name, columns = columns, name = name,
      ref_table = ref_table, ref_columns = ref_columns }, ctx.dialect and ctx.dialect.max_identifier_length)
    if err then error(PREFIX .. err, 3) end
    return n
  end

  local function queue(record)
    if not is_open() then
      error(PREFIX .. record.kind .. ": called after the batch function returned; call the batch's methods"
        .. " inside the function given to op.batch_alter_table", 3)
    end
    record.table, record.schema = table_name, schema
    records[#records + 1] = record
  end

  -- b:method(...) and b.method(...) alike: the arguments after b, at
  -- most `max` of them (trailing nils aside): an argument the method does
  -- not take is an error at the revision's line, not ignored.
  local function args(method, max, first, ...)
    if first ~= b then return args(method, max, b, first, ...) end
    local n = select("#", ...)
    while n > max and select(n, ...) == nil do n = n - 1 end
    if n > max then
      error(str_format("%s%s: unexpected argument #%d (%s): it takes at most %d", PREFIX, method, max + 1,
        describe((select(max + 1, ...))), max), 3)
    end
    return ...
  end

  b.alter_column = function(...)
    local column, opts = args("alter_column", 2, ...)
    check_name("alter_column: ", 1, "column", column)
    opts = check_opts("alter_column: ", "alter_column", 2, opts)
    if opts.type ~= nil and opts.type_ ~= nil then
      error(PREFIX .. "alter_column: give the new type as type or type_, not both", 2)
    end
    local new_type = opts.type_ or opts.type
    if new_type == nil and opts.nullable == nil and opts.server_default == nil
      and opts.new_column_name == nil and opts.comment == nil then
      error(str_format("%salter_column: nothing to change in column %q of %q: pass nullable, type_, server_default,"
        .. " new_column_name or comment", PREFIX, column, table_name), 2)
    end
    if opts.using ~= nil and new_type == nil then
      error(PREFIX .. "alter_column: option using needs a new type (type_)", 2)
    end
    queue({ kind = "alter_column", column = column, nullable = opts.nullable, type_ = new_type,
      server_default = opts.server_default, new_column_name = opts.new_column_name, comment = opts.comment,
      using = opts.using, existing_type = opts.existing_type, existing_nullable = opts.existing_nullable,
      existing_server_default = opts.existing_server_default, existing_comment = opts.existing_comment,
      existing_autoincrement = opts.existing_autoincrement })
  end

  b.add_column = function(...)
    local column, opts = args("add_column", 2, ...)
    if not is_column(column) then
      error(PREFIX .. "add_column: argument #1 (column) must be a Column, got " .. describe(column), 2)
    end
    opts = check_opts("add_column: ", "add_column", 2, opts)
    if opts.insert_before and opts.insert_after then
      error(PREFIX .. "add_column: give insert_before or insert_after, not both", 2)
    end
    queue({ kind = "add_column", column = column, insert_before = opts.insert_before,
      insert_after = opts.insert_after })
  end

  b.drop_column = function(...)
    local column, opts = args("drop_column", 2, ...)
    check_name("drop_column: ", 1, "column", column)
    check_opts("drop_column: ", "drop_column", 2, opts)
    queue({ kind = "drop_column", column = column })
  end

  b.create_index = function(...)
    local name, columns, opts = args("create_index", 3, ...)
    check_name("create_index: ", 1, "name", name)
    local list = name_list("create_index: ", 2, "columns", columns, true)
    opts = check_opts("create_index: ", "create_index", 3, opts)
    queue({ kind = "create_index", name = name, columns = list, unique = opts.unique or false,
      sqlite_where = opts.sqlite_where, postgresql_where = opts.postgresql_where })
  end

  b.drop_index = function(...)
    local name, opts = args("drop_index", 2, ...)
    check_name("drop_index: ", 1, "name", name)
    check_opts("drop_index: ", "drop_index", 2, opts)
    queue({ kind = "drop_index", name = name })
  end

  b.create_unique_constraint = function(...)
    local name, columns = args("create_unique_constraint", 2, ...)
    check_optional_name("create_unique_constraint: ", 1, "name", name)
    local list = name_list("create_unique_constraint: ", 2, "columns", columns)
    name = convention_name("unique", name, list)
    queue({ kind = "create_unique_constraint", name = name, columns = list })
  end

  b.create_primary_key = function(...)
    local name, columns = args("create_primary_key", 2, ...)
    check_optional_name("create_primary_key: ", 1, "name", name)
    local list = name_list("create_primary_key: ", 2, "columns", columns)
    name = convention_name("primary_key", name, list)
    queue({ kind = "create_primary_key", name = name, columns = list })
  end

  b.create_check_constraint = function(...)
    local name, condition = args("create_check_constraint", 2, ...)
    check_optional_name("create_check_constraint: ", 1, "name", name)
    if not (is_name(condition) or is_sql(condition)) then
      error(PREFIX .. "create_check_constraint: argument #2 (condition) must be a string or sql fragment, got "
        .. describe(condition), 2)
    end
    name = convention_name("check", name, {})
    queue({ kind = "create_check_constraint", name = name, condition = condition })
  end

  b.create_foreign_key = function(...)
    local name, referent_table, local_cols, remote_cols, opts = args("create_foreign_key", 5, ...)
    check_optional_name("create_foreign_key: ", 1, "name", name)
    check_name("create_foreign_key: ", 2, "referent_table", referent_table)
    local locals = name_list("create_foreign_key: ", 3, "local_cols", local_cols)
    local remotes = name_list("create_foreign_key: ", 4, "remote_cols", remote_cols)
    if #locals ~= #remotes then
      error(str_format("%screate_foreign_key: %d local column%s but %d remote column%s", PREFIX, #locals,
        #locals == 1 and "" or "s", #remotes, #remotes == 1 and "" or "s"), 2)
    end
    opts = check_opts("create_foreign_key: ", "create_foreign_key", 5, opts)
    name = convention_name("foreign_key", name, locals, referent_table, remotes)
    queue({ kind = "create_foreign_key", name = name, referent_table = referent_table, local_cols = locals,
      remote_cols = remotes, ondelete = opts.ondelete and str_upper(opts.ondelete),
      onupdate = opts.onupdate and str_upper(opts.onupdate) })
  end

  b.drop_constraint = function(...)
    local name, opts = args("drop_constraint", 2, ...)
    check_name("drop_constraint: ", 1, "name", name)
    opts = check_opts("drop_constraint: ", "drop_constraint", 2, opts)
    local kind = opts.type_
    if kind == "foreign_key" then kind = "foreignkey" end
    queue({ kind = "drop_constraint", name = name, type_ = kind })
  end

  return b
end

--- op.batch_alter_table(table_name, fn, opts): queue the operations fn
-- makes, then apply them. true | nil, msg (op raises it at the revision's
-- line).
function M.run(ctx, table_name, fn, opts)
  check_name("", 1, "table", table_name, 4)
  if type(fn) ~= "function" then
    error(PREFIX .. "argument #2 (fn) must be a function(batch) that queues the operations, got " .. describe(fn), 3)
  end
  opts = check_opts("", "batch_alter_table", 3, opts, 4)
  local records, open = {}, true
  local b = new_builder(ctx, table_name, opts.schema, records, function() return open end)
  fn(b)
  open = false
  return M.apply(ctx, table_name, records, opts)
end

local function message(table_name, msg)
  return str_format("op.batch_alter_table(%q): %s", table_name, msg)
end

-- Each record as it is, through the context.
local function run_each(ctx, table_name, records, never)
  for _, rec in ipairs(records) do
    local ok, err = ctx:run_op(model_ops.for_dialect(rec, ctx.dialect))
    if not ok then
      if never and model_ops.needs_rebuild(rec, nil, nil) then
        err = str_format('%s: SQLite can do this only by rebuilding the table, which recreate = "never" forbids'
          .. ' (use recreate = "auto"): %s', rec.kind, err)
      end
      return nil, message(table_name, err)
    end
  end
  return true
end

-- The model the rebuild starts from: copy_from, else the database.
local function load_model(ctx, table_name, opts)
  local model, err
  if opts.copy_from then
    local cfg = type(ctx.cfg) == "table" and ctx.cfg or {}
    model, err = reflect.from_definition(ctx.dialect, opts.copy_from, table_name, opts.schema, cfg.naming_convention)
  elseif ctx.offline then
    return nil, "offline mode (--sql) cannot read the table to rebuild it: pass its definition as the copy_from"
      .. " option (the table op.create_table returned, or {table =, columns = {Column...}, constraints = {...}})"
  else
    model, err = reflect.from_database(ctx.conn, ctx.dialect, table_name, opts.schema)
  end
  if model and opts.table_args then
    local ok, terr = reflect.apply_table_args(model, opts.table_args)
    if not ok then return nil, terr end
  end
  return model, err
end

-- "auto": does any record need the rebuild? A dropped column needs it
-- when something else uses the column, which only the model tells (it is
-- returned too, when read).
local function wants_rebuild(ctx, table_name, records, opts, version)
  local has_drop = false
  for _, rec in ipairs(records) do
    if model_ops.needs_rebuild(rec, nil, version) then return true end
    if rec.kind == "drop_column" then has_drop = true end
  end
  if not has_drop or (ctx.offline and not opts.copy_from) then return false end
  local loaded = load_model(ctx, table_name, opts)
  if not loaded then return false end -- let the plain statements say what is wrong
  local model = loaded
  for _, rec in ipairs(records) do
    if model_ops.needs_rebuild(rec, model, version) then return true, loaded end
    model = model_ops.apply(model, { rec }, ctx.dialect)
    if not model then return true, loaded end
  end
  return false
end

--- Run the queued records on `table_name`: true | nil, msg.
-- opts: recreate ("auto" by default), copy_from, table_args, schema.
function M.apply(ctx, table_name, records, opts)
  opts = opts or {}
  if #records == 0 then return true end
  if opts.schema == nil and records[1].schema ~= nil then
    local o = { schema = records[1].schema }
    for k, v in pairs(opts) do o[k] = v end
    opts = o
  end
  if not ctx.dialect.rebuilds_tables then return run_each(ctx, table_name, records, false) end
  local recreate = opts.recreate or "auto"
  if recreate == "never" then return run_each(ctx, table_name, records, true) end
  local version = not ctx.offline and ctx.conn and ctx.conn:server_version() or nil
  local old, err
  if recreate == "auto" then
    local wanted
    wanted, old = wants_rebuild(ctx, table_name, records, opts, version)
    if not wanted then return run_each(ctx, table_name, records, false) end
  end
  if not old then
    old, err = load_model(ctx, table_name, opts)
    if not old then return nil, message(table_name, err) end
  end
  local new, notes = model_ops.apply(old, records, ctx.dialect)
  if not new then return nil, message(table_name, notes) end
  if ctx.verbose and ctx.log then
    for _, note in ipairs(notes) do ctx.log(str_format("  batch %s: dropping %s", table_name, note)) end
  end
  local ok
  if ctx.offline then ok, err = rebuild.write(ctx, old, new)
  else ok, err = rebuild.execute(ctx, old, new) end
  if not ok then return nil, message(table_name, err) end
  return true
end

return M
