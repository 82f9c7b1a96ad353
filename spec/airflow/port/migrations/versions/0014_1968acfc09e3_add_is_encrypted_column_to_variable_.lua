-- Add ``is_encrypted`` column to variable table
-- Revision ID: 1968acfc09e3
-- Revises: bba5a7cfc896
-- Create Date: 2016-02-02 17:20:55.692295
-- Port of Apache Airflow's airflow/migrations/versions/0014_1_7_0_add_is_encrypted_column_to_variable_.py (Apache-2.0).
revision = "1968acfc09e3"
down_revision = "bba5a7cfc896"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.7.0"

function upgrade()
  op.add_column("variable", Column("is_encrypted", Boolean, { default = false }))
end

function downgrade()
  op.drop_column("variable", "is_encrypted")
end
