-- Increase queue name size limit.
-- Revision ID: 004c1210f153
-- Revises: 939bb1e647c8
-- Create Date: 2019-06-07 07:46:04.262275
-- Port of Apache Airflow's airflow/migrations/versions/0047_1_10_4_increase_queue_name_size_limit.py (Apache-2.0).
-- airflow_version = "1.10.4"
revision = "004c1210f153"
down_revision = "939bb1e647c8"
branch_labels = nil
depends_on = nil

function upgrade()
  -- Increase column size from 50 to 256 characters, closing AIRFLOW-4737 caused
  -- by broker backends that might use unusually large queue names.

  -- use batch_alter_table to support SQLite workaround
  op.batch_alter_table("task_instance", function(batch_op)
    batch_op.alter_column("queue", { type_ = String(256) })
  end)
end

function downgrade()
  -- Revert column size from 256 to 50 characters, might result in data loss.

  -- use batch_alter_table to support SQLite workaround
  op.batch_alter_table("task_instance", function(batch_op)
    batch_op.alter_column("queue", { type_ = String(50) })
  end)
end
