-- Writes a large branched project twice, as luamig and as Alembic files:
-- N revisions in one line of descent with D diamonds (a branch point whose
-- two branches merge again), i.e. 2*D branch/merge points.
--   lua5.4 bench/gen_graph.lua N D OUTDIR
-- <out>/luamig/migrations/versions/*.lua, <out>/alembic/{alembic.ini,env.py,versions/*.py}

package.path = (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/?.lua;" .. package.path
local common = require("common")

local n = assert(tonumber(arg[1]), "usage: gen_graph.lua N D OUTDIR")
local diamonds = assert(tonumber(arg[2]), "usage: gen_graph.lua N D OUTDIR")
local out = assert(arg[3], "usage: gen_graph.lua N D OUTDIR")


local function id(i) return string.format("ab%06x%04x", i, (i * 7) % 65536) end

os.execute("mkdir -p " .. out .. "/luamig/migrations/versions " .. out .. "/alembic/versions")

-- Every `spacing` revisions, revision i branches: i+1 and i+2 both revise
-- i, and i+3 merges them.
local spacing = math.floor(n / (diamonds + 1))
local parents = {}
for i = 1, n do parents[i] = i > 1 and { i - 1 } or {} end
local placed = 0
for start = spacing, n - 3, spacing do
  if placed == diamonds then break end
  parents[start + 2] = { start }
  parents[start + 3] = { start + 1, start + 2 }
  placed = placed + 1
end

local function lua_list(list, fmt_nil)
  if #list == 0 then return fmt_nil end
  if #list == 1 then return string.format("%q", id(list[1])) end
  local q = {}
  for k, p in ipairs(list) do q[k] = string.format("%q", id(p)) end
  return "{ " .. table.concat(q, ", ") .. " }"
end

local function py_list(list)
  if #list == 0 then return "None" end
  if #list == 1 then return string.format("%q", id(list[1])) end
  local q = {}
  for k, p in ipairs(list) do q[k] = string.format("%q", id(p)) end
  return "(" .. table.concat(q, ", ") .. ")"
end

for i = 1, n do
  local rev = id(i)
  common.luamig_revision(string.format("%s/luamig/migrations/versions/%s_step_%d.lua", out, rev, i), {
    doc = "step " .. i, id = rev, down = lua_list(parents[i], "nil"),
    up = string.format('  op.execute("SELECT %d")', i),
  })
  common.alembic_revision(string.format("%s/alembic/versions/%s_step_%d.py", out, rev, i), {
    doc = "step " .. i, imports = { "from alembic import op" }, id = rev, down = py_list(parents[i]),
    up = string.format('    op.execute("SELECT %d")', i), down_body = "    pass",
  })
end

common.alembic_project(out .. "/alembic")
print(string.format("wrote %d revisions with %d diamonds under %s", n, placed, out))
