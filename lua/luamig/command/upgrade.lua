-- luamig.command.upgrade: `luamig upgrade [TARGET]`, the revisions up to
-- TARGET (default head), run (--json: JSON Lines, see migrate.with_json) or
-- (--sql) written as a script.

local flags = require("luamig.command.flags")
local migrate = require("luamig.command.migrate")

return {
  usage = "upgrade [TARGET] [--phase PHASE] [--json] [--lint] | upgrade --sql [--phase PHASE] [FROM:]TO", max = 1,
  targets_help = true,
  flags = flags.with_fleet({
    flags.LOCK_TIMEOUT, flags.DDL_LOCK_TIMEOUT, flags.DDL_LOCK_RETRIES, flags.STATEMENT_TIMEOUT,
    flags.TRANSACTION,
    { "--allow-edited", key = "allow_edited", help = "run even if an applied revision's file was edited" },
    { "--lint", key = "lint", help = "run nothing if an error-level lint rule fires on what would run (see lint)" },
    migrate.PHASE, flags.SQL, flags.DIALECT, migrate.JSON,
  }),
  run = function(cfg, opts)
    opts.target = opts.args[1] or "head"
    return migrate.run("up", cfg, opts)
  end,
}
