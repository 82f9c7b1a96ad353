-- luamig.command.common: what several commands share: a database opened
-- (and, for a command that writes, locked) for the length of a command,
-- and how version rows read in text. (The project's revision graph comes
-- from luamig.plan.)

local context = require("luamig.context")
local lazy = require("luamig.lazy")
local lock = lazy("luamig.lock")            -- a reading command takes no lock
local preflight = lazy("luamig.preflight")
local interrupt = require("luamig.interrupt")
local errors = require("luamig.errors")

local M = {}

--- fn(ctx) on the database of cfg; returns what fn returns. writes: the
-- command changes the database, so it takes the migration lock first (see
-- luamig.lock) and catches Ctrl-C, SIGTERM and SIGHUP (see
-- runner/modules/interrupt.c); whatever it reads after that is read under
-- the lock. A failure raises (luamig.errors), after the database is
-- closed and the lock released.
function M.with_context(cfg, opts, fn, writes)
  -- Before connecting, so that a signal can cancel the connection's
  -- statement; an embedding program keeps its own signals (opts.embedded).
  if writes and not opts.embedded then interrupt.trap() end
  local ctx = errors.check(context.open(cfg, { log = opts.log, verbose = opts.verbose,
    progress = opts.progress, progress_delay = opts.progress_delay }))
  local results = table.pack(errors.catch(function()
    if writes then
      errors.check(preflight.check(ctx, opts))
      ctx.lock = errors.check(lock.acquire(ctx, opts.lock_timeout or cfg.lock_timeout, opts.log))
    end
    return fn(ctx)
  end))
  local closed, cerr = ctx:close()
  local failure = not results[1] and results[2]
  if not closed then  -- a lost lock: what ran may have overlapped another run
    if not failure then errors.fail(cerr, 1) end
    failure.message = tostring(failure.message) .. "; also, " .. cerr
  end
  if failure then error(failure, 0) end
  return table.unpack(results, 2, results.n)
end

--- The database's version rows, for commands that only read them.
function M.database_heads(cfg, opts)
  return M.with_context(cfg, opts, function(ctx)
    return errors.check(ctx:current_heads())
  end)
end

--- The database's version rows, and the revisions applied among them
-- whose expand ran and whose contract has not (a set: current, status,
-- verify show them as expanded).
function M.heads_and_expanded(cfg, opts, graph)
  return M.with_context(cfg, opts, function(ctx)
    local heads = errors.check(ctx:current_heads())
    return heads, M.expanded(ctx, graph, heads)
  end)
end

--- ctx:expanded() kept to the revisions the version rows `heads` apply
-- (graph: the project's; ids no file has are left out).
function M.expanded(ctx, graph, heads)
  local set = errors.check(ctx:expanded())
  if next(set) == nil then return set end
  local known, applied = {}, {}
  for _, id in ipairs(heads) do if graph:get(id) then known[#known + 1] = id end end
  for _, id in ipairs(graph:applied(known) or {}) do applied[id] = true end
  for id in pairs(set) do if not applied[id] then set[id] = nil end end
  return set
end

--- What history and graph show: the graph of the files, the marks of
-- `heads` (with the database's revisions when -i asked for them), and the
-- nodes of -r RANGE, newest first. The database is opened only for -i, or
-- when the range names `current`: a picture of the files needs none.
function M.revision_history(cfg, opts, as_text)
  local graph = errors.check(require("luamig.plan").load(cfg))
  local current
  if opts.indicate_current or (opts.range and opts.range:find("current", 1, true)) then
    current = M.database_heads(cfg, opts)
  end
  local marks = require("luamig.present.revisions").marks(graph, opts.indicate_current and current or nil)
  if as_text and not opts.range then
    local text = graph:history_text(marks.current)
    if text then return graph, marks, nil, text end
  end
  local nodes, err = graph:history(opts.range, current)
  if not nodes then errors.raise { where = opts.range and ("-r " .. opts.range), message = err, status = 2 } end
  return graph, marks, nodes
end

function M.plural(n, word)
  return string.format("%d %s%s", n, word, n == 1 and "" or "s")
end

--- Version rows as a user reads them: "base" when there are none.
function M.heads_text(heads)
  return #heads > 0 and table.concat(heads, ", ") or "base"
end

--- --dialect names the dialect of a script: without --sql nothing would
-- use it, and the run would go to the URL's database unasked.
function M.refuse_dialect_without_sql(opts)
  if opts.dialect and not opts.sql then
    errors.fail(string.format("%s--dialect %s applies only with --sql (the dialect of the script to write)",
      opts.command and (opts.command .. ": ") or "", opts.dialect), 2)
  end
end

return M
