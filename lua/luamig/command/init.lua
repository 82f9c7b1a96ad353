-- luamig.command: the commands, one file each (luamig.command.<name>), as
-- LuaRocks has its cmd/. A command's file returns its usage,
-- argument counts (min, max), flags (luamig.command.flags), whether it
-- takes the targets help (targets_help) or busted's arguments (passthrough),
-- and run(cfg, opts): true, or a raised luamig.errors value (status 1: the
-- command ran and found a problem or a migration failed; 2: bad input),
-- which cli.lua reports and api.lua returns as nil, msg, status. Output
-- goes through opts.out (stdout) and opts.log (progress on stderr), so that
-- the same functions serve the CLI, the embedding API and the specs.
--
-- command.upgrade(cfg, opts) etc. run a command; command.spec(name) is its
-- file's table; command.NAMES lists them all.

local M = {}

-- Each command's one-line summary (luamig --help, luamig COMMAND --help):
-- here rather than in the command's file, so that the list of commands
-- loads no command.
M.SUMMARY = {
  branches = "show the revisions where history splits",
  check = "compare the models with the database; exit 1 on any difference",
  create = "create the database the URL names (exit 1 if it exists)",
  current = "show the revision(s) the database is at",
  downgrade = "revert revisions down to TARGET (a revision, -1, label@base or base)",
  drop = "drop the database the URL names, with all it holds (exit 1 if it does not exist)",
  graph = "write the revision graph as Graphviz DOT or Mermaid text",
  heads = "show the newest revision of each branch",
  history = "list revisions, newest first (--applied: the steps that ran on the database)",
  init = "create luamig.lua and migrations/{versions/,script.lua.tmpl} in DIR (default .)",
  lint = "check what the pending revisions would run for locks, rewrites and breaking changes",
  merge = "create a revision that merges REVs (e.g. heads) into one",
  plan = "show what upgrade would run: each statement, the locks it takes and its lint findings",
  repair = "after fixing the schema by hand: mark an unfinished (MySQL) step as settled",
  revision = "create a new revision file",
  show = "show one revision",
  stamp = "set the version table to REV without running migrations",
  status = "list every revision with its state on the database (applied, pending) and when it was applied",
  test = "run busted specs (spec/ by default) inside luamig; -u URL: scratch databases on that server; other arguments are busted's",
  upgrade = "apply revisions up to TARGET (default head)",
  verify = "check applied revisions against their files (edited, missing, unknown); exit 1 on drift",
  wait = "wait until the database server accepts connections (exit 1 after --timeout)",
}

M.NAMES = {}
for name in pairs(M.SUMMARY) do M.NAMES[#M.NAMES + 1] = name end
table.sort(M.NAMES)

-- `init` is this package's own file name.
local FILE = { init = "init_project" }

--- The table of command `name`'s file, or nil if there is no such command.
-- Each file is loaded the first time it is asked for: a run loads only
-- its own command.
function M.spec(name)
  if not M.SUMMARY[name] then return nil end
  return require("luamig.command." .. (FILE[name] or name))
end

return setmetatable(M, {
  __index = function(_, name)
    local spec = M.spec(name)
    return spec and spec.run
  end,
})
