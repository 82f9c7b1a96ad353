-- Add Kubernetes resource check-pointing.
-- Revision ID: 33ae817a1ff4
-- Revises: d2ae31099d61
-- Create Date: 2017-09-11 15:26:47.598494
-- Port of Apache Airflow's airflow/migrations/versions/0028_1_10_0_add_kubernetes_resource_checkpointing.py (Apache-2.0).
-- airflow_version = "1.10.0"
-- (The original's docstring says "Revises: 947454bf1dff"; its code, which Alembic reads, says
-- down_revision d2ae31099d61, which starts a second branch beside 0e2a74e0fc9f; 05f30312d566 merges them.)
revision = "33ae817a1ff4"
down_revision = "d2ae31099d61"
branch_labels = nil
depends_on = nil

local RESOURCE_TABLE = "kube_resource_version"

local function contains(list, name)
  for _, v in ipairs(list) do
    if v == name then return true end
  end
  return false
end

function upgrade()
  local dialect = op.get_context().dialect.name
  local inspector = op.inspect()

  if not contains(inspector:get_table_names(), RESOURCE_TABLE) then
    local columns_and_constraints = {
      -- server_default=sa.true(): luamig writes true as TRUE on PostgreSQL, 1 elsewhere
      Column("one_row_id", Boolean, { server_default = true, primary_key = true }),
      Column("resource_version", String(255)),
    }

    -- alembic creates an invalid SQL for mssql and mysql dialects
    if dialect == "mysql" then
      table.insert(columns_and_constraints,
        CheckConstraint("one_row_id<>0", { name = "kube_resource_version_one_row_id" }))
    elseif dialect ~= "mssql" then
      table.insert(columns_and_constraints,
        CheckConstraint("one_row_id", { name = "kube_resource_version_one_row_id" }))
    end

    local tbl = op.create_table(RESOURCE_TABLE, table.unpack(columns_and_constraints))
    op.bulk_insert(tbl, { { resource_version = "" } })
  end
end

function downgrade()
  local inspector = op.inspect()

  if contains(inspector:get_table_names(), RESOURCE_TABLE) then
    op.drop_table(RESOURCE_TABLE)
  end
end
