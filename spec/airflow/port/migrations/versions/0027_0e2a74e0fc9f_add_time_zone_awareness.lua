-- Add time zone awareness.
-- Revision ID: 0e2a74e0fc9f
-- Revises: d2ae31099d61
-- Create Date: 2017-11-10 22:22:31.326152
-- Port of Apache Airflow's airflow/migrations/versions/0027_1_10_0_add_time_zone_awareness.py (Apache-2.0).
-- airflow_version = "1.10.0"
--
-- mysql.TIMESTAMP(fsp=6) is Timestamp { precision = 6 }, mysql.DATETIME(fsp=6)
-- DateTime { precision = 6 }, sa.TIMESTAMP(timezone=True) Timestamp { timezone = true }.
revision = "0e2a74e0fc9f"
down_revision = "d2ae31099d61"
branch_labels = nil
depends_on = nil

function upgrade()
  -- Airflow: conn = op.get_bind(); conn.dialect.name
  local dialect = op.get_context().dialect.name
  if dialect == "mysql" then
    op.execute("SET time_zone = '+00:00'")  -- conn.execute(...)
    local conn = op.get_bind()
    local res = conn:first("SELECT @@explicit_defaults_for_timestamp AS explicit_defaults_for_timestamp")
    if res.explicit_defaults_for_timestamp == 0 then
      error("Global variable explicit_defaults_for_timestamp needs to be on (1) for mysql")
    end

    op.alter_column("chart", "last_modified", { type_ = Timestamp { precision = 6 } })

    op.alter_column("dag", "last_scheduler_run", { type_ = Timestamp { precision = 6 } })
    op.alter_column("dag", "last_pickled", { type_ = Timestamp { precision = 6 } })
    op.alter_column("dag", "last_expired", { type_ = Timestamp { precision = 6 } })

    op.alter_column("dag_pickle", "created_dttm", { type_ = Timestamp { precision = 6 } })

    op.alter_column("dag_run", "execution_date", { type_ = Timestamp { precision = 6 } })
    op.alter_column("dag_run", "start_date", { type_ = Timestamp { precision = 6 } })
    op.alter_column("dag_run", "end_date", { type_ = Timestamp { precision = 6 } })

    op.alter_column("import_error", "timestamp", { type_ = Timestamp { precision = 6 } })

    op.alter_column("job", "start_date", { type_ = Timestamp { precision = 6 } })
    op.alter_column("job", "end_date", { type_ = Timestamp { precision = 6 } })
    op.alter_column("job", "latest_heartbeat", { type_ = Timestamp { precision = 6 } })

    op.alter_column("log", "dttm", { type_ = Timestamp { precision = 6 } })
    op.alter_column("log", "execution_date", { type_ = Timestamp { precision = 6 } })

    op.alter_column("sla_miss", "execution_date", { type_ = Timestamp { precision = 6 }, nullable = false })
    op.alter_column("sla_miss", "timestamp", { type_ = Timestamp { precision = 6 } })

    op.alter_column("task_fail", "execution_date", { type_ = Timestamp { precision = 6 } })
    op.alter_column("task_fail", "start_date", { type_ = Timestamp { precision = 6 } })
    op.alter_column("task_fail", "end_date", { type_ = Timestamp { precision = 6 } })

    op.alter_column("task_instance", "execution_date", { type_ = Timestamp { precision = 6 }, nullable = false })
    op.alter_column("task_instance", "start_date", { type_ = Timestamp { precision = 6 } })
    op.alter_column("task_instance", "end_date", { type_ = Timestamp { precision = 6 } })
    op.alter_column("task_instance", "queued_dttm", { type_ = Timestamp { precision = 6 } })

    op.alter_column("xcom", "timestamp", { type_ = Timestamp { precision = 6 } })
    op.alter_column("xcom", "execution_date", { type_ = Timestamp { precision = 6 } })
  else
    -- sqlite and mssql datetime are fine as is.  Therefore, not converting
    if dialect == "sqlite" or dialect == "mssql" then
      return
    end

    -- we try to be database agnostic, but not every db (e.g. sqlserver)
    -- supports per session time zones
    if dialect == "postgres" then
      op.execute("set timezone=UTC")  -- conn.execute(...)
    end

    op.alter_column("chart", "last_modified", { type_ = Timestamp { timezone = true } })

    op.alter_column("dag", "last_scheduler_run", { type_ = Timestamp { timezone = true } })
    op.alter_column("dag", "last_pickled", { type_ = Timestamp { timezone = true } })
    op.alter_column("dag", "last_expired", { type_ = Timestamp { timezone = true } })

    op.alter_column("dag_pickle", "created_dttm", { type_ = Timestamp { timezone = true } })

    op.alter_column("dag_run", "execution_date", { type_ = Timestamp { timezone = true } })
    op.alter_column("dag_run", "start_date", { type_ = Timestamp { timezone = true } })
    op.alter_column("dag_run", "end_date", { type_ = Timestamp { timezone = true } })

    op.alter_column("import_error", "timestamp", { type_ = Timestamp { timezone = true } })

    op.alter_column("job", "start_date", { type_ = Timestamp { timezone = true } })
    op.alter_column("job", "end_date", { type_ = Timestamp { timezone = true } })
    op.alter_column("job", "latest_heartbeat", { type_ = Timestamp { timezone = true } })

    op.alter_column("log", "dttm", { type_ = Timestamp { timezone = true } })
    op.alter_column("log", "execution_date", { type_ = Timestamp { timezone = true } })

    op.alter_column("sla_miss", "execution_date", { type_ = Timestamp { timezone = true }, nullable = false })
    op.alter_column("sla_miss", "timestamp", { type_ = Timestamp { timezone = true } })

    op.alter_column("task_fail", "execution_date", { type_ = Timestamp { timezone = true } })
    op.alter_column("task_fail", "start_date", { type_ = Timestamp { timezone = true } })
    op.alter_column("task_fail", "end_date", { type_ = Timestamp { timezone = true } })

    op.alter_column("task_instance", "execution_date", { type_ = Timestamp { timezone = true }, nullable = false })
    op.alter_column("task_instance", "start_date", { type_ = Timestamp { timezone = true } })
    op.alter_column("task_instance", "end_date", { type_ = Timestamp { timezone = true } })
    op.alter_column("task_instance", "queued_dttm", { type_ = Timestamp { timezone = true } })

    op.alter_column("xcom", "timestamp", { type_ = Timestamp { timezone = true } })
    op.alter_column("xcom", "execution_date", { type_ = Timestamp { timezone = true } })
  end
