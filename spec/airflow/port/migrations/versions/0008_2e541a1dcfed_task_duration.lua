-- Change ``task_instance.task_duration`` type to ``FLOAT``
-- Revision ID: 2e541a1dcfed
-- Revises: 1b38cef5b76e
-- Create Date: 2015-10-28 20:38:41.266143
-- Port of Apache Airflow's airflow/migrations/versions/0008_1_6_0_task_duration.py (Apache-2.0).
revision = "2e541a1dcfed"
down_revision = "1b38cef5b76e"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.6.0"

function upgrade()
  -- use batch_alter_table to support SQLite workaround
  op.batch_alter_table("task_instance", function(batch_op)
    batch_op.alter_column("duration", {
      existing_type = Integer, -- mysql.INTEGER(display_width=11)
      type_ = Float,
      existing_nullable = true,
    })
  end)
end

function downgrade()
end
