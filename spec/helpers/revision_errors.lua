-- How the schema and op specs run a few lines as a revision would, to
-- check that a constructor or an op rejects bad arguments at the
-- revision's line: a line of Lua run as line 1 of a revision file, in the
-- environment a revision gets, and the error it raises; or a body run as
-- the upgrade() of a revision file, with `op` on a context the spec gives.

local assert = require("luassert")
local types = require("luamig.schema.types")

local M = {}

local FILE = "migrations/versions/abc_test.lua"

--- Where such an error says it happened.
M.WHERE = FILE .. ":1: "

--- Runs `src` as if it were line 1 of a revision file and returns its error.
function M.revision_error(src)
  local chunk = assert(load(src, "@" .. FILE, "t", types.export({})))
  local ok, err = pcall(chunk)
  assert.is_false(ok)
  return err
end

--- Asserts for each { src, message } of `cases` that `prefix .. src`
-- fails at line 1 of the revision with `message`.
function M.assert_rejects(cases, prefix)
  for _, case in ipairs(cases) do
    assert.equal(M.WHERE .. case[2], M.revision_error((prefix or "") .. case[1]), case[1])
  end
end

--- The revision file run_upgrade's bodies are in.
M.REVISION = "migrations/versions/4f1c0a9be2d3_links.lua"

--- Runs `body` as the upgrade() of M.REVISION, whose line 2 is the body,
-- with `op` on `ctx`; pcall's results.
function M.run_upgrade(ctx, body)
  local env = types.export({ pairs = pairs, ipairs = ipairs })
  env.op = require("luamig.ops").new(ctx)
  local chunk = assert(load("function upgrade()\n" .. body .. "\nend", "@" .. M.REVISION, "t", env))
  chunk()
  return pcall(env.upgrade)
end

return M
