-- Add ``is_encrypted`` column in ``connection`` table
-- Revision ID: 1507a7289a2f
-- Revises: e3a246e0dc1
-- Create Date: 2015-08-18 18:57:51.927315
-- Port of Apache Airflow's airflow/migrations/versions/0002_1_5_0_create_is_encrypted.py (Apache-2.0).
revision = "1507a7289a2f"
down_revision = "e3a246e0dc1"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.5.0"

local function contains(list, value)
  for _, v in ipairs(list) do
    if v == value then return true end
  end
  return false
end

function upgrade()
  -- first check if the user already has this done. This should only be
  -- true for users who are upgrading from a previous version of Airflow
  -- that predates Alembic integration
  local inspector = op.inspect()

  -- this will only be true if 'connection' already exists in the db,
  -- but not if alembic created it in a previous migration
  if contains(inspector:get_table_names(), "connection") then
    local col_names = {}
    for _, c in ipairs(inspector:get_columns("connection")) do
      col_names[#col_names + 1] = c.name
    end
    if contains(col_names, "is_encrypted") then
      return
    end
  end

  op.add_column("connection", Column("is_encrypted", Boolean, { unique = false, default = false }))

  -- connectionhelper.update().values(is_encrypted=False): SQLAlchemy Core
  -- UPDATE of a helper Table("connection", Column("id"), Column("is_encrypted"))
  local conn = op.get_bind()
  conn:execute("UPDATE " .. conn:quote_ident("connection") .. " SET "
    .. conn:quote_ident("is_encrypted") .. " = ?", false)
end

function downgrade()
  op.drop_column("connection", "is_encrypted")
end
