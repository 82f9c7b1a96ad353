-- airflow.migrations.db_types, the module the originals import StringID and
-- TIMESTAMP from, as a luamig helper module (`require("db_types")`): the
-- types it gives depend on the database, so they are made when a
-- revision's upgrade() or downgrade() asks, with `op` at hand.
local M = {}

-- StringID(length=250): VARCHAR(length), with collation utf8mb3_bin on
-- MySQL only (Airflow's get_id_collation_args).
function M.StringID(length)
  length = length or 250
  if op.get_context().dialect.name == "mysql" then
    return String { length = length, collation = "utf8mb3_bin" }
  end
  return String(length)
end

-- TIMESTAMP: mysql.TIMESTAMP(fsp=6, timezone=True) on MySQL,
-- sa.TIMESTAMP(timezone=True) elsewhere.
function M.TIMESTAMP()
  if op.get_context().dialect.name == "mysql" then return Timestamp { timezone = true, precision = 6 } end
  return Timestamp { timezone = true }
end

return M
