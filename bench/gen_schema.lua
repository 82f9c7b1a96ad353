-- Writes one schema of N tables twice, as a luamig models file and as
-- SQLAlchemy metadata in an Alembic env.py, for timing `luamig check`
-- against Alembic's autogenerate comparison on the same database. Each
-- table has 10 columns, 2 indexes and 1 foreign key, to the first table of
-- its group of ten (chains of a thousand keys make SQLAlchemy's table sort
-- recurse too deep).
--   lua5.4 bench/gen_schema.lua N OUTDIR
-- <out>/luamig/migrations/{models.lua,versions/}, <out>/alembic/{alembic.ini,env.py,versions/}

package.path = (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/?.lua;" .. package.path
local common = require("common")

local n = assert(tonumber(arg[1]), "usage: gen_schema.lua N OUTDIR")
local out = assert(arg[2], "usage: gen_schema.lua N OUTDIR")
os.execute("mkdir -p " .. out .. "/luamig/migrations/versions " .. out .. "/alembic/versions")

local function name(i) return string.format("t%04d", i) end

local lua, py = {}, {}
for i = 1, n do
  local t, ref = name(i), name(i - (i - 1) % 10)
  lua[#lua + 1] = string.format([[
Table(%q,
  Column("id", Integer, { primary_key = true }),
  Column("name", String(100), { nullable = false }),
  Column("email", String(200)),
  Column("score", Integer, { server_default = 0 }),
  Column("amount", Numeric(10, 2)),
  Column("active", Boolean),
  Column("created", DateTime),
  Column("notes", Text),
  Column("code", String(20)),
  Column("parent_id", Integer, { references = %q }),
  Index("ix_%s_name", "name"),
  Index("ix_%s_code_score", "code", "score"))
]], t, ref .. ".id", t, t)
  py[#py + 1] = string.format([[
Table(%q, metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("email", String(200)),
    Column("score", Integer, server_default="0"),
    Column("amount", Numeric(10, 2)),
    Column("active", Boolean),
    Column("created", DateTime),
    Column("notes", Text),
    Column("code", String(20)),
    Column("parent_id", Integer, ForeignKey(%q)),
    Index("ix_%s_name", "name"),
    Index("ix_%s_code_score", "code", "score"))
]], t, ref .. ".id", t, t)
end
common.write(out .. "/luamig/migrations/models.lua", table.concat(lua))

common.alembic_project(out .. "/alembic")
-- the template `alembic revision` writes its file from
common.write(out .. "/alembic/script.py.mako", [[
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
from alembic import op
import sqlalchemy as sa

def upgrade():
    ${upgrades if upgrades else "pass"}

def downgrade():
    ${downgrades if downgrades else "pass"}
]])
-- env.py with the metadata, comparing against $BENCH_URL; luamig's own
-- tables are not Alembic's business.
common.write(out .. "/alembic/env.py", [[
import os
from alembic import context
from sqlalchemy import (create_engine, pool, MetaData, Table, Column, Integer, String, Numeric,
                        Boolean, DateTime, Text, ForeignKey, Index)

metadata = MetaData()
]] .. table.concat(py) .. [[

def include_name(name, type_, parent_names):
    return not (type_ == "table" and name.startswith("luamig_"))

engine = create_engine(os.environ["BENCH_URL"], poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()
]])
