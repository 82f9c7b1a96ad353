-- Golden SQL for the MySQL dialect (checked against MariaDB 10.11; the
-- expression index is MySQL 8.0.13+ syntax).

local _ENV = require("helpers.golden_sql").env(_ENV, "mysql")

describe("mysql dialect", function()
  it("has its capability flags", function()
    assert.equal("mysql", d.name)
    assert_flags(d, { transactional_ddl = false, alter_column = true, drop_column = true,
      rename_column = true, if_exists = true,
      column_if_exists = false, index_if_exists = false, constraint_if_exists = false })
  end)

  it("has MariaDB's IF [NOT] EXISTS in the MariaDB dialect, picked by the server's version", function()
    local m = ddl.dialect("mariadb")
    assert.equal("mysql", m.name)
    assert_flags(m, { column_if_exists = true, index_if_exists = true, constraint_if_exists = true })
    assert.equal(m, ddl.for_server(d, "10.11.19-MariaDB-0+deb12u1"))
    assert.equal(d, ddl.for_server(d, "8.0.36"))
    assert.same({ "ALTER TABLE `t` DROP FOREIGN KEY IF EXISTS `fk`" },
      m:compile({ kind = "drop_constraint", table = "t", name = "fk", type_ = "foreignkey", if_exists = true }))
    assert.same({ "DROP INDEX IF EXISTS `ix` ON `t`" },
      m:compile({ kind = "drop_index", table = "t", name = "ix", if_exists = true }))
    assert.same({ "ALTER TABLE `t` ADD COLUMN IF NOT EXISTS `c` INTEGER" },
      m:compile({ kind = "add_column", table = "t", column = Column("c", Integer), if_not_exists = true }))
    local _, err = d:compile({ kind = "drop_constraint", table = "t", name = "fk", type_ = "foreignkey",
      if_exists = true })
    assert.equal("MySQL has no DROP ... IF EXISTS of a constraint: drop if_exists, or check the constraint first"
      .. " (op.inspect())", err)
  end)

  it("quotes with backticks and escapes backslashes in strings", function()
    assert_writes(d, "quote", { { "`order`", "order" }, { '`my "table"`', 'my "table"' }, { "`a``b`", "a`b" } })
    assert_writes(d, "literal", {
      { "'it''s'", "it's" }, { "'a\\\\b'", "a\\b" }, { "1", true }, { "0", false }, { "3.25", 3.25 },
    })
  end)

  it("maps every type", function()
    -- this dialect's own; assert_types adds those that every dialect writes alike
    local expected = {
      { Text(1000), "TEXT(1000)" }, { Boolean, "BOOL" },
      { DateTime, "DATETIME" }, { DateTime { timezone = true }, "DATETIME" },
      { LargeBinary, "LONGBLOB" }, { LargeBinary(1000), "BLOB(1000)" },
    }
    assert_types(d, expected)
  end)

  it("needs a length for String", function()
    local ok, msg = d:type_sql(String, "name")
    assert.is_nil(ok)
    assert.equal("MySQL needs a length for VARCHAR: column `name` is String without one;"
      .. " use String(n), e.g. String(255), or Text", msg)
    ok, msg = d:compile(create("t", Column("name", String)))
    assert.is_nil(ok)
    assert.matches("column `name` is String without one", msg, 1, true)
  end)

  describe("create_table", function()
    it("makes the integer key AUTO_INCREMENT", function()
      assert.same({ lines(
        "CREATE TABLE `links` (",
        "  `id` INTEGER NOT NULL AUTO_INCREMENT,",
        "  `short_code` VARCHAR(16) NOT NULL,",
        "  `created_at` DATETIME DEFAULT CURRENT_TIMESTAMP,",
        "  PRIMARY KEY (`id`),",
        "  UNIQUE (`short_code`)",
        ")"),
      }, d:compile(links()))
    end)

    it("leaves the version table alone", function()
      assert.same({ lines("CREATE TABLE `luamig_version` (", "  `version_num` VARCHAR(32) NOT NULL,",
        "  PRIMARY KEY (`version_num`)", ")") },
        d:compile(create("luamig_version", Column("version_num", String(32), { primary_key = true, nullable = false }))))
    end)

    it("writes composite keys, foreign keys, defaults and comments inline", function()
      local rec = create('my "table"',
        Column("order", Integer, { primary_key = true }),
        Column("b", String(10), { primary_key = true, comment = "it's b" }),
        Column("user_id", Integer, { references = { table = "users", column = "id", ondelete = "SET NULL", onupdate = "CASCADE" } }),
        Column("flag", Boolean, { server_default = true, nullable = false }),
        Column("note", String(20), { server_default = "a\\b" }))
      rec.comment = "mine"
      assert.same({ lines(
        'CREATE TABLE `my "table"` (',
        "  `order` INTEGER NOT NULL,",
        "  `b` VARCHAR(10) NOT NULL COMMENT 'it''s b',",
        "  `user_id` INTEGER,",
        "  `flag` BOOL DEFAULT 1 NOT NULL,",
        "  `note` VARCHAR(20) DEFAULT 'a\\\\b',",
        "  PRIMARY KEY (`order`, `b`),",
        "  FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE SET NULL ON UPDATE CASCADE",
        ") COMMENT='mine'") }, d:compile(rec))
    end)
  end)

  it("drops and renames tables", function()
    assert.same({ "DROP TABLE IF EXISTS `order`" }, d:compile({ kind = "drop_table", table = "order", if_exists = true }))
    assert.same({ "ALTER TABLE `order` RENAME TO `orders`" },
      d:compile({ kind = "rename_table", table = "order", new_name = "orders" }))
    assert.same({ "ALTER TABLE `shop`.`order` RENAME TO `shop`.`orders`" },
      d:compile({ kind = "rename_table", table = "order", new_name = "orders", schema = "shop" }))
  end)

  it("adds columns, the foreign key as its own clause", function()
    assert.same({ "ALTER TABLE `order` ADD COLUMN `owner_id` INTEGER,"
      .. " ADD FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`) ON DELETE CASCADE" },
      d:compile({ kind = "add_column", table = "order",
        column = Column("owner_id", Integer, { references = { table = "users", column = "id", ondelete = "CASCADE" } }) }))
    assert.same({ "ALTER TABLE `order` ADD COLUMN `code` VARCHAR(8) NOT NULL UNIQUE COMMENT 'c'" },
      d:compile({ kind = "add_column", table = "order",
        column = Column("code", String(8), { nullable = false, unique = true, comment = "c" }) }))
    local ok, msg = d:compile({ kind = "add_column", table = "t", column = Column("c", Integer), if_not_exists = true })
    assert.is_nil(ok)
    assert.equal("MySQL has no ADD COLUMN IF NOT EXISTS: drop if_not_exists, or check the column first", msg)
  end)

  it("drops columns", function()
    assert.same({ "ALTER TABLE `order` DROP COLUMN `x`" }, d:compile({ kind = "drop_column", table = "order", column = "x" }))
  end)

  describe("alter_column", function()
    it("restates the column with MODIFY, keeping what is not changed", function()
      assert.same({ "ALTER TABLE `t` MODIFY COLUMN `x` VARCHAR(50) DEFAULT 'a' NOT NULL COMMENT 'kept'" },
        d:compile(alter { nullable = false, existing_type = String(50), existing_server_default = "a",
          existing_comment = "kept" }))
      assert.same({ "ALTER TABLE `t` MODIFY COLUMN `x` TEXT" },
        d:compile(alter { type_ = Text, existing_nullable = true, existing_server_default = "gone" ,
          server_default = false }))
      assert.same({ "ALTER TABLE `t` MODIFY COLUMN `x` BIGINT NOT NULL AUTO_INCREMENT" },
        d:compile(alter { type_ = BigInteger, existing_nullable = false, existing_autoincrement = true }))
    end)

    it("uses CHANGE to rename and alter at once", function()
      assert.same({ "ALTER TABLE `order` CHANGE COLUMN `x` `y` INTEGER NOT NULL COMMENT 'n'" },
        d:compile(alter { table = "order", nullable = false, comment = "n", new_column_name = "y", existing_type = Integer }))
    end)

    it("changes a default or a name without restating the column", function()
      assert.same({ "ALTER TABLE `t` ALTER COLUMN `x` SET DEFAULT 0", "ALTER TABLE `t` RENAME COLUMN `x` TO `y`" },
        d:compile(alter { server_default = 0, new_column_name = "y" }))
      assert.same({ "ALTER TABLE `t` ALTER COLUMN `x` DROP DEFAULT" }, d:compile(alter { server_default = false }))
    end)

    it("says which existing_* are missing", function()
      local ok, msg = d:compile(alter { nullable = false })
      assert.is_nil(ok)
      assert.equal("MySQL must restate the whole column to alter `x` of `t` (ALTER TABLE ... MODIFY):"
        .. " pass existing_type = <its current type, e.g. String(50)> (online luamig reads them from the database;"
        .. " a --sql script cannot)", msg)
      ok, msg = d:compile(alter { type_ = String(10) })
      assert.is_nil(ok)
      assert.equal("MySQL must restate the whole column to alter `x` of `t` (ALTER TABLE ... MODIFY):"
        .. " pass existing_nullable = true or false (online luamig reads them from the database; a --sql script"
        .. " cannot)", msg)
      ok, msg = d:compile(alter { comment = "c" })
      assert.matches("pass existing_type = <its current type, e.g. String(50)> and existing_nullable = true or false",
        msg, 1, true)
      ok, msg = d:compile(alter { type_ = Integer, existing_nullable = true, using = "x + 0" })
      assert.is_nil(ok)
      assert.matches("MySQL has no ALTER COLUMN ... USING", msg, 1, true)
    end)
  end)

  describe("indexes", function()
    it("wraps expressions in parentheses", function()
      assert.same({ "CREATE UNIQUE INDEX `ix_ab` ON `order` (`a`, `b`)" },
        d:compile({ kind = "create_index", name = "ix_ab", table = "order", columns = { "a", "b" }, unique = true }))
      assert.same({ "CREATE INDEX `ix_l` ON `users` ((lower(name)))" },
        d:compile({ kind = "create_index", name = "ix_l", table = "users", columns = { sql "lower(name)" } }))
      local ok, msg = d:compile({ kind = "create_index", name = "i", table = "t", columns = { "a" }, if_not_exists = true })
      assert.is_nil(ok)
      assert.matches("MySQL has no CREATE INDEX IF NOT EXISTS", msg, 1, true)
    end)

    it("drops an index by its table", function()
      assert.same({ "DROP INDEX `ix_ab` ON `order`" }, d:compile({ kind = "drop_index", name = "ix_ab", table = "order" }))
      local ok, msg = d:compile({ kind = "drop_index", name = "ix_ab" })
      assert.is_nil(ok)
      assert.equal('MySQL drops an index by its table: op.drop_index("ix_ab", "<table>")', msg)
    end)
  end)

  it("passes execute through and writes bulk inserts", function()
    assert.same({ "DELETE FROM t" }, d:compile({ kind = "execute", sql = "DELETE FROM t" }))
    assert.same({ "INSERT INTO `t` (`a`) VALUES ('x\\\\y')" },
      d:compile({ kind = "bulk_insert", table = "t", columns = { "a" }, rows = { { a = "x\\y" } } }))
  end)
end)
