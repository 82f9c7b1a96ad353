-- luamig.ops: the `op` table a revision sees.
--
-- Each operation checks its arguments, builds a plain record (formats in
-- docs/internals.md) and hands it to the context, which compiles and runs it
-- or writes it out in --sql mode. Both a bad argument and a failure reported
-- by the context raise at the revision's line, so that the error names the
-- file and line that caused it. The checks below raise at level 3 (the
-- caller of the op function) and are never tail-called, which would lose
-- that frame.

local types = require "luamig.types"

local type, ipairs, pairs, select, tostring = type, ipairs, pairs, select, tostring
local setmetatable, getmetatable, error = setmetatable, getmetatable, error
local str_format, table_concat, table_sort = string.format, table.concat, table.sort
local describe, is_sql, is_type, is_column = types.describe, types.is_sql, types.is_type, types.is_column

local M = {}

local function is_plain_table(v)
  return type(v) == "table" and getmetatable(v) == nil
end

local function check_name(fname, n, pname, v)
  if type(v) ~= "string" or v == "" then
    error(str_format("op.%s: argument #%d (%s) must be a non-empty string, got %s",
      fname, n, pname, describe(v)), 3)
  end
end

-- What an option may hold: a test and the words for the error message.
local KINDS = {
  name = { function(v) return type(v) == "string" and v ~= "" end, "a non-empty string" },
  boolean = { function(v) return type(v) == "boolean" end, "a boolean" },
  type = { is_type, "a type such as Integer or String(50)" },
  -- false drops the default (alter_column); a boolean default is sql "TRUE".
  server_default = {
    function(v) return v == false or types.is_server_default(v) end,
    "a string, number, boolean or sql fragment (false to drop it)",
  },
  comment = { function(v) return v == false or type(v) == "string" end, "a string (false to drop it)" },
  sqltext = { function(v) return type(v) == "string" or is_sql(v) end, "a string or sql fragment" },
}

local OPTIONS = {
  create_table = { schema = "name", comment = "name", if_not_exists = "boolean" },
  drop_table = { schema = "name", if_exists = "boolean" },
  rename_table = { schema = "name" },
  add_column = { schema = "name", if_not_exists = "boolean" },
  drop_column = { schema = "name", if_exists = "boolean" },
  alter_column = {
    schema = "name", nullable = "boolean", type_ = "type", type = "type",
    server_default = "server_default", new_column_name = "name", comment = "comment",
    existing_type = "type", existing_nullable = "boolean",
    existing_server_default = "server_default", existing_comment = "comment",
    existing_autoincrement = "boolean", using = "sqltext",
  },
  create_index = { schema = "name", unique = "boolean", if_not_exists = "boolean" },
  drop_index = { schema = "name", if_exists = "boolean" },
  bulk_insert = { schema = "name" },
}

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table_sort(keys)
  return keys
end

-- nil or a plain table of known options with values of the right kind.
local function check_opts(fname, n, opts)
  if opts == nil then return {} end
  if not is_plain_table(opts) then
    error(str_format("op.%s: argument #%d (options) must be a table, got %s", fname, n, describe(opts)), 3)
  end
  local allowed = OPTIONS[fname]
  for k, v in pairs(opts) do
    local kind = allowed[k]
    if kind == nil then
      error(str_format("op.%s: unknown option %s (expected one of: %s)", fname, describe(k),
        table_concat(sorted_keys(allowed), ", ")), 3)
    end
    local test, words = KINDS[kind][1], KINDS[kind][2]
    if not test(v) then
      error(str_format("op.%s: option %s must be %s, got %s", fname, k, words, describe(v)), 3)
    end
  end
  return opts
end

local function check_bindable(fname, n, v)
  local t = type(v)
  if t ~= "nil" and t ~= "string" and t ~= "number" and t ~= "boolean" and t ~= "userdata" then
    error(str_format("op.%s: argument #%d cannot be bound as an SQL value, got %s", fname, n, describe(v)), 3)
  end
end

-- bulk_insert's first argument: a name, or a table definition such as the
-- one op.create_table returns ({table = name, columns = {Column...}}).
local function table_def(v)
  if type(v) == "string" and v ~= "" then return v, nil, nil end
  if is_plain_table(v) and type(v.table) == "string" and v.table ~= "" then
    local cols = v.columns
    if cols ~= nil and not is_plain_table(cols) then return nil end
    for _, c in ipairs(cols or {}) do
      if not is_column(c) and type(c) ~= "string" then return nil end
    end
    return v.table, v.schema, cols
  end
  return nil
end

