-- Add ``dag_stats`` table.
-- Revision ID: f2ca10b85618
-- Revises: 64de9cddf6c9
-- Create Date: 2016-07-20 15:08:28.247537
-- Port of Apache Airflow's airflow/migrations/versions/0018_1_7_1_add_dag_stats_table.py (Apache-2.0).
revision = "f2ca10b85618"
down_revision = "64de9cddf6c9"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.7.1.3"

-- from airflow.migrations.db_types import StringID (migrations/lib/db_types.lua)
local StringID = require("db_types").StringID

function upgrade()
  op.create_table("dag_stats",
    Column("dag_id", StringID(), { nullable = false }),
    Column("state", String(50), { nullable = false }),
    Column("count", Integer, { nullable = false, default = 0 }),
    Column("dirty", Boolean, { nullable = false, default = false }),
    PrimaryKeyConstraint("dag_id", "state"))
end

function downgrade()
  op.drop_table("dag_stats")
end
