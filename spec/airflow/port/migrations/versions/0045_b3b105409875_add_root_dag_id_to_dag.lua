-- Add ``root_dag_id`` to ``DAG``.
-- Revision ID: b3b105409875
-- Revises: d38e04c12aa2
-- Create Date: 2019-09-28 23:20:01.744775
-- Port of Apache Airflow's airflow/migrations/versions/0045_1_10_7_add_root_dag_id_to_dag.py (Apache-2.0).
-- airflow_version = "1.10.7"
revision = "b3b105409875"
down_revision = "d38e04c12aa2"
branch_labels = nil
depends_on = nil

-- from airflow.migrations.db_types import StringID (migrations/lib/db_types.lua)
local StringID = require("db_types").StringID

function upgrade()
  -- Apply Add ``root_dag_id`` to ``DAG``.
  op.add_column("dag", Column("root_dag_id", StringID(), { nullable = true }))
  op.create_index("idx_root_dag_id", "dag", { "root_dag_id" }, { unique = false })
end

function downgrade()
  -- Unapply Add ``root_dag_id`` to ``DAG``.
  op.drop_index("idx_root_dag_id", "dag")
  op.drop_column("dag", "root_dag_id")
end
