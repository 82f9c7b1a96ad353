-- luamig.errors: the one error value, how a result in Lua's convention
-- becomes a raise, what catch makes of anything raised, and the reporter.

local errors = require("luamig.errors")

local function caught(fn, ...)
  local ok, e = errors.catch(fn, ...)
  assert.is_false(ok)
  return e
end

describe("luamig.errors", function()
  it("takes the exit status from the kind, and the kind from the status", function()
    assert.equal(2, errors.new({ kind = "usage", message = "m" }).status)
    assert.equal(2, errors.new({ kind = "input", message = "m" }).status)
    assert.equal(1, errors.new({ message = "m" }).status)
    assert.equal("failed", errors.new({ message = "m" }).kind)
    assert.equal("input", errors.new({ message = "m", status = 2 }).kind)
    assert.equal(130, errors.new({ message = "m", status = 130 }).status)
  end)

  it("writes where before the message and the hint after it", function()
    local e = errors.new { where = "--head", message = "revision abc is not a head", hint = "pass --splice" }
    assert.equal("--head: revision abc is not a head; pass --splice", errors.text(e))
    assert.equal(errors.text(e), tostring(e))
  end)

  it("passes a success through check whole, and raises a failure with its status", function()
    assert.same({ 1, 2, 3 }, { errors.check(1, 2, 3) })
    local e = caught(function() errors.check(nil, "no such table", 2, "tb") end)
    assert.is_true(errors.is(e))
    assert.equal("no such table", e.message)
    assert.equal(2, e.status)
    assert.equal("tb", e.traceback)
    e = caught(function() errors.check(false, "refused") end)
    assert.equal(1, e.status)
  end)

  it("returns a function's results through catch, and keeps a raised error value as it is", function()
    assert.same({ true, "a", nil, "c" }, { errors.catch(function() return "a", nil, "c" end) })
    local raised = errors.new { message = "m", status = 2 }
    assert.equal(raised, caught(error, raised, 0))
  end)

  it("makes anything else raised an internal error with its traceback", function()
    local e = caught(function() local t = nil; return t.x end)
    assert.equal("internal", e.kind)
    assert.equal(1, e.status)
    assert.matches("attempt to index a nil value", e.message)
    assert.matches("^stack traceback:", e.traceback)
    e = caught(error, {})
    assert.matches("^%(error object is a table value: table: ", e.message)
    e = caught(error, nil)
    assert.equal("(error object is a nil value: nil)", e.message)
  end)

  it("reports one line, the traceback only when verbose, and nothing for an error already shown", function()
    local out
    local function write(text) out[#out + 1] = text end
    local function report(e, opts) out = {}; errors.report(e, opts, write); return table.concat(out) end
    local failed = errors.new { message = "step failed:\n  CREATE TABLE t (...)", traceback = "stack traceback:\n\tx" }
    assert.equal("luamig: step failed:\n  CREATE TABLE t (...)\n", report(failed, {}))
    assert.equal("luamig: step failed:\n  CREATE TABLE t (...)\nstack traceback:\n\tx\n",
      report(failed, { verbose = true }))
    assert.equal("\27[1;31mluamig:\27[0m step failed:\n  CREATE TABLE t (...)\n", report(failed, { colour = true }))
    local internal = errors.new { kind = "internal", message = "x.lua:1: boom\nmore", traceback = "stack traceback:" }
    assert.equal("luamig: x.lua:1: boom\n", report(internal, {}))
    assert.equal("", report(errors.new { status = 1 }, {}))
  end)
end)
