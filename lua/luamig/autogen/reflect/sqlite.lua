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
-- The PRAGMAs say what exists; the SQL text (split by luamig.ops.batch.sqltext,
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
--
-- This file runs the queries and puts the snapshot together; sqlite/
-- holds the parts: queries.lua (the queries), tables.lua (which tables,
-- from sqlite_master), columns.lua (columns, primary keys, CHECKs),
-- types.lua (declared types and Enums), indexes.lua (indexes and UNIQUE
-- constraints) and foreign_keys.lua.

local snapshot = require "luamig.autogen.snapshot"
local queries = require "luamig.autogen.reflect.sqlite.queries"
local sqlite_types = require "luamig.autogen.reflect.sqlite.types"
local tables_of = require "luamig.autogen.reflect.sqlite.tables"
local columns = require "luamig.autogen.reflect.sqlite.columns"
local indexes = require "luamig.autogen.reflect.sqlite.indexes"
local foreign_keys = require "luamig.autogen.reflect.sqlite.foreign_keys"

local ipairs, pairs = ipairs, pairs
local str_lower = string.lower
local run, read_master = queries.run, tables_of.read_master
local read_columns, read_checks = columns.read_columns, columns.read_checks
local read_indexes, read_foreign_keys = indexes.read_indexes, foreign_keys.read_foreign_keys

local M = {}

M.queries = queries.queries

--- The luamig type of a declared SQLite type (see sqlite/types.lua).
M.type_of = sqlite_types.type_of

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
