-- luamig.ops.records: the records of the operations on one existing
-- table (columns, indexes, constraints), built from their arguments in
-- one place for both callers: the op functions (luamig.ops.schema and
-- luamig.ops.constraints), which hand the record to the context, and
-- batch mode's methods (luamig.ops.batch), which queue it. Batch mode
-- gives the table itself and words its messages its own way; the caller
-- table (luamig.ops.check.caller) says so, so that the checks and the
-- record stay the same.
--
-- Each builder takes the caller, then the plain op's arguments in their
-- order (the table included), and returns the record. It is called by
-- the function the revision called, never as a tail call: its checks
-- raise at that function's caller, the revision's line (level 4, see
-- luamig.ops.check), and its naming hooks at depth 1.

local types = require("luamig.schema.types")
local check = require("luamig.ops.check")
local fk_options = require("luamig.schema.fk_options")
local null = require("luamig.driver").null

local is_sql, is_column = types.is_sql, types.is_column
local is_name = check.is_name

local M = {}

--- Where the table is among each op's arguments, which batch mode gives
-- itself (the later arguments are numbered one lower there).
M.TABLE_ARG = {
  add_column = 1, drop_column = 1, alter_column = 1, create_index = 2, drop_index = 2,
  create_primary_key = 2, create_unique_constraint = 2, create_check_constraint = 2,
  create_foreign_key = 2, drop_constraint = 2, create_exclude_constraint = 2,
  create_table_comment = 1, drop_table_comment = 1,
}

