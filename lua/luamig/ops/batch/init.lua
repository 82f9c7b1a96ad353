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
-- A column order asked for (partial_reordering, add_column's
-- insert_before / insert_after) is planned by luamig.ops.batch.order and
-- needs a rebuild on every database: SQLite's writes the columns in that
-- order, and on PostgreSQL and MySQL luamig.ops.batch.reorder moves them
-- after the ALTER statements.
--
-- Errors in a revision's arguments raise at the revision's line: the
-- methods below are called from the revision's function, so they raise at
-- level 2 and their check helpers at level 3; run() is called by
-- op.batch_alter_table, one frame further, so it raises at level 3 and its
-- helpers at level 4. Neither call may be a tail call.

local types = require("luamig.schema.types")
local check = require("luamig.ops.check")
local naming = require("luamig.schema.naming")
local records_of = require("luamig.ops.records")
local reflect = require("luamig.ops.batch.reflect")
local model_ops = require("luamig.ops.batch.model")
local rebuild = require("luamig.ops.batch.rebuild")
local order = require("luamig.ops.batch.order")
local reorder = require("luamig.ops.batch.reorder")

local describe = types.describe

local M = {}

local PREFIX = "op.batch_alter_table: "

local is_plain_table = check.is_plain_table

-- batch_alter_table's own options, checked as the ops' are (level 4: run's
-- caller is op.batch_alter_table, whose caller is the revision).
local RUN = check.caller({ prefix = PREFIX, options = {
  schema = "name",
  recreate = { function(v) return v == "auto" or v == "always" or v == "never" end, '"auto", "always" or "never"' },
  partial_reordering = { order.is_reordering, order.REORDERING_WORDS },
  copy_from = {
    function(v) return is_plain_table(v) and is_plain_table(v.columns) and #v.columns > 0 end,
    "a table definition such as op.create_table returns ({table =, columns = {Column...}, constraints = {...}})",
  },
  table_args = {
    function(v)
      if type(v) ~= "table" then return false end
      for _, c in ipairs(v) do
        if type(c) ~= "table" or type(c.kind) ~= "string" then return false end
      end
      return true
    end,
    "a list of constraints (UniqueConstraint(...), CheckConstraint(...), ...)",
  },
  -- names this batch's constraints in place of the project's (Alembic's
  -- batch_alter_table(naming_convention=...)), e.g. to drop an unnamed
  -- SQLite constraint by the name the convention gives it
  naming_convention = { function(v) return naming.check(v) == true end,
    'a naming convention such as { uq = "uq_%(table_name)s_%(column_0_name)s" }' },
} })

local name_unnamed

-- The naming convention of a batch: its own, or the project's.
local function batch_convention(ctx, opts)
  if opts and opts.naming_convention then return opts.naming_convention end
  return type(ctx.cfg) == "table" and ctx.cfg.naming_convention or nil
end

