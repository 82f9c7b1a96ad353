-- current schema
-- Revision ID: e3a246e0dc1
-- Revises: none
-- Create Date: 2015-08-18 16:35:00.883495
-- Port of Apache Airflow's airflow/migrations/versions/0001_1_5_0_current_schema.py (Apache-2.0).
revision = "e3a246e0dc1"
down_revision = nil
branch_labels = nil
depends_on = nil
-- airflow_version = "1.5.0"

-- from airflow.migrations.db_types import StringID (migrations/lib/db_types.lua)
local StringID = require("db_types").StringID

local function contains(list, value)
  for _, v in ipairs(list) do
    if v == value then return true end
  end
  return false
end

function upgrade()
  local inspector = op.inspect()
  local tables = inspector:get_table_names()

  if not contains(tables, "connection") then
    op.create_table("connection",
      Column("id", Integer, { nullable = false }),
      Column("conn_id", StringID(), { nullable = true }),
      Column("conn_type", String(500), { nullable = true }),
      Column("host", String(500), { nullable = true }),
      Column("schema", String(500), { nullable = true }),
      Column("login", String(500), { nullable = true }),
      Column("password", String(500), { nullable = true }),
      Column("port", Integer, { nullable = true }),
      Column("extra", String(5000), { nullable = true }),
      PrimaryKeyConstraint("id"))
  end
  if not contains(tables, "dag") then
    op.create_table("dag",
      Column("dag_id", StringID(), { nullable = false }),
      Column("is_paused", Boolean, { nullable = true }),
      Column("is_subdag", Boolean, { nullable = true }),
      Column("is_active", Boolean, { nullable = true }),
      Column("last_scheduler_run", DateTime, { nullable = true }),
      Column("last_pickled", DateTime, { nullable = true }),
      Column("last_expired", DateTime, { nullable = true }),
      Column("scheduler_lock", Boolean, { nullable = true }),
      Column("pickle_id", Integer, { nullable = true }),
      Column("fileloc", String(2000), { nullable = true }),
      Column("owners", String(2000), { nullable = true }),
      PrimaryKeyConstraint("dag_id"))
  end
  if not contains(tables, "dag_pickle") then
    op.create_table("dag_pickle",
      Column("id", Integer, { nullable = false }),
      Column("pickle", LargeBinary, { nullable = true }), -- sa.PickleType()
      Column("created_dttm", DateTime, { nullable = true }),
      Column("pickle_hash", BigInteger, { nullable = true }),
      PrimaryKeyConstraint("id"))
  end
  if not contains(tables, "import_error") then
    op.create_table("import_error",
      Column("id", Integer, { nullable = false }),
      Column("timestamp", DateTime, { nullable = true }),
      Column("filename", String(1024), { nullable = true }),
      Column("stacktrace", Text, { nullable = true }),
      PrimaryKeyConstraint("id"))
  end
  if not contains(tables, "job") then
    op.create_table("job",
      Column("id", Integer, { nullable = false }),
      Column("dag_id", String(250), { nullable = true }),
      Column("state", String(20), { nullable = true }),
      Column("job_type", String(30), { nullable = true }),
      Column("start_date", DateTime, { nullable = true }),
      Column("end_date", DateTime, { nullable = true }),
      Column("latest_heartbeat", DateTime, { nullable = true }),
      Column("executor_class", String(500), { nullable = true }),
      Column("hostname", String(500), { nullable = true }),
      Column("unixname", String(1000), { nullable = true }),
      PrimaryKeyConstraint("id"))
    op.create_index("job_type_heart", "job", { "job_type", "latest_heartbeat" }, { unique = false })
  end
  if not contains(tables, "log") then
    op.create_table("log",
      Column("id", Integer, { nullable = false }),
      Column("dttm", DateTime, { nullable = true }),
      Column("dag_id", StringID(), { nullable = true }),
      Column("task_id", StringID(), { nullable = true }),
      Column("event", String(30), { nullable = true }),
      Column("execution_date", DateTime, { nullable = true }),
      Column("owner", String(500), { nullable = true }),
      PrimaryKeyConstraint("id"))
  end
  if not contains(tables, "sla_miss") then
    op.create_table("sla_miss",
      Column("task_id", StringID(), { nullable = false }),
      Column("dag_id", StringID(), { nullable = false }),
      Column("execution_date", DateTime, { nullable = false }),
      Column("email_sent", Boolean, { nullable = true }),
      Column("timestamp", DateTime, { nullable = true }),
      Column("description", Text, { nullable = true }),
      PrimaryKeyConstraint("task_id", "dag_id", "execution_date"))
  end
  if not contains(tables, "slot_pool") then
    op.create_table("slot_pool",
      Column("id", Integer, { nullable = false }),
      Column("pool", StringID(50), { nullable = true }),
      Column("slots", Integer, { nullable = true }),
      Column("description", Text, { nullable = true }),
      PrimaryKeyConstraint("id"),
      UniqueConstraint("pool"))
  end
  if not contains(tables, "task_instance") then
    op.create_table("task_instance",
      Column("task_id", StringID(), { nullable = false }),
      Column("dag_id", StringID(), { nullable = false }),
      Column("execution_date", DateTime, { nullable = false }),
      Column("start_date", DateTime, { nullable = true }),
      Column("end_date", DateTime, { nullable = true }),
      Column("duration", Integer, { nullable = true }),
      Column("state", String(20), { nullable = true }),
      Column("try_number", Integer, { nullable = true }),
      Column("hostname", String(1000), { nullable = true }),
      Column("unixname", String(1000), { nullable = true }),
      Column("job_id", Integer, { nullable = true }),
      Column("pool", String(50), { nullable = true }),
      Column("queue", String(50), { nullable = true }),
      Column("priority_weight", Integer, { nullable = true }),
      PrimaryKeyConstraint("task_id", "dag_id", "execution_date"))
    op.create_index("ti_dag_state", "task_instance", { "dag_id", "state" }, { unique = false })
    op.create_index("ti_pool", "task_instance", { "pool", "state", "priority_weight" }, { unique = false })
    op.create_index(
      "ti_state_lkp", "task_instance", { "dag_id", "task_id", "execution_date", "state" }, { unique = false })
  end

  if not contains(tables, "user") then
    op.create_table("user",
      Column("id", Integer, { nullable = false }),
      Column("username", StringID(), { nullable = true }),
      Column("email", String(500), { nullable = true }),
      PrimaryKeyConstraint("id"),
      UniqueConstraint("username"))
  end
  if not contains(tables, "variable") then
    op.create_table("variable",
      Column("id", Integer, { nullable = false }),
      Column("key", StringID(), { nullable = true }),
      Column("val", Text, { nullable = true }),
      PrimaryKeyConstraint("id"),
      UniqueConstraint("key"))
  end
  if not contains(tables, "chart") then
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
      ForeignKeyConstraint(
        { "user_id" },
        { "user.id" }),
      PrimaryKeyConstraint("id"))
  end
  if not contains(tables, "xcom") then
    op.create_table("xcom",
      Column("id", Integer, { nullable = false }),
      Column("key", StringID(512), { nullable = true }),
      Column("value", LargeBinary, { nullable = true }), -- sa.PickleType()
      -- default=func.now: a client-side default (no DDL), here as luamig's client-side default
      Column("timestamp", DateTime, { default = sql "CURRENT_TIMESTAMP", nullable = false }),
      Column("execution_date", DateTime, { nullable = false }),
      Column("task_id", StringID(), { nullable = false }),
      Column("dag_id", StringID(), { nullable = false }),
      PrimaryKeyConstraint("id"))
  end
end

function downgrade()
  op.drop_table("chart")
  op.drop_table("variable")
  op.drop_table("user")
  op.drop_index("ti_state_lkp", "task_instance")
  op.drop_index("ti_pool", "task_instance")
  op.drop_index("ti_dag_state", "task_instance")
  op.drop_table("task_instance")
  op.drop_table("slot_pool")
  op.drop_table("sla_miss")
  op.drop_table("log")
  op.drop_index("job_type_heart", "job")
  op.drop_table("job")
  op.drop_table("import_error")
  op.drop_table("dag_pickle")
  op.drop_table("dag")
  op.drop_table("connection")
  op.drop_table("xcom")
end
