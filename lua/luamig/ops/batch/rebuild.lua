-- luamig.ops.batch.rebuild: rebuild one SQLite table by move and copy, inside
-- the revision's transaction.
--
-- SQLite's documented procedure (lang_altertable.html, "Making Other Kinds
-- Of Table Schema Changes") with what a transaction already open changes:
--   1. CREATE TABLE "_luamig_tmp_<t>" with the new definition;
--   2. INSERT INTO it SELECT the kept columns FROM the old table (rowids too);
--   3. DROP TABLE the old one; 4. rename the new one to the old name;
--   5. recreate the indexes, then the triggers, on the table;
--   6. check foreign keys, the tables that reference this one, and views
--      (luamig.ops.batch.consistency; at the revision's end when it runs
--      in a transaction).
-- The rename runs with PRAGMA legacy_alter_table = ON, so that SQLite
-- neither rewrites nor re-checks views and triggers that name the table
-- while it is briefly gone; the other tables' REFERENCES clauses keep
-- naming it. PRAGMA foreign_keys cannot change inside a transaction. When
-- it is off (SQLite's default and luamig's), DROP TABLE leaves the
-- referencing tables alone. When it is on, DROP TABLE deletes every row
-- first, firing ON DELETE actions in the referencing tables and counting
-- violations that no later statement clears: so a table that other rows
-- reference is refused with a message, foreign keys are deferred for the
-- copy (rows referencing rows of the same table), and foreign_key_check
-- runs at the end. A reference of the table to itself names the final
-- name from the start when foreign keys are off (the legacy rename
-- rewrites nothing); when they are on it names the new table, whose rows
-- dropping the old one must not touch, and the rename rewrites it.
-- Online, the whole rebuild is one SAVEPOINT: a failure
-- (NOT NULL over NULL data, a broken reference) rolls it back and leaves
-- the table and its rows as they were.

local catalog = require("luamig.reflect.sqlite")
local reading = require("luamig.reflect.sqlite.sqltext")
local sqltext = require("luamig.ops.batch.sqltext")
local consistency = require("luamig.ops.batch.consistency")
local types = require("luamig.schema.types")
local table_model = require("luamig.schema.table_model")

local is_sql, find_column = types.is_sql, table_model.find_column
local tokenize, keyword = reading.tokenize, reading.keyword

local M = {}

M.TMP_PREFIX = "_luamig_tmp_"

-- A DEFAULT needs parentheses unless it is a literal, a bare word or a
-- signed number, or is parenthesized already.
local function default_sql(text)
  local toks = tokenize(text)
  local n = #toks
  if n == 1 and (toks[1].kind == "str" or toks[1].kind == "num" or (toks[1].kind == "id" and not toks[1].quoted)) then
    return text
  end
  if n == 2 and (toks[1].value == "-" or toks[1].value == "+") and toks[2].kind == "num" then return text end
  if n > 0 and toks[1].kind == "(" then
    local depth = 0
    for i, t in ipairs(toks) do
      if t.kind == "(" then depth = depth + 1 elseif t.kind == ")" then depth = depth - 1 end
      if depth == 0 then
        if i == n then return text end
        break
      end
    end
  end
  return "(" .. text .. ")"
end

