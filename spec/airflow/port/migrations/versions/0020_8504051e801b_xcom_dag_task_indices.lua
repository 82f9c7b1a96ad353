-- Add indices on ``xcom`` table
-- Revision ID: 8504051e801b
-- Revises: 4addfa1236f1
-- Create Date: 2016-11-29 08:13:03.253312
-- Port of Apache Airflow's airflow/migrations/versions/0020_1_7_1_xcom_dag_task_indices.py (Apache-2.0).
revision = "8504051e801b"
down_revision = "4addfa1236f1"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.7.1.3"

--- Create Index.
function upgrade()
  op.create_index("idx_xcom_dag_task_date", "xcom", { "dag_id", "task_id", "execution_date" }, { unique = false })
end

--- Drop Index.
function downgrade()
  op.drop_index("idx_xcom_dag_task_date", "xcom")
end
