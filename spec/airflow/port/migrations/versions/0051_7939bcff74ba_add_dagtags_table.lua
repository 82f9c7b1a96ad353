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

-- airflow.migrations.db_types.StringID(length=250): VARCHAR(length), with
-- collation utf8mb3_bin on MySQL only (Airflow's get_id_collation_args).
local function StringID(length)
  length = length or 250
  if op.get_context().dialect.name == "mysql" then
    return String { length = length, collation = "utf8mb3_bin" }
  end
  return String(length)
end

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
