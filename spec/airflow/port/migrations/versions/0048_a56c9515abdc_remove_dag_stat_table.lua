-- Remove ``dag_stat`` table.
-- Revision ID: a56c9515abdc
-- Revises: c8ffec048a3b
-- Create Date: 2018-12-27 10:27:59.715872
-- Port of Apache Airflow's airflow/migrations/versions/0048_1_10_3_remove_dag_stat_table.py (Apache-2.0).
-- airflow_version = "1.10.3"
revision = "a56c9515abdc"
down_revision = "c8ffec048a3b"
branch_labels = nil
depends_on = nil

function upgrade()
  -- Drop dag_stats table.
  op.drop_table("dag_stats")
end

function downgrade()
  -- Create dag_stats table.
  op.create_table("dag_stats",
    Column("dag_id", String(250), { nullable = false }),
    Column("state", String(50), { nullable = false }),
    Column("count", Integer, { nullable = false, default = 0 }),
    Column("dirty", Boolean, { nullable = false, default = false }),
    PrimaryKeyConstraint("dag_id", "state"))
end
