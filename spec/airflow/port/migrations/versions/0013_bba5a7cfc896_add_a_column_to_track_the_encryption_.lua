-- Add a column to track the encryption state of the 'Extra' field in connection.
-- Revision ID: bba5a7cfc896
-- Revises: bbc73705a13e
-- Create Date: 2016-01-29 15:10:32.656425
-- Port of Apache Airflow's airflow/migrations/versions/0013_1_7_0_add_a_column_to_track_the_encryption_.py (Apache-2.0).
revision = "bba5a7cfc896"
down_revision = "bbc73705a13e"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.7.0"

function upgrade()
  op.add_column("connection", Column("is_extra_encrypted", Boolean, { default = false }))
end

function downgrade()
  op.drop_column("connection", "is_extra_encrypted")
end
