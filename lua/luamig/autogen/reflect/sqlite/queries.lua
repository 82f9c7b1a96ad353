-- luamig.autogen.reflect.sqlite.queries: the four queries that read an
-- SQLite schema for autogenerate, run, and the values of their rows.

local driver = require "luamig.driver"
local batch_reflect = require "luamig.ops.batch.reflect"

local str_format = string.format
local null = driver.null

local M = {}

-- A row's value, SQL NULL as nil.
local function value(v)
  if v == null then return nil end
  return v
end
M.value = value

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

-- The statement's rows | nil, msg.
local function run(conn, what)
  local rows, err = conn:query(QUERIES[what])
  if not rows then return nil, str_format("reading the SQLite schema (%s): %s", what, err) end
  return rows
end
M.run = run

-- The names the parser found in the CREATE statements (`parsed`), given
-- to the reflected entries (`found`) they pair with by keyfn.
local function take_name(f, p) f.name = p.name end
function M.take_names(found, parsed, keyfn)
  batch_reflect.pair_by_key(found, parsed, keyfn, take_name)
end

return M
