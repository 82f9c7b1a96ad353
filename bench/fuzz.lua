-- bench/fuzz.lua: mutate revision files, config files and command lines,
-- run them through the sanitizer build, and check that luamig never
-- crashes, never hangs, and never leaves an unintended change.
--
--   lua5.4 bench/fuzz.lua [--iterations N] [--seed S] [--only I] [--bin PATH]
--                         [--timeout SECONDS] [--out DIR] [--backends sqlite,postgres,mysql]
--                         [--keep-going] [--verbose]
--
-- Run from the repository's root after `make sanitize` (bench/fuzz.sh does
-- both, and starts PostgreSQL and MariaDB with --servers). Iteration I of
-- seed S is reproducible alone: `--seed S --only I` (each iteration reseeds
-- from S and I). Every failing input is saved under --out (default
-- $TMPDIR/luamig-fuzz-failures/, outside the tree) as the project, the command line (cmd.sh, runnable)
-- and what luamig printed.
--
-- One iteration: a project made of the corpus's base revisions (users,
-- posts and a view, a column; spec/corpus/kit.lua) plus one revision B
-- picked from a few templates, a database at the base's head, and a
-- command. One to three mutations are applied to B, to luamig.lua or to
-- the command line: byte flips, insertions and deletions; Lua token
-- deletion, duplication and swaps; op names swapped for other ops; an
-- argument replaced by an odd value (nil, "", {}, -1, 1/0, null, a long
-- string...); random metadata (revision, down_revision, depends_on,
-- branch_labels, transactional); injected statements (COMMIT, error({}),
-- `return nil, "x"`, string.match = nil); random config keys and values;
-- random commands, targets and options.
--
-- The oracle, for each run of bin/sanitize/luamig:
--   crash   a sanitizer report, or an exit status other than 0, 1, 2, 129, 130, 143;
--   hang    no exit within --timeout (default 30 s);
--   change  exit != 0 and the database (helpers/snapshot: schema, rows,
--           version and history tables, files beside a SQLite database)
--           differs from before, unless the step is recorded as failed and
--           could not roll back (transactional = false, autocommit_block,
--           MySQL's DDL), or such a step changed luamig's own tables
--           (docs/errors.md's exception: reported as a note);
--   silent  exit 0, and the schema or data changed while the version table
--           did not (no step was recorded for it), or a history row was
--           left `running` or `failed`.
-- Messages are checked too but reported apart (they are what the corpus
-- spec states precisely): a failing run must say "luamig: ..." and must
-- not name luamig's own files.

package.path = "spec/?.lua;lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "bin/?.so;" .. package.cpath

local snapshot = require("helpers.snapshot")
local backends = require("helpers.backends")
local h = require("helpers.luamig")
local kit = require("corpus.kit")
local sys = require("luamig.sys")

---------------------------------------------------------------------------
-- Options

local opt = { iterations = 1000, seed = nil, only = nil, bin = "bin/sanitize/luamig", timeout = 30,
  out = (os.getenv("TMPDIR") or "/tmp") .. "/luamig-fuzz-failures", backends = "sqlite", keep_going = true, verbose = false }
do
  local i = 1
  while i <= #arg do
    local a = arg[i]
    local function value() i = i + 1; return arg[i] or error("fuzz.lua: " .. a .. " needs a value") end
    if a == "--iterations" then opt.iterations = tonumber(value())
    elseif a == "--seed" then opt.seed = tonumber(value())
    elseif a == "--only" then opt.only = tonumber(value())
    elseif a == "--bin" then opt.bin = value()
    elseif a == "--timeout" then opt.timeout = tonumber(value())
    elseif a == "--out" then opt.out = value()
    elseif a == "--backends" then opt.backends = value()
    elseif a == "--verbose" then opt.verbose = true
    elseif a == "--help" or a == "-h" then
      print((io.open(arg[0]):read("a"):match("^(.-)\n\n"):gsub("%-%- ?", "")))
      os.exit(0)
    else io.stderr:write("fuzz.lua: unknown argument ", a, "\n"); os.exit(2) end
    i = i + 1
  end
end
opt.seed = opt.seed or (os.time() % 1000000)

local function abspath(p) return p:sub(1, 1) == "/" and p or (os.getenv("PWD") .. "/" .. p) end
local BIN = abspath(opt.bin)
local OUT = abspath(opt.out)
local TMP = os.getenv("TMPDIR") or "/tmp"

-- Quoting and whole-file reads and writes as the integration specs do them.
local q, read, write = h.shell_quote, h.read_file, h.write_file
local function mktemp(prefix)
  local p = io.popen("mktemp -d " .. q(TMP .. "/" .. prefix .. ".XXXXXX"))
  local d = p:read("l")
  p:close()
  return d
end

---------------------------------------------------------------------------
-- Inputs

local B = kit.B
local TEMPLATES = {
  { name = "table, index, rows",
    up = { '  op.create_table("fz_items",', '    Column("id", Integer, { primary_key = true }),',
      '    Column("code", String(20), { nullable = false, unique = true }),',
      '    Column("qty", Integer, { server_default = 0 }))',
      '  op.create_index("ix_fz_items_qty", "fz_items", { "qty" })',
      '  op.bulk_insert("fz_items", { { id = 1, code = "a", qty = 2 }, { id = 2, code = "b", qty = null } })' },
    down = { '  op.drop_index("ix_fz_items_qty", "fz_items")', '  op.drop_table("fz_items")' } },
  { name = "column and backfill",
    up = { '  op.add_column("users", Column("nick", String(50)))', "  local db = op.get_bind()",
      '  for row in db:rows("SELECT id, name FROM users") do',
      '    db:execute("UPDATE users SET nick = ? WHERE id = ?", row.name .. "!", row.id)', "  end" },
    down = { '  op.drop_column("users", "nick")' } },
  { name = "constraints and a foreign key",
    up = { '  op.create_table("fz_tags",', '    Column("id", Integer, { primary_key = true }),',
      '    Column("post_id", Integer, { references = "posts.id" }),', '    Column("label", String(30)),',
      '    UniqueConstraint("post_id", "label", { name = "uq_fz_tags" }),',
      '    CheckConstraint("length(label) > 0", { name = "ck_fz_tags_label" }))',
      '  op.execute("INSERT INTO fz_tags (id, post_id, label) VALUES (?, ?, ?)", 1, 1, "x")' },
    down = { '  op.drop_table("fz_tags")' } },
  { name = "batch alter",
    up = { '  op.batch_alter_table("posts", function(batch)',
      '    batch.add_column(Column("score", Integer, { server_default = 0, nullable = false }))',
      '    batch.create_index("ix_posts_score", { "score" })', "  end)" },
    down = { '  op.batch_alter_table("posts", function(batch)', '    batch.drop_index("ix_posts_score")',
      '    batch.drop_column("score")', "  end)" } },
  { name = "rename and data",
    up = { '  op.rename_table("posts", "articles")', '  op.execute("DROP VIEW v_posts")',
      "  op.execute(\"UPDATE articles SET title = 'renamed' WHERE id = 1\")" },
    down = { '  op.rename_table("articles", "posts")',
      '  op.execute("CREATE VIEW v_posts AS SELECT p.id, u.name, p.title FROM posts p JOIN users u ON u.id = p.user_id")' } },
  { name = "autocommit block",
    up = { '  op.execute("CREATE TABLE fz_a (id INTEGER)")', "  op.autocommit_block(function()",
      '    op.execute("CREATE TABLE fz_b (id INTEGER)")', "  end)", '  op.execute("CREATE TABLE fz_c (id INTEGER)")' },
    down = { '  op.execute("DROP TABLE fz_c")', '  op.execute("DROP TABLE fz_b")', '  op.execute("DROP TABLE fz_a")' } },
}

local OPS = { "create_table", "drop_table", "add_column", "drop_column", "create_index", "drop_index", "execute",
  "bulk_insert", "rename_table", "alter_column", "create_unique_constraint", "create_check_constraint",
  "create_foreign_key", "drop_constraint", "get_bind", "batch_alter_table", "autocommit_block", "inline_literal",
  "create_primary_key", "create_table_comment", "create_enum", "progress" }
local ODD = { "nil", '""', "{}", "-1", "0", "1/0", "0/0", "null", "true", "false", 'sql "1"', '"users"', '"nope"',
  "math.maxinteger", "math.mininteger", 'string.rep("x", 70000)', '{ "a", 1, {} }', "{ {} }", "print",
  'setmetatable({}, { __index = function() error("boom") end })', '"\\0"', '"\\255\\254"', '"a b"', '"1a2b"' }
local INJECT = { '  op.execute("COMMIT")', '  op.execute("BEGIN")', '  op.execute("ROLLBACK")', "  error({})",
  "  error(nil)", '  return nil, "injected"', "  return false", "  string.match = nil", "  string.format = nil",
  "  table.concat = nil", '  error("injected")', '  op.get_bind():execute("COMMIT")', "  coroutine = nil",
  '  op.execute("SELECT ?", 1, 2)', '  op.execute("DELETE FROM luamig_version")', '  op.execute("DROP TABLE luamig_history")',
  "  op = nil", '  getmetatable("").__index = {}', "  collectgarbage()", '  op.execute("SAVEPOINT x")',
  '  op.execute("RELEASE SAVEPOINT x")', "  goto done ::done::", "  local x <close> = nil" }
local META = {
  function() return 'revision = "' .. B .. '"' end,
  function(r) return "revision = " .. r:pick { '"head"', '"base"', "42", '""', '"' .. kit.A3 .. '"', '"x y"', '"' .. string.rep("b", 40) .. '"', "nil" } end,
  function(r) return "down_revision = " .. r:pick { "nil", '"' .. kit.A1 .. '"', '"' .. B .. '"', '"zzzz"', "{}",
    '{ "' .. kit.A3 .. '", "' .. kit.A2 .. '" }', "3", "{ 1 }", "{ parent = \"" .. kit.A3 .. "\" }" } end,
  function(r) return "transactional = " .. r:pick { "false", "true", '"no"', "0", "nil", "{}" } end,
  function(r) return "--[[ transactional = false ]]" end,
  function(r) return "local s = [[\ntransactional = false\n]]" end,
  function(r) return "depends_on = " .. r:pick { '"' .. kit.A1 .. '"', '"zzzz"', "5", "{}", '"' .. B .. '"' } end,
  function(r) return "branch_labels = " .. r:pick { '"feature"', '"' .. kit.A1 .. '"', "7", '{ "a", "a" }', '"x@y"' } end,
  function(r) return "upgrade = " .. r:pick { "nil", "42", '"x"' } end,
  function(r) return "downgrade = " .. r:pick { "42", '"x"', "{}" } end,
}
local CONFIG_KEYS = {
  'url = "{url}"', 'script_location = "migrations"', 'script_location = "nowhere"', "lock_timeout = -1",
  'lock_timeout = "x"', "lock_timeout = 0", 'version_table = "luamig_history"', 'version_table = ""',
  'version_table = "users"', 'history_table = "luamig_version"', "transaction_per_migration = false",
  'transaction_per_migration = "no"', "sqlite_batch_mode = true", 'naming_convention = { ix = "ix_%(bogus)s" }',
  'naming_convention = { uq = "uq_%(table_name)s_%(column_0_name)s" }', "urll = 1", 'models = "nowhere"',
  'version_locations = { "migrations/versions" }', "include_object = 5",
}
local COMMANDS = {
  { "upgrade", "head" }, { "upgrade", "head" }, { "upgrade", "head" }, { "upgrade", "head" }, { "upgrade" },
  { "upgrade", B }, { "upgrade", "+1" }, { "upgrade", "heads" }, { "upgrade", "head", "--transaction", "all" },
  { "downgrade", "-1" }, { "downgrade", kit.A2 }, { "current" }, { "heads" }, { "history" }, { "history", "--applied" },
  { "verify" }, { "stamp", B }, { "show", B }, { "upgrade", "--sql", "base:head" }, { "branches" },
  { "check" }, { "history", "--json" }, { "current", "--check-heads" }, { "repair" }, { "verify", "--accept", kit.A3 },
}
local ARGS = { "head", "base", "heads", "+1", "-1", "+99", "-99", "1a2b", "1a2", kit.A1, kit.A2, kit.A3, B, "zzzz",
  "--lock-timeout", "0", "abc", "-1", "--transaction", "all", "sometimes", "--sql", "--dialect", "mysql", "--json",
  "-v", "-q", "--allow-edited", "--purge", "-m", "msg", "--rev-id", "--head", "feature@head", "x@y", "", "\255",
  "--frobnicate", "-x", "k=v", "-c", "luamig.lua", "/dev/null", "migrations", "--help", "a:b", "::", "-r" }

---------------------------------------------------------------------------
-- A seeded generator per iteration (Lua 5.4's xoshiro256**, reseeded)

local Rand = {}
Rand.__index = Rand
local function rand(seed, i)
  math.randomseed(seed, i)
  return setmetatable({}, Rand)
end
function Rand:int(a, b) return math.random(a, b) end
function Rand:chance(p) return math.random() < p end
function Rand:pick(t) return t[math.random(1, #t)] end

-- Lua-ish tokens: names, numbers, strings, long brackets, punctuation.
local function tokens(src)
  local out, i = {}, 1
  while i <= #src do
    local s, e = src:find("^%s+", i)
    if not s then s, e = src:find("^[%a_][%w_]*", i) end
    if not s then s, e = src:find("^%d[%w%.]*", i) end
    if not s then s, e = src:find('^"[^"\n]*"', i) end
    if not s then s, e = src:find("^'[^'\n]*'", i) end
    if not s then s, e = src:find("^%-%-[^\n]*", i) end
    if not s then s, e = src:find("^[=~<>%.]=?", i) end
    if not s then s, e = i, i end
    out[#out + 1] = src:sub(s, e)
    i = e + 1
  end
  return out
end

local MUTATORS = {
  function(r, s) -- flip a byte
    if #s == 0 then return s end
    local i = r:int(1, #s)
    return s:sub(1, i - 1) .. string.char(s:byte(i) ~ (1 << r:int(0, 7))) .. s:sub(i + 1)
  end,
  function(r, s) -- insert a byte
    local i = r:int(1, #s + 1)
    return s:sub(1, i - 1) .. string.char(r:pick { 0, 10, 13, 34, 39, 40, 41, 44, 45, 61, 91, 93, 123, 125, 255, r:int(0, 255) })
      .. s:sub(i)
  end,
  function(r, s) -- delete a run of bytes
    if #s == 0 then return s end
    local i = r:int(1, #s)
    return s:sub(1, i - 1) .. s:sub(i + r:int(1, 8))
  end,
  function(r, s) -- delete a token
    local t = tokens(s)
    table.remove(t, r:int(1, #t))
    return table.concat(t)
  end,
  function(r, s) -- duplicate a token
    local t = tokens(s)
    local i = r:int(1, #t)
    table.insert(t, i, t[i])
    return table.concat(t)
  end,
  function(r, s) -- swap two tokens
    local t = tokens(s)
    local i, j = r:int(1, #t), r:int(1, #t)
    t[i], t[j] = t[j], t[i]
    return table.concat(t)
  end,
  function(r, s) -- another op
    local names = {}
    for name in s:gmatch("op%.([%a_]+)") do names[#names + 1] = name end
    if #names == 0 then return s end
    local from = r:pick(names)
    return (s:gsub("op%." .. from, "op." .. r:pick(OPS), 1))
  end,
  function(r, s) -- an odd value for a literal or an argument
    local t = tokens(s)
    local candidates = {}
    for i, tok in ipairs(t) do
      if tok:match('^"') or tok:match("^%d") or tok == "true" or tok == "false" or tok == "nil" then
        candidates[#candidates + 1] = i
      end
    end
    if #candidates == 0 then return s end
    t[r:pick(candidates)] = r:pick(ODD)
    return table.concat(t)
  end,
  function(r, s) -- swap two arguments of one call on a line
    local lines = {}
    for l in (s .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = l end
    local i = r:int(1, #lines)
    local head, inner, tail = lines[i]:match("^(.-%()(.*)(%).-)$")
    if not inner then return s end
    local parts = {}
    for p in (inner .. ","):gmatch("([^,]*),") do parts[#parts + 1] = p end
    if #parts < 2 then return s end
    local a, b = r:int(1, #parts), r:int(1, #parts)
    parts[a], parts[b] = parts[b], parts[a]
    lines[i] = head .. table.concat(parts, ",") .. tail
    return table.concat(lines, "\n")
  end,
  function(r, s) -- inject a statement into upgrade()
    return (s:gsub("function upgrade%(%)\n", function(m) return m .. r:pick(INJECT) .. "\n" end, 1))
  end,
  function(r, s) -- random metadata after down_revision
    return (s:gsub("(down_revision = [^\n]*\n)", function(m) return m .. r:pick(META)(r) .. "\n" end, 1))
  end,
}

-- Byte-level damage mostly ends in a syntax error (exit 2 before anything
-- runs): the mutations that keep the Lua valid are picked twice as often.
local WEIGHTED = {}
for i, m in ipairs(MUTATORS) do
  WEIGHTED[#WEIGHTED + 1] = m
  if i >= 7 then WEIGHTED[#WEIGHTED + 1] = m end
end

local function mutate_text(r, s, n)
  for _ = 1, n do s = r:pick(WEIGHTED)(r, s) end
  return s
end

local function template_text(t)
  return kit.rev { up = t.up, down_body = t.down, doc = "fuzz " .. t.name }
end

-- One iteration's input: files (path -> text), args (after -u URL), and
-- whether -u is given.
local function make_input(r)
  local t = r:pick(TEMPLATES)
  local files = {}
  for p, text in pairs(kit.BASE) do files[p] = text end
  local bad = template_text(t)
  local config, args = nil, nil
  local what = {}
  local n = r:int(1, 3)
  for _ = 1, n do
    local target = r:int(1, 10)
    if target <= 6 then
      bad = mutate_text(r, bad, 1)
      what[#what + 1] = "revision"
    elseif target <= 8 then
      local keys = {}
      for _ = 1, r:int(1, 3) do keys[#keys + 1] = "  " .. r:pick(CONFIG_KEYS) .. "," end
      config = "return {\n" .. table.concat(keys, "\n") .. "\n}\n"
      if r:chance(0.3) then config = mutate_text(r, config, 1) end
      what[#what + 1] = "config"
    else
      args = {}
      for i, a in ipairs(r:pick(COMMANDS)) do args[i] = a end
      for _ = 1, r:int(1, 3) do table.insert(args, r:int(1, #args + 1), r:pick(ARGS)) end
      what[#what + 1] = "command line"
    end
  end
  files[kit.BAD] = bad
  if config then files["luamig.lua"] = config end
  args = args or { table.unpack(r:pick(COMMANDS)) }
  return { files = files, args = args, use_url = not r:chance(0.05), template = t.name,
    mutated = table.concat(what, ", ") }
end

---------------------------------------------------------------------------
-- Databases: one per backend at the base's head, checked before each use
-- and made again when an iteration left it changed.

local BACKENDS = {}
for _, b in ipairs(backends.all()) do
  if opt.backends:find(b.tag, 1, true) and b.available then BACKENDS[#BACKENDS + 1] = b end
end
assert(#BACKENDS > 0, "no backend available (for servers, run through spec/with-servers.sh)")

local RELEASE = abspath("bin/luamig")
local base_dir = mktemp("luamig-fuzz-base")
os.execute("mkdir -p " .. q(base_dir .. "/migrations/versions"))
for p, text in pairs(kit.BASE) do write(base_dir .. "/" .. p, text) end

local function run_release(dir, args)
  local cmd = { "cd " .. q(dir) .. " && env -u DATABASE_URL", q(RELEASE) }
  for _, a in ipairs(args) do cmd[#cmd + 1] = q(a) end
  cmd[#cmd + 1] = ">/dev/null 2>&1"
  local ok = os.execute(table.concat(cmd, " "))
  return ok
end

local state = {}
local function database(b)
  local s = state[b.tag]
  if s and s.fresh then return s end
  s = { url = b:new_database() }
  assert(run_release(base_dir, { "-u", s.url, "upgrade", "head" }), "cannot set up the base database")
  s.baseline = snapshot.take(b, s.url)
  if b.tag == "sqlite" then
    -- (not beside the database: the snapshot lists that directory)
    s.pristine = base_dir .. "/" .. b.tag .. ".db"
    os.execute("cp " .. q(s.url:match("^sqlite://(/.*)$")) .. " " .. q(s.pristine))
  end
  s.fresh = true
  state[b.tag] = s
  return s
end

---------------------------------------------------------------------------
-- Running and judging

local SAN_ENV = "ASAN_OPTIONS=detect_leaks=1:exitcode=99:abort_on_error=0 "
  .. "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99"

local function command_line(dir, url, input)
  local parts = { "cd " .. q(dir) .. " &&", "env -u DATABASE_URL", SAN_ENV,
    "timeout --foreground -s KILL " .. opt.timeout, q(BIN) }
  if input.use_url then parts[#parts + 1] = "-u " .. q(url) end
  for _, a in ipairs(input.args) do parts[#parts + 1] = q(a) end
  return table.concat(parts, " ")
end

local function run(dir, url, input)
  local out, err = os.tmpname(), os.tmpname()
  local started = sys.monotonic()
  local _, how, code = os.execute(command_line(dir, url, input) .. " </dev/null >" .. out .. " 2>" .. err)
  local elapsed = sys.monotonic() - started
  if how == "signal" then code = 128 + code end
  local r = { status = code, stdout = read(out), stderr = read(err), elapsed = elapsed }
  os.remove(out)
  os.remove(err)
  r.timed_out = code == 137 and elapsed >= opt.timeout - 1
  return r
end

local VERSION_KEY = { sqlite = "table luamig_version rows", postgres = "table public.luamig_version rows",
  mysql = "table luamig_version rows" }
local HISTORY_KEY = { sqlite = "table luamig_history rows", postgres = "table public.luamig_history rows",
  mysql = "table luamig_history rows" }

-- Outcomes of the history rows added since `before`, by id (strings in a
-- snapshot are %q-quoted, so a message cannot fake a row's start).
local function history_rows(snap, tag)
  local rows = {}
  for id, outcome in (snap[HISTORY_KEY[tag]] or ""):gmatch('%((%d+), "[^"]*", "[^"]*", "([^"]*)"') do
    rows[id] = outcome
  end
  return rows
end

local function new_history(before, after, tag)
  local old, out = history_rows(before, tag), {}
  for id, outcome in pairs(history_rows(after, tag)) do
    if not old[id] then out[#out + 1] = outcome end
  end
  return out
end

-- What the revision file really says about `transactional`: its top level
-- run in a sandbox (any global reads as a harmless function), with an
-- instruction limit.
local function declares_non_transactional(text)
  local env = setmetatable({}, { __index = function() return function() return {} end end })
  local chunk = load(text:gsub("^\239\187\191", ""), "=revision", "t", env)
  if not chunk then return false end
  local co = coroutine.create(chunk)
  debug.sethook(co, function() error("too long") end, "", 1e6)
  coroutine.resume(co)
  return rawget(env, "transactional") == false
end

-- May a failing step have left committed changes behind (recorded as failed)?
local function may_commit(input, tag)
  local text = input.files[kit.BAD] or ""
  return tag == "mysql" or declares_non_transactional(text) or text:find("op%.autocommit_block%(") ~= nil
end

-- Does the revision name luamig's own tables?
local function touches_bookkeeping(input)
  local text = input.files[kit.BAD] or ""
  return text:find("luamig_history", 1, true) ~= nil or text:find("luamig_version", 1, true) ~= nil
end

local INTERNAL = { "lua/luamig/", '[string "luamig.', "stack traceback" }

local function judge(b, input, r, before, after)
  local bad, notes = {}, {}
  local both = r.stdout .. r.stderr
  if r.timed_out then bad[#bad + 1] = "hang: no exit within " .. opt.timeout .. " s" end
  if both:find("Sanitizer", 1, true) or both:find("runtime error:", 1, true) then
    bad[#bad + 1] = "crash: sanitizer report"
  end
  if not r.timed_out and not ({ [0] = 1, [1] = 1, [2] = 1, [129] = 1, [130] = 1, [143] = 1 })[r.status] then
    bad[#bad + 1] = "crash: exit status " .. tostring(r.status)
  end
  local changed = snapshot.diff(before, after)
  local added = new_history(before, after, b.tag)
  if r.status ~= 0 and changed and not r.timed_out then
    local failed = false
    for _, o in ipairs(added) do if o == "failed" then failed = true end end
    if failed and may_commit(input, b.tag) then  -- luamig: the recorded state, as promised
    elseif may_commit(input, b.tag) and touches_bookkeeping(input) then
      -- docs/errors.md's exception: a revision that drops or rewrites
      -- luamig's own tables where that commits leaves them as it made them
      notes[#notes + 1] = "exception: the revision changed luamig's own tables (docs/errors.md)"
    else
      bad[#bad + 1] = "change: exit " .. tostring(r.status) .. " and the database changed:\n" .. changed
    end
  end
  if r.status == 0 and changed then
    local vkey = VERSION_KEY[b.tag]
    local version_changed = before[vkey] ~= after[vkey]
    local other = snapshot.diff(before, after, { ignore = function(k)
      return k == vkey or k == HISTORY_KEY[b.tag]
    end })
    if other and not version_changed then
      bad[#bad + 1] = "silent: exit 0, the schema or data changed, the version table did not:\n" .. other
    end
    for _, o in ipairs(added) do
      if o == "running" or o == "failed" then bad[#bad + 1] = "silent: exit 0 with a history row '" .. o .. "'" end
    end
  end
  local verbose = false  -- -v asks for the traceback, luamig's paths included
  for _, a in ipairs(input.args) do if a == "-v" or a == "--verbose" then verbose = true end end
  if r.status ~= 0 and not r.timed_out and not verbose then
    if not r.stderr:find("luamig: ", 1, true) then notes[#notes + 1] = "message: no \"luamig: \" line" end
    for _, p in ipairs(INTERNAL) do
      if both:find(p, 1, true) then notes[#notes + 1] = "message: names " .. p end
    end
  end
  return bad, notes, changed ~= nil
end

local function save(iteration, b, dir, s, input, r, bad)
  local where = string.format("%s/%d-%d-%s", OUT, opt.seed, iteration, b.tag)
  os.execute("rm -rf " .. q(where) .. " && mkdir -p " .. q(where) .. " && cp -a " .. q(dir) .. " " .. q(where .. "/project"))
  local args = {}
  for i, a in ipairs(input.args) do args[i] = q(a) end
  local url, setup
  if s.pristine then
    os.execute("cp " .. q(s.pristine) .. " " .. q(where .. "/before.db"))
    url, setup = "sqlite:../run.db", "cp ../before.db ../run.db && "
  else
    url, setup = "\"$URL\"", ""
  end
  write(where .. "/cmd.sh", "#!/bin/sh\n# seed " .. opt.seed .. ", iteration " .. iteration .. ", " .. b.tag
    .. (s.pristine and "" or ": URL names a new database at " .. kit.A3 .. " (luamig upgrade " .. kit.A3 .. ")")
    .. "\ncd \"$(dirname \"$0\")/project\" && " .. setup .. "${LUAMIG:-luamig} "
    .. (input.use_url and ("-u " .. url .. " ") or "") .. table.concat(args, " ") .. "\n")
  os.execute("chmod +x " .. q(where .. "/cmd.sh"))
  write(where .. "/result.txt", string.format("exit %s after %.2f s\n%s\n--- stdout\n%s\n--- stderr\n%s\n",
    tostring(r.status), r.elapsed, table.concat(bad, "\n"), r.stdout, r.stderr))
  return where
end

---------------------------------------------------------------------------
-- Main loop

io.stdout:write(string.format("fuzz: seed %d, %d iterations, %s, backends %s, timeout %d s\n", opt.seed,
  opt.only and 1 or opt.iterations, opt.bin, opt.backends, opt.timeout))
io.stdout:flush()

local stats = { runs = 0, failures = 0, notes = 0, by_status = {}, changed = 0, started = sys.monotonic(),
  kinds = {}, note_kinds = {} }
local first, last = 1, opt.iterations
if opt.only then first, last = opt.only, opt.only end
for iteration = first, last do
  local r = rand(opt.seed, iteration)
  local b = BACKENDS[(iteration - 1) % #BACKENDS + 1]
  local input = make_input(r)
  local s = database(b)
  local before = s.baseline
  local dir = mktemp("luamig-fuzz")
  for p, text in pairs(input.files) do
    os.execute("mkdir -p " .. q((dir .. "/" .. p):match("^(.*)/")))
    write(dir .. "/" .. p, (text:gsub("{url}", s.url)))
  end
  local res = run(dir, s.url, input)
  local after = snapshot.take(b, s.url)
  local bad, notes, changed = judge(b, input, res, before, after)
  if changed then s.fresh = false; stats.changed = stats.changed + 1 end
  stats.runs = stats.runs + 1
  stats.by_status[res.status] = (stats.by_status[res.status] or 0) + 1
  for _, n in ipairs(notes) do stats.note_kinds[n] = (stats.note_kinds[n] or 0) + 1 end
  if #notes > 0 then stats.notes = stats.notes + 1 end
  if #bad > 0 then
    stats.failures = stats.failures + 1
    for _, x in ipairs(bad) do
      local kind = x:match("^(%a+)")
      stats.kinds[kind] = (stats.kinds[kind] or 0) + 1
    end
    local where = save(iteration, b, dir, s, input, res, bad)
    io.stdout:write(string.format("FAIL seed %d iteration %d (%s; %s; %s): %s\n  saved in %s\n", opt.seed, iteration,
      b.tag, input.template, input.mutated, bad[1]:match("^[^\n]*"), where))
  elseif #notes > 0 and not notes[1]:find("^exception") then
    local where = save(iteration, b, dir, s, input, res, notes)
    io.stdout:write(string.format("NOTE seed %d iteration %d (%s): %s\n  saved in %s\n", opt.seed, iteration, b.tag,
      notes[1], where))
  elseif opt.verbose then
    io.stdout:write(string.format("ok   %d %s exit %s %.2fs %s\n", iteration, b.tag, tostring(res.status), res.elapsed,
      table.concat(input.args, " ")))
  end
  os.execute("rm -rf " .. q(dir))
  if iteration % 100 == 0 then
    io.stdout:write(string.format("... %d iterations, %d failing, %.1f runs/s\n", stats.runs, stats.failures,
      stats.runs / (sys.monotonic() - stats.started)))
  end
  io.stdout:flush()
end

local elapsed = sys.monotonic() - stats.started
local statuses = {}
for status, n in pairs(stats.by_status) do statuses[#statuses + 1] = string.format("%s: %d", tostring(status), n) end
table.sort(statuses)
local kinds = {}
for k, n in pairs(stats.kinds) do kinds[#kinds + 1] = k .. " " .. n end
table.sort(kinds)
io.stdout:write(string.format("fuzz: seed %d: %d runs in %.0f s (%.2f runs/s), %d failing (%s); exit statuses %s;"
  .. " %d changed the database\n", opt.seed, stats.runs, elapsed, stats.runs / elapsed, stats.failures,
  #kinds > 0 and table.concat(kinds, ", ") or "none", table.concat(statuses, ", "), stats.changed))
local notes = {}
for k, n in pairs(stats.note_kinds) do notes[#notes + 1] = string.format("%s (%d)", k, n) end
table.sort(notes)
if #notes > 0 then io.stdout:write("fuzz: message notes: " .. table.concat(notes, "; ") .. "\n") end
os.execute("rm -rf " .. q(base_dir))
snapshot.close()
backends.cleanup()
os.exit(stats.failures == 0 and 0 or 1)