-- The single INTEGER primary key column that SQLite makes the rowid alias
-- (written inline, as luamig's DDL does), or nil.
local function rowid_alias(model)
  local pk = model.primary_key
  if not pk or #pk.columns ~= 1 then return nil end
  for _, c in ipairs(model.columns) do
    if string.lower(c.name) == string.lower(pk.columns[1]) and string.upper(c.type_text) == "INTEGER" then return c end
  end
  return nil
end

local function collation_sql(d, name)
  if name:match("^[%a_][%w_]*$") then return name end
  return d:quote(name)
end

local function column_sql(d, c, inline_pk, pk_name)
  local p = { d:quote(c.name) }
  if c.type_text ~= "" then p[#p + 1] = c.type_text end
  if c.computed then p[#p + 1] = d:computed_sql(c.computed) end
  if c.default ~= nil then p[#p + 1] = "DEFAULT " .. default_sql(c.default) end
  if not c.nullable then p[#p + 1] = "NOT NULL" end
  if inline_pk then
    if pk_name then p[#p + 1] = "CONSTRAINT " .. d:constraint_name_sql(pk_name) end
    p[#p + 1] = c.sqlite_autoincrement and "PRIMARY KEY AUTOINCREMENT" or "PRIMARY KEY"
  end
  if c.collate then p[#p + 1] = "COLLATE " .. collation_sql(d, c.collate) end
  return table.concat(p, " ")
end

local function quote_list(d, names)
  local q = {}
  for i, n in ipairs(names) do q[i] = d:quote(n) end
  return table.concat(q, ", ")
end

-- Table constraints, written as luamig's DDL writes them; kept here (not
-- in the dialect) for what only SQLite has: a reference to the parent's
-- key without columns.
local function constraint_sql(d, kind, c, ref_table)
  local s
  if kind == "primary_key" then
    s = "PRIMARY KEY (" .. quote_list(d, c.columns) .. ")"
  elseif kind == "unique" then
    s = "UNIQUE (" .. quote_list(d, c.columns) .. ")"
  elseif kind == "check" then
    s = "CHECK (" .. c.sqltext .. ")"
  else
    s = string.format("FOREIGN KEY (%s) REFERENCES %s", quote_list(d, c.columns), d:quote(ref_table))
    if #c.ref_columns > 0 then s = s .. " (" .. quote_list(d, c.ref_columns) .. ")" end
    s = s .. d:fk_options_sql(c)
  end
  if c.name then s = "CONSTRAINT " .. d:constraint_name_sql(c.name) .. " " .. s end
  return s
end

--- CREATE TABLE for the model under the name `tmp`; a foreign key to the
-- table itself names `self_name`.
function M.create_table_sql(d, model, tmp, self_name)
  local alias = rowid_alias(model)
  local lines = {}
  for _, c in ipairs(model.columns) do
    lines[#lines + 1] = "  " .. column_sql(d, c, c == alias, c == alias and model.primary_key.name or nil)
  end
  if model.primary_key and not alias then
    lines[#lines + 1] = "  " .. constraint_sql(d, "primary_key", model.primary_key)
  end
  for _, u in ipairs(model.uniques) do lines[#lines + 1] = "  " .. constraint_sql(d, "unique", u) end
  for _, fk in ipairs(model.foreign_keys) do
    local ref = string.lower(fk.ref_table) == string.lower(model.name) and self_name or fk.ref_table
    lines[#lines + 1] = "  " .. constraint_sql(d, "foreign_key", fk, ref)
  end
  for _, ck in ipairs(model.checks) do lines[#lines + 1] = "  " .. constraint_sql(d, "check", ck) end
  local options = model.options ~= "" and (" " .. model.options) or ""
  return string.format("CREATE TABLE %s (\n%s\n)%s", d:qualify(tmp, model.schema), table.concat(lines, ",\n"), options)
end

local function without_rowid(model)
  for _, t in ipairs(tokenize(model.options or "")) do
    if keyword(t) == "ROWID" then return true end
  end
  return false
end

local ROWID_NAMES = { rowid = true, oid = true, _rowid_ = true }

-- Keep the rowids where neither table has a rowid alias or a column that
-- hides the name "rowid".
local function keeps_rowid(old, new)
  if without_rowid(old) or without_rowid(new) or rowid_alias(old) or rowid_alias(new) then return false end
  for _, m in ipairs { old, new } do
    for _, c in ipairs(m.columns) do
      if ROWID_NAMES[string.lower(c.name)] then return false end
    end
  end
  return true
end

--- INSERT INTO tmp (...) SELECT ... FROM old: the columns that come from
-- the old table, under their new names, cast where their type's kind
-- changed (see the dialect's copy_expression).
function M.copy_sql(d, old, new, tmp)
  local into, from = {}, {}
  if keeps_rowid(old, new) then into[1], from[1] = "rowid", "rowid" end
  for _, c in ipairs(new.columns) do
    if c.from and not c.computed then
      local was, quoted = find_column(old, c.from), d:quote(c.from)
      into[#into + 1] = d:quote(c.name)
      from[#from + 1] = was and d:copy_expression(quoted, was.type_text, c.type_text) or quoted
    end
  end
  if #into == 0 then return nil end
  return string.format("INSERT INTO %s (%s) SELECT %s FROM %s", d:qualify(tmp, new.schema), table.concat(into, ", "),
    table.concat(from, ", "), d:qualify(old.name, old.schema))
end

--- The CREATE INDEX statements of the model | nil, msg.
function M.index_sql(d, model)
  local out = {}
  for _, ix in ipairs(model.indexes) do
    if ix.sql then
      out[#out + 1] = model.schema and sqltext.qualify_created(ix.sql, d:quote(model.schema)) or ix.sql
    else
      local elems = {}
      for i, c in ipairs(ix.columns) do elems[i] = is_sql(c) and c.text or d:quote(c) end
      local where = ix.where and (" WHERE " .. (is_sql(ix.where) and ix.where.text or ix.where)) or ""
      out[#out + 1] = string.format("CREATE %sINDEX %s ON %s (%s)%s", ix.unique and "UNIQUE " or "",
        d:qualify(ix.name, model.schema), d:quote(model.name), table.concat(elems, ", "), where)
    end
  end
  return out
end

-- Steps ----------------------------------------------------------------------

local function pragma_value(ctx, schema, name)
  local row = ctx.conn:first(catalog.pragma(schema, name))
  if not row then return nil end
  local _, v = next(row)
  return v
end

local function run(ctx, sql, ...)
  local rec = { kind = "execute", sql = sql }
  local n = select("#", ...)
  if n > 0 then rec.params = { n = n, ... } end
  return ctx:run_op(rec)
end

-- With foreign keys on, dropping the old table would delete its rows under
-- the feet of the rows that reference them.
local function referenced_rows(ctx, children, schema)
  local d = ctx.dialect
  for _, fk in ipairs(children) do
    local conds = {}
    for i, c in ipairs(fk.columns) do conds[i] = d:quote(c) .. " IS NOT NULL" end
    local row, err = ctx.conn:first(string.format("SELECT 1 AS x FROM %s WHERE %s LIMIT 1", d:qualify(fk.table, schema),
      table.concat(conds, " AND ")))
    if err then return nil, err end
    if row then return fk end
  end
  return false
end

-- The statements of the rebuild proper, run through the context.
local function statements(ctx, old, new, self_name)
  local d = ctx.dialect
  local tmp = M.TMP_PREFIX .. old.name
  local out = { { sql = M.create_table_sql(d, new, tmp, self_name) } }
  local copy = M.copy_sql(d, old, new, tmp)
  if copy then out[#out + 1] = { sql = copy, what = "copying the rows into the rebuilt table" } end
  out[#out + 1] = { sql = "DROP TABLE " .. d:qualify(old.name, old.schema) }
  out[#out + 1] = { sql = string.format("ALTER TABLE %s RENAME TO %s", d:qualify(tmp, old.schema), d:quote(old.name)) }
  return out, tmp
end

local function run_all(ctx, list, tmp, name)
  for _, st in ipairs(list) do
    local ok, err = run(ctx, st.sql)
    if not ok then
      -- SQLite names the temporary table; the user knows the real one.
      err = tostring(err):gsub(tmp:gsub("%p", "%%%0"), function() return name end)
      if st.what then return nil, string.format("%s failed: %s", st.what, err) end
      return nil, err
    end
  end
  return true
end

--- Offline (--sql): the statements only, from the model given by
-- copy_from; nothing is read.
function M.write(ctx, old, new)
  local list, tmp = statements(ctx, old, new, old.name)
  table.insert(list, 1, { sql = "PRAGMA legacy_alter_table = ON" })
  list[#list + 1] = { sql = "PRAGMA legacy_alter_table = OFF" }
  for _, sql in ipairs(M.index_sql(ctx.dialect, new)) do list[#list + 1] = { sql = sql } end
  return run_all(ctx, list, tmp, old.name)
end

-- The part that runs inside the savepoint.
local function rebuild_body(ctx, old, new, fk_on, trigger_rows)
  local d = ctx.dialect
  local list, tmp = statements(ctx, old, new, fk_on and (M.TMP_PREFIX .. old.name) or old.name)
  local ok, err = run_all(ctx, list, tmp, old.name)
  if not ok then return nil, err end
  if old.sequence and rowid_alias(new) and rowid_alias(new).sqlite_autoincrement then
    -- AUTOINCREMENT never reuses an id: keep the high-water mark.
    local seq = catalog.master(old.schema):gsub("sqlite_master$", "sqlite_sequence")
    ok, err = run(ctx, string.format("UPDATE %s SET seq = ? WHERE name = ? AND seq < ?", seq), old.sequence, old.name,
      old.sequence)
    if ok and not ctx.conn:first(string.format("SELECT 1 AS x FROM %s WHERE name = ?", seq), old.name) then
      ok, err = run(ctx, string.format("INSERT INTO %s (name, seq) VALUES (?, ?)", seq), old.name, old.sequence)
    end
    if not ok then return nil, err end
  end
  for _, sql in ipairs(M.index_sql(d, new)) do
    ok, err = run(ctx, sql)
    if not ok then return nil, "recreating the indexes failed: " .. err end
  end
  for _, t in ipairs(trigger_rows) do
    ok, err = run(ctx, old.schema and sqltext.qualify_created(t.sql, d:quote(old.schema)) or t.sql)
    if not ok then return nil, string.format("recreating trigger %s failed: %s", d:quote(t.name), err) end
  end
  return true
end

--- Rebuild online: `old` is the model read from the database, `new` the
-- model after the batch's operations. true | nil, msg.
function M.execute(ctx, old, new)
  local d, conn = ctx.dialect, ctx.conn
  local children, err = catalog.referencing(conn, old.name, old.schema)
  if not children then return nil, err end
  local fk_on = pragma_value(ctx, nil, "foreign_keys") == 1
  if fk_on then
    local busy, berr = referenced_rows(ctx, children, old.schema)
    if busy == nil then return nil, berr end
    if busy then
      return nil, string.format("PRAGMA foreign_keys is on and rows of %s reference %s: rebuilding it would delete"
        .. " them or break them (SQLite cannot turn foreign keys off inside the revision's transaction); run"
        .. " luamig with foreign keys off (SQLite's default)", d:quote(busy.table), d:quote(old.name))
    end
  end
  local trigger_rows, terr = catalog.triggers(conn, old.name, old.schema)
  if not trigger_rows then return nil, terr end
  local legacy = pragma_value(ctx, nil, "legacy_alter_table")
  local defer = fk_on and pragma_value(ctx, nil, "defer_foreign_keys")

  local ok, serr = conn:execute("SAVEPOINT luamig_batch")
  if not ok then return nil, serr end
  local body_ok, body_err = run(ctx, "PRAGMA legacy_alter_table = ON")
  if body_ok and fk_on then body_ok, body_err = run(ctx, "PRAGMA defer_foreign_keys = ON") end
  if body_ok then body_ok, body_err = rebuild_body(ctx, old, new, fk_on, trigger_rows) end
  local deferred = false
  if body_ok then
    local function check() return consistency.check(ctx, old.name, old.schema, fk_on) end
    local function check_at_end()
      local cok, cerr = check()
      if cok then return true end
      return nil, string.format("op.batch_alter_table(%q), checked when the revision's function returned: %s",
        old.name, cerr)
    end
    local key = "batch " .. (old.schema or "") .. "." .. old.name
    deferred = ctx.at_revision_end ~= nil and ctx:at_revision_end(key, check_at_end)
    if not deferred then body_ok, body_err = check() end
  end
  if body_ok then
    ok, serr = conn:execute("RELEASE luamig_batch")
    if not ok then body_ok, body_err = nil, serr end
  else
    conn:execute("ROLLBACK TO luamig_batch")
    conn:execute("RELEASE luamig_batch")
  end
  -- Connection settings, not undone by a rollback.
  run(ctx, string.format("PRAGMA legacy_alter_table = %s", legacy == 1 and "ON" or "OFF"))
  -- A check left for the revision's end needs foreign keys deferred until
  -- then; SQLite turns defer_foreign_keys off itself at the commit.
  if fk_on and not deferred then
    run(ctx, string.format("PRAGMA defer_foreign_keys = %s", defer == 1 and "ON" or "OFF"))
  end
  if not body_ok then return nil, body_err end
  return true
end

return M
