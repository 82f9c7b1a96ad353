-- Golden SQL of the constraint, index, comment and enum operations and of
-- the newer types, for every dialect side by side (each checked against
-- SQLite 3.40, PostgreSQL 15 and MariaDB 10.11 by spec/integration/ops_spec.lua).
-- A string entry is the expected statements joined by ";\n", a table
-- {err = "..."} the expected message.

local ddl = require("luamig.ddl")
local types = require("luamig.schema.types")
local C = require("luamig.schema.constraints")

local Column, sql = types.Column, types.sql
local Integer, String, Enum = types.Integer, types.String, types.Enum

local DIALECTS = { "sqlite", "postgres", "mysql" }

local function check(rec, expected)
  for _, name in ipairs(DIALECTS) do
    local want = expected[name]
    local out, err = ddl.dialect(name):compile(rec)
    if type(want) == "table" then
      assert.is_nil(out, name)
      assert.equal(want.err, err, name)
    else
      assert(out, name .. ": " .. tostring(err))
      assert.equal(want, table.concat(out, ";\n"), name)
    end
  end
end

local lines = require("helpers.golden_sql").lines

local BATCH = ': use op.batch_alter_table("t", function(batch) ... end) (batch mode)'

local CONVENTION = {
  ix = "ix_%(column_0_label)s", uq = "uq_%(table_name)s_%(column_0_name)s",
  ck = "ck_%(table_name)s_%(constraint_name)s", fk = "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
  pk = "pk_%(table_name)s",
}

