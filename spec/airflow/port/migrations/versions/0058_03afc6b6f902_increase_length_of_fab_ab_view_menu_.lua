-- Increase length of ``Flask-AppBuilder`` ``ab_view_menu.name`` column
-- Revision ID: 03afc6b6f902
-- Revises: 92c57b58940d
-- Create Date: 2020-11-13 22:21:41.619565
-- Port of Apache Airflow's airflow/migrations/versions/0058_1_10_13_increase_length_of_fab_ab_view_menu_.py (Apache-2.0).
-- airflow_version = "1.10.13"
--
-- On SQLite Airflow rebuilds the table by hand with op.execute, ported as it
-- is. See PORTING_NOTES.md.
revision = "03afc6b6f902"
down_revision = "92c57b58940d"
branch_labels = nil
depends_on = nil

-- from airflow.migrations.db_types import StringID (migrations/lib/db_types.lua)
local StringID = require("db_types").StringID

local function contains(list, value)
  for _, v in ipairs(list) do
    if v == value then return true end
  end
  return false
end

function upgrade()
  -- Apply Increase length of ``Flask-AppBuilder`` ``ab_view_menu.name`` column
  local dialect = op.get_context().dialect.name
  local inspector = op.inspect()
  local tables = inspector:get_table_names()

  if contains(tables, "ab_view_menu") then
    if dialect == "sqlite" then
      op.execute("PRAGMA foreign_keys=off")
      op.execute([[
            CREATE TABLE IF NOT EXISTS ab_view_menu_dg_tmp
            (
                id INTEGER NOT NULL PRIMARY KEY,
                name VARCHAR(250) NOT NULL UNIQUE
            );
            ]])
      op.execute("INSERT INTO ab_view_menu_dg_tmp(id, name) select id, name from ab_view_menu;")
      op.execute("DROP TABLE ab_view_menu")
      op.execute("ALTER TABLE ab_view_menu_dg_tmp rename to ab_view_menu;")
      op.execute("PRAGMA foreign_keys=on")
    else
      op.alter_column("ab_view_menu", "name", {
        type_ = StringID(250),
        nullable = false,
      })
    end
  end
end

function downgrade()
  -- Unapply Increase length of ``Flask-AppBuilder`` ``ab_view_menu.name`` column
  local dialect = op.get_context().dialect.name
  local inspector = op.inspect()
  local tables = inspector:get_table_names()
  if contains(tables, "ab_view_menu") then
    if dialect == "sqlite" then
      op.execute("PRAGMA foreign_keys=off")
      op.execute([[
                CREATE TABLE IF NOT EXISTS ab_view_menu_dg_tmp
                (
                    id INTEGER NOT NULL PRIMARY KEY,
                    name VARCHAR(100) NOT NULL UNIQUE
                );
                ]])
      op.execute("INSERT INTO ab_view_menu_dg_tmp(id, name) select id, name from ab_view_menu;")
      op.execute("DROP TABLE ab_view_menu")
      op.execute("ALTER TABLE ab_view_menu_dg_tmp rename to ab_view_menu;")
      op.execute("PRAGMA foreign_keys=on")
    else
      op.alter_column("ab_view_menu", "name", { type_ = String(100), nullable = false })
    end
  end
end
