-- The bad-input corpus: every mistake a user can make ends in a clear error,
-- with the database as it was (docs/errors.md states the promise).
--
-- The cases are data, one file per category under spec/corpus/ (revision
-- files, errors inside upgrade(), config files, URLs, command lines, file
-- system oddities, cache damage, server errors, signals); this file is the
-- runner. Each case runs the real executable in a project of its own, on
-- each backend it names, and checks:
--   - the exit status;
--   - the message: one line on stderr starting "luamig: " (progress lines
--     aside; unless the case runs with -v), naming the culprit (the case's
--     `names`: the file and line, the argument, the key), with no
--     luamig-internal path (lua/luamig/..., a luamig module's `x.lua:NN:`,
--     `[string "luamig.`, a C source `x.c:NN`) and no traceback;
--   - nothing that must stay secret (`absent`: passwords) in any output;
--   - no crash (a sanitizer report, a status other than 0/1/2/130/143) and
--     no hang (every run has a timeout);
--   - the database (helpers/snapshot: schema, rows, version and history
--     tables; for SQLite the files beside it) and the project directory
--     identical before and after; or, where a step really ran statements
--     that cannot roll back (MySQL's DDL, `transactional = false`), the
--     recorded state: the version table unchanged, one new history row
--     `failed` for the revision, every table's data as before, and a
--     recovery message listing exactly the statements that ran, in order.
-- A case that must succeed (a BOM, CRLF, a file to ignore) gives status 0
-- and the version rows expected after, or nothing changed.
--
-- Adding a case is a few lines in the category's file; the fields are
-- described in spec/corpus/README.md. Cases that share the base state (the
-- three base revisions applied) share one database per backend, which is
-- made again whenever a case left it changed; a case with `setup` or
-- `fresh` gets a database of its own.
local h = require("helpers.luamig")
local backends = require("helpers.backends")
local snapshot = require("helpers.snapshot")
local kit = require("corpus.kit")

local CATEGORIES = { "revisions", "upgrade", "config", "urls", "cli", "files", "cache", "server", "signals" }
local TIMEOUT = tonumber(os.getenv("LUAMIG_CORPUS_TIMEOUT") or "") or 60

-- Only some categories or cases: LUAMIG_CORPUS_ONLY=category[,category]
-- and LUAMIG_CORPUS_MATCH=substring of a case name (for working on cases).
local only, match = {}, os.getenv("LUAMIG_CORPUS_MATCH")
for c in (os.getenv("LUAMIG_CORPUS_ONLY") or ""):gmatch("[^,]+") do only[c] = true end

---------------------------------------------------------------------------
-- Running luamig

local q = h.shell_quote

-- luamig's own module names, for spotting `context.lua:128:` in a message.
local MODULES = {}
do
  local p = io.popen("find lua/luamig -name '*.lua' -printf '%f\\n'")
  for name in p:lines() do MODULES[#MODULES + 1] = name:sub(1, -5) end
  p:close()
  assert(#MODULES > 20, "run the corpus from the repository's root")
end

local function run(ctx, args, env, opts)
  opts = opts or {}
  local out, err = os.tmpname(), os.tmpname()
  local parts = { "cd " .. q(ctx.dir) .. " && exec env -u DATABASE_URL" }
  for k, v in pairs(env or {}) do parts[#parts + 1] = k .. "=" .. q(v) end
  if opts.as then parts[#parts + 1] = "runuser -u " .. opts.as .. " --" end
  -- --foreground: timeout signals luamig alone, never its own process group
  local limit = opts.timeout or TIMEOUT
  parts[#parts + 1] = "timeout --foreground -s KILL " .. limit .. " " .. q(h.bin)
  for _, a in ipairs(args) do parts[#parts + 1] = q(a) end
  parts[#parts + 1] = "</dev/null >" .. out .. " 2>" .. err
  local started = os.time()
  local _, how, code = os.execute(table.concat(parts, " "))
  if how == "signal" then code = 128 + code end
  local r = { status = code, stdout = h.read_file(out), stderr = h.read_file(err),
    timed_out = code == 137 and os.time() - started >= limit - 1 }
  os.remove(out)
  os.remove(err)
  return r
end

-- Run in the background, wait until stderr shows `mark`, send `signal`.
local function run_signalled(ctx, args, env, sig)
  local words = {}
  for _, a in ipairs(args) do words[#words + 1] = q(a) end
  local vars = {}
  for k, v in pairs(env or {}) do vars[#vars + 1] = k .. "=" .. q(v) end
  local script = table.concat({
    "set -m", -- a job of its own: a background job of a plain script ignores SIGINT
    "cd " .. q(ctx.dir),
    "env -u DATABASE_URL " .. table.concat(vars, " ") .. " timeout --foreground -s KILL " .. TIMEOUT .. " " .. q(h.bin) .. " "
      .. table.concat(words, " ") .. " </dev/null >sig.out 2>sig.err & pid=$!",
    "for i in $(seq 1 600); do grep -q " .. q(sig.mark) .. " sig.err 2>/dev/null && break; sleep 0.05; done",
    "sleep " .. (sig.delay or "0.3"),
    -- timeout(1) passes the signal on to luamig (alone, with --foreground)
    "kill -" .. sig.signal .. " $pid",
    "wait $pid; echo $? > sig.status",
  }, "\n")
  os.execute("bash -c " .. q(script) .. " 2>/dev/null")
  local r = { status = tonumber(h.read_file(ctx.dir .. "/sig.status")), stdout = h.read_file(ctx.dir .. "/sig.out"),
    stderr = h.read_file(ctx.dir .. "/sig.err") }
  for _, f in ipairs { "sig.status", "sig.out", "sig.err" } do os.remove(ctx.dir .. "/" .. f) end
  return r
end

---------------------------------------------------------------------------
-- Checking one run

local lines = h.lines

local function internal_paths(text)
  local found = {}
  for _, plain in ipairs { "lua/luamig/", '[string "luamig.', "stack traceback" } do
    if text:find(plain, 1, true) then found[#found + 1] = plain end
  end
  for _, m in ipairs(MODULES) do
    local at = text:match("%f[%w_]" .. m:gsub("%p", "%%%0") .. "%.lua:%d+")
    if at then found[#found + 1] = at end
  end
  local c = text:match("%f[%w_][%w_]+%.c:%d+")
  if c then found[#found + 1] = c end
  return found
end

local function status_ok(want, got, tag)
  if type(want) == "table" and want[tag] ~= nil then want = want[tag] end
  if type(want) == "number" then return want == got end
  for _, s in ipairs(want) do if s == got then return true end end
  return false
end

local function status_text(want, tag)
  if type(want) == "table" and want[tag] ~= nil then want = want[tag] end
  if type(want) == "number" then return tostring(want) end
  return table.concat(want, " or ")
end

local function subst(s, ctx)
  return (s:gsub("{(%w+)}", function(k) return ctx.vars[k] end))
end

-- `@needle`: the case file's name and the line that holds needle.
local function resolve_name(ctx, name)
  if name:sub(1, 1) ~= "@" then return name end
  local needle = name:sub(2)
  local file = ctx.case.culprit or kit.BAD
  local text = ctx.files[file]
  assert(text, ctx.case.name .. ": no file " .. file .. " for " .. name)
  local n = 0
  for l in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    if l:find(needle, 1, true) then return file:match("[^/]*$") .. ":" .. n end
  end
  error(ctx.case.name .. ": " .. needle .. " is in no line of " .. file)
end

-- The recovery message of a step recorded as failed lists exactly `ran`.
local function check_recovery(problems, stderr, ran, prev)
  local all = lines(stderr)
  local i = 1
  -- "... stay applied, in this order:" (or "may be committed, in this
  -- order:" when a statement ended the transaction)
  while all[i] and not all[i]:find(", in this order:$") do i = i + 1 end
  if not all[i] then
    problems[#problems + 1] = "no list of the statements that ran (\"..., in this order:\")"
    return
  end
  local listed = {}
  i = i + 1
  while all[i] and all[i]:sub(1, 2) == "  " do listed[#listed + 1] = all[i]:sub(3); i = i + 1 end
  local want = table.concat(ran, "\n")
  if table.concat(listed, "\n") ~= want then
    problems[#problems + 1] = "the statements listed as run are\n      " .. table.concat(listed, "\n      ")
      .. "\n    expected exactly\n      " .. table.concat(ran, "\n      ")
  end
  if prev and not stderr:find("luamig stamp " .. prev, 1, true) then
    problems[#problems + 1] = "the recovery message does not say 'luamig stamp " .. prev .. "'"
  end
end

local function rows_of(snap, key)
  return snap[key]
end

-- The recorded state of a step that ran statements and failed: versions as
-- before, one new history row `failed` for the revision, data kept.
local function check_recorded(problems, ctx, before, after)
  local b = ctx.b
  local vkey = b.tag == "postgres" and "table public.luamig_version rows" or "table luamig_version rows"
  local hkey = b.tag == "postgres" and "table public.luamig_history rows" or "table luamig_history rows"
  if before[vkey] ~= after[vkey] then
    problems[#problems + 1] = "the version table changed: " .. tostring(before[vkey]) .. " -> " .. tostring(after[vkey])
  end
  local new = ctx.history_after_count - ctx.history_before_count
  if new ~= 1 or not ctx.last_history or ctx.last_history.outcome ~= "failed"
    or ctx.last_history.revision ~= (ctx.case.revision or kit.B) then
    problems[#problems + 1] = string.format("expected one new history row 'failed' for %s; %d new, the last: %s",
      ctx.case.revision or kit.B, new, ctx.last_history and (ctx.last_history.revision .. " "
      .. ctx.last_history.outcome) or "none")
  end
  for k, v in pairs(before) do
    if not ctx.case.data_changed and k:match(" rows$") and k ~= hkey and after[k] ~= v and after[k] ~= nil then
      problems[#problems + 1] = "the data of " .. k .. " changed"
    end
  end
end

local function history_info(ctx)
  return ctx.b:with(ctx.url, function(conn)
    local n = conn:first("SELECT COUNT(*) AS n FROM luamig_history")
    local last = conn:first("SELECT revision, outcome FROM luamig_history ORDER BY id DESC LIMIT 1")
    return n and tonumber(n.n) or 0, last
  end)
end

local function recorded_applies(case, tag)
  if not case.ran then return false end
  if case.ran_on == "all" then return true end
  return tag == (case.ran_on or "mysql")
end

local function check_run(ctx, r, before, after, files_before, files_after, extra)
  local case, tag = ctx.case, ctx.b.tag
  local problems = {}
  local function problem(s) problems[#problems + 1] = s end
  local both = r.stdout .. r.stderr
  if r.timed_out then problem("timed out after " .. (case.timeout or TIMEOUT) .. " s (a hang)") end
  if both:find("Sanitizer", 1, true) or both:find("runtime error:", 1, true) then
    problem("sanitizer report")
  end
  local crashed = not r.timed_out and r.status ~= nil and r.status > 2 and r.status ~= 130 and r.status ~= 143
    and not status_ok(case.status, r.status, tag)
  if crashed then problem("crashed or killed: exit status " .. tostring(r.status)) end
  if not status_ok(case.status, r.status, tag) then
    problem(string.format("exit status %s, expected %s", tostring(r.status), status_text(case.status, tag)))
  end
  local recorded = recorded_applies(case, tag)
  local err_lines = {}
  for _, l in ipairs(lines(r.stderr)) do
    local skip = l:match("^Running ") or l:match("^Waiting for the migration lock") or l:match("^Accepted ")
      or l:match("^Stamped ")
    for _, p in ipairs(case.lines or {}) do if l:match(p) then skip = true end end
    if not skip then err_lines[#err_lines + 1] = l end
  end
  local failing = r.status ~= 0
  local message = err_lines[1] or ""
  if failing then
    if not message:match("^luamig: ") then
      problem("the message does not start with \"luamig: \": " .. message)
    end
    if not case.verbose and not recorded and #err_lines ~= 1 then
      problem(string.format("%d lines on stderr, expected one", #err_lines))
    end
    local where = (case.verbose or recorded) and r.stderr or message
    for _, name in ipairs(case.names or {}) do
      local want = resolve_name(ctx, subst(name, ctx))
      if not where:find(want, 1, true) then problem("the message does not name " .. want) end
    end
  end
  if not case.verbose then
    local found = internal_paths(both)
    if #found > 0 then problem("names luamig's own source: " .. table.concat(found, ", ")) end
  end
  for _, secret in ipairs(case.absent or {}) do
    secret = subst(secret, ctx)
    if both:find(secret, 1, true) then problem("prints " .. string.format("%q", secret)) end
  end
  if case.check then
    local p = case.check(ctx, r)
    if p then problem(p) end
  end
  -- the database
  if r.status == 0 and case.versions then
    local got = ctx.b:versions(ctx.url)
    if table.concat(got, " ") ~= table.concat(case.versions, " ") then
      problem("version table " .. table.concat(got, " ") .. ", expected " .. table.concat(case.versions, " "))
    end
  elseif recorded and failing then
    check_recorded(problems, ctx, before, after)
    check_recovery(problems, r.stderr, case.ran, case.prev or kit.A3)
  else
    local d = snapshot.diff(before, after)
    if d then problem("the database changed:\n" .. d) end
  end
  for _, e in ipairs(extra or {}) do
    local d = snapshot.diff(e.before, e.after)
    if d then problem(e.what .. " changed:\n" .. d) end
  end
  local fd = snapshot.diff(files_before, files_after)
  if fd then problem("the project's files changed:\n" .. fd) end
  return problems
end

---------------------------------------------------------------------------
-- Projects and databases


local function expand(v, ctx)
  if type(v) == "function" then v = v(ctx) end
  if type(v) == "string" then return subst(v, ctx) end
  return v
end

local function write_project(ctx)
  local case = ctx.case
  local files = {}
  local base = case.base == nil and kit.BASE or case.base or {}
  for p, t in pairs(base) do files[p] = t end
  for p, t in pairs(case.files or {}) do files[p] = t or nil end
  ctx.files = {}
  local dir = h.tmpdir()
  ctx.dir, ctx.vars.dir = dir, dir
  local dirs, seen = {}, {}
  if case.versions_dir ~= false then dirs[1] = q(dir .. "/migrations/versions") end
  for path, text in pairs(files) do
    ctx.files[path] = expand(text, ctx)
    local sub = path:match("^(.*)/[^/]*$")
    if sub and not seen[sub] then seen[sub] = true; dirs[#dirs + 1] = q(dir .. "/" .. sub) end
  end
  os.execute("mkdir -p " .. table.concat(dirs, " "))
  for path, text in pairs(ctx.files) do h.write_file(dir .. "/" .. path, text) end
end

local function setup_database(ctx, commands)
  for _, args in ipairs(commands) do
    local r = run(ctx, h.with_url(ctx.url, args))
    assert(r.status == 0, ctx.case.name .. ": setup `" .. table.concat(args, " ") .. "` failed: " .. r.stderr)
  end
end

-- Databases shared by the cases that start from the same state, by backend
-- and `share` key: "base" (the base project applied), or a case's own key
-- (its `project` and `setup`). A case that leaves one changed drops it.
local shared = {}

local function shared_database(b, ctx)
  local case = ctx.case
  local key = b.tag .. ":" .. (case.share or "base")
  if shared[key] then return shared[key] end
  local s = { url = b:new_database() }
  local sctx = { b = b, case = { name = "shared database " .. key }, vars = {}, url = s.url }
  if case.share then sctx.dir = ctx.dir else write_project(sctx) end
  setup_database(sctx, case.share and case.setup or { { "upgrade", "head" } })
  s.baseline = snapshot.take(b, s.url)
  shared[key] = s
  return s
end

-- The cache is luamig's to rewrite; a SQLite lock file is documented to stay.
local function files_skip(rel)
  return rel:find("migrations/versions/.luamig_cache", 1, true) == 1 or rel:match("%-luamig%-lock$") ~= nil
end

local function set_url(ctx, url)
  ctx.url, ctx.vars.url = url, url
  if ctx.b.tag == "sqlite" then
    ctx.dbpath = assert(url:match("^sqlite://(/.*)$"))
    ctx.dbdir = ctx.dbpath:match("^(.*)/")
    ctx.vars.dbpath, ctx.vars.dbdir = ctx.dbpath, ctx.dbdir
  end
end

local can_switch_user
local function run_case(b, case)
  if case.as then
    -- permissions do not bind root, and only root can run luamig as another user
    if can_switch_user == nil then
      can_switch_user = os.execute("[ $(id -u) -eq 0 ] && id -u " .. case.as .. " >/dev/null 2>&1"
        .. " && command -v runuser >/dev/null") == true
    end
    if not can_switch_user then return pending("needs root and runuser to run luamig as " .. case.as) end
  end
  local ctx = { b = b, case = case, vars = {} }
  local own = case.fresh or (case.setup and not case.share)
  ctx.vars.admin = b.admin_url or ""
  if case.vars then for k, v in pairs(case.vars(ctx)) do ctx.vars[k] = v end end
  if own then set_url(ctx, b:new_database())
  elseif not case.share then set_url(ctx, shared_database(b, ctx).url) end
  if case.project then ctx.dir, ctx.files = case.project(ctx)
  else write_project(ctx) end
  if case.share then set_url(ctx, shared_database(b, ctx).url) end
  if own then setup_database(ctx, case.setup or { { "upgrade", "head" } }) end
  if case.prepare then case.prepare(ctx) end
  local args = {}
  for i, a in ipairs(case.args) do args[i] = expand(a, ctx) end
  if case.url ~= false then args = h.with_url(ctx.url, args) end
  local env = {}
  for k, v in pairs(case.env or {}) do env[k] = expand(v, ctx) end
  -- A shared database is at its baseline (a case that changed it made it
  -- be set up again); a database of the case's own is looked at now.
  local key = b.tag .. ":" .. (case.share or "base")
  local before = (not own and not case.prepare) and shared[key].baseline or snapshot.take(b, ctx.url)
  local files_before = snapshot.files(ctx.dir, files_skip)
  local extra = {}
  if case.also_admin and b.admin_url then
    extra[1] = { what = "the server's default database (" .. b.admin_url:match("/([^/?]*)$") .. ")",
      before = snapshot.take(b, b.admin_url, { databases = true }) }
  end
  if recorded_applies(case, b.tag) then ctx.history_before_count = history_info(ctx) end
  local r
  if case.signal then r = run_signalled(ctx, args, env, case.signal)
  else r = run(ctx, args, env, { as = case.as, timeout = case.timeout }) end
  if case.cleanup then case.cleanup(ctx) end
  local after = snapshot.take(b, ctx.url)
  local files_after = snapshot.files(ctx.dir, files_skip)
  for _, e in ipairs(extra) do e.after = snapshot.take(b, b.admin_url, { databases = true }) end
  if recorded_applies(case, b.tag) then
    ctx.history_after_count, ctx.last_history = history_info(ctx)
  end
  local problems = check_run(ctx, r, before, after, files_before, files_after, extra)
  if not own and shared[key] and snapshot.diff(shared[key].baseline, after) then shared[key] = nil end
  if #problems > 0 then
    error(string.format("%s [%s]: luamig %s\n  %s\n  exit %s; stderr:\n%s", case.name, b.tag,
      table.concat(args, " "):gsub(ctx.url:gsub("%p", "%%%0"), "URL"), table.concat(problems, "\n  "),
      tostring(r.status), r.stderr:gsub("[^\n]+", "    | %0")), 0)
  end
end

---------------------------------------------------------------------------
-- The snapshot helper itself: each kind of change is seen.

backends.each("the corpus's snapshot helper", function(b)
  teardown(function()
    snapshot.close()
    h.cleanup()
    backends.cleanup()
  end)

  local changes = {
    { "a row", "UPDATE users SET name = 'eve' WHERE id = 2", "table .*users rows" },
    { "a new row", "INSERT INTO users (id, name, email) VALUES (3, 'cy', 'cy@x')", "table .*users rows" },
    { "a column", "ALTER TABLE posts ADD COLUMN extra INTEGER", "table .*posts column extra" },
    { "an index", "CREATE INDEX ix_extra ON posts (title)", "index .*ix_extra" },
    { "a dropped index", "DROP INDEX ix_users_name" .. (b.tag == "mysql" and " ON users" or ""),
      "index .*ix_users_name" },
    { "a view", "DROP VIEW v_posts", "view .*v_posts" },
    { "a history row", "DELETE FROM luamig_history WHERE revision = '" .. kit.A1 .. "'",
      "table .*luamig_history rows" },
    { "the version row", "UPDATE luamig_version SET version_num = '" .. kit.A2 .. "'",
      "table .*luamig_version rows" },
    { "a default", b.tag == "sqlite" and "CREATE TABLE t_default (a INTEGER DEFAULT 1)"
      or b.tag == "postgres" and "ALTER TABLE posts ALTER COLUMN title SET DEFAULT 'x'"
      or "ALTER TABLE posts ALTER COLUMN title SET DEFAULT 'x'", b.tag == "sqlite" and "t_default"
      or "table .*posts column title" },
    { "nullability", b.tag == "sqlite" and "CREATE TABLE t_null (a INTEGER NOT NULL)"
      or b.tag == "postgres" and "ALTER TABLE posts ALTER COLUMN title DROP NOT NULL"
      or "ALTER TABLE posts MODIFY title VARCHAR(200) NULL DEFAULT 'untitled'", b.tag == "sqlite" and "t_null"
      or "table .*posts column title" },
    { "a trigger", b.tag == "postgres"
      and "CREATE FUNCTION f_t() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
      or b.tag == "sqlite" and "CREATE TRIGGER tr_x AFTER INSERT ON users BEGIN SELECT 1; END"
      or "CREATE TRIGGER tr_x BEFORE INSERT ON users FOR EACH ROW SET NEW.name = NEW.name",
      b.tag == "postgres" and "routine .*f_t" or "trigger .*tr_x" },
  }
  -- One database; each change is compared with the state before it.
  local url
  for _, c in ipairs(changes) do
    it("sees " .. c[1], function()
      if not url then
        url = b:new_database()
        local ctx = { b = b, case = { name = "helper" }, vars = {} }
        write_project(ctx)
        ctx.url = url
        setup_database(ctx, { { "upgrade", "head" } })
      end
      local before = snapshot.take(b, url)
      assert.is_nil(snapshot.diff(before, snapshot.take(b, url)), "two snapshots of one state differ")
      b:with(url, function(conn) assert(conn:execute(c[2])) end)
      local after = snapshot.take(b, url)
      local d = snapshot.diff(before, after)
      assert.is_not_nil(d, c[1] .. " was not seen")
      local keys = snapshot.changed_keys(before, after)
      local hit = false
      for _, k in ipairs(keys) do if k:match(c[3]) then hit = true end end
      assert.is_true(hit, table.concat(keys, "; "))
    end)
  end

  if b.tag == "sqlite" then
    it("sees a new file beside the database, but not the lock file", function()
      local url = b:new_database()
      local path = url:match("^sqlite://(/.*)$")
      h.write_file(path, "")
      local before = snapshot.take(b, url)
      h.write_file(path .. "-luamig-lock", "owner")
      assert.is_nil(snapshot.diff(before, snapshot.take(b, url)))
      h.write_file(path .. "-journal", "")
      assert.matches("file .*%-journal", snapshot.diff(before, snapshot.take(b, url)))
    end)
  end
end)

---------------------------------------------------------------------------
-- The corpus

-- LUAMIG_CORPUS_TIMES=FILE: each case's wall time, to find the slow ones.
local times = os.getenv("LUAMIG_CORPUS_TIMES") and assert(io.open(os.getenv("LUAMIG_CORPUS_TIMES"), "w"))
local sys = require("luamig.sys")
local clock = sys.monotonic

local total = 0
for _, category in ipairs(CATEGORIES) do
  local cases = require("corpus." .. category)(kit)
  for _, b in ipairs(backends.all()) do
    if not next(only) or only[category] then
      describe("corpus: " .. category .. " on " .. b.name .. " #" .. b.tag .. " #corpus", function()
        if not b.available then
          return it("runs on " .. b.name, function() pending(b.skip_message) end)
        end
        teardown(function()
          for key in pairs(shared) do
            if key:sub(1, #b.tag + 1) == b.tag .. ":" then shared[key] = nil end
          end
          snapshot.close()
          h.cleanup()
          backends.cleanup()
        end)
        for _, case in ipairs(cases) do
          local on = case.on or { "sqlite", "postgres", "mysql" }
          local here = false
          for _, t in ipairs(on) do if t == b.tag then here = true end end
          if here and (not match or case.name:find(match, 1, true)) then
            total = total + 1
            it(case.name, function()
              local started = clock()
              local ok, err = pcall(run_case, b, case)
              if times then
                times:write(string.format("%.3f\t%s\t%s\t%s\n", clock() - started, category, b.tag, case.name))
                times:flush()
              end
              if not ok then error(err, 0) end
            end)
          end
        end
      end)
    end
  end
end
