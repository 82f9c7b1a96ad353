-- luamig.context.session: how a run's server connection is set up before luamig
-- uses it: the schema it works in (PostgreSQL's `schema` setting) and the
-- server's watch on the client. Called by luamig.context when it opens.

local config = require("luamig.config")
local dberror = require("luamig.present.dberror")

local M = {}

-- PostgreSQL 14+: have the server check every second that the client
-- is still there while a statement runs. A luamig killed (or cut off) in
-- a long statement otherwise leaves it running to its end, holding its
-- locks (a table it created, the version table), and the next run waits
-- behind it; behind pgbouncer, which closes the server connection when
-- its client goes, the check is what ends the orphan. The setting is
-- harmless to whoever gets a pooled server connection next.
function M.watch_client(conn, dialect)
  local watch = dialect.watch_client
  if not watch then return end
  local major = tonumber(tostring(conn:server_version()):match("^(%d+)"))
  if major and major >= watch.since then conn:execute(watch.sql) end
end

-- The schema the revisions run in (PostgreSQL): --schema, else the URL's
-- ?schema=, else `schema` in luamig.lua. It goes to the driver as the
-- connection's `schema` setting (so a second connection, the lock's, has
-- it too). Elsewhere a schema is a database: named in the URL.
function M.choose_schema(cfg, url, dialect)
  local schema = cfg.schema
  if schema == nil then return true end
  local from = cfg.schema_source or ("schema in " .. tostring(cfg.config_file))
  if not dialect.search_path then
    return nil, string.format("%s: a schema is for PostgreSQL; on %s name the database in the URL instead", from,
      dialect.display_name)
  end
  if schema == "" or #schema > 63 then
    return nil, string.format("%s: expected a schema name of 1 to 63 bytes, got %q", from, schema)
  end
  if cfg.schema_source or not url.params.schema then url.params.schema = schema end
  return true
end

-- A schema that is not there would take every table to the next schema on
-- the search path, or fail the first CREATE with "no schema has been
-- selected": say what is wrong before anything runs.
function M.schema_exists(conn, cfg, url, dialect)
  local schema = url.params and url.params.schema
  if not dialect.search_path or not schema then return true end
  local row, err, info = conn:first(dialect.schema_exists_sql, schema)
  if err then return nil, string.format("cannot read the schemas of %s: %s", config.mask_url(cfg.url),
    dberror.describe(err, info)) end
  if row then return true end
  return nil, string.format("schema %q does not exist in the database at %s: create it first (CREATE SCHEMA), or"
    .. " correct the schema setting", schema, config.mask_url(cfg.url))
end

return M
