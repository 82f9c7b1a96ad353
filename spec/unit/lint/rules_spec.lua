-- The lint rules on statements as luamig writes them: each rule fires on
-- its statement and stays quiet on the safe form, per dialect it applies to.

local lint = require("luamig.lint")
local ddl = require("luamig.ddl")
local types = require("luamig.schema.types")

-- The findings of `sqls` (strings, or {sql, record =}) linted for dialect
-- `name`, as if issued from r.lua, one line each.
local function run(name, sqls, cfg)
  local statements = {}
  for i, s in ipairs(sqls) do
    local text = type(s) == "table" and s[1] or s
    local st = lint.parse(text)
    st.file, st.line, st.revision = "r.lua", i, "r1"
    st.record = type(s) == "table" and s.record or nil
    statements[i] = st
  end
  return lint.run(statements, ddl.dialect(name), cfg or { ddl_lock_timeout = 5 })
end

local function rules_of(findings)
  local ids = {}
  for _, f in ipairs(findings) do ids[#ids + 1] = f.rule end
  return ids
end

local function fires(name, rule, sqls, cfg)
  local ids = rules_of(run(name, sqls, cfg))
  assert(table.concat(ids, ","):find(rule, 1, true), rule .. " did not fire on " .. name .. ": " .. table.concat(ids, ","))
end

local function quiet(name, rule, sqls, cfg)
  for _, id in ipairs(rules_of(run(name, sqls, cfg))) do
    assert(id ~= rule, rule .. " fired on " .. name .. " where it should not")
  end
end

local function alter(type_, existing)
  return { kind = "alter_column", table = "t", column = "c", type_ = type_, existing_type = existing }
end

local CASES = {
  { "postgres", "pg-index-concurrently", { 'CREATE INDEX "ix" ON "t" ("a")' },
    { 'CREATE INDEX CONCURRENTLY "ix" ON "t" ("a")' } },
  { "postgres", "pg-index-concurrently", { 'CREATE UNIQUE INDEX "ix" ON "t" ("a")' },
    { 'CREATE TABLE "t" (\n  "a" INTEGER\n)', 'CREATE INDEX "ix" ON "t" ("a")' } },
  { "postgres", "pg-fk-not-valid", { 'ALTER TABLE "t" ADD CONSTRAINT "fk" FOREIGN KEY ("a") REFERENCES "u" ("id")' },
    { 'ALTER TABLE "t" ADD CONSTRAINT "fk" FOREIGN KEY ("a") REFERENCES "u" ("id") NOT VALID' } },
  { "postgres", "pg-check-not-valid", { 'ALTER TABLE "t" ADD CONSTRAINT "ck" CHECK (a > 0)' },
    { 'ALTER TABLE "t" ADD CONSTRAINT "ck" CHECK (a > 0) NOT VALID' } },
  { "postgres", "pg-set-not-null", { 'ALTER TABLE "t" ALTER COLUMN "c" SET NOT NULL' },
    { 'ALTER TABLE "t" ADD CONSTRAINT "ck" CHECK ("c" IS NOT NULL) NOT VALID', 'ALTER TABLE "t" VALIDATE CONSTRAINT "ck"',
      'ALTER TABLE "t" ALTER COLUMN "c" SET NOT NULL' } },
  { "postgres", "pg-set-not-null", { 'ALTER TABLE "t" ADD CONSTRAINT "ck" CHECK ("c" IS NOT NULL) NOT VALID',
      'ALTER TABLE "t" ALTER COLUMN "c" SET NOT NULL' }, nil },
  { "postgres", "pg-type-rewrite", { { 'ALTER TABLE "t" ALTER COLUMN "c" TYPE INTEGER',
      record = alter(types.Integer, types.String(50)) } },
    { { 'ALTER TABLE "t" ALTER COLUMN "c" TYPE VARCHAR(80)', record = alter(types.String(80), types.String(50)) },
      { 'ALTER TABLE "t" ALTER COLUMN "c" TYPE TEXT', record = alter(types.Text, types.String(50)) } } },
  { "postgres", "pg-type-rewrite", { { 'ALTER TABLE "t" ALTER COLUMN "c" TYPE VARCHAR(20)',
      record = alter(types.String(20), types.String(50)) } }, nil },
  { "postgres", "pg-volatile-default", { 'ALTER TABLE "t" ADD COLUMN "c" TIMESTAMP DEFAULT clock_timestamp()' },
    { 'ALTER TABLE "t" ADD COLUMN "c" TIMESTAMP DEFAULT now()' } },
  { "postgres", "pg-volatile-default", { 'ALTER TABLE "t" ADD COLUMN "c" UUID DEFAULT gen_random_uuid()' },
    { 'ALTER TABLE "t" ADD COLUMN "c" INTEGER DEFAULT 0' } },
  { "postgres", "pg-unique-using-index", { 'ALTER TABLE "t" ADD CONSTRAINT "uq" UNIQUE ("a")' },
    { 'ALTER TABLE "t" ADD CONSTRAINT "uq" UNIQUE USING INDEX "ix"' } },
  { "postgres", "pg-unique-using-index", { 'ALTER TABLE "t" ADD CONSTRAINT "pk" PRIMARY KEY ("a")' },
    { 'ALTER TABLE "t" ADD CONSTRAINT "pk" PRIMARY KEY USING INDEX "ix"' } },
  { "postgres", "rename-column", { 'ALTER TABLE "t" RENAME COLUMN "a" TO "b"' }, { 'ALTER TABLE "t" ADD COLUMN "b" TEXT' } },
  { "postgres", "rename-table", { 'ALTER TABLE "t" RENAME TO "u"' }, { 'CREATE TABLE "u" (\n  "a" INTEGER\n)' } },
  { "postgres", "drop-column", { 'ALTER TABLE "t" DROP COLUMN "a"' }, { 'ALTER TABLE "t" DROP CONSTRAINT "ck"' } },
  { "postgres", "drop-table", { 'DROP TABLE "t"' }, { 'CREATE TABLE "t" (\n  "a" INTEGER\n)', 'DROP TABLE "t"' } },
  { "mysql", "rename-column", { "ALTER TABLE `t` CHANGE COLUMN `a` `b` INTEGER" },
    { "ALTER TABLE `t` CHANGE COLUMN `a` `a` INTEGER NOT NULL" } },
  { "mysql", "drop-table", { "DROP TABLE `t`" }, { "DROP INDEX `ix` ON `t`" } },
  { "sqlite", "drop-column", { 'ALTER TABLE "t" DROP COLUMN "a"' }, { 'ALTER TABLE "t" ADD COLUMN "a" INTEGER' } },
  { "mysql", "mysql-column-type-copy", { { "ALTER TABLE `t` MODIFY `c` INTEGER NULL",
      record = alter(types.Integer, types.String(50)) } },
    { { "ALTER TABLE `t` MODIFY `c` VARCHAR(60) NULL", record = alter(types.String(60), types.String(50)) } } },
  { "mysql", "mysql-column-type-copy", { { "ALTER TABLE `t` MODIFY `c` VARCHAR(100) NULL",
      record = alter(types.String(100), types.String(50)) } }, nil },
  { "mysql", "mysql-drop-primary-key", { "ALTER TABLE `t` DROP PRIMARY KEY" },
    { "ALTER TABLE `t` DROP PRIMARY KEY, ADD PRIMARY KEY (`a`, `b`)" } },
  { "mysql", "mysql-fk-copy", { "ALTER TABLE `t` ADD CONSTRAINT `fk` FOREIGN KEY (`a`) REFERENCES `u` (`id`)" },
    { "SET foreign_key_checks = 0", "ALTER TABLE `t` ADD CONSTRAINT `fk` FOREIGN KEY (`a`) REFERENCES `u` (`id`)" } },
  { "mysql", "mysql-convert-charset", { "ALTER TABLE `t` CONVERT TO CHARACTER SET utf8mb4" },
    { "ALTER TABLE `t` DEFAULT CHARACTER SET utf8mb4" } },
  { "mysql", "mysql-stored-generated", { "ALTER TABLE `t` ADD COLUMN `g` INTEGER AS (a + 1) STORED" },
    { "ALTER TABLE `t` ADD COLUMN `g` INTEGER AS (a + 1) VIRTUAL" } },
  { "mysql", "mysql-auto-increment-column", { "ALTER TABLE `t` ADD COLUMN `n` INTEGER NOT NULL AUTO_INCREMENT" },
    { "ALTER TABLE `t` ADD COLUMN `n` INTEGER NOT NULL" } },
  { "mysql", "mysql-fulltext-spatial-index", { "CREATE FULLTEXT INDEX `ix` ON `t` (`a`)" },
    { "CREATE INDEX `ix` ON `t` (`a`)" } },
  { "mysql", "mysql-add-column-position", { "ALTER TABLE `t` ADD COLUMN `c` INTEGER AFTER `a`" },
    { "ALTER TABLE `t` ADD COLUMN `c` INTEGER" } },
  { "sqlite", "sqlite-batch-rebuild", { 'CREATE TABLE "_luamig_tmp_t" (\n  "a" INTEGER\n)' },
    { 'CREATE TABLE "t2" (\n  "a" INTEGER\n)' } },
}

describe("lint rules", function()
  for _, case in ipairs(CASES) do
    local name, rule, bad, good = case[1], case[2], case[3], case[4]
    it(string.format("%s fires on %s (%s)", rule, name, (type(bad[#bad]) == "table" and bad[#bad][1] or bad[#bad])), function()
      fires(name, rule, bad)
    end)
    if good then
      it(string.format("%s stays quiet on %s (%s)", rule, name,
          (type(good[#good]) == "table" and good[#good][1] or good[#good])), function()
        quiet(name, rule, good)
      end)
    end
  end

  it("pg-lock-timeout fires once per revision without lock_timeout, not with it or with ddl_lock_timeout", function()
    local ddl_stmts = { 'ALTER TABLE "t" ADD COLUMN "a" INTEGER', 'ALTER TABLE "t" ADD COLUMN "b" INTEGER' }
    local ids = rules_of(run("postgres", ddl_stmts, {}))
    assert.same({ "pg-lock-timeout" }, ids)
    quiet("postgres", "pg-lock-timeout", { "SET lock_timeout = '5s'", ddl_stmts[1] }, {})
    quiet("postgres", "pg-lock-timeout", ddl_stmts, { ddl_lock_timeout = 5 })
  end)

  it("turns rules off and changes levels from the project's lint table", function()
    local bad = { 'CREATE INDEX "ix" ON "t" ("a")' }
    assert.same({}, run("postgres", bad, { ddl_lock_timeout = 5, lint = { disable = { "pg-index-concurrently" } } }))
    local f = run("postgres", bad, { ddl_lock_timeout = 5, lint = { severity = { ["pg-index-concurrently"] = "warning" } } })
    assert.equal("warning", f[1].severity)
  end)

  it("checks the lint config", function()
    assert.is_true(lint.check_config({ disable = { "pg-set-not-null" }, severity = { ["drop-table"] = "error" } }))
    assert.matches("unknown rule", select(2, lint.check_config({ disable = { "no-such-rule" } })))
    assert.matches("must be", select(2, lint.check_config({ severity = { ["drop-table"] = "fatal" } })))
    assert.matches("unknown key", select(2, lint.check_config({ disabled = {} })))
  end)

  it("gives PostgreSQL lock levels and MySQL algorithms for plan", function()
    local function locks(name, sqls)
      local statements = {}
      for i, s in ipairs(sqls) do statements[i] = lint.parse(s) end
      lint.run(statements, ddl.dialect(name), {})
      return statements[#statements].locks
    end
    assert.same({ { table = "t", lock = "SHARE" } }, locks("postgres", { 'CREATE INDEX "ix" ON "t" ("a")' }))
    assert.same({ { table = "t", lock = "SHARE UPDATE EXCLUSIVE" } },
      locks("postgres", { 'CREATE INDEX CONCURRENTLY "ix" ON "t" ("a")' }))
    assert.same({ { table = "t", lock = "SHARE ROW EXCLUSIVE" }, { table = "u", lock = "SHARE ROW EXCLUSIVE" } },
      locks("postgres", { 'ALTER TABLE "t" ADD CONSTRAINT "fk" FOREIGN KEY ("a") REFERENCES "u" ("id")' }))
    assert.same({ { table = "t", lock = "ACCESS EXCLUSIVE" } }, locks("postgres", { 'ALTER TABLE "t" DROP COLUMN "a"' }))
    assert.same({ { table = "t", algorithm = "COPY", lock = "SHARED" } }, locks("mysql", { "ALTER TABLE `t` DROP PRIMARY KEY" }))
  end)
end)