--- The caller of op `fname`'s builder. `how` as check.caller takes it,
-- plus name(kind, info, depth) (a constraint or index name by the naming
-- convention, raising at 3 + depth), convention(depth) (the convention
-- that add_column's record carries), `supplies_table` (batch mode) and
-- `require_index_name`; `prefix` defaults to "op.NAME: " and `options`
-- to the plain op's.
function M.caller(fname, how)
  local c = check.caller(how)
  c.prefix = how.prefix or ("op." .. fname .. ": ")
  c.options = how.options or check.OPTIONS[fname]
  if how.supplies_table then c.table_arg = M.TABLE_ARG[fname] end
  return c
end

--- The callers of the op functions: the plain messages, names from
-- `shared` (luamig.ops's naming helpers). Each is made when its op is
-- first called: the op table is made for every revision, which calls one
-- or two of them.
function M.plain_callers(shared)
  return setmetatable({}, {
    __index = function(out, fname)
      if M.TABLE_ARG[fname] == nil then return nil end
      local c = M.caller(fname, { name = shared.name, convention = shared.convention })
      out[fname] = c
      return c
    end,
  })
end

function M.add_column(c, table_name, column, opts)
  check.table_name(c, 1, "table", table_name)
  if not is_column(column) then check.bad_arg(c, 2, "column", "a Column", column) end
  opts = check.opts(c, 3, opts)
  -- Only batch mode takes insert_before and insert_after (SQLite's rebuild
  -- places the column; the others add it last).
  if opts.insert_before and opts.insert_after then check.fail(c, "give insert_before or insert_after, not both") end
  return { kind = "add_column", table = table_name, schema = opts.schema, column = column,
    if_not_exists = opts.if_not_exists, naming_convention = c.convention(1),
    insert_before = opts.insert_before, insert_after = opts.insert_after }
end

function M.drop_column(c, table_name, column_name, opts)
  check.table_name(c, 1, "table", table_name)
  check.name(c, 2, "column", column_name)
  opts = check.opts(c, 3, opts)
  return { kind = "drop_column", table = table_name, schema = opts.schema, column = column_name,
    if_exists = opts.if_exists, enums = opts.enums }
end

-- What `false` says to a reader from Alembic, where server_default = False
-- (and comment = False) means "leave it as it is": luamig drops with
-- `null`, and refuses `false`, which older luamig read as "drop".
local FALSE_IS_AMBIGUOUS = {
  server_default = 'write server_default = null to drop the default, sql "FALSE" for a FALSE default,',
  comment = "write comment = null to drop the comment,",
  server_onupdate = "write server_onupdate = null to drop the ON UPDATE,",
}

-- `null` (drop it) as the records say it: false.
local function dropped(v)
  if v == null then return false end
  return v
end

function M.alter_column(c, table_name, column_name, opts)
  check.table_name(c, 1, "table", table_name)
  check.name(c, 2, "column", column_name)
  opts = check.opts(c, 3, opts)
  for name, fix in pairs(FALSE_IS_AMBIGUOUS) do
    if opts[name] == false then
      check.fail(c, "%s = false is ambiguous (in Alembic it leaves the value as it is; older luamig dropped it): %s"
        .. " or leave the option out", name, fix)
    end
  end
  if opts.type ~= nil and opts.type_ ~= nil then check.fail(c, "give the new type as type or type_, not both") end
  local new_type = opts.type_ or opts.type
  if new_type == nil and opts.nullable == nil and opts.server_default == nil and opts.new_column_name == nil
    and opts.comment == nil and opts.autoincrement == nil and opts.server_onupdate == nil and opts.identity == nil then
    check.fail(c, "nothing to change in column %q of %q: pass nullable, type_, server_default, new_column_name,"
      .. " comment, autoincrement, identity or server_onupdate", column_name, table_name)
  end
  if (opts.using ~= nil or opts.postgresql_using ~= nil) and new_type == nil then
    check.fail(c, "option %s needs a new type (type_)", opts.using ~= nil and "using" or "postgresql_using")
  end
  return {
    kind = "alter_column", table = table_name, schema = opts.schema, column = column_name,
    nullable = opts.nullable, type_ = new_type, server_default = dropped(opts.server_default),
    new_column_name = opts.new_column_name, comment = dropped(opts.comment), using = opts.using,
    postgresql_using = opts.postgresql_using,
    existing_type = opts.existing_type, existing_nullable = opts.existing_nullable,
    existing_server_default = dropped(opts.existing_server_default), existing_comment = dropped(opts.existing_comment),
    existing_autoincrement = opts.existing_autoincrement, autoincrement = opts.autoincrement,
    server_onupdate = dropped(opts.server_onupdate), existing_server_onupdate = dropped(opts.existing_server_onupdate),
    identity = dropped(opts.identity), existing_identity = dropped(opts.existing_identity) or nil,
  }
end

--- A nil name comes from the naming convention (ix_<table>_<column> by
-- default); batch mode has always wanted one (require_index_name).
function M.create_index(c, name, table_name, columns, opts)
  if c.require_index_name then check.object_name(c, 1, "name", name) else check.optional_name(c, 1, "name", name) end
  check.table_name(c, 2, "table", table_name)
  local list = check.column_list(c, 3, "columns", columns, true)
  opts = check.opts(c, 4, opts)
  name = c.name("index", { table = table_name, columns = list, name = name }, 1)
  return { kind = "create_index", name = name, table = table_name, schema = opts.schema, columns = list,
    unique = opts.unique or false, if_not_exists = opts.if_not_exists,
    postgresql_where = opts.postgresql_where, sqlite_where = opts.sqlite_where,
    postgresql_using = opts.postgresql_using, postgresql_concurrently = opts.postgresql_concurrently,
    postgresql_include = opts.postgresql_include }
end

-- The table is optional (Alembic's table_name=None) but MySQL needs it:
-- op.drop_index(name), op.drop_index(name, table), op.drop_index(name, {opts}).
function M.drop_index(c, name, table_name, opts)
  check.object_name(c, 1, "name", name)
  if not c.table_arg then
    if opts == nil and check.is_plain_table(table_name) then table_name, opts = nil, table_name end
    if table_name ~= nil then check.name(c, 2, "table", table_name) end
  end
  opts = check.opts(c, 3, opts)
  -- the name a convention with %(constraint_name)s made of it, as Alembic does
  if table_name then name = c.name("index", { table = table_name, name = name }, 1)
  elseif types.is_final(name) then name = name.value end
  return { kind = "drop_index", name = name, table = table_name, schema = opts.schema,
    if_exists = opts.if_exists, postgresql_concurrently = opts.postgresql_concurrently }
end

-- A constraint record named by the convention, `kind` being the kind the
-- convention knows it by.
local function named(c, kind, record)
  record.name = c.name(kind, { table = record.table, columns = record.columns or record.local_cols,
    name = record.name, ref_table = record.referent_table, ref_columns = record.remote_cols }, 2)
  return record
end

-- create_primary_key and create_unique_constraint: a named column list.
-- A builder made per kind rather than a shared helper, which would put
-- one more frame between the checks and the revision's line.
local function column_constraint(record_kind, kind)
  return function(c, name, table_name, columns, opts)
    check.optional_name(c, 1, "name", name)
    check.table_name(c, 2, "table", table_name)
    local cols = check.column_list(c, 3, "columns", columns)
    opts = check.opts(c, 4, opts)
    local record = named(c, kind, { kind = record_kind, name = name, table = table_name, schema = opts.schema,
      columns = cols })
    return record
  end
end
M.create_primary_key = column_constraint("create_primary_key", "primary_key")
M.create_unique_constraint = column_constraint("create_unique_constraint", "unique")

--- The condition is SQL text (a string or an `sql` fragment).
function M.create_check_constraint(c, name, table_name, condition, opts)
  check.optional_name(c, 1, "name", name)
  check.table_name(c, 2, "table", table_name)
  if not (is_name(condition) or is_sql(condition)) then
    check.bad_arg(c, 3, "condition", "a string or sql fragment", condition)
  end
  opts = check.opts(c, 4, opts)
  local record = named(c, "check", { kind = "create_check_constraint", name = name, table = table_name,
    schema = opts.schema, condition = condition, postgresql_not_valid = opts.postgresql_not_valid })
  return record
end

function M.create_foreign_key(c, name, source_table, referent_table, local_cols, remote_cols, opts)
  check.optional_name(c, 1, "name", name)
  check.table_name(c, 2, "source_table", source_table)
  check.name(c, 3, "referent_table", referent_table)
  local cols = check.column_list(c, 4, "local_cols", local_cols)
  local refs = check.column_list(c, 5, "remote_cols", remote_cols)
  if #cols ~= #refs then
    check.fail(c, "%d local column%s but %d remote column%s", #cols, #cols == 1 and "" or "s", #refs,
      #refs == 1 and "" or "s")
  end
  opts = check.opts(c, 6, opts)
  local record = named(c, "foreign_key", fk_options.copy(opts, { kind = "create_foreign_key", name = name,
    table = source_table, schema = opts.source_schema, referent_table = referent_table,
    referent_schema = opts.referent_schema, local_cols = cols, remote_cols = refs,
    postgresql_not_valid = opts.postgresql_not_valid }))
  return record
end

--- create_exclude_constraint(name, table, {column or sql "...", operator}..., [{where =, using =, schema =,
-- deferrable =, initially =}]): PostgreSQL's EXCLUDE constraint.
function M.create_exclude_constraint(c, name, table_name, ...)
  check.object_name(c, 1, "name", name)
  if types.is_final(name) then name = name.value end
  check.table_name(c, 2, "table", table_name)
  local n, args = select("#", ...), { ... }
  local opts
  if n > 0 and check.is_plain_table(args[n]) and args[n][1] == nil then opts, n = args[n], n - 1 end
  opts = check.opts(c, n + 3, opts)
  if n == 0 then check.fail(c, "needs at least one {column, operator} element") end
  local elements = {}
  for i = 1, n do
    local e = args[i]
    if not (check.is_plain_table(e) and #e == 2 and (is_name(e[1]) or is_sql(e[1])) and is_name(e[2])) then
      check.bad_arg(c, i + 2, "element", '{column or sql "...", "operator"}', e)
    end
    elements[i] = { e[1], e[2] }
  end
  return { kind = "create_exclude_constraint", name = name, table = table_name,
    schema = opts.schema, elements = elements, where = opts.where, using = opts.using,
    deferrable = opts.deferrable, initially = opts.initially and fk_options.normal("initially", opts.initially) }
end

--- drop_constraint(name, table, [{type_ =, schema =}]): the name as the
-- database has it. MySQL needs type_ (it drops each kind differently).
function M.create_table_comment(c, table_name, comment, opts)
  check.table_name(c, 1, "table", table_name)
  if type(comment) ~= "string" then check.bad_arg(c, 2, "comment", "a string", comment) end
  opts = check.opts(c, 3, opts)
  return { kind = "create_table_comment", table = table_name, schema = opts.schema, comment = comment,
    existing_comment = opts.existing_comment }
end

function M.drop_table_comment(c, table_name, opts)
  check.table_name(c, 1, "table", table_name)
  opts = check.opts(c, 2, opts)
  return { kind = "drop_table_comment", table = table_name, schema = opts.schema,
    existing_comment = opts.existing_comment }
end

-- The constraint kind of drop_constraint's type_ (naming convention key).
local KIND_OF_TYPE = { foreignkey = "foreign_key", primary = "primary_key", unique = "unique", check = "check" }

function M.drop_constraint(c, name, table_name, opts)
  check.object_name(c, 1, "name", name)
  check.table_name(c, 2, "table", table_name)
  opts = check.opts(c, 3, opts)
  -- Batch mode's type_ also takes "foreign_key" (the plain op refuses it).
  local type_ = opts.type_ == "foreign_key" and "foreignkey" or opts.type_
  -- As Alembic does: the name a convention with %(constraint_name)s made
  -- of it when the type says which pattern (op.f(name): the name as it is).
  if type_ then name = c.name(KIND_OF_TYPE[type_], { table = table_name, name = name }, 1)
  elseif types.is_final(name) then name = name.value end
  return { kind = "drop_constraint", name = name, table = table_name, schema = opts.schema, type_ = type_,
    if_exists = opts.if_exists }
end

return M
