-- luamig.command: what each CLI command does.
--
-- Every command takes the settings (config.load) and its parsed options, and
-- returns true, or nil, msg, status (1: the command ran and found a problem
-- or a migration failed; 2: bad input). Output goes through opts.out
-- (stdout) and opts.log (progress on stderr), so that the same functions
-- serve the CLI, the embedding API and the specs.

local script = require "luamig.script"
local revision = require "luamig.revision"
local context = require "luamig.context"
local config = require "luamig.config"
local report = require "luamig.report"
local sys = require "luamig.sys"
local lock = require "luamig.lock"
local preflight = require "luamig.preflight"
local interrupt = require "luamig.interrupt"
local versions = require "luamig.versions"

local ipairs, pairs, tostring, pcall, next = ipairs, pairs, tostring, pcall, next
local str_format, table_concat, table_sort = string.format, table.concat, table.sort
local io_open = io.open

local M = {}

-- The scripts and their graph; status 2 for any bad revision file.
local function load_graph(cfg)
  local scripts, err, status = script.load_all(cfg)
  if not scripts then return nil, err, status end
  local graph, gerr = revision.new(scripts)
  if not graph then return nil, gerr, 2 end
  local by_id = {}
  for _, s in ipairs(scripts) do by_id[s.id] = s end
  return graph, by_id
end

-- writes: the command changes the database, so it takes the migration
-- lock first (see luamig.lock) and catches Ctrl-C, SIGTERM and SIGHUP (see
-- runner/interrupt.c); whatever it reads after that is read under the lock.
local function with_context(cfg, opts, fn, writes)
  -- Before connecting, so that a signal can cancel the connection's
  -- statement; an embedding program keeps its own signals (opts.embedded).
  if writes and not opts.embedded then interrupt.trap() end
  local ctx, err, status = context.open(cfg, { log = opts.log, verbose = opts.verbose,
    progress = opts.progress, progress_delay = opts.progress_delay })
  if not ctx then return nil, err, status end
  if writes then
    local fit, ferr, fstatus = preflight.check(ctx, opts)
    if not fit then ctx:close(); return nil, ferr, fstatus end
    local held, lerr, lstatus = lock.acquire(ctx, opts.lock_timeout or cfg.lock_timeout, opts.log)
    if not held then ctx:close(); return nil, lerr, lstatus end
    ctx.lock = held
  end
  local ok, msg, st, tb = fn(ctx)
  local closed, cerr = ctx:close()
  if not closed then  -- a lost lock: what ran may have overlapped another run
    if ok then return nil, cerr, 1 end
    msg = tostring(msg) .. "; also, " .. cerr
  end
  return ok, msg, st, tb
end

-- The database's version rows, for commands that only read them.
local function database_heads(cfg, opts)
  local heads
  local ok, msg, status = with_context(cfg, opts, function(ctx)
    local err
    heads, err = ctx:current_heads()
    if not heads then return nil, err, 1 end
    return true
  end)
  if not ok then return nil, msg, status end
  return heads
end

---------------------------------------------------------------------------
-- init

-- The spec `luamig init` writes: the ready-made checks of luamig.testing.
local SPEC_TEMPLATE = [[
-- Checks of this project's migrations: `luamig test` (or busted, with the
-- luamig module on the path). They run on a scratch SQLite database in
-- memory; `luamig test -u postgresql://user:pass@host/postgres` makes a
-- scratch database on that server instead.
local testing = require "luamig.testing"

describe("the migrations", function()
  local env
  before_each(function() env = testing.environment() end)
  after_each(function() env:close() end)

  it("have a single head", function() env:single_head() end)
  it("apply to an empty database", function() env:upgrade_from_base() end)
  it("go up, down and up again, one revision at a time", function() env:up_down_consistency() end)
  it("leave no trace when downgraded", function() env:downgrade_leaves_no_trace() end)
  if testing.has_models() then
    it("make the schema the models declare", function() env:model_matches_ddl() end)
  end
end)
]]

local CONFIG_TEMPLATE = [[
-- luamig settings. Every key is optional; these are the defaults.
return {
  script_location = "migrations",
  url = os.getenv("DATABASE_URL") or "sqlite:luamig.db",
  version_table = "luamig_version",
}
]]

