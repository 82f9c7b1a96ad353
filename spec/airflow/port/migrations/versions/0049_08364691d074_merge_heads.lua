-- Straighten out the migrations.
-- Revision ID: 08364691d074
-- Revises: a56c9515abdc, 004c1210f153, 74effc47d867, b3b105409875
-- Create Date: 2019-11-19 22:05:11.752222
-- Port of Apache Airflow's airflow/migrations/versions/0049_1_10_7_merge_heads.py (Apache-2.0).
-- airflow_version = "1.10.7"
revision = "08364691d074"
down_revision = { "a56c9515abdc", "004c1210f153", "74effc47d867", "b3b105409875" }
branch_labels = nil
depends_on = nil

function upgrade()
end

function downgrade()
end
