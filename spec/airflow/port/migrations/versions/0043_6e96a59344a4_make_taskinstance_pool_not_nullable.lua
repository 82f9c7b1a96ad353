-- Make ``TaskInstance.pool`` not nullable
-- Revision ID: 6e96a59344a4
-- Revises: 939bb1e647c8
-- Create Date: 2019-06-13 21:51:32.878437
-- Port of Apache Airflow's airflow/migrations/versions/0043_1_10_4_make_taskinstance_pool_not_nullable.py (Apache-2.0).
-- airflow_version = "1.10.4"
--
-- Airflow updates the rows through an ORM session (create_session() with a
-- minimal TaskInstance model); the session's query(...).filter(...).update(...)
-- is the single UPDATE statement run here with op.execute (see PORTING_NOTES.md).
-- The "mssql" branches are kept as in Airflow; luamig has no MSSQL dialect, so
-- they never run.
revision = "6e96a59344a4"
down_revision = "939bb1e647c8"
branch_labels = nil
depends_on = nil

function upgrade()
  -- Make TaskInstance.pool field not nullable.
  op.execute("UPDATE task_instance SET pool = ? WHERE task_instance.pool IS NULL", "default_pool")

  local dialect = op.get_context().dialect.name
  if dialect == "mssql" then
    op.drop_index("ti_pool", "task_instance")
  end

  -- use batch_alter_table to support SQLite workaround
  op.batch_alter_table("task_instance", function(batch_op)
    batch_op.alter_column("pool", {
      type_ = String(50),
      nullable = false,
    })
  end)

  if dialect == "mssql" then
    op.create_index("ti_pool", "task_instance", { "pool", "state", "priority_weight" })
  end
end

function downgrade()
  -- Make TaskInstance.pool field nullable.
  local dialect = op.get_context().dialect.name
  if dialect == "mssql" then
    op.drop_index("ti_pool", "task_instance")
  end

  -- use batch_alter_table to support SQLite workaround
  op.batch_alter_table("task_instance", function(batch_op)
    batch_op.alter_column("pool", {
      type_ = String(50),
      nullable = true,
    })
  end)

  if dialect == "mssql" then
    op.create_index("ti_pool", "task_instance", { "pool", "state", "priority_weight" })
  end

  op.execute("UPDATE task_instance SET pool = ? WHERE task_instance.pool = ?", null, "default_pool")
end
