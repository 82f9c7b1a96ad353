-- Every operation, run by the real executable on every backend, each test
-- in a fresh database; what it did is read back through the server's own
-- catalog (spec/helpers/backends.lua), not taken from the SQL luamig wrote.
local h = require("helpers.luamig")
local backends = require("helpers.backends")

local REV = "migrations/versions/a1_ops.lua"
local BATCH = 'use op.batch_alter_table("t", function(batch) ... end) (batch mode)'

local CONVENTION = [[naming_convention = {
    ix = "ix_%(column_0_label)s", uq = "uq_%(table_name)s_%(column_0_name)s",
    ck = "ck_%(table_name)s_%(constraint_name)s",
    fk = "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", pk = "pk_%(table_name)s" },]]

local function set(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

backends.each("operations", function(b)
  local sqlite, pg, my = b.tag == "sqlite", b.tag == "postgres", b.tag == "mysql"
  local url
  backends.database_per_test(b, function(new) url = new end)

  -- A project whose one revision a1 runs `up` (from line 6) and `down`;
  -- `config` is the body of its luamig.lua table.
  local function project(up, down, config)
    return h.project {
      [REV] = h.revision_text("a1", { up = up, down_body = down }),
      ["luamig.lua"] = "return {" .. (config or "") .. "}\n",
    }
  end
  local function luamig(dir, ...)
    return h.run(dir, { "-u", url, ... })
  end
  local function ok(dir, ...)
    local r = luamig(dir, ...)
    assert(r.status == 0, ("luamig %s exited %d: %s"):format(table.concat({ ... }, " "), r.status, r.stderr))
    return r
  end
  -- The one error line of a failed upgrade, after "luamig: upgrade a1 failed: ".
  local function failure(dir)
    local r = luamig(dir, "upgrade", "head")
    assert.equal(1, r.status, r.stderr)
    local msg = r.stderr:match("luamig: upgrade a1 failed: ([^\n]*)")
    assert(msg, r.stderr)
    return msg
  end
  local function sql(conn, text, ...) return conn:execute(text, ...) end

  it("create_table: composite key, unique, check, foreign keys with actions, index, comment, if_not_exists", function()
    local dir = project([[op.create_table("teams", Column("id", Integer, { primary_key = true }))
  op.create_table("users", Column("id", Integer, { primary_key = true }))
  op.create_table("member",
    Column("team_id", Integer),
    Column("user_id", Integer, { references = { table = "users", column = "id", ondelete = "CASCADE", onupdate = "CASCADE" } }),
    Column("rank", Integer, { nullable = false, server_default = 1 }),
    PrimaryKeyConstraint("team_id", "user_id", { name = "pk_member" }),
    UniqueConstraint("team_id", "rank", { name = "uq_member_rank" }),
    CheckConstraint("rank > 0", { name = "ck_member_rank" }),
    ForeignKeyConstraint({ "team_id" }, { "teams.id" }, { name = "fk_member_team", ondelete = "CASCADE" }),
    Index("ix_member_rank", "rank"),
    { comment = "team members" })
  op.create_table("member", Column("other", Integer), { if_not_exists = true })]],
      [[op.drop_table("member")
  op.drop_table("member", { if_exists = true })
  op.drop_table("users")
  op.drop_table("teams")]])
    ok(dir, "upgrade", "head")
    local expected = {
      sqlite = { "check ck_member_rank", "foreign_key fk_member_team", "primary_key pk_member", "unique uq_member_rank" },
      postgres = { "check ck_member_rank", "foreign_key fk_member_team", "foreign_key member_user_id_fkey",
        "primary_key pk_member", "unique uq_member_rank" },
      mysql = { "check ck_member_rank", "foreign_key fk_member_team", "foreign_key member_ibfk_1",
        "primary_key PRIMARY", "unique uq_member_rank" },
    }
    assert.same(expected[b.tag], b:constraints(url, "member"))
    assert.same({ "team_id -> teams(id) ON DELETE CASCADE ON UPDATE NO ACTION",
      "user_id -> users(id) ON DELETE CASCADE ON UPDATE CASCADE" }, b:foreign_keys(url, "member"))
    assert.is_truthy(b:index_definitions(url, "member").ix_member_rank)
    assert.equal(not sqlite and "team members" or nil, b:table_comment(url, "member"))
    assert.is_nil(b:columns(url, "member").other)
    b:with(url, function(conn)
      assert(sql(conn, "INSERT INTO teams (id) VALUES (1)"))
      assert(sql(conn, "INSERT INTO users (id) VALUES (1), (2)"))
      if sqlite then assert(sql(conn, "PRAGMA foreign_keys = ON")) end
      assert(sql(conn, "INSERT INTO member (team_id, user_id) VALUES (1, 1)"))
      assert.is_nil(sql(conn, "INSERT INTO member (team_id, user_id, rank) VALUES (1, 2, 0)")) -- check
      assert.is_nil(sql(conn, "INSERT INTO member (team_id, user_id, rank) VALUES (1, 2, 1)")) -- unique
      assert.is_nil(sql(conn, "INSERT INTO member (team_id, user_id) VALUES (1, 1)")) -- primary key
      assert.is_nil(sql(conn, "INSERT INTO member (team_id, user_id, rank) VALUES (9, 2, 2)")) -- foreign key
      assert(sql(conn, "DELETE FROM users WHERE id = 1"))
      assert.equal(0, conn:first("SELECT COUNT(*) AS n FROM member").n) -- cascaded
    end)
    ok(dir, "downgrade", "base")
    assert.same(b:with_bookkeeping(), b:tables(url))
  end)

  it("a naming convention names unnamed constraints and indexes, so that they drop by name", function()
    local dir = h.project {
      ["luamig.lua"] = "return {" .. CONVENTION .. "}\n",
      [REV] = h.revision_text("a1", { up = [[op.create_table("p", Column("id", Integer, { primary_key = true }))
  op.create_table("t",
    Column("a", Integer), Column("b", Integer),
    Column("code", String(10), { unique = true }),
    Column("p_id", Integer, { references = "p.id" }),
    Column("e", String(20), { index = true }),
    PrimaryKeyConstraint("a", "b"),
    CheckConstraint("b > 0", { name = "positive" }),
    Index(nil, "b", "a", { unique = true }))]] }),
      ["migrations/versions/b2_drops.lua"] = h.revision_text("b2", { down = "a1", up = [[op.drop_index("ix_t_e", "t")
  op.drop_index("ix_t_b", "t")
  op.drop_constraint("fk_t_p_id_p", "t", { type_ = "foreignkey" })
  op.drop_constraint("uq_t_code", "t", { type_ = "unique" })
  op.drop_constraint("positive", "t", { type_ = "check" }) -- as Alembic: ck_%(table_name)s_%(constraint_name)s
  op.drop_constraint(op.f("pk_t"), "t", { type_ = "primary" })]] }),
    }
    ok(dir, "upgrade", "a1")
    local names = set(b:constraints(url, "t"))
    for _, n in ipairs { "unique uq_t_code", "foreign_key fk_t_p_id_p", "check ck_t_positive" } do
      assert.is_true(names[n], n)
    end
    assert.is_true(names[my and "primary_key PRIMARY" or "primary_key pk_t"])
    local ix = b:index_definitions(url, "t")
    assert.is_truthy(ix.ix_t_e)
    assert.is_truthy(ix.ix_t_b)
    if sqlite then
      -- SQLite drops indexes natively; constraints need batch mode
      assert.equal("migrations/versions/b2_drops.lua:8: SQLite cannot drop constraint \"fk_t_p_id_p\" of \"t\": "
        .. BATCH, luamig(dir, "upgrade", "head").stderr:match("failed: ([^\n]*)"))
      return
    end
    ok(dir, "upgrade", "head")
    assert.same({}, b:foreign_keys(url, "t"))
    local left = b:constraints(url, "t")
    assert.same({}, left)
    ix = b:index_definitions(url, "t")
    assert.is_nil(ix.ix_t_e)
    assert.is_nil(ix.ix_t_b)
  end)

  it("rename_table, add_column and drop_column, with if_not_exists / if_exists where the database has them", function()
    local dir = project([[op.create_table("t", Column("id", Integer, { primary_key = true }))
  op.rename_table("t", "t2")
  op.add_column("t2", Column("b", String(10), { nullable = false, server_default = "x" }))
  op.add_column("t2", Column("c", Integer, { index = true, comment = "the c" }))
  op.drop_index("ix_t2_c", "t2")
  op.drop_column("t2", "c")]], [[op.drop_table("t2")]])
    ok(dir, "upgrade", "head")
    assert.same(b:with_bookkeeping { "t2" }, b:tables(url))
    local cols = b:columns(url, "t2")
    assert.is_truthy(cols.b)
    assert.matches("NOT NULL", cols.b)
    assert.is_nil(cols.c)
    b:with(url, function(conn)
      assert(sql(conn, "INSERT INTO t2 (id) VALUES (1)"))
      assert.equal("x", conn:first("SELECT b FROM t2").b)
    end)
    ok(dir, "downgrade", "base")
    dir = project([[op.create_table("t", Column("id", Integer, { primary_key = true }))
  op.add_column("t", Column("b", Integer), { if_not_exists = true })
  op.add_column("t", Column("b", Integer), { if_not_exists = true })
  op.drop_column("t", "b", { if_exists = true })
  op.drop_column("t", "b", { if_exists = true })]])
    if sqlite then
      assert.equal(REV .. ":7: SQLite has no ADD COLUMN IF NOT EXISTS: drop"
        .. " if_not_exists, or check the column first", failure(dir))
      return
    end
    -- PostgreSQL, and MariaDB (told from MySQL by its version), have them
    ok(dir, "upgrade", "head")
    assert.is_nil(b:columns(url, "t").b)
    url = b:new_database()
    dir = project([[op.create_table("t", Column("id", Integer, { primary_key = true }), Column("a", Integer))
  op.create_index("ix_t_a", "t", { "a" }, { if_not_exists = true })
  op.create_index("ix_t_a", "t", { "a" }, { if_not_exists = true })
  op.drop_index("ix_t_a", "t", { if_exists = true })
  op.drop_index("ix_t_a", "t", { if_exists = true })
  op.drop_constraint("fk_nope", "t", { type_ = "foreignkey", if_exists = true })
  op.drop_constraint("ck_nope", "t", { type_ = "check", if_exists = true })]])
    ok(dir, "upgrade", "head")
    assert.same({}, b:indexes(url, "t"))
    -- a --sql script for MySQL, which has none of them, says so
    local r = luamig(dir, "upgrade", "--sql", "--dialect", "mysql")
    if my then
      assert.equal(1, r.status)
      assert.matches("MySQL has no CREATE INDEX IF NOT EXISTS", r.stderr, 1, true)
      assert.matches("CREATE INDEX IF NOT EXISTS", luamig(dir, "upgrade", "--sql", "--dialect", "mariadb").stdout,
        1, true)
    end
  end)

  it("alter_column: nullable, type_, server_default set and dropped, rename, comment, postgresql_using", function()
    local dir = project([[op.create_table("t", Column("id", Integer, { primary_key = true }),
    Column("name", String(20)), Column("n", Integer, { server_default = 0 }), Column("c", String(10)))
  op.execute("INSERT INTO t (id, name, c) VALUES (1, 'ann', '42')")
  op.alter_column("t", "name", { nullable = false, type_ = String(50), existing_type = String(20), existing_nullable = true })
  op.alter_column("t", "name", { server_default = "anon", existing_type = String(50), existing_nullable = false })
  op.alter_column("t", "n", { server_default = null, new_column_name = "num" })
  op.alter_column("t", "c", { type_ = Integer, postgresql_using = "c::integer", existing_nullable = true })
  op.alter_column("t", "c", { comment = "the c", existing_type = Integer, existing_nullable = true })]])
    if sqlite then
      assert.equal(REV .. ':9: SQLite cannot ALTER COLUMN "name" of "t" (nullable, type_): ' .. BATCH:gsub('"t"', '"t"'),
        failure(dir))
      dir = project([[op.create_table("t", Column("id", Integer, { primary_key = true }), Column("n", Integer))
  op.alter_column("t", "n", { new_column_name = "num" })]])
      ok(dir, "upgrade", "head")
      assert.same({ "id", "num" }, (function()
        local names = {}
        for k in pairs(b:columns(url, "t")) do names[#names + 1] = k end
        table.sort(names)
        return names
      end)())
      return
    end
    ok(dir, "upgrade", "head")
    local cols = b:columns(url, "t")
    assert.is_nil(cols.n)
    assert.matches(pg and "^character varying%(50%) NOT NULL 'anon'" or "^varchar%(50%) NOT NULL 'anon'", cols.name)
    assert.matches(pg and "^integer NULL null" or "^int NULL NULL", cols.num)
    assert.matches(pg and "^integer NULL" or "^int", cols.c)
    assert.equal("the c", b:column_comment(url, "t", "c"))
    b:with(url, function(conn)
      assert.same({ id = 1, c = 42 }, conn:first("SELECT id, c FROM t"))
      assert(sql(conn, "INSERT INTO t (id) VALUES (2)"))
      assert.equal("anon", conn:first("SELECT name FROM t WHERE id = 2").name)
    end)
  end)

  it("create_index/drop_index: unique, multi-column, expression, partial, if_not_exists/if_exists", function()
    local dir = project([[op.create_table("t", Column("id", Integer, { primary_key = true }),
    Column("a", Integer), Column("b", String(20)))
  op.create_index("ix_t_ab", "t", { "a", "b" }, { unique = true })
  op.create_index("ix_t_lower", "t", { sql "lower(b)" })
  op.create_index("ix_t_part", "t", { "a" }, { postgresql_where = "a > 0", sqlite_where = "a > 0" })
  op.create_index("ix_t_part", "t", { "a" }, { if_not_exists = true })]], [[op.drop_index("ix_t_part", "t")
  op.drop_index("ix_t_part", "t", { if_exists = true })
  op.drop_index("ix_t_lower", "t")
  op.drop_index("ix_t_ab", "t")
  op.drop_table("t")]])
    if my then
      -- MariaDB has no expression index (MySQL 8.0.13+ has): the server says so at the revision's line
      assert.matches("^" .. REV:gsub("%p", "%%%0") .. ":9: .*lower%(b%).*%[SQLSTATE 42000%]", failure(dir))
      url = b:new_database()
      dir = project([[op.create_table("t", Column("id", Integer, { primary_key = true }),
    Column("a", Integer), Column("b", String(20)))
  op.create_index("ix_t_ab", "t", { "a", "b" }, { unique = true })
  op.create_index("ix_t_part", "t", { "a" }, { postgresql_where = "a > 0" })]], [[op.drop_index("ix_t_ab", "t")]])
      ok(dir, "upgrade", "head")
      assert.same({ ["ix_t_ab"] = "UNIQUE (a, b)", ["ix_t_part"] = "(a)", PRIMARY = "UNIQUE (id)" },
        b:index_definitions(url, "t"))
      ok(dir, "downgrade", "base")
      assert.same({ "ix_t_part" }, b:indexes(url, "t"))
      return
    end
    ok(dir, "upgrade", "head")
    local ix = b:index_definitions(url, "t")
    assert.matches("UNIQUE INDEX", ix.ix_t_ab)
    assert.matches("lower%(", ix.ix_t_lower)
    assert.matches("WHERE %(?a > 0%)?", ix.ix_t_part)
    b:with(url, function(conn)
      assert(sql(conn, "INSERT INTO t (id, a, b) VALUES (1, 1, 'x')"))
      assert.is_nil(sql(conn, "INSERT INTO t (id, a, b) VALUES (2, 1, 'x')"))
    end)
    ok(dir, "downgrade", "base")
    assert.same(b:with_bookkeeping(), b:tables(url))
    if pg then
      -- CREATE INDEX CONCURRENTLY cannot run in a transaction: the revision says so
      h.cleanup()
      dir = h.project {
        [REV] = h.revision_text("a1", { up = [[op.create_table("t", Column("a", Integer))
  op.create_index("ix_c", "t", { "a" }, { postgresql_concurrently = true, postgresql_using = "hash" })
  op.drop_index("ix_c", "t", { postgresql_concurrently = true })
  op.create_index("ix_c", "t", { "a" }, { postgresql_concurrently = true })]] })
          :gsub("\nfunction upgrade", "\ntransactional = false\nfunction upgrade", 1),
      }
      ok(dir, "upgrade", "head")
      assert.same({ "ix_c" }, b:indexes(url, "t"))
      assert.same({ "a1" }, b:versions(url))
    end
  end)

  local CONSTRAINT_OPS = {
    { 'op.create_unique_constraint("uq_t_a", "t", { "a" })', 'a UNIQUE constraint "uq_t_a"' },
    { 'op.create_check_constraint("ck_t_b", "t", "b > 0")', 'a CHECK constraint "ck_t_b"' },
    { 'op.create_foreign_key("fk_t_p", "t", "p", { "p_id" }, { "id" }, { ondelete = "CASCADE" })',
      'a FOREIGN KEY constraint "fk_t_p"' },
    { 'op.create_primary_key("pk_t", "t", { "a", "b" })', 'a PRIMARY KEY constraint "pk_t"' },
  }
  local TABLES = [[op.create_table("p", Column("id", Integer, { primary_key = true }))
  op.create_table("t", Column("a", Integer, { nullable = false }), Column("b", Integer, { nullable = false }),
    Column("p_id", Integer))
]]

  it("create_unique_constraint, create_check_constraint, create_foreign_key, create_primary_key, drop_constraint", function()
    if sqlite then
      for _, case in ipairs(CONSTRAINT_OPS) do
        h.cleanup()
        local dir = project(TABLES .. "  " .. case[1])
        assert.equal(REV .. ":9: SQLite cannot add " .. case[2] .. ' to the existing table "t": ' .. BATCH,
          failure(dir))
      end
      local dir = project(TABLES .. '  op.drop_constraint("uq_t_a", "t", { type_ = "unique" })')
      assert.equal(REV .. ':9: SQLite cannot drop constraint "uq_t_a" of "t": ' .. BATCH, failure(dir))
      return
    end
    local ups = {}
    for i, case in ipairs(CONSTRAINT_OPS) do ups[i] = case[1] end
    local dir = project(TABLES .. "  " .. table.concat(ups, "\n  "), [[op.drop_constraint("fk_t_p", "t", { type_ = "foreignkey" })
  op.drop_constraint("uq_t_a", "t", { type_ = "unique" })
  op.drop_constraint("ck_t_b", "t", { type_ = "check" })
  op.drop_constraint("pk_t", "t", { type_ = "primary" })
  op.drop_table("t")
  op.drop_table("p")]])
    ok(dir, "upgrade", "head")
    assert.same({ "check ck_t_b", "foreign_key fk_t_p", pg and "primary_key pk_t" or "primary_key PRIMARY",
      "unique uq_t_a" }, b:constraints(url, "t"))
    assert.same({ "p_id -> p(id) ON DELETE CASCADE ON UPDATE NO ACTION" }, b:foreign_keys(url, "t"))
    b:with(url, function(conn)
      assert(sql(conn, "INSERT INTO p (id) VALUES (1)"))
      assert(sql(conn, "INSERT INTO t (a, b, p_id) VALUES (1, 1, 1)"))
      assert.is_nil(sql(conn, "INSERT INTO t (a, b) VALUES (1, 2)")) -- unique a
      assert.is_nil(sql(conn, "INSERT INTO t (a, b) VALUES (2, 0)")) -- check
      assert.is_nil(sql(conn, "INSERT INTO t (a, b, p_id) VALUES (3, 3, 9)")) -- foreign key
      assert(sql(conn, "DELETE FROM p"))
      assert.equal(0, conn:first("SELECT COUNT(*) AS n FROM t").n)
    end)
    -- drop them one by one (the downgrade minus its drop_tables), then check nothing is left
    h.write_file(dir .. "/" .. REV, h.revision_text("a1", { up = TABLES .. "  " .. table.concat(ups, "\n  ")
      .. [[

  op.drop_constraint("fk_t_p", "t", { type_ = "foreignkey" })
  op.drop_constraint("uq_t_a", "t", { type_ = "unique" })
  op.drop_constraint("ck_t_b", "t", { type_ = "check" })
  op.drop_constraint("pk_t", "t", { type_ = "primary" })]] }))
    url = b:new_database()
    ok(dir, "upgrade", "head")
    assert.same({}, b:constraints(url, "t"))
    assert.same({}, b:foreign_keys(url, "t"))
    if my then
      url = b:new_database()
      local r = luamig(project(TABLES .. '  op.drop_constraint("uq", "t")'), "upgrade", "head")
      assert.equal(1, r.status)
      assert.matches(REV .. ':9: MySQL drops a constraint by its type: op.drop_constraint("uq", "t",'
        .. ' {type_ = "foreignkey"}) (or "primary", "unique", "check")', r.stderr, 1, true)
    end
  end)

  if sqlite then
    it("sqlite_batch_mode = true sends what SQLite cannot ALTER to batch mode", function()
      local dir = project(TABLES .. [[  op.create_unique_constraint(nil, "t", { "a" })
  op.create_check_constraint("pos", "t", "b > 0")
  op.alter_column("t", "p_id", { nullable = false, server_default = 0 })]], nil, "sqlite_batch_mode = true, " .. CONVENTION)
      -- batch mode is written separately (luamig.ops.batch); without it the ops fail as before
      if not pcall(require, "luamig.ops.batch") then
        assert.equal(REV .. ':9: SQLite cannot add a UNIQUE constraint "uq_t_a" to the existing table "t": ' .. BATCH,
          failure(dir))
        return
      end
      ok(dir, "upgrade", "head")
      assert.same({ "check ck_t_pos", "unique uq_t_a" }, b:constraints(url, "t"))
      assert.equal("INTEGER NOT NULL 0", b:columns(url, "t").p_id)
    end)
  end

  it("alter_column on MySQL restates what it is not told, read from the server; server_onupdate", function()
    if not my then
      local dir = project([[op.create_table("t", Column("x", DateTime, { server_onupdate = sql "CURRENT_TIMESTAMP" }))]])
      assert.equal(REV .. ":6: " .. b.name .. ' has no ON UPDATE for a column (server_onupdate on "x"): a trigger'
        .. " does this (op.execute)", failure(dir))
      assert.same({}, b:tables(url))
      return
    end
    local function column()
      return b:with(url, function(conn)
        return conn:first("SELECT COLUMN_TYPE AS t, IS_NULLABLE AS n, COLUMN_DEFAULT AS d, COLUMN_COMMENT AS c,"
          .. " EXTRA AS e FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't'"
          .. " AND COLUMN_NAME = ?", "x")
      end)
    end
    local dir = project([[op.create_table("t", Column("id", Integer, { primary_key = true }),
    Column("x", DateTime, { server_default = sql "CURRENT_TIMESTAMP", server_onupdate = sql "CURRENT_TIMESTAMP",
      comment = "changed at" }))
  op.alter_column("t", "x", { nullable = false })
  op.alter_column("t", "id", { autoincrement = false })]])
    -- --sql cannot read the column: the existing_* are asked for
    local r = luamig(dir, "upgrade", "--sql")
    assert.equal(1, r.status)
    assert.matches("MySQL must restate the whole column to alter `x` of `t` (ALTER TABLE ... MODIFY): pass"
      .. " existing_type = <its current type, e.g. String(50)> (online luamig reads them from the database; a --sql"
      .. " script cannot)", r.stderr, 1, true)
    ok(dir, "upgrade", "head")
    assert.same({ t = "datetime", n = "NO", d = "current_timestamp()", c = "changed at",
      e = "on update current_timestamp()" }, column())
    assert.equal("", b:with(url, function(conn)
      return conn:first("SELECT EXTRA AS e FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
        .. " AND TABLE_NAME = 't' AND COLUMN_NAME = 'id'").e end))
    -- and back: AUTO_INCREMENT on again, ON UPDATE dropped, nothing else lost
    h.write_file(dir .. "/migrations/versions/b2_more.lua", h.revision_text("b2", { down = "a1", up = [[
  op.alter_column("t", "id", { autoincrement = true })
  op.alter_column("t", "x", { server_onupdate = null })]] }))
    ok(dir, "upgrade", "head")
    assert.same({ t = "datetime", n = "NO", d = "current_timestamp()", c = "changed at", e = "" }, column())
    assert.equal("auto_increment", b:with(url, function(conn)
      return conn:first("SELECT EXTRA AS e FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
        .. " AND TABLE_NAME = 't' AND COLUMN_NAME = 'id'").e end))
  end)

  it("Computed and Identity columns: the database makes the values; what a backend cannot keep is refused", function()
    -- SQLite's rowid key takes no start (refused below for always)
    local dir = project([[op.create_table("t", Column("id", Integer, Identity(]] .. (sqlite and "" or "{ start = 10 }")
      .. [[), { primary_key = true }), Column("price", Integer), Column("qty", Integer),
    Column("total", Integer, Computed("price * qty", { persisted = true })))
  op.add_column("t", Column("double_qty", Integer, Computed("qty * 2")))]])
    ok(dir, "upgrade", "head")
    b:with(url, function(conn)
      assert(sql(conn, "INSERT INTO t (price, qty) VALUES (3, 4)"))
      local row = conn:first("SELECT id, total, double_qty FROM t")
      assert.same({ 12, 8 }, { tonumber(row.total), tonumber(row.double_qty) })
      assert.equal(sqlite and 1 or 10, tonumber(row.id))
      assert.is_nil(sql(conn, "UPDATE t SET total = 1"))  -- generated: not writable
    end)
    url = b:new_database()
    dir = project([[op.create_table("t", Column("id", Integer, Identity({ always = true, increment = 5 }),
    { primary_key = true }))]])
    if pg then
      ok(dir, "upgrade", "head")
      b:with(url, function(conn)
        assert.is_nil(sql(conn, "INSERT INTO t (id) VALUES (1)"))  -- ALWAYS: no explicit value
        assert(sql(conn, "INSERT INTO t DEFAULT VALUES"))
        assert(sql(conn, "INSERT INTO t DEFAULT VALUES"))
        assert.same({ { id = 1 }, { id = 6 } }, conn:query("SELECT id FROM t ORDER BY id"))
      end)
    else
      assert.equal(REV .. ":6: " .. b.name:gsub("MariaDB", "MySQL") .. ' has no identity columns: column '
        .. (my and "`id`" or '"id"') .. "'s Identity becomes " .. (my and "an AUTO_INCREMENT key" or
        "the rowid key (INTEGER PRIMARY KEY)") .. ", which cannot keep always = true (explicit values are always"
        .. " taken); drop the option", failure(dir))
      assert.is_nil(set(b:tables(url)).t)
    end
  end)

  it("foreign key options: deferrable, initially, match; PostgreSQL's NOT VALID, then VALIDATE CONSTRAINT", function()
    local parent = 'op.create_table("p", Column("id", Integer, { primary_key = true }))\n  '
    if my then
      local dir = project(parent .. [[op.create_table("t", Column("id", Integer, { primary_key = true }),
    Column("p_id", Integer, { references = { table = "p", column = "id", deferrable = true } }))]])
      assert.equal(REV .. ":7: MySQL has no deferrable foreign keys (deferrable = true): InnoDB checks each one at once;"
        .. " drop the option", failure(dir))
      assert.is_nil(set(b:tables(url)).t)  -- (p was made: MySQL commits each DDL statement)
      -- what InnoDB does anyway is accepted and left out
      url = b:new_database()
      dir = project(parent .. [[op.create_table("t", Column("id", Integer, { primary_key = true }), Column("p_id", Integer))
  op.create_foreign_key("fk_t_p", "t", "p", { "p_id" }, { "id" },
    { deferrable = false, initially = "immediate", onupdate = "cascade", postgresql_not_valid = true })]])
      ok(dir, "upgrade", "head")
      assert.same({ "p_id -> p(id) ON DELETE NO ACTION ON UPDATE CASCADE" }, b:foreign_keys(url, "t"))
      return
    end
    -- A deferred key lets a transaction insert the child before its parent.
    local function insert_child_first(conn)
      if sqlite then assert(sql(conn, "PRAGMA foreign_keys = ON")) end
      assert(conn:begin())
      assert(sql(conn, "INSERT INTO t (id, p_id) VALUES (1, 7)"))
      assert(sql(conn, "INSERT INTO p (id) VALUES (7)"))
      assert(conn:commit())
      assert(conn:begin())
      assert(sql(conn, "INSERT INTO t (id, p_id) VALUES (2, 8)"))
      local committed = conn:commit()
      if not committed then conn:rollback() end
      assert.is_nil(committed)  -- still checked, at the commit
    end
    local dir = project(parent .. [[op.create_table("t", Column("id", Integer, { primary_key = true }),
    Column("p_id", Integer),
    ForeignKeyConstraint({ "p_id" }, { "p.id" }, { name = "fk_t_p", deferrable = true, initially = "deferred",
      match = "simple" }))]])
    ok(dir, "upgrade", "head")
    if sqlite then
      assert.matches('CONSTRAINT fk_t_p FOREIGN KEY ("p_id") REFERENCES "p" ("id") MATCH SIMPLE DEFERRABLE'
        .. " INITIALLY DEFERRED", b:with(url, function(conn)
          return conn:first("SELECT sql FROM sqlite_master WHERE name = 't'").sql end), 1, true)
    else
      assert.same({ { condeferrable = true, condeferred = true, confmatchtype = "s", convalidated = true } },
        b:with(url, function(conn) return conn:query("SELECT condeferrable, condeferred, confmatchtype, convalidated"
          .. " FROM pg_constraint WHERE conname = 'fk_t_p'") end))
    end
    b:with(url, insert_child_first)
    if pg then
      -- NOT VALID: added over a row that breaks it; VALIDATE CONSTRAINT,
      -- the documented second half, then checks the rows.
      url = b:new_database()
      dir = project(parent .. [[op.create_table("t", Column("id", Integer, { primary_key = true }), Column("p_id", Integer))
  op.execute("INSERT INTO t (id, p_id) VALUES (1, 99)")
  op.create_foreign_key("fk_t_p", "t", "p", { "p_id" }, { "id" }, { postgresql_not_valid = true, match = "full" })]])
      ok(dir, "upgrade", "head")
      local function state() return b:with(url, function(conn) return conn:query("SELECT confmatchtype, convalidated"
        .. " FROM pg_constraint WHERE conname = 'fk_t_p'") end) end
      assert.same({ { confmatchtype = "f", convalidated = false } }, state())
      h.write_file(dir .. "/migrations/versions/b2_validate.lua", h.revision_text("b2", { down = "a1",
        up = '  op.execute("ALTER TABLE t VALIDATE CONSTRAINT fk_t_p")' }))
      local r = luamig(dir, "upgrade", "head")
      assert.equal(1, r.status)
      assert.matches('b2_validate.lua:6: .*violates foreign key constraint "fk_t_p"', r.stderr)
      assert.same({ { confmatchtype = "f", convalidated = false } }, state())
      b:with(url, function(conn) assert(sql(conn, "DELETE FROM t")) end)
      ok(dir, "upgrade", "head")
      assert.same({ { confmatchtype = "f", convalidated = true } }, state())
    end
  end)

  if sqlite then
    it("writes SQLite constraint names that SQLAlchemy's inspector reads back", function()
      local dir = project([[op.create_table("p", Column("id", Integer, { primary_key = true }))
  op.create_table("t", Column("a", Integer), Column("b", Integer), Column("p_id", Integer),
    PrimaryKeyConstraint("a", { name = "pk_t" }), UniqueConstraint("b", { name = "uq_t_b" }),
    CheckConstraint("b > 0", { name = "ck_t_b" }),
    ForeignKeyConstraint({ "p_id" }, { "p.id" }, { name = "fk_t_p" }))]])
      ok(dir, "upgrade", "head")
      local path = url:match("^sqlite://(.*)$")
      local script = [[
import sys, sqlalchemy
i = sqlalchemy.inspect(sqlalchemy.create_engine("sqlite:///" + sys.argv[1]))
print(i.get_pk_constraint("t")["name"])
print(",".join(u["name"] for u in i.get_unique_constraints("t")))
print(",".join(c["name"] for c in i.get_check_constraints("t")))
print(",".join(f["name"] for f in i.get_foreign_keys("t")))
]]
      local r = h.sh(h.command(dir, "/usr/bin/python3", { "-c", script, path }))
      assert.equal(0, r.status, r.stderr)
      assert.equal("pk_t\nuq_t_b\nck_t_b\nfk_t_p\n", r.stdout)
    end)
  end

  it("op.inspect() reads the schema a data migration branches on; not in --sql", function()
    local dir = project([[op.create_table("p", Column("id", Integer, { primary_key = true }))
  op.create_table("t", Column("id", Integer, { primary_key = true }), Column("name", String(20), { nullable = false }),
    Column("p_id", Integer), UniqueConstraint("name", { name = "uq_t_name" }),
    CheckConstraint("p_id > 0", { name = "ck_t_id" }),
    ForeignKeyConstraint({ "p_id" }, { "p.id" }, { name = "fk_t_p", ondelete = "CASCADE" }),
    Index("ix_t_p", "p_id"))
  local insp = op.inspect()
  local seen = {}
  local function note(s) seen[#seen + 1] = s end
  note(table.concat(insp:get_table_names(), ","))
  note(tostring(insp:has_table("t")) .. " " .. tostring(insp:has_table("nope")))
  for _, c in ipairs(insp:get_columns("t")) do note(c.name .. " " .. tostring(c.type) .. " " .. tostring(c.nullable)) end
  note("pk " .. table.concat(insp:get_pk_constraint("t").columns, ","))
  for _, u in ipairs(insp:get_unique_constraints("t")) do note("uq " .. u.name) end
  for _, k in ipairs(insp:get_check_constraints("t")) do note("ck " .. k.name) end
  for _, f in ipairs(insp:get_foreign_keys("t")) do note("fk " .. f.name .. " " .. f.ref_table .. " " .. tostring(f.ondelete)) end
  for _, i in ipairs(insp:get_indexes("t")) do
    if not i.duplicates_constraint then note("ix " .. i.name) end  -- MySQL: UNIQUE is an index
  end
  -- a data migration that branches on it
  if not insp:has_table("legacy") then op.create_table("seen", Column("what", Text)) end
  for _, s in ipairs(seen) do op.execute("INSERT INTO seen (what) VALUES (?)", s) end
  local ok, err = pcall(insp.get_columns, insp, "nope")
  op.execute("INSERT INTO seen (what) VALUES (?)", tostring(err))]])
    ok(dir, "upgrade", "head")
    local rows = b:with(url, function(conn) return conn:query("SELECT what FROM seen") end)
    local got = {}
    for i, r in ipairs(rows) do got[i] = r.what end
    assert.same({ "p,t", "true false", "id Integer false", "name String(20) false", "p_id Integer true", "pk id",
      "uq uq_t_name", "ck ck_t_id", "fk fk_t_p p CASCADE", "ix ix_t_p",
      REV .. ':28: inspector:get_columns: there is no table "nope"' }, got)
    local r = luamig(dir, "upgrade", "--sql")
    assert.equal(1, r.status)
    assert.matches(REV .. ":12: op.inspect() needs a database, and --sql writes a script without one", r.stderr, 1, true)
  end)

  it("a project's own operations: luamig.lua's operations, op.register; online and in --sql", function()
    local dir = project([[op.create_audited("things")
  op.register("add_note", function(o, tbl, text) o.execute("INSERT INTO " .. tbl .. " (note) VALUES (?)", text) end)
  op.add_note("things", "made by a custom op")]], nil,
      [[operations = { create_audited = function(op, name)
    op.create_table(name, Column("id", Integer, { primary_key = true }), Column("note", String(40)))
  end },]])
    local script = ok(dir, "upgrade", "--sql").stdout
    assert.matches("INSERT INTO things (note) VALUES ('made by a custom op');", script, 1, true)
    ok(dir, "upgrade", "head")
    assert.equal("made by a custom op", b:with(url, function(conn) return conn:first("SELECT note FROM things").note end))
    -- mistakes name themselves at the revision's line, and change nothing
    url = b:new_database()
    dir = project([[op.register("create_table", function() end)]])
    assert.equal(REV .. ":6: op.register: op.create_table exists already (luamig's or registered before)", failure(dir))
    dir = project([[op.register("x", "not a function")]])
    assert.equal(REV .. ':6: op.register: argument #2 (fn) must be a function(op, ...), got string "not a function"',
      failure(dir))
    dir = project([[op.nope()]], nil, [[operations = { [5] = print },]])
    local before = b:tables(url)
    local r = luamig(dir, "upgrade", "head")
    assert.equal(2, r.status)
    assert.matches("operations must map op names to functions(op, ...), got 5 = function", r.stderr, 1, true)
    assert.same(before, b:tables(url))
  end)

  it("non-native Enum and Boolean bring a CHECK that follows a rename and goes with a type change", function()
    local mood = [[Enum("happy", "sad", { native_enum = false, create_constraint = true, name = "ck_mood" })]]
    local change = sqlite and [[op.batch_alter_table("e", function(batch)
    batch.alter_column("mood", { new_column_name = "feeling" })
  end)
  op.batch_alter_table("e", function(batch)
    batch.alter_column("feeling", { type_ = String(20), existing_type = ]] .. mood .. [[ })
  end)]] or [[op.alter_column("e", "mood", { new_column_name = "feeling", existing_type = ]] .. mood .. [[,
    existing_nullable = true })
  op.alter_column("e", "feeling", { type_ = String(20), existing_type = ]] .. mood .. [[, existing_nullable = true })]]
    local dir = project([[op.create_table("e", Column("id", Integer, { primary_key = true }), Column("mood", ]] .. mood
      .. [[), Column("flag", Boolean{ create_constraint = true, name = "ck_flag" }))]])
    ok(dir, "upgrade", "head")
    b:with(url, function(conn)
      assert(sql(conn, "INSERT INTO e (id, mood, flag) VALUES (1, 'happy', TRUE)"))
      assert.is_nil(sql(conn, "INSERT INTO e (id, mood) VALUES (2, 'grumpy')"))
      -- SQLite has no boolean: the CHECK keeps it 0 or 1
      if sqlite then assert.is_nil(sql(conn, "INSERT INTO e (id, flag) VALUES (3, 5)")) end
    end)
    assert.is_true(set(b:constraints(url, "e"))["check ck_mood"])
    h.write_file(dir .. "/migrations/versions/b2_change.lua", h.revision_text("b2", { down = "a1", up = change }))
    ok(dir, "upgrade", "head")
    assert.is_nil(set(b:constraints(url, "e"))["check ck_mood"])
    b:with(url, function(conn)
      assert(sql(conn, "INSERT INTO e (id, feeling) VALUES (4, 'grumpy')"))  -- no CHECK any more
      assert.equal("happy", conn:first("SELECT feeling FROM e WHERE id = 1").feeling)
    end)
  end)

  it("a column's collation, and MySQL's table charset and engine", function()
    local coll = ({ sqlite = "NOCASE", postgres = "C", mysql = "utf8mb4_bin" })[b.tag]
    local dir = project(string.format([[op.create_table("c", Column("id", Integer, { primary_key = true }),
    Column("name", String{ length = 40, collation = %q }), { mysql_charset = "utf8mb4", mysql_engine = "InnoDB" })
  op.add_column("c", Column("note", Text{ collation = %q }))
  op.execute("INSERT INTO c (id, name) VALUES (1, 'abc'), (2, 'ABC')")]], coll, coll))
    ok(dir, "upgrade", "head")
    b:with(url, function(conn)
      if sqlite then
        -- NOCASE: the two names are one
        assert.equal(2, conn:first("SELECT count(*) AS n FROM c WHERE name = 'abc'").n)
        assert.matches('"note" TEXT COLLATE NOCASE', conn:first("SELECT sql FROM sqlite_master WHERE name = 'c'").sql,
          1, true)
      else
        local rows = conn:query(pg and "SELECT column_name AS c, collation_name AS k FROM information_schema.columns"
          .. " WHERE table_name = 'c' AND collation_name IS NOT NULL ORDER BY column_name"
          or "SELECT COLUMN_NAME AS c, COLLATION_NAME AS k FROM information_schema.COLUMNS WHERE TABLE_SCHEMA ="
          .. " DATABASE() AND TABLE_NAME = 'c' AND COLLATION_NAME IS NOT NULL ORDER BY COLUMN_NAME")
        assert.same({ { c = "name", k = coll }, { c = "note", k = coll } }, rows)
        assert.equal(1, tonumber(conn:first("SELECT count(*) AS n FROM c WHERE name = 'abc'").n))
      end
      if my then
        assert.equal("InnoDB", conn:first("SELECT ENGINE AS e FROM information_schema.TABLES WHERE TABLE_SCHEMA ="
          .. " DATABASE() AND TABLE_NAME = 'c'").e)
      end
    end)
  end)

  it("a column's character set on MySQL; refused by name elsewhere, with nothing changed", function()
    local dir = project([[op.create_table("cs", Column("id", Integer, { primary_key = true }))
  op.add_column("cs", Column("code", String{ length = 8, charset = "latin1", collation = "latin1_bin" }))]])
    if not my then
      assert.equal(string.format("migrations/versions/a1_ops.lua:7: %s has no per-column character set (column %s): the"
        .. " database's encoding applies; give a collation instead, or set charset only on MySQL",
        sqlite and "SQLite" or "PostgreSQL", "\"code\""), failure(dir))
      b:with(url, function(conn)
        assert.is_nil(conn:first(sqlite and "SELECT name FROM sqlite_master WHERE name = 'cs'"
          or "SELECT table_name FROM information_schema.tables WHERE table_name = 'cs'"))
      end)
      return
    end
    ok(dir, "upgrade", "head")
    b:with(url, function(conn)
      assert.same({ s = "latin1", k = "latin1_bin" }, conn:first("SELECT CHARACTER_SET_NAME AS s, COLLATION_NAME AS k"
        .. " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'cs' AND COLUMN_NAME = 'code'"))
    end)
  end)

  it("create_table_comment and drop_table_comment", function()
    local dir = project([[op.create_table("t", Column("a", Integer))
  op.create_table_comment("t", "it's a table")]], [[op.drop_table_comment("t")]])
    ok(dir, "upgrade", "head")
    assert.equal(not sqlite and "it's a table" or nil, b:table_comment(url, "t"))
    ok(dir, "downgrade", "base")
    assert.is_nil(b:table_comment(url, "t"))
  end)

  it("execute, bulk_insert (multiinsert), inline_literal, get_bind and get_context", function()
    local dir = project([[local t = op.create_table("t", Column("id", Integer, { primary_key = true }),
    Column("name", String(20)), Column("flag", Boolean, { server_default = false }))
  op.execute("INSERT INTO t (id, name) VALUES (1, 'a')")
  op.execute(sql "INSERT INTO t (id, name) VALUES (2, 'b')")
  op.execute("INSERT INTO t (id, name, flag) VALUES (?, ?, ?)", 3, op.inline_literal("c"), true)
  op.execute("INSERT INTO t (id, name, flag) VALUES (4, " .. op.inline_literal("it's") .. ", "
    .. op.inline_literal(true) .. ")")
  op.bulk_insert(t, { { id = 5, name = "e" }, { id = 6, name = op.inline_literal("f") } }, { multiinsert = false })
  op.bulk_insert("t", { { id = 7, name = "g" } }, { multiinsert = true })
  local ctx = op.get_context()
  op.get_bind():execute("INSERT INTO t (id, name) VALUES (?, ?)", 8, ctx.dialect.name)]])
    ok(dir, "upgrade", "head")
    local rows = b:with(url, function(conn) return conn:query("SELECT id, name, flag FROM t ORDER BY id") end)
    local F, T = 0, 1
    if pg then F, T = false, true end
    assert.same({ { id = 1, name = "a", flag = F }, { id = 2, name = "b", flag = F }, { id = 3, name = "c", flag = T },
      { id = 4, name = "it's", flag = T }, { id = 5, name = "e", flag = F }, { id = 6, name = "f", flag = F },
      { id = 7, name = "g", flag = F }, { id = 8, name = b.tag, flag = F } }, rows)
  end)

  it("types: Enum, Uuid, raw Type, and server defaults as values and sql fragments", function()
    local dir = project([[op.create_table("t", Column("id", Integer, { primary_key = true }),
    Column("mood", Enum("happy", "sad", { name = "mood" }), { server_default = "happy" }),
    Column("u", Uuid), Column("d", Type("DECIMAL(8, 3)")),
    Column("s", String(20), { server_default = "it's" }), Column("n", Integer, { server_default = 42 }),
    Column("f", Float, { server_default = 1.5 }), Column("yes", Boolean, { server_default = true }),
    Column("at", DateTime, { server_default = sql "CURRENT_TIMESTAMP" }))
  op.add_column("t", Column("color", Enum("red", "green", { name = "color" })))]],
      [[op.drop_column("t", "color", { enums = { "color" } })
  op.drop_table("t", { enums = { "mood" } })]])
    ok(dir, "upgrade", "head")
    local types_of = { sqlite = { mood = "VARCHAR(5)", u = "CHAR(36)", d = "DECIMAL(8, 3)" },
      postgres = { mood = "mood", u = "uuid", d = "numeric(8,3)" },
      mysql = { mood = "enum('happy','sad')", u = "char(36)", d = "decimal(8,3)" } }
    for col, want in pairs(types_of[b.tag]) do assert.equal(want, b:column_type(url, "t", col), col) end
    if pg then assert.same({ color = "red,green", mood = "happy,sad" }, b:enums(url)) end
    b:with(url, function(conn)
      assert(sql(conn, "INSERT INTO t (id, u) VALUES (1, '6f1c0a9b-e2d3-4f1c-8a9b-e2d34f1c0a9b')"))
      assert.is_nil(sql(conn, "INSERT INTO t (id, mood) VALUES (2, 'angry')"))
      assert.is_nil(sql(conn, "INSERT INTO t (id, color) VALUES (3, 'blue')"))
      local row = conn:first("SELECT mood, s, n, f, yes, at FROM t")
      assert.same({ "happy", "it's", 42, 1.5, pg and true or 1 },
        { row.mood, row.s, row.n, tonumber(row.f), row.yes })
      assert.matches("^%d%d%d%d%-%d%d%-%d%d", tostring(row.at))
    end)
    ok(dir, "downgrade", "base")
    assert.same({}, b:enums(url))
  end)

  it("types the database does not have fail with advice; PostgreSQL has Interval, ARRAY and JSONB", function()
    local dir = project([[op.create_table("t", Column("i", Interval), Column("a", ARRAY(Integer)), Column("j", JSONB))]])
    if pg then
      ok(dir, "upgrade", "head")
      assert.equal("interval", b:column_type(url, "t", "i"))
      assert.equal("integer[]", b:column_type(url, "t", "a"))
      assert.equal("jsonb", b:column_type(url, "t", "j"))
    else
      assert.equal(REV .. ":6: " .. (sqlite and 'SQLite has no INTERVAL type (column "i"): store a number of seconds'
        .. " in an Integer or Float column" or "MySQL has no INTERVAL type (column `i`): store a number of seconds"
        .. " in an Integer or Numeric column"), failure(dir))
    end
  end)

  describe("bad input names the op, the argument and the revision's line", function()
    it("a missing or wrong-typed argument", function()
      assert.equal(REV .. ":7: op.create_unique_constraint: argument #3 (columns) must be a list of column names,"
        .. " got nil", failure(project('op.create_table("t", Column("a", Integer))\n  op.create_unique_constraint("uq", "t")')))
      url = b:new_database() -- MySQL keeps the failed step recorded, and refuses to go on until it is settled
      assert.equal(REV .. ':6: op.add_column: argument #2 (column) must be a Column, got string "a"',
        failure(project('op.add_column("t", "a")')))
      -- a failed first run leaves no bookkeeping tables where DDL is
      -- transactional; MySQL made them before the step
      assert.same(b.tag == "mysql" and b:with_bookkeeping() or {}, b:tables(url))
    end)

    it("an unknown type", function()
      assert.matches("^" .. REV:gsub("%p", "%%%0") .. ":6: unknown type or constructor Strng %(types: ARRAY,",
        failure(project('op.create_table("t", Column("a", Strng(5)))')))
    end)

    it("alter_column of a column that does not exist", function()
      local dir = project([[op.create_table("t", Column("a", Integer))
  op.alter_column("t", "nope", { new_column_name = "b", existing_type = Integer, existing_nullable = true })]])
      local msg = failure(dir)
      assert.equal(REV .. ":7: ", msg:sub(1, #REV + 4))
      assert.matches("nope", msg, 1, true)
    end)
  end)
end)
