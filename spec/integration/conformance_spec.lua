-- Conformance with Alembic: each of Alembic's op tests in spec/conformance/
-- run as a luamig revision on the real servers (how a case is judged:
-- spec/helpers/conformance.lua). A case must come out the same or
-- equivalent; one that documents a deliberate difference (`differs =
-- "why"`) must still differ, so that the README's list stays true. The
-- last test prints the tally and holds it to 97% same or equivalent.

local backends = require("helpers.backends")
local conformance = require("helpers.conformance")

local SOURCES = { "test_op", "test_postgresql", "test_mysql", "test_sqlite", "test_batch",
  "test_op_naming_convention", "test_bulk_insert" }

local ALL = { "sqlite", "postgres", "mysql" }

local cases = {}
for _, source in ipairs(SOURCES) do
  local ok, list = pcall(require, "conformance." .. source)
  if ok then
    for _, case in ipairs(list) do
      case.source = source
      cases[#cases + 1] = case
    end
  elseif not tostring(list):find("module 'conformance." .. source .. "' not found", 1, true) then
    error(list, 0)
  end
end

local tally = { same = 0, equivalent = 0, differs = 0, ["raw error"] = 0 }
local differences = {}

local function applies(case, tag)
  for _, t in ipairs(case.on or ALL) do
    if t == tag then return true end
  end
  return false
end

backends.each("conformance with Alembic's op tests", function(b)
  backends.cleanup_after_each()
  for _, case in ipairs(cases) do
    if applies(case, b.tag) then
      it(case.source .. ".py " .. case[1], function()
        local r = conformance.run(b, case)
        tally[r.result] = tally[r.result] + 1
        local differs = type(case.differs) == "table" and case.differs[b.tag] or case.differs
        if type(differs) == "string" then
          differences[#differences + 1] = string.format("%s %s on %s: %s", case.source, case[1], b.tag, differs)
          assert(r.result == "differs", "documented as different (" .. differs .. ") but came out "
            .. r.result .. ": " .. tostring(r.why))
        else
          assert(r.result == "same" or r.result == "equivalent", r.result .. ": " .. tostring(r.why))
        end
      end)
    end
  end
end)

describe("conformance with Alembic, in all", function()
  it("is the same or equivalent in at least 97% of the cases run, with no raw Lua error", function()
    local run = tally.same + tally.equivalent + tally.differs + tally["raw error"]
    local good = tally.same + tally.equivalent
    io.stderr:write(string.format("\nconformance: %d case runs (%d cases): %d same, %d equivalent, %d differ,"
      .. " %d raw errors: %.1f%% same or equivalent\n", run, #cases, tally.same, tally.equivalent, tally.differs,
      tally["raw error"], run > 0 and 100 * good / run or 0))
    for _, d in ipairs(differences) do io.stderr:write("  differs: ", d, "\n") end
    assert.equal(0, tally["raw error"])
    assert(run > 0, "no case ran")
    assert(good >= 0.97 * run, string.format("%d of %d", good, run))
  end)
end)
