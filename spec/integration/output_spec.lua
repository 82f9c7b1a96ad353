-- What luamig prints for people and for programs: colour only at a
-- terminal and never with NO_COLOR; --json from current, heads, history;
-- the progress line of data migrations.
local h = require("helpers.luamig")

local ESC = "\27["

local at_terminal = h.at_terminal

describe("output #sqlite", function()
  after_each(h.cleanup)

  it("colours the error prefix at a terminal only, and never with NO_COLOR", function()
    local dir = h.tmpdir()
    local tty = at_terminal(dir, { "frobnicate" })
    assert.matches(ESC .. "1;31mluamig:" .. ESC .. "0m unknown command \"frobnicate\"", tty, 1, true)
    local plain = at_terminal(dir, { "frobnicate" }, "NO_COLOR=1")
    assert.matches("luamig: unknown command \"frobnicate\"", plain, 1, true)
    assert.is_nil(plain:find(ESC, 1, true))
    local piped = h.run(dir, { "frobnicate" })
    assert.equal(2, piped.status)
    assert.equal("luamig: unknown command \"frobnicate\" (see 'luamig --help')\n", piped.stderr)
  end)

  -- A script or a listing cut short by a full disk must not look whole:
  -- /dev/full fails every write with ENOSPC.
  it("fails, saying so, when its output cannot be written, and changes nothing", function()
    local dir = h.example_project()
    local db = dir .. "/app.db"
    local function to_full(args)
      local err = os.tmpname()
      local cmd = "cd " .. h.shell_quote(dir) .. " && env -u DATABASE_URL " .. h.shell_quote(h.bin)
      for _, a in ipairs(args) do cmd = cmd .. " " .. h.shell_quote(a) end
      local _, _, code = os.execute(cmd .. " >/dev/full 2>" .. err)
      local stderr = h.read_file(err)
      os.remove(err)
      return code, stderr
    end
    for _, args in ipairs { { "upgrade", "--sql", "--dialect", "sqlite" }, { "history" }, { "heads", "--json" },
        { "-u", "sqlite:" .. db, "current", "-v" } } do
      local code, stderr = to_full(args)
      local what = table.concat(args, " ")
      assert.equal(1, code, what .. ": " .. stderr)
      assert.matches("^luamig: [%w ]*: standard output could not be written %(No space left on device%); what it"
        .. " shows is incomplete\n$", stderr)
    end
    assert.same({}, h.sqlite_tables(db))
  end)

  it("gives current, heads and history as JSON", function()
    local dir = h.example_project()
    local url = "sqlite:" .. dir .. "/app.db"
    h.run_ok(dir, { "-u", url, "upgrade", "9b7e21c4d8a0" })
    local cur = h.run_ok(dir, { "-u", url, "current", "--json" }).stdout
    assert.matches('^{"heads":%[{.-"id":"9b7e21c4d8a0","is_branch_point":false,"is_current":true,"is_head":false', cur)
    assert.matches('"url":"sqlite:[^"]*app%.db"}\n$', cur)
    local heads = h.run_ok(dir, { "heads", "--json" }).stdout
    assert.matches('^%[{"branch_labels":%[%],"depends_on":%[%],"doc":"count clicks per link","down_revisions":%["9b7e21c4d8a0"%],'
      .. '"id":"c3d5e7f90a12","is_branch_point":false,"is_current":false,"is_head":true', heads)
    local hist = h.run_ok(dir, { "-u", url, "history", "--json", "-i" }).stdout
    local ids = {}
    for id in hist:gmatch('"id":"(%x+)"') do ids[#ids + 1] = id end
    assert.same({ "c3d5e7f90a12", "9b7e21c4d8a0", "4f1c0a9be2d3" }, ids)
    assert.matches('"down_revisions":%[%],"id":"4f1c0a9be2d3"', hist)
    assert.matches('"id":"9b7e21c4d8a0","is_branch_point":false,"is_current":true', hist)
  end)

  it("shows a data migration's progress at a terminal or with -v, and nothing otherwise", function()
    local dir = h.project({
      ["migrations/versions/a1_data.lua"] = h.revision_text("a1", { up = [[
  local items = op.create_table("items", Column("id", Integer, { primary_key = true }), Column("n", Integer))
  local rows = {}
  for i = 1, 3000 do rows[i] = { id = i, n = i } end
  op.bulk_insert(items, rows)
  local db = op.get_bind()
  local p = op.progress(10, "backfill")
  for row in db:rows("SELECT id FROM items WHERE id <= 10") do
    db:execute("UPDATE items SET n = n * 2 WHERE id = ?", row.id)
    p:add()
  end]], down_body = [[  op.drop_table("items")]] }),
    })
    local function fresh() os.remove(dir .. "/p.db") end
    local url = "sqlite:" .. dir .. "/p.db"
    local quiet = h.run_ok(dir, { "-u", url, "upgrade", "head" })
    assert.is_nil(quiet.stderr:find("rows/s", 1, true), quiet.stderr)
    fresh()
    local verbose = h.run_ok(dir, { "-v", "-u", url, "upgrade", "head" })
    assert.matches("\nbulk_insert items: 3,000 / 3,000 rows %(100%%%), [%d,]+ rows/s, %d+%.%d%d s\n", verbose.stderr)
    assert.matches("\nbackfill: 10 / 10 rows %(100%%%), ", verbose.stderr)
    assert.is_nil(verbose.stderr:find("\r", 1, true))
    fresh()
    local tty = at_terminal(dir, { "-u", url, "upgrade", "head" }, "LUAMIG_PROGRESS_DELAY=0")
    assert.matches("\rbulk_insert items: 3,000 / 3,000 rows (100%), ", tty, 1, true)
    assert.truthy(tty:find(ESC .. "K\r\n", 1, true) or tty:find(ESC .. "K\n", 1, true), tty)
    fresh()
    local silenced = at_terminal(dir, { "-q", "-u", url, "upgrade", "head" }, "LUAMIG_PROGRESS_DELAY=0")
    assert.is_nil(silenced:find("rows/s", 1, true), silenced)
    assert.equal(2 + 4, tonumber(h.sqlite(dir .. "/p.db"):first("SELECT SUM(n) AS s FROM items WHERE id <= 2").s))
  end)
end)
