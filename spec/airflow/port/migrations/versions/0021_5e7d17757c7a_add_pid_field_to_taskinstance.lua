-- Add ``pid`` field to ``TaskInstance``.
-- Revision ID: 5e7d17757c7a
-- Revises: 8504051e801b
-- Create Date: 2016-12-07 15:51:37.119478
-- Port of Apache Airflow's airflow/migrations/versions/0021_1_7_1_add_pid_field_to_taskinstance.py (Apache-2.0).
-- airflow_version = "1.7.1.3"
revision = "5e7d17757c7a"
down_revision = "8504051e801b"
branch_labels = nil
depends_on = nil

function upgrade()
  -- Add pid column to task_instance table.
  op.add_column("task_instance", Column("pid", Integer))
end

function downgrade()
  -- Drop pid column from task_instance table.
  op.drop_column("task_instance", "pid")
end
