-- Add ``conf`` column in ``dag_run`` table.
-- Revision ID: 40e67319e3a9
-- Revises: 2e541a1dcfed
-- Create Date: 2015-10-29 08:36:31.726728
-- Port of Apache Airflow's airflow/migrations/versions/0009_1_6_0_dagrun_config.py (Apache-2.0).
revision = "40e67319e3a9"
down_revision = "2e541a1dcfed"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.6.0"

function upgrade()
  op.add_column("dag_run", Column("conf", LargeBinary, { nullable = true })) -- sa.PickleType()
end

function downgrade()
  op.drop_column("dag_run", "conf")
end
