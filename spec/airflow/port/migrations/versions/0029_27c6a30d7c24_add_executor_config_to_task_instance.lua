-- Add ``executor_config`` column to ``task_instance`` table.
-- Revision ID: 27c6a30d7c24
-- Revises: 33ae817a1ff4
-- Create Date: 2017-09-11 15:26:47.598494
-- Port of Apache Airflow's airflow/migrations/versions/0029_1_10_0_add_executor_config_to_task_instance.py (Apache-2.0).
-- airflow_version = "1.10.0"
-- (The original's docstring says "Revision ID: 33ae817a1ff4 / Revises: 947454bf1dff", a copy of
-- 0028's; its code, which Alembic reads, says revision 27c6a30d7c24, down_revision 33ae817a1ff4.)
revision = "27c6a30d7c24"
down_revision = "33ae817a1ff4"
branch_labels = nil
depends_on = nil

local TASK_INSTANCE_TABLE = "task_instance"
local NEW_COLUMN = "executor_config"

function upgrade()
  -- sa.PickleType(pickler=dill): a pickled value stored in a LargeBinary column
  op.add_column(TASK_INSTANCE_TABLE, Column(NEW_COLUMN, LargeBinary))
end

function downgrade()
  op.drop_column(TASK_INSTANCE_TABLE, NEW_COLUMN)
end
