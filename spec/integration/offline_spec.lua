-- --sql: scripts written without a database, fed to each database's own
-- client, give the same schema and version rows as the online upgrade.
local h = require("helpers.luamig")
local backends = require("helpers.backends")
local config = require("luamig.config")

-- Run a script file with the database's own command-line client.
local function feed(b, url, file)
  local u = assert(config.parse_url(url))
  local cmd
  if b.tag == "sqlite" then
    cmd = string.format("sqlite3 -bail %s < %s", h.shell_quote(u.database), h.shell_quote(file))
  elseif b.tag == "postgres" then
    cmd = string.format("psql -q -v ON_ERROR_STOP=1 %s -f %s", h.shell_quote(url), h.shell_quote(file))
  else
    cmd = string.format("mariadb --no-defaults -h%s -P%s -u%s -p%s %s < %s", u.host, u.port, u.user,
      h.shell_quote(u.password), u.database, h.shell_quote(file))
  end
  local ok = os.execute(cmd .. " >/dev/null")
  assert(ok == true, "the client failed: " .. cmd)
end

backends.each("--sql scripts", function(b)
  backends.cleanup_after_each()

  local luamig = h.run_ok

  it("upgrade --sql base:head, fed to the client, equals the online upgrade", function()
    local dir = h.example_project()
    local online = b:new_database()
    luamig(dir, { "-u", online, "upgrade", "head" })
    local script = luamig(dir, { "-u", online, "upgrade", "--sql", "base:head" }).stdout
    h.write_file(dir .. "/up.sql", script)
    local scripted = b:new_database()
    feed(b, scripted, dir .. "/up.sql")
    -- the lock's table (MySQL) comes from the online run's lock, not from a revision
    assert.equal(b:schema(online, { luamig_version_lock = true }), b:schema(scripted))
    assert.same(b:versions(online), b:versions(scripted))
    -- each revision is named, and the transactions are where the dialect has them
    assert.matches("-- Running upgrade <base> -> 4f1c0a9be2d3, create links", script, 1, true)
    local begins = select(2, script:gsub("\nBEGIN;", ""))
    assert.equal(b.tag == "mysql" and 0 or 3, begins)
  end)

  it("writes a script the client takes as it is: CONCURRENTLY outside a transaction, MySQL bodies under DELIMITER",
    function()
    local body = ({
      sqlite = [[op.create_index("ix_t_a", "t", { "a" })]],
      postgres = [[op.create_index("ix_t_a", "t", { "a" }, { postgresql_concurrently = true })]],
      mysql = [[op.execute("CREATE TRIGGER t_bump BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = NEW.a + 1; END")
  op.execute([==[CREATE PROCEDURE add_row(n INT) BEGIN INSERT INTO t (a) VALUES (n); SELECT 'a;b'; END]==])]],
    })[b.tag]
    local dir = h.project {
      ["migrations/versions/a1_t.lua"] = h.revision_text("a1", { up = [[op.create_table("t", Column("a", Integer))]] }),
      ["migrations/versions/b2_idx.lua"] = "transactional = false\n" .. h.revision_text("b2", { down = "a1", up = body }),
    }
    local url = b:new_database()
    local script = luamig(dir, { "-u", url, "upgrade", "--sql", "base:head" }).stdout
    h.write_file(dir .. "/up.sql", script)
    feed(b, url, dir .. "/up.sql")
    assert.same({ "b2" }, b:versions(url))
    if b.tag == "mysql" then
      assert.matches("DELIMITER //\nCREATE TRIGGER t_bump .-END//\nDELIMITER ;\n", script)
      b:with(url, function(conn)
        assert(conn:execute("CALL add_row(4)"))
        assert.equal(5, tonumber(conn:first("SELECT a FROM t").a))  -- the trigger ran
      end)
    else
      assert.is_truthy(b:index_definitions(url, "t").ix_t_a)
      if b.tag == "postgres" then
        assert.matches('\nCREATE INDEX CONCURRENTLY "ix_t_a" ON "t" %("a"%);\nBEGIN;\nUPDATE', script)
      end
    end
  end)

  it("downgrade --sql head:base undoes it, and upgrade --sql FROM:TO continues", function()
    local dir = h.example_project()
    local url = b:new_database()
    luamig(dir, { "-u", url, "upgrade", "head" })
    h.write_file(dir .. "/down.sql", luamig(dir, { "-u", url, "downgrade", "--sql", "head:base" }).stdout)
    feed(b, url, dir .. "/down.sql")
    assert.same(b:with_bookkeeping(), b:tables(url))
    assert.same({}, b:versions(url))
    luamig(dir, { "-u", url, "upgrade", "4f1c" })
    h.write_file(dir .. "/rest.sql", luamig(dir, { "-u", url, "upgrade", "--sql", "4f1c:head" }).stdout)
    feed(b, url, dir .. "/rest.sql")
    assert.same({ "c3d5e7f90a12" }, b:versions(url))
  end)

  it("stamp --sql writes the version rows", function()
    local dir = h.example_project()
    local url = b:new_database()
    h.write_file(dir .. "/stamp.sql", luamig(dir, { "-u", url, "stamp", "--sql", "head" }).stdout)
    feed(b, url, dir .. "/stamp.sql")
    assert.same({ "c3d5e7f90a12" }, b:versions(url))
  end)
end)

describe("--sql without a database #sqlite", function()
  after_each(h.cleanup)

  it("never connects: an unreachable server or --dialect alone is enough", function()
    local dir = h.example_project()
    local r = h.run(dir, { "-u", "postgresql://nobody:secret@127.0.0.1:1/none", "upgrade", "--sql", "base:9b7e" })
    assert.equal(0, r.status, r.stderr)
    assert.matches('"id" INTEGER GENERATED BY DEFAULT AS IDENTITY', r.stdout, 1, true)
    r = h.run(dir, { "upgrade", "--sql", "--dialect", "mysql", "base:9b7e" })
    assert.equal(0, r.status, r.stderr)
    assert.matches("CREATE TABLE `links`", r.stdout, 1, true)
    assert.is_nil(io.open(dir .. "/luamig.db"))
  end)

  it("op.get_bind() fails naming the revision line; a downgrade needs FROM:TO", function()
    local dir = h.project {
      ["migrations/versions/a1.lua"] = h.revision_text("a1", {
        up = 'op.create_table("t", Column("id", Integer, { primary_key = true }))\n'
          .. '  local db = op.get_bind()',
      }),
    }
    local r = h.run(dir, { "upgrade", "--sql", "head" })
    assert.equal(1, r.status)
    assert.matches("luamig: upgrade a1 failed: migrations/versions/a1.lua:7: op.get_bind() needs a database",
      r.stderr, 1, true)
    r = h.run(dir, { "downgrade", "--sql", "base" })
    assert.equal(2, r.status)
    assert.matches("downgrade --sql needs FROM:TO", r.stderr, 1, true)
    r = h.run(dir, { "upgrade", "--sql", "--dialect", "oracle", "head" })
    assert.equal(2, r.status)
    assert.matches("--dialect", r.stderr, 1, true)
  end)
end)
