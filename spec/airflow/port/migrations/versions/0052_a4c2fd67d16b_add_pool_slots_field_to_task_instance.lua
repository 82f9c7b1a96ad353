-- Add ``pool_slots`` field to ``task_instance``.
-- Revision ID: a4c2fd67d16b
-- Revises: 7939bcff74ba
-- Create Date: 2020-01-14 03:35:01.161519
-- Port of Apache Airflow's airflow/migrations/versions/0052_1_10_10_add_pool_slots_field_to_task_instance.py (Apache-2.0).
-- airflow_version = "1.10.10"
revision = "a4c2fd67d16b"
down_revision = "7939bcff74ba"
branch_labels = nil
depends_on = nil

function upgrade()
  op.add_column("task_instance", Column("pool_slots", Integer, { default = 1 }))
end

function downgrade()
  op.drop_column("task_instance", "pool_slots")
end
