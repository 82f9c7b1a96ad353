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
local sys = require "luamig.sys"

local ipairs, type = ipairs, type
local str_format, table_concat = string.format, table.concat
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

local function with_context(cfg, opts, fn)
  local ctx, err, status = context.open(cfg, { log = opts.log })
  if not ctx then return nil, err, status end
  local ok, msg, st, tb = fn(ctx)
  ctx:close()
  return ok, msg, st, tb
end

local function is_head(graph, id)
  for _, h in ipairs(graph:heads()) do if h == id then return true end end
  return false
end

local function parents_text(node)
  if #node.down_revisions == 0 then return "<base>" end
  return table_concat(node.down_revisions, ", ")
end

-- "ae1023 (head)" / "(branchpoint)" / "(mergepoint)" / "(label)"
local function decorated(graph, node)
  local marks = {}
  if is_head(graph, node.id) then marks[#marks + 1] = "head" end
  if #node.down_revisions > 1 then marks[#marks + 1] = "mergepoint" end
  if node.children and #node.children > 1 then marks[#marks + 1] = "branchpoint" end
  for _, label in ipairs(node.branch_labels or {}) do marks[#marks + 1] = label end
  if #marks == 0 then return node.id end
  return str_format("%s (%s)", node.id, table_concat(marks, ", "))
end

local function history_line(graph, node)
  return str_format("%s -> %s, %s", parents_text(node), decorated(graph, node), node.doc or "")
end

local function verbose_block(graph, node)
  local lines = {
    "Rev: " .. decorated(graph, node),
    "Parent: " .. parents_text(node),
  }
  if #(node.depends_on or {}) > 0 then
    lines[#lines + 1] = "Depends on: " .. table_concat(node.depends_on, ", ")
  end
  local kids = {}
  for _, c in ipairs(node.children or {}) do kids[#kids + 1] = type(c) == "table" and c.id or c end
  if #kids > 0 then lines[#lines + 1] = "Children: " .. table_concat(kids, ", ") end
  lines[#lines + 1] = "Path: " .. (node.path or "?")
  lines[#lines + 1] = ""
  lines[#lines + 1] = "    " .. (node.doc or "")
  lines[#lines + 1] = ""
  return table_concat(lines, "\n")
end

---------------------------------------------------------------------------
-- init

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
  if not ok then return nil, err, 2 end
  opts.out(str_format("Created %s/luamig.lua and %s/{versions/,script.lua.tmpl}", dir, migrations))
  opts.out("Next: luamig revision -m \"create first tables\"")
  return true
end

---------------------------------------------------------------------------
-- revision

function M.revision(cfg, opts)
  local message = opts.message
  if not message then
    return nil, "revision: -m MESSAGE is required (a few words about the change)", 2
  end
  local graph, by_id, status = load_graph(cfg)
  if not graph then return nil, by_id, status end
  local rev_id = opts.rev_id or sys.random_hex(12)
  if not rev_id:match("^[%w_]+$") or #rev_id > 32 then
    return nil, str_format("--rev-id %q: use up to 32 letters, digits or _", rev_id), 2
  end
  if by_id[rev_id] then
    return nil, str_format("--rev-id %s: revision %s already exists in %s", rev_id, rev_id, by_id[rev_id].path), 2
  end
  local downs
  if opts.head then
    local ids, err = graph:resolve(opts.head, {})
    if not ids then return nil, "--head: " .. err, 2 end
    downs = ids
  else
    downs = graph:heads()
    if #downs > 1 then
      return nil, str_format("the project has %d heads (%s): pass --head REV to choose the parent, "
        .. "or run 'luamig merge heads -m \"merge\"' first", #downs, table_concat(downs, ", ")), 2
    end
  end
  local dirs = script.version_dirs(cfg)
  local path, created = script.create(cfg, {
    message = message, rev_id = rev_id, down_revisions = downs,
    directory = opts.version_path or dirs[1],
  })
  if not path then return nil, created, 2 end
  opts.out(str_format("Generating %s ... done", path))
  return true
end

---------------------------------------------------------------------------
-- upgrade / downgrade

local function migrate(direction, cfg, opts)
  local graph, by_id, status = load_graph(cfg)
  if not graph then return nil, by_id, status end
  return with_context(cfg, opts, function(ctx)
    local heads, err = ctx:current_heads()
    if not heads then return nil, err, 1 end
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
    return ctx:run_steps(steps, by_id)
  end)
end

function M.upgrade(cfg, opts)
  opts.target = opts.args[1] or "head"
  return migrate("up", cfg, opts)
end

function M.downgrade(cfg, opts)
  opts.target = opts.args[1]
  if not opts.target then
    return nil, "downgrade: a target is required (a revision, -1, or base)", 2
  end
  return migrate("down", cfg, opts)
end

---------------------------------------------------------------------------
-- current / heads / history / show

function M.current(cfg, opts)
  local graph, _, status = load_graph(cfg)
  if not graph then return nil, _, status end
  return with_context(cfg, opts, function(ctx)
    local heads, err = ctx:current_heads()
    if not heads then return nil, err, 1 end
    if opts.verbose then
      opts.out("Current revision(s) for " .. config.mask_url(cfg.url) .. ":")
    end
    for _, id in ipairs(heads) do
      local node = graph:get(id)
      if not node then
        opts.out(str_format("%s (no revision file has this id)", id))
      elseif opts.verbose then
        opts.out(verbose_block(graph, node))
      else
        opts.out(decorated(graph, node))
      end
    end
    return true
  end)
end

function M.heads(cfg, opts)
  local graph, _, status = load_graph(cfg)
  if not graph then return nil, _, status end
  for _, id in ipairs(graph:heads()) do
    local node = graph:get(id)
    opts.out(opts.verbose and verbose_block(graph, node) or decorated(graph, node))
  end
  return true
end

function M.history(cfg, opts)
  local graph, _, status = load_graph(cfg)
  if not graph then return nil, _, status end
  local nodes, err = graph:walk(opts.range)
  if not nodes then return nil, err, 2 end
  for _, node in ipairs(nodes) do
    opts.out(opts.verbose and verbose_block(graph, node) or history_line(graph, node))
  end
  return true
end

function M.show(cfg, opts)
  local target = opts.args[1]
  if not target then return nil, "show: a revision is required", 2 end
  local graph, _, status = load_graph(cfg)
  if not graph then return nil, _, status end
  local ids, err = graph:resolve(target, {})
  if not ids then return nil, err, 2 end
  for _, id in ipairs(ids) do opts.out(verbose_block(graph, graph:get(id))) end
  return true
end

---------------------------------------------------------------------------
-- stamp

function M.stamp(cfg, opts)
  if #opts.args == 0 then return nil, "stamp: a revision is required (or base, or head)", 2 end
  local graph, _, status = load_graph(cfg)
  if not graph then return nil, _, status end
  local heads = {}
  for _, target in ipairs(opts.args) do
    if target ~= "base" then
      local ids, err = graph:resolve(target, {})
      if not ids then return nil, err, 2 end
      for _, id in ipairs(ids) do heads[#heads + 1] = id end
    end
  end
  return with_context(cfg, opts, function(ctx)
    local ok, err = ctx:stamp(heads)
    if not ok then return nil, err, 1 end
    opts.log("Stamped " .. (#heads > 0 and table_concat(heads, ", ") or "base"))
    return true
  end)
end

---------------------------------------------------------------------------
-- test: busted inside this host, so that specs need no separate C module.

function M.test(_, opts)
  _G.arg = { [0] = "busted" }
  for i, a in ipairs(opts.args) do _G.arg[i] = a end
  local ok, runner = pcall(require, "busted.runner")
  if not ok then
    return nil, "test: busted is not installed (apt-get install lua-busted): " .. tostring(runner), 2
  end
  runner { standalone = false }
  return true
end

return M
