-- luamig.cli: the command line. Parses flags (each command's from its file,
-- luamig.command.<name>), prints help, dispatches to luamig.command and
-- turns results into exit codes:
-- 0 success, 1 the command ran and found a problem (a failed migration),
-- 2 usage or input error. A command that fails raises a luamig.errors
-- value; main catches it and is the one place that reports it: one line,
-- `luamig: <what>: <why>`, a traceback only with -v.

-- Loaded on first use: --version, --help and a mistyped command need none of
-- them (luamig.lazy).
local lazy = require("luamig.lazy")
local command = require("luamig.command")
local config = lazy("luamig.config")
local fleet = lazy("luamig.fleet")
local sys = require("luamig.sys")
local errors = lazy("luamig.errors")
local dotenv = lazy("luamig.config.dotenv")

local M = {}

-- Flags every command takes. `value` flags consume the next argument (or
-- --flag=value); `multi` ones collect into a list.
local GLOBAL_FLAGS = {
  { "-c", "--config", key = "config_file", value = "FILE", help = "settings file (default ./luamig.lua when present)" },
  { "-u", "--url", key = "url", value = "URL", help = "database URL (overrides luamig.lua and $DATABASE_URL)" },
  { "--schema", key = "schema", value = "NAME",
    help = "PostgreSQL schema the revisions and luamig's tables live in (a tenant's)" },
  { "-x", key = "x", value = "KEY=VALUE", multi = true, help = "extra setting for revisions (repeatable)" },
  { "--env-file", key = "env_file", value = "FILE", multi = true,
    help = "read environment variables from FILE instead of ./.env (repeatable)" },
  { "--no-dotenv", key = "no_dotenv", help = "do not read ./.env" },
  { "-q", "--quiet", key = "quiet", help = "print only results and errors" },
  { "-v", "--verbose", key = "verbose", help = "more detail; tracebacks on errors" },
  { "-h", "--help", key = "help", help = "show help" },
}

