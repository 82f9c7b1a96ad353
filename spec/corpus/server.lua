-- Statements the server refuses: syntax, unique and NOT NULL and foreign
-- key violations, type errors, values out of range or too long, bytes that
-- are not UTF-8, a dependent view, a statement timeout; in bulk_insert (on
-- each of its paths: COPY, LOAD DATA, prepared INSERTs, a second chunk of
-- a row function) and in op.execute and the bind. Exit 1, the revision's
-- line named, the database as before; on MySQL, where DDL ran before the
-- failure, the recorded state listing exactly what ran.
return function(k)
  local SERVERS = { "postgres", "mysql" }

  local function fails(name, up, names, extra)
    local c = { name = name, files = k.up(up), args = { "upgrade", "head" }, status = 1, names = names }
    for key, v in pairs(extra or {}) do c[key] = v end
    return c
  end

  return {
    fails("a statement with a syntax error", '  op.execute("CREAT TABLE x (id INTEGER)")', { "@CREAT" }),
    fails("a statement naming a missing table", '  op.execute("DELETE FROM nope_t")', { "@nope_t" }),
    fails("bulk_insert: a duplicate primary key",
      '  op.bulk_insert("users", { { id = 1, name = "dup", email = "dup@example.org" } })', { "@bulk_insert" }),
    fails("bulk_insert: a duplicate unique value in the second row",
      '  op.bulk_insert("users", { { id = 10, name = "a", email = "x@example.org" }, { id = 11, name = "b", email = "x@example.org" } })',
      { "@bulk_insert" }),
    fails("bulk_insert: a duplicate in rows that leave columns out",
      '  op.bulk_insert("users", { { id = 10, name = "a" }, { id = 1, name = "b" } })', { "@bulk_insert" }),
    fails("bulk_insert: a duplicate, one statement per row",
      '  op.bulk_insert("users", { { id = 10, name = "a" }, { id = 1, name = "b" } }, { multiinsert = false })',
      { "@bulk_insert" }),
    fails("bulk_insert: a duplicate in the second chunk of a row function",
      { "  local i = 0", '  op.bulk_insert("users", function()', "    i = i + 1",
        "    if i > 15000 then return nil end",
        '    return { id = i == 15000 and 1 or 1000 + i, name = "n" .. i }', "  end)" }, { "@bulk_insert" }),
    fails("bulk_insert: NOT NULL with no default", '  op.bulk_insert("users", { { id = 10, email = "n@example.org" } })',
      { "@bulk_insert" }),
    fails("bulk_insert: a type error", '  op.bulk_insert("users", { { id = "abc", name = "x" } })', { "@bulk_insert" },
      { on = SERVERS }),
    fails("bulk_insert: a value too long", '  op.bulk_insert("users", { { id = 10, name = string.rep("x", 51) } })',
      { "@bulk_insert" }, { on = SERVERS }),
    fails("bulk_insert: an integer out of range", '  op.bulk_insert("users", { { id = 10, name = "x", age = 1 << 40 } })',
      { "@bulk_insert" }, { on = SERVERS }),
    fails("bulk_insert: bytes that are not UTF-8", '  op.bulk_insert("users", { { id = 10, name = "\\255\\254" } })',
      { "@bulk_insert" }, { on = SERVERS }),
    fails("bulk_insert: a foreign key violation", '  op.bulk_insert("posts", { { id = 10, user_id = 999, title = "t" } })',
      { "@bulk_insert" }, { on = SERVERS }),
    fails("op.execute: a duplicate key", "  op.execute(\"INSERT INTO users (id, name) VALUES (1, 'dup')\")",
      { "@INSERT INTO" }),
    fails("op.execute: a type error in a parameter", '  op.execute("SELECT * FROM users WHERE id = ?", "abc")',
      { "@SELECT" }, { on = { "postgres" } }),
    fails("op.execute: division by zero", '  op.execute("SELECT 1 / 0")', { "@SELECT 1 / 0" }, { on = { "postgres" } }),
    fails("op.execute: a statement timeout", { "  op.execute(\"SET LOCAL statement_timeout = '50ms'\")",
      '  op.execute("SELECT pg_sleep(2)")' }, { "@pg_sleep" }, { on = { "postgres" } }),
    fails("op.drop_table: a view depends on it", '  op.drop_table("users")', { "@drop_table" }, { on = { "postgres" } }),
    fails("bind: an UPDATE that breaks a unique key", { "  local db = op.get_bind()",
      "  db:execute(\"UPDATE users SET email = 'ann@example.org' WHERE id = 2\")" }, { "@db:execute" }),
    fails("bind: a NOT NULL violation after updates", { "  local db = op.get_bind()",
      "  db:execute(\"UPDATE users SET name = 'renamed'\")", "  db:execute(\"UPDATE users SET name = NULL WHERE id = 2\")" },
      { "@name = NULL" }),
    fails("a check constraint violated", {
      '  op.create_table("ck_t", Column("v", Integer), CheckConstraint("v > 0", { name = "ck_positive" }))',
      '  op.bulk_insert("ck_t", { { v = -1 } })' }, { "@bulk_insert" }, { on = { "sqlite", "postgres" } }),

    -- MySQL: DDL that ran before the failure stays, and is listed exactly
    fails("DDL, then a statement the server refuses", { '  op.execute("CREATE TABLE s1 (id INTEGER)")',
      '  op.execute("CREATE TABLE users (id INTEGER)")' }, { "@CREATE TABLE users" },
      { ran = { "CREATE TABLE s1 (id INTEGER)" } }),
    fails("two DDL statements, then a failure", { '  op.execute("CREATE TABLE s1 (id INTEGER)")',
      '  op.execute("CREATE TABLE s2 (id INTEGER)")', '  op.execute("DROP TABLE nope_t")' }, { "@nope_t" },
      { ran = { "CREATE TABLE s1 (id INTEGER)", "CREATE TABLE s2 (id INTEGER)" } }),
    fails("DDL, a data change, then a failure", { '  op.execute("CREATE TABLE s1 (id INTEGER)")',
      '  op.execute("INSERT INTO s1 (id) VALUES (1)")', '  op.execute("DROP TABLE nope_t")' }, { "@nope_t" },
      { ran = { "CREATE TABLE s1 (id INTEGER)", "INSERT INTO s1 (id) VALUES (1)" } }),
    fails("a data change, then DDL that fails", { "  op.execute(\"UPDATE users SET name = 'changed' WHERE id = 1\")",
      '  op.execute("CREATE TABLE users (id INTEGER)")' }, { "@CREATE TABLE users" },
      -- MySQL commits the open transaction before any DDL, even one that fails
      { ran = { "UPDATE users SET name = 'changed' WHERE id = 1" }, data_changed = true }),
    fails("DDL, then a failing bulk_insert", { '  op.execute("CREATE TABLE s1 (id INTEGER PRIMARY KEY)")',
      '  op.bulk_insert("s1", { { id = 1 }, { id = 1 } })' }, { "@bulk_insert" },
      { ran = { "CREATE TABLE s1 (id INTEGER PRIMARY KEY)" } }),
  }
end
