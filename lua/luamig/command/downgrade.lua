-- luamig.command.downgrade: `luamig downgrade TARGET`, the revisions above
-- TARGET reverted, or (--sql FROM:TO) written as a script.

local flags = require("luamig.command.flags")
local migrate = require("luamig.command.migrate")

return {
  usage = "downgrade TARGET [--json] | downgrade --sql FROM:TO", min = 1, max = 1,
  targets_help = true,
  flags = flags.with_fleet({
    flags.LOCK_TIMEOUT, flags.DDL_LOCK_TIMEOUT, flags.DDL_LOCK_RETRIES, flags.STATEMENT_TIMEOUT,
    flags.TRANSACTION, flags.SQL, flags.DIALECT, migrate.JSON,
  }),
  run = function(cfg, opts)
    opts.target = opts.args[1]
    return migrate.run("down", cfg, opts)
  end,
}
