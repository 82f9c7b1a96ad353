-- luamig.fleet.targets: targets files, the targets table of luamig.lua, and
-- shards.
local targets = require("luamig.fleet.targets")

local function names(list)
  local out = {}
  for i, t in ipairs(list) do out[i] = t.name end
  return out
end

-- For each { input, message } of `cases`, read(input, source) fails with
-- nil and that message.
local function refuses(read, source, cases)
  for _, c in ipairs(cases) do
    local list, err = read(c[1], source)
    assert.is_nil(list)
    assert.equal(c[2], err)
  end
end

describe("targets.parse", function()
  it("reads URL and NAME URL lines, skipping comments and blank lines", function()
    local list = assert(targets.parse(table.concat({
      "# the fleet",
      "",
      "eu-1   postgresql://app:s3cret@db1/app   # primary",
      "   sqlite:local.db",
      "us_2 mysql://app@db2/app\r",
      "\t# indented comment",
    }, "\n"), "fleet.txt"))
    assert.same({
      { name = "eu-1", url = "postgresql://app:s3cret@db1/app", named = true, line = 3 },
      { name = "sqlite:local.db", url = "sqlite:local.db", named = false, line = 4 },
      { name = "us_2", url = "mysql://app@db2/app", named = true, line = 5 },
    }, list)
  end)

  it("names an unnamed target by its URL with the password masked", function()
    local list = assert(targets.parse("postgresql://app:s3cret@db1/app\n", "f"))
    assert.equal("postgresql://app:***@db1/app", list[1].name)
    assert.equal("postgresql://app:s3cret@db1/app", list[1].url)
  end)

  it("accepts an empty text as no targets (read refuses it)", function()
    assert.same({}, targets.parse("# nothing\n\n", "f"))
  end)

  it("reports a bad line at FILE:LINE", function()
    local cases = {
      { "a sqlite:a.db\nb sqlite:b.db extra\n", "t.txt:2: expected URL or NAME URL, got 3 words" },
      { "\n\nnot-a-url\n", 't.txt:3: bad database URL "not-a-url": unknown scheme'
        .. " (use sqlite:, postgresql:// or mysql://)" },
      { "-x sqlite:a.db\n", 't.txt:1: target name "-x": use letters, digits, _, . and - (not first)' },
      { "a sqlite:a.db\na sqlite:b.db\n", "t.txt:2: target a is already named at line 1" },
      { "a sqlite:a.db\nb sqlite:a.db\n", "t.txt:2: the same URL as the target at line 1" },
      { "sqlite:a.db\nsqlite:a.db\n", "t.txt:2: target sqlite:a.db is already named at line 1" },
    }
    refuses(targets.parse, "t.txt", cases)
  end)

  it("never shows a password in an error", function()
    local _, err = targets.parse("x postgresql://app:s3cret@db1:99999/app\n", "t.txt")
    assert.equal('t.txt:1: bad database URL "postgresql://app:***@db1:99999/app": port "99999" is out of range'
      .. " (1 to 65535)", err)
  end)
end)

describe("targets.read", function()
  it("refuses a missing file and a file without targets", function()
    local _, err = targets.read("/nonexistent/fleet.txt")
    assert.equal("--targets: cannot read /nonexistent/fleet.txt: No such file or directory", err)
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write("# only a comment\n")
    f:close()
    _, err = targets.read(path)
    os.remove(path)
    assert.equal("--targets: " .. path .. " names no target", err)
  end)
end)

describe("targets.from_config", function()
  it("takes a map in the order of its names, a list in its own", function()
    assert.same({ "a", "b" }, names(assert(targets.from_config({ b = "sqlite:b.db", a = "sqlite:a.db" }, "l.lua"))))
    assert.same({ "z", "sqlite:a.db" }, names(assert(targets.from_config({ "z sqlite:z.db", "sqlite:a.db" }, "l.lua"))))
  end)

  it("names the key at fault", function()
    local cases = {
      { "x", "config file l.lua: targets must be a table, got string" },
      { { a = 1 }, "config file l.lua: targets.a: expected a URL string, got number" },
      { { a = "nope" }, 'config file l.lua: targets.a: bad database URL "nope": unknown scheme'
        .. " (use sqlite:, postgresql:// or mysql://)" },
      { { ["a b"] = "sqlite:x.db" }, 'config file l.lua: targets.a b: target name "a b": use letters, digits, _, .'
        .. " and - (not first)" },
      { { "sqlite:a.db", "" }, "config file l.lua: targets[2]: empty" },
      { { "sqlite:a.db", x = "sqlite:b.db" }, "config file l.lua: targets is either a list or a table of"
        .. " name = URL, not both (key x)" },
      { { a = "sqlite:a.db", b = "sqlite:a.db" }, "config file l.lua: targets.b: the same URL as the target at"
        .. " targets.a" },
    }
    refuses(targets.from_config, "l.lua", cases)
  end)
end)

describe("targets.select", function()
  local list = assert(targets.from_config({ a = "sqlite:a.db", b = "sqlite:b.db", c = "sqlite:c.db" }, "l.lua"))

  it("keeps the list's order", function()
    assert.same({ "a", "c" }, names(assert(targets.select(list, { "c", "a" }, "l.lua"))))
  end)

  it("refuses an unknown name, listing the known", function()
    local _, err = targets.select(list, { "a", "d" }, "l.lua")
    assert.equal("--target d: l.lua has no target of that name (it has: a, b, c)", err)
  end)
end)

describe("shards", function()
  it("parses I/N with 1 <= I <= N", function()
    assert.same({ 2, 4 }, { targets.parse_shard("2/4") })
    for _, bad in ipairs { "0/4", "5/4", "1/0", "a/b", "1", "1/2/3", "-1/2", "" } do
      local i, err = targets.parse_shard(bad)
      assert.is_nil(i)
      assert.equal("--shard " .. bad .. ": expected I/N with 1 <= I <= N (e.g. 2/4)", err)
    end
  end)

  it("hashes names with 32-bit FNV-1a", function()
    -- the reference values of the FNV-1a test suite
    assert.equal(0x811c9dc5, targets.hash(""))
    assert.equal(0xe40c292c, targets.hash("a"))
    assert.equal(0xbf9cf968, targets.hash("foobar"))
  end)

  it("puts every target in exactly one shard, whatever the order", function()
    local lines = {}
    for i = 1, 200 do lines[i] = string.format("db%03d sqlite:db%03d.db", i, i) end
    local list = assert(targets.parse(table.concat(lines, "\n"), "f"))
    local reversed = {}
    for i = #list, 1, -1 do reversed[#reversed + 1] = list[i] end
    for n = 1, 5 do
      local seen, shard_of = {}, {}
      for i = 1, n do
        for _, t in ipairs(targets.shard(list, i, n)) do
          assert.is_nil(seen[t.name])
          seen[t.name] = true
          shard_of[t.name] = i
        end
        -- reordering the list does not move a target
        for _, t in ipairs(targets.shard(reversed, i, n)) do assert.equal(i, shard_of[t.name]) end
      end
      local count = 0
      for _ in pairs(seen) do count = count + 1 end
      assert.equal(200, count)
    end
  end)
end)
