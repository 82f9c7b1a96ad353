-- Fix Sqlite foreign key.
-- Revision ID: 856955da8476
-- Revises: f23433877c24
-- Create Date: 2018-06-17 15:54:53.844230
-- Port of Apache Airflow's airflow/migrations/versions/0033_1_10_0_fix_sqlite_foreign_key.py (Apache-2.0).
-- airflow_version = "1.10.0"
revision = "856955da8476"
down_revision = "f23433877c24"
branch_labels = nil
depends_on = nil

--- Fix broken foreign-key constraint for existing SQLite DBs.
function upgrade()
  -- Airflow: conn = op.get_bind(); if conn.dialect.name == "sqlite"
  if op.get_context().dialect.name == "sqlite" then
    -- Fix broken foreign-key constraint for existing SQLite DBs.
    --
    -- Re-define tables and use copy_from to avoid reflection
    -- which would fail because referenced user table doesn't exist.
    --
    -- Use batch_alter_table to support SQLite workaround.
    -- (sa.Table("chart", sa.MetaData(), ...): a table definition as op.create_table returns it)
    local chart_table = {
      table = "chart",
      columns = {
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
      },
      constraints = {
        PrimaryKeyConstraint("id"),
      },
    }
    op.batch_alter_table("chart", function(batch_op)
      batch_op.create_foreign_key("chart_user_id_fkey", "users", { "user_id" }, { "id" })
    end, { copy_from = chart_table })
  end
end

function downgrade()
  -- Downgrade would fail because the broken FK constraint can't be re-created.
end
