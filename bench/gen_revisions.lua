-- Writes the "N create-table revisions" workload three ways, so that the
-- benchmark compares like with like:
--   <out>/luamig/migrations/versions/*.lua   a luamig project
--   <out>/alembic/{alembic.ini,env.py,versions/*.py}   the same in Alembic
--     (transaction_per_migration = True, as luamig does)
--   <out>/replay.<dialect>.sql   luamig's statements and transactions, for
--     the database's own client (written by `luamig upgrade --sql` when that
--     exists; here from the same templates)
-- usage: lua5.4 bench/gen_revisions.lua N OUTDIR

local n = assert(tonumber(arg[1]), "usage: gen_revisions.lua N OUTDIR")
local out = assert(arg[2], "usage: gen_revisions.lua N OUTDIR")

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local function id(i) return string.format("be%06x%04x", i, i % 65536) end

os.execute("mkdir -p " .. out .. "/luamig/migrations/versions " .. out .. "/alembic/versions")

for i = 1, n do
  local rev, down = id(i), i > 1 and id(i - 1) or nil
  local name = string.format("t_%04d", i)
  write(string.format("%s/luamig/migrations/versions/%s_create_%s.lua", out, rev, name), table.concat({
    "-- create " .. name,
    string.format("revision = %q", rev),
    "down_revision = " .. (down and string.format("%q", down) or "nil"),
    "",
    "function upgrade()",
    string.format("  op.create_table(%q,", name),
    '    Column("id", Integer, { primary_key = true }),',
    '    Column("name", String(50), { nullable = false }),',
    '    Column("created_at", DateTime))',
    "end",
    "",
    "function downgrade()",
    string.format("  op.drop_table(%q)", name),
    "end",
    "",
  }, "\n"))
  write(string.format("%s/alembic/versions/%s_create_%s.py", out, rev, name), table.concat({
    string.format('"""create %s"""', name),
    "from alembic import op",
    "import sqlalchemy as sa",
    "",
    string.format("revision = %q", rev),
    "down_revision = " .. (down and string.format("%q", down) or "None"),
    "branch_labels = None",
    "depends_on = None",
    "",
    "",
    "def upgrade():",
    string.format("    op.create_table(%q,", name),
    "        sa.Column('id', sa.Integer, primary_key=True),",
    "        sa.Column('name', sa.String(50), nullable=False),",
    "        sa.Column('created_at', sa.DateTime))",
    "",
    "",
    "def downgrade():",
    string.format("    op.drop_table(%q)", name),
    "",
  }, "\n"))
end

write(out .. "/alembic/alembic.ini", [[
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

write(out .. "/alembic/env.py", [[
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
engine = engine_from_config(config.get_section(config.config_ini_section),
                            prefix="sqlalchemy.", poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
]])

-- The SQLite replay: what luamig runs, statement for statement, with one
-- transaction per revision.
local sql = {
  'CREATE TABLE "luamig_version" ("version_num" VARCHAR(32) NOT NULL, PRIMARY KEY ("version_num"));',
}
for i = 1, n do
  local name = string.format("t_%04d", i)
  sql[#sql + 1] = "BEGIN;"
  sql[#sql + 1] = string.format('CREATE TABLE "%s" ("id" INTEGER NOT NULL PRIMARY KEY, '
    .. '"name" VARCHAR(50) NOT NULL, "created_at" DATETIME);', name)
  if i == 1 then
    sql[#sql + 1] = string.format("INSERT INTO \"luamig_version\" (version_num) VALUES ('%s');", id(i))
  else
    sql[#sql + 1] = string.format("UPDATE \"luamig_version\" SET version_num = '%s' WHERE version_num = '%s';",
      id(i), id(i - 1))
  end
  sql[#sql + 1] = "COMMIT;"
end
write(out .. "/replay.sqlite.sql", table.concat(sql, "\n") .. "\n")
print(string.format("wrote %d revisions under %s", n, out))
