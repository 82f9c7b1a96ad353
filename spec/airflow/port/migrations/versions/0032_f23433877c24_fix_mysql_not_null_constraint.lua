-- Fix MySQL not null constraint.
-- Revision ID: f23433877c24
-- Revises: 05f30312d566
-- Create Date: 2018-06-17 10:16:31.412131
-- Port of Apache Airflow's airflow/migrations/versions/0032_1_10_0_fix_mysql_not_null_constraint.py (Apache-2.0).
-- airflow_version = "1.10.0"
revision = "f23433877c24"
down_revision = "05f30312d566"
branch_labels = nil
depends_on = nil

function upgrade()
  -- Airflow: conn = op.get_bind(); if conn.dialect.name == "mysql"
  if op.get_context().dialect.name == "mysql" then
    op.execute("SET time_zone = '+00:00'")  -- conn.execute(...)
    op.alter_column("task_fail", "execution_date", { existing_type = Timestamp { precision = 6 }, nullable = false })
    op.alter_column("xcom", "execution_date", { existing_type = Timestamp { precision = 6 }, nullable = false })
    op.alter_column("xcom", "timestamp", { existing_type = Timestamp { precision = 6 }, nullable = false })
  end
end

function downgrade()
  if op.get_context().dialect.name == "mysql" then
    op.execute("SET time_zone = '+00:00'")  -- conn.execute(...)
    op.alter_column("xcom", "timestamp", { existing_type = Timestamp { precision = 6 }, nullable = true })
    op.alter_column("xcom", "execution_date", { existing_type = Timestamp { precision = 6 }, nullable = true })
    op.alter_column("task_fail", "execution_date", { existing_type = Timestamp { precision = 6 }, nullable = true })
  end
end
