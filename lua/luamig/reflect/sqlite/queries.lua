-- luamig.reflect.sqlite.queries: the four queries that read SQLite's
-- catalog for the reflector (luamig.reflect.sqlite), run, and the values
-- of their rows.
--
-- Each query covers every table of one schema (or the one table asked
-- for) through the table-valued pragma functions, so that the number of
-- queries does not grow with the schema: a query per table would make
-- autogenerate as slow as the schema is large (and each query is a round
-- of statement preparation).

local driver = require("luamig.driver")

local null = driver.null

local M = {}

-- A row's value, SQL NULL as nil.
function M.value(v)
  if v == null then return nil end
  return v
end

-- SQLite names an identifier in double quotes and a schema given to a
-- pragma function as a string literal.
local function quote(name) return '"' .. name:gsub('"', '""') .. '"' end
M.quote = quote
local function literal(text) return "'" .. text:gsub("'", "''") .. "'" end

--- The schema's sqlite_master; without a schema, unqualified (SQLite
-- then means main).
function M.master(schema)
  return (schema and (quote(schema) .. ".") or "") .. "sqlite_master"
end

-- A query of one pragma over the schema's ordinary tables (m). Virtual
-- tables are filtered here, before the pragma runs on them: one whose
-- module is not loaded would make the pragma, and so the query, fail.
-- Reading every table leaves out SQLite's own sqlite_* tables; reading
-- one table (`one`) reads the table asked for, whatever its name.
local function over_tables(schema, one, columns, join, order, where)
  return string.format("SELECT m.name AS tbl, %s FROM %s AS m, %s"
    .. " WHERE m.type = 'table'%s AND m.sql NOT LIKE 'CREATE VIRTUAL %%'%s ORDER BY m.name, %s", columns,
    M.master(schema), (join:gsub("%$S", function() return literal(schema) end)),
    one and " AND lower(m.name) = lower(?)" or " AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    where and " AND " .. where or "", order)
end

local QUERIES = {
  master = function(schema, one)
    return string.format("SELECT type, name, tbl_name, sql, rowid AS position FROM %s WHERE type IN ('table', 'index')%s"
      .. " ORDER BY type, name", M.master(schema), one and " AND lower(tbl_name) = lower(?)" or "")
  end,
  columns = function(schema, one)
    return over_tables(schema, one, "p.cid AS cid, p.name AS name, p.type AS type, p.\"notnull\" AS \"notnull\","
      .. " p.dflt_value AS dflt_value, p.pk AS pk, p.hidden AS hidden", "pragma_table_xinfo(m.name, $S) AS p", "p.cid")
  end,
  -- Key columns only (key = 1): the rest are the rowid or the table's key.
  -- In index_list order (seq), which batch mode keeps for UNIQUE constraints.
  indexes = function(schema, one)
    return over_tables(schema, one, "l.seq AS seq, l.name AS idx, l.\"unique\" AS \"unique\", l.origin AS origin,"
      .. " l.partial AS partial, x.seqno AS seqno, x.cid AS cid, x.name AS col",
      "pragma_index_list(m.name, $S) AS l, pragma_index_xinfo(l.name, $S) AS x", "l.seq, x.seqno", "x.key = 1")
  end,
  foreign_keys = function(schema, one)
    return over_tables(schema, one, "f.id AS id, f.seq AS seq, f.\"table\" AS ref_table, f.\"from\" AS col,"
      .. " f.\"to\" AS ref_col, f.on_update AS on_update, f.on_delete AS on_delete",
      "pragma_foreign_key_list(m.name, $S) AS f", "f.id, f.seq")
  end,
}

--- The SQL of query `what` ("master", "columns", "indexes",
-- "foreign_keys") on `schema`, for every table or for one (`one`: the
-- statement then takes the table's name as its parameter).
function M.sql(what, schema, one)
  return QUERIES[what](schema, one)
end

--- The rows of query `what` | nil, msg.
function M.run(conn, what, schema, one)
  local rows, err
  if one then rows, err = conn:query(M.sql(what, schema, true), one)
  else rows, err = conn:query(M.sql(what, schema, false)) end
  if not rows then return nil, string.format("reading the SQLite schema (%s): %s", what, err) end
  return rows
end

return M