describe("operations on every dialect", function()
  it("create_primary_key", function()
    check({ kind = "create_primary_key", table = "t", name = "pk_t", columns = { "a", "b" } }, {
      sqlite = { err = 'SQLite cannot add a PRIMARY KEY constraint "pk_t" to the existing table "t"' .. BATCH },
      postgres = 'ALTER TABLE "t" ADD CONSTRAINT "pk_t" PRIMARY KEY ("a", "b")',
      mysql = "ALTER TABLE `t` ADD CONSTRAINT `pk_t` PRIMARY KEY (`a`, `b`)",
    })
  end)

  it("create_unique_constraint", function()
    check({ kind = "create_unique_constraint", table = "t", schema = "s", columns = { "a" } }, {
      sqlite = { err = 'SQLite cannot add a UNIQUE constraint to the existing table "t"' .. BATCH },
      postgres = 'ALTER TABLE "s"."t" ADD UNIQUE ("a")',
      mysql = "ALTER TABLE `s`.`t` ADD UNIQUE (`a`)",
    })
  end)

  it("create_check_constraint", function()
    check({ kind = "create_check_constraint", table = "t", name = "ck_t_pos", condition = sql "a > 0" }, {
      sqlite = { err = 'SQLite cannot add a CHECK constraint "ck_t_pos" to the existing table "t"' .. BATCH },
      postgres = 'ALTER TABLE "t" ADD CONSTRAINT "ck_t_pos" CHECK (a > 0)',
      mysql = "ALTER TABLE `t` ADD CONSTRAINT `ck_t_pos` CHECK (a > 0)",
    })
  end)

  it("create_foreign_key", function()
    check({ kind = "create_foreign_key", table = "t", name = "fk_t_p", referent_table = "p", referent_schema = "r",
      local_cols = { "a", "b" }, remote_cols = { "x", "y" }, ondelete = "CASCADE", onupdate = "SET NULL" }, {
      sqlite = { err = 'SQLite cannot add a FOREIGN KEY constraint "fk_t_p" to the existing table "t"' .. BATCH },
      postgres = 'ALTER TABLE "t" ADD CONSTRAINT "fk_t_p" FOREIGN KEY ("a", "b") REFERENCES "r"."p" ("x", "y")'
        .. " ON DELETE CASCADE ON UPDATE SET NULL",
      mysql = "ALTER TABLE `t` ADD CONSTRAINT `fk_t_p` FOREIGN KEY (`a`, `b`) REFERENCES `r`.`p` (`x`, `y`)"
        .. " ON DELETE CASCADE ON UPDATE SET NULL",
    })
  end)

  it("create_foreign_key with MATCH, DEFERRABLE, INITIALLY and PostgreSQL's NOT VALID", function()
    local SQLITE_ERR = { err = 'SQLite cannot add a FOREIGN KEY constraint "fk" to the existing table "t"' .. BATCH }
    local function fk(opts)
      local rec = { kind = "create_foreign_key", table = "t", name = "fk", referent_table = "p", local_cols = { "a" },
        remote_cols = { "id" } }
      for k, v in pairs(opts) do rec[k] = v end
      return rec
    end
    check(fk { deferrable = true, initially = "DEFERRED", ondelete = "CASCADE" }, {
      sqlite = SQLITE_ERR,
      postgres = 'ALTER TABLE "t" ADD CONSTRAINT "fk" FOREIGN KEY ("a") REFERENCES "p" ("id") ON DELETE CASCADE'
        .. " DEFERRABLE INITIALLY DEFERRED",
      mysql = { err = "MySQL has no deferrable foreign keys (deferrable = true): InnoDB checks each one at once;"
        .. " drop the option" },
    })
    check(fk { deferrable = false, initially = "IMMEDIATE", match = "FULL", postgresql_not_valid = true }, {
      sqlite = SQLITE_ERR,
      postgres = 'ALTER TABLE "t" ADD CONSTRAINT "fk" FOREIGN KEY ("a") REFERENCES "p" ("id") MATCH FULL'
        .. " NOT DEFERRABLE INITIALLY IMMEDIATE NOT VALID",
      mysql = { err = 'MySQL ignores MATCH (match = "FULL"), and a MATCH clause makes InnoDB ignore the key\'s ON'
        .. " DELETE and ON UPDATE: drop the option (InnoDB treats a key with a NULL column as MATCH SIMPLE does)" },
    })
    check(fk { deferrable = false, initially = "IMMEDIATE", onupdate = "CASCADE", postgresql_not_valid = true }, {
      sqlite = SQLITE_ERR,
      postgres = 'ALTER TABLE "t" ADD CONSTRAINT "fk" FOREIGN KEY ("a") REFERENCES "p" ("id") ON UPDATE CASCADE'
        .. " NOT DEFERRABLE INITIALLY IMMEDIATE NOT VALID",
      mysql = "ALTER TABLE `t` ADD CONSTRAINT `fk` FOREIGN KEY (`a`) REFERENCES `p` (`id`) ON UPDATE CASCADE",
    })
    check(fk { initially = "DEFERRED" }, {
      sqlite = SQLITE_ERR,
      postgres = 'ALTER TABLE "t" ADD CONSTRAINT "fk" FOREIGN KEY ("a") REFERENCES "p" ("id") INITIALLY DEFERRED',
      mysql = { err = 'MySQL has no deferrable foreign keys (initially = "DEFERRED"): InnoDB checks each one at once;'
        .. " drop the option" },
    })
    -- In a new table and in an added column's REFERENCES: SQLite writes
    -- INITIALLY only after DEFERRABLE.
    local ref = { table = "p", column = "id", initially = "DEFERRED", match = "SIMPLE" }
    check({ kind = "add_column", table = "t", column = Column("a", Integer, { references = ref }) }, {
      sqlite = 'ALTER TABLE "t" ADD COLUMN "a" INTEGER REFERENCES "p" ("id") MATCH SIMPLE DEFERRABLE INITIALLY DEFERRED',
      postgres = 'ALTER TABLE "t" ADD COLUMN "a" INTEGER REFERENCES "p" ("id") MATCH SIMPLE INITIALLY DEFERRED',
      mysql = { err = 'MySQL has no deferrable foreign keys (initially = "DEFERRED"): InnoDB checks each one at once;'
        .. " drop the option" },
    })
    check({ kind = "create_table", table = "t", columns = { Column("id", Integer, { primary_key = true }),
      Column("a", Integer) }, constraints = { C.ForeignKeyConstraint({ "a" }, { "p.id" }, { name = "fk",
      deferrable = true, initially = "immediate", onupdate = "set null" }) } }, {
      sqlite = lines('CREATE TABLE "t" (', '  "id" INTEGER NOT NULL PRIMARY KEY,', '  "a" INTEGER,',
        '  CONSTRAINT fk FOREIGN KEY ("a") REFERENCES "p" ("id") ON UPDATE SET NULL DEFERRABLE INITIALLY IMMEDIATE',
        ")"),
      postgres = lines('CREATE TABLE "t" (', '  "id" INTEGER GENERATED BY DEFAULT AS IDENTITY NOT NULL,', '  "a" INTEGER,',
        '  PRIMARY KEY ("id"),',
        '  CONSTRAINT "fk" FOREIGN KEY ("a") REFERENCES "p" ("id") ON UPDATE SET NULL DEFERRABLE INITIALLY IMMEDIATE',
        ")"),
      mysql = { err = "MySQL has no deferrable foreign keys (deferrable = true): InnoDB checks each one at once;"
        .. " drop the option" },
    })
  end)

  it("create_check_constraint NOT VALID: PostgreSQL only", function()
    check({ kind = "create_check_constraint", table = "t", name = "ck", condition = sql "a > 0",
      postgresql_not_valid = true }, {
      sqlite = { err = 'SQLite cannot add a CHECK constraint "ck" to the existing table "t"' .. BATCH },
      postgres = 'ALTER TABLE "t" ADD CONSTRAINT "ck" CHECK (a > 0) NOT VALID',
      mysql = "ALTER TABLE `t` ADD CONSTRAINT `ck` CHECK (a > 0)",
    })
  end)

  it("writes fractional-second precision and collations", function()
    check({ kind = "create_table", table = "t", constraints = {}, columns = {
      Column("a", types.DateTime { precision = 6 }), Column("b", types.Time { timezone = true, precision = 3 }),
      Column("c", String { length = 20, collation = "C" }), Column("d", types.Text(nil, "x_bin")) } }, {
      sqlite = lines('CREATE TABLE "t" (', '  "a" DATETIME,', '  "b" TIME,', '  "c" VARCHAR(20) COLLATE C,',
        '  "d" TEXT COLLATE x_bin', ")"),
      postgres = lines('CREATE TABLE "t" (', '  "a" TIMESTAMP(6),', '  "b" TIME(3) WITH TIME ZONE,',
        '  "c" VARCHAR(20) COLLATE "C",', '  "d" TEXT COLLATE "x_bin"', ")"),
      mysql = lines("CREATE TABLE `t` (", "  `a` DATETIME(6),", "  `b` TIME(3),", "  `c` VARCHAR(20) COLLATE C,",
        "  `d` TEXT COLLATE x_bin", ")"),
    })
  end)

  it("writes Timestamp as TIMESTAMP, and Unicode and UnicodeText as String and Text", function()
    assert.are.equal(types.String(30), types.Unicode(30))
    assert.are.equal(types.Text, types.UnicodeText)
    check({ kind = "create_table", table = "t", constraints = {}, columns = {
      Column("a", types.Timestamp { timezone = true }), Column("b", types.Timestamp(nil, 6)),
      Column("c", types.Unicode(20)), Column("d", types.UnicodeText) } }, {
      sqlite = lines('CREATE TABLE "t" (', '  "a" TIMESTAMP,', '  "b" TIMESTAMP,', '  "c" VARCHAR(20),',
        '  "d" TEXT', ")"),
      postgres = lines('CREATE TABLE "t" (', '  "a" TIMESTAMP WITH TIME ZONE,', '  "b" TIMESTAMP(6),',
        '  "c" VARCHAR(20),', '  "d" TEXT', ")"),
      mysql = lines("CREATE TABLE `t` (", "  `a` TIMESTAMP,", "  `b` TIMESTAMP(6),", "  `c` VARCHAR(20),",
        "  `d` TEXT", ")"),
    })
  end)

  it("drop_constraint, by type on MySQL", function()
    local expected = {
      foreignkey = "ALTER TABLE `t` DROP FOREIGN KEY `c`", primary = "ALTER TABLE `t` DROP PRIMARY KEY",
      unique = "ALTER TABLE `t` DROP INDEX `c`", check = "ALTER TABLE `t` DROP CONSTRAINT `c`",
    }
    for type_, mysql in pairs(expected) do
      check({ kind = "drop_constraint", table = "t", name = "c", type_ = type_ }, {
        sqlite = { err = 'SQLite cannot drop constraint "c" of "t"' .. BATCH },
        postgres = 'ALTER TABLE "t" DROP CONSTRAINT "c"',
        mysql = mysql,
      })
    end
    check({ kind = "drop_constraint", table = "t", name = "c" }, {
      sqlite = { err = 'SQLite cannot drop constraint "c" of "t"' .. BATCH },
      postgres = 'ALTER TABLE "t" DROP CONSTRAINT "c"',
      mysql = { err = 'MySQL drops a constraint by its type: op.drop_constraint("c", "t", {type_ = "foreignkey"})'
        .. ' (or "primary", "unique", "check")' },
    })
  end)

  it("create_table_comment and drop_table_comment", function()
    check({ kind = "create_table_comment", table = "t", comment = "it's t" }, {
      sqlite = "",
      postgres = [[COMMENT ON TABLE "t" IS 'it''s t']],
      mysql = "ALTER TABLE `t` COMMENT = 'it''s t'",
    })
    check({ kind = "drop_table_comment", table = "t" }, {
      sqlite = "", postgres = 'COMMENT ON TABLE "t" IS NULL', mysql = "ALTER TABLE `t` COMMENT = ''",
    })
  end)

  it("create_index with dialect options, and expression, unique and multi-column indexes", function()
    check({ kind = "create_index", name = "ix", table = "t", columns = { "a", sql "lower(b)" }, unique = true,
      postgresql_where = "a > 0", sqlite_where = sql "a > 1", postgresql_using = "btree",
      postgresql_concurrently = true }, {
      sqlite = 'CREATE UNIQUE INDEX "ix" ON "t" ("a", lower(b)) WHERE a > 1',
      postgres = 'CREATE UNIQUE INDEX CONCURRENTLY "ix" ON "t" USING btree ("a", lower(b)) WHERE a > 0',
      mysql = "CREATE UNIQUE INDEX `ix` ON `t` (`a`, (lower(b)))",
    })
    check({ kind = "drop_index", name = "ix", table = "t", postgresql_concurrently = true, if_exists = true }, {
      sqlite = 'DROP INDEX IF EXISTS "ix"',
      postgres = 'DROP INDEX CONCURRENTLY IF EXISTS "ix"',
      mysql = { err = "MySQL has no DROP INDEX IF EXISTS: drop if_exists, or check the index first" },
    })
  end)

  it("create_enum and drop_enum: PostgreSQL only", function()
    check({ kind = "create_enum", name = "mood", schema = "s", values = { "happy", "it's" } }, {
      sqlite = "", mysql = "",
      postgres = [[CREATE TYPE "s"."mood" AS ENUM ('happy', 'it''s')]],
    })
    check({ kind = "drop_enum", name = "mood", if_exists = true }, {
      sqlite = "", mysql = "", postgres = 'DROP TYPE IF EXISTS "mood"',
    })
  end)

  it("drop_table and drop_column drop the enum types they name on PostgreSQL", function()
    check({ kind = "drop_table", table = "t", enums = { "mood", "color" } }, {
      sqlite = 'DROP TABLE "t"', mysql = "DROP TABLE `t`",
      postgres = 'DROP TABLE "t";\nDROP TYPE IF EXISTS "mood";\nDROP TYPE IF EXISTS "color"',
    })
    check({ kind = "drop_column", table = "t", column = "m", schema = "s", enums = { "mood" } }, {
      sqlite = 'ALTER TABLE "s"."t" DROP COLUMN "m"', mysql = "ALTER TABLE `s`.`t` DROP COLUMN `m`",
      postgres = 'ALTER TABLE "s"."t" DROP COLUMN "m";\nDROP TYPE IF EXISTS "s"."mood"',
    })
  end)
end)

