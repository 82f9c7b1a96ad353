-- Autogenerate's SQLite reflection (luamig.autogen.reflect.sqlite): schemas
-- written by hand through the driver, and one written by luamig itself,
-- read back into the exact snapshot they must give, in a constant number
-- of queries.
local h = require("helpers.luamig")
local reflection = require("helpers.reflection")
local driver = require("luamig.driver")
local types = require("luamig.schema.types")
local reflect = require("luamig.autogen.reflect.sqlite")

local dialect = require("luamig.ddl").dialect("sqlite")

local conn, path

local function exec(sql)
  assert(conn:execute(sql))
end

local function snap(opts)
  return assert(reflect.reflect(conn, opts))
end

local function table_of(name, opts)
  local t = snap(opts).tables[name]
  assert(t, "no table " .. name .. " in the snapshot")
  return t
end

local columns = reflection.columns_by_name

-- What a column says, as one line: type, type_text, nullable, default, autoincrement.
local function describe_column(c)
  return string.format("%s [%s] %s default=%s%s", tostring(c.type), tostring(c.type_text),
    c.nullable and "NULL" or "NOT NULL", tostring(c.default), c.autoincrement and " autoincrement" or "")
end

local function sorted_names(s)
  local names = {}
  for name in pairs(s.tables) do names[#names + 1] = name end
  table.sort(names)
  return names
end

-- A proxy of `c` that counts the statements run through it.
local function counting(c)
  return reflection.counting(c, { "query", "first", "execute", "rows" })
end

describe("SQLite schema reflection #sqlite", function()
  before_each(function()
    path = h.tmpdir() .. "/reflect.db"
    conn = h.sqlite(path)
  end)

  after_each(function()
    if conn then conn:close() end
    conn = nil
    h.cleanup()
  end)

  describe("column types", function()
    -- Declared text, and the luamig type it must give.
    local CASES = {
      { "INTEGER", "Integer" }, { "BIGINT", "BigInteger" }, { "SMALLINT", "SmallInteger" },
      { "BOOLEAN", "Boolean" }, { "VARCHAR(40)", "String(40)" }, { "VARCHAR", "String" },
      { "TEXT", "Text" }, { "FLOAT", "Float" }, { "FLOAT(24)", "Float(24)" },
      { "NUMERIC(10, 2)", "Numeric(10, 2)" }, { "NUMERIC(8)", "Numeric(8)" }, { "NUMERIC", "Numeric" },
      { "DATE", "Date" }, { "DATETIME", "DateTime" }, { "TIME", "Time" }, { "BLOB", "LargeBinary" },
      { "JSON", "JSON" }, { "CHAR(36)", "Uuid" },
    }

    it("maps every type luamig writes to its luamig type, which renders back to the declared text", function()
      local defs = {}
      for i, case in ipairs(CASES) do defs[i] = string.format("c%d %s", i, case[1]) end
      exec("CREATE TABLE t (" .. table.concat(defs, ", ") .. ")")
      local t = table_of("t")
      assert.equal(#CASES, #t.columns)
      for i, case in ipairs(CASES) do
        local c = t.columns[i]
        assert.equal("c" .. i, c.name)
        assert.equal(case[2], tostring(c.type))
        assert.equal(case[1], c.type_text)
        assert.equal(case[1], dialect:type_sql(c.type))
      end
      -- The type objects themselves, not only their names.
      assert.is_true(t.columns[5].type == types.String(40))
      assert.is_true(t.columns[10].type == types.Numeric(10, 2))
      assert.is_true(t.columns[1].type == types.Integer)
    end)

    it("reads case and spacing as SQLite does, and keeps the declared text", function()
      exec("CREATE TABLE t (a varchar(12), b numeric( 10 ,2 ), c integer, d DateTime)")
      local c = columns(table_of("t"))
      assert.equal("String(12)", tostring(c.a.type))
      assert.equal("varchar(12)", c.a.type_text)
      assert.equal("Numeric(10, 2)", tostring(c.b.type))
      assert.equal("numeric( 10 ,2 )", c.b.type_text)
      assert.equal("Integer", tostring(c.c.type))
      assert.equal("DateTime", tostring(c.d.type))
    end)

    it("makes every other declared type a Type of its text, which renders back to it", function()
      local texts = { "REAL", "DOUBLE PRECISION", "DECIMAL(10,2)", "TIMESTAMP", "TEXT(5)", "CHAR(10)", "CHAR",
        "INTEGER(4)", "VARCHAR(0)", "UNSIGNED BIG INT", "NVARCHAR(20)" }
      local defs = {}
      for i, text in ipairs(texts) do defs[i] = string.format("c%d %s", i, text) end
      exec("CREATE TABLE t (" .. table.concat(defs, ", ") .. ")")
      local t = table_of("t")
      for i, text in ipairs(texts) do
        local c = t.columns[i]
        assert.is_true(c.type == types.Type(text), "column c" .. i .. ": " .. tostring(c.type))
        assert.equal(text, c.type_text)
        assert.equal(text, dialect:type_sql(c.type))
      end
    end)

    it("gives a column declared without a type no type", function()
      exec("CREATE TABLE t (a, b INTEGER)")
      local t = table_of("t")
      assert.is_nil(t.columns[1].type)
      assert.equal("", t.columns[1].type_text)
      assert.equal("Integer", tostring(t.columns[2].type))
    end)
  end)

  describe("columns", function()
    it("reads nullability and defaults as SQL text, in column order", function()
      exec([[CREATE TABLE t (
        a TEXT NOT NULL DEFAULT 'it''s',
        b INTEGER DEFAULT 42,
        c FLOAT DEFAULT -1.5,
        d DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        e TEXT DEFAULT (datetime('now')),
        f BOOLEAN NOT NULL DEFAULT 0,
        g VARCHAR(5),
        h TEXT DEFAULT NULL
      )]])
      local t = table_of("t")
      local got = {}
      for i, c in ipairs(t.columns) do got[i] = c.name .. ": " .. describe_column(c) end
      assert.same({
        "a: Text [TEXT] NOT NULL default='it''s'",
        "b: Integer [INTEGER] NULL default=42",
        "c: Float [FLOAT] NULL default=-1.5",
        "d: DateTime [DATETIME] NOT NULL default=CURRENT_TIMESTAMP",
        -- SQLite keeps an expression default without its parentheses.
        "e: Text [TEXT] NULL default=datetime('now')",
        "f: Boolean [BOOLEAN] NOT NULL default=0",
        "g: String(5) [VARCHAR(5)] NULL default=nil",
        "h: Text [TEXT] NULL default=nil", -- DEFAULT NULL is no default
      }, got)
      assert.equal("NULL", conn:first("SELECT dflt_value FROM pragma_table_info('t') WHERE name = 'h'").dflt_value)
      for _, c in ipairs(t.columns) do assert.is_nil(c.comment) end
      assert.is_nil(t.comment)
    end)

    it("marks the rowid alias autoincrement and NOT NULL, with or without AUTOINCREMENT", function()
      exec("CREATE TABLE plain (id INTEGER PRIMARY KEY, x TEXT)")
      exec("CREATE TABLE keyword (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT)")
      exec("CREATE TABLE table_level (id INTEGER, x TEXT, PRIMARY KEY (id))")
      exec("CREATE TABLE big (id BIGINT PRIMARY KEY)")
      exec("CREATE TABLE descending (id INTEGER PRIMARY KEY DESC)")
      exec("CREATE TABLE no_rowid (id INTEGER PRIMARY KEY, x TEXT) WITHOUT ROWID")
      exec("CREATE TABLE pair (a INTEGER, b INTEGER, PRIMARY KEY (a, b))")
      exec("CREATE TABLE text_key (code TEXT PRIMARY KEY)")
      exec("INSERT INTO keyword (x) VALUES ('one')")
      local s = snap()
      local got = {}
      for _, name in ipairs(sorted_names(s)) do
        got[name] = describe_column(s.tables[name].columns[1])
      end
      assert.same({
        plain = "Integer [INTEGER] NOT NULL default=nil autoincrement",
        keyword = "Integer [INTEGER] NOT NULL default=nil autoincrement",
        table_level = "Integer [INTEGER] NOT NULL default=nil autoincrement",
        big = "BigInteger [BIGINT] NULL default=nil",
        descending = "Integer [INTEGER] NULL default=nil",
        no_rowid = "Integer [INTEGER] NOT NULL default=nil",
        pair = "Integer [INTEGER] NULL default=nil",
        text_key = "Text [TEXT] NULL default=nil",
      }, got)
      assert.is_false(s.tables.plain.columns[2].autoincrement)
      -- AUTOINCREMENT made sqlite_sequence, which is SQLite's, not the schema's.
      assert.truthy(conn:first("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'"))
      assert.is_nil(s.tables.sqlite_sequence)
    end)
  end)

  describe("constraints", function()
    it("reads primary keys in key order, with the name the text gives", function()
      exec("CREATE TABLE pair (a INTEGER, b TEXT, c TEXT, CONSTRAINT pk_pair PRIMARY KEY (c, a))")
      exec("CREATE TABLE one (id INTEGER CONSTRAINT pk_one PRIMARY KEY, x TEXT)")
      exec("CREATE TABLE unnamed (x TEXT, y TEXT, PRIMARY KEY (y, x))")
      exec("CREATE TABLE nokey (x TEXT)")
      local s = snap()
      assert.same({ name = "pk_pair", columns = { "c", "a" } }, s.tables.pair.primary_key)
      assert.same({ name = "pk_one", columns = { "id" } }, s.tables.one.primary_key)
      assert.same({ columns = { "y", "x" } }, s.tables.unnamed.primary_key)
      assert.is_nil(s.tables.nokey.primary_key)
      -- The index backing a key that is not the rowid is the key, not an index.
      assert.same({}, s.tables.pair.indexes)
      assert.same({}, s.tables.unnamed.uniques)
    end)

    it("reads unique constraints, named and unnamed, and not as indexes", function()
      exec([[CREATE TABLE t (
        id INTEGER PRIMARY KEY,
        email TEXT UNIQUE,
        code TEXT CONSTRAINT uq_t_code UNIQUE,
        a INTEGER, b INTEGER, c INTEGER,
        CONSTRAINT uq_t_b_a UNIQUE (b, a),
        UNIQUE (c, a)
      )]])
      local t = table_of("t")
      assert.same({
        { name = "uq_t_b_a", columns = { "b", "a" } },
        { name = "uq_t_code", columns = { "code" } },
        { columns = { "c", "a" } },
        { columns = { "email" } },
      }, t.uniques)
      assert.same({}, t.indexes)
    end)

    it("reads foreign keys with their actions, columns in order and names", function()
      exec("CREATE TABLE users (id INTEGER PRIMARY KEY, org INTEGER, num INTEGER, UNIQUE (org, num))")
      exec("CREATE TABLE pairs (x TEXT, y TEXT, PRIMARY KEY (y, x))")
      exec([[CREATE TABLE posts (
        id INTEGER PRIMARY KEY,
        author_id INTEGER REFERENCES users (id) ON DELETE CASCADE ON UPDATE SET NULL,
        editor_id INTEGER CONSTRAINT fk_posts_editor REFERENCES USERS (ID) ON DELETE NO ACTION,
        org INTEGER, num INTEGER, px TEXT, py TEXT, owner INTEGER,
        CONSTRAINT fk_posts_member FOREIGN KEY (num, org) REFERENCES users (num, org)
          ON DELETE RESTRICT ON UPDATE SET DEFAULT,
        FOREIGN KEY (py, px) REFERENCES pairs,
        FOREIGN KEY (owner) REFERENCES users
      )]])
      local t = table_of("posts")
      assert.same({
        { name = "fk_posts_editor", columns = { "editor_id" }, ref_table = "users", ref_columns = { "id" } },
        { name = "fk_posts_member", columns = { "num", "org" }, ref_table = "users", ref_columns = { "num", "org" },
          ondelete = "RESTRICT", onupdate = "SET DEFAULT" },
        { columns = { "author_id" }, ref_table = "users", ref_columns = { "id" }, ondelete = "CASCADE",
          onupdate = "SET NULL" },
        { columns = { "owner" }, ref_table = "users", ref_columns = { "id" } },
        { columns = { "py", "px" }, ref_table = "pairs", ref_columns = { "y", "x" } },
      }, t.foreign_keys)
      assert.same({}, table_of("users").foreign_keys)
    end)

    it("names each of two foreign keys on the same columns and table after its own clause", function()
      -- The pragma numbers foreign keys from the last declared; the names
      -- come from the text in declaration order.
      exec("CREATE TABLE codes (x INTEGER UNIQUE, y INTEGER UNIQUE)")
      exec([[CREATE TABLE uses (a INTEGER,
        CONSTRAINT fk_by_x FOREIGN KEY (a) REFERENCES codes (x),
        CONSTRAINT fk_by_y FOREIGN KEY (a) REFERENCES codes (y) ON DELETE CASCADE)]])
      assert.same({
        { name = "fk_by_x", columns = { "a" }, ref_table = "codes", ref_columns = { "x" } },
        { name = "fk_by_y", columns = { "a" }, ref_table = "codes", ref_columns = { "y" }, ondelete = "CASCADE" },
      }, table_of("uses").foreign_keys)
    end)

    it("reads CHECK constraints of the table and of its columns, with their names", function()
      exec([[CREATE TABLE t (
        price NUMERIC(10, 2) CONSTRAINT ck_t_price CHECK (price > 0),
        qty INTEGER CHECK (qty >= 0),
        flag BOOLEAN CHECK (flag IN (0, 1)),
        size VARCHAR(10) CHECK (size IN ('S', 'M')),
        kind VARCHAR(2),
        CONSTRAINT ck_t_kind CHECK (kind IN ('ab', 'cd')),
        CHECK (qty < 1000 AND (price * qty) < 1e6)
      )]])
      local t = table_of("t")
      assert.same({
        { name = "ck_t_price", sqltext = "price > 0" },
        { sqltext = "qty < 1000 AND (price * qty) < 1e6" },
        { sqltext = "qty >= 0" },
        { sqltext = "size IN ('S', 'M')" },
      }, t.checks)
      -- A BOOLEAN with CHECK (col IN (0, 1)) is the Boolean{create_constraint
      -- = true} that writes it; a VARCHAR as long as its values is an Enum,
      -- checked by the column or by the table (batch mode writes a named
      -- column CHECK as the table's); a VARCHAR longer than its values is not.
      local c = columns(t)
      assert.equal("Boolean{ create_constraint = true }", tostring(c.flag.type))
      assert.equal("String(10)", tostring(c.size.type))
      assert.equal('Enum("ab", "cd", {name = "ck_t_kind"})', tostring(c.kind.type))
    end)

    it("reads a VARCHAR checked on its column against its values as the Enum luamig writes", function()
      exec([[CREATE TABLE t (
        mood VARCHAR(5) CHECK ("mood" IN ('happy', 'sad', 'it''s')),
        size VARCHAR(1) NOT NULL CONSTRAINT size_enum CHECK (size IN ('S', 'M', 'L')),
        other VARCHAR(3) CHECK (other > 'a')
      )]])
      local t = table_of("t")
      local c = columns(t)
      assert.is_true(c.mood.type == types.Enum("happy", "sad", "it's"))
      assert.is_true(c.size.type == types.Enum("S", "M", "L", { name = "size_enum" }))
      assert.equal("VARCHAR(1)", dialect:type_sql(c.size.type))
      assert.is_false(c.size.nullable)
      assert.equal("String(3)", tostring(c.other.type))
      assert.same({ { sqltext = "other > 'a'" } }, t.checks)
    end)
  end)

  describe("indexes", function()
    it("reads plain, unique, multi-column, expression and partial indexes", function()
      exec([[CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT UNIQUE, a INTEGER, b INTEGER, name TEXT)]])
      exec("CREATE INDEX ix_t_a ON t (a)")
      exec("CREATE UNIQUE INDEX ux_t_b_a ON t (b, a)")
      exec("CREATE INDEX ix_t_lower_name ON t (lower(name))")
      exec("CREATE INDEX ix_t_mixed ON t (a, lower(name) DESC, \"b\")")
      exec("CREATE UNIQUE INDEX ux_t_name_live ON t (name) WHERE a > 0 AND (b IS NOT NULL)")
      exec("CREATE INDEX ix_t_expr_partial ON t (abs(a - b)) WHERE name LIKE 'x%'")
      local t = table_of("t")
      assert.same({
        { name = "ix_t_a", columns = { "a" }, unique = false },
        { name = "ix_t_expr_partial", columns = {}, expressions = { "abs(a - b)" }, unique = false,
          where = "name LIKE 'x%'" },
        { name = "ix_t_lower_name", columns = {}, expressions = { "lower(name)" }, unique = false },
        { name = "ix_t_mixed", columns = { "a", "b" }, expressions = { "a", "lower(name) DESC", "b" },
          unique = false },
        { name = "ux_t_b_a", columns = { "b", "a" }, unique = true },
        { name = "ux_t_name_live", columns = { "name" }, unique = true, where = "a > 0 AND (b IS NOT NULL)" },
      }, t.indexes)
      assert.same({ { columns = { "email" } } }, t.uniques)
    end)
  end)

  describe("a table luamig created", function()
    it("reflects back to the types, keys and constraints of its revision", function()
      local dir = h.project({
        ["migrations/versions/a0000001_rev.lua"] = h.revision_text("a0000001", { up = [[
  op.create_table("things",
    Column("id", BigInteger, { primary_key = true }),
    Column("mood", Enum("happy", "sad")),
    Column("size", Enum("S", "M", "XL", { name = "size_kind" }), { nullable = false }),
    Column("active", Boolean, { nullable = false, server_default = true }),
    Column("title", String(40), { unique = true }),
    Column("body", Text),
    Column("ratio", Float),
    Column("price", Numeric(10, 2), { server_default = "0" }),
    Column("born", Date),
    Column("seen", DateTime, { server_default = sql "CURRENT_TIMESTAMP" }),
    Column("at", Time),
    Column("data", LargeBinary),
    Column("doc", JSON),
    Column("ref", Uuid),
    Column("small", SmallInteger, { index = true }),
    CheckConstraint("ratio >= 0", { name = "ck_things_ratio" }))
  op.create_table("tags",
    Column("thing_id", Integer, { primary_key = true, references = { table = "things", column = "id", ondelete = "CASCADE" } }),
    Column("tag", String(20), { primary_key = true }))
]] }),
      })
      local url = "sqlite:///" .. path
      conn:close()
      conn = nil
      h.run_ok(dir, h.with_url(url, { "upgrade", "head" }))
      conn = h.sqlite(path)
      local s = snap({ exclude = { luamig_version = true, luamig_history = true } })
      assert.same({ "tags", "things" }, sorted_names(s))
      local things = s.tables.things
      local want = {
        { "id", types.BigInteger }, -- written INTEGER: the rowid
        { "mood", types.Enum("happy", "sad") },
        { "size", types.Enum("S", "M", "XL", { name = "size_kind" }) },
        { "active", types.Boolean }, { "title", types.String(40) }, { "body", types.Text },
        { "ratio", types.Float }, { "price", types.Numeric(10, 2) }, { "born", types.Date },
        { "seen", types.DateTime }, { "at", types.Time }, { "data", types.LargeBinary }, { "doc", types.JSON },
        { "ref", types.Uuid }, { "small", types.SmallInteger },
      }
      assert.equal(#want, #things.columns)
      for i, w in ipairs(want) do
        local c = things.columns[i]
        assert.equal(w[1], c.name)
        if i == 1 then
          assert.equal("Integer", tostring(c.type))
          assert.is_true(c.autoincrement)
        else
          assert.is_true(c.type == w[2], c.name .. ": " .. tostring(c.type) .. " ~= " .. tostring(w[2]))
          assert.is_false(c.autoincrement)
        end
      end
      local c = columns(things)
      assert.is_false(c.size.nullable)
      assert.is_true(c.mood.nullable)
      assert.equal("1", c.active.default)
      assert.equal("'0'", c.price.default)
      assert.equal("CURRENT_TIMESTAMP", c.seen.default)
      -- The Enums' CHECKs are their types, not constraints.
      assert.same({ { name = "ck_things_ratio", sqltext = "ratio >= 0" } }, things.checks)
      assert.same({ { columns = { "title" } } }, things.uniques)
      assert.same({ { name = "ix_things_small", columns = { "small" }, unique = false } }, things.indexes)
      assert.same({ columns = { "id" } }, things.primary_key)

      local tags = s.tables.tags
      assert.same({ columns = { "thing_id", "tag" } }, tags.primary_key)
      assert.is_false(columns(tags).thing_id.autoincrement)
      assert.same({ { columns = { "thing_id" }, ref_table = "things", ref_columns = { "id" }, ondelete = "CASCADE" } },
        tags.foreign_keys)

      -- Without the exclusions, luamig's own tables are there.
      local all = sorted_names(snap())
      assert.same({ "luamig_history", "luamig_version", "tags", "things" }, all)
    end)
  end)

  describe("what is left out", function()
    it("leaves out excluded tables, SQLite's tables, views and virtual tables with their shadow tables", function()
      exec("CREATE TABLE keep (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT)")
      exec("CREATE TABLE version_tbl (v TEXT)")
      exec("CREATE TABLE docs_content_notes (n TEXT)")
      exec("CREATE VIEW v AS SELECT x FROM keep")
      exec("ANALYZE")
      local has_fts = conn:execute("CREATE VIRTUAL TABLE docs USING fts5(body)") ~= nil
      local s = snap({ exclude = { version_tbl = true } })
      assert.same({ "docs_content_notes", "keep" }, sorted_names(s))
      assert.truthy(conn:first("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'"))
      if has_fts then
        assert.truthy(conn:first("SELECT name FROM sqlite_master WHERE name = 'docs_content'"))
      end
      assert.same({ "docs_content_notes", "keep", "version_tbl" }, sorted_names(snap()))
      assert.same({ "docs_content_notes", "keep", "version_tbl" }, sorted_names(snap({})))
    end)

    it("returns nil and the message when a query fails", function()
      local failing = { query = function() return nil, "disk I/O error" end }
      local s, msg = reflect.reflect(failing, {})
      assert.is_nil(s)
      assert.matches("disk I/O error", msg, 1, true)
    end)
  end)

  describe("the number of queries", function()
    -- `n` tables, each with a key, a unique, an index, a CHECK and a
    -- foreign key to the one before.
    local function schema(n)
      for i = 1, n do
        exec(string.format([[CREATE TABLE t%d (
          id INTEGER PRIMARY KEY, code TEXT UNIQUE, prev_id INTEGER REFERENCES %s (id),
          qty INTEGER CHECK (qty > 0))]], i, i == 1 and "t1" or "t" .. (i - 1)))
        exec(string.format("CREATE INDEX ix_t%d_qty ON t%d (qty)", i, i))
      end
    end

    it("is the same for 2 tables as for 30", function()
      schema(2)
      local small, small_calls = counting(conn)
      local s2 = assert(reflect.reflect(small, {}))
      assert.equal(2, #sorted_names(s2))

      conn:close()
      path = h.tmpdir() .. "/big.db"
      conn = h.sqlite(path)
      schema(30)
      local big, big_calls = counting(conn)
      local s30 = assert(reflect.reflect(big, {}))
      assert.equal(30, #sorted_names(s30))
      assert.same({ { columns = { "prev_id" }, ref_table = "t29", ref_columns = { "id" } } },
        s30.tables.t30.foreign_keys)
      assert.same({ { name = "ix_t30_qty", columns = { "qty" }, unique = false } }, s30.tables.t30.indexes)

      assert.equal(small_calls.n, big_calls.n)
      assert.equal(4, big_calls.n)
    end)
  end)
end)
