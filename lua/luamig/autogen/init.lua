-- luamig.autogen: what `revision --autogenerate` and `check` share: the
-- desired schema (the models file, or for a baseline the database itself),
-- the database's schema (reflection), and the changes between them.
--
-- Baseline: a project with no revision files and no models file, pointed
-- at a database that already has tables, gets a first revision that
-- creates that schema (and drops it on downgrade); `luamig stamp head`
-- then records that the database is at it.

local snapshot = require("luamig.autogen.snapshot")
local compare = require("luamig.autogen.compare")
local model = require("luamig.autogen.model")
local render = require("luamig.autogen.render")
local directives = require("luamig.autogen.directives")
local collector = require("luamig.autogen.collector")
local lock_common = require("luamig.lock.common")  -- the lock table is luamig's, like the version table

local M = {}

--- The set of luamig's own tables under cfg: the version and history
-- tables, and the lock's table (MySQL); autogenerate leaves them alone.
function M.bookkeeping(cfg)
  return { [cfg.version_table] = true, [cfg.history_table] = true,
    [lock_common.table_name(cfg.version_table)] = true }
end

-- The reflection module of ctx's database.
local function reflector(ctx)
  return require("luamig.autogen.reflect." .. ctx.url.driver)
end

--- Send the reflection's queries ahead where its module can (a hint; see
-- M.changes).
function M.prefetch(ctx)
  local reflect = reflector(ctx)
  if reflect.prefetch then reflect.prefetch(ctx.conn) end
end

--- The database's snapshot through ctx's connection | nil, msg.
function M.reflect(ctx)
  local reflect = reflector(ctx)
  local snap, err = reflect.reflect(ctx.conn, { exclude = M.bookkeeping(ctx.cfg) })
  if not snap then return nil, "reading the database's schema: " .. tostring(err) end
  return snap
end

local function same_heads(a, b)
  return table.concat(a, ",") == table.concat(b, ",")
end

--- changes, info | nil, msg, status. ctx: an open context; graph: the
-- revision graph; no_revisions: the directory has none. info.baseline is
-- true when the changes recreate the database (see the header).
function M.changes(ctx, graph, no_revisions)
  local pause <close> = collector.pause()
  local cfg = ctx.cfg
  local path, no_models = model.path(cfg)
  local heads, herr = ctx:current_heads()
  if not heads then return nil, herr, 1 end
  -- A baseline starts from whatever the database has; its version rows,
  -- if any, are another tool's (stamp --purge replaces them).
  local baseline_wanted = not path and no_revisions
  if not baseline_wanted and not same_heads(heads, graph:heads()) then
    return nil, string.format("the database is not up to date: it is at %s, and the head%s %s; run 'luamig upgrade"
      .. " heads' first, so that the new revision starts from the schema the revisions make",
      #heads > 0 and table.concat(heads, ", ") or "base", #graph:heads() == 1 and " is" or "s are",
      table.concat(graph:heads(), ", ")), 1
  end
  -- The models are built while the server runs the reflection's queries
  -- (PostgreSQL: sent ahead; on a thousand tables each takes about as
  -- long as the other), then the answers are read.
  local want, baseline
  if path then
    M.prefetch(ctx)
    local merr
    want, merr = model.snapshot(cfg, ctx.dialect, path)
    if not want then return nil, merr, 2 end
  end
  local db, rerr = M.reflect(ctx)
  if not db then return nil, rerr, 1 end
  if pause then pause:collect() end  -- the driver's rows (luamig.autogen.collector)
  if not path then
    if not (no_revisions and next(db.tables) ~= nil) then return nil, no_models, 2 end
    want, baseline, db = db, true, snapshot.new()
  end
  return compare.diff(want, db, ctx.dialect, cfg, M.bookkeeping(cfg)), { baseline = baseline, models = path }
end

--- The upgrade() and downgrade() bodies of a list of changes.
function M.render(changes, dialect)
  return render.body(changes, dialect, "up"), render.body(changes, dialect, "down")
end

--- changes | false | nil, msg, status: cfg.process_revision_directives
-- over the changes (see luamig.autogen.directives).
M.process_directives = directives.apply

M.describe = compare.describe
return M
