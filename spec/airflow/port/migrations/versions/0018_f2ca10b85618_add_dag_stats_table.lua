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
