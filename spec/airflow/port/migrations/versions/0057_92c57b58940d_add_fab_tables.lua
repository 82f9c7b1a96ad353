-- Create FAB Tables.
-- Revision ID: 92c57b58940d
-- Revises: da3f683c3a5a
-- Create Date: 2020-11-13 19:27:10.161814
-- Port of Apache Airflow's airflow/migrations/versions/0057_1_10_13_add_fab_tables.py (Apache-2.0).
-- airflow_version = "1.10.13"
--
-- sqlalchemy.inspect(conn) is op.inspect(): it reads the schema, so this
-- revision needs a connection (no --sql), as Airflow's does.
revision = "92c57b58940d"
down_revision = "da3f683c3a5a"
branch_labels = nil
depends_on = nil

local function contains(list, value)
  for _, v in ipairs(list) do
    if v == value then return true end
  end
  return false
end

function upgrade()
  -- Create FAB Tables.
  local inspector = op.inspect()
  local tables = inspector:get_table_names()
  if not contains(tables, "ab_permission") then
    op.create_table("ab_permission",
      Column("id", Integer, { nullable = false, primary_key = true }),
      Column("name", String(100), { nullable = false }),
      PrimaryKeyConstraint("id"),
      UniqueConstraint("name"))
  end

  if not contains(tables, "ab_view_menu") then
    op.create_table("ab_view_menu",
      Column("id", Integer, { nullable = false, primary_key = true }),
      Column("name", String(100), { nullable = false }),
      PrimaryKeyConstraint("id"),
      UniqueConstraint("name"))
  end

  if not contains(tables, "ab_role") then
    op.create_table("ab_role",
      Column("id", Integer, { nullable = false, primary_key = true }),
      Column("name", String(64), { nullable = false }),
      PrimaryKeyConstraint("id"),
      UniqueConstraint("name"))
  end

  if not contains(tables, "ab_permission_view") then
    op.create_table("ab_permission_view",
      Column("id", Integer, { nullable = false, primary_key = true }),
      Column("permission_id", Integer, { nullable = true }),
      Column("view_menu_id", Integer, { nullable = true }),
      ForeignKeyConstraint({ "permission_id" }, { "ab_permission.id" }),
      ForeignKeyConstraint({ "view_menu_id" }, { "ab_view_menu.id" }),
      PrimaryKeyConstraint("id"),
      UniqueConstraint("permission_id", "view_menu_id"))
  end

  if not contains(tables, "ab_permission_view_role") then
    op.create_table("ab_permission_view_role",
      Column("id", Integer, { nullable = false, primary_key = true }),
      Column("permission_view_id", Integer, { nullable = true }),
      Column("role_id", Integer, { nullable = true }),
      ForeignKeyConstraint({ "permission_view_id" }, { "ab_permission_view.id" }),
      ForeignKeyConstraint({ "role_id" }, { "ab_role.id" }),
      PrimaryKeyConstraint("id"),
      UniqueConstraint("permission_view_id", "role_id"))
  end

  if not contains(tables, "ab_user") then
    op.create_table("ab_user",
      Column("id", Integer, { nullable = false, primary_key = true }),
      Column("first_name", String(64), { nullable = false }),
      Column("last_name", String(64), { nullable = false }),
      Column("username", String(64), { nullable = false }),
      Column("password", String(256), { nullable = true }),
      Column("active", Boolean, { nullable = true }),
      Column("email", String(64), { nullable = false }),
      Column("last_login", DateTime, { nullable = true }),
      Column("login_count", Integer, { nullable = true }),
      Column("fail_login_count", Integer, { nullable = true }),
      Column("created_on", DateTime, { nullable = true }),
      Column("changed_on", DateTime, { nullable = true }),
      Column("created_by_fk", Integer, { nullable = true }),
      Column("changed_by_fk", Integer, { nullable = true }),
      ForeignKeyConstraint({ "changed_by_fk" }, { "ab_user.id" }),
      ForeignKeyConstraint({ "created_by_fk" }, { "ab_user.id" }),
      PrimaryKeyConstraint("id"),
      UniqueConstraint("email"),
      UniqueConstraint("username"))
  end

  if not contains(tables, "ab_user_role") then
    op.create_table("ab_user_role",
      Column("id", Integer, { nullable = false, primary_key = true }),
      Column("user_id", Integer, { nullable = true }),
      Column("role_id", Integer, { nullable = true }),
      ForeignKeyConstraint({ "role_id" }, { "ab_role.id" }),
      ForeignKeyConstraint({ "user_id" }, { "ab_user.id" }),
      PrimaryKeyConstraint("id"),
      UniqueConstraint("user_id", "role_id"))
  end

  if not contains(tables, "ab_register_user") then
    op.create_table("ab_register_user",
      Column("id", Integer, { nullable = false, primary_key = true }),
      Column("first_name", String(64), { nullable = false }),
      Column("last_name", String(64), { nullable = false }),
      Column("username", String(64), { nullable = false }),
      Column("password", String(256), { nullable = true }),
      Column("email", String(64), { nullable = false }),
      Column("registration_date", DateTime, { nullable = true }),
      Column("registration_hash", String(256), { nullable = true }),
      PrimaryKeyConstraint("id"),
      UniqueConstraint("username"))
  end
end

function downgrade()
  -- Drop FAB Tables.
  local dialect = op.get_context().dialect.name
  local inspector = op.inspect()
  local tables = inspector:get_table_names()
  local fab_tables = {
    "ab_permission",
    "ab_view_menu",
    "ab_role",
    "ab_permission_view",
    "ab_permission_view_role",
    "ab_user",
    "ab_user_role",
    "ab_register_user",
  }

  for _, tbl in ipairs(fab_tables) do
    if contains(tables, tbl) then
      local indexes = inspector:get_foreign_keys(tbl)
      for _, index in ipairs(indexes) do
        if dialect ~= "sqlite" then
          op.drop_constraint(index.name, tbl, { type_ = "foreignkey" })
        end
      end
    end
  end

  for _, tbl in ipairs(fab_tables) do
    if contains(tables, tbl) then
      if dialect == "sqlite" then
        op.execute("PRAGMA foreign_keys=off")
        op.drop_table(tbl)
        op.execute("PRAGMA foreign_keys=on")
      else
        op.drop_table(tbl)
      end
    end
  end
end
