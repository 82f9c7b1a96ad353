-- Add ``task_reschedule`` table.
-- Revision ID: 0a2a5b66e19d
-- Revises: 9635ae0956e7
-- Create Date: 2018-06-17 22:50:00.053620
-- Port of Apache Airflow's airflow/migrations/versions/0037_1_10_2_add_task_reschedule_table.py (Apache-2.0).
-- airflow_version = "1.10.2"
-- (Like 0036, it follows 9635ae0956e7: a second branch, which 03bc53e68815 merges.)
revision = "0a2a5b66e19d"
down_revision = "9635ae0956e7"
branch_labels = nil
depends_on = nil

local TABLE_NAME = "task_reschedule"
local INDEX_NAME = "idx_" .. TABLE_NAME .. "_dag_task_date"

-- from airflow.migrations.db_types import TIMESTAMP, StringID (migrations/lib/db_types.lua)
local db_types = require("db_types")
local TIMESTAMP, StringID = db_types.TIMESTAMP, db_types.StringID

function upgrade()
  local dialect = op.get_context().dialect.name
  -- See 0e2a74e0fc9f_add_time_zone_awareness
  local timestamp = TIMESTAMP()
  if dialect == "mssql" then
    -- We need to keep this as it was for this old migration on mssql
    timestamp = DateTime
  end

  op.create_table(TABLE_NAME,
    Column("id", Integer, { nullable = false }),
    Column("task_id", StringID(), { nullable = false }),
    Column("dag_id", StringID(), { nullable = false }),
    -- use explicit server_default=None otherwise mysql implies defaults for first timestamp column
    Column("execution_date", timestamp, { nullable = false, server_default = nil }),
    Column("try_number", Integer, { nullable = false }),
    Column("start_date", timestamp, { nullable = false }),
    Column("end_date", timestamp, { nullable = false }),
    Column("duration", Integer, { nullable = false }),
    Column("reschedule_date", timestamp, { nullable = false }),
    PrimaryKeyConstraint("id"),
    ForeignKeyConstraint(
      { "task_id", "dag_id", "execution_date" },
      { "task_instance.task_id", "task_instance.dag_id", "task_instance.execution_date" },
      { name = "task_reschedule_dag_task_date_fkey" }))
  op.create_index(INDEX_NAME, TABLE_NAME, { "dag_id", "task_id", "execution_date" }, { unique = false })
end

function downgrade()
  op.drop_index(INDEX_NAME, TABLE_NAME)
  op.drop_table(TABLE_NAME)
end
