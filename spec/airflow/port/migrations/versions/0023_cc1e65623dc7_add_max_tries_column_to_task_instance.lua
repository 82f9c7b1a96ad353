-- Add ``max_tries`` column to ``task_instance``.
-- Revision ID: cc1e65623dc7
-- Revises: 127d2bf2dfa7
-- Create Date: 2017-06-19 16:53:12.851141
-- Port of Apache Airflow's airflow/migrations/versions/0023_1_8_2_add_max_tries_column_to_task_instance.py (Apache-2.0).
-- airflow_version = "1.8.2"
--
-- The original's data migration goes through a SQLAlchemy session over a
-- declarative TaskInstance model (task_id, dag_id, execution_date as the key;
-- max_tries; try_number) and asks Airflow's DagBag (the DAG files in
-- settings.DAGS_FOLDER) for each task's `retries`. luamig has no DagBag: the
-- port reads and writes the same rows, in the same batches, through the
-- revision's connection, and takes for every task instance the branch the
-- original takes when the DAG or task is not in the DagBag. See PORTING_NOTES.md.
revision = "cc1e65623dc7"
down_revision = "127d2bf2dfa7"
branch_labels = nil
depends_on = nil

local BATCH_SIZE = 5000

local function contains(list, name)
  for _, v in ipairs(list) do
    if v == name then return true end
  end
  return false
end

-- dagbag.get_dag(ti.dag_id) / dag.has_task(ti.task_id) / dag.get_task(ti.task_id).retries:
-- there is no DagBag to ask, so no DAG is found.
local function task_retries(_dag_id, _task_id)
  return nil
end

-- session.merge(ti): an UPDATE of the attributes changed (`set`, e.g.
-- "max_tries = ?", with their values first), by the row's primary key.
local function merge(connection, ti, set, ...)
  local args = table.pack(...)
  local n = args.n
  args[n + 1], args[n + 2], args[n + 3] = ti.task_id, ti.dag_id, ti.execution_date
  return connection:execute("UPDATE task_instance SET " .. set
    .. " WHERE task_id = ? AND dag_id = ? AND execution_date = ?", table.unpack(args, 1, n + 3))
end

-- query.scalar(): SELECT count(task_instance.max_tries) ... WHERE <condition>
local function count(connection, condition)
  return connection:first("SELECT COUNT(max_tries) AS n FROM task_instance WHERE " .. condition).n
end

-- session.query(TaskInstance).filter(<condition>).limit(BATCH_SIZE).all()
local function batch(connection, condition)
  return connection:query("SELECT task_id, dag_id, execution_date, max_tries, try_number FROM task_instance WHERE "
    .. condition .. " LIMIT " .. BATCH_SIZE)
end

-- A batch whose rows were all merged without changing one (an execution_date
-- that does not read back as it was written) would loop for ever.
local function check_progress(changed, tis)
  if changed == 0 and #tis > 0 then
    error("task_instance: " .. #tis .. " rows read could not be updated by their primary key")
  end
end

function upgrade()
  op.add_column("task_instance", Column("max_tries", Integer, { server_default = "-1" }))
  -- Check if table task_instance exist before data migration. This check is
  -- needed for database that does not create table until migration finishes.
  -- Checking task_instance table exists prevent the error of querying
  -- non-existing task_instance table.
  local connection = op.get_bind()
  local inspector = op.inspect()
  local tables = inspector:get_table_names()

  if contains(tables, "task_instance") then
    -- session.query(TaskInstance).first()
    if not connection:first("SELECT task_id FROM task_instance LIMIT 1") then
      return
    end
    -- Separate db query in batch to prevent loading entire table
    -- into memory and cause out of memory error.
    while count(connection, "max_tries = -1") > 0 do
      local tis = batch(connection, "max_tries = -1")
      local changed = 0
      for _, ti in ipairs(tis) do
        local max_tries
        local retries = task_retries(ti.dag_id, ti.task_id)
        if retries == nil then
          -- task_instance table might not have the up-to-date
          -- information, i.e dag or task might be modified or
          -- deleted in dagbag but is reflected in task instance
          -- table. In this case we do not retry the task that can't
          -- be parsed.
          max_tries = ti.try_number
        elseif retries ~= 0 then
          max_tries = retries
        else
          max_tries = ti.try_number
        end
        changed = changed + merge(connection, ti, "max_tries = ?", max_tries)
      end
      check_progress(changed, tis)
    end
  end
end

function downgrade()
  local connection = op.get_bind()
  -- engine.dialect.has_table(connection, "task_instance")
  if op.inspect():has_table("task_instance") then
    while count(connection, "max_tries <> -1") > 0 do
      local tis = batch(connection, "max_tries <> -1")
      local changed = 0
      for _, ti in ipairs(tis) do
        local try_number
        local retries = task_retries(ti.dag_id, ti.task_id)
        if retries == nil then
          try_number = 0
        else
          -- max_tries - try_number is number of times a task instance
          -- left to retry by itself. So the current try_number should be
          -- max number of self retry (task.retries) minus number of
          -- times left for task instance to try the task.
          try_number = math.max(0, retries - (ti.max_tries - ti.try_number))
        end
        changed = changed + merge(connection, ti, "try_number = ?, max_tries = ?", try_number, -1)
      end
      check_progress(changed, tis)
    end
  end
  op.drop_column("task_instance", "max_tries")
end