local function write_new(path, text)
  if sys.stat(path) then return nil, str_format("%s already exists", path) end
  local f, err = io_open(path, "wb")
  if not f then return nil, str_format("cannot write %s", err) end
  f:write(text)
  f:close()
  return true
end

function M.init(_, opts)
  local dir = opts.args[1] or "."
  if not sys.stat(dir) then
    local ok, err = sys.mkdir(dir)
    if not ok then return nil, str_format("cannot create %s: %s", dir, err), 2 end
  end
  local migrations = dir .. "/migrations"
  if sys.stat(migrations) then
    return nil, str_format("%s already exists: not overwriting an existing project", migrations), 2
  end
  for _, d in ipairs { migrations, migrations .. "/versions" } do
    local ok, err = sys.mkdir(d)
    if not ok then return nil, str_format("cannot create %s: %s", d, err), 2 end
  end
  local ok, err = write_new(migrations .. "/script.lua.tmpl", script.DEFAULT_TEMPLATE)
  if ok and not sys.stat(dir .. "/luamig.lua") then
    ok, err = write_new(dir .. "/luamig.lua", CONFIG_TEMPLATE)
  end
  local spec_dir = dir .. "/spec"
  if ok and not sys.stat(spec_dir) then ok, err = sys.mkdir(spec_dir) end
  if ok and not sys.stat(spec_dir .. "/migrations_spec.lua") then
    ok, err = write_new(spec_dir .. "/migrations_spec.lua", SPEC_TEMPLATE)
  end
  if not ok then return nil, err, 2 end
  opts.out(str_format("Created %s/luamig.lua, %s/{versions/,script.lua.tmpl} and %s/migrations_spec.lua",
    dir, migrations, spec_dir))
  opts.out("Next: luamig revision -m \"create first tables\"")
  return true
end

---------------------------------------------------------------------------
-- revision / merge

local function new_rev_id(opts, by_id)
  local rev_id = opts.rev_id or sys.random_hex(12)
  if not rev_id:match("^[%w_]+$") or #rev_id > 32 then
    return nil, str_format("--rev-id %q: use up to 32 letters, digits or _", rev_id)
  end
  if by_id[rev_id] then
    return nil, str_format("--rev-id %s: revision %s already exists in %s", rev_id, rev_id, by_id[rev_id].path)
  end
  return rev_id
end

