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

-- A revision file: the lines `head`, then `open_up`, the upgrade's body
-- t.up, `between`, the downgrade's body t.down_body and `close`, one a
-- line (a body that is nil or "" takes no line).
local function write_revision(path, t, head, open_up, between, close)
  local lines = head
  lines[#lines + 1] = open_up
  if t.up and t.up ~= "" then lines[#lines + 1] = t.up end
  lines[#lines + 1] = between
  if t.down_body and t.down_body ~= "" then lines[#lines + 1] = t.down_body end
  lines[#lines + 1] = close
  M.write(path, table.concat(lines, "\n"))
end

--- A luamig revision file. t: doc, id, down (down_revision as Lua text:
-- "nil", a quoted id, a list), up and down_body (the functions' bodies,
-- each one string of lines; nil or "" for none).
function M.luamig_revision(path, t)
  write_revision(path, t, { "-- " .. t.doc, string.format("revision = %q", t.id), "down_revision = " .. t.down, "" },
    "function upgrade()", "end\n\nfunction downgrade()", "end\n")
end

--- The same revision for Alembic. t: doc, imports (a list of lines), id,
-- down (down_revision as Python text), up and down_body (indented bodies).
function M.alembic_revision(path, t)
  local head = { '"""' .. t.doc .. '"""' }
  for _, line in ipairs(t.imports) do head[#head + 1] = line end
  head[#head + 1] = ""
  head[#head + 1] = string.format("revision = %q", t.id)
  head[#head + 1] = "down_revision = " .. t.down
  write_revision(path, t, head, "branch_labels = None\ndepends_on = None\n\n\ndef upgrade():",
    "\n\ndef downgrade():", "")
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
