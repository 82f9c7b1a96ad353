-- luamig.ops: the `op` table a revision sees.
--
-- Each operation checks its arguments, builds a plain record (formats in
-- docs/internals.md) and hands it to the context, which compiles and runs it
-- or writes it out in --sql mode. Both a bad argument and a failure reported
-- by the context raise at the revision's line, so that the error names the
-- file and line that caused it: the op functions raise at level 2, their
-- helpers at level 3, and none is tail-called, which would lose that frame.
-- The operations themselves live in luamig.ops.{schema,constraints,data};
-- this module assembles them around one context and routes what SQLite can
-- only do by rebuilding a table to batch mode.

local types = require("luamig.schema.types")
local naming = require("luamig.schema.naming")

local describe = types.describe

local M = {}

--- luamig.ops.batch if this build has it, else nil (batch mode is written
-- separately; a broken module is an error, not an absent one).
function M.batch_module()
  local ok, mod = pcall(require, "luamig.ops.batch")
  if ok then return mod end
  if type(mod) == "string" and mod:find("module 'luamig.ops.batch' not found", 1, true) then return nil end
  error(mod, 0)
end

local GROUPS = { "luamig.ops.schema", "luamig.ops.constraints", "luamig.ops.data" }

-- "op.NAME" for each op, made once rather than for every revision's op table.
local QUALIFIED = setmetatable({}, {
  __index = function(names, name)
    local qualified = "op." .. name
    names[name] = qualified
    return qualified
  end,
})

-- The operations built around one context, made once per context and
-- shared by its revisions' op tables (a run of a thousand revisions built
-- the same closures a thousand times: a sixth of the Lua it ran): by
-- context, the copier (below) of its operations.
local built = setmetatable({}, { __mode = "k" })

-- A function that returns a new table with `base`'s fields: one table
-- constructor naming every field, compiled once per context. The table
-- comes sized for them, where copying field by field grew it seven times
-- over (80 fields; 1000 create-table revisions on SQLite: 1,026 M -> 1,010 M
-- instructions).
local function copier(base)
  local names = {}
  for name in pairs(base) do names[#names + 1] = name end
  table.sort(names)
  for i, name in ipairs(names) do names[i] = string.format("[%q] = base[%q]", name, name) end
  local source = "local base = ...\nreturn function() return { " .. table.concat(names, ", ") .. " } end"
  return assert(load(source, "=luamig.ops copier", "t", {}))(base)
end

local function build(ctx)
  local op = {}
  local cfg = type(ctx.cfg) == "table" and ctx.cfg or {}
  local shared = { ctx = ctx, op = op }

  -- A record SQLite can only carry out by rebuilding the table goes to
  -- batch mode when the project enabled it (sqlite_batch_mode = true) and
  -- this build has luamig.ops.batch; otherwise the dialect's message (which
  -- points to op.batch_alter_table) is the error.
  local function run(record)
    local dialect = ctx.dialect
    if cfg.sqlite_batch_mode and dialect and dialect.needs_batch and dialect:needs_batch(record) then
      local batch = M.batch_module()
      if batch then return batch.apply(ctx, record.table, { record }, {}) end
    end
    return ctx:run_op(record)
  end

  --- Hand a record to the context; a failure raises at the revision line
  -- (level 3: the caller of the op function that called this; `depth`
  -- more when called through that many helpers).
  function shared.submit(record, depth)
    local ok, err = run(record)
    if not ok then error(err or string.format("op.%s failed", record.kind), 3 + (depth or 0)) end
  end

  local function convention(level)
    local conv = cfg.naming_convention
    local ok, err = naming.check(conv)
    if not ok then error(err, level + 1) end
    return conv
  end

  --- The project's naming_convention, checked; raises at the revision line
  -- (`depth` as for submit).
  function shared.convention(depth)
    local conv = convention(3 + (depth or 0))
    return conv
  end

  --- The name of a constraint or index an op creates: the explicit one or
  -- the convention's (see luamig.schema.naming); nil lets the database choose.
  -- Raises at the revision line (`depth` as for submit).
  function shared.name(kind, info, depth)
    depth = depth or 0
    local conv = convention(3 + depth)
    local max = ctx.dialect and ctx.dialect.max_identifier_length
    local name, err = naming.name(conv, kind, info, max)
    if err then error(err, 3 + depth) end
    return name
  end

  for _, group in ipairs(GROUPS) do require(group).install(op, shared) end
  for name, fn in pairs(op) do op[name] = types.strict_arity(QUALIFIED[name], fn) end
  return op
end

-- A misspelt or not yet supported operation names itself instead of
-- "attempt to call a nil value".
local OP_MT = {
  __index = function(_, key)
    error("op." .. tostring(key) .. ": no such operation", 2)
  end,
}

--- The `op` table for one revision. `ctx` provides run_op(record) -> true |
-- nil, msg, and get_bind(); optionally `dialect` (names are cut to its
-- identifier length; SQLite's batch routing) and `cfg` (naming_convention,
-- sqlite_batch_mode, operations). Each call gives a table of its own, so
-- that what a revision sets or registers in it stays the revision's.
function M.new(ctx)
  if type(ctx) ~= "table" or type(ctx.run_op) ~= "function" then
    error("ops.new: argument #1 (ctx) must be a context with run_op, got " .. describe(ctx), 2)
  end
  local copy = built[ctx]
  if not copy then
    copy = copier(build(ctx))
    built[ctx] = copy
  end
  local op = copy()
  local cfg = type(ctx.cfg) == "table" and ctx.cfg or {}

  --- register(name, fn): an operation of the project's own, op.NAME(...)
  -- calling fn(op, ...), which does its work through the other ops (so it
  -- runs online and in --sql alike), as Alembic's register_operation.
  -- luamig.lua's `operations` table registers them for every revision.
  local function register(name, fn, level)
    if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
      error("op.register: argument #1 (name) must be a name such as \"create_sequence\", got "
        .. types.describe(name), level)
    end
    if type(fn) ~= "function" then
      error("op.register: argument #2 (fn) must be a function(op, ...), got " .. types.describe(fn), level)
    end
    if rawget(op, name) ~= nil then
      error(string.format("op.register: op.%s exists already (luamig's or registered before)", name), level)
    end
    op[name] = function(...) return fn(op, ...) end
  end
  op.register = function(name, fn) register(name, fn, 3) end
  for name, fn in pairs(cfg.operations or {}) do register(name, fn, 2) end
  return setmetatable(op, OP_MT)
end

return M
