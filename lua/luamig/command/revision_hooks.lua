-- luamig.command.revision_hooks: `post_write_hooks`, what runs on a new
-- revision file once it is written (by `revision`, with or without
-- --autogenerate, and by `merge`), as Alembic's [post_write_hooks]:
--
--   post_write_hooks = {
--     { type = "exec", command = "stylua", args = { "REVISION_SCRIPT_FILENAME" } },
--     { type = "lua", name = "header", fn = function(path, context) ... end },
--     function(path, context) ... end,   -- the same, unnamed
--   }
--
-- An exec hook is started directly (posix_spawn through luamig.spawn, no
-- shell, so a file name is never parsed as shell words): `command` is a
-- path, or a name looked up in $PATH; in `args`, REVISION_SCRIPT_FILENAME
-- (also inside a word, "--file=REVISION_SCRIPT_FILENAME") becomes the new
-- file's path, and when no argument holds it the path goes first, as in
-- Alembic. Its output is passed on to stderr (-q hides it).
-- Hooks run in order; the first that fails (a non-zero exit, a signal, a
-- Lua hook that raises or returns false or nil, "msg") stops the command
-- with exit 1, naming the hook and keeping the file: it is a good
-- revision, only not formatted or checked. The file is read back after
-- the hooks, so that one that leaves it unloadable is caught now.
--
-- The older `post_write_hook = "command words"` (a shell command line, run
-- on --autogenerate's files only) is kept as it was: run_legacy.

local spawn = require("luamig.spawn")
local interrupt = require("luamig.interrupt")
local sys = require("luamig.sys")
local script = require("luamig.script")
local failure = require("luamig.script.failure")
local errors = require("luamig.errors")

local M = {}

M.TOKEN = "REVISION_SCRIPT_FILENAME"

local POLL_SECONDS = 0.1

local function setting(cfg)
  return string.format("config file %s: post_write_hooks", cfg.config_file or "luamig.lua")
end

local ALLOWED = { type = true, command = true, args = true, name = true, fn = true }

-- What is wrong with hook h (nil when it is fine).
local function hook_error(h)
  if type(h) == "function" then return nil end
  if type(h) ~= "table" then return string.format("is a %s: use a table { type = \"exec\", ... } or a function",
    type(h)) end
  for k in pairs(h) do
    if not ALLOWED[k] then return string.format("has an unknown key %s (the keys: type, command, args, name, fn)",
      tostring(k)) end
  end
  if h.name ~= nil and type(h.name) ~= "string" then return "has a name that is not a string" end
  if h.type == "exec" then
    if type(h.command) ~= "string" or h.command == "" then return "(exec) needs command, the program to run" end
    if h.fn ~= nil then return "(exec) takes command and args, not fn" end
    if h.args ~= nil then
      if type(h.args) ~= "table" then return "(exec) has args that are not a list of strings" end
      for k, v in pairs(h.args) do
        if math.type(k) ~= "integer" or k < 1 or k > #h.args or type(v) ~= "string" then
          return "(exec) has args that are not a list of strings"
        end
      end
    end
  elseif h.type == "lua" then
    if type(h.fn) ~= "function" then return "(lua) needs fn, a function(path, context)" end
    if h.command ~= nil or h.args ~= nil then return "(lua) takes fn, not command or args" end
  else
    return string.format("has type %s: use \"exec\" (a program) or \"lua\" (a function)", tostring(h.type))
  end
end

--- Raises (exit 2, naming the setting) when post_write_hooks is not a list
-- of good hooks; checked before anything is written.
function M.check(cfg)
  local hooks = cfg.post_write_hooks
  if hooks == nil then return end
  for k in pairs(hooks) do
    if math.type(k) ~= "integer" or k < 1 or k > #hooks then
      errors.fail(string.format("%s must be a list of hooks, got the key %s", setting(cfg), tostring(k)), 2)
    end
  end
  for i, h in ipairs(hooks) do
    local err = hook_error(h)
    if err then errors.fail(string.format("%s[%d] %s", setting(cfg), i, err), 2) end
  end
end

local function label(h, i)
  local name = type(h) == "table" and (h.name or h.command) or nil
  return string.format("post_write_hooks[%d]%s", i, name and (" (" .. name .. ")") or "")
end

-- The program to start: a path as it is, a bare name from $PATH.
local function find_program(command)
  if command:find("/", 1, true) then
    if sys.access(command, "x") then return command end
    return nil, string.format("%s is not an executable file", command)
  end
  for dir in ((os.getenv("PATH") or "") .. ":"):gmatch("([^:]*):") do
    local candidate = (dir == "" and "." or dir) .. "/" .. command
    local st = sys.stat(candidate)
    if st and st.type == "file" and sys.access(candidate, "x") then return candidate end
  end
  return nil, string.format("%s is not found in $PATH", command)
end

-- The arguments with the token replaced; the path first when none has it.
local function arguments(args, path)
  local out, seen = {}, false
  for i, a in ipairs(args or {}) do
    if a:find(M.TOKEN, 1, true) then seen = true end
    out[i] = (a:gsub(M.TOKEN, (path:gsub("%%", "%%%%"))))
  end
  if not seen then table.insert(out, 1, path) end
  return out
end

-- Passes the hook's output on, a line at a time.
local function relay(opts, text)
  for line in text:gmatch("[^\n]+") do opts.log(line) end
end

-- Runs exec hook h on path; nil when it succeeded, else why it failed and
-- the exit status luamig must end with.
local function run_exec(opts, h, path)
  local exe, ferr = find_program(h.command)
  if not exe then return ferr, 1 end
  local proc, serr = spawn.start(exe, arguments(h.args, path), {})
  if not proc then return string.format("cannot start %s: %s", exe, tostring(serr)), 1 end
  -- The child runs in a process group of its own (luamig.spawn), so a
  -- Ctrl-C reaches luamig only: it is passed on, and luamig waits for the
  -- hook to end before it says so.
  if not opts.embedded then interrupt.trap() end
  local forwarded
  while #spawn.wait({ proc }, POLL_SECONDS) == 0 do
    local signame, signum = interrupt.caught()
    if signame and not forwarded then
      forwarded = signame
      proc:signal(signum)
    end
  end
  relay(opts, proc:output(1))
  relay(opts, proc:output(2))
  local status, signal = proc:result()
  local signame, signum = interrupt.caught()
  if signame then return string.format("interrupted by %s", signame), 128 + signum end
  if signal then return string.format("killed by signal %d", signal), 1 end
  if status ~= 0 then return string.format("exit %d", status), 1 end
end

-- Runs Lua hook fn on path; nil when it succeeded, else why it failed.
local function run_lua(cfg, fn, path, context)
  local results = table.pack(xpcall(fn, failure.handler(cfg.config_file or "luamig.lua"), path, context))
  if not results[1] then return results[2].message end
  if results[2] == false then return "it returned false" end
  if results[2] == nil and type(results[3]) == "string" then return results[3] end
end

--- Runs cfg.post_write_hooks on the new file at path; context (rev_id,
-- message, path, autogenerate) is what a Lua hook gets besides the path.
-- A failure raises, keeping the file.
function M.run(cfg, opts, path, context)
  local hooks = cfg.post_write_hooks
  if not hooks or #hooks == 0 then return end
  for i, h in ipairs(hooks) do
    opts.log(string.format("Running %s on %s", label(h, i), path))
    local why, status
    if type(h) == "table" and h.type == "exec" then
      why, status = run_exec(opts, h, path)
    else
      why = run_lua(cfg, type(h) == "function" and h or h.fn, path, context)
    end
    if why then
      errors.fail(string.format("%s failed on %s (%s); the file is written and kept: fix it or run the hook again"
        .. " by hand", label(h, i), path, why), status or 1)
    end
  end
  local loaded, err = script.load_file(path)
  if not loaded or loaded.id ~= context.rev_id then
    errors.fail(string.format("after post_write_hooks, %s is not a good revision any more: %s; the file is kept",
      path, loaded and string.format("its revision is %s, not %s", tostring(loaded.id), context.rev_id) or err), 1)
  end
end

--- post_write_hook (a shell command line, the older setting): run on the
-- new file, quoted for the shell.
function M.run_legacy(cfg, path)
  if not cfg.post_write_hook then return end
  local cmd = cfg.post_write_hook .. " '" .. path:gsub("'", "'\\''") .. "'"
  local ok, _, code = os.execute(cmd)
  if not ok then
    errors.fail(string.format("post_write_hook %q failed on %s (exit %s); the file is written", cfg.post_write_hook,
      path, tostring(code)), 1)
  end
end

return M
