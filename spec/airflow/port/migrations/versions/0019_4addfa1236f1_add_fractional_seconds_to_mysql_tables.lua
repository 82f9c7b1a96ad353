-- Add fractional seconds to MySQL tables.
-- Revision ID: 4addfa1236f1
-- Revises: f2ca10b85618
-- Create Date: 2016-09-11 13:39:18.592072
-- Port of Apache Airflow's airflow/migrations/versions/0019_1_7_1_add_fractional_seconds_to_mysql_tables.py (Apache-2.0).
revision = "4addfa1236f1"
down_revision = "f2ca10b85618"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.7.1.3"

-- mysql.DATETIME(fsp=6) is DateTime { precision = 6 } (DATETIME(6)) and
-- mysql.DATETIME() is DateTime, in this MySQL-only revision.

function upgrade()
  -- conn = op.get_bind(); conn.dialect.name
  local dialect = op.get_context().dialect.name
  if dialect == "mysql" then
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
  end
end

function downgrade()
  local dialect = op.get_context().dialect.name
  if dialect == "mysql" then
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
