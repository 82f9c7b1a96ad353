-- The CI recipes of docs/ci.md, the composite action and the pre-commit
-- hooks, checked for real: their YAML is read by /usr/bin/python3's yaml
-- (Debian's python3-yaml), the hook entries run as pre-commit runs them
-- on scratch projects, and the shell steps of the GitHub and GitLab jobs
-- that use luamig run against the servers of spec/with-servers.sh
-- (SQLite alone without them), with `luamig` on PATH as an installed one
-- is. A recipe that stops working fails here.
local h = require("helpers.luamig")

local q = h.shell_quote
local REPO = os.getenv("PWD")
local PYTHON = "/usr/bin/python3"

-- Python that loads YAML (the file named by argv[1]) and prints it as a
-- Lua expression; YAML's null is NULL, strings are bytes in escapes.
local YAML_TO_LUA = [=[
import sys, yaml
def s(b):
    return '"' + ''.join(chr(c) if (chr(c).isalnum() or chr(c) in ' _-.:/') else '\\%03d' % c
                         for c in b.encode('utf-8')) + '"'
def lua(v):
    if v is None: return 'NULL'
    if isinstance(v, bool): return 'true' if v else 'false'
    if isinstance(v, (int, float)): return repr(v)
    if isinstance(v, str): return s(v)
    if isinstance(v, list): return '{' + ', '.join(lua(x) for x in v) + '}'
    if isinstance(v, dict): return '{' + ', '.join('[' + lua(k) + '] = ' + lua(x) for k, x in v.items()) + '}'
    return s(str(v))
print('return ' + lua(yaml.safe_load(open(sys.argv[1], encoding='utf-8'))))
]=]

local NULL = setmetatable({}, { __tostring = function() return "NULL" end })

local function yaml_available()
  return os.execute(PYTHON .. " -c 'import yaml' 2>/dev/null") == true
end

-- The YAML text `text` as a Lua value (what yaml.safe_load makes of it).
local function load_yaml(text, what)
  local dir = h.tmpdir()
  h.write_file(dir .. "/in.yaml", text)
  h.write_file(dir .. "/to_lua.py", YAML_TO_LUA)
  local r = h.sh(PYTHON .. " " .. q(dir .. "/to_lua.py") .. " " .. q(dir .. "/in.yaml"))
  assert(r.status == 0, what .. " is not valid YAML: " .. r.stderr)
  return assert(load(r.stdout, what, "t", { NULL = NULL }))()
end

local function load_yaml_file(path)
  return load_yaml(h.read_file(REPO .. "/" .. path), path)
end

-- The ```yaml blocks of docs/ci.md, by their first line (a comment naming the file).
local function doc_blocks()
  local doc = h.read_file(REPO .. "/docs/ci.md")
  local blocks = {}
  for body in doc:gmatch("```yaml\n(.-)```") do
    blocks[body:match("^([^\n]*)")] = body
  end
  return blocks, doc
end

local GITHUB = "# .github/workflows/migrations.yml"
local GITHUB_ACTION = "# .github/workflows/migrations.yml, with the action"
local GITLAB = "# .gitlab-ci.yml"
local PRECOMMIT = "# .pre-commit-config.yaml"

-- A directory holding `luamig` (a link to the binary under test), for PATH.
local bindir
local function path_env()
  if not bindir then
    -- Not h.tmpdir(): that is removed after each test.
    local p = io.popen("mktemp -d " .. q((os.getenv("TMPDIR") or "/tmp") .. "/luamig-ci-bin.XXXXXX"))
    bindir = p:read("l")
    p:close()
    assert(os.execute("ln -s " .. q(h.bin) .. " " .. q(bindir .. "/luamig")))
  end
  return bindir .. ":" .. os.getenv("PATH")
end

-- Run the shell script `script` in dir as a CI runner does (bash, -e,
-- pipefail), with env (a table) over a clean environment.
local function run_script(dir, script, env, shell)
  local file = dir .. "/.ci-step.sh"
  h.write_file(file, script)
  local parts = { "cd " .. q(dir) .. " && env -i HOME=" .. q(os.getenv("HOME") or "/root"),
    "PATH=" .. q(path_env()), "LANG=C.UTF-8" }
  for k, v in pairs(env or {}) do parts[#parts + 1] = k .. "=" .. q(v) end
  parts[#parts + 1] = (shell or "bash --noprofile --norc -eo pipefail") .. " " .. q(file)
  local r = h.sh(table.concat(parts, " "))
  os.remove(file)
  return r
end

local REV1 = h.revision_text("1a2b3c4d5e6f", {
  doc = "create links",
  up = '  op.create_table("links", Column("id", Integer, { primary_key = true }),\n'
    .. '    Column("short_code", String(16), { nullable = false }))\n'
    .. '  op.create_index("ix_links_short_code", "links", { "short_code" }, { unique = true })',
  down_body = '  op.drop_index("ix_links_short_code", "links")\n  op.drop_table("links")',
})
local REV2 = h.revision_text("2b3c4d5e6f70", {
  down = "1a2b3c4d5e6f",
  doc = "create clicks",
  up = '  op.create_table("clicks", Column("id", Integer, { primary_key = true }),\n'
    .. '    Column("link_id", Integer, { nullable = false, references = "links.id" }))',
  down_body = '  op.drop_table("clicks")',
})
local MODELS = [[
Table("links",
  Column("id", Integer, { primary_key = true }),
  Column("short_code", String(16), { nullable = false }),
  Index("ix_links_short_code", "short_code", { unique = true }))
Table("clicks",
  Column("id", Integer, { primary_key = true }),
  Column("link_id", Integer, { nullable = false, references = "links.id" }))
]]
local REV1_FILE = "migrations/versions/1a2b3c4d5e6f_create_links.lua"
local REV2_FILE = "migrations/versions/2b3c4d5e6f70_create_clicks.lua"

-- A project as `luamig init` makes it (luamig.lua, .luacheckrc, the spec),
-- with two revisions in a line and models that match them.
local function good_project()
  local dir = h.tmpdir()
  h.run_ok(dir, { "init" })
  h.write_file(dir .. "/" .. REV1_FILE, REV1)
  h.write_file(dir .. "/" .. REV2_FILE, REV2)
  h.write_file(dir .. "/migrations/models.lua", MODELS)
  return dir
end

-- The same as a git repository whose origin/main has the first revision
-- only, HEAD the second too (a pull request adding it).
local function git_project()
  local dir = good_project()
  local git = "GIT_CEILING_DIRECTORIES=" .. q(dir:match("^(.*)/")) .. " git -C " .. q(dir)
    .. " -c user.name=ci -c user.email=ci@example.invalid -c init.defaultBranch=main"
  local r = h.sh(table.concat({
    "mv " .. q(dir .. "/" .. REV2_FILE) .. " " .. q(dir .. "/rev2.tmp"),
    git .. " init -q",
    git .. " add -A",
    git .. " commit -qm base",
    git .. " update-ref refs/remotes/origin/main HEAD",
    "mv " .. q(dir .. "/rev2.tmp") .. " " .. q(dir .. "/" .. REV2_FILE),
    git .. " add -A",
    git .. " commit -qm clicks",
  }, " && "))
  assert(r.status == 0, r.stderr)
  return dir
end

-- The words after `luamig` (and its global options) in a shell text: the
-- command names the recipes use.
local function luamig_commands(text)
  local out = {}
  for before, rest in text:gmatch("(.?)luamig([^\n|&;)]*)") do
    local cmd
    for w in rest:gmatch("%S+") do
      if w:match("^%a[%w-]*$") then cmd = w break end
      if not w:match("^%-") then break end
    end
    -- `luamig` itself: not `.luamig`, `your-org/luamig`, `luamig-lint`.
    if cmd and not before:match("[%w_./-]") and not rest:match("^[%w_.-]") then out[cmd] = true end
  end
  return out
end

-- The steps of a GitHub job that the spec runs: those with a `run:` that
-- calls luamig, but for the one that builds it.
local function luamig_steps(job)
  local steps = {}
  for _, step in ipairs(job.steps) do
    if step.run and step.run:match("luamig ") and not step.run:match("make %-C") then
      steps[#steps + 1] = step
    end
  end
  return steps
end

describe("CI recipes #sqlite", function()
  if not yaml_available() then
    it("need python3-yaml", function()
      error("/usr/bin/python3 cannot import yaml: apt-get install python3-yaml (setup.sh's test packages)")
    end)
    return
  end

  after_each(h.cleanup)
  teardown(function()
    if bindir then os.execute("rm -rf " .. q(bindir)) end
    bindir = nil
  end)

  describe("docs/ci.md", function()
    it("has YAML blocks that parse, for GitHub, the action, GitLab and pre-commit", function()
      local blocks = doc_blocks()
      for _, name in ipairs { GITHUB, GITHUB_ACTION, GITLAB, PRECOMMIT } do
        assert(blocks[name], "docs/ci.md has no yaml block starting " .. name)
      end
      for name, body in pairs(blocks) do load_yaml(body, name) end
    end)

    it("uses only luamig commands that exist", function()
      local _, doc = doc_blocks()
      -- The code of the page: fenced blocks, then `spans` of the prose.
      local code = {}
      local prose = doc:gsub("```[^\n]*\n(.-)```", function(body) code[#code + 1] = body return "" end)
      for span in prose:gmatch("`([^`]+)`") do code[#code + 1] = span end
      local seen = 0
      for cmd in pairs(luamig_commands(table.concat(code, "\n"))) do
        local r = h.run(REPO, { cmd, "--help" })
        assert(r.status == 0, "docs/ci.md uses 'luamig " .. cmd .. "', which luamig does not know: " .. r.stderr)
        seen = seen + 1
      end
      assert(seen >= 10, "found only " .. seen .. " luamig commands in docs/ci.md")
    end)

    it("has a GitHub job with postgres and mariadb services and every check", function()
      local wf = load_yaml(doc_blocks()[GITHUB], "github workflow")
      assert(wf[true] or wf.on, "no on:")  -- YAML 1.1 reads the key `on` as true
      local job = assert(wf.jobs.migrations, "no job migrations")
      assert.equal("string", type(job["runs-on"]))
      local images = {}
      for _, m in ipairs(job.strategy.matrix.include) do images[#images + 1] = m.image end
      assert.same({ "postgres:16", "mariadb:11" }, images)
      assert.equal("${{ matrix.image }}", job.services.db.image)
      assert.equal("${{ matrix.url }}", job.env.DATABASE_URL)
      local runs = {}
      for _, step in ipairs(job.steps) do
        assert(step.uses or step.run, "a step with neither uses nor run")
        runs[#runs + 1] = step.run or ""
      end
      local all = table.concat(runs, "\n")
      for _, needed in ipairs { "make %-C %.luamig install", "luamig wait", "luamig create %-%-if%-not%-exists",
        "luamig upgrade head", "luamig check", "luamig verify", "luamig current %-%-check%-heads",
        "luamig test %-u", "luamig upgrade %-%-sql", "luamig %-q heads" } do
        assert(all:match(needed), "the GitHub job has no step running " .. needed)
      end
    end)

    it("has GitLab jobs with postgres and mariadb services", function()
      local ci = load_yaml(doc_blocks()[GITLAB], "gitlab-ci")
      assert.same({ "lint", "migrate" }, ci.stages)
      assert(ci[".luamig"].before_script, "no before_script building luamig")
      for _, name in ipairs { "lint", "migrate:postgresql", "migrate:mariadb" } do
        local job = assert(ci[name], "no job " .. name)
        assert.equal(".luamig", job.extends)
        assert(#job.script > 0)
      end
      assert.equal("postgres:16", ci["migrate:postgresql"].services[1].name)
      assert.equal("mariadb:11", ci["migrate:mariadb"].services[1].name)
      assert.same(ci["migrate:postgresql"].script, ci["migrate:mariadb"].script)
    end)

    it("refuses two heads in the GitHub and GitLab steps", function()
      local dir = good_project()
      h.write_file(dir .. "/migrations/versions/3c4d5e6f7081_other.lua",
        h.table_revision("3c4d5e6f7081", "1a2b3c4d5e6f", "other"))
      local job = load_yaml(doc_blocks()[GITHUB], "github workflow").jobs.migrations
      local r = run_script(dir, luamig_steps(job)[1].run, {})
      assert.equal(1, r.status)
      assert.matches("::error::multiple heads", r.stdout)
      local lint = load_yaml(doc_blocks()[GITLAB], "gitlab-ci").lint
      r = run_script(dir, table.concat(lint.script, "\n"), {})
      assert.equal(1, r.status)
      assert.matches("multiple heads, merge them", r.stderr)
    end)

    it("runs the GitLab lint job on a good project", function()
      local dir = good_project()
      local lint = load_yaml(doc_blocks()[GITLAB], "gitlab-ci").lint
      local r = run_script(dir, table.concat(lint.script, "\n"), {})
      assert(r.status == 0, r.stdout .. r.stderr)
      assert.matches("0 failures", r.stdout)
    end)

    it("fails the GitHub check step when a model has no revision", function()
      local dir = good_project()
      local job = load_yaml(doc_blocks()[GITHUB], "github workflow").jobs.migrations
      local env = { DATABASE_URL = "sqlite:ci.db" }
      local by_run = {}
      for _, step in ipairs(luamig_steps(job)) do by_run[step.run:match("^%s*(.-)%s*$")] = step end
      local r = run_script(dir, by_run["luamig upgrade head"].run, env)
      assert(r.status == 0, r.stderr)
      h.write_file(dir .. "/migrations/models.lua",
        MODELS .. 'Table("extra", Column("id", Integer, { primary_key = true }))\n')
      r = run_script(dir, by_run["luamig check"].run, env)
      assert.equal(1, r.status)
      assert.matches("extra", r.stdout .. r.stderr)
    end)
  end)

  describe("the GitHub and GitLab jobs on a server", function()
    local function server_url(var)
      local url = os.getenv(var)
      if not url then return nil end
      local name = "ci_" .. tostring(os.time()) .. "_" .. tostring(math.random(100000, 999999))
      if url:match("^mysql:") then return url .. name end
      return (url:gsub("/[^/]*$", "/" .. name))
    end

    for _, server in ipairs {
      { name = "postgresql", var = "LUAMIG_TEST_PG_URL", scheme = "^postgresql:" },
      { name = "mariadb", var = "LUAMIG_TEST_MYSQL_URL", scheme = "^mysql:" },
    } do
      it("run the GitHub job's luamig steps on " .. server.name, function()
        local url = server_url(server.var)
        if not url then pending(server.var .. " is not set (spec/with-servers.sh)") return end
        local job = load_yaml(doc_blocks()[GITHUB], "github workflow").jobs.migrations
        local found = false
        for _, m in ipairs(job.strategy.matrix.include) do found = found or m.url:match(server.scheme) ~= nil end
        assert(found, "the matrix has no " .. server.name .. " URL")
        local dir = git_project()
        local runner_temp = h.tmpdir()
        local env = { DATABASE_URL = url, GITHUB_BASE_REF = "main", RUNNER_TEMP = runner_temp, CI = "true" }
        local ok, err = pcall(function()
          for _, step in ipairs(luamig_steps(job)) do
            local r = run_script(dir, step.run, env)
            assert(r.status == 0,
              ("step %q exited %d:\n%s%s"):format(step.name or step.run, r.status, r.stdout, r.stderr))
          end
          local all = h.read_file(dir .. "/sql/upgrade.sql")
          assert.matches("Running upgrade <base> %-> 1a2b3c4d5e6f", all)
          local pr = h.read_file(dir .. "/sql/pull-request.sql")
          assert.matches("Running upgrade 1a2b3c4d5e6f %-> 2b3c4d5e6f70", pr)
          assert.not_matches("<base>", pr)
        end)
        h.run(dir, { "-u", url, "drop", "--if-exists" })
        if not ok then error(err, 0) end
      end)

      it("run the GitLab migrate job's script on " .. server.name, function()
        local url = server_url(server.var)
        if not url then pending(server.var .. " is not set (spec/with-servers.sh)") return end
        local job = load_yaml(doc_blocks()[GITLAB], "gitlab-ci")["migrate:" .. server.name]
        assert(job.variables.DATABASE_URL:match(server.scheme))
        local dir = good_project()
        local r = run_script(dir, table.concat(job.script, "\n"), { DATABASE_URL = url })
        h.run(dir, { "-u", url, "drop", "--if-exists" })
        assert(r.status == 0, r.stdout .. r.stderr)
        assert.matches("CREATE TABLE", h.read_file(dir .. "/upgrade.sql"))
      end)
    end
  end)

  describe(".pre-commit-hooks.yaml", function()
    local hooks

    -- Run hook `id` in dir as pre-commit does: the entry (a script of the
    -- hook repository), its args, then the staged files matching `files`
    -- (when pass_filenames).
    local function run_hook(id, dir, staged, args)
      local hook
      for _, hk in ipairs(hooks) do if hk.id == id then hook = hk end end
      assert(hook, "no hook " .. id)
      local words = { q(REPO .. "/" .. hook.entry) }
      for _, a in ipairs(hook.args or {}) do words[#words + 1] = q(a) end
      for _, a in ipairs(args or {}) do words[#words + 1] = q(a) end
      if hook.pass_filenames ~= false then
        local list = h.tmpdir() .. "/files"
        h.write_file(list, table.concat(staged, "\n") .. "\n")
        local filter = h.sh(PYTHON .. " -c " .. q("import re, sys\nf, x = sys.argv[1], sys.argv[2]\n"
          .. "for l in open(sys.argv[3]).read().split():\n"
          .. "    print(l) if re.search(f, l) and not (x and re.search(x, l)) else None")
          .. " " .. q(hook.files) .. " " .. q(hook.exclude or "") .. " " .. q(list))
        for f in filter.stdout:gmatch("[^\n]+") do words[#words + 1] = q(f) end
      end
      return run_script(dir, table.concat(words, " "), {})
    end

    setup(function() hooks = load_yaml_file(".pre-commit-hooks.yaml") end)

    it("declares the two hooks as pre-commit wants them", function()
      local ids = {}
      for _, hk in ipairs(hooks) do
        ids[#ids + 1] = hk.id
        for _, key in ipairs { "id", "name", "entry", "language", "files" } do
          assert.equal("string", type(hk[key]), hk.id .. ": " .. key)
        end
        assert.equal("script", hk.language)
        assert(h.sh("test -x " .. q(REPO .. "/" .. hk.entry)).status == 0, hk.entry .. " is not executable")
        local text = h.read_file(REPO .. "/" .. hk.entry)
        assert.matches("^#!/bin/sh\n# ", text)
        assert(h.sh("sh -n " .. q(REPO .. "/" .. hk.entry)).status == 0)
      end
      assert.same({ "luamig-lint", "luamig-single-head" }, ids)
    end)

    it("passes a good project", function()
      local dir = good_project()
      local staged = { REV1_FILE, REV2_FILE, "migrations/models.lua", "README.md", "luamig.lua" }
      local r = run_hook("luamig-lint", dir, staged)
      assert(r.status == 0, r.stdout .. r.stderr)
      r = run_hook("luamig-single-head", dir, staged)
      assert(r.status == 0, r.stdout .. r.stderr)
    end)

    it("refuses two heads, naming them", function()
      local dir = good_project()
      local other = "migrations/versions/3c4d5e6f7081_other.lua"
      h.write_file(dir .. "/" .. other, h.table_revision("3c4d5e6f7081", "1a2b3c4d5e6f", "other"))
      local r = run_hook("luamig-single-head", dir, { other })
      assert.equal(1, r.status)
      assert.matches("multiple heads %(2b3c4d5e6f70 3c4d5e6f7081%)", r.stderr)
      assert.matches("luamig merge heads", r.stderr)
      assert.equal(0, run_hook("luamig-lint", dir, { other }).status)
    end)

    it("fails a syntax error, naming the file and line", function()
      local dir = good_project()
      h.write_file(dir .. "/" .. REV2_FILE, (REV2:gsub('op.create_table%("clicks",', 'op.create_table("clicks"')))
      local r = run_hook("luamig-lint", dir, { REV2_FILE })
      assert.equal(1, r.status)
      assert.matches(REV2_FILE:gsub("%p", "%%%0") .. ":6:%d+: %(E011%)", r.stdout)
    end)

    it("fails an undefined global, naming the file and line", function()
      local dir = good_project()
      h.write_file(dir .. "/" .. REV2_FILE, (REV2:gsub("nullable = false", "nullable = nul")))
      local r = run_hook("luamig-lint", dir, { REV2_FILE })
      assert.equal(1, r.status)
      assert.matches(REV2_FILE:gsub("%p", "%%%0") .. ":7:%d+: %(W113%) accessing undefined variable 'nul'", r.stdout)
    end)

    it("fails a revision luamig cannot load, naming the file", function()
      local dir = good_project()
      h.write_file(dir .. "/" .. REV2_FILE,
        (REV2:gsub('down_revision = "1a2b3c4d5e6f"', 'down_revision = "ffffffffffff"')))
      local r = run_hook("luamig-lint", dir, { REV1_FILE })
      assert.equal(1, r.status)
      assert.matches("ffffffffffff", r.stderr)
    end)

    it("lints a project in a folder with --project, without a .luacheckrc", function()
      local root = h.tmpdir()
      local dir = good_project()
      assert(os.execute("mv " .. q(dir) .. " " .. q(root .. "/db") .. " && rm " .. q(root .. "/db/.luacheckrc")))
      local bad = "db/" .. REV2_FILE
      h.write_file(root .. "/" .. bad, (REV2:gsub("nullable = false", "nullable = nul")))
      local r = run_hook("luamig-lint", root, { "db/" .. REV1_FILE, bad }, { "--project", "db" })
      assert.equal(1, r.status)
      assert.matches(REV2_FILE:gsub("%p", "%%%0") .. ":7:%d+: %(W113%)", r.stdout)
      r = run_hook("luamig-single-head", root, {}, { "--project", "db" })
      assert(r.status == 0, r.stderr)
    end)
  end)

  describe("the composite action", function()
    local action

    setup(function() action = load_yaml_file(".github/actions/luamig/action.yml") end)

    it("declares its inputs and composite steps", function()
      assert.equal("composite", action.runs.using)
      for _, input in ipairs { "command", "database-url", "path", "ref", "repository", "prefix", "wait", "create",
        "working-directory", "apt" } do
        assert(action.inputs[input], "no input " .. input)
        assert.equal("string", type(action.inputs[input].description))
      end
      for _, step in ipairs(action.runs.steps) do
        assert(step.shell and step.run, "a composite run step needs shell and run")
      end
    end)

    -- The action's steps as the runner runs them: ${{ inputs.x }} replaced
    -- by the input (or its default), $GITHUB_PATH and $GITHUB_OUTPUT files.
    local function run_action(src, dir, inputs, gh)
      local results = {}
      for _, step in ipairs(action.runs.steps) do
        local function expand(s)
          return (s:gsub("%${{%s*inputs%.([%w-]+)%s*}}", function(name)
            local v = inputs[name]
            if v == nil then v = action.inputs[name].default end
            return tostring(v)
          end))
        end
        local env = { GITHUB_ACTION_PATH = src .. "/.github/actions/luamig", GITHUB_PATH = gh .. "/path",
          GITHUB_OUTPUT = gh .. "/output", RUNNER_TEMP = gh }
        for k, v in pairs(step.env or {}) do env[k] = expand(v) end
        local wd = dir
        if step["working-directory"] then wd = dir .. "/" .. expand(step["working-directory"]) end
        assert.equal("sh", step.shell)
        local r = run_script(wd, step.run, env, "sh -e")
        results[#results + 1] = r
        if r.status ~= 0 then break end
      end
      return results
    end

    it("builds, installs and runs the command; again with wait, create and a quoted command", function()
      -- A copy of the tree with its build (make install rebuilds what PREFIX changes).
      local root = h.tmpdir()
      local src = root .. "/src"
      local r = h.sh("mkdir " .. q(src) .. " && cd " .. q(REPO)
        .. " && tar -cf - --exclude=bin/debug --exclude=bin/sanitize"
        .. " --exclude=build/obj/debug --exclude=build/obj/sanitize"
        .. " Makefile premake5.lua runner lua build bin docs completions examples meta .github"
        .. " | tar -xf - -C " .. q(src))
      assert(r.status == 0, r.stderr)
      local dir = good_project()
      local prefix = root .. "/prefix"
      local results = run_action(src, dir, { apt = "false", prefix = prefix, command = "upgrade head",
        ["database-url"] = "sqlite:action.db" }, root)
      for _, res in ipairs(results) do assert(res.status == 0, res.stdout .. res.stderr) end
      assert.equal(2, #results)
      assert.equal(prefix .. "/bin\n", h.read_file(root .. "/path"))
      assert.matches("^version=luamig 0%.", h.read_file(root .. "/output"))
      assert.same({ "2b3c4d5e6f70" }, h.sqlite_versions(dir .. "/action.db"))
      -- Again, with wait, create and quotes in the command (the copy has no
      -- .git, so the stamp names no commit and it is built again, quickly).
      results = run_action(src, dir, { apt = "false", prefix = prefix, wait = "5", create = "true",
        ["database-url"] = "sqlite:action.db", command = [[history -r "base:head"]] }, root)
      for _, res in ipairs(results) do assert(res.status == 0, res.stdout .. res.stderr) end
      assert.matches("create clicks", results[2].stdout)
    end)
  end)
end)
