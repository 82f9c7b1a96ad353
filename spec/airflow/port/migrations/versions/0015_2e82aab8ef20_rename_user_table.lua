-- Rename user table.
-- Revision ID: 2e82aab8ef20
-- Revises: 1968acfc09e3
-- Create Date: 2016-04-02 19:28:15.211915
-- Port of Apache Airflow's airflow/migrations/versions/0015_1_7_1_rename_user_table.py (Apache-2.0).
revision = "2e82aab8ef20"
down_revision = "1968acfc09e3"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.7.1"

function upgrade()
  op.rename_table("user", "users")
end

function downgrade()
  op.rename_table("users", "user")
end
