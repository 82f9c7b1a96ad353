-- Schema reflection for MySQL / MariaDB (luamig.autogen.reflect.mysql)
-- against the real server: each test builds a schema with raw SQL in a
-- fresh database, reflects it and checks the snapshot field by field.
-- Types are also checked the other way: what luamig's mysql dialect writes
-- for a reflected type must come back from the server as the same
-- COLUMN_TYPE.
local backends = require("helpers.backends")
local reflection = require("helpers.reflection")
local types = require("luamig.schema.types")
local ddl = require("luamig.ddl")
local reflect = require("luamig.autogen.reflect.mysql")
local snapshot = require("luamig.autogen.snapshot")

local b = backends.mysql
local dialect = assert(ddl.dialect("mysql"))
local Integer, BigInteger, SmallInteger, Boolean = types.Integer, types.BigInteger, types.SmallInteger, types.Boolean
local String, Text, Float, Numeric, Date, DateTime, Time = types.String, types.Text, types.Float, types.Numeric,
  types.Date, types.DateTime, types.Time
local LargeBinary, Enum, JSON, Uuid, Type = types.LargeBinary, types.Enum, types.JSON, types.Uuid, types.Type

describe("reflect MySQL/MariaDB schemas #mysql", function()
  if not b.available then
    return it("runs", function() pending(b.skip_message) end)
  end

  local url, conn
  before_each(function()
    url = b:new_database()
    conn = b:connect(url)
  end)
  after_each(function()
    if conn then conn:close() end
    conn = nil
    backends.cleanup()
  end)

  local function run(...)
    for _, statement in ipairs { ... } do
      local ok, err = conn:execute(statement)
      assert(ok, tostring(err) .. "\n" .. statement)
    end
  end

  local function snap(opts)
    local s, err = reflect.reflect(conn, opts or {})
    assert(s, err)
    return s
  end

  local columns_by_name = reflection.columns_by_name

  -- Every type of the mapping: column definition, the luamig type, the
  -- server's COLUMN_TYPE; `width` marks a display width luamig drops (so
  -- it does not come back the same).
  local TYPES = {
    { "c_int INT", Integer, "int(11)" },
    { "c_integer INTEGER", Integer, "int(11)" },
    { "c_int5 INT(5)", Integer, "int(5)", width = true },
    { "c_bigint BIGINT", BigInteger, "bigint(20)" },
    { "c_smallint SMALLINT", SmallInteger, "smallint(6)" },
    { "c_bool BOOL", Boolean, "tinyint(1)" },
    { "c_tinyint TINYINT", Type("TINYINT"), "tinyint(4)" },
    { "c_mediumint MEDIUMINT", Type("MEDIUMINT"), "mediumint(9)" },
    { "c_uint INT UNSIGNED", Type("INT UNSIGNED"), "int(10) unsigned" },
    { "c_ubigint BIGINT UNSIGNED", Type("BIGINT UNSIGNED"), "bigint(20) unsigned" },
    { "c_utinyint TINYINT UNSIGNED", Type("TINYINT UNSIGNED"), "tinyint(3) unsigned" },
    { "c_zerofill INT(5) ZEROFILL", Type("INT(5) UNSIGNED ZEROFILL"), "int(5) unsigned zerofill" },
    { "c_varchar VARCHAR(40)", String(40), "varchar(40)" },
    { "c_char CHAR(5)", Type("CHAR(5)"), "char(5)" },
    { "c_uuid CHAR(36)", Uuid, "char(36)" },
    { "c_text TEXT", Text, "text" },
    { "c_tinytext TINYTEXT", Type("TINYTEXT"), "tinytext" },
    { "c_mediumtext MEDIUMTEXT", Type("MEDIUMTEXT"), "mediumtext" },
    { "c_longtext LONGTEXT", Type("LONGTEXT"), "longtext" },
    { "c_float FLOAT", Float, "float" },
    { "c_double DOUBLE", Float(53), "double" },
    { "c_decimal DECIMAL(10,2)", Numeric(10, 2), "decimal(10,2)" },
    { "c_decimal0 DECIMAL(8)", Numeric(8), "decimal(8,0)" },
    { "c_date DATE", Date, "date" },
    { "c_datetime DATETIME", DateTime, "datetime" },
    { "c_datetime6 DATETIME(6)", DateTime { precision = 6 }, "datetime(6)" },
    { "c_timestamp TIMESTAMP NULL", Type("TIMESTAMP"), "timestamp" },
    { "c_time TIME", Time, "time" },
    { "c_tinyblob TINYBLOB", LargeBinary(255), "tinyblob" },
    { "c_blob BLOB", LargeBinary(65535), "blob" },
    { "c_mediumblob MEDIUMBLOB", LargeBinary(16777215), "mediumblob" },
    { "c_longblob LONGBLOB", LargeBinary, "longblob" },
    { "c_varbinary VARBINARY(16)", Type("VARBINARY(16)"), "varbinary(16)" },
    { "c_binary BINARY(4)", Type("BINARY(4)"), "binary(4)" },
    { "c_enum ENUM('a','b')", Enum({ "a", "b" }), "enum('a','b')" },
    { "c_set SET('x','Y')", Type("SET('x','Y')"), "set('x','Y')" },
    { "c_json JSON", JSON, "longtext" },
    { "c_bit BIT(1)", Type("BIT(1)"), "bit(1)" },
    { "c_year YEAR", Type("YEAR(4)"), "year(4)" },
  }

  it("maps every column type to a luamig type that type_sql writes back as the same COLUMN_TYPE", function()
    local defs = {}
    for i, entry in ipairs(TYPES) do defs[i] = entry[1] end
    run("CREATE TABLE t (" .. table.concat(defs, ", ") .. ")")
    local t = snap().tables.t
    assert.equal(#TYPES, #t.columns)
    local roundtrip = {}
    for i, entry in ipairs(TYPES) do
      local col = t.columns[i]
      local name = entry[1]:match("^%S+")
      assert.equal(name, col.name)
      assert.equal(entry[2], col.type, name .. ": " .. tostring(col.type))
      assert.equal(entry[3], col.type_text, name)
      if not entry.width then
        roundtrip[#roundtrip + 1] = dialect:quote(name) .. " " .. assert(dialect:type_sql(col.type, name))
      end
    end
    -- The dialect's SQL for each reflected type, back through the server.
    run("CREATE TABLE rt (" .. table.concat(roundtrip, ", ") .. ")")
    local rt = columns_by_name(snap().tables.rt)
    for _, entry in ipairs(TYPES) do
      local name = entry[1]:match("^%S+")
      if not entry.width then
        assert.equal(entry[3], rt[name].type_text, name)
        assert.equal(entry[2], rt[name].type, name)
      end
    end
    assert.is_nil(rt.c_int5)
    assert.equal(#TYPES - 1, #snap().tables.rt.columns)
  end)

  it("reads enum values with quotes, backslashes, commas and case as they are", function()
    local values = { "it's", [[back\slash]], "a,b", "(x)", "Upper", "sp ace" }
    local quoted = {}
    for i, v in ipairs(values) do quoted[i] = dialect:string_literal(v) end
    run("CREATE TABLE e (mood ENUM(" .. table.concat(quoted, ", ") .. ") NOT NULL DEFAULT 'Upper')")
    local col = snap().tables.e.columns[1]
    assert.same(values, col.type.values)
    assert.equal(Enum(values), col.type)
    assert.equal("'Upper'", col.default)
    assert.is_false(col.nullable)
    assert.equal(col.type_text, b:column_type(url, "e", "mood"))
    run("CREATE TABLE e2 (mood " .. assert(dialect:type_sql(col.type)) .. ")")
    assert.equal(col.type_text, b:column_type(url, "e2", "mood"))
  end)

  it("reads nullability, defaults, auto_increment and comments", function()
    run([[CREATE TABLE items (
      id INT AUTO_INCREMENT PRIMARY KEY,
      name VARCHAR(20) NOT NULL DEFAULT 'abc' COMMENT 'the name',
      quote VARCHAR(10) DEFAULT 'it''s',
      word_null VARCHAR(10) DEFAULT 'NULL',
      empty VARCHAR(10) NOT NULL DEFAULT '',
      qty INT NOT NULL DEFAULT 5,
      ratio FLOAT DEFAULT 1.5,
      price DECIMAL(5,2) DEFAULT 1.50,
      flag BOOL NOT NULL DEFAULT 1,
      created DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
      day DATE DEFAULT '2020-01-01',
      none_nullable INT,
      none_required INT NOT NULL,
      explicit_null INT DEFAULT NULL
    ) COMMENT 'things we sell']])
    local t = snap().tables.items
    assert.equal("items", t.name)
    assert.equal("things we sell", t.comment)
    local function col(name, ty, text, nullable, default, extra)
      return { name = name, type = ty, type_text = text, nullable = nullable, default = default,
        autoincrement = extra and extra.auto or false, comment = extra and extra.comment }
    end
    assert.same({
      col("id", Integer, "int(11)", false, nil, { auto = true }),
      col("name", String(20), "varchar(20)", false, "'abc'", { comment = "the name" }),
      col("quote", String(10), "varchar(10)", true, "'it''s'"),
      col("word_null", String(10), "varchar(10)", true, "'NULL'"),
      col("empty", String(10), "varchar(10)", false, "''"),
      col("qty", Integer, "int(11)", false, "5"),
      col("ratio", Float, "float", true, "1.5"),
      col("price", Numeric(5, 2), "decimal(5,2)", true, "1.50"),
      col("flag", Boolean, "tinyint(1)", false, "1"),
      col("created", DateTime, "datetime", false, "current_timestamp()"),
      col("day", Date, "date", true, "'2020-01-01'"),
      col("none_nullable", Integer, "int(11)", true, nil),
      col("none_required", Integer, "int(11)", false, nil),
      col("explicit_null", Integer, "int(11)", true, nil),
    }, t.columns)
    assert.same({ columns = { "id" } }, t.primary_key)
    -- Literal defaults read back as luamig's dialect writes them.
    local by = columns_by_name(t)
    assert.equal(dialect:literal("abc"), by.name.default)
    assert.equal(dialect:literal("it's"), by.quote.default)
    assert.equal(dialect:literal(5), by.qty.default)
    assert.equal(dialect:literal(true), by.flag.default)
  end)

  it("reads a table without comment, key or anything but columns", function()
    run("CREATE TABLE bare (a INT)")
    assert.same({ tables = { bare = {
      name = "bare", columns = { { name = "a", type = Integer, type_text = "int(11)", nullable = true,
        autoincrement = false } },
      uniques = {}, indexes = {}, foreign_keys = {}, checks = {},
      default_collation = "utf8mb4_general_ci",  -- the database's (spec/helpers/backends.lua makes it utf8mb4)
    } }, enums = {}, type_aliases = { NUMERIC = "NUMERIC(10)" } }, snap())
  end)

  it("reads composite primary keys, unique keys as unique indexes and multi-column indexes", function()
    run([[CREATE TABLE k (
      a INT NOT NULL, b VARCHAR(10) NOT NULL, c INT, d INT, e INT, f INT,
      PRIMARY KEY (b, a),
      UNIQUE KEY uq_c (c),
      CONSTRAINT uq_de UNIQUE (d, e),
      KEY ix_ed (e, d),
      INDEX ix_f (f)
    )]], "CREATE UNIQUE INDEX ux_fa ON k (f, a)", "CREATE INDEX ix_late ON k (c, f)")
    local t = snap().tables.k
    assert.same({ columns = { "b", "a" } }, t.primary_key)
    assert.same({}, t.uniques)
    assert.same({
      { name = "ix_ed", columns = { "e", "d" }, unique = false },
      { name = "ix_f", columns = { "f" }, unique = false },
      { name = "ix_late", columns = { "c", "f" }, unique = false },
      { name = "uq_c", columns = { "c" }, unique = true },
      { name = "uq_de", columns = { "d", "e" }, unique = true },
      { name = "ux_fa", columns = { "f", "a" }, unique = true },
    }, t.indexes)
  end)

  it("reads foreign keys with their actions and columns, without the index the server made for them", function()
    run([[CREATE TABLE parent (id INT PRIMARY KEY, x INT NOT NULL, y INT NOT NULL, UNIQUE KEY uq_xy (x, y))]],
      [[CREATE TABLE child (
        id INT PRIMARY KEY,
        p_plain INT, p_cascade INT, p_null INT, p_restrict INT, p_noaction INT, p_own INT, p_late INT,
        x INT, y INT,
        FOREIGN KEY (p_plain) REFERENCES parent (id),
        CONSTRAINT fk_cascade FOREIGN KEY (p_cascade) REFERENCES parent (id) ON DELETE CASCADE ON UPDATE CASCADE,
        CONSTRAINT fk_null FOREIGN KEY (p_null) REFERENCES parent (id) ON DELETE SET NULL,
        CONSTRAINT fk_restrict FOREIGN KEY (p_restrict) REFERENCES parent (id) ON DELETE RESTRICT ON UPDATE RESTRICT,
        CONSTRAINT fk_noaction FOREIGN KEY (p_noaction) REFERENCES parent (id) ON DELETE NO ACTION,
        KEY ix_own (p_own),
        CONSTRAINT fk_own FOREIGN KEY (p_own) REFERENCES parent (id),
        CONSTRAINT fk_multi FOREIGN KEY (x, y) REFERENCES parent (x, y) ON UPDATE CASCADE
      )]],
      "ALTER TABLE child ADD CONSTRAINT fk_late FOREIGN KEY (p_late) REFERENCES parent (id)",
      "CREATE INDEX ix_late ON child (p_late)")
    -- The server's own view: the made indexes exist (named after the key,
    -- or after the column of the unnamed key), fk_late's was replaced.
    assert.same({ "PRIMARY", "fk_cascade", "fk_multi", "fk_noaction", "fk_null", "fk_restrict", "ix_late",
      "ix_own", "p_plain" }, (function()
        local names = {}
        for name in pairs(b:index_definitions(url, "child")) do names[#names + 1] = name end
        table.sort(names)
        return names
      end)())
    local t = snap().tables.child
    -- implicit_index: the index the server made for the key (compare drops
    -- it with the key); none where an index of the table's own serves
    local function fk(name, cols, ref_cols, ondelete, onupdate, implicit)
      return { name = name, columns = cols, ref_table = "parent", ref_columns = ref_cols,
        ondelete = ondelete, onupdate = onupdate, implicit_index = implicit }
    end
    assert.same({
      fk("child_ibfk_1", { "p_plain" }, { "id" }, nil, nil, "p_plain"),
      fk("fk_cascade", { "p_cascade" }, { "id" }, "CASCADE", "CASCADE", "fk_cascade"),
      fk("fk_late", { "p_late" }, { "id" }),
      fk("fk_multi", { "x", "y" }, { "x", "y" }, nil, "CASCADE", "fk_multi"),
      fk("fk_noaction", { "p_noaction" }, { "id" }, nil, nil, "fk_noaction"),
      fk("fk_null", { "p_null" }, { "id" }, "SET NULL", nil, "fk_null"),
      fk("fk_own", { "p_own" }, { "id" }),
      fk("fk_restrict", { "p_restrict" }, { "id" }, nil, nil, "fk_restrict"),
    }, t.foreign_keys)
    assert.same({
      { name = "ix_late", columns = { "p_late" }, unique = false },
      { name = "ix_own", columns = { "p_own" }, unique = false },
    }, t.indexes)
    assert.same({ { name = "uq_xy", columns = { "x", "y" }, unique = true } }, snap().tables.parent.indexes)
  end)

  it("keeps an index on foreign key columns that is unique or has other columns", function()
    run("CREATE TABLE parent (id INT PRIMARY KEY)",
      [[CREATE TABLE child (id INT PRIMARY KEY, a INT, b INT,
        UNIQUE KEY fk_a (a),
        KEY b (b, id),
        CONSTRAINT fk_a FOREIGN KEY (a) REFERENCES parent (id),
        FOREIGN KEY (b) REFERENCES parent (id))]])
    local t = snap().tables.child
    assert.same({
      { name = "b", columns = { "b", "id" }, unique = false },
      { name = "fk_a", columns = { "a" }, unique = true },
    }, t.indexes)
    assert.equal(2, #t.foreign_keys)
  end)

  it("reads named, unnamed and column check constraints, and JSON columns without their json_valid check", function()
    run([[CREATE TABLE c (
      id INT PRIMARY KEY,
      price INT CHECK (price >= 0),
      qty INT,
      doc JSON NOT NULL,
      meta JSON,
      raw LONGTEXT,
      CONSTRAINT ck_qty CHECK (qty < 5 AND qty <> 3),
      CHECK (qty > 0),
      CONSTRAINT ck_raw CHECK (json_valid(raw))
    )]])
    local t = snap().tables.c
    assert.same({
      { name = "CONSTRAINT_1", sqltext = "`qty` > 0" },
      { name = "ck_qty", sqltext = "`qty` < 5 and `qty` <> 3" },
      { name = "ck_raw", sqltext = "json_valid(`raw`)" },
      { name = "price", sqltext = "`price` >= 0" },
    }, t.checks)
    local by = columns_by_name(t)
    assert.equal(JSON, by.doc.type)
    assert.equal("longtext", by.doc.type_text)
    assert.is_false(by.doc.nullable)
    assert.equal(JSON, by.meta.type)
    -- A table-level json_valid check does not make a JSON column.
    assert.equal(Type("LONGTEXT"), by.raw.type)
    -- The server does hold the column checks that were left out.
    assert.same({ "check CONSTRAINT_1", "check ck_qty", "check ck_raw", "check doc", "check meta", "check price",
      "primary_key PRIMARY" }, b:constraints(url, "c"))
  end)

  it("reflects base tables of the current database only, without the excluded ones", function()
    local other = b:new_database()
    b:with(other, function(oconn)
      assert(oconn:execute("CREATE TABLE elsewhere (id INT PRIMARY KEY, CONSTRAINT ck_e CHECK (id > 0))"))
      assert(oconn:execute("CREATE TABLE kept (other_col INT, KEY ix_other (other_col))"))
    end)
    local other_db = other:match("/([^/]+)$")
    run("CREATE TABLE kept (id INT PRIMARY KEY)",
      "CREATE TABLE luamig_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
      "CREATE TABLE luamig_history (id INT PRIMARY KEY, FOREIGN KEY (id) REFERENCES kept (id))",
      "CREATE TABLE refs (id INT PRIMARY KEY, o INT, FOREIGN KEY (o) REFERENCES " .. other_db .. ".elsewhere (id))",
      "CREATE VIEW v AS SELECT id FROM kept")
    local s = snap({ exclude = { luamig_version = true, luamig_history = true } })
    assert.same({ "kept", "refs" }, snapshot.table_names(s))
    assert.equal(1, #s.tables.kept.columns)
    assert.same({}, s.tables.kept.indexes)
    assert.same({}, s.tables.kept.checks)
    assert.same({ { name = "refs_ibfk_1", columns = { "o" }, ref_table = "elsewhere", ref_schema = other_db,
      ref_columns = { "id" }, implicit_index = "o" } }, s.tables.refs.foreign_keys)
    assert.same({ "kept", "luamig_history", "luamig_version", "refs" }, snapshot.table_names(snap()))
  end)

  it("issues the same few queries for 2 tables as for 30", function()
    local function counted_reflect()
      local proxy, calls = reflection.counting(conn, { "query", "first", "execute" })
      local s = assert(reflect.reflect(proxy, {}))
      return s, calls.n
    end
    local function make_table(i)
      run(string.format([[CREATE TABLE t%02d (id INT AUTO_INCREMENT PRIMARY KEY, parent_id INT,
        name VARCHAR(20) NOT NULL DEFAULT 'x' COMMENT 'c', doc JSON, UNIQUE KEY uq_t%02d (name),
        KEY ix_t%02d (name, id), CONSTRAINT ck_t%02d CHECK (parent_id > 0),
        CONSTRAINT fk_t%02d FOREIGN KEY (parent_id) REFERENCES t01 (id)) COMMENT 'table %d']], i, i, i, i, i, i))
    end
    for i = 1, 2 do make_table(i) end
    local small, small_calls = counted_reflect()
    for i = 3, 30 do make_table(i) end
    local big, big_calls = counted_reflect()
    assert.equal(2, #snapshot.table_names(small))
    assert.equal(30, #snapshot.table_names(big))
    assert.equal(small_calls, big_calls)
    assert.equal(5, big_calls)
    local t30 = big.tables.t30
    assert.equal("table 30", t30.comment)
    assert.equal(4, #t30.columns)
    assert.equal(JSON, t30.columns[4].type)
    assert.same({ { name = "ck_t30", sqltext = "`parent_id` > 0" } }, t30.checks)
    assert.same({ "ix_t30", "uq_t30" }, { t30.indexes[1].name, t30.indexes[2].name })
    assert.equal(2, #t30.indexes)
    assert.equal("fk_t30", t30.foreign_keys[1].name)
  end)

  it("passes the server's error on", function()
    local broken = setmetatable({}, { __index = function(_, key)
      if key == "query" then return function() return nil, "server has gone away" end end
      local v = conn[key]
      if type(v) ~= "function" then return v end
      return function(_, ...) return v(conn, ...) end
    end })
    local s, err = reflect.reflect(broken, {})
    assert.is_nil(s)
    assert.equal("server has gone away", err)
  end)
end)
