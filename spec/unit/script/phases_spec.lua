-- Expand/contract in revision files: the fast reader (revscan) takes a
-- phased file without upgrade(), evaluation checks the phases come in
-- pairs, and luamig.script.phases picks the functions each step calls.
local revscan = require("luamig.revscan")
local script = require("luamig.script")
local phases = require("luamig.script.phases")

local NONE = setmetatable({}, { __newindex = function() error("read-only") end })
local PATH = "migrations/versions/b2.lua"

local PHASED = [[
revision = "b2"
down_revision = "a1"
function expand() end
function contract() end
function downgrade_contract() end
function downgrade_expand() end
]]

local function compiled(src)
  local record = assert(script.from_source(PATH, src))
  assert(script.compile(record))
  return record
end

describe("expand/contract in revision files", function()
  it("is read by revscan without evaluating the file", function()
    local record = revscan.record(PHASED, PATH, NONE)
    assert.is_table(record)
    assert.equal("b2", record.id)
    assert.same({ "a1" }, record.down_revisions)
  end)

  it("is not read by revscan when a phase is missing and there is no upgrade()", function()
    assert.is_nil(revscan.record('revision = "b2"\nfunction expand() end\n', PATH, NONE))
  end)

  it("refuses expand() without contract(), and a phase that is not a function", function()
    local record, err = script.from_source(PATH, 'revision = "b2"\nfunction expand() end\n')
    assert.is_nil(record)
    assert.equal(PATH .. ": revision b2 defines expand() without contract(): a phased revision defines both", err)
    record, err = script.from_source(PATH, 'revision = "b2"\nfunction upgrade() end\ncontract = 1\nexpand = 2\n')
    assert.is_nil(record)
    assert.matches("expand must be a function, got number", err)
    record, err = script.from_source(PATH, 'revision = "b2"\n')
    assert.is_nil(record)
    assert.equal(PATH .. ": revision b2 has no upgrade() function (nor expand() and contract())", err)
  end)

  it("calls each phase alone, both for a whole run, and upgrade() when the file has one", function()
    local record = compiled(PHASED)
    assert.same({ { "expand" }, "expand" }, { phases.calls(record, { direction = "up", phase = "expand" }) })
    assert.same({ { "contract" }, "contract" }, { phases.calls(record, { direction = "up", phase = "contract" }) })
    assert.same({ { "expand", "contract" } }, { phases.calls(record, { direction = "up" }) })
    local with_upgrade = compiled(PHASED .. "function upgrade() end\n")
    assert.same({ { "upgrade" } }, { phases.calls(with_upgrade, { direction = "up" }) })
    local whole = compiled('revision = "a1"\nfunction upgrade() end\n')
    assert.same({ { "upgrade" } }, { phases.calls(whole, { direction = "up", phase = "expand" }) })
  end)

  it("undoes the halves that ran", function()
    local record = compiled(PHASED)
    assert.same({ { "downgrade_expand" }, "expand" }, { phases.calls(record, { direction = "down", expanded = true }) })
    assert.same({ { "downgrade_contract", "downgrade_expand" } }, { phases.calls(record, { direction = "down" }) })
    local with_down = compiled(PHASED .. "function downgrade() end\n")
    assert.same({ { "downgrade" } }, { phases.calls(with_down, { direction = "down" }) })
    local bare = compiled('revision = "b2"\nfunction expand() end\nfunction contract() end\n')
    local calls, err = phases.calls(bare, { direction = "down", expanded = true })
    assert.is_nil(calls)
    assert.matches("only expanded .* no downgrade_expand%(%) function", err)
    calls, err = phases.calls(bare, { direction = "down" })
    assert.is_nil(calls)
    assert.matches("has no downgrade%(%) function %(nor downgrade_contract%(%) and downgrade_expand%(%)%)", err)
  end)
end)
