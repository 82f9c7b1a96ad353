-- Golden SQL for the SQLite dialect (checked against the sqlite3 shell).

local _ENV = require("helpers.golden_sql").env(_ENV, "sqlite")

describe("sqlite dialect", function()
  it("has its capability flags", function()
    assert.equal("sqlite", d.name)
    assert_flags(d, { transactional_ddl = true, alter_column = false, drop_column = true,
      rename_column = true, if_exists = true,
      column_if_exists = false, index_if_exists = true })
  end)

  it("is found under its aliases and rejects unknown names", function()
    assert.equal(d, ddl.dialect("sqlite3"))
    local none, msg = ddl.dialect("oracle")
    assert.is_nil(none)
    assert.matches('unknown SQL dialect "oracle"', msg, 1, true)
  end)

  it("quotes identifiers, doubling embedded quotes", function()
    assert_writes(d, "quote", { { '"order"', "order" }, { '"my ""table"""', 'my "table"' }, { '"a`b"', "a`b" } })
  end)

  it("writes literals", function()
    assert_writes(d, "literal", {
      { "'it''s'", "it's" }, { "'a\\b'", "a\\b" }, { "42", 42 }, { "-7", -7 }, { "1.5", 1.5 }, { "0.1", 0.1 },
      { "2.0", 2.0 }, { "1", true }, { "0", false }, { "NULL", nil }, { "CURRENT_TIMESTAMP", sql "CURRENT_TIMESTAMP" },
    })
    assert.has_error(function() d:literal({}) end, "cannot write table as an SQL literal")
    assert.has_error(function() d:literal(0 / 0) end)
  end)

  it("maps every type", function()
    -- this dialect's own; assert_types adds those that every dialect writes alike
    local expected = {
      { String, "VARCHAR" }, { Boolean, "BOOLEAN" },
      { DateTime, "DATETIME" }, { DateTime { timezone = true }, "DATETIME" },
      { Float(24), "FLOAT(24)" }, { Numeric(8), "NUMERIC(8)" }, { Numeric, "NUMERIC" }, { LargeBinary, "BLOB" },
    }
    assert_types(d, expected)
  end)

  describe("create_table", function()
    it("inlines a single autoincrement INTEGER PRIMARY KEY", function()
      assert.same({ lines(
        'CREATE TABLE "links" (',
        '  "id" INTEGER NOT NULL PRIMARY KEY,',
        '  "short_code" VARCHAR(16) NOT NULL,',
        '  "created_at" DATETIME DEFAULT CURRENT_TIMESTAMP,',
        '  UNIQUE ("short_code")',
        ')'),
      }, d:compile(links()))
    end)

    it("writes an autoincrement BIGINT key as INTEGER, the rowid alias", function()
      assert.same({ lines('CREATE TABLE "t" (', '  "id" INTEGER NOT NULL PRIMARY KEY', ')') },
        d:compile(create("t", Column("id", BigInteger, { primary_key = true }))))
    end)

    it("adds AUTOINCREMENT only when asked for", function()
      assert.same({ lines('CREATE TABLE "t" (', '  "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT', ')') },
        d:compile(create("t", Column("id", Integer, { primary_key = true, autoincrement = true }))))
    end)

    it("keeps autoincrement = false keys as a table constraint", function()
      assert.same({ lines('CREATE TABLE "t" (', '  "id" INTEGER NOT NULL,', '  PRIMARY KEY ("id")', ')') },
        d:compile(create("t", Column("id", Integer, { primary_key = true, autoincrement = false }))))
    end)

    it("compiles the version table without autoincrement", function()
      assert.same({ lines(
        'CREATE TABLE "luamig_version" (',
        '  "version_num" VARCHAR(32) NOT NULL,',
        '  PRIMARY KEY ("version_num")',
        ')') },
        d:compile(create("luamig_version",
          Column("version_num", String(32), { primary_key = true, nullable = false }))))
    end)

    it("writes a composite primary key and quotes awkward names", function()
      assert.same({ lines(
        'CREATE TABLE "my ""table""" (',
        '  "order" INTEGER NOT NULL,',
        '  "b" VARCHAR(10) NOT NULL,',
        '  PRIMARY KEY ("order", "b")',
        ')') },
        d:compile(create('my "table"',
          Column("order", Integer, { primary_key = true }),
          Column("b", String(10), { primary_key = true }))))
    end)

    it("refuses an autoincrement column in a composite key", function()
      local ok, msg = d:compile(create("t",
        Column("a", Integer, { primary_key = true, autoincrement = true }),
        Column("b", Integer, { primary_key = true })))
      assert.is_nil(ok)
      assert.equal('create_table "t": SQLite can autoincrement only a single INTEGER PRIMARY KEY column,'
        .. ' and "a" is part of a composite primary key', msg)
    end)

    it("writes foreign keys with their actions", function()
      assert.same({ lines(
        'CREATE TABLE "order" (',
        '  "id" INTEGER NOT NULL PRIMARY KEY,',
        '  "user_id" INTEGER NOT NULL,',
        '  "coupon" VARCHAR(10),',
        '  FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE SET NULL,',
        '  FOREIGN KEY ("coupon") REFERENCES "coupons" ("code")',
        ')') },
        d:compile(create("order",
          Column("id", Integer, { primary_key = true }),
          Column("user_id", Integer, { nullable = false,
            references = { table = "users", column = "id", ondelete = "cascade", onupdate = "set null" } }),
          Column("coupon", String(10), { references = "coupons.code" }))))
    end)

    it("does not autoincrement a key that is a foreign key or has a default", function()
      assert.same({ lines(
        'CREATE TABLE "profile" (',
        '  "user_id" INTEGER NOT NULL,',
        '  PRIMARY KEY ("user_id"),',
        '  FOREIGN KEY ("user_id") REFERENCES "users" ("id")',
        ')') },
        d:compile(create("profile", Column("user_id", Integer, { primary_key = true, references = "users.id" }))))
      assert.same({ lines('CREATE TABLE "t" (', '  "n" INTEGER DEFAULT 0 NOT NULL,', '  PRIMARY KEY ("n")', ')') },
        d:compile(create("t", Column("n", Integer, { primary_key = true, server_default = 0 }))))
    end)

    it("writes server default literals, booleans as 1/0", function()
      assert.same({ lines(
        'CREATE TABLE "t" (',
        "  \"s\" VARCHAR(20) DEFAULT 'it''s',",
        '  "n" INTEGER DEFAULT 42,',
        '  "f" FLOAT DEFAULT 1.5,',
        '  "yes" BOOLEAN DEFAULT 1 NOT NULL,',
        '  "no" BOOLEAN DEFAULT 0,',
        '  "at" DATETIME DEFAULT CURRENT_TIMESTAMP',
        ')') },
        d:compile(create("t",
          Column("s", String(20), { server_default = "it's" }),
          Column("n", Integer, { server_default = 42 }),
          Column("f", Float, { server_default = 1.5 }),
          Column("yes", Boolean, { server_default = true, nullable = false }),
          Column("no", Boolean, { server_default = false }),
          Column("at", DateTime, { server_default = sql "CURRENT_TIMESTAMP" }))))
    end)

    it("creates column indexes, drops comments, honours if_not_exists and schema", function()
      local rec = create("t",
        Column("id", Integer, { primary_key = true }),
        Column("email", String(100), { unique = true, index = true, comment = "ignored" }),
        Column("name", String(100), { index = true }))
      rec.if_not_exists, rec.schema, rec.comment = true, "aux", "ignored too"
      assert.same({
        lines('CREATE TABLE IF NOT EXISTS "aux"."t" (',
          '  "id" INTEGER NOT NULL PRIMARY KEY,',
          '  "email" VARCHAR(100),',
          '  "name" VARCHAR(100)',
          ')'),
        'CREATE UNIQUE INDEX "aux"."ix_t_email" ON "t" ("email")',
        'CREATE INDEX "aux"."ix_t_name" ON "t" ("name")',
      }, d:compile(rec))
    end)

    it("writes explicit table constraints", function()
      local rec = create("t", Column("a", Integer), Column("b", Integer))
      rec.constraints = {
        { kind = "unique", name = "uq_ab", columns = { "a", "b" } },
        { kind = "check", sqltext = "a < b" },
        { kind = "foreign_key", columns = { "a", "b" }, ref_table = "p", ref_columns = { "x", "y" }, ondelete = "CASCADE" },
      }
      assert.same({ lines(
        'CREATE TABLE "t" (',
        '  "a" INTEGER,',
        '  "b" INTEGER,',
        '  CONSTRAINT uq_ab UNIQUE ("a", "b"),',
        '  CHECK (a < b),',
        '  FOREIGN KEY ("a", "b") REFERENCES "p" ("x", "y") ON DELETE CASCADE',
        ')') }, d:compile(rec))
    end)
  end)

  it("drops and renames tables", function()
    assert.same({ 'DROP TABLE "order"' }, d:compile({ kind = "drop_table", table = "order" }))
    assert.same({ 'DROP TABLE IF EXISTS "my ""table"""' },
      d:compile({ kind = "drop_table", table = 'my "table"', if_exists = true }))
    assert.same({ 'ALTER TABLE "order" RENAME TO "orders"' },
      d:compile({ kind = "rename_table", table = "order", new_name = "orders" }))
  end)

  describe("add_column", function()
    it("adds a column with default and inline REFERENCES", function()
      assert.same({ [[ALTER TABLE "order" ADD COLUMN "status" VARCHAR(10) DEFAULT 'new' NOT NULL]] },
        d:compile({ kind = "add_column", table = "order",
          column = Column("status", String(10), { nullable = false, server_default = "new" }) }))
      assert.same({
        'ALTER TABLE "order" ADD COLUMN "owner_id" INTEGER REFERENCES "users" ("id") ON DELETE SET NULL',
        'CREATE INDEX "ix_order_owner_id" ON "order" ("owner_id")',
      }, d:compile({ kind = "add_column", table = "order", column = Column("owner_id", Integer,
        { index = true, references = { table = "users", column = "id", ondelete = "SET NULL" } }) }))
    end)

    it("refuses what SQLite's ADD COLUMN cannot do", function()
      local ok, msg = d:compile({ kind = "add_column", table = "t", column = Column("c", Integer, { unique = true }) })
      assert.is_nil(ok)
      assert.equal('SQLite cannot ADD COLUMN "c" to "t" as UNIQUE: add it without unique = true and then'
        .. ' op.create_index(name, "t", {"c"}, {unique = true}), or use op.batch_alter_table("t",'
        .. ' function(batch) ... end) (batch mode)', msg)
      ok, msg = d:compile({ kind = "add_column", table = "t", column = Column("id", Integer, { primary_key = true }) })
      assert.is_nil(ok)
      assert.equal('SQLite cannot ADD COLUMN "id" to "t" as a PRIMARY KEY column: use op.batch_alter_table("t",'
        .. ' function(batch) ... end) (batch mode)', msg)
      ok, msg = d:compile({ kind = "add_column", table = "t", column = Column("c", Integer), if_not_exists = true })
      assert.is_nil(ok)
      assert.equal("SQLite has no ADD COLUMN IF NOT EXISTS: drop if_not_exists, or check the column first", msg)
    end)
  end)

  it("drops a column", function()
    assert.same({ 'ALTER TABLE "order" DROP COLUMN "my ""col"""' },
      d:compile({ kind = "drop_column", table = "order", column = 'my "col"' }))
    assert.is_nil((d:compile({ kind = "drop_column", table = "t", column = "c", if_exists = true })))
  end)

  describe("alter_column", function()
    it("renames a column", function()
      assert.same({ 'ALTER TABLE "order" RENAME COLUMN "x" TO "y"' },
        d:compile({ kind = "alter_column", table = "order", column = "x", new_column_name = "y" }))
    end)

    it("points anything else to batch mode", function()
      local ok, msg = d:compile({ kind = "alter_column", table = "t", column = "x",
        nullable = false, type_ = String(20), new_column_name = "y" })
      assert.is_nil(ok)
      assert.equal('SQLite cannot ALTER COLUMN "x" of "t" (nullable, type_): use op.batch_alter_table("t",'
        .. ' function(batch) ... end) (batch mode)', msg)
      ok, msg = d:compile({ kind = "alter_column", table = "t", column = "x", server_default = false })
      assert.is_nil(ok)
      assert.matches("(server_default)", msg, 1, true)
    end)

    it("ignores a comment change", function()
      assert.same({}, d:compile({ kind = "alter_column", table = "t", column = "x", comment = "c" }))
    end)
  end)

  describe("indexes", function()
    it("creates plain, unique, multi-column and expression indexes", function()
      assert.same({ 'CREATE INDEX "ix_links_short_code" ON "links" ("short_code")' },
        d:compile({ kind = "create_index", name = "ix_links_short_code", table = "links", columns = { "short_code" } }))
      assert.same({ 'CREATE UNIQUE INDEX IF NOT EXISTS "ix_ab" ON "order" ("a", "b")' },
        d:compile({ kind = "create_index", name = "ix_ab", table = "order", columns = { "a", "b" },
          unique = true, if_not_exists = true }))
      assert.same({ 'CREATE INDEX "ix_lower" ON "users" ("id", lower(name))' },
        d:compile({ kind = "create_index", name = "ix_lower", table = "users", columns = { "id", sql "lower(name)" } }))
    end)

    it("drops an index without naming the table", function()
      assert.same({ 'DROP INDEX "ix_a"' }, d:compile({ kind = "drop_index", name = "ix_a", table = "t" }))
      assert.same({ 'DROP INDEX IF EXISTS "ix_a"' }, d:compile({ kind = "drop_index", name = "ix_a", if_exists = true }))
    end)
  end)

  it("passes execute's SQL through", function()
    assert.same({ "UPDATE t SET a = 1" }, d:compile({ kind = "execute", sql = "UPDATE t SET a = 1" }))
    assert.same({ "VACUUM" }, d:compile({ kind = "execute", sql = sql "VACUUM" }))
  end)

  it("writes bulk inserts as literal INSERTs for --sql", function()
    assert.same({
      [[INSERT INTO "t" ("a", "b") VALUES (1, 'x''y')]],
      [[INSERT INTO "t" ("a", "b") VALUES (2, 'dflt')]],
    }, d:compile({ kind = "bulk_insert", table = "t", columns = { "a", "b" },
      rows = { { a = 1, b = "x'y" }, { a = 2 } }, defaults = { b = "dflt" } }))
  end)

  it("rejects records it cannot compile", function()
    local ok, msg = d:compile({ kind = "frobnicate" })
    assert.is_nil(ok)
    assert.equal('SQLite: no SQL for operation "frobnicate"', msg)
    assert.has_error(function() d:compile({ kind = "drop_table" }) end, "compile: drop_table record without table")
    assert.has_error(function() d:compile("DROP TABLE t") end)
  end)
end)
