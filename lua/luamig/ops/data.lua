-- luamig.ops.data: SQL and data (execute, bulk_insert, inline_literal),
-- the connection and the context, and batch mode's entry point (installed
-- into the op table by luamig.ops).

local types = require("luamig.schema.types")
local check = require("luamig.ops.check")
local progress_line = require("luamig.present.progress")
local rowscan = require("luamig.rowscan")

-- Rows of a bulk_insert stream gathered before they are inserted.
local CHUNK_ROWS = 10000
local describe, is_sql, is_column, is_literal = types.describe, types.is_sql, types.is_column, types.is_literal
local is_plain_table, sorted_keys = check.is_plain_table, check.sorted_keys

local M = {}

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

-- A copy of a row: inline literals become their values, since the context
-- binds every value.
local function copy_row(row)
  local r = {}
  for k, v in pairs(row) do
    if is_literal(v) then v = v.value end
    r[k] = v
  end
  return r
end

-- Why rows with the key `key` (rowscan's stray key) are not a list.
local function stray_key_message(key)
  return string.format("rows must be a list of rows, but it has the key %s%s", describe(key),
    type(key) == "string" and " (one row? write it as a list of one: { { ... } })"
      or " beyond the list's length (a list with holes?)")
end

-- The columns, rows and defaults of a bulk insert, checked. With a table
-- definition, a row key it does not know is a typo worth an error; a
-- column that no row gives and that has no default is left out so that
-- its server default applies. Rows are copied only where something must
-- change (an inline literal unwrapped, a default filled in): a million
-- rows are not copied for nothing. The last result, `uniform`, is true
-- when every row ends up with the same columns and plain values only,
-- which lets every backend take them through its bulk loader.
-- `base` is the number of rows before these (a stream comes in chunks),
-- for the row numbers of messages; `listed`: rows is a list already known
-- to have no other key (a chunk).
local function plan_bulk_insert(tname, defcols, rows, base, listed)
  local given, same_keys, has_tables = rowscan.scan(rows, listed)
  if not given then
    local i, what = same_keys, has_tables  -- on failure: the row's index, and what is wrong
    if what == "list" then
      return nil, stray_key_message(i)
    elseif what == "row" then
      return nil, string.format("rows[%d] must be a table, got %s", base + i, describe(rows[i]))
    end
    for k in pairs(rows[i]) do
      if type(k) ~= "string" then
        return nil, string.format("rows[%d] has a key that is not a column name: %s", base + i, describe(k))
      end
    end
  end
  -- values that are tables: inline literals to unwrap, or SQL fragments
  -- that only a statement of its own can carry
  local wrapped, fragments = false, false
  if has_tables then
    for _, row in ipairs(rows) do
      for _, v in pairs(row) do
        if type(v) == "table" then
          if is_literal(v) then wrapped = true else fragments = true end
        end
      end
    end
  end
  local columns, defaults, fill = nil, {}, {}
  if not defcols or #defcols == 0 then
    columns = sorted_keys(given)
  else
    local known = {}
    columns = {}
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
      if not known[k] then return nil, string.format("rows have column %q that table %q does not have", k, tname) end
    end
  end
  local filling = next(defaults) ~= nil or next(fill) ~= nil
  if not wrapped and not filling then return columns, rows, defaults, same_keys and not fragments end
  local out = {}
  for i, row in ipairs(rows) do
    local r = copy_row(row)
    for name, value in pairs(defaults) do
      if r[name] == nil then r[name] = value end
    end
    for name, fn in pairs(fill) do
      if r[name] == nil then r[name] = fn() end
    end
    out[i] = r
  end
  return columns, out, defaults, same_keys and not fragments
end

function M.install(op, shared)
  local ctx, submit = shared.ctx, shared.submit

  -- The context's progress line; a silent one for contexts that show none.
  local function new_progress(total, label)
    if type(ctx.progress) == "function" then return ctx:progress(total, label) end
    return progress_line.new({ total = total, label = label })
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
        params[i] = check.bindable("execute", i + 1, (select(i, ...)))
      end
      record.params = params
    end
    submit(record)
  end

  --- get_bind([opts]): the connection (luamig.context.bind). opts.decimals:
  -- "string" (the default: DECIMAL/NUMERIC exactly, as their digits) or
  -- "number" (as Lua numbers: integers when they are, else floats).
  function op.get_bind(opts)
    opts = check.opts("get_bind", 1, opts)
    local decimals = opts.decimals
    local bind = ctx:get_bind(decimals) -- not a tail call: its error names the revision line
    return bind
  end

  --- inspect(): the schema as it is now (luamig.context.inspector), to
  -- branch on what exists; online only.
  function op.inspect()
    if ctx.offline or type(ctx.inspect) ~= "function" then
      error("op.inspect() needs a database, and --sql writes a script without one: branch on"
        .. " op.get_context().offline, or write the revision for the schema you know", 2)
    end
    local inspector = ctx:inspect()
    return inspector
  end

  --- autocommit_block(fn): run fn with no transaction open, for statements
  -- a transaction refuses (CREATE INDEX CONCURRENTLY, ALTER TYPE ... ADD
  -- VALUE on PostgreSQL before 12, VACUUM). What the revision did before it
  -- is committed first; see Context:autocommit_block.
  function op.autocommit_block(fn)
    if type(fn) ~= "function" then
      error("op.autocommit_block: argument #1 (fn) must be a function, got " .. describe(fn), 2)
    end
    if type(ctx.autocommit_block) ~= "function" then
      error("op.autocommit_block: this context runs no transactions", 2)
    end
    ctx:autocommit_block(fn)
  end

  --- The migration context: `dialect`, `cfg`, and `offline` (true under
  -- --sql, where there is no connection to read through).
  function op.get_context()
    return ctx
  end

  --- f(name): a constraint or index name the naming convention leaves as
  -- it is (Alembic's op.f), for create_* ops, constraints and drop_*.
  function op.f(name)
    if type(name) ~= "string" or name == "" then
      error("op.f: argument #1 (name) must be a non-empty string, got " .. describe(name), 2)
    end
    return types.final_name(name)
  end

  --- inline_literal(value): the value written as an SQL literal of this
  -- database where SQL text is built (`"... = " .. op.inline_literal("x")`),
  -- and as it is where a value is expected (server_default, bulk_insert
  -- rows, execute parameters).
  function op.inline_literal(value)
    local t = type(value)
    if t ~= "string" and t ~= "number" and t ~= "boolean" then
      error("op.inline_literal: argument #1 (value) must be a string, number or boolean, got " .. describe(value), 2)
    end
    if t == "number" and (value ~= value or value == math.huge or value == -math.huge) then
      error("op.inline_literal: argument #1 (value) must be a finite number, got " .. describe(value), 2)
    end
    return types.literal(value, ctx.dialect or require("luamig.ddl.base").Dialect)
  end

  --- bulk_insert(table_or_definition, rows, [{multiinsert =, schema =,
  -- total =}]): rows are tables keyed by column name, given as a list or
  -- as a function returning the next row or nil at the end (a stream,
  -- such as db:rows(...), taken CHUNK_ROWS at a time so that it is never
  -- held whole). multiinsert (default true) is Alembic's: false asks for
  -- one statement execution per row. total: the row count of a stream,
  -- for the progress line's percentage.
  function op.bulk_insert(tbl, rows, opts, ...)
    -- op.bulk_insert(t, db:rows(sql)) passes rows() results whole: the
    -- function, two nils and the scan's closing value. Nothing else may
    -- follow the options.
    local extra = select("#", ...)
    if extra > 0 and not (type(rows) == "function" and opts == nil and extra == 2 and (...) == nil) then
      error(string.format("op.bulk_insert: unexpected argument #4 (%s): it takes at most 3 (table, rows, opts)",
        describe((...))), 2)
    end
    local tname, schema, defcols = table_def(tbl)
    if not tname then
      error("op.bulk_insert: argument #1 (table) must be a table name or the table returned by"
        .. " op.create_table, got " .. describe(tbl), 2)
    end
    local stream = type(rows) == "function"
    if not stream and not is_plain_table(rows) then
      error("op.bulk_insert: argument #2 (rows) must be a list of tables or a function returning"
        .. " rows, got " .. describe(rows), 2)
    end
    opts = check.opts("bulk_insert", 3, opts)
    local progress = new_progress(opts.total or (not stream and #rows or nil), "bulk_insert " .. tname)
    local done = 0
    -- more: rows follow (a stream's chunk), so that the context may leave
    -- its bulk load open for them (luamig.context.bulk_insert)
    local function insert(chunk, more, listed)
      local columns, filled, defaults, uniform = plan_bulk_insert(tname, defcols, chunk, done, listed)
      if not columns then error("op.bulk_insert: " .. filled, 3) end
      local base = done
      done = done + #chunk
      if #filled == 0 and (more or done == 0) then return end
      submit({ kind = "bulk_insert", table = tname, schema = opts.schema or schema, rows = filled,
        columns = columns, defaults = defaults, uniform = uniform, multiinsert = opts.multiinsert ~= false,
        progress = progress, base = base > 0 and base or nil, more = more or nil }, 1)
    end
    if not stream and #rows <= CHUNK_ROWS then
      insert(rows, false)
    else
      -- A failure (the function's error, a bad row) gives up the load left
      -- open for the chunks rather than ending it, which would store its
      -- rows; the revision's rollback undoes the rest. A to-be-closed
      -- value, so that the error goes on as it was raised.
      local finished = false
      local _ <close> = setmetatable({}, { __close = function()
        if not finished and type(ctx.bulk_insert_abandon) == "function" then ctx:bulk_insert_abandon() end
      end })
      if stream then
        local chunk, n = {}, 0
        for row in rows do
          n = n + 1
          chunk[n] = row
          if n == CHUNK_ROWS then
            insert(chunk, true, true)
            chunk, n = {}, 0
          end
        end
        insert(chunk, false, true)
      else
        -- A long list goes in chunks too, into the same load: checking a
        -- chunk's rows then overlaps the database storing the chunk before.
        local stray = rowscan.stray_key(rows)
        if stray ~= nil then error("op.bulk_insert: " .. stray_key_message(stray), 2) end
        local n = #rows
        for first = 1, n, CHUNK_ROWS do
          local last = math.min(n, first + CHUNK_ROWS - 1)
          insert(table.move(rows, first, last, 1, {}), last < n, true)
        end
      end
      finished = true
    end
    progress:finish()
  end

  --- progress([total], [label]): a progress line for a data migration
  -- that moves rows itself; p:add(n) after each n rows, p:finish() at the
  -- end (or the revision's end finishes it). Shown on a terminal, or with
  -- -v; never with --json or -q.
  function op.progress(total, label)
    if total ~= nil and math.type(total) ~= "integer" then
      error("op.progress: argument #1 (total) must be an integer or nil, got " .. describe(total), 2)
    end
    if label ~= nil and type(label) ~= "string" then
      error("op.progress: argument #2 (label) must be a string or nil, got " .. describe(label), 2)
    end
    return new_progress(total, label or "rows")
  end

  --- batch_alter_table(table, function(batch) ... end, [opts]): batch mode
  -- (SQLite rebuilds the table), carried out by luamig.ops.batch.
  function op.batch_alter_table(table_name, fn, opts)
    check.name("batch_alter_table", 1, "table", table_name)
    if type(fn) ~= "function" then
      error("op.batch_alter_table: argument #2 (fn) must be a function, got " .. describe(fn), 2)
    end
    if opts ~= nil and not is_plain_table(opts) then
      error("op.batch_alter_table: argument #3 (options) must be a table, got " .. describe(opts), 2)
    end
    local batch = require("luamig.ops").batch_module()
    if not batch then
      error("op.batch_alter_table: batch mode is not available in this build of luamig", 2)
    end
    local ok, err = batch.run(ctx, table_name, fn, opts or {})
    if not ok and err ~= nil then error(err, 2) end
  end
end

return M
