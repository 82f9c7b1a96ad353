-- luamig.command.flags: the flags that several commands take, and the
-- fleet's. A flag is { short, long, key =, value = "METAVAR" (takes a
-- value), multi = (repeatable), number = (seconds), choices = {...},
-- fleet = (the fleet's own, not passed on to each target's run), help = }.

local M = {}

-- Flags of the commands that write: they take the migration lock.
M.LOCK_TIMEOUT = { "--lock-timeout", key = "lock_timeout", value = "SECONDS", number = true,
  help = "wait this long for another run's migration lock (default 60; 0: fail at once)" }
-- upgrade and downgrade: how long each statement of a revision may wait
-- for a table lock and run (luamig.context.ddl_lock; luamig.lua has the
-- same keys). --ddl-lock-retries is checked there: a count, not seconds.
M.DDL_LOCK_TIMEOUT = { "--ddl-lock-timeout", key = "ddl_lock_timeout", value = "SECONDS", number = true,
  help = "give up a statement's wait for a table lock after this long, and retry it (PostgreSQL, MySQL)" }
M.DDL_LOCK_RETRIES = { "--ddl-lock-retries", key = "ddl_lock_retries", value = "N",
  help = "with --ddl-lock-timeout: retries of a statement whose lock was not granted (default 5)" }
M.STATEMENT_TIMEOUT = { "--statement-timeout", key = "statement_timeout", value = "SECONDS", number = true,
  help = "stop a statement that runs longer (PostgreSQL, MariaDB; MySQL: SELECTs only)" }
M.JSON = { "--json", key = "json", help = "JSON output" }
M.TRANSACTION = { "--transaction", key = "transaction", value = "MODE", choices = { "per-revision", "all" },
  help = "per-revision (default) or all: one transaction for the run (PostgreSQL, SQLite)" }
M.SQL = { "--sql", key = "sql", help = "write the SQL script to stdout instead of running it" }
M.DIALECT = { "--dialect", key = "dialect", value = "NAME",
  help = "with --sql: sqlite, postgresql or mysql (default: from the URL)" }
M.REV_ID = { "--rev-id", key = "rev_id", value = "ID", help = "use this id instead of a random one" }

-- A fleet: the command on many databases (luamig.fleet).
local FLEET = {
  { "--targets", key = "targets", value = "FILE", fleet = true,
    help = "run on each database of FILE (URL or NAME URL a line; - reads stdin)" },
  { "--target", key = "target", value = "NAME", multi = true, fleet = true,
    help = "run on this target of luamig.lua's targets table (repeatable)" },
  { "--all-targets", key = "all_targets", fleet = true, help = "run on every target of luamig.lua's targets table" },
  { "--jobs", key = "jobs", value = "N", fleet = true, help = "with a fleet: at most N targets at once (default 4)" },
  { "--shard", key = "shard", value = "I/N", fleet = true,
    help = "with a fleet: only shard I of N (a hash of each target's name)" },
  { "--fail-fast", key = "fail_fast", fleet = true, help = "with a fleet: start no other target after a failure" },
}
--- The flags of a command that takes a fleet: its own, then the fleet's
-- (every such command has a --json of its own, which a fleet passes on).
function M.with_fleet(flags)
  local all = {}
  for _, f in ipairs(flags) do all[#all + 1] = f end
  for _, f in ipairs(FLEET) do all[#all + 1] = f end
  return all
end

return M
