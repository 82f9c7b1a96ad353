-- Add indices in ``job`` table
-- Revision ID: 52d714495f0
-- Revises: 338e90f54d61
-- Create Date: 2015-10-20 03:17:01.962542
-- Port of Apache Airflow's airflow/migrations/versions/0005_1_5_2_job_id_indices.py (Apache-2.0).
revision = "52d714495f0"
down_revision = "338e90f54d61"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.5.2"

function upgrade()
  op.create_index("idx_job_state_heartbeat", "job", { "state", "latest_heartbeat" }, { unique = false })
end

function downgrade()
  op.drop_index("idx_job_state_heartbeat", "job")
end
