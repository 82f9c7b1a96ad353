-- luamig.command.common: what several commands share: a database opened
-- (and, for a command that writes, locked) for the length of a command,
-- and how version rows read in text. (The project's revision graph comes
-- from luamig.plan.)

local context = require "luamig.context"
local lock = require "luamig.lock"
local preflight = require "luamig.preflight"
local interrupt = require "luamig.interrupt"

local tostring = tostring
local str_format, table_concat = string.format, table.concat

local M = {}

--- fn(ctx) on the database of cfg. writes: the command changes the
-- database, so it takes the migration lock first (see luamig.lock) and
-- catches Ctrl-C, SIGTERM and SIGHUP (see runner/modules/interrupt.c); whatever it
-- reads after that is read under the lock.
function M.with_context(cfg, opts, fn, writes)
  -- Before connecting, so that a signal can cancel the connection's
  -- statement; an embedding program keeps its own signals (opts.embedded).
  if writes and not opts.embedded then interrupt.trap() end
  local ctx, err, status = context.open(cfg, { log = opts.log, verbose = opts.verbose,
    progress = opts.progress, progress_delay = opts.progress_delay })
  if not ctx then return nil, err, status end
  if writes then
    local fit, ferr, fstatus = preflight.check(ctx, opts)
    if not fit then ctx:close(); return nil, ferr, fstatus end
    local held, lerr, lstatus = lock.acquire(ctx, opts.lock_timeout or cfg.lock_timeout, opts.log)
    if not held then ctx:close(); return nil, lerr, lstatus end
    ctx.lock = held
  end
  local ok, msg, st, tb = fn(ctx)
  local closed, cerr = ctx:close()
  if not closed then  -- a lost lock: what ran may have overlapped another run
    if ok then return nil, cerr, 1 end
    msg = tostring(msg) .. "; also, " .. cerr
  end
  return ok, msg, st, tb
end

--- The database's version rows, for commands that only read them.
function M.database_heads(cfg, opts)
  local heads
  local ok, msg, status = M.with_context(cfg, opts, function(ctx)
    local err
    heads, err = ctx:current_heads()
    if not heads then return nil, err, 1 end
    return true
  end)
  if not ok then return nil, msg, status end
  return heads
end

function M.plural(n, word)
  return str_format("%d %s%s", n, word, n == 1 and "" or "s")
end

--- Version rows as a user reads them: "base" when there are none.
function M.heads_text(heads)
  return #heads > 0 and table_concat(heads, ", ") or "base"
end

--- --dialect names the dialect of a script: without --sql nothing would
-- use it, and the run would go to the URL's database unasked.
function M.dialect_without_sql(opts)
  if opts.dialect and not opts.sql then
    return true, str_format("%s--dialect %s applies only with --sql (the dialect of the script to write)",
      opts.command and (opts.command .. ": ") or "", opts.dialect)
  end
end

return M
