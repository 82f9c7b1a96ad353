-- luamig.autogen.render: the changes of compare.lua as the Lua of a
-- revision, written as a person would write it: one op per statement,
-- options in a fixed order, names left out where the database would choose
-- the same one anyway, a comment above every drop that loses data.
--
-- On SQLite, whose ALTER TABLE cannot change a column or a constraint,
-- the changes to one existing table that need that are written as one
-- op.batch_alter_table block (batch mode rebuilds the table once).

local types = require("luamig.schema.types")
local values = require("luamig.autogen.render.values")

local M = {}

local q, qlist, type_lua, default_lua = values.q, values.qlist, values.type_lua, values.default_lua
local opts_lua, call = values.opts_lua, values.call
M.quote = q

---------------------------------------------------------------------------
-- Names the database would give anyway (left out of the revision)

local function default_name(dialect, kind, tname, entry)
  if entry.name == nil then return true end
  return dialect:is_default_name(kind, tname, entry)
end

-- A name read from the database, as the revision gives it: op.f(...), so
-- that a naming convention with %(constraint_name)s leaves it as it is.
local function qname(name)
  if name == nil then return "nil" end
  return string.format("op.f(%s)", q(name))
end

local function name_arg(dialect, kind, tname, entry)
  if default_name(dialect, kind, tname, entry) then return "nil" end
  return qname(entry.name)
end

---------------------------------------------------------------------------
-- Columns and table definitions

