-- Add ``password`` column to ``user`` table.
-- Revision ID: 561833c1c74b
-- Revises: 40e67319e3a9
-- Create Date: 2015-11-30 06:51:25.872557
-- Port of Apache Airflow's airflow/migrations/versions/0010_1_6_2_add_password_column_to_user.py (Apache-2.0).
revision = "561833c1c74b"
down_revision = "40e67319e3a9"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.6.2"

function upgrade()
  op.add_column("user", Column("password", String(255)))
end

function downgrade()
  op.drop_column("user", "password")
end
