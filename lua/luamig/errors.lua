-- luamig.errors: the one error value of a command. A command that cannot go
-- on raises it with error(); the CLI (cli.lua) catches it and shows it with
-- report(), the embedding API (api.lua) turns it into nil, msg, status.
-- Between the two, no layer forwards a failure by hand.
--
-- An error value has:
--   kind       "usage" or "input" (exit 2: bad arguments, files, URLs),
--              "failed" (exit 1: the command ran and something failed), or
--              "internal" (exit 1: a Lua error inside luamig, a bug);
--   message    one line that names the file, line or argument at fault;
--   where      optional: the file, line or argument the message is about,
--              put before it ("--head", "-r 1:2", "versions/x.lua:3");
--   hint       optional: what to do next, put after it;
--   status     the exit status (2 for usage and input, else 1, or 128 + a
--              signal's number for an interrupted run);
--   traceback  with -v only: where a revision raised, or where luamig did.
--
-- Below the commands, functions keep Lua's own convention (nil, msg) for
-- failures their caller handles; check() turns such a result into a raise
-- where the command gives up.

local M = {}

local Error = {}
Error.__index = Error

local KIND_OF_STATUS = { [2] = "input" }

--- The error value of fields (see above); status defaults from kind.
function M.new(fields)
  local kind = fields.kind or KIND_OF_STATUS[fields.status] or "failed"
  local status = fields.status or ((kind == "usage" or kind == "input") and 2 or 1)
  return setmetatable({ kind = kind, message = fields.message, where = fields.where, hint = fields.hint,
    status = status, traceback = fields.traceback }, Error)
end

function M.is(value)
  return getmetatable(value) == Error
end

--- The text the reporter shows for e: "where: message; hint".
function M.text(e)
  local text = e.message or ""
  if e.where then text = e.where .. ": " .. text end
  if e.hint then text = text .. "; " .. e.hint end
  return text
end
Error.__tostring = M.text

function M.raise(fields)
  error(M.new(fields), 0)
end

--- Raises msg with status (default 1); a nil msg raises a failure that has
-- been shown already (a fleet prints its targets' failures itself).
function M.fail(msg, status, traceback)
  error(M.new { message = msg, status = status, traceback = traceback }, 0)
end

--- check(ok, msg, status, traceback, ...): the results of a call that
-- follows Lua's convention. A success is passed through whole; a failure
-- (ok nil or false) raises msg with status.
function M.check(ok, ...)
  if ok then return ok, ... end
  local msg, status, traceback = ...
  M.fail(msg, status, traceback)
end

-- xpcall's handler: an error value stays as raised; anything else is a
-- bug in luamig (or in a library it calls) and keeps its traceback.
local function as_error(raised)
  if M.is(raised) then return raised end
  local msg = type(raised) == "string" and raised or ("(error object is a " .. type(raised) .. " value: "
    .. tostring(raised) .. ")")
  return M.new { kind = "internal", message = msg, status = 1, traceback = debug.traceback(nil, 2) }
end

--- catch(fn, ...): true, fn's results; or false and the error value.
function M.catch(fn, ...)
  local results = table.pack(xpcall(fn, as_error, ...))
  if results[1] then return table.unpack(results, 1, results.n) end
  return false, results[2]
end

--- Shows e on stderr through write(text): `luamig: <text>`, in red at a
-- terminal (opts.colour), with the traceback after it when opts.verbose.
-- Of an internal error only the first line shows without -v (a Lua
-- error's message can run on); a command's own message is shown whole (a
-- failed step lists the statements that ran). An error without a message
-- has been shown already.
function M.report(e, opts, write)
  if e.message ~= nil then
    local first = M.text(e)
    if e.kind == "internal" and not opts.verbose then first = first:match("^[^\n]*") end
    write((opts.colour and "\27[1;31mluamig:\27[0m " or "luamig: ") .. first .. "\n")
  end
  if opts.verbose and e.traceback then write(e.traceback .. "\n") end
end

return M
