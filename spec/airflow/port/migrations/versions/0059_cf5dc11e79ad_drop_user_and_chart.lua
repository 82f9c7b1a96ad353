-- Drop ``user`` and ``chart`` table
-- Revision ID: cf5dc11e79ad
-- Revises: 03afc6b6f902
-- Create Date: 2019-01-24 15:30:35.834740
-- Port of Apache Airflow's airflow/migrations/versions/0059_2_0_0_drop_user_and_chart.py (Apache-2.0).
-- airflow_version = "2.0.0"
--
-- inspector.get_foreign_keys(table_name="known_event", referred_table="users"):
-- SQLAlchemy's Inspector passes referred_table on to the dialect, which
-- ignores it, so Airflow gets every foreign key of known_event; luamig's
-- get_foreign_keys takes the table only, and gives the same list.
-- See PORTING_NOTES.md.
revision = "cf5dc11e79ad"
down_revision = "03afc6b6f902"
branch_labels = nil
depends_on = nil

local function contains(list, value)
  for _, v in ipairs(list) do
    if v == value then return true end
  end
  return false
end

function upgrade()
  -- We previously had a KnownEvent's table, but we deleted the table without
  -- a down migration to remove it (so we didn't delete anyone's data if they
  -- were happening to use the feature.
  --
  -- But before we can delete the users table we need to drop the FK

  local inspector = op.inspect()
  local tables = inspector:get_table_names()

  if contains(tables, "known_event") then
    for _, fkey in ipairs(inspector:get_foreign_keys("known_event")) do
      if fkey.name and fkey.name ~= null and fkey.name ~= "" then
        op.batch_alter_table("known_event", function(bop)
          bop.drop_constraint(fkey.name, { type_ = "foreignkey" })
        end)
      end
    end
  end

  if contains(tables, "chart") then
    op.drop_table("chart")
  end

  if contains(tables, "users") then
    op.drop_table("users")
  end
end

function downgrade()
  local dialect = op.get_context().dialect.name

  op.create_table("users",
    Column("id", Integer, { nullable = false }),
    Column("username", String(250), { nullable = true }),
    Column("email", String(500), { nullable = true }),
    Column("password", String(255)),
    Column("superuser", Boolean, { default = false }),
    PrimaryKeyConstraint("id"),
    UniqueConstraint("username"))

  op.create_table("chart",
    Column("id", Integer, { nullable = false }),
    Column("label", String(200), { nullable = true }),
    Column("conn_id", String(250), { nullable = false }),
    Column("user_id", Integer, { nullable = true }),
    Column("chart_type", String(100), { nullable = true }),
    Column("sql_layout", String(50), { nullable = true }),
    Column("sql", Text, { nullable = true }),
    Column("y_log_scale", Boolean, { nullable = true }),
    Column("show_datatable", Boolean, { nullable = true }),
    Column("show_sql", Boolean, { nullable = true }),
    Column("height", Integer, { nullable = true }),
    Column("default_params", String(5000), { nullable = true }),
    Column("x_is_date", Boolean, { nullable = true }),
    Column("iteration_no", Integer, { nullable = true }),
    Column("last_modified", DateTime, { nullable = true }),
    ForeignKeyConstraint({ "user_id" }, { "users.id" }),
    PrimaryKeyConstraint("id"))

  if dialect == "mysql" then
    op.execute("SET time_zone = '+00:00'")
    op.alter_column("chart", "last_modified", { type_ = Timestamp { precision = 6 } })
  else
    if dialect == "sqlite" or dialect == "mssql" then
      return
    end

    if dialect == "postgres" then
      op.execute("set timezone=UTC")
    end

    op.alter_column("chart", "last_modified", { type_ = Timestamp { timezone = true } })
  end
end