-- The columns a bulk insert names, and its rows with client-side defaults
-- filled in. With a table definition, a row key it does not know is a typo
-- worth an error; a column that no row gives and that has no default is
-- left out so that its server default applies.
local function plan_bulk_insert(tname, defcols, rows)
  local given = {}
  for i, row in ipairs(rows) do
    if not is_plain_table(row) then
      return nil, str_format("rows[%d] must be a table, got %s", i, describe(row))
    end
    for k in pairs(row) do
      if type(k) ~= "string" then
        return nil, str_format("rows[%d] has a key that is not a column name: %s", i, describe(k))
      end
      given[k] = true
    end
  end
  if not defcols or #defcols == 0 then return sorted_keys(given), rows, {} end
  local known, columns, defaults, fill = {}, {}, {}, {}
  for _, c in ipairs(defcols) do
    local name, default = c, nil
    if is_column(c) then name, default = c.name, c.default end
    known[name] = true
    if given[name] or default ~= nil then columns[#columns + 1] = name end
    if type(default) == "function" then fill[name] = default
    elseif default ~= nil then defaults[name] = default
    end
  end
  for _, k in ipairs(sorted_keys(given)) do
    if not known[k] then return nil, str_format("rows have column %q that table %q does not have", k, tname) end
  end
  local out = {}
  for i, row in ipairs(rows) do
    local r = {}
    for k, v in pairs(row) do r[k] = v end
    for name, value in pairs(defaults) do
      if r[name] == nil then r[name] = value end
    end
    for name, fn in pairs(fill) do
      if r[name] == nil then r[name] = fn() end
    end
    out[i] = r
  end
  return columns, out, defaults
end

--- The `op` table for one run; `ctx` provides run_op(record) -> true | nil, msg,
-- and get_bind().
function M.new(ctx)
  if type(ctx) ~= "table" or type(ctx.run_op) ~= "function" then
    error("ops.new: argument #1 (ctx) must be a context with run_op, got " .. describe(ctx), 2)
  end
  local op = {}

  local function submit(record)
    local ok, err = ctx:run_op(record)
    if not ok then error(err or str_format("op.%s failed", record.kind), 3) end
  end

  --- create_table(name, Column..., [opts]) -> the table definition, which
  -- op.bulk_insert accepts.
  function op.create_table(name, ...)
    check_name("create_table", 1, "name", name)
    local n = select("#", ...)
    local columns, opts, seen = {}, nil, {}
    for i = 1, n do
      local v = select(i, ...)
      if is_column(v) then
        if seen[v.name] then
          error(str_format("op.create_table: table %q has two columns named %q", name, v.name), 2)
        end
        seen[v.name] = true
        columns[#columns + 1] = v
      elseif i == n and is_plain_table(v) then
        opts = v
      else
        error(str_format("op.create_table: argument #%d must be a Column%s, got %s", i + 1,
          i == n and " or the options table" or "", describe(v)), 2)
      end
    end
    if #columns == 0 then
      error(str_format("op.create_table: table %q needs at least one Column", name), 2)
    end
    opts = check_opts("create_table", n + 1, opts)
    local record = { kind = "create_table", table = name, schema = opts.schema, columns = columns,
      constraints = {}, comment = opts.comment, if_not_exists = opts.if_not_exists }
    submit(record)
    return record
  end

  function op.drop_table(name, opts)
    check_name("drop_table", 1, "name", name)
    opts = check_opts("drop_table", 2, opts)
    submit({ kind = "drop_table", table = name, schema = opts.schema, if_exists = opts.if_exists })
  end

  function op.rename_table(old_name, new_name, opts)
    check_name("rename_table", 1, "old_name", old_name)
    check_name("rename_table", 2, "new_name", new_name)
    opts = check_opts("rename_table", 3, opts)
    submit({ kind = "rename_table", table = old_name, new_name = new_name, schema = opts.schema })
  end

  function op.add_column(table_name, column, opts)
    check_name("add_column", 1, "table", table_name)
    if not is_column(column) then
      error("op.add_column: argument #2 (column) must be a Column, got " .. describe(column), 2)
    end
    opts = check_opts("add_column", 3, opts)
    submit({ kind = "add_column", table = table_name, schema = opts.schema, column = column,
      if_not_exists = opts.if_not_exists })
  end

  function op.drop_column(table_name, column_name, opts)
    check_name("drop_column", 1, "table", table_name)
    check_name("drop_column", 2, "column", column_name)
    opts = check_opts("drop_column", 3, opts)
    submit({ kind = "drop_column", table = table_name, schema = opts.schema, column = column_name,
      if_exists = opts.if_exists })
  end

  function op.alter_column(table_name, column_name, opts)
    check_name("alter_column", 1, "table", table_name)
    check_name("alter_column", 2, "column", column_name)
    opts = check_opts("alter_column", 3, opts)
    if opts.type ~= nil and opts.type_ ~= nil then
      error("op.alter_column: give the new type as type or type_, not both", 2)
    end
    local new_type = opts.type_ or opts.type
    if new_type == nil and opts.nullable == nil and opts.server_default == nil
      and opts.new_column_name == nil and opts.comment == nil then
      error(str_format("op.alter_column: nothing to change in column %q of %q: pass nullable, type_,"
        .. " server_default, new_column_name or comment", column_name, table_name), 2)
    end
    if opts.using ~= nil and new_type == nil then
      error("op.alter_column: option using needs a new type (type_)", 2)
    end
    submit({
      kind = "alter_column", table = table_name, schema = opts.schema, column = column_name,
      nullable = opts.nullable, type_ = new_type, server_default = opts.server_default,
      new_column_name = opts.new_column_name, comment = opts.comment, using = opts.using,
      existing_type = opts.existing_type, existing_nullable = opts.existing_nullable,
      existing_server_default = opts.existing_server_default, existing_comment = opts.existing_comment,
      existing_autoincrement = opts.existing_autoincrement,
    })
  end

  function op.create_index(name, table_name, columns, opts)
    check_name("create_index", 1, "name", name)
    check_name("create_index", 2, "table", table_name)
    if type(columns) == "string" and columns ~= "" or is_sql(columns) then columns = { columns } end
    if not is_plain_table(columns) or #columns == 0 then
      error("op.create_index: argument #3 (columns) must be a list of column names or sql fragments, got "
        .. describe(columns), 2)
    end
    local list = {}
    for i, c in ipairs(columns) do
      if not (type(c) == "string" and c ~= "" or is_sql(c)) then
        error(str_format("op.create_index: columns[%d] must be a column name or an sql fragment, got %s",
          i, describe(c)), 2)
      end
      list[i] = c
    end
    opts = check_opts("create_index", 4, opts)
    submit({ kind = "create_index", name = name, table = table_name, schema = opts.schema, columns = list,
      unique = opts.unique or false, if_not_exists = opts.if_not_exists })
  end

  -- The table is optional (Alembic's table_name=None) but MySQL needs it:
  -- op.drop_index(name), op.drop_index(name, table), op.drop_index(name, {opts}).
  function op.drop_index(name, table_name, opts)
    check_name("drop_index", 1, "name", name)
    if opts == nil and is_plain_table(table_name) then table_name, opts = nil, table_name end
    if table_name ~= nil then check_name("drop_index", 2, "table", table_name) end
    opts = check_opts("drop_index", 3, opts)
    submit({ kind = "drop_index", name = name, table = table_name, schema = opts.schema,
      if_exists = opts.if_exists })
  end

  --- execute(sql, ...): parameters bind to `?` placeholders through the
  -- connection, never spliced into the text.
  function op.execute(sqltext, ...)
    if not (type(sqltext) == "string" and sqltext ~= "" or is_sql(sqltext)) then
      error("op.execute: argument #1 (sql) must be a string or sql fragment, got " .. describe(sqltext), 2)
    end
    local record = { kind = "execute", sql = is_sql(sqltext) and sqltext.text or sqltext }
    local n = select("#", ...)
    if n > 0 then
      local params = { n = n }
      for i = 1, n do
        local v = select(i, ...)
        check_bindable("execute", i + 1, v)
        params[i] = v
      end
      record.params = params
    end
    submit(record)
  end

  function op.get_bind()
    local bind = ctx:get_bind() -- not a tail call: its error names the revision line
    return bind
  end

  --- The migration context: `dialect`, `cfg`, and `offline` (true under
  -- --sql, where there is no connection to read through).
  function op.get_context()
    return ctx
  end

  --- bulk_insert(table_or_definition, rows, opts): rows are tables keyed by
  -- column name.
  function op.bulk_insert(tbl, rows, opts)
    local tname, schema, defcols = table_def(tbl)
    if not tname then
      error("op.bulk_insert: argument #1 (table) must be a table name or the table returned by"
        .. " op.create_table, got " .. describe(tbl), 2)
    end
    if not is_plain_table(rows) then
      error("op.bulk_insert: argument #2 (rows) must be a list of tables, got " .. describe(rows), 2)
    end
    opts = check_opts("bulk_insert", 3, opts)
    local columns, filled, defaults = plan_bulk_insert(tname, defcols, rows)
    if not columns then error("op.bulk_insert: " .. filled, 2) end
    if #filled == 0 then return end
    submit({ kind = "bulk_insert", table = tname, schema = opts.schema or schema, rows = filled,
      columns = columns, defaults = defaults })
  end

  -- A misspelt or not yet supported operation names itself instead of
  -- "attempt to call a nil value".
  return setmetatable(op, {
    __index = function(_, key)
      error("op." .. tostring(key) .. ": no such operation", 2)
    end,
  })
end

return M
