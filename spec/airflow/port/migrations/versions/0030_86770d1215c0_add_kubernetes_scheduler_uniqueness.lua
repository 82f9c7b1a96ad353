-- Add kubernetes scheduler uniqueness.
-- Revision ID: 86770d1215c0
-- Revises: 27c6a30d7c24
-- Create Date: 2018-04-03 15:31:20.814328
-- Port of Apache Airflow's airflow/migrations/versions/0030_1_10_0_add_kubernetes_scheduler_uniqueness.py (Apache-2.0).
-- airflow_version = "1.10.0"
revision = "86770d1215c0"
down_revision = "27c6a30d7c24"
branch_labels = nil
depends_on = nil

local RESOURCE_TABLE = "kube_worker_uuid"

function upgrade()
  local columns_and_constraints = {
    -- server_default=sa.true(): luamig writes true as TRUE on PostgreSQL, 1 elsewhere
    Column("one_row_id", Boolean, { server_default = true, primary_key = true }),
    Column("worker_uuid", String(255)),
  }

  -- Airflow: conn = op.get_bind(); conn.dialect.name
  local dialect = op.get_context().dialect.name

  -- alembic creates an invalid SQL for mssql and mysql dialects
  if dialect == "mysql" then
    table.insert(columns_and_constraints, CheckConstraint("one_row_id<>0", { name = "kube_worker_one_row_id" }))
  elseif dialect ~= "mssql" then
    table.insert(columns_and_constraints, CheckConstraint("one_row_id", { name = "kube_worker_one_row_id" }))
  end

  local tbl = op.create_table(RESOURCE_TABLE, table.unpack(columns_and_constraints))

  op.bulk_insert(tbl, { { worker_uuid = "" } })
end

function downgrade()
  op.drop_table(RESOURCE_TABLE)
end
