-- Create index on ``task_fail`` table.
-- Revision ID: 9635ae0956e7
-- Revises: 856955da8476
-- Create Date: 2018-06-17 21:40:01.963540
-- Port of Apache Airflow's airflow/migrations/versions/0034_1_10_0_index_taskfail.py (Apache-2.0).
-- airflow_version = "1.10.0"
revision = "9635ae0956e7"
down_revision = "856955da8476"
branch_labels = nil
depends_on = nil

function upgrade()
  op.create_index("idx_task_fail_dag_task_date", "task_fail", { "dag_id", "task_id", "execution_date" },
    { unique = false })
end

function downgrade()
  op.drop_index("idx_task_fail_dag_task_date", "task_fail")
end
