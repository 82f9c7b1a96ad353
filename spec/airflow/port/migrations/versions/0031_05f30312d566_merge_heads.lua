-- Merge migrations Heads.
-- Revision ID: 05f30312d566
-- Revises: 86770d1215c0, 0e2a74e0fc9f
-- Create Date: 2018-06-17 10:47:23.339972
-- Port of Apache Airflow's airflow/migrations/versions/0031_1_10_0_merge_heads.py (Apache-2.0).
-- airflow_version = "1.10.0"
revision = "05f30312d566"
down_revision = { "86770d1215c0", "0e2a74e0fc9f" }
branch_labels = nil
depends_on = nil

function upgrade()
end

function downgrade()
end
