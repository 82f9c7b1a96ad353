-- Add ``task_fail`` table.
-- Revision ID: 64de9cddf6c9
-- Revises: 211e584da130
-- Create Date: 2016-08-03 14:02:59.203021
-- Port of Apache Airflow's airflow/migrations/versions/0017_1_7_1_add_task_fails_journal_table.py (Apache-2.0).
revision = "64de9cddf6c9"
down_revision = "211e584da130"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.7.1.3"

-- from airflow.migrations.db_types import StringID (migrations/lib/db_types.lua)
local StringID = require("db_types").StringID

function upgrade()
  op.create_table("task_fail",
    Column("id", Integer, { nullable = false }),
    Column("task_id", StringID(), { nullable = false }),
    Column("dag_id", StringID(), { nullable = false }),
    Column("execution_date", DateTime, { nullable = false }),
    Column("start_date", DateTime, { nullable = true }),
    Column("end_date", DateTime, { nullable = true }),
    Column("duration", Integer, { nullable = true }),
    PrimaryKeyConstraint("id"))
end

function downgrade()
  op.drop_table("task_fail")
end
