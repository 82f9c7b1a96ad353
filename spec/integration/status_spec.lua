-- luamig status: every revision with its state on the database (applied,
-- pending, applied with no file), when it was applied (from the history
-- table), the summary, --json and --exit-code; on every backend, each test
-- in a fresh database, looked at through the driver.
local h = require("helpers.luamig")
local backends = require("helpers.backends")

local EXAMPLE = { "4f1c0a9be2d3", "9b7e21c4d8a0", "c3d5e7f90a12" }

-- The value of the Python expression `expr` of the parsed JSON text `d`.
local function python_json(text, expr)
  local path = os.tmpname()
  h.write_file(path, text)
  local p = io.popen("python3 -c 'import json,sys; d = json.loads(open(sys.argv[1]).read()); print(" .. expr:gsub("'", '"')
    .. ")' " .. path .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  os.remove(path)
  assert(ok, "not valid JSON: " .. out .. "\n" .. text)
  return (out:gsub("\n$", ""))
end

-- The table's rows: revision -> { state, applied, message }.
local function rows(stdout)
  local out = {}
  for _, l in ipairs(h.lines(stdout)) do
    local id, state, applied, message = l:match("^(%x+)  (.-)  +(%S+)  +(.*)$")
    if id then out[id] = { state = state, applied = applied, message = message } end
  end
  return out
end

backends.each("luamig status", function(b)
  backends.cleanup_after_each()

  local url
  local function run(dir, args) return h.run(dir, h.with_url(url, args)) end
  local function ok_run(dir, args) return h.run_ok(dir, h.with_url(url, args)) end
  before_each(function() url = b:new_database() end)

  it("lists every revision pending on a new database, and changes nothing", function()
    local dir = h.example_project()
    local r = ok_run(dir, { "status" })
    local lines = h.lines(r.stdout)
    assert.matches("^REVISION +STATE +APPLIED +MESSAGE$", lines[1])
    assert.same({ state = "pending", applied = "-", message = "create links" }, rows(r.stdout)[EXAMPLE[1]])
    assert.same({ state = "pending", applied = "-", message = "count clicks per link (head)" },
      rows(r.stdout)[EXAMPLE[3]])
    assert.equal("3 revisions: 0 applied, 3 pending", lines[#lines])
    assert.same({}, b:tables(url))
  end)

  it("shows the applied ones with the date the history table has, oldest first", function()
    local dir = h.example_project()
    ok_run(dir, { "upgrade", "+2" })
    local dates = b:with(url, function(conn)
      local out = {}
      for _, row in ipairs(assert(conn:query("SELECT revision, finished_at FROM luamig_history"))) do
        out[row.revision] = tostring(row.finished_at)
      end
      return out
    end)
    local r = ok_run(dir, { "status" })
    local t = rows(r.stdout)
    assert.same({ state = "applied", applied = dates[EXAMPLE[1]], message = "create links" }, t[EXAMPLE[1]])
    assert.same({ state = "applied", applied = dates[EXAMPLE[2]], message = "create clicks (current)" }, t[EXAMPLE[2]])
    assert.equal("pending", t[EXAMPLE[3]].state)
    local lines = h.lines(r.stdout)
    assert.equal(EXAMPLE[1], lines[2]:sub(1, 12))
    assert.equal(EXAMPLE[3], lines[4]:sub(1, 12))
    assert.equal("3 revisions: 2 applied, 1 pending", lines[#lines])

    r = ok_run(dir, { "status", "--json" })
    assert.equal("2 1 0 3", python_json(r.stdout, "d['applied'], d['pending'], d['applied_no_file'], len(d['revisions'])"))
    assert.equal(EXAMPLE[1] .. " applied " .. dates[EXAMPLE[1]] .. " upgrade False",
      python_json(r.stdout, "*[d['revisions'][0][k] for k in ('revision', 'state', 'applied_at', 'applied_how', "
        .. "'is_current')]"))
    assert.equal(EXAMPLE[3] .. " pending None True",
      python_json(r.stdout, "*[d['revisions'][2][k] for k in ('revision', 'state', 'applied_at', 'is_head')]"))
  end)

  it("--exit-code: 1 while a revision is pending, 0 at the heads", function()
    local dir = h.example_project()
    ok_run(dir, { "upgrade", "+1" })
    local before = b:schema(url)
    local r = run(dir, { "status", "--exit-code" })
    assert.equal(1, r.status)
    assert.equal("luamig: status: the database is not at the heads (3 revisions: 1 applied, 2 pending)\n", r.stderr)
    assert.equal("3 revisions: 1 applied, 2 pending", h.lines(r.stdout)[5])
    assert.equal(before, b:schema(url))
    assert.same({ EXAMPLE[1] }, b:versions(url))
    ok_run(dir, { "upgrade", "head" })
    r = ok_run(dir, { "status", "--exit-code" })
    assert.equal("3 revisions: 3 applied, 0 pending", h.lines(r.stdout)[5])
  end)

  it("a version row that no file has, a stamp and an edited file", function()
    local dir = h.example_project()
    ok_run(dir, { "stamp", EXAMPLE[2] })
    local r = ok_run(dir, { "status" })
    local t = rows(r.stdout)
    assert.equal("applied", t[EXAMPLE[2]].state)
    assert.matches("^%d%d%d%d%-%d%d%-%d%d", t[EXAMPLE[2]].applied)
    -- applied by the stamp of its child: no row of its own
    assert.same({ state = "applied", applied = "?", message = "create links" }, t[EXAMPLE[1]])
    h.write_file(dir .. "/migrations/versions/4f1c0a9be2d3_create_links.lua",
      h.read_file(dir .. "/migrations/versions/4f1c0a9be2d3_create_links.lua") .. "\n-- edited\n")
    -- a stamp records no checksum: nothing to compare, so not "edited"
    assert.equal("applied", rows(ok_run(dir, { "status" }).stdout)[EXAMPLE[1]].state)
    b:with(url, function(conn)
      assert(conn:execute("UPDATE luamig_version SET version_num = 'deadbeef0000'"))
    end)
    r = run(dir, { "status", "--exit-code" })
    assert.equal(1, r.status)
    t = rows(r.stdout)
    assert.same({ state = "applied, no file", applied = "?", message = "(no revision file has this id) (current)" },
      t.deadbeef0000)
    assert.equal("pending", t[EXAMPLE[1]].state)
    local lines = h.lines(r.stdout)
    assert.equal("4 revisions: 0 applied, 3 pending, 1 applied with no file", lines[#lines])
  end)

  it("marks a revision whose file changed since it was applied", function()
    local dir = h.example_project()
    ok_run(dir, { "upgrade", "+1" })
    local path = dir .. "/migrations/versions/4f1c0a9be2d3_create_links.lua"
    h.write_file(path, h.read_file(path) .. "\n-- edited\n")
    local r = ok_run(dir, { "status" })
    assert.equal("applied, edited", rows(r.stdout)[EXAMPLE[1]].state)
    assert.equal("3 revisions: 1 applied, 2 pending, 1 edited since applied", h.lines(r.stdout)[5])
  end)
end)
