-- Add ``RenderedTaskInstanceFields`` table
-- Revision ID: 852ae6c715af
-- Revises: a4c2fd67d16b
-- Create Date: 2020-03-10 22:19:18.034961
-- Port of Apache Airflow's airflow/migrations/versions/0053_1_10_10_add_rendered_task_instance_fields_table.py (Apache-2.0).
-- airflow_version = "1.10.10"
revision = "852ae6c715af"
down_revision = "a4c2fd67d16b"
branch_labels = nil
depends_on = nil

local TABLE_NAME = "rendered_task_instance_fields"

-- from airflow.migrations.db_types import StringID (migrations/lib/db_types.lua)
local StringID = require("db_types").StringID

function upgrade()
  -- Apply Add ``RenderedTaskInstanceFields`` table
  local json_type = JSON

  if op.get_context().dialect.name ~= "postgres" then
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

  op.create_table(TABLE_NAME,
    Column("dag_id", StringID(), { nullable = false }),
    Column("task_id", StringID(), { nullable = false }),
    Column("execution_date", Timestamp { timezone = true }, { nullable = false }),
    Column("rendered_fields", json_type, { nullable = false }),
    PrimaryKeyConstraint("dag_id", "task_id", "execution_date"))
end

function downgrade()
  -- Drop RenderedTaskInstanceFields table
  op.drop_table(TABLE_NAME)
end
