-- Add ``description`` and ``default_view`` column to ``dag`` table.
-- Revision ID: c8ffec048a3b
-- Revises: 41f5f12752f8
-- Create Date: 2018-12-23 21:55:46.463634
-- Port of Apache Airflow's airflow/migrations/versions/0040_1_10_3_add_fields_to_dag.py (Apache-2.0).
-- airflow_version = "1.10.3"
revision = "c8ffec048a3b"
down_revision = "41f5f12752f8"
branch_labels = nil
depends_on = nil

function upgrade()
  op.add_column("dag", Column("description", Text, { nullable = true }))
  op.add_column("dag", Column("default_view", String(25), { nullable = true }))
end

function downgrade()
  op.drop_column("dag", "description")
  op.drop_column("dag", "default_view")
end
