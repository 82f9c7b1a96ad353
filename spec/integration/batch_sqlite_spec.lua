-- Batch mode (op.batch_alter_table) run by the real executable: on SQLite
-- the table is rebuilt by move and copy inside the revision's transaction,
-- and every row, index and constraint that was not dropped must survive,
-- as must the other tables' references to it; on PostgreSQL and MariaDB
-- the same revisions run as ALTER statements. The database is inspected
-- through the driver, not through luamig.
local h = require("helpers.luamig")
local backends = require("helpers.backends")
local driver = require("luamig.driver")
local sqltext = require("luamig.reflect.sqlite.sqltext")

local null = driver.null

-- A project whose revisions are chained in the order given: each entry is
-- {id, up = body, down = body}.
local function project(revs, files)
  files = files or {}
  local prev
  for _, r in ipairs(revs) do
    files["migrations/versions/" .. r[1] .. "_rev.lua"] = h.revision_text(r[1],
      { down = prev, up = r.up, down_body = r.down })
    prev = r[1]
  end
  return h.project(files)
end

-- A schema written by hand, with what a reflection can miss: named and
-- unnamed, column and table constraints, a collation, an expression and a
-- partial index, a view and a trigger on the table, a table that
-- references it.
local BASE_SQL = [==[
CREATE TABLE parent (
  id INTEGER PRIMARY KEY,
  code VARCHAR(10) NOT NULL CONSTRAINT uq_parent_code UNIQUE
);
CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  parent_id INTEGER CONSTRAINT fk_items_parent REFERENCES parent (id) ON DELETE CASCADE,
  title VARCHAR(50) COLLATE NOCASE,
  qty INTEGER DEFAULT 0 CONSTRAINT ck_items_qty CHECK (qty >= 0),
  note TEXT,
  price NUMERIC(10, 2) DEFAULT (0 + 0),
  CONSTRAINT uq_items_parent_title UNIQUE (parent_id, title),
  CHECK (length(title) > 0)
);
CREATE INDEX ix_items_note ON items (note);
CREATE INDEX ix_items_lower_title ON items (lower(title)) WHERE qty > 0;
CREATE TABLE lines (
  id INTEGER PRIMARY KEY,
  item_id INTEGER NOT NULL REFERENCES items (id),
  amount INTEGER
);
CREATE VIEW item_titles AS SELECT id, title FROM items;
CREATE TRIGGER items_qty_log AFTER UPDATE OF qty ON items
BEGIN
  INSERT INTO lines (item_id, amount) VALUES (new.id, new.qty - old.qty);
END;
INSERT INTO parent (id, code) VALUES (1, 'A'), (2, 'B');
INSERT INTO items (id, parent_id, title, qty, note, price) VALUES
  (1, 1, 'one', 1, 'n1', 1.5), (2, 1, 'two', 2, NULL, 2), (3, 2, 'three', 0, 'n3', NULL);
INSERT INTO lines (item_id, amount) VALUES (1, 10), (2, 20), (3, 30);
]==]

local BASE = { "a0000001", up = "  op.execute([==[" .. BASE_SQL .. "]==])" }

local function path_of(url) return (url:match("^sqlite://(.*)$")) end

local function with_db(url, fn)
  local conn = h.sqlite(path_of(url))
  local res = table.pack(pcall(fn, conn))
  conn:close()
  if not res[1] then error(res[2], 0) end
  return table.unpack(res, 2, res.n)
end

-- The lines of `text` in sorted order, as structure() gives them.
local function sorted_lines(text)
  local lines = h.lines(text)
  table.sort(lines)
  return table.concat(lines, "\n")
end

local function query(conn, sql, ...)
  return assert(conn:query(sql, ...))
end

