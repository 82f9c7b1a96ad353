-- Add ``serialized_dag`` table
-- Revision ID: d38e04c12aa2
-- Revises: 6e96a59344a4
-- Create Date: 2019-08-01 14:39:35.616417
-- Port of Apache Airflow's airflow/migrations/versions/0044_1_10_7_add_serialized_dag_table.py (Apache-2.0).
-- airflow_version = "1.10.7"
revision = "d38e04c12aa2"
down_revision = "6e96a59344a4"
branch_labels = nil
depends_on = nil

-- from airflow.migrations.db_types import StringID (migrations/lib/db_types.lua)
local StringID = require("db_types").StringID

function upgrade()
  -- Upgrade version.
  local json_type = JSON
  local dialect = op.get_context().dialect.name

  if dialect ~= "postgres" then
    -- Mysql 5.7+/MariaDB 10.2.3 has JSON support. Rather than checking for
    -- versions, check for the function existing.
    local conn = op.get_bind()
    local ok = pcall(conn.savepoint, conn, function(db)
      return db:first("SELECT JSON_VALID(1)")
    end)
    if not ok then
      json_type = Text
    end
  end

  op.create_table("serialized_dag",
    Column("dag_id", StringID(), { nullable = false }),
    Column("fileloc", String(2000), { nullable = false }),
    Column("fileloc_hash", Integer, { nullable = false }),
    Column("data", json_type, { nullable = false }),
    Column("last_updated", DateTime, { nullable = false }),
    PrimaryKeyConstraint("dag_id"))
  op.create_index("idx_fileloc_hash", "serialized_dag", { "fileloc_hash" })

  if dialect == "mysql" then
    local conn = op.get_bind()
    op.execute("SET time_zone = '+00:00'")
    local res, columns = conn:query("SELECT @@explicit_defaults_for_timestamp")
    if res[1][columns[1]] == 0 then
      error("Global variable explicit_defaults_for_timestamp needs to be on (1) for mysql")
    end

    op.alter_column("serialized_dag", "last_updated", {
      type_ = Timestamp { precision = 6 },
      nullable = false,
    })
  else
    -- sqlite and mssql datetime are fine as is.  Therefore, not converting
    if dialect == "sqlite" or dialect == "mssql" then
      return
    end

    -- we try to be database agnostic, but not every db (e.g. sqlserver)
    -- supports per session time zones
    if dialect == "postgres" then
      op.execute("set timezone=UTC")
    end

    op.alter_column("serialized_dag", "last_updated", {
      type_ = Timestamp { timezone = true },
    })
  end
end

function downgrade()
  -- Downgrade version.
  op.drop_table("serialized_dag")
end
