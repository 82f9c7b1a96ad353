-- --json output is valid JSON whatever bytes it carries: a docstring, a
-- failure message or a path that is not UTF-8 comes out with U+FFFD in
-- place of each bad byte, a control character escaped.
local h = require("helpers.luamig")

-- python3 decodes the bytes strictly as UTF-8, then parses; returns the
-- value of `expr` (of the parsed document `d`) as text.
local function python_json(text, expr)
  local path = os.tmpname()
  h.write_file(path, text)
  local p = io.popen("python3 -c 'import json,sys; d = json.loads(open(sys.argv[1], \"rb\").read().decode(\"utf-8\"));"
    .. " print(" .. expr:gsub("'", '"') .. ")' " .. path .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  os.remove(path)
  assert(ok, "not valid JSON: " .. out .. "\n" .. text)
  return out
end

describe("--json with bytes that are not UTF-8", function()
  after_each(h.cleanup)

  it("history --json: a docstring with bad bytes and a control character", function()
    local dir = h.project {
      ["migrations/versions/a1.lua"] = h.revision_text("a1", { doc = "caf\233 \255\254 bell\7 end" }),
    }
    local r = h.run_ok(dir, { "history", "--json" })
    assert.equal("caf\u{FFFD} \u{FFFD}\u{FFFD} bell\7 end\n", python_json(r.stdout, "d[0]['doc']"))
  end)

  it("history --applied --json: a message with bad bytes", function()
    local dir = h.project { ["migrations/versions/a1.lua"] = h.revision_text("a1") }
    h.run_ok(dir, { "-u", "sqlite:app.db", "upgrade", "head" })
    -- as a MySQL failure or `repair` records one: the bytes of a message
    local conn = h.sqlite(dir .. "/app.db")
    assert(conn:execute("UPDATE luamig_history SET message = ?", "bad \255 byte\n"))
    conn:close()
    local r = h.run_ok(dir, { "-u", "sqlite:app.db", "history", "--applied", "--json" })
    assert.equal("bad \u{FFFD} byte\n\n", python_json(r.stdout, "d[0]['message']"))
  end)

  it("current --json and heads --json: a path with a bad byte", function()
    local dir = h.project {
      ["mig\255/versions/a1.lua"] = h.revision_text("a1"),
      ["luamig.lua"] = 'return { script_location = "mig\\255" }',
    }
    h.run_ok(dir, { "-u", "sqlite:app.db", "upgrade", "head" })
    local r = h.run_ok(dir, { "-u", "sqlite:app.db", "current", "--json" })
    assert.equal("mig\u{FFFD}/versions/a1.lua\n", python_json(r.stdout, "d['heads'][0]['path']"))
    r = h.run_ok(dir, { "heads", "--json" })
    assert.equal("mig\u{FFFD}/versions/a1.lua\n", python_json(r.stdout, "d[0]['path']"))
  end)
end)
