-- Add index to ``task_instance`` table.
-- Revision ID: bf00311e1990
-- Revises: dd25f486b8ea
-- Create Date: 2018-09-12 09:53:52.007433
-- Port of Apache Airflow's airflow/migrations/versions/0036_1_10_2_add_index_to_taskinstance.py (Apache-2.0).
-- airflow_version = "1.10.2"
revision = "bf00311e1990"
down_revision = "dd25f486b8ea"
branch_labels = nil
depends_on = nil

function upgrade()
  op.create_index("ti_dag_date", "task_instance", { "dag_id", "execution_date" }, { unique = false })
end

function downgrade()
  op.drop_index("ti_dag_date", "task_instance")
end
