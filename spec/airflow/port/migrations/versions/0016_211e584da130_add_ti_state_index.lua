-- Add TI state index
-- Revision ID: 211e584da130
-- Revises: 2e82aab8ef20
-- Create Date: 2016-06-30 10:54:24.323588
-- Port of Apache Airflow's airflow/migrations/versions/0016_1_7_1_add_ti_state_index.py (Apache-2.0).
revision = "211e584da130"
down_revision = "2e82aab8ef20"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.7.1.3"

function upgrade()
  op.create_index("ti_state", "task_instance", { "state" }, { unique = false })
end

function downgrade()
  op.drop_index("ti_state", "task_instance")
end
