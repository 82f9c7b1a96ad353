-- Create index on ``job_id`` column in ``task_instance`` table.
-- Revision ID: 947454bf1dff
-- Revises: bdaa763e6c56
-- Create Date: 2017-08-15 15:12:13.845074
-- Port of Apache Airflow's airflow/migrations/versions/0025_1_8_2_add_ti_job_id_index.py (Apache-2.0).
-- airflow_version = "1.8.2"
revision = "947454bf1dff"
down_revision = "bdaa763e6c56"
branch_labels = nil
depends_on = nil

function upgrade()
  op.create_index("ti_job_id", "task_instance", { "job_id" }, { unique = false })
end

function downgrade()
  op.drop_index("ti_job_id", "task_instance")
end
