-- Add ``DagTags`` table
-- Revision ID: 7939bcff74ba
-- Revises: fe461863935f
-- Create Date: 2020-01-07 19:39:01.247442
-- Port of Apache Airflow's airflow/migrations/versions/0051_1_10_8_add_dagtags_table.py (Apache-2.0).
-- airflow_version = "1.10.8"
revision = "7939bcff74ba"
down_revision = "fe461863935f"
branch_labels = nil
depends_on = nil

-- from airflow.migrations.db_types import StringID (migrations/lib/db_types.lua)
local StringID = require("db_types").StringID

function upgrade()
  -- Apply Add ``DagTags`` table
  op.create_table("dag_tag",
    Column("name", String(100), { nullable = false }),
    Column("dag_id", StringID(), { nullable = false }),
    ForeignKeyConstraint({ "dag_id" }, { "dag.dag_id" }),
    PrimaryKeyConstraint("name", "dag_id"))
end

function downgrade()
  -- Unapply Add ``DagTags`` table
  op.drop_table("dag_tag")
end
