-- What the benchmark generators share: writing files, and the two files
-- that make a directory of revisions an Alembic project (alembic.ini and an
-- env.py that runs each revision in its own transaction, as luamig does,
-- against sqlite:///<dir>/bench.db or $BENCH_URL).
local M = {}

function M.write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

function M.alembic_project(dir)
  M.write(dir .. "/alembic.ini", [[
[alembic]
script_location = %(here)s
sqlalchemy.url = sqlite:///%(here)s/bench.db

[loggers]
keys = root
[handlers]
keys = console
[formatters]
keys = generic
[logger_root]
level = WARN
handlers = console
[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic
[formatter_generic]
format = %(levelname)-5.5s %(message)s
]])
  M.write(dir .. "/env.py", [[
import os
from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
# BENCH_URL points the same project at PostgreSQL or MariaDB.
url = os.environ.get("BENCH_URL") or config.get_main_option("sqlalchemy.url")
engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
]])
end

return M
