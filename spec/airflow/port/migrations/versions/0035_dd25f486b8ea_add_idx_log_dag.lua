-- Add index on ``log`` table.
-- Revision ID: dd25f486b8ea
-- Revises: 9635ae0956e7
-- Create Date: 2018-08-07 06:41:41.028249
-- Port of Apache Airflow's airflow/migrations/versions/0035_1_10_2_add_idx_log_dag.py (Apache-2.0).
-- airflow_version = "1.10.2"
revision = "dd25f486b8ea"
down_revision = "9635ae0956e7"
branch_labels = nil
depends_on = nil

function upgrade()
  op.create_index("idx_log_dag", "log", { "dag_id" }, { unique = false })
end

function downgrade()
  op.drop_index("idx_log_dag", "log")
end
