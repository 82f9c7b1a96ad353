-- Add Precision to ``execution_date`` in ``RenderedTaskInstanceFields`` table
-- Revision ID: a66efa278eea
-- Revises: 952da73b5eff
-- Create Date: 2020-06-16 21:44:02.883132
-- Port of Apache Airflow's airflow/migrations/versions/0055_1_10_11_add_precision_to_execution_date_in_mysql.py (Apache-2.0).
-- airflow_version = "1.10.11"
revision = "a66efa278eea"
down_revision = "952da73b5eff"
branch_labels = nil
depends_on = nil

local TABLE_NAME = "rendered_task_instance_fields"
local COLUMN_NAME = "execution_date"

function upgrade()
  -- Add Precision to ``execution_date`` in ``RenderedTaskInstanceFields`` table for MySQL
  if op.get_context().dialect.name == "mysql" then
    op.alter_column(TABLE_NAME, COLUMN_NAME, { type_ = Timestamp { precision = 6 }, nullable = false })
  end
end

function downgrade()
  -- Unapply Add Precision to ``execution_date`` in ``RenderedTaskInstanceFields`` table
  if op.get_context().dialect.name == "mysql" then
    op.alter_column(TABLE_NAME, COLUMN_NAME, { type_ = Timestamp, nullable = false })
  end
end
