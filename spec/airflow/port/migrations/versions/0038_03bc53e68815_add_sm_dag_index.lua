-- Merge migrations Heads.
-- Revision ID: 03bc53e68815
-- Revises: 0a2a5b66e19d, bf00311e1990
-- Create Date: 2018-11-24 20:21:46.605414
-- Port of Apache Airflow's airflow/migrations/versions/0038_1_10_2_add_sm_dag_index.py (Apache-2.0).
-- airflow_version = "1.10.2"  -- a merge revision that also adds an index.
revision = "03bc53e68815"
down_revision = { "0a2a5b66e19d", "bf00311e1990" }
branch_labels = nil
depends_on = nil

function upgrade()
  op.create_index("sm_dag", "sla_miss", { "dag_id" }, { unique = false })
end

function downgrade()
  op.drop_index("sm_dag", "sla_miss")
end
