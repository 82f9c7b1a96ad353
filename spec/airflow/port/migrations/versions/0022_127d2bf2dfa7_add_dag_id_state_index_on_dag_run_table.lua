-- Add ``dag_id``/``state`` index on ``dag_run`` table.
-- Revision ID: 127d2bf2dfa7
-- Revises: 5e7d17757c7a
-- Create Date: 2017-01-25 11:43:51.635667
-- Port of Apache Airflow's airflow/migrations/versions/0022_1_7_1_add_dag_id_state_index_on_dag_run_table.py (Apache-2.0).
-- airflow_version = "1.7.1.3"
revision = "127d2bf2dfa7"
down_revision = "5e7d17757c7a"
branch_labels = nil
depends_on = nil

function upgrade()
  op.create_index("dag_id_state", "dag_run", { "dag_id", "state" }, { unique = false })
end

function downgrade()
  op.drop_index("dag_id_state", "dag_run")
end
