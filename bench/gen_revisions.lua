-- Writes the "N create-table revisions" workload three ways, so that the
-- benchmark compares like with like:
--   <out>/luamig/migrations/versions/*.lua   a luamig project
--   <out>/alembic/{alembic.ini,env.py,versions/*.py}   the same in Alembic
--     (transaction_per_migration = True, as luamig does)
--   <out>/replay.<dialect>.sql   luamig's statements and transactions, for
--     the database's own client (sqlite3, psql, mariadb)
--   <out>/dbmate/migrations/*.sql   the same tables as dbmate migrations
--     (SQLite's SQL), for `dbmate status`
-- usage: lua5.4 bench/gen_revisions.lua N OUTDIR

package.path = (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/?.lua;" .. package.path
local common = require("common")

local n = assert(tonumber(arg[1]), "usage: gen_revisions.lua N OUTDIR")
local out = assert(arg[2], "usage: gen_revisions.lua N OUTDIR")
local out_dir = out
local root = arg[0]:match("^(.*)/bench/[^/]*$") or "."


local function id(i) return string.format("be%06x%04x", i, i % 65536) end

os.execute("mkdir -p " .. out .. "/luamig/migrations/versions " .. out .. "/alembic/versions "
  .. out .. "/dbmate/migrations")

for i = 1, n do
  local rev, down = id(i), i > 1 and id(i - 1) or nil
  local name = string.format("t_%04d", i)
  common.luamig_revision(string.format("%s/luamig/migrations/versions/%s_create_%s.lua", out, rev, name), {
    doc = "create " .. name, id = rev, down = down and string.format("%q", down) or "nil",
    up = table.concat({
      string.format("  op.create_table(%q,", name),
      '    Column("id", Integer, { primary_key = true }),',
      '    Column("name", String(50), { nullable = false }),',
      '    Column("created_at", DateTime))',
    }, "\n"),
    down_body = string.format("  op.drop_table(%q)", name),
  })
  common.alembic_revision(string.format("%s/alembic/versions/%s_create_%s.py", out, rev, name), {
    doc = "create " .. name, imports = { "from alembic import op", "import sqlalchemy as sa" },
    id = rev, down = down and string.format("%q", down) or "None",
    up = table.concat({
      string.format("    op.create_table(%q,", name),
      "        sa.Column('id', sa.Integer, primary_key=True),",
      "        sa.Column('name', sa.String(50), nullable=False),",
      "        sa.Column('created_at', sa.DateTime))",
    }, "\n"),
    down_body = string.format("    op.drop_table(%q)", name),
  })
  common.write(string.format("%s/dbmate/migrations/2026%010d_create_%s.sql", out, i, name), table.concat({
    "-- migrate:up",
    string.format("CREATE TABLE %s (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL, created_at DATETIME);", name),
    "",
    "-- migrate:down",
    string.format("DROP TABLE %s;", name),
    "",
  }, "\n"))
end

common.alembic_project(out .. "/alembic")


-- The replays: what luamig runs, statement for statement and transaction
-- for transaction, compiled by luamig's own dialects so that the text is
-- the same. SQLite and PostgreSQL run each revision, its version-row change
-- and its history row in one transaction; MySQL records the step as running
-- first (DDL commits at once there), then closes the record.
package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
package.cpath = root .. "/bin/?.so;" .. package.cpath
local ddl = require("luamig.ddl")
local types = require("luamig.schema.types")
local versions = require("luamig.context.versions")

local function literal(v)
  if v == nil then return "NULL" end
  if type(v) == "number" then return tostring(v) end
  return "'" .. tostring(v):gsub("'", "''") .. "'"
end

local function replay(dialect_name)
  local d = ddl.dialect(dialect_name)
  local q = function(name) return d:quote(name) end
  local out = {}
  local function add(sql) out[#out + 1] = sql .. ";" end
  local version_rec, history_rec = versions.table_records("luamig_version", "luamig_history")
  for _, sql in ipairs(d:compile(version_rec)) do add(sql) end
  for _, sql in ipairs(d:compile(history_rec)) do add(sql) end
  local history_cols = "(revision, direction, outcome, checksum, started_at, finished_at, duration_ms,"
    .. " applied_by, luamig_version, message)"
  local function history_values(rev, outcome)
    return table.concat({ literal(rev), literal("up"), literal(outcome), "NULL",
      literal("2026-11-21T10:00:00.000Z"), literal("2026-11-21T10:00:00.001Z"), "1",
      literal("bench@localhost pid 1"), literal("0.1.0"), "NULL" }, ", ")
  end
  local begin = dialect_name == "mysql" and "START TRANSACTION;" or "BEGIN;"
  for i = 1, n do
    local name = string.format("t_%04d", i)
    local rec = { kind = "create_table", table = name, constraints = {}, columns = {
      types.Column("id", types.Integer, { primary_key = true }),
      types.Column("name", types.String(50), { nullable = false }),
      types.Column("created_at", types.DateTime) } }
    local version_change = i == 1
      and string.format("INSERT INTO %s (version_num) VALUES (%s)", q("luamig_version"), literal(id(i)))
      or string.format("UPDATE %s SET version_num = %s WHERE version_num = %s", q("luamig_version"),
        literal(id(i)), literal(id(i - 1)))
    if dialect_name == "mysql" then
      add(string.format("INSERT INTO %s %s VALUES (%s)", q("luamig_history"), history_cols,
        history_values(id(i), "running")))
    end
    out[#out + 1] = begin
    for _, sql in ipairs(d:compile(rec)) do add(sql) end
    add(version_change)
    if dialect_name == "mysql" then
      add(string.format("UPDATE %s SET outcome = 'ok', finished_at = %s, duration_ms = 1, message = NULL"
        .. " WHERE id = %d", q("luamig_history"), literal("2026-11-21T10:00:00.001Z"), i))
    else
      add(string.format("INSERT INTO %s %s VALUES (%s)", q("luamig_history"), history_cols,
        history_values(id(i), "ok")))
    end
    out[#out + 1] = "COMMIT;"
  end
  common.write(string.format("%s/replay.%s.sql", out_dir, dialect_name), table.concat(out, "\n") .. "\n")
end

for _, d in ipairs { "sqlite", "postgres", "mysql" } do replay(d) end
print(string.format("wrote %d revisions under %s", n, out_dir))