-- The methods and how many arguments each takes: its op's, less the table
-- (and less the options where the table's schema was the only one).
local METHODS = {
  alter_column = 2, add_column = 2, drop_column = 2, create_index = 3, drop_index = 2,
  create_unique_constraint = 2, create_primary_key = 2, create_check_constraint = 2, create_foreign_key = 5,
  drop_constraint = 2, create_table_comment = 2, drop_table_comment = 1,
}

-- A method takes its op's options but those that place the table
-- (batch_alter_table's schema does), and these of its own: where the
-- rebuild puts a new column, and a type_ that also takes "foreign_key"
-- (worded as batch mode always has).
local TABLE_OPTIONS = { schema = true, source_schema = true }
local OWN_OPTIONS = {
  add_column = { insert_before = "name", insert_after = "name" },
  drop_constraint = { type_ = {
    function(v) return v == "unique" or v == "check" or v == "foreignkey" or v == "foreign_key" or v == "primary" end,
    'one of "unique", "check", "foreignkey", "primary"',
  } },
}

local function method_options(fname)
  local out = {}
  for k, kind in pairs(check.OPTIONS[fname]) do
    if not TABLE_OPTIONS[k] then out[k] = kind end
  end
  for k, kind in pairs(OWN_OPTIONS[fname] or {}) do out[k] = kind end
  return out
end

--- The object the revision's function receives. Each method appends a
-- record to `records` while `is_open()` says the queue is open. The record
-- is the op's, built by luamig.ops.records from the method's arguments and
-- this table; the caller says how batch mode words the messages: its
-- prefix, arguments numbered without the table, a bad list entry reported
-- as the whole list, an index name required.
local function new_builder(ctx, table_name, opts, records, is_open)
  local b = {}
  local schema, conv = opts.schema, batch_convention(ctx, opts)

  -- An unnamed constraint gets the naming_convention name, as with the
  -- plain ops. Raises at 3 + depth, as luamig.ops's does.
  local function convention_name(kind, info, depth)
    local n, err = naming.name(conv, kind, info, ctx.dialect and ctx.dialect.max_identifier_length)
    if err then error(PREFIX .. err, 3 + depth) end
    return n
  end
  local function convention() return conv end

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
      error(string.format("%s%s: unexpected argument #%d (%s): it takes at most %d", PREFIX, method, max + 1,
        describe((select(max + 1, ...))), max), 3)
    end
    return ...
  end

  for fname, max in pairs(METHODS) do
    local caller = records_of.caller(fname, { prefix = PREFIX .. fname .. ": ", options = method_options(fname),
      supplies_table = true, whole_lists = true, require_index_name = true, name = convention_name,
      convention = convention })
    local at, build = records_of.TABLE_ARG[fname], records_of[fname]
    -- The method's arguments with the table put where the op has it.
    b[fname] = function(...)
      local given, list, j = table.pack(args(fname, max, ...)), {}, 0
      for i = 1, max + 1 do
        if i == at then list[i] = table_name else j = j + 1; list[i] = given[j] end
      end
      queue(build(caller, table.unpack(list, 1, max + 1)))
    end
  end
  return b
end

--- op.batch_alter_table(table_name, fn, opts): queue the operations fn
-- makes, then apply them. true | nil, msg (op raises it at the revision's
-- line).
function M.run(ctx, table_name, fn, opts)
  check.name(RUN, 1, "table", table_name)
  if type(fn) ~= "function" then
    error(PREFIX .. "argument #2 (fn) must be a function(batch) that queues the operations, got " .. describe(fn), 3)
  end
  opts = check.opts(RUN, 3, opts)
  local records, open = {}, true
  local b = new_builder(ctx, table_name, opts, records, function() return open end)
  fn(b)
  open = false
  return M.apply(ctx, table_name, records, opts)
end

local function message(table_name, msg)
  return string.format("op.batch_alter_table(%q): %s", table_name, msg)
end

-- Each record as it is, through the context.
local function run_each(ctx, table_name, records, never)
  for _, rec in ipairs(records) do
    local ok, err = ctx:run_op(model_ops.for_dialect(rec, ctx.dialect))
    if not ok then
      if never and model_ops.needs_rebuild(rec, nil, nil) then
        err = string.format('%s: SQLite can do this only by rebuilding the table, which recreate = "never" forbids'
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
    model, err = reflect.from_definition(ctx.dialect, opts.copy_from, table_name, opts.schema,
      batch_convention(ctx, opts))
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

-- A batch's own naming_convention names the table's unnamed constraints
-- as Alembic's does, so that they can be dropped by that name (SQLite
-- keeps a foreign key or UNIQUE unnamed unless its text names it); the
-- rebuilt table keeps the names. One the convention cannot name stays
-- unnamed.
function name_unnamed(ctx, model, convention)
  local max = ctx.dialect.max_identifier_length
  local function name(kind, c)
    if c.name then return end
    local n = naming.name(convention, kind, { table = model.name, columns = c.columns, ref_table = c.ref_table,
      ref_columns = c.ref_columns }, max)
    c.name = n
  end
  for _, c in ipairs(model.uniques) do name("unique", c) end
  for _, c in ipairs(model.foreign_keys) do name("foreign_key", c) end
  if model.primary_key then name("primary_key", model.primary_key) end
end

-- The rebuilt table's columns put in the order asked for (luamig.ops.batch.order).
local function arrange(old, new, records, opts, table_name)
  local before = {}
  for i, c in ipairs(old.columns) do before[i] = c.name end
  local names, err = order.plan(before, records, opts.partial_reordering, table_name)
  if not names then return nil, err end
  local cols = order.arrange(new.columns, names)
  if not cols then return nil, "the columns after the batch are not the ones planned: " .. table.concat(names, ", ") end
  new.columns = cols
  return true
end

--- Run the queued records on `table_name`: true | nil, msg.
-- opts: recreate ("auto" by default), copy_from, table_args, schema,
-- partial_reordering.
function M.apply(ctx, table_name, records, opts)
  opts = opts or {}
  if #records == 0 and not opts.partial_reordering then return true end
  local schema_of = records[1] and records[1].schema
  if opts.schema == nil and schema_of ~= nil then
    local o = { schema = schema_of }
    for k, v in pairs(opts) do o[k] = v end
    opts = o
  end
  local recreate = opts.recreate or "auto"
  -- An order asked for (partial_reordering, insert_before/insert_after)
  -- needs the table rebuilt on every database; "never" forbids that, and
  -- ALTER would put an added column last without a word.
  local ordered = order.wanted(records, opts.partial_reordering)
  if ordered and recreate == "never" then
    return nil, message(table_name, (opts.partial_reordering and "partial_reordering" or "insert_before/insert_after")
      .. ' needs the table rebuilt, which recreate = "never" forbids (use recreate = "auto" or "always")')
  end
  if not ctx.dialect.rebuilds_tables then
    if not ordered then return run_each(ctx, table_name, records, false) end
    local ok, err = reorder.run(ctx, table_name, records, opts, function() return run_each(ctx, table_name, records) end)
    if not ok then return nil, message(table_name, err) end
    return true
  end
  if recreate == "never" then return run_each(ctx, table_name, records, true) end
  local version = not ctx.offline and ctx.conn and ctx.conn:server_version() or nil
  local old, err
  if recreate == "auto" and not ordered then
    local wanted
    wanted, old = wants_rebuild(ctx, table_name, records, opts, version)
    if not wanted then return run_each(ctx, table_name, records, false) end
  end
  if not old then
    old, err = load_model(ctx, table_name, opts)
    if not old then return nil, message(table_name, err) end
  end
  if opts.naming_convention then name_unnamed(ctx, old, opts.naming_convention) end
  local new, notes = model_ops.apply(old, records, ctx.dialect)
  if not new then return nil, message(table_name, notes) end
  if ordered then
    local ok, err2 = arrange(old, new, records, opts, table_name)
    if not ok then return nil, message(table_name, err2) end
  end
  if ctx.verbose and ctx.log then
    for _, note in ipairs(notes) do ctx.log(string.format("  batch %s: dropping %s", table_name, note)) end
  end
  local ok
  if ctx.offline then ok, err = rebuild.write(ctx, old, new)
  else ok, err = rebuild.execute(ctx, old, new) end
  if not ok then return nil, message(table_name, err) end
  return true
end

return M
