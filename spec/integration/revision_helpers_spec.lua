-- A project's helper modules (migrations/lib/, luamig.script.helpers):
-- revisions require them, helpers require helpers and call op, each
-- revision gets its own copy, the checksum covers them (verify and upgrade
-- see a helper's edit), and every wrong require is a one-line error at its
-- line that changes nothing. SQLite: the mechanism is the same on every
-- backend.
local h = require("helpers.luamig")

local TABLES = [[
local names = require("util.names")
local M = { made = {} }
function M.id_table(name, ...)
  M.made[#M.made + 1] = name
  return op.create_table(names.plural(name), Column("id", Integer, { primary_key = true }), ...)
end
return M
]]
local NAMES = 'return { plural = function(s) return s .. "s" end }\n'

local function revision(id, down, body, top)
  return h.revision_text(id, { down = down, up = body }):gsub("\nfunction upgrade", "\n" .. (top or "")
    .. "\nfunction upgrade", 1)
end

local function tables_of(dir)
  local conn = h.sqlite(dir .. "/luamig.db")
  local out = {}
  for row in conn:rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") do out[#out + 1] = row.name end
  conn:close()
  return table.concat(out, " ")
end

describe("helper modules #sqlite", function()
  after_each(h.cleanup)

  local function project(extra)
    local files = {
      ["migrations/lib/tables.lua"] = TABLES,
      ["migrations/lib/util/names.lua"] = NAMES,
      ["migrations/versions/a1.lua"] = revision("a1", nil, '  tables.id_table("team", Column("name", String(50)))\n'
        .. "  assert(#tables.made == 1, 'the helper is this revision\\'s own')", 'local tables = require("tables")'),
      ["migrations/versions/a2.lua"] = revision("a2", "a1", '  tables.id_table("player")\n'
        .. "  assert(#tables.made == 1, 'the helper is this revision\\'s own')", 'local tables = require "tables"'),
    }
    for k, v in pairs(extra or {}) do files[k] = v end
    return h.project(files)
  end

  it("lets revisions require helpers from migrations/lib, which use op and require helpers", function()
    local dir = project()
    h.run_ok(dir, { "upgrade", "head" })
    assert.equal("luamig_history luamig_version players teams", tables_of(dir))
    local r = h.run_ok(dir, { "verify" })
    assert.matches("OK: 2 applied revisions match", r.stdout .. r.stderr)
    h.run_ok(dir, { "downgrade", "base" })
    -- --sql: the same helpers write the script
    r = h.run_ok(dir, { "upgrade", "--sql", "base:head" })
    assert.matches('CREATE TABLE "teams"', r.stdout, 1, true)
    assert.matches('CREATE TABLE "players"', r.stdout, 1, true)
  end)

  it("reports an applied revision whose helper, or a helper's helper, changed", function()
    local dir = project()
    h.run_ok(dir, { "upgrade", "a1" })
    h.write_file(dir .. "/migrations/lib/util/names.lua", NAMES .. "-- edited\n")
    local r = h.run(dir, { "verify" })
    assert.equal(1, r.status)
    assert.matches("edited   a1  migrations/versions/a1.lua: applied as sha256:%x+..., the file with the helpers it"
      .. " requires %(tables, util.names%) is now sha256:%x+...", r.stdout)
    r = h.run(dir, { "upgrade", "head" })
    assert.equal(1, r.status)
    assert.matches("revision a1 %(migrations/versions/a1.lua%) was edited after it was applied: its file or a helper"
      .. " it requires %(tables, util.names%) no longer matches", r.stderr)
    assert.equal("luamig_history luamig_version teams", tables_of(dir))  -- a2 did not run
    h.run_ok(dir, { "verify", "--accept", "a1" })
    h.run_ok(dir, { "upgrade", "head" })
    assert.equal("luamig_history luamig_version players teams", tables_of(dir))
  end)

  it("keeps the checksum of a revision that requires no helper: its text's alone", function()
    local dir = h.project { ["migrations/versions/r1.lua"] = h.table_revision("r1", nil, "t") }
    h.run_ok(dir, { "upgrade", "head" })
    local conn = h.sqlite(dir .. "/luamig.db")
    local recorded = conn:first("SELECT checksum FROM luamig_history WHERE revision = 'r1'").checksum
    conn:close()
    assert.equal(require("luamig.checksum").revision(h.read_file(dir .. "/migrations/versions/r1.lua")), recorded)
  end)

  for _, case in ipairs {
    { "a helper that does not exist", 'local t = require("nothere")',
      "migrations/versions/a1.lua:5: require: no helper module \"nothere\": cannot read migrations/lib/nothere.lua:"
        .. " No such file or directory (helpers live in migrations/lib/)" },
    { "a name computed at run time", 'local t = require("tab" .. "les")',
      'migrations/versions/a1.lua:5: require("tables"): write the helper\'s name as a literal string in'
        .. ' migrations/versions/a1.lua, as require("name"), so that the revision\'s checksum covers the helper' },
    { "a path instead of a name", 'local t = require("../secrets")',
      'migrations/versions/a1.lua:5: require: "../secrets" is not a helper module name (letters, digits and _, parts'
        .. ' joined by dots: "tables", "util.names")' },
    { "a helper that raises", 'local t = require("broken")',
      "migrations/lib/broken.lua:2: undefined global 'boom'" },
    { "a helper that reaches for io", 'local t = require("sneaky")',
      "migrations/lib/sneaky.lua:1: undefined global 'io'" },
    { "a helper that requires itself", 'local t = require("loop")',
      'migrations/lib/loop.lua:1: require: helper "loop" requires itself' },
  } do
    it("refuses " .. case[1] .. " at its line, changing nothing", function()
      local dir = project {
        ["migrations/lib/broken.lua"] = "local x = 1\nboom()\nreturn x\n",
        ["migrations/lib/sneaky.lua"] = 'return io.open("/etc/passwd")\n',
        ["migrations/lib/loop.lua"] = 'local again = require("loop")\nreturn again\n',
        ["migrations/versions/a1.lua"] = revision("a1", nil, '  op.create_table("x", Column("id", Integer))', case[2]),
      }
      local r = h.run(dir, { "upgrade", "head" })
      assert.are_not.equal(0, r.status)
      assert.equal("luamig: " .. case[3] .. "\n", r.stderr:match("luamig: [^\n]*\n"))
      local db = io.open(dir .. "/luamig.db")
      if db then
        db:close()
        assert.equal("", tables_of(dir):gsub("luamig_history ?", ""):gsub("luamig_version ?", ""))
      end
    end)
  end
end)
