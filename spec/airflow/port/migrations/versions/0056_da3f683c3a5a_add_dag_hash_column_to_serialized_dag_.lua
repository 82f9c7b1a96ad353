-- Add ``dag_hash`` Column to ``serialized_dag`` table.
-- Revision ID: da3f683c3a5a
-- Revises: a66efa278eea
-- Create Date: 2020-08-07 20:52:09.178296
-- Port of Apache Airflow's airflow/migrations/versions/0056_1_10_12_add_dag_hash_column_to_serialized_dag_.py (Apache-2.0).
-- airflow_version = "1.10.12"
revision = "da3f683c3a5a"
down_revision = "a66efa278eea"
branch_labels = nil
depends_on = nil

function upgrade()
  -- Apply Add ``dag_hash`` Column to ``serialized_dag`` table.
  op.add_column("serialized_dag",
    Column("dag_hash", String(32), { nullable = false, server_default = "Hash not calculated yet" }))
end

function downgrade()
  -- Unapply Add ``dag_hash`` Column to ``serialized_dag`` table.
  op.drop_column("serialized_dag", "dag_hash")
end