-- Rows as one string, in id order.
local function rows_text(conn, sql)
  local out = {}
  for _, row in ipairs(query(conn, sql)) do
    local _, cols = nil, {}
    for k, v in pairs(row) do cols[#cols + 1] = k .. "=" .. tostring(v) end
    table.sort(cols)
    out[#out + 1] = table.concat(cols, " ")
  end
  return table.concat(out, "\n")
end

-- What SQLite knows about a table, structure only: columns, indexes with
-- their columns, foreign keys, and the constraint names and CHECKs from
-- its CREATE TABLE text.
local function structure(conn, t)
  local out = {}
  for _, c in ipairs(query(conn, "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)"
    .. " ORDER BY cid", t)) do
    out[#out + 1] = string.format("column %s %s %d %s %d", c.name, c.type, c.notnull, tostring(c.dflt_value), c.pk)
  end
  local ixs = query(conn, "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?)", t)
  table.sort(ixs, function(a, b) return a.name < b.name end)
  for _, ix in ipairs(ixs) do
    local cols = {}
    for _, c in ipairs(query(conn, "SELECT name, \"desc\", coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno",
      ix.name)) do
      cols[#cols + 1] = tostring(c.name) .. " " .. c.coll
    end
    local sql = conn:first("SELECT sql FROM sqlite_master WHERE name = ?", ix.name).sql
    out[#out + 1] = string.format("index %s %d %s %d (%s) %s", ix.name:gsub("^sqlite_autoindex_.*", "auto"),
      ix.unique, ix.origin, ix.partial, table.concat(cols, ", "), tostring(sql))
  end
  for _, fk in ipairs(query(conn, "SELECT * FROM pragma_foreign_key_list(?) ORDER BY id, seq", t)) do
    out[#out + 1] = string.format("fk %s.%s -> %s.%s %s %s", t, fk.from, fk.table, tostring(fk.to), fk.on_delete,
      fk.on_update)
  end
  local parsed = assert(sqltext.parse_create_table(conn:first("SELECT sql FROM sqlite_master WHERE name = ?", t).sql))
  for _, kind in ipairs { "uniques", "foreign_keys" } do
    for _, c in ipairs(parsed[kind]) do out[#out + 1] = kind .. " name " .. tostring(c.name) end
  end
  for _, c in ipairs(parsed.checks) do out[#out + 1] = "check " .. tostring(c.name) .. " " .. c.sqltext end
  for _, c in ipairs(parsed.columns) do
    if c.collate then out[#out + 1] = "collate " .. c.name .. " " .. c.collate end
  end
  table.sort(out)
  return table.concat(out, "\n")
end

local function schema_text(conn)
  return rows_text(conn, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
end

local ITEMS_ROWS = "SELECT id, parent_id, title, qty, note, price FROM items ORDER BY id"

describe("batch mode on SQLite #sqlite", function()
  local url
  before_each(function() url = backends.sqlite:new_database() end)
  backends.cleanup_after_each()

  local function run(dir, args, env) return h.run(dir, h.with_url(url, args), env) end
  local function ok_run(dir, args, env) return h.run_ok(dir, h.with_url(url, args), env) end

  -- The base schema, then `rev` (an upgrade/downgrade pair) on top of it.
  local function base_and(up, down, files)
    local dir = project({ BASE, { "b0000002", up = up, down = down } }, files)
    ok_run(dir, { "upgrade", "a0000001" })
    return dir
  end

  -- Everything about `items` and the tables around it that a rebuild of
  -- items must not change unless asked.
  local function surroundings(conn)
    return {
      parent = structure(conn, "parent"), lines = structure(conn, "lines"),
      lines_rows = rows_text(conn, "SELECT * FROM lines ORDER BY id"),
      parent_rows = rows_text(conn, "SELECT * FROM parent ORDER BY id"),
      view = conn:first("SELECT sql FROM sqlite_master WHERE name = 'item_titles'").sql,
      trigger = conn:first("SELECT sql FROM sqlite_master WHERE name = 'items_qty_log'").sql,
    }
  end

  -- The foreign keys of items and of lines still hold and are enforced.
  local function assert_references_work(conn)
    assert.same({}, query(conn, "PRAGMA foreign_key_check"))
    assert(conn:execute("PRAGMA foreign_keys = ON"))
    local fks = query(conn, "SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list('lines')")
    assert.same({ { table = "items", from = "item_id", to = "id" } }, fks)
    local ok, err = conn:execute("INSERT INTO lines (item_id, amount) VALUES (99, 1)")
    assert.is_nil(ok)
    assert.matches("FOREIGN KEY constraint failed", err, 1, true)
    ok, err = conn:execute("INSERT INTO items (id, parent_id, title) VALUES (50, 99, 'orphan')")
    assert.is_nil(ok)
    assert.matches("FOREIGN KEY constraint failed", err, 1, true)
    assert(conn:execute("PRAGMA foreign_keys = OFF"))
  end

  it("changes a column's type, nullability, default and name, keeping every row, index and constraint", function()
    local dir = base_and([[
  op.batch_alter_table("items", function(batch)
    batch.alter_column("title", { type_ = String(100) })
    batch.alter_column("qty", { server_default = 1 })
    batch:alter_column("parent_id", { nullable = false })
    batch.alter_column("note", { new_column_name = "remark" })
  end)]])
    local before, rows, items = with_db(url, function(conn)
      return surroundings(conn), rows_text(conn, ITEMS_ROWS), structure(conn, "items")
    end)
    ok_run(dir, { "upgrade", "head" })
    with_db(url, function(conn)
      assert.same(before, surroundings(conn))
      assert.equal(rows, rows_text(conn, "SELECT id, parent_id, title, qty, remark AS note, price FROM items ORDER BY id"))
      -- exactly the asked changes, and nothing else
      local expected = items:gsub("column title VARCHAR%(50%)", "column title VARCHAR(100)")
        :gsub("column qty INTEGER 0 0 0", "column qty INTEGER 0 1 0")
        :gsub("column parent_id INTEGER 0", "column parent_id INTEGER 1")
        :gsub("column note", "column remark"):gsub("%(note ", "(remark "):gsub("ON items %(note%)", 'ON items ("remark")')
      assert.equal(sorted_lines(expected), structure(conn, "items"))
      assert_references_work(conn)
      -- CHECK, UNIQUE (with its NOCASE collation), NOT NULL still enforced
      assert.is_nil(conn:execute("INSERT INTO items (parent_id, title, qty) VALUES (1, 'x', -1)"))
      assert.is_nil(conn:execute("INSERT INTO items (parent_id, title) VALUES (1, 'ONE')"))
      assert.is_nil(conn:execute("INSERT INTO items (parent_id, title) VALUES (1, '')"))
      assert.is_nil(conn:execute("INSERT INTO items (title) VALUES ('z')"))
      -- the new default, the view and the trigger work
      assert(conn:execute("INSERT INTO items (id, parent_id, title) VALUES (10, 2, 'ten')"))
      assert.equal(1, conn:first("SELECT qty FROM items WHERE id = 10").qty)
      assert.equal("ten", conn:first("SELECT title FROM item_titles WHERE id = 10").title)
      assert(conn:execute("UPDATE items SET qty = 5 WHERE id = 10"))
      assert.equal(4, conn:first("SELECT amount FROM lines WHERE item_id = 10").amount)
      assert.is_nil(conn:first("SELECT name FROM sqlite_master WHERE name LIKE '_luamig_tmp%'"))
    end)
  end)

  it("adds and drops columns, rebuilding only when SQLite needs it", function()
    local dir = base_and([[
  op.batch_alter_table("items", function(batch)
    batch.add_column(Column("rating", Integer, { nullable = false, server_default = 3 }))
    batch.drop_column("price")
  end)
  op.batch_alter_table("parent", function(batch)
    batch.add_column(Column("slug", String(20), { unique = true }), { insert_before = "code" })
  end)]], [[
  op.batch_alter_table("parent", function(batch) batch.drop_column("slug") end)
  op.batch_alter_table("items", function(batch)
    batch.add_column(Column("price", Numeric(10, 2), { server_default = sql "(0 + 0)" }))
    batch.drop_column("rating")
  end)]])
    local rows = with_db(url, function(conn) return rows_text(conn, "SELECT id, title, qty FROM items ORDER BY id") end)
    ok_run(dir, { "upgrade", "head" })
    with_db(url, function(conn)
      assert.equal(rows, rows_text(conn, "SELECT id, title, qty FROM items ORDER BY id"))
      assert.same({ { n = 3 } }, query(conn, "SELECT count(*) AS n FROM items WHERE rating = 3"))
      assert.is_nil(conn:query("SELECT price FROM items"))
      -- no rebuild: SQLite's own ALTER TABLE kept the text as it was written
      assert.matches("^CREATE TABLE items %(", conn:first("SELECT sql FROM sqlite_master WHERE name = 'items'").sql)
      -- a UNIQUE column needs the rebuild; its position is the asked one
      local cols = query(conn, "SELECT name FROM pragma_table_info('parent') ORDER BY cid")
      assert.same({ { name = "id" }, { name = "slug" }, { name = "code" } }, cols)
      assert(conn:execute("UPDATE parent SET slug = 'x' WHERE id = 1"))
      assert.is_nil(conn:execute("UPDATE parent SET slug = 'x' WHERE id = 2"))
      assert.is_nil(conn:execute("INSERT INTO parent (id, code) VALUES (3, 'A')"))
      assert_references_work(conn)
    end)
    ok_run(dir, { "downgrade", "a0000001" })
    with_db(url, function(conn)
      assert.equal(rows, rows_text(conn, "SELECT id, title, qty FROM items ORDER BY id"))
      assert.same({ { name = "id" }, { name = "code" } }, query(conn, "SELECT name FROM pragma_table_info('parent')"))
      assert.is_nil(conn:query("SELECT rating FROM items"))
    end)
  end)

  it("takes the plain ops' if_exists and if_not_exists, which the rebuild carries out", function()
    -- SQLite's ALTER TABLE has neither for columns: they make "auto" rebuild.
    local dir = base_and([[
  op.batch_alter_table("items", function(batch)
    batch.add_column(Column("note", Text), { if_not_exists = true })
    batch.add_column(Column("rating", Integer), { if_not_exists = true })
    batch.drop_column("gone", { if_exists = true })
    batch.create_index("ix_items_note", { "note" }, { if_not_exists = true })
    batch.drop_index("ix_nope", { if_exists = true })
  end)]])
    local rows = with_db(url, function(conn) return rows_text(conn, ITEMS_ROWS) end)
    ok_run(dir, { "upgrade", "head" })
    with_db(url, function(conn)
      assert.equal(rows, rows_text(conn, ITEMS_ROWS))
      local s = structure(conn, "items")
      assert.matches("column rating INTEGER 0 null 0", s, 1, true)
      assert.matches("index ix_items_note 0 c 0 (note BINARY)", s, 1, true)
      assert.matches("^CREATE TABLE \"items\"", conn:first("SELECT sql FROM sqlite_master WHERE name = 'items'").sql)
      assert_references_work(conn)
    end)
  end)

  it("creates and drops unique, check and foreign key constraints, and downgrades to the same table", function()
    local dir = base_and([[
  op.batch_alter_table("items", function(batch)
    batch.create_unique_constraint("uq_items_note", { "note" })
    batch.create_check_constraint("ck_items_short_title", "length(title) < 40")
    batch.drop_constraint("ck_items_qty", { type_ = "check" })
  end)
  op.batch_alter_table("lines", function(batch)
    batch.add_column(Column("parent_ref", Integer))
    batch.create_foreign_key("fk_lines_parent", "parent", { "parent_ref" }, { "id" }, { ondelete = "set null" })
  end)]], [[
  op.batch_alter_table("lines", function(batch)
    batch.drop_constraint("fk_lines_parent", { type_ = "foreignkey" })
    batch.drop_column("parent_ref")
  end)
  op.batch_alter_table("items", function(batch)
    batch.drop_constraint("uq_items_note", { type_ = "unique" })
    batch.drop_constraint("ck_items_short_title")
    batch.create_check_constraint("ck_items_qty", "qty >= 0")
  end)]])
    local items, lines, rows = with_db(url, function(conn)
      return structure(conn, "items"), structure(conn, "lines"), rows_text(conn, ITEMS_ROWS)
    end)
    ok_run(dir, { "upgrade", "head" })
    with_db(url, function(conn)
      assert.equal(rows, rows_text(conn, ITEMS_ROWS))
      local s = structure(conn, "items")
      assert.matches("check ck_items_short_title length%(title%) < 40", s)
      assert.matches("uniques name uq_items_note", s, 1, true)
      assert.is_nil(s:find("ck_items_qty", 1, true))
      assert.matches("fk lines.parent_ref -> parent.id SET NULL NO ACTION", structure(conn, "lines"), 1, true)
      assert(conn:execute("INSERT INTO items (parent_id, title, qty, note) VALUES (1, 'neg', -5, 'new')"))
      assert.is_nil(conn:execute("INSERT INTO items (parent_id, title, note) VALUES (1, 'dup', 'n1')"))
      assert.is_nil(conn:execute("INSERT INTO items (parent_id, title) VALUES (1, '" .. ("x"):rep(45) .. "')"))
      assert(conn:execute("PRAGMA foreign_keys = ON"))
      assert.is_nil(conn:execute("INSERT INTO lines (item_id, parent_ref) VALUES (1, 99)"))
      assert(conn:execute("DELETE FROM items WHERE qty < 0"))
    end)
    ok_run(dir, { "downgrade", "a0000001" })
    with_db(url, function(conn)
      -- the CHECK dropped and made again comes back named, in the table's own list
      assert.equal(items, structure(conn, "items"))
      assert.equal(lines, structure(conn, "lines"))
      assert.equal(rows, rows_text(conn, ITEMS_ROWS))
      assert_references_work(conn)
    end)
  end)

  it("names an unnamed constraint through table_args so that drop_constraint finds it", function()
    local dir = base_and([[
  op.batch_alter_table("items", function(batch)
    batch.drop_constraint("ck_items_title_len", { type_ = "check" })
    batch.drop_constraint("uq_items_code")
  end, { table_args = { CheckConstraint("length(title) > 0", { name = "ck_items_title_len" }),
    UniqueConstraint("parent_id", "title", { name = "uq_items_code" }) } })]])
    ok_run(dir, { "upgrade", "head" })
    with_db(url, function(conn)
      local s = structure(conn, "items")
      assert.is_nil(s:find("length(title)", 1, true))
      assert.is_nil(s:find("uniques", 1, true))
      assert.matches("check ck_items_qty qty >= 0", s, 1, true)
      assert(conn:execute("INSERT INTO items (parent_id, title) VALUES (1, '')"))
      assert(conn:execute("INSERT INTO items (parent_id, title) VALUES (1, '')"))
    end)
  end)

  it("drops a column that an index uses, with that index, and keeps the other indexes", function()
    local dir = base_and([[
  op.batch_alter_table("items", function(batch)
    batch.drop_column("note")
  end)]])
    local items = with_db(url, function(conn) return structure(conn, "items") end)
    ok_run(dir, { "upgrade", "head" })
    with_db(url, function(conn)
      local expected = {}
      for l in items:gmatch("[^\n]+") do
        if not l:find("note", 1, true) then expected[#expected + 1] = l end
      end
      assert.equal(table.concat(expected, "\n"), structure(conn, "items"))
      assert.same({ { name = "ix_items_lower_title" } },
        query(conn, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items' AND sql IS NOT NULL"))
      assert_references_work(conn)
    end)
  end)

  it("leaves the table and its rows exactly as before when the copy fails", function()
    local dir = base_and([[
  op.batch_alter_table("items", function(batch)
    batch.alter_column("title", { type_ = String(80) })
    batch.alter_column("note", { nullable = false })
  end)]])
    local schema, rows = with_db(url, function(conn) return schema_text(conn), rows_text(conn, ITEMS_ROWS) end)
    local r = run(dir, { "upgrade", "head" })
    assert.equal(1, r.status)
    assert.matches('\nluamig: upgrade b0000002 failed: migrations/versions/b0000002_rev.lua:%d+: '
      .. 'op.batch_alter_table%("items"%): copying the rows into the rebuilt table failed: '
      .. 'NOT NULL constraint failed: items.note', r.stderr)
    with_db(url, function(conn)
      assert.equal(schema, schema_text(conn))
      assert.equal(rows, rows_text(conn, ITEMS_ROWS))
      assert.equal(0, conn:first("PRAGMA legacy_alter_table").legacy_alter_table)
    end)
    assert.same({ "a0000001" }, h.sqlite_versions(path_of(url)))
  end)

  it("fails with a message when recreate = \"never\" forbids the rebuild SQLite needs", function()
    local dir = base_and([[
  op.batch_alter_table("items", function(batch)
    batch.alter_column("note", { new_column_name = "remark" })
    batch.alter_column("title", { nullable = false })
  end, { recreate = "never" })]])
    local schema = with_db(url, schema_text)
    local r = run(dir, { "upgrade", "head" })
    assert.equal(1, r.status)
    assert.matches('op.batch_alter_table("items"): alter_column: SQLite can do this only by rebuilding the table,'
      .. ' which recreate = "never" forbids (use recreate = "auto")', r.stderr, 1, true)
    assert.equal(schema, with_db(url, schema_text))
  end)

  it("rebuilds a table of 100,000 rows with indexes and foreign keys, keeping them all", function()
    local dir = project({ { "c0000001", up = [==[
  op.execute([[
CREATE TABLE owner (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE big (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES owner (id),
  code VARCHAR(20) NOT NULL UNIQUE,
  label VARCHAR(40),
  score INTEGER
);
CREATE INDEX ix_big_owner ON big (owner_id);
CREATE INDEX ix_big_label_score ON big (label, score);
CREATE TABLE tag (id INTEGER PRIMARY KEY, big_id INTEGER REFERENCES big (id));
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
INSERT INTO owner (id, name) SELECT i, 'owner ' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO big (id, owner_id, code, label, score)
  SELECT i, 1 + i % 100, printf('c%07d', i), 'label ' || (i % 977), (i * 7919) % 10007 FROM n;
INSERT INTO tag (big_id) SELECT id FROM big WHERE id % 1000 = 0;
]])]==] }, { "c0000002", up = [[
  op.batch_alter_table("big", function(batch)
    batch.alter_column("label", { type_ = Text, nullable = false })
    batch.alter_column("score", { server_default = 0 })
  end)]] } })
    ok_run(dir, { "upgrade", "c0000001" })
    local content = "SELECT group_concat(id || ':' || owner_id || ':' || code || ':' || label || ':' || score, ',')"
      .. " AS all_rows, count(*) AS n, sum(id) AS ids FROM (SELECT * FROM big ORDER BY id)"
    local before, big = with_db(url, function(conn) return conn:first(content), structure(conn, "big") end)
    assert.equal(100000, before.n)
    ok_run(dir, { "upgrade", "head" })
    with_db(url, function(conn)
      local after = conn:first(content)
      assert.equal(100000, after.n)
      assert.equal(before.ids, after.ids)
      assert.is_true(before.all_rows == after.all_rows)
      local expected = big:gsub("column label VARCHAR%(40%) 0", "column label TEXT 1")
        :gsub("column score INTEGER 0 null", "column score INTEGER 0 0")
      assert.equal(sorted_lines(expected), structure(conn, "big"))
      assert.same({}, query(conn, "PRAGMA foreign_key_check"))
      assert.same({ { table = "big" } }, query(conn, "SELECT \"table\" FROM pragma_foreign_key_list('tag')"))
      assert.same({ { n = 100 } }, query(conn, "SELECT count(*) AS n FROM tag JOIN big ON big.id = tag.big_id"))
      assert.equal("ok", conn:first("PRAGMA integrity_check").integrity_check)
    end)
  end)

  it("keeps rowids, AUTOINCREMENT's high-water mark and WITHOUT ROWID tables", function()
    local dir = project({ { "d0000001", up = [==[
  op.execute([[
CREATE TABLE plain (a TEXT, b TEXT);
INSERT INTO plain (rowid, a, b) VALUES (10, 'x', 'y'), (20, 'z', NULL);
CREATE TABLE counter (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);
INSERT INTO counter (v) VALUES ('1'), ('2'), ('3'), ('4'), ('5');
DELETE FROM counter WHERE id > 3;
CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;
INSERT INTO kv VALUES ('a', '1');
]])]==] }, { "d0000002", up = [[
  op.batch_alter_table("plain", function(b) b.alter_column("a", { nullable = false }) end)
  op.batch_alter_table("counter", function(b) b.alter_column("v", { type_ = String(10) }) end)
  op.batch_alter_table("kv", function(b) b.alter_column("v", { server_default = "none" }) end)]] } })
    ok_run(dir, { "upgrade", "head" })
    with_db(url, function(conn)
      assert.same({ { rowid = 10, a = "x" }, { rowid = 20, a = "z" } }, query(conn, "SELECT rowid, a FROM plain ORDER BY 1"))
      assert(conn:execute("INSERT INTO counter (v) VALUES ('6')"))
      assert.equal(6, conn:first("SELECT max(id) AS id FROM counter").id)
      assert.matches("AUTOINCREMENT", conn:first("SELECT sql FROM sqlite_master WHERE name = 'counter'").sql)
      assert.matches("WITHOUT ROWID$", conn:first("SELECT sql FROM sqlite_master WHERE name = 'kv'").sql)
      assert(conn:execute("INSERT INTO kv (k) VALUES ('b')"))
      assert.equal("none", conn:first("SELECT v FROM kv WHERE k = 'b'").v)
    end)
  end)

  it("refuses a change that would break another table's foreign key or a view", function()
    local dir = base_and([[
  op.batch_alter_table("items", function(batch)
    batch.alter_column("qty", { nullable = false })
    batch.alter_column("id", { new_column_name = "item_id" })
  end)]])
    local schema = with_db(url, schema_text)
    local r = run(dir, { "upgrade", "head" })
    assert.equal(1, r.status)
    assert.matches('table "lines" has a foreign key ("item_id") that references "items" ("id"), which after the'
      .. ' batch is no longer the primary key or a unique key of "items"', r.stderr, 1, true)
    assert.equal(schema, with_db(url, schema_text))

    dir = project({ BASE, { "b0000002", up = [[
  op.batch_alter_table("items", function(batch) batch.drop_column("title") end)]] } })
    r = run(dir, { "upgrade", "head" })
    assert.equal(1, r.status)
    assert.matches('view "item_titles" no longer works after the batch', r.stderr, 1, true)
    assert.equal(schema, with_db(url, schema_text))
  end)

  it("checks foreign keys and views once, when the revision's function returns, naming the batch's line",
    function()
    -- The parent's key is renamed in a rebuild, which SQLite cannot follow
    -- into "lines"; the second batch points "lines" at the new name. Each
    -- batch alone breaks the reference; the revision as a whole does not.
    local fix_child = [[
  op.batch_alter_table("lines", function(batch) batch.alter_column("amount", { nullable = false }) end,
    { table_args = { ForeignKeyConstraint({ "item_id" }, { "items.item_id" }) } })]]
    local rename_parent = [[
  op.batch_alter_table("items", function(batch)
    batch.alter_column("qty", { nullable = false })
    batch.alter_column("id", { new_column_name = "item_id" })
  end)]]
    local dir = base_and(rename_parent .. "\n" .. fix_child .. [[

  op.execute("DROP VIEW item_titles")
  op.execute("CREATE VIEW item_titles AS SELECT item_id, title FROM items")]])
    ok_run(dir, { "upgrade", "head" })
    with_db(url, function(conn)
      assert.same({ { table = "items", from = "item_id", to = "item_id" } },
        query(conn, "SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list('lines')"))
      assert.same({}, query(conn, "PRAGMA foreign_key_check"))
      assert.same({ { n = 3 } }, query(conn, "SELECT count(*) AS n FROM lines JOIN items USING (item_id)"))
    end)

    -- Without the second batch: the revision fails at its end, naming the
    -- first batch's line, and nothing of it stays.
    url = backends.sqlite:new_database()
    dir = base_and(rename_parent .. "\n  op.execute('CREATE TABLE later (id INTEGER)')")
    local schema = with_db(url, schema_text)
    local r = run(dir, { "upgrade", "head" })
    assert.equal(1, r.status)
    assert.matches('b0000002_rev.lua:6: op.batch_alter_table("items"), checked when the revision\'s function'
      .. ' returned: table "lines" has a foreign key ("item_id") that references "items" ("id")', r.stderr, 1, true)
    assert.equal(schema, with_db(url, schema_text))
    assert.is_nil(with_db(url, function(conn)
      return conn:first("SELECT name FROM sqlite_master WHERE name = 'later'")
    end))
  end)

  it("names the revision line for a bad argument, called with a dot or a colon", function()
    local dir = project({ BASE, { "b0000002", up = [[
  op.batch_alter_table("items", function(batch)
    batch.alter_column("qty", { nullable = false })
    batch:alter_column(42, { nullable = false })
  end)]] } })
    local r = run(dir, { "upgrade", "head" })
    assert.equal(1, r.status)
    assert.matches("b0000002_rev.lua:8: op.batch_alter_table: alter_column: argument #1 (column) must be a"
      .. " non-empty string, got number 42", r.stderr, 1, true)
    dir = project({ BASE, { "b0000002", up = [[
  op.batch_alter_table("items", function(batch)
    batch.create_foreign_key("fk", "parent", { "a", "b" }, { "id" })
  end)]] } })
    r = run(dir, { "upgrade", "head" })
    assert.matches("b0000002_rev.lua:7: op.batch_alter_table: create_foreign_key: 2 local columns but 1 remote column",
      r.stderr, 1, true)
    dir = project({ BASE, { "b0000002", up = [[
  local saved
  op.batch_alter_table("items", function(batch) saved = batch end)
  saved.drop_column("note")]] } })
    r = run(dir, { "upgrade", "head" })
    assert.matches("b0000002_rev.lua:8: op.batch_alter_table: drop_column: called after the batch function returned",
      r.stderr, 1, true)
    dir = project({ BASE, { "b0000002", up = [[
  op.batch_alter_table("items", function(batch) batch.drop_column("note") end,
    { recreat = "always" })]] } })
    r = run(dir, { "upgrade", "head" })
    assert.matches('b0000002_rev.lua:6: op.batch_alter_table: unknown option string "recreat" (expected one of:'
      .. ' copy_from, naming_convention, partial_reordering, recreate, schema, table_args)', r.stderr, 1, true)
    dir = project({ BASE, { "b0000002", up = [[
  op.batch_alter_table("items", function(batch) batch.drop_column("nope") end, { recreate = "always" })]] } })
    r = run(dir, { "upgrade", "head" })
    assert.matches('op.batch_alter_table("items"): drop_column: table "items" has no column "nope" (its columns: id,'
      .. ' parent_id, title, qty, note, price)', r.stderr, 1, true)
  end)

  it("writes the rebuild for --sql from copy_from, and says it needs it", function()
    local dir = project({ { "e0000001", up = [[
  op.batch_alter_table("users", function(batch)
    batch.alter_column("email", { nullable = false })
  end)]] } })
    local r = run(dir, { "upgrade", "--sql" })
    assert.equal(1, r.status)
    assert.matches("offline mode (--sql) cannot read the table to rebuild it: pass its definition as the"
      .. " copy_from option", r.stderr, 1, true)
    dir = project({ { "e0000001", up = [[
  local users = { table = "users", columns = {
    Column("id", Integer, { primary_key = true }), Column("email", String(200), { index = true }) } }
  op.batch_alter_table("users", function(batch)
    batch.alter_column("email", { nullable = false })
  end, { copy_from = users })]] } })
    r = ok_run(dir, { "upgrade", "--sql" })
    assert.matches([[
PRAGMA legacy_alter_table = ON;
CREATE TABLE "_luamig_tmp_users" (
  "id" INTEGER NOT NULL PRIMARY KEY,
  "email" VARCHAR(200) NOT NULL
);
INSERT INTO "_luamig_tmp_users" ("id", "email") SELECT "id", "email" FROM "users";
DROP TABLE "users";
ALTER TABLE "_luamig_tmp_users" RENAME TO "users";
PRAGMA legacy_alter_table = OFF;
CREATE INDEX "ix_users_email" ON "users" ("email");]], r.stdout, 1, true)
  end)

  it("casts a column's values when its type changes kind, as Alembic does, online and in --sql", function()
    local dir = project({ { "e0000001", up = [==[
  op.execute([[CREATE TABLE t (id INTEGER PRIMARY KEY, a VARCHAR(10), b VARCHAR(20), c INTEGER, d VARCHAR(5),
    e NUMERIC(10, 2))]])
  op.execute("INSERT INTO t VALUES (1, '8.5', '2024-05-01', 7, 'x', 2.75), (2, 'abc', '12', NULL, '9', '3')")]==] },
      { "e0000002", up = [[
  op.batch_alter_table("t", function(batch)
    batch.alter_column("a", { type_ = Integer })   -- TEXT -> INTEGER: CAST
    batch.alter_column("b", { type_ = DateTime })  -- into NUMERIC affinity: no CAST
    batch.alter_column("c", { type_ = String(10) }) -- INTEGER -> TEXT: CAST
    batch.alter_column("d", { type_ = Text })      -- TEXT -> TEXT: no CAST
    batch.alter_column("e", { type_ = Float })     -- NUMERIC -> REAL: CAST
  end)]] } })
    ok_run(dir, { "upgrade", "head" })
    with_db(url, function(conn)
      assert.same({
        { a = 8, ta = "integer", b = "2024-05-01", tb = "text", c = "7", tc = "text", d = "x", e = 2.75, te = "real" },
        { a = 0, ta = "integer", b = 12, tb = "integer", c = null, tc = "null", d = "9", e = 3.0, te = "real" },
      }, query(conn, "SELECT a, typeof(a) AS ta, b, typeof(b) AS tb, c, typeof(c) AS tc, d, e, typeof(e) AS te"
        .. " FROM t ORDER BY id"))
    end)
    dir = project({ { "e0000002", up = [[
  local t = { table = "t", columns = { Column("id", Integer, { primary_key = true }), Column("a", String(10)),
    Column("b", String(20)), Column("c", Integer), Column("d", String(5)), Column("e", Numeric(10, 2)) } }
  op.batch_alter_table("t", function(batch)
    batch.alter_column("a", { type_ = Integer })
    batch.alter_column("b", { type_ = DateTime })
    batch.alter_column("c", { type_ = String(10) })
    batch.alter_column("d", { type_ = Text })
    batch.alter_column("e", { type_ = Float })
  end, { copy_from = t })]] } })
    local r = ok_run(dir, { "upgrade", "head", "--sql" })
    assert.matches('SELECT "id", CAST("a" AS INTEGER), "b", CAST("c" AS VARCHAR(10)), "d", CAST("e" AS FLOAT)'
      .. ' FROM "t"', r.stdout, 1, true)
  end)

  it("keeps a foreign key's MATCH and DEFERRABLE through a rebuild, and adds keys with them", function()
    local dir = project({ { "e0000001", up = [==[
  op.execute([[CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE)]])
  op.execute([[CREATE TABLE c (id INTEGER PRIMARY KEY,
    p_id INTEGER REFERENCES p (id) MATCH FULL DEFERRABLE INITIALLY DEFERRED,
    p_code TEXT REFERENCES p (code) ON DELETE CASCADE NOT DEFERRABLE, n TEXT, m INTEGER)]])]==] },
      { "e0000002", up = [[
  op.batch_alter_table("c", function(batch)
    batch.alter_column("n", { type_ = String(20) })
    batch.create_foreign_key("fk_c_m", "p", { "m" }, { "id" }, { deferrable = true, initially = "immediate",
      onupdate = "cascade" })
  end)]] } })
    ok_run(dir, { "upgrade", "head" })
    with_db(url, function(conn)
      local text = conn:first("SELECT sql FROM sqlite_master WHERE name = 'c'").sql
      assert.matches('FOREIGN KEY ("p_id") REFERENCES "p" ("id") MATCH FULL DEFERRABLE INITIALLY DEFERRED', text, 1,
        true)
      assert.matches('FOREIGN KEY ("p_code") REFERENCES "p" ("code") ON DELETE CASCADE NOT DEFERRABLE', text, 1, true)
      assert.matches('CONSTRAINT fk_c_m FOREIGN KEY ("m") REFERENCES "p" ("id") ON UPDATE CASCADE DEFERRABLE'
        .. " INITIALLY IMMEDIATE", text, 1, true)
      assert.same({ { n = 3 } }, query(conn, "SELECT count(*) AS n FROM pragma_foreign_key_list('c')"))
    end)
  end)

  it("runs plain op.alter_column etc. in batch mode when sqlite_batch_mode is on", function()
    local up = [[
  op.alter_column("items", "qty", { nullable = false, server_default = 7 })
  op.create_unique_constraint("uq_items_note", "items", { "note" })]]
    local dir = base_and(up)
    local r = run(dir, { "upgrade", "head" })
    assert.equal(1, r.status)
    assert.matches("batch_alter_table", r.stderr, 1, true)
    dir = base_and(up, nil, { ["luamig.lua"] = "return { sqlite_batch_mode = true }\n" })
    ok_run(dir, { "upgrade", "head" })
    with_db(url, function(conn)
      local s = structure(conn, "items")
      assert.matches("column qty INTEGER 1 7 0", s, 1, true)
      assert.matches("uniques name uq_items_note", s, 1, true)
      assert_references_work(conn)
    end)
  end)
end)

-- With PRAGMA foreign_keys on (not luamig's default) the rebuild cannot
-- drop a table that rows of another table reference; these run
-- luamig.ops.batch in this process on a context whose connection has it on.
describe("batch mode on SQLite with foreign keys on #sqlite", function()
  local context = require("luamig.context")
  local batch = require("luamig.ops.batch")
  local ctx, conn
  before_each(function()
    local url = backends.sqlite:new_database()
    ctx = assert(context.open({ url = url, version_table = "luamig_version", history_table = "luamig_history" }, {}))
    conn = ctx.conn
    assert(conn:execute("PRAGMA foreign_keys = ON"))
    assert(conn:execute([[
CREATE TABLE node (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES node (id) ON DELETE CASCADE, name TEXT);
INSERT INTO node VALUES (3, NULL, 'root'), (1, 3, 'a'), (2, 1, 'b');
CREATE TABLE other (id INTEGER PRIMARY KEY, node_id INTEGER REFERENCES node (id) ON DELETE CASCADE);
CREATE TABLE loose (id INTEGER PRIMARY KEY, ref INTEGER);
INSERT INTO loose VALUES (1, 99);
]]))
  end)
  after_each(function()
    ctx:close()
    backends.cleanup()
  end)

  local function alter(tname, records)
    assert(conn:begin())
    local ok, err = batch.apply(ctx, tname, records, {})
    assert(conn:commit())
    return ok, err
  end

  it("rebuilds a table that references itself, keeping the reference to its own name", function()
    assert.is_true(alter("node", { { kind = "alter_column", table = "node", column = "name", nullable = false } }))
    assert.same({ { id = 1, parent = 3 }, { id = 2, parent = 1 }, { id = 3, parent = null } },
      conn:query("SELECT id, parent FROM node ORDER BY id"))
    assert.same({ { table = "node" } }, conn:query("SELECT \"table\" FROM pragma_foreign_key_list('node')"))
    assert.same({}, conn:query("PRAGMA foreign_key_check"))
    assert.equal(0, conn:first("PRAGMA defer_foreign_keys").defer_foreign_keys)
    assert.is_nil(conn:execute("INSERT INTO node VALUES (9, 42, 'x')"))
  end)

  it("refuses to rebuild a table that rows of another table reference", function()
    assert(conn:execute("INSERT INTO other VALUES (1, 2)"))
    local before = conn:first("SELECT sql FROM sqlite_master WHERE name = 'node'").sql
    local ok, err = alter("node", { { kind = "alter_column", table = "node", column = "name", nullable = false } })
    assert.is_nil(ok)
    assert.matches('PRAGMA foreign_keys is on and rows of "other" reference "node"', err, 1, true)
    assert.equal(before, conn:first("SELECT sql FROM sqlite_master WHERE name = 'node'").sql)
    assert.same({ { n = 3 } }, conn:query("SELECT count(*) AS n FROM node"))
    assert.same({ { n = 1 } }, conn:query("SELECT count(*) AS n FROM other"))
  end)

  it("checks a new foreign key against the rows, and the transaction stays usable", function()
    local before = conn:first("SELECT sql FROM sqlite_master WHERE name = 'loose'").sql
    local ok, err = alter("loose", { { kind = "create_foreign_key", table = "loose", name = "fk_loose_node",
      referent_table = "node", local_cols = { "ref" }, remote_cols = { "id" } } })
    assert.is_nil(ok)
    assert.matches('1 row of "loose" would break its foreign keys: rowid 1 references a missing row of "node"', err,
      1, true)
    assert.equal(before, conn:first("SELECT sql FROM sqlite_master WHERE name = 'loose'").sql)
    assert(conn:execute("UPDATE loose SET ref = 1"))
    assert.is_true(alter("loose", { { kind = "create_foreign_key", table = "loose", name = "fk_loose_node",
      referent_table = "node", local_cols = { "ref" }, remote_cols = { "id" } } }))
    assert.is_nil(conn:execute("INSERT INTO loose VALUES (2, 77)"))
  end)
end)

-- The same batch revision on every backend: SQLite rebuilds, the servers
-- run ALTER statements; downgrading gives back the same schema.
local BATCH_UP = [[
  op.batch_alter_table("items", function(batch)
    batch.alter_column("title", { type_ = String(100), nullable = false,
      existing_type = String(50), existing_nullable = true })
    batch.add_column(Column("note", String(20)))
    batch.drop_column("qty")
    batch.drop_index("ix_items_title")
    batch.create_index("ix_items_note", { "note" })
    batch.create_unique_constraint("uq_items_title", { "title" })
    batch.create_check_constraint("ck_items_title", "title <> ''")
    batch.create_foreign_key("fk_items_parent", "parent", { "parent_id" }, { "id" })
  end)]]
local BATCH_DOWN = [[
  op.batch_alter_table("items", function(batch)
    batch.drop_constraint("fk_items_parent", { type_ = "foreignkey" })
    batch.drop_constraint("ck_items_title", { type_ = "check" })
    batch.drop_constraint("uq_items_title", { type_ = "unique" })
    batch.drop_index("ix_items_note")
    batch.create_index("ix_items_title", { "title" })
    batch.add_column(Column("qty", Integer))
    batch.drop_column("note")
    batch.alter_column("title", { type_ = String(50), nullable = true,
      existing_type = String(100), existing_nullable = false })
  end)]]
local BATCH_BASE = [[
  op.create_table("parent", Column("id", Integer, { primary_key = true }), Column("code", String(10)))
  op.create_table("items", Column("id", Integer, { primary_key = true }), Column("parent_id", Integer),
    Column("title", String(50)), Column("qty", Integer))
  op.create_index("ix_items_title", "items", { "title" })
  op.create_index("ix_items_parent_id", "items", { "parent_id" })
  op.execute("INSERT INTO parent (id, code) VALUES (1, 'a')")
  op.execute("INSERT INTO items (id, parent_id, title, qty) VALUES (1, 1, 'x', 5), (2, 1, 'y', 6)")]]

backends.each("the same batch revision", function(b)
  backends.cleanup_after_each()

  it("alters columns, indexes and constraints, and downgrades to the same schema", function()
    local url = b:new_database()
    local dir = project({ { "f0000001", up = BATCH_BASE, down = '  op.drop_table("items")\n  op.drop_table("parent")' },
      { "f0000002", up = BATCH_UP, down = BATCH_DOWN } })
    local function ok_run(args) h.run_ok(dir, h.with_url(url, args)) end
    ok_run({ "upgrade", "f0000001" })
    local schema = b:schema(url)
    ok_run({ "upgrade", "head" })
    local cols = b:columns(url, "items")
    assert.is_nil(cols.qty)
    assert.is_truthy(cols.note)
    assert.matches("NOT NULL", cols.title)
    assert.matches("100", cols.title)
    local indexes = b:indexes(url, "items")
    assert.is_truthy(table.concat(indexes, " "):find("ix_items_note", 1, true))
    assert.is_nil(table.concat(indexes, " "):find("ix_items_title", 1, true))
    b:with(url, function(conn)
      assert.same({ { id = 1, title = "x" }, { id = 2, title = "y" } },
        conn:query("SELECT id, title FROM items ORDER BY id"))
      if b.tag == "sqlite" then assert(conn:execute("PRAGMA foreign_keys = ON")) end
      assert.is_nil(conn:execute("INSERT INTO items (id, parent_id, title) VALUES (3, 1, 'x')"))
      assert.is_nil(conn:execute("INSERT INTO items (id, parent_id, title) VALUES (4, 1, '')"))
      assert.is_nil(conn:execute("INSERT INTO items (id, parent_id, title) VALUES (5, 99, 'z')"))
      assert(conn:execute("INSERT INTO items (id, parent_id, title) VALUES (6, 1, 'w')"))
      assert(conn:execute("DELETE FROM items WHERE id = 6"))
    end)
    ok_run({ "downgrade", "f0000001" })
    assert.equal(schema, b:schema(url))
    b:with(url, function(conn)
      assert.same({ { id = 1, title = "x" }, { id = 2, title = "y" } },
        conn:query("SELECT id, title FROM items ORDER BY id"))
    end)
  end)

  -- Batch mode's methods take the plain ops' options and build their
  -- records (luamig.ops.records): postgresql_using reaches PostgreSQL's
  -- ALTER ... TYPE ... USING (ignored elsewhere), and add_column's inline
  -- UNIQUE is named by the project's naming_convention.
  it("changes a type with postgresql_using and names add_column's constraints as the plain ops do", function()
    local url = b:new_database()
    local dir = project({ { "f0000001", up = [[
  op.create_table("t", Column("id", Integer, { primary_key = true }), Column("c", String(10)))
  op.execute("INSERT INTO t (id, c) VALUES (1, '12')")]] }, { "f0000002", up = [[
  op.batch_alter_table("t", function(batch)
    batch.alter_column("c", { type_ = Integer, postgresql_using = "c::integer", existing_type = String(10),
      existing_nullable = true })
    batch.add_column(Column("code", String(5), { unique = true }))
  end)]] } }, { ["luamig.lua"] = 'return { naming_convention = { uq = "uq_%(table_name)s_%(column_0_name)s" } }\n' })
    h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
    b:with(url, function(conn) assert.equal(13, conn:first("SELECT c + 1 AS n FROM t").n) end)
    -- SQLite's rebuild writes a column's UNIQUE unnamed, as SQLite would.
    if b.tag ~= "sqlite" then
      assert.is_truthy(table.concat(b:indexes(url, "t"), " "):find("uq_t_code", 1, true))
    end
  end)
end)
