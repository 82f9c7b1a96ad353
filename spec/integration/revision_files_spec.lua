-- Revision files as luamig reads them and the environment they run in, end
-- to end with the real executable: metadata written in a comment or a long
-- string is not metadata (nor is a damaged cache entry), `null` is SQL
-- NULL and a typo in a global is an error at its line, a revision that
-- clobbers the standard library breaks neither luamig nor the next
-- revision, and a FIFO or a directory named like a revision is refused
-- at once.
local h = require("helpers.luamig")
local backends = require("helpers.backends")

-- Every table with its rows, the version table and the history table
-- included: what "the database is exactly as it was" compares.
local function snapshot(b, url)
  return b:with(url, function(conn)
    local parts = { b:schema(url) }
    for _, t in ipairs(b:tables(url)) do
      local rows = assert(conn:query("SELECT * FROM " .. conn:quote_ident(t)))
      local lines = {}
      for _, row in ipairs(rows) do
        local cols = {}
        for k, v in pairs(row) do cols[#cols + 1] = k .. "=" .. tostring(v) end
        table.sort(cols)
        lines[#lines + 1] = table.concat(cols, " ")
      end
      table.sort(lines)
      parts[#parts + 1] = t .. ": " .. table.concat(lines, "; ")
    end
    return table.concat(parts, "\n")
  end)
end

-- luamig under `timeout`, so that a hang fails the spec instead of the suite.
local function run_timed(dir, args)
  return h.sh(h.command(dir, "timeout", { "20", h.bin, table.unpack(args) }))
end

local table_revision = h.table_revision

-- Waits until the files just written are older than the two seconds the
-- metadata cache leaves them to settle (their ctime cannot be set back).
local function settle()
  os.execute("sleep 2.2")
end

backends.each("revision files", function(b)
  local url
  backends.database_per_test(b, function(new) url = new end)

  if b.tag ~= "mysql" then -- MySQL commits each DDL statement: no transaction to keep it in
    it("runs a revision whose `transactional = false` is only in a comment inside its transaction", function()
      for _, hidden in ipairs {
        "--[[ transactional = false ]]",
        "--[==[\ntransactional = false\n]==]",
        "local notes = [[\ntransactional = false\n]]",
      } do
        local dir = h.project {
          ["migrations/versions/r1.lua"] = table_revision("r1", nil, "a"),
          ["migrations/versions/r2.lua"] = table_revision("r2", "r1", "b",
            '\n  op.execute("INSERT INTO no_such_table VALUES (1)")'):gsub("\nfunction upgrade", "\n" .. hidden .. "\nfunction upgrade"),
        }
        h.run_ok(dir, h.with_url(url, { "upgrade", "r1" }))
        local before = snapshot(b, url)
        local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
        assert.equal(1, r.status, r.stderr)
        assert.matches("migrations/versions/r2.lua:%d+:", r.stderr)
        assert.equal(before, snapshot(b, url), hidden)
        url = b:new_database()
      end
    end)

    it("runs a revision inside its transaction when its cache entry's transactional byte is flipped", function()
      local files = {}
      for i = 1, 100 do
        local id, down = string.format("r%03d", i), i > 1 and string.format("r%03d", i - 1) or nil
        files[string.format("migrations/versions/%s.lua", id)] = table_revision(id, down, "t" .. i,
          i == 100 and '\n  op.execute("INSERT INTO no_such_table VALUES (1)")' or nil)
      end
      local dir = h.project(files)
      settle()
      h.run_ok(dir, h.with_url(url, { "upgrade", "r099" })) -- writes the cache
      local index_path = dir .. "/migrations/versions/.luamig_cache/index"
      local index = h.read_file(index_path)
      -- an entry: ..., u8 transactional, u32 name length, the name
      local at = assert(index:find("r100.lua", 1, true))
      local flag = at - 5
      assert.equal(1, index:byte(flag))
      h.write_file(index_path, index:sub(1, flag - 1) .. "\0" .. index:sub(flag + 1))
      local before = snapshot(b, url)
      local r = h.run(dir, h.with_url(url, { "upgrade", "head" }))
      assert.equal(1, r.status, r.stderr)
      assert.equal(before, snapshot(b, url))
      assert.same({ "r099" }, b:versions(url))
    end)
  end

  it("binds null as NULL, and stops at the line of an undefined global, changing nothing", function()
    local dir = h.project {
      ["migrations/versions/n1.lua"] = h.revision_text("n1", { up = [[
  op.create_table("t", Column("id", Integer, { primary_key = true }),
    Column("v", String(10), { server_default = "dflt" }))
  op.bulk_insert("t", { { id = 1, v = null }, { id = 2, v = "x" } })
  op.get_bind():execute("INSERT INTO t (id, v) VALUES (?, ?)", 3, null)]] }),
    }
    h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
    local rows = b:with(url, function(conn)
      return conn:query("SELECT id, v FROM t WHERE v IS NULL ORDER BY id")
    end)
    assert.equal(2, #rows)
    assert.equal(1, tonumber(rows[1].id))
    assert.equal(3, tonumber(rows[2].id))

    local typo = h.project {
      ["migrations/versions/n0.lua"] = h.revision_text("n0"),
      ["migrations/versions/n2.lua"] = h.revision_text("n2", { down = "n0", up = [[
  local conn = op.get_bind()
  op.execute("SELECT 1")
  op.bulk_insert("t2", { { v = nul } })]] }),
    }
    url = b:new_database()
    h.run_ok(typo, h.with_url(url, { "upgrade", "n0" }))
    local before = snapshot(b, url)
    local r = h.run(typo, h.with_url(url, { "upgrade", "head" }))
    assert.equal(1, r.status, r.stderr)
    assert.matches("migrations/versions/n2.lua:8: undefined global 'nul'", r.stderr, 1, true)
    assert.not_matches("lua/luamig/", r.stderr, 1, true)
    if b.tag == "mysql" then -- the failed step is recorded, and nothing else
      assert.same({ "n0" }, b:versions(url))
      assert.same(b:with_bookkeeping(), b:tables(url))
    else
      assert.equal(before, snapshot(b, url))
    end
  end)

  it("keeps luamig and the next revision working after a revision clobbers the standard library", function()
    local dir = h.project {
      ["migrations/versions/c1.lua"] = h.revision_text("c1", { up = [[
  string.match, string.format, string.gsub, string.find = nil, nil, nil, nil
  table.concat, table.insert, table.sort = nil, nil, nil
  math.floor, math.type, os.time, os.date = nil, nil, nil, nil
  tostring, type, pairs, ipairs, error, pcall = nil, nil, nil, nil, nil, nil
  assert(not xpcall(getmetatable, function() end, ""))
  op.create_table("c", Column("id", Integer, { primary_key = true }), Column("s", String(20)))
  op.bulk_insert("c", { { id = 1, s = "one" }, { id = 2, s = "two" } })
  op.create_index("ix_c_s", "c", { "s" })
  for row in op.get_bind():rows("SELECT id, s FROM c ORDER BY id") do
    op.get_bind():execute("UPDATE c SET s = ? WHERE id = ?", row.s .. "!", row.id)
  end
  rawset(Integer, "name", "Text")]], down_body = '  op.drop_table("c")' }),
      ["migrations/versions/c2.lua"] = h.revision_text("c2", { down = "c1", up = [[
  assert(("abc"):match("b") == "b" and string.format("%d", 5) == "5" and table.concat({ 1, 2 }) == "12")
  assert(Integer.name == "Integer" and tostring(String(5)) == "String(5)")
  op.create_table("d", Column("id", Integer, { primary_key = true }), Column("when", DateTime))]],
        down_body = '  op.drop_table("d")' }),
    }
    local r = h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
    assert.equal("", r.stderr:match("luamig: [^\n]*") or "")
    assert.same({ "c2" }, b:versions(url))
    -- the bare Integer c1 changed was its own: luamig's and c2's are intact
    assert.matches("int", b:columns(url, "d").id:lower(), 1, true)
    local rows = b:with(url, function(conn) return conn:query("SELECT s FROM c ORDER BY id") end)
    assert.same({ "one!", "two!" }, { rows[1].s, rows[2].s })
    local current = h.run_ok(dir, h.with_url(url, { "current" }))
    assert.matches("c2 %(head%)", current.stdout)
    local history = h.run_ok(dir, h.with_url(url, { "history" }))
    assert.matches("c1 %-> c2 %(head%)", history.stdout)
    h.run_ok(dir, h.with_url(url, { "downgrade", "base" }))
    assert.same({}, b:versions(url))
  end)

  it("refuses a FIFO or a directory named like a revision at once, exit 2, changing nothing", function()
    for _, n in ipairs { 3, 150 } do -- 150: through the metadata cache
      local files = {}
      for i = 1, n do
        local id, down = string.format("r%03d", i), i > 1 and string.format("r%03d", i - 1) or nil
        files[string.format("migrations/versions/%s.lua", id)] = table_revision(id, down, "t" .. i)
      end
      local dir = h.project(files)
      if n > 100 then settle() end
      h.run_ok(dir, h.with_url(url, { "heads" })) -- the cache, when there are enough files
      for what, make in pairs { ["a FIFO"] = "mkfifo", ["a directory"] = "mkdir" } do
        local path = "migrations/versions/r050_x.lua"
        os.execute(make .. " " .. h.shell_quote(dir .. "/" .. path))
        local before = snapshot(b, url)
        for _, cmd in ipairs { { "heads" }, { "upgrade", "head" }, { "history" } } do
          local r = run_timed(dir, h.with_url(url, cmd))
          assert.equal(2, r.status, table.concat(cmd, " ") .. ": " .. r.stderr)
          assert.equal("luamig: cannot read revision file " .. path .. ": is " .. what .. ", not a regular file\n",
            r.stderr)
        end
        assert.equal(before, snapshot(b, url))
        os.execute("rm -rf " .. h.shell_quote(dir .. "/" .. path))
      end
    end
  end)

  it("refuses a FIFO as the revision template at once, exit 2, writing no revision", function()
    local dir = h.project {}
    os.execute("mkfifo " .. h.shell_quote(dir .. "/migrations/script.lua.tmpl"))
    local r = run_timed(dir, h.with_url(url, { "revision", "-m", "x" }))
    assert.equal(2, r.status, r.stderr)
    assert.equal("luamig: cannot read the template migrations/script.lua.tmpl: is a FIFO, not a regular file\n",
      r.stderr)
    local p = io.popen("ls " .. h.shell_quote(dir .. "/migrations/versions"))
    assert.equal("", p:read("a"))
    p:close()
  end)
end)
