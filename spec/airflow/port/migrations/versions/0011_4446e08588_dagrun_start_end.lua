-- Add ``start_date`` and ``end_date`` in ``dag_run`` table.
-- Revision ID: 4446e08588
-- Revises: 561833c1c74b
-- Create Date: 2015-12-10 11:26:18.439223
-- Port of Apache Airflow's airflow/migrations/versions/0011_1_6_2_dagrun_start_end.py (Apache-2.0).
revision = "4446e08588"
down_revision = "561833c1c74b"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.6.2"

function upgrade()
  op.add_column("dag_run", Column("end_date", DateTime, { nullable = true }))
  op.add_column("dag_run", Column("start_date", DateTime, { nullable = true }))
end

function downgrade()
  op.drop_column("dag_run", "start_date")
  op.drop_column("dag_run", "end_date")
end