local function column_lua(dialect, col, single_pk, auto_pk)
  local o = {}
  -- an identity with the defaults on the table's autoincrementing key is
  -- what that key is anyway; any other is written as Identity(...)
  local identity = col.identity and (next(col.identity) ~= nil or not (single_pk and auto_pk)) and col.identity
  if single_pk then o[#o + 1] = { "primary_key", "true" } end
  if not col.nullable and not single_pk and not identity then o[#o + 1] = { "nullable", "false" } end
  if col.autoincrement and not auto_pk and not identity then o[#o + 1] = { "autoincrement", "true" } end
  if single_pk and auto_pk and not col.autoincrement and types.is_integer(col.type) then
    o[#o + 1] = { "autoincrement", "false" }
  end
  if col.default ~= nil then o[#o + 1] = { "server_default", default_lua(col.default) } end
  if col.comment and dialect.comments then o[#o + 1] = { "comment", q(col.comment) } end
  local generated = col.computed and values.computed_lua(col.computed) or identity and values.identity_lua(identity)
    or nil
  return call("Column", q(col.name), type_lua(col.type, col.type_text), generated, opts_lua(o))
end

local function index_columns_lua(ix)
  local parts = {}
  for _, c in ipairs(ix.columns or {}) do parts[#parts + 1] = q(c) end
  for _, e in ipairs(ix.expressions or {}) do parts[#parts + 1] = "sql " .. q(e) end
  return parts
end

local function where_option(dialect, ix)
  if not ix.where then return nil end
  return { dialect.option_prefix .. "_where", "sql " .. q(ix.where) }
end

-- unique, the dialect's where and include options of an index.
local function index_opts(dialect, ix)
  local o = {}
  if ix.unique then o[#o + 1] = { "unique", "true" } end
  o[#o + 1] = where_option(dialect, ix)
  if ix.include then o[#o + 1] = { dialect.option_prefix .. "_include", qlist(ix.include) } end
  return opts_lua(o)
end

local function create_table_lua(dialect, t)
  local lines = { string.format("op.create_table(%s,", q(t.name)) }
  local pk = t.primary_key
  local single = pk and #pk.columns == 1 and default_name(dialect, "primary_key", t.name, pk) and pk.columns[1]
  local auto_pk = false
  if single then
    for _, c in ipairs(t.columns) do
      if c.name == single then auto_pk = types.is_integer(c.type) and c.default == nil end
    end
  end
  local items = {}
  for _, c in ipairs(t.columns) do items[#items + 1] = column_lua(dialect, c, c.name == single, auto_pk) end
  -- A key over columns: its columns, then its name unless the naming
  -- convention would give it that name anyway.
  local function key(constructor, kind, k)
    local args = {}
    for _, c in ipairs(k.columns) do args[#args + 1] = q(c) end
    if not default_name(dialect, kind, t.name, k) then args[#args + 1] = opts_lua { { "name", qname(k.name) } } end
    items[#items + 1] = call(constructor, table.unpack(args))
  end
  if pk and not single then key("PrimaryKeyConstraint", "primary_key", pk) end
  for _, u in ipairs(t.uniques) do key("UniqueConstraint", "unique", u) end
  for _, fk in ipairs(t.foreign_keys) do
    local refs = {}
    for i, c in ipairs(fk.ref_columns) do refs[i] = fk.ref_table .. "." .. c end
    local o = {}
    if not default_name(dialect, "foreign_key", t.name, fk) then o[#o + 1] = { "name", qname(fk.name) } end
    values.fk_opts(o, fk)
    items[#items + 1] = call("ForeignKeyConstraint", qlist(fk.columns), qlist(refs), opts_lua(o))
  end
  for _, ck in ipairs(t.checks) do
    items[#items + 1] = call("CheckConstraint", q(ck.sqltext), ck.name and opts_lua { { "name", qname(ck.name) } } or nil)
  end
  for _, ix in ipairs(t.indexes) do
    local args = { qname(ix.name) }
    for _, a in ipairs(index_columns_lua(ix)) do args[#args + 1] = a end
    args[#args + 1] = index_opts(dialect, ix)
    items[#items + 1] = call("Index", table.unpack(args))
  end
  if t.comment and dialect.comments then items[#items + 1] = opts_lua { { "comment", q(t.comment) } } end
  for i, item in ipairs(items) do
    lines[#lines + 1] = "  " .. item .. (i < #items and "," or ")")
  end
  if #items == 0 then lines[1] = lines[1]:gsub(",$", ")") end
  return lines
end

---------------------------------------------------------------------------
-- One op

-- A PostgreSQL enum's new values. Values only added at the end: ALTER TYPE
-- ... ADD VALUE. Anything else (a value removed, the order changed):
-- PostgreSQL cannot drop an enum value, so the type is rebuilt and every
-- column using it converted through text (rows holding a removed value
-- make that fail, loudly).
local function enum_lines(dialect, u)
  local appended = #u.to > #u.from
  for i, v in ipairs(u.from) do if u.to[i] ~= v then appended = false end end
  local lines = {}
  local function exec(sql) lines[#lines + 1] = call("op.execute", q(sql)) end
  local t = dialect:quote(u.name)
  if appended then
    for i = #u.from + 1, #u.to do
      exec(string.format("ALTER TYPE %s ADD VALUE IF NOT EXISTS %s", t, dialect:literal(u.to[i])))
    end
    return lines
  end
  local values = {}
  for i, v in ipairs(u.to) do values[i] = dialect:literal(v) end
  local old = dialect:quote(u.name .. "_old")
  lines[#lines + 1] = string.format("-- enum %s: values (%s) become (%s); PostgreSQL cannot drop a value, so the type is rebuilt",
    u.name, table.concat(u.from, ", "), table.concat(u.to, ", "))
  exec(string.format("ALTER TYPE %s RENAME TO %s", t, old))
  exec(string.format("CREATE TYPE %s AS ENUM (%s)", t, table.concat(values, ", ")))
  for _, c in ipairs(u.columns or {}) do
    local col = dialect:quote(c.column)
    exec(string.format("ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::text::%s", dialect:quote(c.table), col, t,
      col, t))
  end
  exec(string.format("DROP TYPE %s", old))
  return lines
end

-- existing_* options: MySQL needs the whole column to MODIFY it.
local function existing_opts(o, col)
  o[#o + 1] = { "existing_type", type_lua(col.type, col.type_text) }
  o[#o + 1] = { "existing_nullable", tostring(col.nullable ~= false) }
  if col.default ~= nil then o[#o + 1] = { "existing_server_default", default_lua(col.default) } end
  if col.comment then o[#o + 1] = { "existing_comment", q(col.comment) } end
  if col.identity then o[#o + 1] = { "existing_identity", values.identity_lua(col.identity) } end
end

local function alter_opts(u)
  local o, ch = {}, u.changes
  if ch.type_ ~= nil then
    o[#o + 1] = { "type_", type(ch.type_) == "string" and string.format("Type(%s)", q(ch.type_)) or tostring(ch.type_) }
  end
  if ch.nullable ~= nil then o[#o + 1] = { "nullable", tostring(ch.nullable) } end
  if ch.server_default ~= nil then o[#o + 1] = { "server_default", default_lua(ch.server_default) } end
  if ch.comment ~= nil then o[#o + 1] = { "comment", ch.comment == false and "null" or q(ch.comment) } end
  if ch.identity ~= nil then
    o[#o + 1] = { "identity", ch.identity == false and "null" or values.identity_lua(ch.identity) }
  end
  existing_opts(o, u.existing)
  return opts_lua(o)
end

-- Lines of one op outside batch mode; `prefix` "op." or "batch." (then
-- the table argument is left out).
local function op_lines(dialect, u, in_batch)
  local p = in_batch and "batch." or "op."
  local function t_arg() if in_batch then return nil end return q(u.table) end
  local k = u.op
  if k == "comment" then return {}
  elseif k == "create_table" then return create_table_lua(dialect, u.table)
  elseif k == "drop_table" then
    local o = u.enums and #u.enums > 0 and opts_lua { { "enums", qlist(u.enums) } } or nil
    return { string.format("-- drops table %s and every row in it", u.table.name), call("op.drop_table",
      q(u.table.name), o) }
  elseif k == "rename_table" then return { call("op.rename_table", q(u.from), q(u.to)) }
  elseif k == "add_column" then
    local c = u.column
    return { call(p .. "add_column", t_arg(), column_lua(dialect, c, false, false)) }
  elseif k == "drop_column" then
    local o = not in_batch and u.enums and #u.enums > 0 and opts_lua { { "enums", qlist(u.enums) } } or nil
    return { string.format("-- drops column %s.%s and the data in it", u.table, u.column.name),
      call(p .. "drop_column", t_arg(), q(u.column.name), o) }
  elseif k == "rename_column" then
    return { call(p .. "alter_column", t_arg(), q(u.from), opts_lua { { "new_column_name", q(u.to) } }) }
  elseif k == "alter_column" then return { call(p .. "alter_column", t_arg(), q(u.column), alter_opts(u)) }
  elseif k == "recreate_column" then
    return { string.format("-- column %s.%s is generated by the database: drop it and add it again", u.table,
      u.column.name), call(p .. "drop_column", t_arg(), q(u.column.name)),
      call(p .. "add_column", t_arg(), column_lua(dialect, u.column, false, false)) }
  elseif k == "create_index" then
    local ix = u.index
    return { call(p .. "create_index", qname(ix.name), t_arg(), "{ " .. table.concat(index_columns_lua(ix), ", ") .. " }",
      index_opts(dialect, ix)) }
  elseif k == "drop_index" then return { call(p .. "drop_index", qname(u.index.name), t_arg()) }
  elseif k == "create_unique_constraint" then
    return { call(p .. "create_unique_constraint", name_arg(dialect, "unique", u.table, u.entry), t_arg(), qlist(u.entry.columns)) }
  elseif k == "create_foreign_key" then
    local fk = u.entry
    local o = values.fk_opts({}, fk)
    return { call(p .. "create_foreign_key", name_arg(dialect, "foreign_key", u.table, fk), t_arg(), q(fk.ref_table),
      qlist(fk.columns), qlist(fk.ref_columns), opts_lua(o)) }
  elseif k == "create_check_constraint" then
    return { call(p .. "create_check_constraint", qname(u.entry.name), t_arg(), q(u.entry.sqltext)) }
  elseif k == "drop_constraint" then
    if not u.entry.name then
      return { string.format("-- the %s constraint (%s) of %s has no name, so it cannot be dropped by name: name it in the database",
        u.kind, table.concat(u.entry.columns or {}, ", "), u.table) }
    end
    return { call(p .. "drop_constraint", qname(u.entry.name), t_arg(), opts_lua { { "type_", q(u.kind) } }) }
  elseif k == "create_table_comment" then return { call("op.create_table_comment", q(u.table), q(u.comment)) }
  elseif k == "drop_table_comment" then return { call("op.drop_table_comment", q(u.table)) }
  elseif k == "enum_values" then return enum_lines(dialect, u)
  -- what a process_revision_directives hook adds (autogen/directives.lua)
  elseif k == "execute" then return { call("op.execute", q(u.sql)) }
  elseif k == "code" then
    local lines = {}
    for l in (u.code .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = l end
    return lines
  end
  error("render: unknown op " .. tostring(k))
end

---------------------------------------------------------------------------
-- Bodies

-- The op records batch mode exists for (SQLite), by the dialect's rule.
local function needs_batch(dialect, u)
  if not dialect.needs_batch then return false end
  local k = u.op
  if k == "alter_column" then
    return dialect:needs_batch { kind = "alter_column", nullable = u.changes.nullable, type_ = u.changes.type_,
      server_default = u.changes.server_default }
  elseif k == "create_unique_constraint" then return dialect:needs_batch { kind = "create_unique_constraint" }
  elseif k == "create_foreign_key" then return dialect:needs_batch { kind = "create_foreign_key" }
  elseif k == "create_check_constraint" then return dialect:needs_batch { kind = "create_check_constraint" }
  elseif k == "drop_constraint" then return dialect:needs_batch { kind = "drop_constraint" }
  elseif k == "add_column" then
    local c = u.column
    return dialect:needs_batch { kind = "add_column", column = { primary_key = false, autoincrement = c.autoincrement,
      unique = false } }
  end
  return false
end

local TABLE_OPS = { add_column = true, drop_column = true, rename_column = true, alter_column = true,
  create_index = true, drop_index = true, create_unique_constraint = true, create_foreign_key = true,
  create_check_constraint = true, drop_constraint = true }

--- The body of upgrade() (side "up") or downgrade() (side "down", the
-- changes in reverse), indented for a function, or a comment when empty.
function M.body(changes, dialect, side)
  local list = {}
  if side == "up" then
    for _, c in ipairs(changes) do list[#list + 1] = c.up end
  else
    for i = #changes, 1, -1 do list[#list + 1] = changes[i].down end
  end
  -- SQLite: the tables some op of which needs batch mode get one block,
  -- at the place of their first op, holding all their column and
  -- constraint ops in order.
  local batched = {}
  for _, u in ipairs(list) do
    if TABLE_OPS[u.op] and needs_batch(dialect, u) then batched[u.table] = true end
  end
  local lines, opened = {}, {}
  for _, u in ipairs(list) do
    if TABLE_OPS[u.op] and batched[u.table] then
      if not opened[u.table] then
        opened[u.table] = true
        lines[#lines + 1] = string.format("op.batch_alter_table(%s, function(batch)", q(u.table))
        for _, v in ipairs(list) do
          if TABLE_OPS[v.op] and v.table == u.table then
            for _, l in ipairs(op_lines(dialect, v, true)) do lines[#lines + 1] = "  " .. l end
          end
        end
        lines[#lines + 1] = "end)"
      end
    else
      for _, l in ipairs(op_lines(dialect, u, false)) do lines[#lines + 1] = l end
    end
  end
  if #lines == 0 then return "  -- no changes" end
  for i, l in ipairs(lines) do lines[i] = "  " .. l end
  return table.concat(lines, "\n")
end

return M
