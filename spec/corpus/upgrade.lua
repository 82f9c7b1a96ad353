-- Mistakes inside upgrade() and downgrade(): op arguments of the wrong type,
-- unknown options, one row for a list, misspelt columns and globals,
-- Lua's failure conventions (`return nil, "msg"`), odd error values,
-- errors raised through op.get_bind(), transaction control in a
-- transactional revision, a revision that clobbers the standard library
-- or luamig's own tables. The command ran and the migration failed: exit
-- 1, the file and line named, the database as before (or, where DDL ran on
-- MySQL, the recorded state with the exact statements).
return function(k)
  local BAD, rev = k.BAD, k.rev

  -- upgrade head with the case revision's upgrade body `up`: exit 1
  -- naming `names` (default: the line of `at`, else of the body's last line).
  local function fails(name, up, names, extra)
    local c = { name = name, files = k.up(up), args = { "upgrade", "head" }, status = 1, names = names }
    for key, v in pairs(extra or {}) do c[key] = v end
    return c
  end
  -- A mistake luamig's Lua sees before any SQL is sent: SQLite (a
  -- transaction) and MySQL (none: nothing may be recorded) tell all.
  local LUA_ONLY = { "sqlite", "mysql" }
  local function lua_fails(name, up, names, extra)
    local c = fails(name, up, names, extra)
    c.on = c.on or LUA_ONLY
    return c
  end

  -- A revision that applies fine but whose downgrade() is broken: the
  -- database is at it (a database of its own), and `downgrade A3` fails.
  local function down_fails(name, down_body, names, extra)
    local c = {
      name = name, setup = { { "upgrade", "head" } }, args = { "downgrade", k.A3 }, status = 1, names = names,
      files = { [BAD] = rev { up = '  op.execute("CREATE TABLE down_t (id INTEGER)")', down_body = down_body } },
      prev = k.B,
    }
    for key, v in pairs(extra or {}) do c[key] = v end
    return c
  end

  local TXN = "transactional = false"
  -- op.create_table("t1", Column("id", Integer, { primary_key = true })) on MySQL, whole
  local MY_T1 = "CREATE TABLE `t1` (\n  `id` INTEGER NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (`id`)\n)"
  -- what luamig's own code uses most (matching, formatting, joining, time)
  local clobber_names = { "string.match", "string.format", "string.gsub", "string.find", "table.concat",
    "table.insert", "os.time", "os.date" }
  local globals = { "tostring", "error" }

  local cases = {
    -- op arguments
    lua_fails("op.create_table: a number as the name", '  op.create_table(42, Column("id", Integer))', { "@create_table" }),
    lua_fails("op.create_table: no columns", '  op.create_table("empty_t")', { "@create_table" }),
    lua_fails("op.create_table: a column without a type", '  op.create_table("t1", Column("id"))', { "@create_table" }),
    lua_fails("op.create_table: a string instead of a Column", '  op.create_table("t1", "id INTEGER")', { "@create_table" }),
    lua_fails("op.create_table: misspelt type (undefined global)",
      '  op.create_table("t1", Column("id", Interger, { primary_key = true }))', { "@Interger", "Interger" }),
    lua_fails("op.create_table: misspelt type constructor", '  op.create_table("t1", Column("s", Strng(10)))',
      { "@Strng", "Strng" }),
    lua_fails("op.create_table: String with a negative length", '  op.create_table("t1", Column("s", String(-5)))',
      { "@String(-5)" }),
    lua_fails("op.create_table: unknown Column option", '  op.create_table("t1", Column("id", Integer, { nulable = false }))',
      { "@nulable", "nulable" }),
    lua_fails("op.create_table: Column option of the wrong type",
      '  op.create_table("t1", Column("id", Integer, { primary_key = "yes" }))', { "@primary_key", "primary_key" }),
    lua_fails("op.create_table: unknown table option",
      '  op.create_table("t1", Column("id", Integer), { commment = "x" })', { "@commment", "commment" }),
    lua_fails("op.create_table: two columns of one name",
      '  op.create_table("t1", Column("id", Integer), Column("id", Integer))', { "@create_table" }),
    fails("op.create_table: the table exists", '  op.create_table("users", Column("id", Integer))', { "@create_table" }),
    fails("op.create_index: misspelt column", '  op.create_index("ix_b", "users", { "nmae" })', { "@nmae", "nmae" }),
    fails("op.create_index: misspelt column, unique", '  op.create_index("ix_b", "users", { "nmae" }, { unique = true })',
      { "@nmae", "nmae" }),
    lua_fails("op.create_index: unknown option", '  op.create_index("ix_b", "users", { "name" }, { uniqe = true })',
      { "@uniqe", "uniqe" }),
    lua_fails("op.create_index: option value of the wrong type",
      '  op.create_index("ix_b", "users", { "name" }, { unique = "yes" })', { "@unique", "unique" }),
    lua_fails("op.create_index: an empty column list", '  op.create_index("ix_b", "users", {})', { "@create_index" }),
    fails("op.create_index: no such table", '  op.create_index("ix_b", "nope_t", { "name" })', { "@nope_t" }),
    fails("op.create_index: the index exists", '  op.create_index("ix_users_name", "users", { "name" })',
      { "@ix_users_name" }),
    fails("op.add_column: no such table", '  op.add_column("nope_t", Column("x", Integer))', { "@add_column" }),
    lua_fails("op.add_column: a name instead of a Column", '  op.add_column("users", "x")', { "@add_column" }),
    fails("op.add_column: the column exists", '  op.add_column("users", Column("name", Integer))', { "@add_column" }),
    fails("op.drop_column: no such column", '  op.drop_column("users", "nope_c")', { "@nope_c" }),
    fails("op.drop_table: no such table", '  op.drop_table("nope_t")', { "@nope_t" }),
    lua_fails("op.drop_table: unknown option", '  op.drop_table("posts", { if_exist = true })', { "@if_exist", "if_exist" }),
    fails("op.rename_table: to a name in use", '  op.rename_table("posts", "users")', { "@rename_table" }),
    lua_fails("op.alter_column: unknown option", '  op.alter_column("users", "name", { nulable = true })',
      { "@nulable", "nulable" }),
    fails("op.alter_column: no such column", '  op.alter_column("users", "nope_c", { new_column_name = "x" })',
      { "@nope_c" }),
    lua_fails("op.create_foreign_key: misspelt ondelete",
      '  op.create_foreign_key("fk_x", "posts", "users", { "user_id" }, { "id" }, { ondelete = "CASCADEE" })',
      { "@CASCADEE" }),
    fails("op.create_unique_constraint: misspelt column",
      '  op.create_unique_constraint("uq_x", "users", { "emial" })', { "@emial" }),
    lua_fails("op.create_check_constraint: a number as the condition",
      '  op.create_check_constraint("ck_x", "users", 42)', { "@create_check_constraint" }),
    lua_fails("op.drop_constraint: unknown type_", '  op.drop_constraint("x", "users", { type_ = "bogus" })',
      { "@bogus", "bogus" }),
    fails("op.drop_index: no such index", '  op.drop_index("ix_nope", "users")', { "@ix_nope" }),
    lua_fails("op.execute: a number", "  op.execute(42)", { "@op.execute(42)" }),
    lua_fails("op.execute: nil", "  op.execute(nil)", { "@op.execute(nil)" }),
    lua_fails("op.execute: a table", "  op.execute({})", { "@op.execute({})" }),
    fails("op.execute: too many parameters", '  op.execute("SELECT ?", 1, 2)', { '@op.execute("SELECT ?"' }),
    fails("op.execute: too few parameters", '  op.execute("SELECT ? + ?", 1)', { '@op.execute("SELECT ? + ?"' }),
    lua_fails("op.execute: a table as a parameter", '  op.execute("SELECT ?", {})', { '@op.execute("SELECT ?"' }),
    lua_fails("op.execute: a function as a parameter", '  op.execute("SELECT ?", print)', { '@op.execute("SELECT ?"' }),
    lua_fails("op.inline_literal: a table", '  op.execute("SELECT " .. tostring(op.inline_literal({})))',
      { "@inline_literal" }),
    lua_fails("op.no_such_op", '  op.create_tabel("t1", Column("id", Integer))', { "@create_tabel", "create_tabel" }),
    lua_fails("op.batch_alter_table: a table name but no function", '  op.batch_alter_table("users")',
      { "@batch_alter_table" }),

    -- bulk_insert
    fails("op.bulk_insert: one row instead of a list", '  op.bulk_insert("users", { id = 9, name = "x" })',
      { "@bulk_insert" }),
    lua_fails("op.bulk_insert: a string instead of rows", '  op.bulk_insert("users", "x")', { "@bulk_insert" }),
    lua_fails("op.bulk_insert: nil rows", '  op.bulk_insert("users", nil)', { "@bulk_insert" }),
    lua_fails("op.bulk_insert: a row that is a number", '  op.bulk_insert("users", { 5 })', { "@bulk_insert" }),
    fails("op.bulk_insert: a misspelt column", '  op.bulk_insert("users", { { id = 9, nmae = "x" } })',
      { "@bulk_insert" }),
    fails("op.bulk_insert: a misspelt column in the second row",
      '  op.bulk_insert("users", { { id = 9, name = "x" }, { id = 10, nmae = "y" } })', { "@bulk_insert" }),
    fails("op.bulk_insert: no such table", '  op.bulk_insert("nope_t", { { id = 1 } })', { "@bulk_insert" }),
    fails("op.bulk_insert: an undefined global as a value (nul)",
      '  op.bulk_insert("users", { { id = 9, name = "x", email = nul } })', { "@nul", "nul" }),
    fails("op.bulk_insert: null into a NOT NULL column with a default",
      '  op.bulk_insert("posts", { { id = 9, user_id = 1, title = null } })', { "@bulk_insert" }),
    lua_fails("op.bulk_insert: unknown option", '  op.bulk_insert("users", { { id = 9, name = "x" } }, { multinsert = false })',
      { "@multinsert", "multinsert" }),
    fails("op.bulk_insert: a row function that raises",
      { "  local n = 0", '  op.bulk_insert("users", function()', "    n = n + 1",
        '    if n == 2 then error("row source broke") end', '    return { id = 100 + n, name = "r" }', "  end)" },
      { "@row source broke", "row source broke" }),
    lua_fails("op.bulk_insert: a row function that returns a number",
      '  op.bulk_insert("users", function() return 5 end)', { "@bulk_insert" }),
    fails("op.bulk_insert: a table definition and an unknown key",
      { '  local t = op.create_table("t1", Column("id", Integer, { primary_key = true }))',
        "  op.bulk_insert(t, { { id = 1, idd = 2 } })" }, { "@idd" }, { ran = { MY_T1 } }),

    -- undefined globals and Lua's conventions
    lua_fails("global: call of an undefined function", "  frobnicate()", { "@frobnicate", "frobnicate" }),
    fails("global: an undefined value passed to op.execute",
      '  op.execute("SELECT 1 WHERE 1 = ?", nul)', { "@nul", "nul" }),
    lua_fails("global: misspelt op", '  opp.execute("SELECT 1")', { "@opp", "opp" }),
    fails("global: a misspelt local used later", { "  local tbl = 'users'", '  op.drop_column(tlb, "age")' },
      { "@tlb", "tlb" }),
    fails("return nil, \"msg\"", '  return nil, "could not backfill"', { "could not backfill", "b1_case.lua" }),
    fails("return false", "  return false", { "b1_case.lua" }),
    fails("return a number", "  return 1", { "b1_case.lua" }),
    fails("return nil, msg after a statement", { '  op.execute("CREATE TABLE ret_t (id INTEGER)")',
      '  return nil, "gave up"' }, { "gave up", "b1_case.lua" }, { ran = { "CREATE TABLE ret_t (id INTEGER)" } }),
    fails("error({})", "  error({})", { "@error({})" }),
    lua_fails("error(nil)", "  error(nil)", { "@error(nil)" }),
    lua_fails("error() without arguments", "  error()", { "@error()" }),
    fails("error(msg, 0) loses the position", '  error("no position", 0)', { "b1_case.lua", "no position" }),
    fails("error(msg, 2) points into luamig", '  error("caller level", 2)', { "b1_case.lua", "caller level" }),
    fails("error with a table with __tostring",
      '  error(setmetatable({}, { __tostring = function() return "custom error" end }))',
      { "@custom error", "custom error" }),
    lua_fails("error with a number", "  error(42)", { "@error(42)", "42" }),
    lua_fails("error message over several lines", '  error("first line\\nsecond line")', { "@first line", "first line" }),
    lua_fails("assert(false)", "  assert(false)", { "@assert(false)" }),
    lua_fails("assert(nil, msg)", '  assert(nil, "assertion message")', { "@assertion message", "assertion message" }),
    lua_fails("string error from a nested function", { "  local function inner() error(\"deep\") end", "  inner()" },
      { "@deep", "deep" }),
    lua_fails("coroutine.yield inside upgrade()", "  coroutine.yield(1)", { "@coroutine.yield" }),
    lua_fails("an error inside a coroutine", '  coroutine.wrap(function() error("in coroutine") end)()',
      { "@coroutine" }),
    lua_fails("stack overflow", "  local function f() return 1 + f() end\n  f()", { "b1_case.lua" }),
    lua_fails("a very long error message",
      '  error(string.rep("x", 100000))', { "@string.rep" }),

    -- the connection
    fails("get_bind: execute with too many parameters", { "  local db = op.get_bind()",
      '  db:execute("SELECT ?", 1, 2)' }, { "@db:execute" }),
    fails("get_bind: query with too few parameters", { "  local db = op.get_bind()",
      '  db:query("SELECT ? + ?", 1)' }, { "@db:query" }),
    fails("get_bind: first on a missing table", { "  local db = op.get_bind()",
      '  db:first("SELECT * FROM nope_t")' }, { "@db:first" }),
    fails("get_bind: rows with bad SQL", { "  local db = op.get_bind()",
      '  for r in db:rows("SELEC 1") do end' }, { "@db:rows" }),
    fails("get_bind: prepare with bad SQL", { "  local db = op.get_bind()",
      '  local st = db:prepare("SELEC 1")', "  st:execute()" }, { "@db:prepare" }),
    fails("get_bind: a prepared statement with a wrong count", { "  local db = op.get_bind()",
      '  local st = assert(db:prepare("SELECT ?"))', "  st:execute(1, 2)" }, { "@st:execute" }),
    fails("get_bind: execute with a table parameter", { "  local db = op.get_bind()",
      '  db:execute("SELECT ?", {})' }, { "@db:execute" }),
    lua_fails("get_bind: method called with a dot", { "  local db = op.get_bind()",
      '  db.execute("SELECT 1")' }, { "@db.execute" }),
    lua_fails("get_bind: an unknown method", { "  local db = op.get_bind()", '  db:exec("SELECT 1")' },
      { "@db:exec" }),
    fails("get_bind: unknown option", '  local db = op.get_bind({ decimal = "number" })', { "@decimal" }),
    lua_fails("get_bind: bad decimals value", '  local db = op.get_bind({ decimals = "float" })', { "@float" }),
    fails("get_bind: a closed connection", { "  local db = op.get_bind()", "  db:close()",
      '  op.execute("SELECT 1")' }, { "b1_case.lua" }),
    fails("get_bind: savepoint whose function raises", { "  local db = op.get_bind()",
      '  db:savepoint(function() error("inside savepoint") end)' }, { "@inside savepoint", "inside savepoint" }),

    -- transaction control in a transactional revision: refused before it runs
    fails("COMMIT through op.execute", '  op.execute("COMMIT")', { "@COMMIT", "transactional = false" }),
    fails("commit; in lower case with a semicolon", '  op.execute("commit;")', { "@commit;" }),
    fails("END", '  op.execute("END")', { "@END" }, { on = { "sqlite", "postgres" } }),
    fails("ROLLBACK", '  op.execute("ROLLBACK")', { "@ROLLBACK" }),
    fails("BEGIN", '  op.execute("BEGIN")', { "@BEGIN" }),
    fails("START TRANSACTION", '  op.execute("START TRANSACTION")', { "@START TRANSACTION" },
      { on = { "postgres", "mysql" } }),
    fails("COMMIT after a comment", '  op.execute("/* done */ COMMIT")', { "@COMMIT" }),
    fails("COMMIT through the bind", { "  local db = op.get_bind()", '  db:execute("COMMIT")' }, { "@COMMIT" }),
    fails("COMMIT after DDL, then a failure",
      { '  op.execute("CREATE TABLE committed_t (id INTEGER)")', '  op.execute("COMMIT")', '  error("late")' },
      { "@COMMIT" }, { ran = { "CREATE TABLE committed_t (id INTEGER)" } }),
    fails("COMMIT after DDL, then success",
      { '  op.execute("CREATE TABLE committed_t (id INTEGER)")', '  op.execute("COMMIT")' },
      { "@COMMIT" }, { ran = { "CREATE TABLE committed_t (id INTEGER)" } }),
    fails("COMMIT after a data change, then a failure",
      { "  op.execute(\"UPDATE users SET name = 'changed' WHERE id = 1\")", '  op.execute("COMMIT")',
        '  error("late")' }, { "@COMMIT" }),
    fails("COMMIT under --transaction all", { '  op.execute("CREATE TABLE committed_t (id INTEGER)")',
      '  op.execute("COMMIT")' }, { "@COMMIT" },
      { on = { "sqlite", "postgres" }, args = { "upgrade", "head", "--transaction", "all" } }),
    fails("SET autocommit on MySQL", '  op.execute("SET autocommit = 1")', { "@autocommit" }, { on = { "mysql" } }),

    -- luamig's own tables
    fails("the revision deletes the version row",
      { '  op.execute("DELETE FROM luamig_version")' }, { "luamig_version" }),
    fails("the revision changes the version row",
      { "  op.execute(\"UPDATE luamig_version SET version_num = 'zzzz'\")" }, { "luamig_version" }),
    fails("the revision drops the history table",
      { '  op.execute("DROP TABLE luamig_history")' }, { "luamig_history" }, { on = { "sqlite", "postgres" } }),

    -- swallowed errors
    {
      name = "a failed statement caught with pcall, then success",
      files = k.up { '  pcall(op.execute, "SELECT * FROM nope_t")', '  op.execute("CREATE TABLE after_t (id INTEGER)")' },
      args = { "upgrade", "head" },
      -- PostgreSQL aborts the transaction at the failed statement: what
      -- follows fails, and nothing may be recorded as done.
      status = { sqlite = 0, mysql = 0, postgres = 1 }, versions = { k.B }, names = { "b1_case.lua" },
    },

    -- downgrade
    down_fails("downgrade: raises", '  error("cannot undo")', { "@cannot undo", "cannot undo" }),
    down_fails("downgrade: return nil, msg", '  return nil, "refusing"', { "refusing", "b1_case.lua" }),
    down_fails("downgrade: drops a missing table", '  op.drop_table("nope_t")', { "@nope_t" }),
    down_fails("downgrade: COMMIT", '  op.execute("COMMIT")', { "@COMMIT" }),
    {
      name = "downgrade: no downgrade() at all",
      setup = { { "upgrade", "head" } }, args = { "downgrade", k.A3 }, status = { 1, 2 }, names = { "b1_case.lua" },
      files = { [BAD] = rev { up = '  op.execute("CREATE TABLE down_t (id INTEGER)")', no_downgrade = true } },
    },

    -- transactional = false: what ran stays, and is recorded, on every backend
    fails("transactional = false: a failure after DDL is recorded",
      { '  op.execute("CREATE TABLE nt_t (id INTEGER)")', '  error("after ddl")' }, { "@after ddl" },
      { files = { [BAD] = rev { top = TXN, up = { '  op.execute("CREATE TABLE nt_t (id INTEGER)")',
        '  error("after ddl")' } } }, ran = { "CREATE TABLE nt_t (id INTEGER)" }, ran_on = "all" }),
    fails("transactional = false: a failure before any statement changes nothing", '  error("before ddl")',
      { "@before ddl" }, { files = { [BAD] = rev { top = TXN, up = '  error("before ddl")' } } }),
    fails("autocommit_block: a failure inside, after a statement",
      { "  op.autocommit_block(function()", '    op.execute("CREATE TABLE ac_t (id INTEGER)")',
        '    error("in block")', "  end)" }, { "@in block" },
      { ran = { "CREATE TABLE ac_t (id INTEGER)" }, ran_on = "all" }),
    fails("the recovery message lists a statement of several lines whole",
      { '  op.create_table("t1", Column("id", Integer, { primary_key = true }))', '  error("planned")' },
      { "@planned" }, { ran = { MY_T1 } }),
    fails("autocommit_block: a function that is not one", '  op.autocommit_block("x")', { "@autocommit_block" }),
  }

  -- The standard library, changed by a revision, is the revision's business.
  -- luamig's own work goes on: the planned error is reported as such.
  local CLOBBER_RAN = { "CREATE TABLE cl_t (id INTEGER)", "ALTER TABLE `cl_t` ADD COLUMN `x` INTEGER" }
  local function clobber(what, line)
    cases[#cases + 1] = fails("clobbers " .. what .. ", then fails", { "  " .. line,
      '  op.execute("CREATE TABLE cl_t (id INTEGER)")', '  op.add_column("cl_t", Column("x", Integer))',
      '  error("planned")' }, { "@planned" }, { ran = CLOBBER_RAN })
  end
  for _, fn in ipairs(clobber_names) do clobber(fn, fn .. " = nil") end
  for _, g in ipairs(globals) do clobber("the global " .. g, g .. " = nil") end
  clobber("string.match with a function that lies", "string.match = function() return nil end")
  cases[#cases + 1] = {
    name = "clobbers string.match, then succeeds",
    files = k.up { "  string.match = function() return nil end",
      '  op.create_table("cl_t", Column("id", Integer, { primary_key = true }))' },
    args = { "upgrade", "head" }, status = 0, versions = { k.B },
  }
  -- The strings' metatable is luamig's: a revision cannot reach it.
  cases[#cases + 1] = fails("reaches for the strings' metatable", {
    '  getmetatable("").__index = { len = function() return 0 end }',
    '  op.create_table("cl_t", Column("id", Integer, { primary_key = true }))' },
    { "@getmetatable", "the strings' metatable" })
  return cases
end
