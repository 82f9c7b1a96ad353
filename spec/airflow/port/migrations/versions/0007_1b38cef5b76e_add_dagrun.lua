-- Add ``dag_run`` table.
-- Revision ID: 1b38cef5b76e
-- Revises: 502898887f84
-- Create Date: 2015-10-27 08:31:48.475140
-- Port of Apache Airflow's airflow/migrations/versions/0007_1_6_0_add_dagrun.py (Apache-2.0).
-- (The original's docstring says "Revises: 52d714495f0"; its down_revision,
-- kept here, is "502898887f84".)
revision = "1b38cef5b76e"
down_revision = "502898887f84"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.6.0"

-- from airflow.migrations.db_types import StringID (migrations/lib/db_types.lua)
local StringID = require("db_types").StringID

function upgrade()
  op.create_table("dag_run",
    Column("id", Integer, { nullable = false }),
    Column("dag_id", StringID(), { nullable = true }),
    Column("execution_date", DateTime, { nullable = true }),
    Column("state", String(50), { nullable = true }),
    Column("run_id", StringID(), { nullable = true }),
    Column("external_trigger", Boolean, { nullable = true }),
    PrimaryKeyConstraint("id"),
    UniqueConstraint("dag_id", "execution_date"),
    UniqueConstraint("dag_id", "run_id"))
end

function downgrade()
  op.drop_table("dag_run")
end
