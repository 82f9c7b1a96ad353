-- Helpers for integration specs: run the real luamig executable in a
-- scratch project and look at the real database it wrote.

local driver = require("luamig.driver")

local M = {}

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
M.shell_quote = shell_quote

local function abspath(p)
  if p:sub(1, 1) == "/" then return p end
  return os.getenv("PWD") .. "/" .. p
end

--- The executable under test: $LUAMIG_BIN (test.sh sets it per build), else bin/luamig.
M.bin = abspath(os.getenv("LUAMIG_BIN") or "bin/luamig")

local function read_all(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end
M.read_file = read_all

function M.write_file(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

--- The names in dir, as `ls -A` prints them (one a line).
function M.listing(dir)
  local p = io.popen("ls -A " .. shell_quote(dir))
  local names = p:read("a")
  p:close()
  return names
end

--- A new empty directory under $TMPDIR, removed by M.cleanup().
local made = {}
function M.tmpdir()
  local p = io.popen("mktemp -d " .. shell_quote((os.getenv("TMPDIR") or "/tmp") .. "/luamig-spec.XXXXXX"))
  local dir = p:read("l")
  p:close()
  made[#made + 1] = dir
  return dir
end

function M.cleanup()
  for _, dir in ipairs(made) do os.execute("rm -rf " .. shell_quote(dir)) end
  made = {}
end

--- The non-empty lines of s, in order.
function M.lines(s)
  local t = {}
  for l in s:gmatch("[^\n]+") do t[#t + 1] = l end
  return t
end

--- Run a shell command (several lines are fine), capturing what it prints.
-- Returns {status = n, stdout = s, stderr = s}.
function M.sh(cmd)
  local out, err = os.tmpname(), os.tmpname()
  local _, _, code = os.execute("{ " .. cmd .. "\n} >" .. out .. " 2>" .. err)
  local result = { status = code, stdout = read_all(out), stderr = read_all(err) }
  os.remove(out)
  os.remove(err)
  return result
end

--- The shell command that runs `program` with `args` (a list) in dir.
-- env is a table of extra variables, a false value unsetting one; `as`,
-- when given, is the user to run it as (by runuser, as root).
function M.command(dir, program, args, env, as)
  -- A caller's DATABASE_URL must not leak into a spec's project.
  local parts = { "cd " .. shell_quote(dir) .. " && env -u DATABASE_URL" }
  for k, v in pairs(env or {}) do
    if v == false then parts[#parts + 1] = "-u " .. k end  -- env wants -u before the assignments
  end
  for k, v in pairs(env or {}) do
    if v ~= false then parts[#parts + 1] = k .. "=" .. shell_quote(v) end
  end
  if as then parts[#parts + 1] = "runuser -u " .. as .. " --" end
  parts[#parts + 1] = shell_quote(program)
  for _, a in ipairs(args) do parts[#parts + 1] = shell_quote(a) end
  return table.concat(parts, " ")
end

--- Run luamig with args (a list) in dir; env is a table of extra variables.
-- Returns {status = n, stdout = s, stderr = s}.
function M.run(dir, args, env)
  return M.sh(M.command(dir, M.bin, args, env))
end

--- Like run, but the command must succeed: a failure shows its stderr.
function M.run_ok(dir, args, env)
  local r = M.run(dir, args, env)
  assert(r.status == 0, ("luamig %s exited %d: %s"):format(table.concat(args, " "), r.status, r.stderr))
  return r
end

--- Run luamig with args in dir under a pseudo-terminal (util-linux
-- `script`); env is a string of extra NAME=value words. Returns what the
-- terminal showed: stdout and stderr together.
function M.at_terminal(dir, args, env)
  local parts = {}
  for _, a in ipairs(args) do parts[#parts + 1] = shell_quote(a) end
  local inner = shell_quote(M.bin) .. " " .. table.concat(parts, " ")
  local prefix = "cd " .. shell_quote(dir) .. " && env -u NO_COLOR -u DATABASE_URL " .. (env or "") .. " TERM=xterm "
  local p = io.popen(prefix .. "script -qec " .. shell_quote(inner) .. " /dev/null")
  local out = p:read("a")
  p:close()
  return out
end

--- args with `-u url` in front, for a spec's own database.
function M.with_url(url, args)
  local full = { "-u", url }
  for _, a in ipairs(args) do full[#full + 1] = a end
  return full
end

--- Make a project in a new temp dir: files maps relative paths to contents.
function M.project(files)
  local dir = M.tmpdir()
  os.execute("mkdir -p " .. shell_quote(dir .. "/migrations/versions"))
  for path, text in pairs(files or {}) do
    local sub = path:match("^(.*)/[^/]*$")
    if sub then os.execute("mkdir -p " .. shell_quote(dir .. "/" .. sub)) end
    M.write_file(dir .. "/" .. path, text)
  end
  return dir
end

--- A revision file's text. opts: down (string|list|nil), up (body), down_body, doc.
function M.revision_text(id, opts)
  opts = opts or {}
  local down = opts.down
  local down_lua
  if down == nil then down_lua = "nil"
  elseif type(down) == "string" then down_lua = string.format("%q", down)
  else
    local q = {}
    for i, d in ipairs(down) do q[i] = string.format("%q", d) end
    down_lua = "{ " .. table.concat(q, ", ") .. " }"
  end
  return table.concat({
    "-- " .. (opts.doc or ("revision " .. id)),
    string.format("revision = %q", id),
    "down_revision = " .. down_lua,
    "",
    "function upgrade()",
    opts.up or "",
    "end",
    "",
    "function downgrade()",
    opts.down_body or "",
    "end",
    "",
  }, "\n")
end

--- The text of revision `id` (after `down`) that creates table `name`, one
-- integer key, and drops it on the way down. `extra` is Lua that its
-- upgrade runs after creating the table, `first` Lua that it runs before.
function M.table_revision(id, down, name, extra, first)
  return M.revision_text(id, {
    down = down,
    up = (first and first .. "\n" or "")
      .. string.format('  op.create_table(%q, Column("id", Integer, { primary_key = true }))', name) .. (extra or ""),
    down_body = string.format("  op.drop_table(%q)", name),
  })
end

-- The text of revision `id` (after `down`) creating table t_<id>, with
-- `extra` (metadata such as branch_labels = "x") before its upgrade().
local function branched_revision(id, down, extra)
  local text = M.table_revision(id, down, "t_" .. id)
  if extra then text = text:gsub("\nfunction upgrade", "\n" .. extra .. "\nfunction upgrade", 1) end
  return text
end

--- A project with branches, a merge, two roots and a dependency:
--   a0 -> b1 (left) -> b2 -> m3 (merge of b2 and c1); a0 -> c1 (right);
--   o1 (other, a second root) -> o2, which depends on b1.
function M.branched_project()
  local rev = branched_revision
  return M.project {
    ["migrations/versions/a0.lua"] = rev("a0", nil),
    ["migrations/versions/b1.lua"] = rev("b1", "a0", 'branch_labels = "left"'),
    ["migrations/versions/b2.lua"] = rev("b2", "b1"),
    ["migrations/versions/c1.lua"] = rev("c1", "a0", 'branch_labels = "right"'),
    ["migrations/versions/m3.lua"] = rev("m3", { "b2", "c1" }),
    ["migrations/versions/o1.lua"] = rev("o1", nil, 'branch_labels = "other"'),
    ["migrations/versions/o2.lua"] = rev("o2", "o1", 'depends_on = "b1"'),
  }
end

--- Copy the repository's example project into a new temp dir.
function M.example_project()
  local dir = M.tmpdir()
  os.execute("cp -r migrations " .. shell_quote(dir .. "/"))
  return dir
end

--- Open a SQLite file for inspection.
function M.sqlite(path)
  return assert(driver.connect("sqlite", { database = path }))
end

-- Column `key` of every row that `sql` gives in the SQLite database at
-- path; the query raising, as conn:rows does, when it fails.
local function sqlite_column(path, sql, key)
  local conn = M.sqlite(path)
  local values = {}
  for row in conn:rows(sql) do values[#values + 1] = row[key] end
  conn:close()
  return values
end

--- Table names in a SQLite database (sorted), without SQLite's own.
function M.sqlite_tables(path)
  return sqlite_column(path,
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", "name")
end

--- Rows of the version table, sorted.
function M.sqlite_versions(path, table_name)
  local conn = M.sqlite(path)
  local rows = conn:query("SELECT version_num FROM " .. (table_name or "luamig_version") .. " ORDER BY version_num")
  conn:close()
  local ids = {}
  for i, r in ipairs(rows or {}) do ids[i] = r.version_num end
  return ids
end

--- The full schema text of a SQLite database (what `sqlite3 .schema` shows).
function M.sqlite_schema(path)
  return table.concat(sqlite_column(path,
    "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name", "sql"), ";\n")
end

return M
