-- Add schedule interval to dag
-- Revision ID: dd4ecb8fbee3
-- Revises: c8ffec048a3b
-- Create Date: 2018-12-27 18:39:25.748032
-- Port of Apache Airflow's airflow/migrations/versions/0041_1_10_3_add_schedule_interval_to_dag.py (Apache-2.0).
-- airflow_version = "1.10.3"
revision = "dd4ecb8fbee3"
down_revision = "c8ffec048a3b"
branch_labels = nil
depends_on = nil

function upgrade()
  op.add_column("dag", Column("schedule_interval", Text, { nullable = true }))
end

function downgrade()
  op.drop_column("dag", "schedule_interval")
end
