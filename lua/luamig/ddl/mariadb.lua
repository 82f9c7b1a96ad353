-- luamig.ddl.mariadb: MariaDB's differences from MySQL (luamig.ddl.mysql),
-- which it is otherwise: the IF [NOT] EXISTS that MySQL lacks, on ADD /
-- DROP COLUMN, CREATE / DROP INDEX and the DROP of a constraint. A MySQL
-- connection to a server whose version names MariaDB gets this dialect
-- (luamig.ddl.for_server); `--dialect mariadb` or a mariadb:// URL picks
-- it for --sql. Its name stays "mysql": revisions branch on the family.

local base = require("luamig.ddl.base")

return base.derive(require("luamig.ddl.mysql"), {
  column_if_exists = true,
  index_if_exists = true,
  constraint_if_exists = true,
  -- MariaDB has no max_execution_time; max_statement_time (seconds,
  -- fractions allowed) stops any statement but those in stored routines.
  statement_timeout = { set = "SET SESSION max_statement_time = %s",
    reset = "SET SESSION max_statement_time = DEFAULT", scale = 1 },
})