describe("types on every dialect", function()
  local function type_check(t, expected)
    for _, name in ipairs(DIALECTS) do
      local s, err = ddl.dialect(name):type_sql(t, "c")
      if type(expected[name]) == "table" then
        assert.is_nil(s, name)
        assert.equal(expected[name].err, err, name)
      else
        assert.equal(expected[name], s, name)
      end
    end
  end

  it("maps Uuid, Interval, JSONB, ARRAY and raw types", function()
    type_check(types.Uuid, { sqlite = "CHAR(36)", postgres = "UUID", mysql = "CHAR(36)" })
    type_check(types.Interval, {
      sqlite = { err = 'SQLite has no INTERVAL type (column "c"): store a number of seconds in an Integer or Float column' },
      postgres = "INTERVAL",
      mysql = { err = "MySQL has no INTERVAL type (column `c`): store a number of seconds in an Integer or Numeric column" },
    })
    type_check(types.JSONB, { sqlite = { err = 'SQLite has no JSONB type (column "c"): use JSON' }, postgres = "JSONB",
      mysql = { err = "MySQL has no JSONB type (column `c`): use JSON" } })
    type_check(types.ARRAY(String(5), 2), { sqlite = { err = 'SQLite has no ARRAY type (column "c"): use JSON' },
      postgres = "VARCHAR(5)[][]", mysql = { err = "MySQL has no ARRAY type (column `c`): use JSON" } })
    type_check(types.Type("CITEXT"), { sqlite = "CITEXT", postgres = "CITEXT", mysql = "CITEXT" })
  end)

  it("writes a character set on MySQL alone, before the collation", function()
    local t = String { length = 20, charset = "utf8mb4", collation = "utf8mb4_bin" }
    assert.equal('String{ length = 20, collation = "utf8mb4_bin", charset = "utf8mb4" }', tostring(t))
    type_check(t, {
      mysql = "VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
      postgres = { err = 'PostgreSQL has no per-column character set (column "c"): the database\'s encoding applies;'
        .. " give a collation instead, or set charset only on MySQL" },
      sqlite = { err = 'SQLite has no per-column character set (column "c"): the database\'s encoding applies;'
        .. " give a collation instead, or set charset only on MySQL" },
    })
    assert.has_error(function() String { length = 5, charset = "utf 8" } end,
      'String: charset must be a character set name such as "utf8mb4", got string "utf 8"')
  end)

  it("maps Enum: a named type, ENUM(...), or VARCHAR with a CHECK", function()
    type_check(Enum("a", "bcd", { name = "mood" }), { sqlite = "VARCHAR(3)", postgres = '"mood"', mysql = "ENUM('a', 'bcd')" })
    type_check(Enum("a", { name = "mood", schema = "s" }), { sqlite = "VARCHAR(1)", postgres = '"s"."mood"', mysql = "ENUM('a')" })
    type_check(Enum("a"), { sqlite = "VARCHAR(1)", mysql = "ENUM('a')",
      postgres = { err = 'PostgreSQL needs a name for Enum("a") (column "c"): add {name = "..."}' } })
  end)

  it("creates a table's enum types first, once, and checks them on SQLite", function()
    local mood = Enum("happy", "sad", { name = "mood" })
    local rec = { kind = "create_table", table = "t", schema = "s", constraints = {}, columns = {
      Column("m", mood, { nullable = false, server_default = "happy" }), Column("n", mood),
      Column("old", Enum("x", { name = "legacy", create_type = false })), Column("tags", types.Integer) } }
    check(rec, {
      sqlite = lines('CREATE TABLE "s"."t" (',
        [[  "m" VARCHAR(5) DEFAULT 'happy' NOT NULL CONSTRAINT mood CHECK ("m" IN ('happy', 'sad')),]],
        [[  "n" VARCHAR(5) CONSTRAINT mood CHECK ("n" IN ('happy', 'sad')),]],
        [[  "old" VARCHAR(1) CONSTRAINT legacy CHECK ("old" IN ('x')),]],
        '  "tags" INTEGER', ")"),
      postgres = [[CREATE TYPE "s"."mood" AS ENUM ('happy', 'sad');]] .. "\n" .. lines('CREATE TABLE "s"."t" (',
        [[  "m" "s"."mood" DEFAULT 'happy' NOT NULL,]], '  "n" "s"."mood",', '  "old" "s"."legacy",',
        '  "tags" INTEGER', ")"),
      mysql = lines("CREATE TABLE `s`.`t` (", "  `m` ENUM('happy', 'sad') DEFAULT 'happy' NOT NULL,",
        "  `n` ENUM('happy', 'sad'),", "  `old` ENUM('x'),", "  `tags` INTEGER", ")"),
    })
    check({ kind = "add_column", table = "t", column = Column("m", Enum("a", "b", { name = "ab" })) }, {
      sqlite = [[ALTER TABLE "t" ADD COLUMN "m" VARCHAR(1) CONSTRAINT ab CHECK ("m" IN ('a', 'b'))]],
      postgres = [[CREATE TYPE "ab" AS ENUM ('a', 'b');]] .. '\nALTER TABLE "t" ADD COLUMN "m" "ab"',
      mysql = "ALTER TABLE `t` ADD COLUMN `m` ENUM('a', 'b')",
    })
    check({ kind = "alter_column", table = "t", column = "m", type_ = Enum("a", { name = "e" }), postgresql_using = "m::e",
      existing_nullable = true }, {
      sqlite = { err = 'SQLite cannot ALTER COLUMN "m" of "t" (type_)' .. BATCH },
      postgres = [[CREATE TYPE "e" AS ENUM ('a');]] .. '\nALTER TABLE "t" ALTER COLUMN "m" TYPE "e" USING m::e',
      mysql = "ALTER TABLE `t` MODIFY COLUMN `m` ENUM('a')",
    })
  end)

  it("writes inline literals and sql fragments as server defaults", function()
    for _, name in ipairs(DIALECTS) do
      local d = ddl.dialect(name)
      local col = Column("c", types.Boolean, { server_default = types.literal(true, d) })
      assert.equal(d:quote("c") .. " BOOLEAN DEFAULT " .. (name == "postgres" and "TRUE" or "1"),
        d:column_sql(col, {}):gsub("BOOL ", "BOOLEAN "), name)
    end
  end)
end)