end

function downgrade()
  local dialect = op.get_context().dialect.name
  if dialect == "mysql" then
    op.execute("SET time_zone = '+00:00'")  -- conn.execute(...)
    op.alter_column("chart", "last_modified", { type_ = DateTime { precision = 6 } })

    op.alter_column("dag", "last_scheduler_run", { type_ = DateTime { precision = 6 } })
    op.alter_column("dag", "last_pickled", { type_ = DateTime { precision = 6 } })
    op.alter_column("dag", "last_expired", { type_ = DateTime { precision = 6 } })

    op.alter_column("dag_pickle", "created_dttm", { type_ = DateTime { precision = 6 } })

    op.alter_column("dag_run", "execution_date", { type_ = DateTime { precision = 6 } })
    op.alter_column("dag_run", "start_date", { type_ = DateTime { precision = 6 } })
    op.alter_column("dag_run", "end_date", { type_ = DateTime { precision = 6 } })

    op.alter_column("import_error", "timestamp", { type_ = DateTime { precision = 6 } })

    op.alter_column("job", "start_date", { type_ = DateTime { precision = 6 } })
    op.alter_column("job", "end_date", { type_ = DateTime { precision = 6 } })
    op.alter_column("job", "latest_heartbeat", { type_ = DateTime { precision = 6 } })

    op.alter_column("log", "dttm", { type_ = DateTime { precision = 6 } })
    op.alter_column("log", "execution_date", { type_ = DateTime { precision = 6 } })

    op.alter_column("sla_miss", "execution_date", { type_ = DateTime { precision = 6 }, nullable = false })
    op.alter_column("sla_miss", "timestamp", { type_ = DateTime { precision = 6 } })

    op.alter_column("task_fail", "execution_date", { type_ = DateTime { precision = 6 } })
    op.alter_column("task_fail", "start_date", { type_ = DateTime { precision = 6 } })
    op.alter_column("task_fail", "end_date", { type_ = DateTime { precision = 6 } })

    op.alter_column("task_instance", "execution_date", { type_ = DateTime { precision = 6 }, nullable = false })
    op.alter_column("task_instance", "start_date", { type_ = DateTime { precision = 6 } })
    op.alter_column("task_instance", "end_date", { type_ = DateTime { precision = 6 } })
    op.alter_column("task_instance", "queued_dttm", { type_ = DateTime { precision = 6 } })

    op.alter_column("xcom", "timestamp", { type_ = DateTime { precision = 6 } })
    op.alter_column("xcom", "execution_date", { type_ = DateTime { precision = 6 } })
  else
    if dialect == "sqlite" or dialect == "mssql" then
      return
    end

    -- we try to be database agnostic, but not every db (e.g. sqlserver)
    -- supports per session time zones
    if dialect == "postgres" then
      op.execute("set timezone=UTC")  -- conn.execute(...)
    end

    op.alter_column("chart", "last_modified", { type_ = DateTime })

    op.alter_column("dag", "last_scheduler_run", { type_ = DateTime })
    op.alter_column("dag", "last_pickled", { type_ = DateTime })
    op.alter_column("dag", "last_expired", { type_ = DateTime })

    op.alter_column("dag_pickle", "created_dttm", { type_ = DateTime })

    op.alter_column("dag_run", "execution_date", { type_ = DateTime })
    op.alter_column("dag_run", "start_date", { type_ = DateTime })
    op.alter_column("dag_run", "end_date", { type_ = DateTime })

    op.alter_column("import_error", "timestamp", { type_ = DateTime })

    op.alter_column("job", "start_date", { type_ = DateTime })
    op.alter_column("job", "end_date", { type_ = DateTime })
    op.alter_column("job", "latest_heartbeat", { type_ = DateTime })

    op.alter_column("log", "dttm", { type_ = DateTime })
    op.alter_column("log", "execution_date", { type_ = DateTime })

    op.alter_column("sla_miss", "execution_date", { type_ = DateTime, nullable = false })
    op.alter_column("sla_miss", "timestamp", { type_ = DateTime })

    op.alter_column("task_fail", "execution_date", { type_ = DateTime })
    op.alter_column("task_fail", "start_date", { type_ = DateTime })
    op.alter_column("task_fail", "end_date", { type_ = DateTime })

    op.alter_column("task_instance", "execution_date", { type_ = DateTime, nullable = false })
    op.alter_column("task_instance", "start_date", { type_ = DateTime })
    op.alter_column("task_instance", "end_date", { type_ = DateTime })
    op.alter_column("task_instance", "queued_dttm", { type_ = DateTime })

    op.alter_column("xcom", "timestamp", { type_ = DateTime })
    op.alter_column("xcom", "execution_date", { type_ = DateTime })
  end
end
