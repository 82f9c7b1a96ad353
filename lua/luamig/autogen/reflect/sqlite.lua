-- luamig.autogen.reflect.sqlite: the snapshot (luamig.autogen.snapshot) of
-- an SQLite database's main schema, for autogenerate, made from what
-- SQLite's one reader (luamig.reflect.sqlite, which batch mode reads its
-- tables with too) describes.
--
-- The reader reads in four queries whatever the number of tables (the
-- PRAGMAs say what exists; the SQL text adds what only it records:
-- constraint names, CHECK constraints, partial-index WHERE clauses and
-- index expressions). This file says what that means to autogenerate.
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
--     a CHECK ("col" IN ('a', 'b')), named after the enum when it has a
--     name. Such a column (the length that of the longest value) reflects
--     as Enum("a", "b"), with {name = the CHECK's name} when the CHECK is
--     named, and that CHECK is not listed in `checks`; so does a BOOLEAN
--     column with CHECK ("col" IN (0, 1)), as Boolean{create_constraint =
--     true} (luamig.autogen.reflect.type_checks).
--   * COLLATE on a VARCHAR or TEXT column is the type's collation; a
--     generated column has `computed` ({sqltext, persisted}: nil when the
--     text says neither STORED nor VIRTUAL).
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
--     are case-insensitive). MATCH, DEFERRABLE and INITIALLY as written
--     (snapshot.fk_options).
--   * Names: a constraint named in the CREATE TABLE text has that name,
--     matched to what the PRAGMAs found by its columns; others are nil.
--     SQLite keeps no comments: comment = nil.
--   * Not in the snapshot: WITHOUT ROWID and STRICT. A CREATE TABLE text
--     that cannot be split is an error (nil, msg), not a guess.
--
-- This file puts the snapshot together (indexes, UNIQUE constraints and
-- foreign keys); sqlite/ holds the parts: columns.lua (columns, primary
-- keys, CHECKs) and types.lua (declared types and Enums).

local catalog = require("luamig.reflect.sqlite")
local snapshot = require("luamig.autogen.snapshot")
local SQLITE = require("luamig.ddl.sqlite")  -- its defaults (snapshot.action)
local sqlite_types = require("luamig.autogen.reflect.sqlite.types")
local columns = require("luamig.autogen.reflect.sqlite.columns")

local read_columns, read_checks = columns.read_columns, columns.read_checks

local M = {}

--- The luamig type of a declared SQLite type (see sqlite/types.lua).
M.type_of = sqlite_types.type_of

-- An index made by CREATE INDEX, as the snapshot has it: `expressions`
-- only when an element is not a plain column.
local function index_entry(ix)
  local all, has_expression = {}, false
  for i, e in ipairs(ix.elements) do
    all[i] = e.text
    if not e.name then has_expression = true end
  end
  return { name = ix.name, columns = ix.columns, expressions = has_expression and all or nil, unique = ix.unique,
    where = ix.where }
end

-- The name a parent table's column has, when the parent is known.
local function spelled(columns_of, lname, col)
  for _, c in ipairs(columns_of[lname] or {}) do
    if string.lower(c) == string.lower(col) then return c end
  end
  return col
end

-- A foreign key as the snapshot has it: the parent and its columns
-- spelled as the parent has them; REFERENCES parent is the parent's key.
local function foreign_key(fk, cat)
  local parent = string.lower(fk.ref_table)
  local refs = {}
  if #fk.ref_columns == 0 then
    for i, c in ipairs(cat.keys[parent] or {}) do refs[i] = c end
  else
    for i, c in ipairs(fk.ref_columns) do refs[i] = spelled(cat.columns, parent, c) end
  end
  return snapshot.fk_options(fk, { name = fk.name, columns = fk.columns, ref_table = cat.names[parent] or fk.ref_table,
    ref_columns = refs, ondelete = snapshot.action(fk.on_delete, SQLITE), onupdate = snapshot.action(fk.on_update, SQLITE) })
end

--- The snapshot of the main schema reached by `conn` | nil, msg.
-- opts.exclude: a set of table names to leave out.
function M.reflect(conn, opts)
  local cat, err = catalog.read(conn, { exclude = opts and opts.exclude or {} })
  if not cat then return nil, err end
  local snap = snapshot.new()
  for _, entry in pairs(cat.tables) do
    local tbl = snapshot.new_table(entry.name)
    read_columns(entry, tbl)
    read_checks(entry, tbl)
    for _, u in ipairs(entry.uniques) do tbl.uniques[#tbl.uniques + 1] = { name = u.name, columns = u.columns } end
    for _, ix in ipairs(entry.indexes) do tbl.indexes[#tbl.indexes + 1] = index_entry(ix) end
    -- In pragma id order (the reverse of the declared one), as before the
    -- reader was shared: unnamed keys on the same columns then sort as
    -- they always did.
    for i = #entry.foreign_keys, 1, -1 do
      tbl.foreign_keys[#tbl.foreign_keys + 1] = foreign_key(entry.foreign_keys[i], cat)
    end
    snap.tables[entry.name] = snapshot.sort_lists(tbl)
  end
  return snap
end

return M
