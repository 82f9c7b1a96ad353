-- luamig.autogen.reflect.sqlite: the snapshot (luamig.autogen.snapshot) of
-- an SQLite database's main schema, for autogenerate.
--
-- What is read, in four queries whatever the number of tables:
--   1. sqlite_master: the tables and their CREATE TABLE text, the CREATE
--      INDEX texts;
--   2. sqlite_master joined with pragma_table_xinfo: every column;
--   3. sqlite_master joined with pragma_index_list and pragma_index_xinfo:
--      every index and its key columns;
--   4. sqlite_master joined with pragma_foreign_key_list: every foreign key.
-- The table-valued pragma functions make one query per kind of object
-- possible; a query per table would make autogenerate as slow as the
-- schema is large (and each query is a round of statement preparation).
-- The PRAGMAs say what exists; the SQL text (split by luamig.batch.sqltext,
-- the parser batch mode uses) adds what only it records: constraint names,
-- CHECK constraints, partial-index WHERE clauses and index expressions.
--
-- Left out: the tables in opts.exclude, SQLite's own sqlite_* tables,
-- virtual tables and the shadow tables their modules (FTS3/4/5, R*Tree)
-- make, views, and the other attached schemas.
--
-- Decisions:
--   * Types: the declared type becomes the luamig type whose
--     dialect:type_sql gives that declared text back (compared upper-cased,
--     spaces around parentheses and commas ignored): INTEGER -> Integer,
--     VARCHAR(40) -> String(40), NUMERIC(10, 2) -> Numeric(10, 2), FLOAT ->
--     Float, DATETIME -> DateTime, BLOB -> LargeBinary, CHAR(36) -> Uuid...
--     Anything else is Type(declared text) (REAL, DECIMAL(10,2), TIMESTAMP),
--     so the round trip always holds. type_text is the declared text as
--     SQLite reports it: as written, except that SQLite 3.37+ upper-cases
--     the names it knows itself (INT, INTEGER, REAL, TEXT, BLOB, ANY). A
--     column declared without a type has type = nil and type_text = "".
--   * Enum: luamig writes an Enum on SQLite as VARCHAR(longest value) with
--     a column CHECK ("col" IN ('a', 'b')), named after the enum when it
--     has a name. Such a column (the CHECK declared on the column, the
--     length that of the longest value) reflects as Enum("a", "b"), with
--     {name = the CHECK's name} when the CHECK is named, and that CHECK is
--     not listed in `checks`. Boolean is a plain BOOLEAN (no CHECK) in
--     luamig's SQLite dialect, so a BOOLEAN column is Boolean and any CHECK
--     on it is an ordinary CHECK.
--   * autoincrement = true for a rowid alias: the table's single primary
--     key column, declared INTEGER, in a rowid table (not INTEGER PRIMARY
--     KEY DESC, which SQLite backs with an index). That is what luamig
--     writes for an autoincrement key; the AUTOINCREMENT keyword (ids
--     never reused) is not told apart. A rowid alias cannot be NULL, so it
--     is nullable = false even without NOT NULL; other primary key columns
--     are as declared (SQLite lets a rowid table's key hold NULL unless it
--     says NOT NULL).
--   * default: the text SQLite keeps (pragma dflt_value), as written
--     except that an expression loses its outer parentheses: 'abc', 0,
--     CURRENT_TIMESTAMP, datetime('now') for DEFAULT (datetime('now')).
--     DEFAULT NULL is no default (nil), as it is to SQLite.
--   * Indexes: those made by CREATE INDEX (origin "c"). The autoindexes
--     backing the primary key (origin "pk") and UNIQUE constraints (origin
--     "u", listed in `uniques`) are not indexes. An index with an
--     expression has `expressions` = every element in order (a column as
--     its name, an expression as written, ASC/DESC/COLLATE included) and
--     `columns` = its plain columns only; `where` is the partial index's
--     condition as written.
--   * Foreign keys: REFERENCES parent without columns means the parent's
--     primary key, and ref_columns say so; ref_table and ref_columns are
--     spelled as the parent table has them when it exists (SQLite names
--     are case-insensitive). DEFERRABLE and MATCH are not in the snapshot.
--   * Names: a constraint named in the CREATE TABLE text has that name,
--     matched to what the PRAGMAs found by its columns; others are nil.
--     SQLite keeps no comments: comment = nil.
--   * Not in the snapshot: collations, WITHOUT ROWID and STRICT; a
--     generated column is listed as a plain column. A CREATE TABLE text
--     that cannot be split is an error (nil, msg), not a guess.

local driver = require "luamig.driver"
local sqltext = require "luamig.batch.sqltext"
local batch_reflect = require "luamig.batch.reflect"
local snapshot = require "luamig.autogen.snapshot"
local types = require "luamig.types"
local ddl = require "luamig.ddl"

local ipairs, pairs, pcall, tonumber = ipairs, pairs, pcall, tonumber
local str_format, str_lower, str_upper, str_sub = string.format, string.lower, string.upper, string.sub
local table_unpack = table.unpack
local null = driver.null
local keyword, key_of = sqltext.keyword, batch_reflect.key_of

local M = {}

local dialect = ddl.dialect("sqlite")

local function value(v)
  if v == null then return nil end
  return v
end

-- A query of one pragma over all of main's ordinary tables (m). Virtual
-- tables are filtered here, before the pragma runs on them: one whose
-- module is not loaded would make the pragma, and so the query, fail.
local function over_tables(columns, join, order, where)
  return str_format("SELECT m.name AS tbl, %s FROM main.sqlite_master AS m, %s"
    .. " WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%%' ESCAPE '\\'"
    .. " AND m.sql NOT LIKE 'CREATE VIRTUAL %%'%s ORDER BY m.name, %s", columns, join,
    where and " AND " .. where or "", order)
end

local QUERIES = {
  master = "SELECT type, name, sql FROM main.sqlite_master WHERE type IN ('table', 'index') ORDER BY type, name",
  columns = over_tables("p.cid AS cid, p.name AS name, p.type AS type, p.\"notnull\" AS \"notnull\","
    .. " p.dflt_value AS dflt_value, p.pk AS pk", "pragma_table_xinfo(m.name, 'main') AS p", "p.cid"),
  -- Key columns only (key = 1): the rest are the rowid or the table's key.
  indexes = over_tables("l.name AS idx, l.\"unique\" AS \"unique\", l.origin AS origin, l.partial AS partial,"
    .. " x.seqno AS seqno, x.cid AS cid, x.name AS col",
    "pragma_index_list(m.name, 'main') AS l, pragma_index_xinfo(l.name, 'main') AS x", "l.name, x.seqno",
    "x.key = 1"),
  foreign_keys = over_tables("f.id AS id, f.seq AS seq, f.\"table\" AS ref_table, f.\"from\" AS col,"
    .. " f.\"to\" AS ref_col, f.on_update AS on_update, f.on_delete AS on_delete",
    "pragma_foreign_key_list(m.name, 'main') AS f", "f.id, f.seq"),
}
M.queries = QUERIES

-- The shadow tables of virtual table modules: <virtual table>_<suffix>.
local SHADOW_SUFFIXES = {
  "content", "segments", "segdir", "docsize", "stat", -- FTS3/4
  "data", "idx", "config",                          -- FTS5 (and content, docsize)
  "node", "parent", "rowid",                        -- R*Tree
}

-- Types ------------------------------------------------------------------

-- Declared type text compared as SQLite reads it: case and the spaces
-- around parentheses and commas do not matter.
local function normal(text)
  return (str_upper(text):gsub("%s+", " "):gsub(" ?([(),]) ?", "%1"):gsub("^ ", ""):gsub(" $", ""))
end

-- The luamig types a declared name may be, by its upper-cased name; called
-- with the numbers in parentheses (pcall: bad arguments are just not it).
local CANDIDATES = {
  INTEGER = types.Integer, BIGINT = types.BigInteger, SMALLINT = types.SmallInteger,
  BOOLEAN = types.Boolean, VARCHAR = types.String, TEXT = types.Text, FLOAT = types.Float,
  NUMERIC = types.Numeric, DATE = types.Date, DATETIME = types.DateTime, TIME = types.Time,
  BLOB = types.LargeBinary, JSON = types.JSON,
  CHAR = function(n) if n == 36 then return types.Uuid end end,
}

--- The luamig type of a declared SQLite type: the one that renders back
-- to it, else Type(text); nil for a column declared without a type.
function M.type_of(text)
  if text == nil or not text:find("%S") then return nil end
  local n = normal(text)
  local name, args = n:match("^([^(]-) ?%((.*)%)$")
  name = name or n
  local nums = {}
  for part in (args and args .. "," or ""):gmatch("([^,]*),") do
    nums[#nums + 1] = part:match("^%d+$") and tonumber(part) or false
  end
  local ctor = CANDIDATES[name]
  if ctor then
    -- A bare type is the candidate itself (CHAR has none); else call it.
    local ok, t = true, ctor
    if #nums > 0 then ok, t = pcall(ctor, table_unpack(nums)) end
    if ok and types.is_type(t) then
      local back = dialect:type_sql(t)
      if back and normal(back) == n then return t end
    end
  end
  return types.Type(text)
end

-- The values of an Enum's CHECK, `col IN ('a', 'b')`, or nil.
local function enum_values(check_text, column)
  local tokens = sqltext.tokenize(check_text)
  local last = #tokens
  if last < 5 or tokens[1].kind ~= "id" or str_lower(tokens[1].value) ~= str_lower(column)
    or keyword(tokens[2]) ~= "IN" or tokens[3].kind ~= "(" or tokens[last].kind ~= ")" then
    return nil
  end
  local values = {}
  for i = 4, last - 1 do
    local t = tokens[i]
    if (i - 4) % 2 == 0 then
      if t.kind ~= "str" or str_sub(t.value, 1, 1) ~= "'" then return nil end
      values[#values + 1] = (str_sub(t.value, 2, -2):gsub("''", "'"))
    elseif t.kind ~= "," then
      return nil
    end
  end
  if (last - 4) % 2 ~= 1 then return nil end -- ends with a comma
  return values
end

-- Enum(values, {name}) when `check` is the CHECK luamig writes for an
-- Enum column declared `type_text`, else nil.
local function enum_of(check, column, type_text)
  local values = enum_values(check.sqltext, column)
  if not values then return nil end
  local ok, t = pcall(types.Enum, values, { name = check.name })
  if not ok then return nil end
  local back = dialect:type_sql(t)
  if normal(back) ~= normal(type_text) then return nil end
  return t
end

-- CREATE INDEX text --------------------------------------------------------

-- The elements of a CREATE INDEX's column list as written, and its WHERE
-- condition (nil when it is not partial).
local function index_parts(text)
  local tokens = sqltext.tokenize(text)
  local open
  for i, t in ipairs(tokens) do
    if keyword(t) == "ON" then
      for j = i + 1, #tokens do
        if tokens[j].kind == "(" then open = j; break end
      end
      break
    end
  end
  if not open then return {}, nil end
  local elements, first, depth, close = {}, open + 1, 0, #tokens + 1
  for j = open + 1, #tokens do
    local k = tokens[j].kind
    if k == "(" then depth = depth + 1
    elseif k == ")" and depth > 0 then depth = depth - 1
    elseif (k == "," or k == ")") and depth == 0 then
      if j > first then elements[#elements + 1] = str_sub(text, tokens[first].s, tokens[j - 1].e) end
      first = j + 1
      if k == ")" then close = j; break end
    end
  end
  local where
  if keyword(tokens[close + 1]) == "WHERE" and tokens[close + 2] then
    where = str_sub(text, tokens[close + 2].s, tokens[#tokens].e)
  end
  return elements, where
end

-- Helpers ------------------------------------------------------------------

-- Give each of `found` the name of the entry of `parsed` with its key (a
-- snapshot takes the name only; see batch.reflect.pair_by_key).
local function take_name(f, p) f.name = p.name end
local function take_names(found, parsed, keyfn)
  batch_reflect.pair_by_key(found, parsed, keyfn, take_name)
end

local function fk_key(fk)
  return key_of(fk.columns) .. "\1" .. str_lower(fk.ref_table or "")
end

-- The statement's rows | nil, msg.
local function run(conn, what)
  local rows, err = conn:query(QUERIES[what])
  if not rows then return nil, str_format("reading the SQLite schema (%s): %s", what, err) end
  return rows
end

-- Reading ------------------------------------------------------------------

local function is_virtual(text)
  return str_upper(text):match("^%s*CREATE%s+VIRTUAL%s") ~= nil
end

-- The tables to reflect, by lower-cased name ({name, parsed, tbl}), the
-- CREATE INDEX texts by index name, and the real spelling of every table
-- name by its lower-cased one | nil, msg.
local function read_master(rows, exclude)
  local shadows = {}
  for _, r in ipairs(rows) do
    if r.type == "table" and is_virtual(value(r.sql) or "") then
      for _, suffix in ipairs(SHADOW_SUFFIXES) do shadows[str_lower(r.name .. "_" .. suffix)] = true end
    end
  end
  local tables, index_sql, all = {}, {}, {}
  for _, r in ipairs(rows) do
    local text, lname = value(r.sql), str_lower(r.name)
    if r.type == "index" then
      if text then index_sql[r.name] = text end
    elseif text and not lname:find("^sqlite_") then
      all[lname] = r.name
      if not exclude[r.name] and not shadows[lname] and not is_virtual(text) then
        local parsed, err = sqltext.parse_create_table(text)
        if not parsed then return nil, str_format("table %s: %s", dialect:quote(r.name), err) end
        tables[lname] = { name = r.name, parsed = parsed, tbl = snapshot.new_table(r.name) }
      end
    end
  end
  return tables, index_sql, all
end

-- A column's default as SQL text; DEFAULT NULL is none.
local function default_of(v)
  v = value(v)
  if v and str_upper(v):match("^%s*NULL%s*$") then return nil end
  return v
end

-- Columns and primary keys of every table (`pks` also holds the tables
-- left out, which foreign keys may reference).
local function read_columns(rows, tables, rowid_pk_index)
  local by_table, pks = {}, {}
  for _, r in ipairs(rows) do
    local lname = str_lower(r.tbl)
    by_table[lname] = by_table[lname] or {}
    local list = by_table[lname]
    list[#list + 1] = r
    if r.pk > 0 then
      pks[lname] = pks[lname] or {}
      pks[lname][r.pk] = r.name
    end
  end
  for lname, entry in pairs(tables) do
    local tbl, parsed = entry.tbl, entry.parsed
    local pk = pks[lname]
    local rowid_alias
    if pk and #pk == 1 and not rowid_pk_index[lname] then
      for _, r in ipairs(by_table[lname] or {}) do
        if r.name == pk[1] and normal(value(r.type) or "") == "INTEGER" then rowid_alias = r.name end
      end
    end
    for _, r in ipairs(by_table[lname] or {}) do
      local declared = value(r.type) or ""
      tbl.columns[#tbl.columns + 1] = {
        name = r.name, type = M.type_of(declared), type_text = declared,
        nullable = r.notnull == 0 and r.name ~= rowid_alias,
        default = default_of(r.dflt_value), autoincrement = r.name == rowid_alias, comment = nil,
      }
    end
    if pk then
      local name
      for _, c in ipairs(parsed.columns) do
        if c.primary_key_name and str_lower(c.name) == str_lower(pk[1]) then name = c.primary_key_name end
      end
      if not name and parsed.primary_keys[1] then name = parsed.primary_keys[1].name end
      tbl.primary_key = { name = name, columns = pk }
    end
  end
  return pks
end

-- Enum columns and CHECK constraints.
local function read_checks(tables)
  for _, entry in pairs(tables) do
    local tbl, by_name = entry.tbl, {}
    for _, col in ipairs(tbl.columns) do by_name[str_lower(col.name)] = col end
    for _, check in ipairs(entry.parsed.checks) do
      local col = check.column and by_name[str_lower(check.column)]
      local enum = col and col.type and col.type.name == "String" and not col.enum_checked
        and enum_of(check, col.name, col.type_text)
      if enum then
        col.type, col.enum_checked = enum, true
      else
        tbl.checks[#tbl.checks + 1] = { name = check.name, sqltext = check.sqltext }
      end
    end
    for _, col in ipairs(tbl.columns) do col.enum_checked = nil end
  end
end

-- An index made by CREATE INDEX, as the snapshot has it. `elements` are
-- its key columns from pragma_index_xinfo ({cid, name}; cid -2 and no
-- name for an expression), `text` its CREATE INDEX statement.
local function index_entry(ix, text)
  local written, where = index_parts(text or "")
  local columns, all, has_expression = {}, {}, false
  for i, e in ipairs(ix.elements) do
    if e.name then columns[#columns + 1] = e.name else has_expression = true end
    all[i] = e.name or written[i] or "?"
  end
  return { name = ix.name, columns = columns, expressions = has_expression and all or nil, unique = ix.unique,
    where = ix.partial and where or nil }
end

-- Indexes and UNIQUE constraints; returns the set of tables whose primary
-- key has an index of its own (so it is not the rowid).
local function read_indexes(rows, tables, index_sql)
  local order, by_name, pk_index = {}, {}, {}
  for _, r in ipairs(rows) do
    local lname = str_lower(r.tbl)
    if r.origin == "pk" then pk_index[lname] = true end
    local key = lname .. "\0" .. r.idx
    local ix = by_name[key]
    if not ix then
      ix = { table = lname, name = r.idx, unique = r.unique == 1, origin = r.origin, partial = r.partial == 1,
        elements = {} }
      by_name[key] = ix
      order[#order + 1] = ix
    end
    ix.elements[#ix.elements + 1] = { cid = r.cid, name = value(r.col) }
  end
  for _, ix in ipairs(order) do
    local entry = tables[ix.table]
    if entry and ix.origin == "u" then
      local columns = {}
      for i, e in ipairs(ix.elements) do columns[i] = e.name end
      entry.tbl.uniques[#entry.tbl.uniques + 1] = { name = nil, columns = columns }
    elseif entry and ix.origin == "c" then
      entry.tbl.indexes[#entry.tbl.indexes + 1] = index_entry(ix, index_sql[ix.name])
    end
  end
  for _, entry in pairs(tables) do
    take_names(entry.tbl.uniques, entry.parsed.uniques, function(u) return key_of(u.columns) end)
  end
  return pk_index
end

-- The name a parent table's column has, when the parent is known.
local function spelled(columns_of, lname, col)
  for _, c in ipairs(columns_of[lname] or {}) do
    if str_lower(c) == str_lower(col) then return c end
  end
  return col
end

-- Foreign keys, one per pragma id, columns in seq order. `all` spells
-- every table name, `pks` and `columns_of` give every table's key and
-- columns (a parent may be a table left out).
local function read_foreign_keys(rows, tables, all, pks, columns_of)
  local by_id, order = {}, {}
  for _, r in ipairs(rows) do
    local lname = str_lower(r.tbl)
    if tables[lname] then
      local key = lname .. "\0" .. r.id
      local fk = by_id[key]
      if not fk then
        local parent = str_lower(r.ref_table)
        fk = { table = lname, parent = parent, fk = { name = nil, columns = {}, ref_table = all[parent] or r.ref_table,
          ref_columns = {}, ondelete = snapshot.action(r.on_delete, "sqlite"),
          onupdate = snapshot.action(r.on_update, "sqlite") } }
        by_id[key] = fk
        order[#order + 1] = fk
      end
      fk.fk.columns[#fk.fk.columns + 1] = r.col
      local ref = value(r.ref_col)
      if ref then
        fk.fk.ref_columns[#fk.fk.ref_columns + 1] = spelled(columns_of, fk.parent, ref)
      else
        fk.implicit = true
      end
    end
  end
  for _, f in ipairs(order) do
    -- REFERENCES parent: the parent's primary key.
    if f.implicit then
      local pk = pks[f.parent]
      f.fk.ref_columns = {}
      for i, c in ipairs(pk or {}) do f.fk.ref_columns[i] = c end
    end
    local list = tables[f.table].tbl.foreign_keys
    list[#list + 1] = f.fk
  end
  for _, entry in pairs(tables) do
    take_names(entry.tbl.foreign_keys, entry.parsed.foreign_keys, fk_key)
  end
end

--- The snapshot of the main schema reached by `conn` | nil, msg.
-- opts.exclude: a set of table names to leave out.
function M.reflect(conn, opts)
  local exclude = opts and opts.exclude or {}
  local results = {}
  for _, what in ipairs { "master", "columns", "indexes", "foreign_keys" } do
    local rows, err = run(conn, what)
    if not rows then return nil, err end
    results[what] = rows
  end

  local tables, index_sql, all = read_master(results.master, exclude)
  if not tables then return nil, index_sql end
  local columns_of = {}
  for _, r in ipairs(results.columns) do
    local lname = str_lower(r.tbl)
    columns_of[lname] = columns_of[lname] or {}
    columns_of[lname][#columns_of[lname] + 1] = r.name
  end
  local pk_index = read_indexes(results.indexes, tables, index_sql)
  local pks = read_columns(results.columns, tables, pk_index)
  read_checks(tables)
  read_foreign_keys(results.foreign_keys, tables, all, pks, columns_of)

  local snap = snapshot.new()
  for _, entry in pairs(tables) do
    snap.tables[entry.name] = snapshot.sort_lists(entry.tbl)
  end
  return snap
end

return M
