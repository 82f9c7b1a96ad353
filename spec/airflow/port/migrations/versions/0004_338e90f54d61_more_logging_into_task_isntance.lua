-- Add ``operator`` and ``queued_dttm`` to ``task_instance`` table.
-- Revision ID: 338e90f54d61
-- Revises: 13eb55f81627
-- Create Date: 2015-08-25 06:09:20.460147
-- Port of Apache Airflow's airflow/migrations/versions/0004_1_5_0_more_logging_into_task_isntance.py (Apache-2.0).
revision = "338e90f54d61"
down_revision = "13eb55f81627"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.5.0"

function upgrade()
  op.add_column("task_instance", Column("operator", String(1000), { nullable = true }))
  op.add_column("task_instance", Column("queued_dttm", DateTime, { nullable = true }))
end

function downgrade()
  op.drop_column("task_instance", "queued_dttm")
  op.drop_column("task_instance", "operator")
end
