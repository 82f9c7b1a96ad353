-- Adding ``extra`` column to ``Log`` table.
-- Revision ID: 502898887f84
-- Revises: 52d714495f0
-- Create Date: 2015-11-03 22:50:49.794097
-- Port of Apache Airflow's airflow/migrations/versions/0006_1_6_0_adding_extra_to_log.py (Apache-2.0).
revision = "502898887f84"
down_revision = "52d714495f0"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.6.0"

function upgrade()
  op.add_column("log", Column("extra", Text, { nullable = true }))
end

function downgrade()
  op.drop_column("log", "extra")
end