-- The parents of a new revision: the single head, or --head (a head unless
-- --splice; "base" starts a new independent history).
local function new_parents(graph, opts)
  if not opts.head then
    local heads = graph:heads()
    if #heads > 1 then
      return nil, str_format("the project has %d heads (%s): pass --head REV (or label@head) to choose "
        .. "the parent, or run 'luamig merge heads -m \"merge\"' first", #heads, table_concat(heads, ", "))
    end
    return heads
  end
  if opts.head == "base" then return {} end
  local ids, err = graph:resolve(opts.head, nil)
  if not ids then return nil, "--head: " .. err end
  if not opts.splice then
    for _, id in ipairs(ids) do
      if #(graph:get(id).children or {}) > 0 then
        return nil, str_format("--head: revision %s is not a head; pass --splice to start a new branch from it", id)
      end
    end
  end
  return ids
end

-- --depends-on values: a branch label stays a label (so that it follows the
-- branch), anything else becomes the full id it names.
local function dependencies(graph, list)
  local out = {}
  for _, dep in ipairs(list or {}) do
    if graph:label(dep) then
      out[#out + 1] = dep
    else
      local ids, err = graph:resolve(dep, nil)
      if not ids then return nil, "--depends-on: " .. err end
      for _, id in ipairs(ids) do out[#out + 1] = id end
    end
  end
  return out
end

local function write_revision(cfg, opts, by_id, spec)
  local rev_id, err = new_rev_id(opts, by_id)
  if not rev_id then return nil, err, 2 end
  spec.rev_id = rev_id
  spec.message = opts.message
  spec.branch_labels = opts.branch_label and { opts.branch_label } or {}
  spec.directory = opts.version_path or script.version_dirs(cfg)[1]
  local path, created = script.create(cfg, spec)
  if not path then return nil, created, 2 end
  -- The new file must fit the graph (a label used twice, say): if not,
  -- take it back and say why.
  local scripts = {}
  for _, s in pairs(by_id) do scripts[#scripts + 1] = s end
  scripts[#scripts + 1] = created
  local _, gerr = revision.new(scripts)
  if gerr then
    os.remove(path)
    return nil, gerr, 2
  end
  opts.out(str_format("Generating %s ... done", path))
  spec.path = path
  return true
end

-- --autogenerate: the bodies from the models (or a baseline), computed
-- before the file is written so that a failure writes nothing.
local function autogenerated(cfg, opts, graph, by_id)
  local autogen = require "luamig.autogen"
  local spec
  local ok, msg, st = with_context(cfg, opts, function(ctx)
    local changes, info, cstatus = autogen.changes(ctx, graph, next(by_id) == nil)
    if not changes then return nil, info, cstatus end
    for _, c in ipairs(changes) do opts.log("Detected " .. autogen.describe(c)) end
    if #changes == 0 then opts.log("No changes detected") end
    if info.baseline then opts.log("Baseline: the revision recreates the database's schema; run 'luamig stamp head' to adopt it") end
    local up, down = autogen.render(changes, ctx.dialect)
    spec = { upgrades = up, downgrades = down }
    return true
  end)
  if not ok then return nil, msg, st end
  return spec
end

-- post_write_hook: a command run on the new file (a formatter, say).
local function post_write(cfg, opts, path)
  if not cfg.post_write_hook then return true end
  local cmd = cfg.post_write_hook .. " '" .. path:gsub("'", "'\\''") .. "'"
  local ok, _, code = os.execute(cmd)
  if not ok then
    return nil, str_format("post_write_hook %q failed on %s (exit %s); the file is written", cfg.post_write_hook, path,
      tostring(code)), 1
  end
  return true
end

function M.revision(cfg, opts)
  if not opts.message then
    return nil, "revision: -m MESSAGE is required (a few words about the change)", 2
  end
  local graph, by_id, status = load_graph(cfg)
  if not graph then return nil, by_id, status end
  local downs, err = new_parents(graph, opts)
  if not downs then return nil, err, 2 end
  local deps, derr = dependencies(graph, opts.depends_on)
  if not deps then return nil, derr, 2 end
  local spec = { down_revisions = downs, depends_on = deps }
  if opts.autogenerate then
    local bodies, aerr, astatus = autogenerated(cfg, opts, graph, by_id)
    if not bodies then return nil, aerr, astatus end
    spec.upgrades, spec.downgrades = bodies.upgrades, bodies.downgrades
  end
  local ok, werr, wstatus = write_revision(cfg, opts, by_id, spec)
  if not ok then return nil, werr, wstatus end
  if opts.autogenerate then return post_write(cfg, opts, spec.path) end
  return true
end

--- check: exit 0 when the database matches the models, else 1 with the
-- differences (for CI).
function M.check(cfg, opts)
  local graph, by_id, status = load_graph(cfg)
  if not graph then return nil, by_id, status end
  local autogen = require "luamig.autogen"
  local changes
  local ok, msg, st = with_context(cfg, opts, function(ctx)
    local info, cstatus
    changes, info, cstatus = autogen.changes(ctx, graph, false)
    if not changes then return nil, info, cstatus end
    return true
  end)
  if not ok then return nil, msg, st end
  local lines = {}
  for i, c in ipairs(changes) do lines[i] = autogen.describe(c) end
  if opts.json then
    opts.out(require("luamig.json").encode({ ok = #changes == 0, differences = lines }))
  else
    for _, l in ipairs(lines) do opts.out(l) end
    if #changes == 0 then opts.out("No differences: the database matches the models") end
  end
  opts.outcome = { "ok", "matches the models" }
  if #changes > 0 then
    return nil, str_format("%d difference%s between the models and the database: run 'luamig revision"
      .. " --autogenerate -m MESSAGE' to write them as a revision", #changes, #changes == 1 and "" or "s"), 1
  end
  return true
end

function M.merge(cfg, opts)
  if not opts.message then return nil, "merge: -m MESSAGE is required", 2 end
  local graph, by_id, status = load_graph(cfg)
  if not graph then return nil, by_id, status end
  local downs, seen = {}, {}
  for _, target in ipairs(opts.args) do
    local ids, err = graph:resolve(target, nil)
    if not ids then return nil, "merge: " .. err, 2 end
    for _, id in ipairs(ids) do
      if not seen[id] then seen[id] = true; downs[#downs + 1] = id end
    end
  end
  if #downs < 2 then
    return nil, str_format("merge: %s name%s one revision; a merge needs two or more (e.g. 'heads')",
      table_concat(opts.args, " "), #opts.args == 1 and "s" or ""), 2
  end
  table_sort(downs)
  return write_revision(cfg, opts, by_id, { down_revisions = downs, depends_on = {} })
end

---------------------------------------------------------------------------
-- upgrade / downgrade

-- Applied revisions whose files changed since: upgrade stops on them
-- unless --allow-edited (verify lists every kind of drift).
local function refuse_edited(ctx, graph, heads)
  local recorded, err = ctx.versions:checksums()
  if not recorded then return nil, err, 1 end
  if next(recorded) == nil then return true end
  local known = {}
  for _, id in ipairs(heads) do if graph:get(id) then known[#known + 1] = id end end
  local edited = {}
  for _, node in ipairs(#known > 0 and graph:walk(known) or {}) do
    local want = recorded[node.id]
    if want and want ~= script.checksum(node.script) then edited[#edited + 1] = node end
  end
  if #edited == 0 then return true end
  table_sort(edited, function(a, b) return a.id < b.id end)
  local first = edited[1]
  local others = #edited > 1 and str_format(" (and %d more)", #edited - 1) or ""
  return nil, str_format("revision %s (%s)%s was edited after it was applied: its file no longer matches"
    .. " the checksum recorded then. Run 'luamig verify' to see every difference; if the edit is intended,"
    .. " accept it with 'luamig verify --accept %s', or upgrade anyway with --allow-edited",
    first.id, first.path or "?", others, first.id), 1
end

local function plural(n, word)
  return str_format("%d %s%s", n, word, n == 1 and "" or "s")
end

local function heads_text(heads)
  return #heads > 0 and table_concat(heads, ", ") or "base"
end

-- What a fleet prints for this target (luamig.fleet): {status, text}.
-- heads: the version rows after the run (nil if reading them failed).
local function migrate_outcome(direction, nsteps, heads, target)
  if nsteps == 0 then return { "unchanged", "already at " .. target } end
  local done = direction == "up" and "upgraded" or "downgraded"
  local to = heads and (" to " .. heads_text(heads)) or ""
  return { done, str_format("%s %s%s", done, plural(nsteps, "revision"), to) }
end

local function migrate(direction, cfg, opts)
  local graph, by_id, status = load_graph(cfg)
  if not graph then return nil, by_id, status end
  return with_context(cfg, opts, function(ctx)
    local heads, err = ctx:current_heads()
    if not heads then return nil, err, 1 end
    if direction == "up" and not opts.allow_edited then
      local ok, eerr, estatus = refuse_edited(ctx, graph, heads)
      if not ok then return nil, eerr, estatus end
    end
    local steps, serr
    if direction == "up" then steps, serr = graph:upgrade_steps(heads, opts.target)
    else steps, serr = graph:downgrade_steps(heads, opts.target) end
    if not steps then return nil, serr, 2 end
    -- Every file that will run is compiled before the first one runs, so
    -- that a syntax error anywhere leaves the database untouched.
    for _, step in ipairs(steps) do
      local ok, cerr = script.compile(by_id[step.node.id])
      if not ok then return nil, cerr, 2 end
    end
    local transaction = opts.transaction or (cfg.transaction_per_migration == false and "all" or "per-revision")
    local ok, msg, st, tb = ctx:run_steps(steps, by_id, { transaction = transaction })
    if ok and opts.fleet_child then
      opts.outcome = migrate_outcome(direction, #steps, ctx:current_heads(), opts.target)
    end
    return ok, msg, st, tb
  end, true)
end

-- --sql: the script of the steps from FROM to TO, written without a
-- database. FROM defaults to base for an upgrade; a downgrade needs it.
local function write_script(direction, cfg, opts)
  local graph, by_id, status = load_graph(cfg)
  if not graph then return nil, by_id, status end
  local from, to = opts.target:match("^(.-):(.+)$")
  if not from then
    if direction == "down" then
      return nil, "downgrade --sql needs FROM:TO, the revision the database is at and the target (e.g. head:base)", 2
    end
    from, to = "base", opts.target
  end
  local from_rows = {}
  if from ~= "base" and from ~= "" then
    local rows, err = graph:target_heads({}, "up", from)
    if not rows then return nil, str_format("--sql %s: %s", opts.target, err), 2 end
    from_rows = rows
  end
  local steps, serr
  if direction == "up" then steps, serr = graph:upgrade_steps(from_rows, to)
  else steps, serr = graph:downgrade_steps(from_rows, to) end
  if not steps then return nil, str_format("--sql %s: %s", opts.target, serr), 2 end
  for _, step in ipairs(steps) do
    local ok, cerr = script.compile(by_id[step.node.id])
    if not ok then return nil, cerr, 2 end
  end
  local ctx, err, cstatus = context.open_offline(cfg, { dialect = opts.dialect, out = opts.out, log = opts.log })
  if not ctx then return nil, err, cstatus end
  return ctx:write_steps(steps, by_id, #from_rows == 0 and direction == "up")
end

-- --dialect names the dialect of a script: without --sql nothing would
-- use it, and the run would go to the URL's database unasked.
local function dialect_without_sql(opts)
  if opts.dialect and not opts.sql then
    return true, str_format("%s--dialect %s applies only with --sql (the dialect of the script to write)",
      opts.command and (opts.command .. ": ") or "", opts.dialect)
  end
end

function M.upgrade(cfg, opts)
  local bad, why = dialect_without_sql(opts)
  if bad then return nil, why, 2 end
  opts.target = opts.args[1] or "head"
  if opts.sql then return write_script("up", cfg, opts) end
  return migrate("up", cfg, opts)
end

function M.downgrade(cfg, opts)
  local bad, why = dialect_without_sql(opts)
  if bad then return nil, why, 2 end
  opts.target = opts.args[1]
  if opts.sql then return write_script("down", cfg, opts) end
  return migrate("down", cfg, opts)
end

---------------------------------------------------------------------------
-- current / heads / branches / history / show

function M.current(cfg, opts)
  local graph, err, status = load_graph(cfg)
  if not graph then return nil, err, status end
  local heads, herr, hstatus = database_heads(cfg, opts)
  if not heads then return nil, herr, hstatus end
  local marks = report.marks(graph, opts.json and heads or nil)
  opts.outcome = { "ok", "at " .. heads_text(heads) }
  if opts.json then
    local list = {}
    for i, id in ipairs(heads) do
      local node = graph:get(id)
      list[i] = node and report.json_node(graph, node, marks) or { id = id, unknown = true }
    end
    opts.out(require("luamig.json").encode({ url = config.mask_url(cfg.url), heads = list }))
  end
  if opts.verbose and not opts.json then opts.out("Current revision(s) for " .. config.mask_url(cfg.url) .. ":") end
  for _, id in ipairs(opts.json and {} or heads) do
    local node = graph:get(id)
    if not node then opts.out(str_format("%s (no revision file has this id)", id))
    elseif opts.verbose then opts.out(report.block(graph, node, marks))
    else opts.out(report.decorated(graph, node, marks)) end
  end
  if opts.check_heads then
    local target = graph:target_heads(heads, "up", "heads")
    if not target or table_concat(target, ",") ~= table_concat(heads, ",") then
      return nil, str_format("the database is not at the head revision(s): it is at %s; the heads are %s"
        .. " (run 'luamig upgrade heads')", #heads > 0 and table_concat(heads, ", ") or "base",
        table_concat(graph:heads(), ", ")), 1
    end
  end
  return true
end

function M.heads(cfg, opts)
  local graph, err, status = load_graph(cfg)
  if not graph then return nil, err, status end
  local marks = report.marks(graph)
  local list = {}
  for _, id in ipairs(graph:heads()) do
    local node = graph:get(id)
    -- With dependencies resolved, a head that another revision depends on
    -- is not a head of its own.
    if not (opts.resolve_dependencies and #(node.dependents or {}) > 0) then
      if opts.json then list[#list + 1] = report.json_node(graph, node, marks)
      else opts.out(opts.verbose and report.block(graph, node, marks) or report.decorated(graph, node, marks)) end
    end
  end
  if opts.json then opts.out(require("luamig.json").encode(list)) end
  return true
end

function M.branches(cfg, opts)
  local graph, err, status = load_graph(cfg)
  if not graph then return nil, err, status end
  local marks = report.marks(graph)
  for _, id in ipairs(graph:branch_points()) do
    opts.out(report.branch_point(graph, graph:get(id), marks, opts.verbose))
  end
  return true
end

-- history --applied: the history table, newest first.
local function applied_history(cfg, opts)
  local rows
  local ok, msg, st = with_context(cfg, opts, function(ctx)
    local err
    rows, err = ctx.versions:history_rows()
    if not rows then return nil, err, 1 end
    return true
  end)
  if not ok then return nil, msg, st end
  local null = require("luamig.driver").null
  local function v(x) if x == nil or x == null then return nil end return x end
  local last = rows[1]
  opts.outcome = { "ok", last and str_format("%s, the last: %s %s %s", plural(#rows, "step"), last.direction,
    last.revision, last.outcome) or "no steps recorded" }
  if opts.json then
    local json = require "luamig.json"
    local function j(x) local y = v(x); if y == nil then return json.null end return y end
    local out = {}
    for i, r in ipairs(rows) do
      out[i] = { revision = r.revision, direction = r.direction, outcome = r.outcome, checksum = j(r.checksum),
        started_at = r.started_at, finished_at = j(r.finished_at), duration_ms = j(r.duration_ms),
        applied_by = j(r.applied_by), luamig_version = j(r.luamig_version), message = j(r.message) }
    end
    opts.out(json.encode(out))
    return true
  end
  for _, r in ipairs(rows) do
    local dur = v(r.duration_ms) and str_format("%d ms", r.duration_ms) or "-"
    local line = str_format("%s  %-6s  %-12s  %-8s  %8s  %s", r.started_at, r.direction, r.revision, r.outcome, dur,
      v(r.applied_by) or "?")
    if opts.verbose then
      line = line .. str_format("  luamig %s  %s", v(r.luamig_version) or "?", v(r.checksum) or "-")
    end
    if v(r.message) then line = line .. "  " .. report.first_line(r.message) end
    opts.out(line)
  end
  return true
end

function M.history(cfg, opts)
  if opts.applied then return applied_history(cfg, opts) end
  local graph, err, status = load_graph(cfg)
  if not graph then return nil, err, status end
  local current
  if opts.indicate_current or (opts.range and opts.range:find("current", 1, true)) then
    local herr, hstatus
    current, herr, hstatus = database_heads(cfg, opts)
    if not current then return nil, herr, hstatus end
  end
  local marks = report.marks(graph, opts.indicate_current and current or nil)
  local nodes, herr = graph:history(opts.range, current)
  if not nodes then return nil, (opts.range and ("-r " .. opts.range .. ": ") or "") .. herr, 2 end
  if opts.json then
    local list = {}
    for i, node in ipairs(nodes) do list[i] = report.json_node(graph, node, marks) end
    opts.out(require("luamig.json").encode(list))
    return true
  end
  for _, node in ipairs(nodes) do
    opts.out(opts.verbose and report.block(graph, node, marks) or report.line(graph, node, marks))
  end
  return true
end

function M.show(cfg, opts)
  local graph, err, status = load_graph(cfg)
  if not graph then return nil, err, status end
  local ids, rerr = graph:resolve(opts.args[1], nil)
  if not ids then return nil, rerr, 2 end
  local marks = report.marks(graph)
  for _, id in ipairs(ids) do opts.out(report.block(graph, graph:get(id), marks)) end
  return true
end

---------------------------------------------------------------------------
-- stamp

-- The rows after stamping `targets` over `rows`: each target replaces the
-- rows on its own line of descent (ancestors and descendants), as Alembic's
-- stamp does; `base` clears everything.
local function stamped_rows(graph, rows, targets)
  local result = {}
  for _, r in ipairs(rows) do result[#result + 1] = r end
  for _, target in ipairs(targets) do
    if target == "base" then
      result = {}
    else
      local ids, err = graph:resolve(target, result)
      if not ids then return nil, err end
      for _, id in ipairs(ids) do
        local kept = {}
        for _, r in ipairs(result) do
          if r ~= id and not graph:is_ancestor(r, id) and not graph:is_ancestor(id, r) then
            kept[#kept + 1] = r
          end
        end
        kept[#kept + 1] = id
        result = kept
      end
    end
  end
  table_sort(result)
  return result
end

function M.stamp(cfg, opts)
  local bad, why = dialect_without_sql(opts)
  if bad then return nil, why, 2 end
  local graph, err, status = load_graph(cfg)
  if not graph then return nil, err, status end
  if opts.sql then
    local rows, serr = stamped_rows(graph, {}, opts.args)
    if not rows then return nil, serr, 2 end
    local ctx, cerr, cstatus = context.open_offline(cfg, { dialect = opts.dialect, out = opts.out, log = opts.log })
    if not ctx then return nil, cerr, cstatus end
    return ctx:stamp(rows)
  end
  return with_context(cfg, opts, function(ctx)
    local rows, herr = ctx:current_heads()
    if not rows then return nil, herr, 1 end
    if opts.purge then rows = {} end
    for _, r in ipairs(rows) do
      if not graph:get(r) then
        return nil, str_format("the version table names %s, which no revision file has: "
          .. "run 'luamig stamp --purge REV' to replace every row", r), 2
      end
    end
    local new_rows, serr = stamped_rows(graph, rows, opts.args)
    if not new_rows then return nil, serr, 2 end
    local ok, sterr = ctx:stamp(new_rows)
    if not ok then return nil, sterr, 1 end
    opts.log("Stamped " .. heads_text(new_rows))
    opts.outcome = { "stamped", "stamped " .. heads_text(new_rows) }
    return true
  end, true)
end

---------------------------------------------------------------------------
-- verify / repair

-- The record named by an exact id or a unique prefix of 4+ characters.
local function find_script(scripts, wanted)
  local found
  for _, s in ipairs(scripts) do
    if s.id == wanted then return s end
    if #wanted >= 4 and s.id:sub(1, #wanted) == wanted then
      if found then return nil, str_format("--accept %s: the prefix is ambiguous (%s, %s, ...)", wanted, found.id, s.id) end
      found = s
    end
  end
  if not found then return nil, str_format("--accept %s: no revision file has this id", wanted) end
  return found
end

local function short(sum)
  return sum and sum:gsub("^(sha256:%x%x%x%x%x%x%x%x%x%x%x%x).*$", "%1...") or "?"
end

local function verify_lines(report)
  local lines = {}
  for _, e in ipairs(report.edited) do
    lines[#lines + 1] = str_format("edited   %s  %s: applied as %s, the file is now %s", e.id, e.path,
      short(e.recorded), short(e.actual))
  end
  for _, m in ipairs(report.missing) do
    lines[#lines + 1] = str_format("missing  %s  applied, but no file has it (%s names it as a parent)", m.id, m.named_by)
  end
  for _, u in ipairs(report.unknown) do
    lines[#lines + 1] = str_format("unknown  %s  in the version table, but no revision file has or names it", u.id)
  end
  local unrecorded = #report.unrecorded > 0
    and str_format(" (%d applied without a recorded checksum: stamped, or before luamig kept them)", #report.unrecorded)
    or ""
  if report.ok then
    lines[#lines + 1] = str_format("OK: %d applied revision%s their files%s", report.checked,
      report.checked == 1 and " matches" or "s match", unrecorded)
  else
    lines[#lines + 1] = str_format("%d edited, %d missing, %d unknown; %d applied revision%s checked%s",
      #report.edited, #report.missing, #report.unknown, report.checked, report.checked == 1 and "" or "s", unrecorded)
  end
  return lines
end

function M.verify(cfg, opts)
  local scripts, err, status = script.load_all(cfg)
  if not scripts then return nil, err, status end
  -- verify reads the files without the graph (so that a missing parent is
  -- reported, not fatal), but two files with one id would make it check,
  -- and --accept record, the wrong file.
  local seen = {}
  for _, s in ipairs(scripts) do
    if seen[s.id] then
      return nil, str_format('duplicate revision id "%s": %s and %s', s.id, seen[s.id].path, s.path), 2
    end
    seen[s.id] = s
  end
  local accepts = opts.accept or {}
  local accepted = {}
  for _, wanted in ipairs(accepts) do
    local s, ferr = find_script(scripts, wanted)
    if not s then return nil, ferr, 2 end
    accepted[#accepted + 1] = s
  end
  local report
  local ok, msg, st = with_context(cfg, opts, function(ctx)
    if #accepted > 0 then
      local done, aerr = ctx:accept(accepted)
      if not done then return nil, aerr, 1 end
      for _, s in ipairs(accepted) do
        opts.log(str_format("Accepted the current file of %s (%s) as applied", s.id, short(script.checksum(s))))
      end
    end
    local heads, herr = ctx:current_heads()
    if not heads then return nil, herr, 1 end
    local recorded, rerr = ctx.versions:checksums()
    if not recorded then return nil, rerr, 1 end
    report = require("luamig.verify").drift(scripts, heads, recorded, script.checksum)
    return true
  end, #accepted > 0)
  if not ok then return nil, msg, st end
  local lines = verify_lines(report)
  if opts.json then
    opts.out(require("luamig.json").encode(report))
  else
    for _, line in ipairs(lines) do opts.out(line) end
  end
  opts.outcome = { "ok", lines[#lines] }
  if not report.ok then
    -- A fleet shows only this line of each target: it says what differs.
    if opts.fleet_child then return nil, "the applied revisions differ from their files: " .. lines[#lines], 1 end
    return nil, "the applied revisions differ from their files (see above)", 1
  end
  return true
end

function M.repair(cfg, opts)
  return with_context(cfg, opts, function(ctx)
    local rows, err = ctx.versions:unfinished()
    if rows == nil then return nil, err, 1 end
    if #rows == 0 then
      opts.out("Nothing to repair: every recorded step finished")
      return true
    end
    -- A step whose server session is still there may still be running:
    -- settling it now would let the next run go over it.
    for _, row in ipairs(rows) do
      local session = row.outcome == "running" and versions.running_session(row)
      if session and ctx.versions:session_alive(session) then
        return nil, str_format("the %s of %s (started %s) may still be running in server session %s: wait for"
          .. " it to end, or end that session on the server, before repairing", row.direction == "up" and "upgrade"
          or "downgrade", row.revision, tostring(row.started_at), session), 1
      end
    end
    local heads, herr = ctx:current_heads()
    if not heads then return nil, herr, 1 end
    for _, row in ipairs(rows) do
      local ok, merr = ctx.versions:mark_repaired(row.id)
      if not ok then return nil, merr, 1 end
      opts.out(str_format("Marked the %s of %s (started %s by %s, %s) as repaired by hand",
        row.direction == "up" and "upgrade" or "downgrade", row.revision, tostring(row.started_at),
        tostring(row.applied_by or "?"), row.outcome))
    end
    opts.out(str_format("The version table says %s", #heads > 0 and table_concat(heads, ", ") or "base"))
    return true
  end, true)
end

---------------------------------------------------------------------------
-- test: busted inside this host, so that specs need no separate C module.

function M.test(_, opts)
  -- -u URL (before or after `test`): the server luamig.testing makes its
  -- scratch databases on; the other arguments are busted's.
  local url, args = opts.url, {}
  local i = 1
  while i <= #opts.args do
    local a = opts.args[i]
    if a == "-u" or a == "--url" then url = opts.args[i + 1]; i = i + 2
    elseif a:match("^%-%-url=") then url = a:sub(7); i = i + 1
    else args[#args + 1] = a; i = i + 1 end
  end
  if url then require("luamig.testing").default_url = url end
  _G.arg = { [0] = "busted" }
  for j, a in ipairs(args) do _G.arg[j] = a end
  local ok, runner = pcall(require, "busted.runner")
  if not ok then
    return nil, "test: busted is not installed (apt-get install lua-busted): " .. tostring(runner), 2
  end
  runner { standalone = false }
  return true
end

return M
