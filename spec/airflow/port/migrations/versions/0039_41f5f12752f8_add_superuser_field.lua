-- Add superuser field.
-- Revision ID: 41f5f12752f8
-- Revises: 03bc53e68815
-- Create Date: 2018-12-04 15:50:04.456875
-- Port of Apache Airflow's airflow/migrations/versions/0039_1_10_2_add_superuser_field.py (Apache-2.0).
-- airflow_version = "1.10.2"
revision = "41f5f12752f8"
down_revision = "03bc53e68815"
branch_labels = nil
depends_on = nil

function upgrade()
  -- default=False is SQLAlchemy's client-side default: no DDL, as luamig's `default`
  op.add_column("users", Column("superuser", Boolean, { default = false }))
end

function downgrade()
  op.drop_column("users", "superuser")
end