describe("create_table on every dialect", function()
  it("writes constraints and indexes of every kind, named by the convention", function()
    local rec = { kind = "create_table", table = "member", naming_convention = CONVENTION, comment = "members",
      columns = {
        Column("team_id", Integer, { primary_key = true }),
        Column("user_id", Integer, { primary_key = true,
          references = { table = "users", column = "id", ondelete = "cascade", onupdate = "cascade" } }),
        Column("rank", Integer, { unique = true }),
        Column("email", String(50), { index = true }),
      },
      constraints = {
        C.UniqueConstraint("team_id", "rank", { name = "uq_member_team_rank" }),
        C.CheckConstraint("rank > 0", { name = "positive" }),
        C.ForeignKeyConstraint({ "team_id" }, { "teams.id" }, { ondelete = "SET NULL" }),
      },
      indexes = { C.Index(nil, "rank", "email", { unique = true }) },
    }
    local function body(q, tail, cq)
      cq = cq or q  -- around constraint names (SQLite: none)
      return lines(("CREATE TABLE %smember%s ("):format(q, q),
        ("  %steam_id%s INTEGER NOT NULL,"):format(q, q),
        ("  %suser_id%s INTEGER NOT NULL,"):format(q, q),
        ("  %srank%s INTEGER,"):format(q, q),
        ("  %semail%s VARCHAR(50),"):format(q, q),
        ("  CONSTRAINT %spk_member%s PRIMARY KEY (%steam_id%s, %suser_id%s),"):format(cq, cq, q, q, q, q),
        ("  CONSTRAINT %suq_member_rank%s UNIQUE (%srank%s),"):format(cq, cq, q, q),
        ("  CONSTRAINT %sfk_member_user_id_users%s FOREIGN KEY (%suser_id%s) REFERENCES %susers%s (%sid%s)"
          .. " ON DELETE CASCADE ON UPDATE CASCADE,"):format(cq, cq, q, q, q, q, q, q),
        ("  CONSTRAINT %suq_member_team_rank%s UNIQUE (%steam_id%s, %srank%s),"):format(cq, cq, q, q, q, q),
        ("  CONSTRAINT %sck_member_positive%s CHECK (rank > 0),"):format(cq, cq),
        ("  CONSTRAINT %sfk_member_team_id_teams%s FOREIGN KEY (%steam_id%s) REFERENCES %steams%s (%sid%s)"
          .. " ON DELETE SET NULL"):format(cq, cq, q, q, q, q, q, q),
        ")" .. tail) .. ";\n" .. ("CREATE INDEX %six_member_email%s ON %smember%s (%semail%s);\n"
          .. "CREATE UNIQUE INDEX %six_member_rank%s ON %smember%s (%srank%s, %semail%s)"):format(
          q, q, q, q, q, q, q, q, q, q, q, q, q, q)
    end
    check(rec, {
      sqlite = body('"', "", ""),
      postgres = body('"', "") .. [[;]] .. "\n" .. [[COMMENT ON TABLE "member" IS 'members']],
      mysql = body("`", " COMMENT='members'"),
    })
  end)

  it("names an inline SQLite key and an explicit PrimaryKeyConstraint", function()
    local rec = { kind = "create_table", table = "t", naming_convention = CONVENTION, constraints = {},
      columns = { Column("id", Integer, { primary_key = true }) } }
    check(rec, {
      sqlite = lines('CREATE TABLE "t" (', '  "id" INTEGER NOT NULL CONSTRAINT pk_t PRIMARY KEY', ")"),
      postgres = lines('CREATE TABLE "t" (', '  "id" INTEGER GENERATED BY DEFAULT AS IDENTITY NOT NULL,',
        '  CONSTRAINT "pk_t" PRIMARY KEY ("id")', ")"),
      mysql = lines("CREATE TABLE `t` (", "  `id` INTEGER NOT NULL AUTO_INCREMENT,",
        "  CONSTRAINT `pk_t` PRIMARY KEY (`id`)", ")"),
    })
    rec = { kind = "create_table", table = "t", constraints = { C.PrimaryKeyConstraint("b", "a", { name = "my_pk" }) },
      columns = { Column("a", Integer, { primary_key = true }), Column("b", String(5), { primary_key = true }) } }
    check(rec, {
      sqlite = lines('CREATE TABLE "t" (', '  "a" INTEGER NOT NULL,', '  "b" VARCHAR(5) NOT NULL,',
        '  CONSTRAINT my_pk PRIMARY KEY ("b", "a")', ")"),
      postgres = lines('CREATE TABLE "t" (', '  "a" INTEGER NOT NULL,', '  "b" VARCHAR(5) NOT NULL,',
        '  CONSTRAINT "my_pk" PRIMARY KEY ("b", "a")', ")"),
      mysql = lines("CREATE TABLE `t` (", "  `a` INTEGER NOT NULL,", "  `b` VARCHAR(5) NOT NULL,",
        "  CONSTRAINT `my_pk` PRIMARY KEY (`b`, `a`)", ")"),
    })
  end)

  it("says when a convention cannot name a constraint", function()
    local rec = { kind = "create_table", table = "t", naming_convention = CONVENTION,
      columns = { Column("a", Integer) }, constraints = { C.CheckConstraint("a > 0") } }
    local msg = 'create_table %s: naming_convention.ck (ck_%%(table_name)s_%%(constraint_name)s) uses'
      .. ' %%(constraint_name)s: give this check on table "t" a name'
    check(rec, { sqlite = { err = msg:format('"t"') }, postgres = { err = msg:format('"t"') },
      mysql = { err = msg:format("`t`") } })
  end)
end)