local FLEET_HELP = [[
Fleets: with --targets FILE (a line per database: URL, or NAME URL; # for
comments; - reads stdin), --target NAME or --all-targets (luamig.lua's
targets table), the command runs on each database, at most --jobs at once,
and prints a line per target as it ends, then a summary; exit 1 if any
failed. --shard I/N keeps the targets whose FNV-1a hash of the name, mod N,
is I - 1 (an unnamed target's name is its URL, password masked).]]

local TARGETS_HELP = [[
Targets: head, heads, base, a revision id or a unique prefix of 4+
characters, a branch label, label@head, label@base, rev@head, +N / -N
(relative to the current revision), rev+N, label@-N, head-1, base+2.]]

local function find_flag(list, arg)
  for _, flag in ipairs(list) do
    if flag[1] == arg or flag[2] == arg then return flag end
  end
end

local function flag_names(flag)
  return flag[2] and (flag[1] .. ", " .. flag[2]) or flag[1]
end

local function flag_lines(list)
  local lines = {}
  for _, flag in ipairs(list) do
    local left = flag_names(flag) .. (flag.value and (" " .. flag.value) or "")
    lines[#lines + 1] = string.format("  %-28s %s", left, flag.help)
  end
  return table.concat(lines, "\n")
end

local function main_help()
  local lines = {
    "usage: luamig [-c FILE] [-u URL] [-x KEY=VALUE]... [-q|-v] COMMAND [ARGS]",
    "",
    "Database migrations in Lua for SQLite, PostgreSQL and MySQL/MariaDB.",
    "",
    "Commands:",
  }
  for _, name in ipairs(command.NAMES) do
    lines[#lines + 1] = string.format("  %-10s %s", name, command.SUMMARY[name])
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "Options:"
  lines[#lines + 1] = flag_lines(GLOBAL_FLAGS)
  lines[#lines + 1] = "  --version                    print luamig's version"
  lines[#lines + 1] = ""
  lines[#lines + 1] = "upgrade, downgrade, current, check, verify, stamp and history --applied run on a fleet of"
  lines[#lines + 1] = "databases with --targets FILE, --target NAME or --all-targets."
  lines[#lines + 1] = "'luamig COMMAND --help' shows a command's options."
  return table.concat(lines, "\n")
end

local function command_help(name)
  local spec = command.spec(name)
  local lines = { "usage: luamig [options] " .. spec.usage, "", command.SUMMARY[name] .. "." }
  -- The fleet's flags under a heading of their own: the man page documents
  -- them once, in FLEETS, rather than in each command's section.
  local own, of_fleet = {}, {}
  for _, flag in ipairs(spec.flags) do
    local list = flag.fleet and of_fleet or own
    list[#list + 1] = flag
  end
  if #own > 0 then
    lines[#lines + 1] = ""
    lines[#lines + 1] = "Options:"
    lines[#lines + 1] = flag_lines(own)
  end
  if #of_fleet > 0 then
    lines[#lines + 1] = ""
    lines[#lines + 1] = "Fleet options:"
    lines[#lines + 1] = flag_lines(of_fleet)
  end
  if spec.targets_help then
    lines[#lines + 1] = ""
    lines[#lines + 1] = TARGETS_HELP
  end
  if fleet.COMMANDS[name] then
    lines[#lines + 1] = ""
    lines[#lines + 1] = FLEET_HELP
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "Global options:"
  lines[#lines + 1] = flag_lines(GLOBAL_FLAGS)
  return table.concat(lines, "\n")
end

-- A lone dash followed by digits is a relative target (-1), not a flag.
local function is_flag(arg)
  return arg:sub(1, 1) == "-" and arg ~= "-" and not arg:match("^%-%d+$")
end

-- A short option with its value attached (`-mMSG`, `-r-3:current`,
-- `-usqlite:x.db`) or several short options together (`-qv`, `-vr-3:current`),
-- as getopt reads them: "-" and a letter that is not "-", then more.
local function is_cluster(arg)
  return #arg > 2 and arg:sub(2, 2) ~= "-" and is_flag(arg)
end

--- The options of a short cluster, in order: { {name, inline}... }, where
-- inline is the attached value of an option that takes one (nil when its
-- value is the next argument). lookup(name) finds a flag. An unknown letter
-- ends the list with { name, unknown = true }. `-m=MSG` is `-m MSG`, as
-- Alembic's argparse reads it, rather than getopt's "=MSG".
local function split_cluster(arg, lookup)
  local out, pos = {}, 2
  while pos <= #arg do
    local name = "-" .. arg:sub(pos, pos)
    local flag = lookup(name)
    if not flag then out[#out + 1] = { name, unknown = true }; return out end
    local rest = arg:sub(pos + 1)
    if flag.value then
      if rest == "" then out[#out + 1] = { name }
      else out[#out + 1] = { name, rest:sub(1, 1) == "=" and rest:sub(2) or rest } end
      return out
    end
    out[#out + 1] = { name }
    pos = pos + 1
  end
  return out
end

local function global_flag(name) return find_flag(GLOBAL_FLAGS, name) end

-- The command argv names: the first argument that is a command's name and
-- not the value of a global option; nil when there is none. Known before
-- parsing, so that a command's own options are understood on either side
-- of its name (`luamig --dialect mysql downgrade --sql`), as people type
-- them.
local function command_named(argv)
  local i = 1
  while i <= #argv do
    local arg = argv[i]
    if arg == "--" then return nil end
    if is_cluster(arg) then
      -- `-qu URL`: the last option takes the next argument as its value
      local parts = split_cluster(arg, global_flag)
      local last = parts[#parts]
      local flag = not last.unknown and global_flag(last[1])
      if flag and flag.value and last[2] == nil then i = i + 1 end
    elseif is_flag(arg) then
      local flag = find_flag(GLOBAL_FLAGS, arg)
      if flag and flag.value then i = i + 1 end
    elseif command.spec(arg) then
      return command.spec(arg), arg
    end
    i = i + 1
  end
  return nil
end

--- Parse argv into {command =, args = {...}, <flag keys>}.
-- opts.child_argv is argv without the fleet's flags: what each target's
-- luamig runs. Returns the table or nil, msg.
function M.parse(argv)
  local opts = { args = {}, x = {}, child_argv = {} }
  local child = opts.child_argv
  local spec, took_command -- took_command: a value option that took a command name
  local named, named_command = command_named(argv)
  local function lookup(name)
    return ((spec or named) and find_flag((spec or named).flags, name)) or find_flag(GLOBAL_FLAGS, name)
  end
  local function unknown(name, within)
    local cmd = opts.command or named_command
    local where = cmd and (cmd .. ": ") or ""
    local hint = cmd and ("luamig " .. cmd .. " --help") or "luamig --help"
    local of = within and string.format(" in %s", within) or ""
    return string.format("%sunknown option %s%s (see '%s')", where, name, of, hint)
  end
  local i = 1
  -- One option: name, its attached value (inline) or nil. Takes the next
  -- argument when it needs a value and has none attached. Returns true to
  -- go on, false when the option went to the fleet (not passed to each
  -- target), or nil, msg.
  local function take(name, inline, flag)
    local value = true
    local keep = not flag.fleet
    if flag.value then
      if inline then value = inline
      else
        if keep then child[#child + 1] = argv[i] end
        i = i + 1
        value = argv[i]
        if value == nil then return nil, string.format("option %s needs a value (%s)", name, flag.value) end
        if command.spec(value) then took_command = { name = name, value = value, what = flag.value } end
      end
    elseif inline then
      return nil, string.format("option %s takes no value", name)
    end
    if flag.number then
      local n = tonumber(value)
      if not n or n < 0 or n ~= n or n == math.huge then
        return nil, string.format("option %s: expected a number of seconds >= 0, got %q", name, value)
      end
      value = n
    elseif flag.choices then
      local known = false
      for _, c in ipairs(flag.choices) do if c == value then known = true end end
      if not known then
        return nil, string.format("option %s: expected %s, got %q", name, table.concat(flag.choices, " or "), value)
      end
    end
    if flag.multi then
      local list = opts[flag.key] or {}
      list[#list + 1] = value
      opts[flag.key] = list
    else
      opts[flag.key] = value
    end
    return keep
  end
  while i <= #argv do
    local arg = argv[i]
    local keep = true
    if spec and spec.passthrough and #opts.args == 0 and (arg == "-h" or arg == "--help") then
      opts.help = true  -- luamig's help for `test`; the rest of the arguments are busted's
    elseif spec and spec.passthrough then
      opts.args[#opts.args + 1] = arg
    elseif arg == "--" then
      for j = i + 1, #argv do opts.args[#opts.args + 1] = argv[j] end
      for j = i, #argv do child[#child + 1] = argv[j] end
      break
    elseif arg == "--version" then
      opts.version = true
    elseif is_cluster(arg) then
      -- Short options are never the fleet's, so the cluster goes to each
      -- target's run as it was typed.
      -- An unknown first letter names the whole word: `-sql` is a long
      -- option mistyped more often than an -s with a value.
      for n, part in ipairs(split_cluster(arg, lookup)) do
        if part.unknown then return nil, n == 1 and unknown(arg) or unknown(part[1], arg) end
        local ok, err = take(part[1], part[2], lookup(part[1]))
        if ok == nil then return nil, err end
        if part[2] == nil and lookup(part[1]).value then arg = argv[i] end
      end
    elseif is_flag(arg) then
      local name, inline = arg:match("^(%-%-[^=]+)=(.*)$")
      name = name or arg
      local flag = lookup(name)
      if not flag then return nil, unknown(name) end
      local took, err = take(name, inline, flag)
      if took == nil then return nil, err end
      keep = took
      arg = argv[i]
    elseif not opts.command then
      spec = command.spec(arg)
      if not spec then
        return nil, string.format("unknown command %q (see 'luamig --help')", arg)
      end
      opts.command = arg
    else
      opts.args[#opts.args + 1] = arg
    end
    if keep then child[#child + 1] = arg end
    i = i + 1
  end
  if not opts.command and not opts.help and not opts.version and #argv > 0 then
    -- Options but no command: say so, rather than print the help as if
    -- nothing had been asked (`luamig -c history` reads "history" as -c's FILE).
    if took_command then
      return nil, string.format("no command given: %s took %q as its %s; write the command after the option's value",
        took_command.name, took_command.value, took_command.what)
    end
    return nil, "no command given (see 'luamig --help')"
  end
  if spec and not spec.passthrough and not opts.help then
    local n = #opts.args
    if spec.min and n < spec.min then
      return nil, string.format("%s: missing argument (usage: luamig %s)", opts.command, spec.usage)
    end
    if spec.max and n > spec.max then
      return nil, string.format("%s: unexpected argument %q (usage: luamig %s)",
        opts.command, opts.args[spec.max + 1], spec.usage)
    end
  end
  local x = {}
  for _, kv in ipairs(opts.x) do
    local k, v = kv:match("^([^=]+)=(.*)$")
    if not k then return nil, string.format("-x %s: expected KEY=VALUE", kv) end
    x[k] = v
  end
  opts.x = x
  return opts
end

-- Colour only for a person at a terminal: not when stderr is a file or a
-- pipe (CI logs), not with NO_COLOR set (https://no-color.org), not on a
-- dumb terminal.
local function colour()
  local no_color, term = os.getenv("NO_COLOR"), os.getenv("TERM")
  return sys.isatty(io.stderr) and (no_color == nil or no_color == "") and term ~= "dumb"
end

local function write_stderr(text)
  io.stderr:write(text)
end

-- e: a luamig.errors value, or the message of an error of `kind` ("usage"
-- or "input": exit 2).
local function report(e, verbose, kind)
  if not errors.is(e) then e = errors.new { kind = kind, message = e } end
  errors.report(e, { colour = colour(), verbose = verbose }, write_stderr)
  return e.status
end

-- Was a fleet's flag given? Only then is luamig.fleet loaded, to check them.
local function fleet_flags_given(opts)
  for _, flag in ipairs(command.spec(opts.command).flags or {}) do
    if flag.fleet and opts[flag.key] ~= nil then return true end
  end
  return false
end

--- Entry point from the C host: returns the exit status.
function M.main(argv)
  -- A run allocates many small, short-lived tables (one record per
  -- revision file); the generational collector handles that best.
  collectgarbage("generational")
  local opts, err = M.parse(argv)
  if not opts then return report(err, false, "usage") end
  if opts.version then io.stdout:write("luamig ", sys.version, "\n"); return 0 end
  if not opts.command then
    io.stdout:write(main_help(), "\n")
    return opts.help and 0 or 2
  end
  if opts.help then io.stdout:write(command_help(opts.command), "\n"); return 0 end
  local usage_err = fleet_flags_given(opts) and fleet.usage(opts)
  if usage_err then return report(usage_err, false, "usage") end
  -- A fleet's child (luamig.fleet): its database comes from the
  -- environment, where ps does not show the password, and it reports its
  -- outcome on the descriptor LUAMIG_FLEET_OUTCOME names.
  local outcome_fd = os.getenv("LUAMIG_FLEET_OUTCOME")
  if outcome_fd and not outcome_fd:match("^%d+$") then outcome_fd = nil end
  opts.fleet_child = outcome_fd ~= nil
  -- The .env file, before anything reads the environment (luamig.lua,
  -- $DATABASE_URL, libpq), as dbmate reads it; a variable set already wins.
  if opts.env_file and opts.no_dotenv then
    return report("--env-file and --no-dotenv: choose one", false, "usage")
  end
  if not opts.no_dotenv then
    for _, path in ipairs(opts.env_file or { ".env" }) do
      local loaded, env_err = dotenv.load(path, opts.env_file ~= nil)
      if not loaded then return report(env_err, false, "input") end
    end
  end
  local url = opts.url
  if opts.fleet_child and not url then url = os.getenv("LUAMIG_FLEET_URL") end
  local cfg, cfg_err = config.load { config_file = opts.config_file, url = url, schema = opts.schema, x = opts.x }
  if not cfg then return report(cfg_err, false, "input") end
  -- A write to stdout that fails (a full disk, a closed descriptor) is
  -- remembered, and ends the command in an error: a script or a listing
  -- cut short must not pass for a whole one.
  local out_failed
  opts.out = function(line)
    if out_failed then return end
    local written, werr = io.stdout:write(line, "\n")
    if not written then out_failed = werr end
  end
  -- One write per line: stderr is unbuffered, and a write of its own for
  -- the newline was a second system call for every revision a run logs.
  opts.log = opts.quiet and function() end or function(line) io.stderr:write(line .. "\n") end
  -- Data migrations' progress line (luamig.present.progress): redrawn in place at
  -- a terminal, plain lines with -v elsewhere; never with -q or --json.
  -- LUAMIG_PROGRESS_DELAY: seconds before it first shows (default 0.5).
  if not opts.quiet and not opts.json then
    opts.progress = sys.isatty(io.stderr) and "tty" or opts.verbose and "lines" or nil
  end
  opts.progress_delay = tonumber(os.getenv("LUAMIG_PROGRESS_DELAY") or "")
  local run = command.spec(opts.command).run
  if opts.targets or opts.target or opts.all_targets then run = fleet.run end
  local ok, failure = errors.catch(run, cfg, opts)
  if ok and outcome_fd and opts.outcome then
    local f = io.open("/dev/fd/" .. outcome_fd, "w")
    if f then f:write(opts.outcome[1], "\n", opts.outcome[2], "\n"); f:close() end
  end
  local flushed, flush_err = io.stdout:flush()
  out_failed = out_failed or (not flushed and flush_err)
  if out_failed then
    local status = report(errors.new { status = 1, message = string.format(
      "%s: standard output could not be written (%s); what it shows is incomplete", opts.command, out_failed) })
    if ok then return status end
  end
  if ok then return 0 end
  return report(failure, opts.verbose)
end

return M
