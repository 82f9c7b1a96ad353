-- luamig.reflect.sqlite: the one reader of SQLite's catalog. Batch mode
-- (what it rebuilds: luamig.ops.batch.reflect) and autogenerate (what it
-- compares: luamig.autogen.reflect.sqlite) both take their tables from it.
--
-- read(conn, opts) describes tables in SQLite's own terms, so that each
-- consumer decides what they mean to it (batch mode writes them back as
-- they are; autogenerate turns them into luamig types):
--   catalog = {
--     tables = { [lower-cased name] = table },  -- the tables described
--     -- every table read (excluded ones too), for what references them:
--     names = { [lower-cased name] = name },    -- as spelled (virtual tables too)
--     columns = { [lower-cased name] = { column names in order } },
--     keys = { [lower-cased name] = { primary key columns in key order } },
--   }
--   table = {
--     name, sql (its CREATE TABLE), parsed (luamig.reflect.sqlite.sqltext's split of it),
--     options = "WITHOUT ROWID", "STRICT"... or "",
--     virtual = true (one-table reads only: nothing else is described),
--     columns = {{name, type = declared text ("" for none), notnull, default = the
--                 text SQLite keeps (dflt_value) | nil, pk = position in the key (0: none),
--                 hidden (pragma table_xinfo: 2, 3 for generated), collate, autoincrement
--                 (the AUTOINCREMENT keyword), generated ({sqltext, persisted} of AS (...))}},
--     primary_key = {name, columns} | nil, pk_index = true when the key has an index
--                   of its own (a rowid table's INTEGER PRIMARY KEY has none),
--     uniques = {{name, columns}},            -- UNIQUE constraints, as declared
--     checks = {{name, sqltext, column}},     -- from the text only; column: a column CHECK's
--     foreign_keys = {{name, columns, ref_table, ref_columns ({} for REFERENCES parent),
--                      on_delete, on_update (as the pragma says: "NO ACTION"...), and from the
--                      text: match, deferrable (true, false, nil), initially}},
--     indexes = {{name, unique, partial, columns (plain columns), elements = {{name (nil for
--                 an expression), text (as written)}}, where, sql}}, -- CREATE INDEX ones, in order
--   }
-- The PRAGMAs are the truth about what exists; the CREATE TABLE text adds
-- what only it records (constraint names, CHECKs, collations,
-- AUTOINCREMENT, DEFERRABLE), matched to what the PRAGMAs found by
-- columns (and referenced table), in declaration order. A CREATE TABLE
-- text that cannot be split is an error (nil, msg), not a guess.
--
-- Four queries whatever the number of tables (luamig.reflect.sqlite.queries);
-- the parts: sqltext.lua (the parser), tables.lua (which tables; columns
-- and keys), keys.lua (UNIQUE constraints, indexes, foreign keys). The
-- rest of this file holds the other catalog reads batch mode makes.

local queries = require("luamig.reflect.sqlite.queries")
local tables_of = require("luamig.reflect.sqlite.tables")
local keys = require("luamig.reflect.sqlite.keys")

local value, quote = queries.value, queries.quote

local M = {}

M.key_of, M.fk_key = keys.key_of, keys.fk_key
M.master = queries.master

--- The catalog (above) of schema opts.schema (default "main") | nil, msg.
-- opts.table: describe that table only (found case-insensitively; a
-- catalog without it when there is none). opts.exclude: a set of table
-- names not to describe when reading every table.
function M.read(conn, opts)
  opts = opts or {}
  local schema, one = opts.schema or "main", opts.table
  local rows = {}
  for _, what in ipairs { "master", "columns", "indexes", "foreign_keys" } do
    local r, err = queries.run(conn, what, schema, one)
    if not r then return nil, err end
    rows[what] = r
  end
  local tables, index_rows, names = tables_of.read_master(rows.master, one and {} or opts.exclude or {}, one)
  if not tables then return nil, index_rows end
  local columns, pk_columns = tables_of.read_columns(rows.columns, tables)
  keys.read_indexes(rows.indexes, tables, index_rows)
  keys.read_foreign_keys(rows.foreign_keys, tables)
  return { tables = tables, names = names, columns = columns, keys = pk_columns }
end

--- "PRAGMA "schema".name(arg)" text; without a schema, unqualified.
function M.pragma(schema, name, arg)
  local prefix = schema and (quote(schema) .. ".") or ""
  if arg == nil then return string.format("PRAGMA %s%s", prefix, name) end
  return string.format("PRAGMA %s%s(%s)", prefix, name, quote(arg))
end

local function query(conn, sql, ...)
  local rows, err = conn:query(sql, ...)
  if not rows then return nil, string.format("%s: %s", sql, err) end
  return rows
end

--- The sqlite_sequence value of table `tname` (the high-water mark of an
-- AUTOINCREMENT key), or nil.
function M.sequence(conn, tname, schema)
  local row = conn:first(string.format("SELECT seq FROM %s WHERE name = ?",
    (schema and (quote(schema) .. ".") or "") .. "sqlite_sequence"), tname)
  return row and row.seq or nil
end

--- Other tables whose foreign keys point at `tname`:
-- {{table, columns, ref_columns}} | nil, msg.
function M.referencing(conn, tname, schema)
  local rows, err = query(conn, string.format("SELECT m.name AS child, f.id AS id, f.seq AS seq, f.\"from\" AS col,"
    .. " f.\"to\" AS ref FROM %s AS m, pragma_foreign_key_list(m.name, ?) AS f"
    .. " WHERE m.type = 'table' AND lower(f.\"table\") = lower(?) AND lower(m.name) <> lower(?)"
    .. " ORDER BY m.name, f.id, f.seq", M.master(schema)), schema or "main", tname, tname)
  if not rows then return nil, err end
  local out, last = {}, nil
  for _, r in ipairs(rows) do
    local key = r.child .. "\0" .. tostring(r.id)
    if key ~= last then
      out[#out + 1] = { table = r.child, columns = {}, ref_columns = {} }
      last = key
    end
    local fk = out[#out]
    fk.columns[#fk.columns + 1] = r.col
    if value(r.ref) then fk.ref_columns[#fk.ref_columns + 1] = r.ref end
  end
  return out
end

--- The column sets of `tname` that a foreign key may point at: its
-- primary key and its unique indexes, as keys of sorted lower-cased
-- names; and its primary key columns | nil, msg.
function M.unique_keys(conn, tname, schema)
  local found = {}
  local cols, err = query(conn, M.pragma(schema, "table_info", tname))
  if not cols then return nil, err end
  local pk = {}
  for _, c in ipairs(cols) do
    if c.pk > 0 then pk[#pk + 1] = { c.pk, c.name } end
  end
  table.sort(pk, function(a, b) return a[1] < b[1] end)
  local pknames = {}
  for i, p in ipairs(pk) do pknames[i] = p[2] end
  local list, lerr = query(conn, M.pragma(schema, "index_list", tname))
  if not list then return nil, lerr end
  local sets = { pknames }
  for _, ix in ipairs(list) do
    if ix.unique == 1 and ix.partial == 0 then
      local info, ierr = query(conn, M.pragma(schema, "index_info", ix.name))
      if not info then return nil, ierr end
      local names = {}
      for i, c in ipairs(info) do names[i] = value(c.name) or "?" end
      sets[#sets + 1] = names
    end
  end
  for _, set in ipairs(sets) do
    local sorted = {}
    for i, n in ipairs(set) do sorted[i] = string.lower(n) end
    table.sort(sorted)
    if #sorted > 0 then found[table.concat(sorted, "\0")] = true end
  end
  return found, pknames
end

--- The views of the schema: {{name, sql}} | nil, msg.
function M.views(conn, schema)
  return conn:query(string.format("SELECT name, sql FROM %s WHERE type = 'view'", M.master(schema)))
end

--- The triggers on table `tname`, in the order they were made: {{name,
-- sql}} | nil, msg.
function M.triggers(conn, tname, schema)
  return conn:query(string.format("SELECT name, sql FROM %s WHERE type = 'trigger' AND lower(tbl_name) = lower(?)"
    .. " ORDER BY rowid", M.master(schema)), tname)
end

return M