describe("add_column on every dialect", function()
  it("names inline constraints by the convention", function()
    check({ kind = "add_column", table = "t", naming_convention = CONVENTION,
      column = Column("owner", Integer, { references = { table = "users", column = "id", ondelete = "CASCADE" } }) }, {
      sqlite = 'ALTER TABLE "t" ADD COLUMN "owner" INTEGER CONSTRAINT fk_t_owner_users REFERENCES "users" ("id")'
        .. " ON DELETE CASCADE",
      postgres = 'ALTER TABLE "t" ADD COLUMN "owner" INTEGER CONSTRAINT "fk_t_owner_users" REFERENCES "users" ("id")'
        .. " ON DELETE CASCADE",
      mysql = "ALTER TABLE `t` ADD COLUMN `owner` INTEGER, ADD CONSTRAINT `fk_t_owner_users` FOREIGN KEY (`owner`)"
        .. " REFERENCES `users` (`id`) ON DELETE CASCADE",
    })
    check({ kind = "add_column", table = "t", naming_convention = CONVENTION,
      column = Column("code", String(5), { unique = true }) }, {
      sqlite = { err = 'SQLite cannot ADD COLUMN "code" to "t" as UNIQUE: add it without unique = true and then'
        .. ' op.create_index(name, "t", {"code"}, {unique = true}), or' .. BATCH:sub(2) },
      postgres = 'ALTER TABLE "t" ADD COLUMN "code" VARCHAR(5) CONSTRAINT "uq_t_code" UNIQUE',
      mysql = "ALTER TABLE `t` ADD COLUMN `code` VARCHAR(5), ADD CONSTRAINT `uq_t_code` UNIQUE (`code`)",
    })
  end)
end)
