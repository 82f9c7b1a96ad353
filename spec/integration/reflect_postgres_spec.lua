-- PostgreSQL schema reflection (luamig.autogen.reflect.postgres): schemas
-- made with raw SQL in a fresh database, reflected, and the snapshot
-- compared whole; the types are compiled back with the PostgreSQL dialect
-- and must come out of the server with the same format_type; the number of
-- queries must not grow with the schema.
local backends = require("helpers.backends")
local reflection = require("helpers.reflection")
local reflect = require("luamig.autogen.reflect.postgres").reflect
local types = require("luamig.schema.types")
local dialect = require("luamig.ddl").dialect("postgres")

local b = backends.postgres

local T = types

local by_name, counting = reflection.columns_by_name, reflection.counting

local function names(list)
  local out = {}
  for i, v in ipairs(list) do out[i] = v.name end
  return out
end

describe("PostgreSQL schema reflection #postgres", function()
  if not b.available then
    return it("runs on PostgreSQL", function() pending(b.skip_message) end)
  end

  local url
  backends.database_per_test(b, function(new) url = new end)

  -- Run `sql` (a script, may be nil), then reflect with `opts`.
  local function snap(sql, opts)
    return b:with(url, function(conn)
      if sql then assert(conn:execute(sql)) end
      return assert(reflect(conn, opts))
    end)
  end

  it("maps every type, keeps the server's text, and each type compiles back to the same format_type", function()
    local s = snap [[
      CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
      CREATE SCHEMA other;
      CREATE TYPE other.level AS ENUM ('low', 'high');
      CREATE TABLE typed (
        c_int integer, c_int4 int4, c_bigint bigint, c_smallint smallint, c_bool boolean,
        c_varchar varchar(40), c_varchar_bare varchar, c_char char(3), c_char1 char, c_text text,
        c_real real, c_float4 float(10), c_double double precision, c_float53 float(53),
        c_numeric numeric(10, 2), c_numeric_p numeric(7), c_numeric_bare numeric,
        c_date date, c_ts timestamp, c_tstz timestamptz, c_time time, c_timetz timetz,
        c_bytea bytea, c_json json, c_jsonb jsonb, c_uuid uuid, c_interval interval,
        c_int_array integer[], c_text_array2 text[][], c_varchar_array varchar(20)[],
        c_enum mood, c_enum_array mood[], c_other_enum other.level,
        c_ts3 timestamp(3), c_inet inet, c_bit bit(4), c_interval_day interval day
      )]]
    local mood = T.Enum({ "sad", "ok", "happy" }, { name = "mood" })
    local expected = {
      { "c_int", T.Integer, "integer" },
      { "c_int4", T.Integer, "integer" },
      { "c_bigint", T.BigInteger, "bigint" },
      { "c_smallint", T.SmallInteger, "smallint" },
      { "c_bool", T.Boolean, "boolean" },
      { "c_varchar", T.String(40), "character varying(40)" },
      { "c_varchar_bare", T.String, "character varying" },
      { "c_char", T.Type("CHAR(3)"), "character(3)" },
      { "c_char1", T.Type("CHAR(1)"), "character(1)" },
      { "c_text", T.Text, "text" },
      { "c_real", T.Type("REAL"), "real" },
      { "c_float4", T.Type("REAL"), "real" },
      { "c_double", T.Float, "double precision" },
      { "c_float53", T.Float, "double precision" },
      { "c_numeric", T.Numeric(10, 2), "numeric(10,2)" },
      { "c_numeric_p", T.Numeric(7), "numeric(7,0)" },
      { "c_numeric_bare", T.Numeric, "numeric" },
      { "c_date", T.Date, "date" },
      { "c_ts", T.DateTime, "timestamp without time zone" },
      { "c_tstz", T.DateTime { timezone = true }, "timestamp with time zone" },
      { "c_time", T.Time, "time without time zone" },
      { "c_timetz", T.Time { timezone = true }, "time with time zone" },
      { "c_bytea", T.LargeBinary, "bytea" },
      { "c_json", T.JSON, "json" },
      { "c_jsonb", T.JSONB, "jsonb" },
      { "c_uuid", T.Uuid, "uuid" },
      { "c_interval", T.Interval, "interval" },
      { "c_int_array", T.ARRAY(T.Integer), "integer[]" },
      { "c_text_array2", T.ARRAY(T.Text), "text[]" },
      { "c_varchar_array", T.ARRAY(T.String(20)), "character varying(20)[]" },
      { "c_enum", mood, "mood" },
      { "c_enum_array", T.ARRAY(mood), "mood[]" },
      { "c_other_enum", T.Enum({ "low", "high" }, { name = "level", schema = "other" }), "other.level" },
      { "c_ts3", T.DateTime { precision = 3 }, "timestamp(3) without time zone" },
      { "c_inet", T.Type("inet"), "inet" },
      { "c_bit", T.Type("bit(4)"), "bit(4)" },
      { "c_interval_day", T.Type("interval day"), "interval day" },
    }
    local cols = s.tables.typed.columns
    assert.equal(#expected, #cols)
    for i, e in ipairs(expected) do
      local c = cols[i]
      assert.equal(e[1], c.name)
      assert.equal(e[3], c.type_text, e[1])
      assert.same(e[2], c.type, e[1])
      assert(c.type == e[2], e[1] .. ": " .. tostring(c.type) .. " ~= " .. tostring(e[2]))
    end
    -- Only the current schema's enum types are the snapshot's.
    assert.same({ mood = { "sad", "ok", "happy" } }, s.enums)

    -- Compiled back: the server reports every column with the same type text.
    local defs = {}
    for i, c in ipairs(cols) do
      defs[i] = dialect:quote(c.name) .. " " .. assert(dialect:type_sql(c.type, c.name))
    end
    local again = snap("CREATE TABLE roundtrip (" .. table.concat(defs, ", ") .. ")")
    local back = again.tables.roundtrip.columns
    assert.equal(#cols, #back)
    for i, c in ipairs(cols) do
      assert.equal(c.type_text, back[i].type_text, c.name .. " compiled as " .. defs[i])
      assert(c.type == back[i].type, c.name)
    end
  end)

  it("reads nullability, defaults without the column's own cast, and serial/identity as autoincrement", function()
    local s = snap [[
      CREATE TYPE mood AS ENUM ('sad', 'ok');
      CREATE SEQUENCE shared_seq;
      CREATE TABLE d (
        id serial PRIMARY KEY,
        big bigserial,
        ident_always bigint GENERATED ALWAYS AS IDENTITY,
        ident_default integer GENERATED BY DEFAULT AS IDENTITY NOT NULL,
        from_shared integer DEFAULT nextval('shared_seq'),
        s varchar(10) NOT NULL DEFAULT 'it''s',
        s_text_cast varchar(10) DEFAULT 'x'::text,
        t text DEFAULT 'abc',
        ch char(2) DEFAULT 'ab',
        n integer DEFAULT -1,
        n_pos integer DEFAULT 7,
        num numeric(5, 2) DEFAULT '1.50',
        num_neg numeric DEFAULT -2.5,
        dbl double precision DEFAULT 1e3,
        flag boolean NOT NULL DEFAULT true,
        created timestamptz DEFAULT now(),
        updated timestamp DEFAULT CURRENT_TIMESTAMP,
        day date DEFAULT '2020-01-02',
        feeling mood DEFAULT 'ok',
        nums integer[] DEFAULT '{1,2}',
        doc jsonb DEFAULT '{}',
        sum smallint DEFAULT 1 + 2,
        twice integer GENERATED ALWAYS AS (n * 2) STORED,
        plain integer
      )]]
    local function col(name, type_, type_text, nullable, default, autoincrement)
      return { name = name, type = type_, type_text = type_text, nullable = nullable, default = default,
        autoincrement = autoincrement or false }
    end
    -- an identity column's options (the defaults left out), a generated column's expression
    local function with(c, extra)
      for k, v in pairs(extra) do c[k] = v end
      return c
    end
    assert.same({
      col("id", T.Integer, "integer", false, nil, true),
      col("big", T.BigInteger, "bigint", false, nil, true),
      with(col("ident_always", T.BigInteger, "bigint", false, nil, true), { identity = { always = true } }),
      with(col("ident_default", T.Integer, "integer", false, nil, true), { identity = {} }),
      col("from_shared", T.Integer, "integer", true, "nextval('shared_seq'::regclass)"),
      col("s", T.String(10), "character varying(10)", false, "'it''s'"),
      col("s_text_cast", T.String(10), "character varying(10)", true, "'x'::text"),
      col("t", T.Text, "text", true, "'abc'"),
      col("ch", T.Type("CHAR(2)"), "character(2)", true, "'ab'"),
      col("n", T.Integer, "integer", true, "-1"),
      col("n_pos", T.Integer, "integer", true, "7"),
      col("num", T.Numeric(5, 2), "numeric(5,2)", true, "1.50"),
      col("num_neg", T.Numeric, "numeric", true, "-2.5"),
      col("dbl", T.Float, "double precision", true, "1000"),
      col("flag", T.Boolean, "boolean", false, "true"),
      col("created", T.DateTime { timezone = true }, "timestamp with time zone", true, "now()"),
      col("updated", T.DateTime, "timestamp without time zone", true, "CURRENT_TIMESTAMP"),
      col("day", T.Date, "date", true, "'2020-01-02'"),
      col("feeling", T.Enum({ "sad", "ok" }, { name = "mood" }), "mood", true, "'ok'"),
      col("nums", T.ARRAY(T.Integer), "integer[]", true, "'{1,2}'"),
      col("doc", T.JSONB, "jsonb", true, "'{}'"),
      col("sum", T.SmallInteger, "smallint", true, "(1 + 2)"),
      with(col("twice", T.Integer, "integer", true, nil), { computed = { sqltext = "n * 2", persisted = true } }),
      col("plain", T.Integer, "integer", true, nil),
    }, s.tables.d.columns)
  end)

  it("reads table and column comments", function()
    local s = snap [[
      CREATE TABLE noted (id integer, body text, bare integer);
      COMMENT ON TABLE noted IS 'what we noted';
      COMMENT ON COLUMN noted.id IS 'the key';
      COMMENT ON COLUMN noted.body IS 'it''s the body';
      CREATE TABLE silent (x integer)]]
    assert.equal("what we noted", s.tables.noted.comment)
    local cols = by_name(s.tables.noted)
    assert.equal("the key", cols.id.comment)
    assert.equal("it's the body", cols.body.comment)
    assert.is_nil(cols.bare.comment)
    assert.is_nil(s.tables.silent.comment)
    assert.is_nil(s.tables.silent.columns[1].comment)
  end)

  it("reads a composite primary key with its name and named unique constraints, in constraint order", function()
    local s = snap [[
      CREATE TABLE member (
        team_id integer, user_id integer, rank integer, email text, code text,
        CONSTRAINT pk_member PRIMARY KEY (user_id, team_id),
        CONSTRAINT uq_member_rank UNIQUE (rank, team_id),
        CONSTRAINT a_uq_email UNIQUE (email)
      );
      ALTER TABLE member ADD UNIQUE (code);
      CREATE TABLE nokey (x integer)]]
    local m = s.tables.member
    assert.same({ name = "pk_member", columns = { "user_id", "team_id" } }, m.primary_key)
    assert.same({
      { name = "a_uq_email", columns = { "email" } },
      { name = "member_code_key", columns = { "code" } },
      { name = "uq_member_rank", columns = { "rank", "team_id" } },
    }, m.uniques)
    -- The indexes behind the key and the unique constraints are not indexes.
    assert.same({}, m.indexes)
    assert.is_nil(s.tables.nokey.primary_key)
    assert.same({}, s.tables.nokey.uniques)
  end)

  it("reads plain, multi-column, unique, expression, ordered and partial indexes", function()
    local s = snap [[
      CREATE TABLE people (id integer PRIMARY KEY, email text, name text, age integer, "Mixed Case" text,
        CONSTRAINT uq_people_name_age UNIQUE (name, age));
      CREATE INDEX ix_age ON people (age);
      CREATE INDEX ix_name_age ON people (name, age);
      CREATE UNIQUE INDEX ux_email ON people (email);
      CREATE INDEX ix_lower_email ON people (lower(email));
      CREATE INDEX ix_mixed ON people (age, lower(name));
      CREATE INDEX ix_age_desc ON people (age DESC, name);
      CREATE INDEX ix_quoted ON people ("Mixed Case");
      CREATE UNIQUE INDEX ux_adult_email ON people (email) WHERE age >= 18]]
    assert.same({
      { name = "ix_age", columns = { "age" }, unique = false },
      { name = "ix_age_desc", expressions = { "age DESC", "name" }, unique = false },
      { name = "ix_lower_email", expressions = { "lower(email)" }, unique = false },
      { name = "ix_mixed", expressions = { "age", "lower(name)" }, unique = false },
      { name = "ix_name_age", columns = { "name", "age" }, unique = false },
      { name = "ix_quoted", columns = { "Mixed Case" }, unique = false },
      { name = "ux_adult_email", columns = { "email" }, unique = true, where = "age >= 18" },
      { name = "ux_email", columns = { "email" }, unique = true },
    }, s.tables.people.indexes)
    assert.same({ { name = "uq_people_name_age", columns = { "name", "age" } } }, s.tables.people.uniques)
  end)

  it("reads foreign keys with every action, multi-column keys in key order, and another schema's table", function()
    local s = snap [[
      CREATE SCHEMA other;
      CREATE TABLE other.remote (id integer PRIMARY KEY);
      CREATE TABLE parent (a integer, b integer, id integer PRIMARY KEY, CONSTRAINT uq_parent_ba UNIQUE (b, a));
      CREATE TABLE child (
        id integer, x integer, y integer, p1 integer, p2 integer, p3 integer, p4 integer, p5 integer, r integer,
        CONSTRAINT fk_pair FOREIGN KEY (y, x) REFERENCES parent (b, a) ON DELETE CASCADE ON UPDATE CASCADE,
        CONSTRAINT fk_noaction FOREIGN KEY (p1) REFERENCES parent (id),
        CONSTRAINT fk_restrict FOREIGN KEY (p2) REFERENCES parent (id) ON DELETE RESTRICT ON UPDATE RESTRICT,
        CONSTRAINT fk_setnull FOREIGN KEY (p3) REFERENCES parent (id) ON DELETE SET NULL ON UPDATE SET NULL,
        CONSTRAINT fk_setdefault FOREIGN KEY (p4) REFERENCES parent (id) ON DELETE SET DEFAULT,
        CONSTRAINT fk_remote FOREIGN KEY (r) REFERENCES other.remote (id)
      );
      ALTER TABLE child ADD FOREIGN KEY (p5) REFERENCES parent (id) ON UPDATE CASCADE]]
    assert.same({
      { name = "child_p5_fkey", columns = { "p5" }, ref_table = "parent", ref_columns = { "id" },
        onupdate = "CASCADE" },
      { name = "fk_noaction", columns = { "p1" }, ref_table = "parent", ref_columns = { "id" } },
      { name = "fk_pair", columns = { "y", "x" }, ref_table = "parent", ref_columns = { "b", "a" },
        ondelete = "CASCADE", onupdate = "CASCADE" },
      { name = "fk_remote", columns = { "r" }, ref_table = "remote", ref_schema = "other", ref_columns = { "id" } },
      { name = "fk_restrict", columns = { "p2" }, ref_table = "parent", ref_columns = { "id" },
        ondelete = "RESTRICT", onupdate = "RESTRICT" },
      { name = "fk_setdefault", columns = { "p4" }, ref_table = "parent", ref_columns = { "id" },
        ondelete = "SET DEFAULT" },
      { name = "fk_setnull", columns = { "p3" }, ref_table = "parent", ref_columns = { "id" },
        ondelete = "SET NULL", onupdate = "SET NULL" },
    }, s.tables.child.foreign_keys)
    -- The referenced side has no foreign keys, and an FK makes no index.
    assert.same({}, s.tables.parent.foreign_keys)
    assert.same({}, s.tables.child.indexes)
    assert.is_nil(s.tables.remote)
  end)

  it("reads check constraints with their names and expressions", function()
    local s = snap [[
      CREATE TABLE priced (price numeric, qty integer, label varchar(10),
        CONSTRAINT ck_priced_price CHECK (price > 0),
        CONSTRAINT ck_priced_both CHECK (qty >= 0 AND label <> 'none'));
      ALTER TABLE priced ADD CHECK (qty < 1000);
      ALTER TABLE priced ADD CONSTRAINT ck_late CHECK (price < 100) NOT VALID]]
    assert.same({
      { name = "ck_late", sqltext = "price < 100::numeric" },
      { name = "ck_priced_both", sqltext = "qty >= 0 AND label::text <> 'none'::text" },
      { name = "ck_priced_price", sqltext = "price > 0::numeric" },
      { name = "priced_qty_check", sqltext = "qty < 1000" },
    }, s.tables.priced.checks)
    -- NOT NULL is not a check.
    assert.same({}, snap("CREATE TABLE nn (x integer NOT NULL)").tables.nn.checks)
  end)

  it("reads the schema's enum types with their values in order, including ones added later", function()
    local s = snap [[
      CREATE TYPE mood AS ENUM ('sad', 'happy');
      ALTER TYPE mood ADD VALUE 'ok' BEFORE 'happy';
      ALTER TYPE mood ADD VALUE 'ecstatic';
      CREATE TYPE unused AS ENUM ('x');
      CREATE SCHEMA other;
      CREATE TYPE other.elsewhere AS ENUM ('no')]]
    assert.same({ mood = { "sad", "ok", "happy", "ecstatic" }, unused = { "x" } }, s.enums)
    assert.same({}, s.tables)
  end)

  it("reflects ordinary and partitioned tables of the current schema only, leaving out excluded tables", function()
    local sql = [[
      CREATE TABLE kept (id integer);
      CREATE TABLE luamig_version (version_num varchar(32) PRIMARY KEY);
      CREATE TABLE luamig_history (id integer);
      CREATE VIEW a_view AS SELECT id FROM kept;
      CREATE MATERIALIZED VIEW a_matview AS SELECT id FROM kept;
      CREATE SEQUENCE a_seq;
      CREATE TABLE measured (at date NOT NULL, v integer) PARTITION BY RANGE (at);
      CREATE SCHEMA other;
      CREATE TABLE other.hidden (id integer);
      CREATE INDEX ix_hidden ON other.hidden (id)]]
    local s = snap(sql)
    assert.same({ "kept", "luamig_history", "luamig_version", "measured" }, require("luamig.autogen.snapshot").table_names(s))
    s = snap(nil, { exclude = { luamig_version = true, luamig_history = true } })
    assert.same({ "kept", "measured" }, require("luamig.autogen.snapshot").table_names(s))
    assert.same({ "id" }, names(s.tables.kept.columns))
    -- With another current schema, that schema is the one reflected.
    s = b:with(url, function(conn)
      assert(conn:execute("SET search_path TO other"))
      return assert(reflect(conn, {}))
    end)
    assert.same({ "hidden" }, require("luamig.autogen.snapshot").table_names(s))
    assert.same({ { name = "ix_hidden", columns = { "id" }, unique = false } }, s.tables.hidden.indexes)
  end)

  it("issues the same small number of queries for 2 tables as for 30", function()
    local function schema(n)
      local parts = { "CREATE TYPE mood AS ENUM ('a', 'b')" }
      for i = 1, n do
        parts[#parts + 1] = string.format([[
          CREATE TABLE t%d (id serial PRIMARY KEY, name varchar(20) DEFAULT 'x' UNIQUE, m mood,
            prev integer %s, CONSTRAINT ck_t%d CHECK (id > 0));
          CREATE INDEX ix_t%d_lower ON t%d (lower(name));
          COMMENT ON TABLE t%d IS 'table %d';
          COMMENT ON COLUMN t%d.name IS 'name %d']], i, i > 1 and ("REFERENCES t" .. (i - 1) .. " (id)") or "",
          i, i, i, i, i, i, i)
      end
      return table.concat(parts, ";\n")
    end
    local function count(n)
      url = b:new_database()
      return b:with(url, function(conn)
        assert(conn:execute(schema(n)))
        local proxy, calls = counting(conn)
        local s = assert(reflect(proxy, {}))
        local t = s.tables["t" .. n]
        -- Everything was read for every table.
        assert.equal(n, #require("luamig.autogen.snapshot").table_names(s))
        assert.equal("table " .. n, t.comment)
        assert.equal(4, #t.columns)
        assert.equal(1, #t.checks)
        assert.equal(1, #t.uniques)
        assert.equal(1, #t.indexes)
        assert.equal(n > 1 and 1 or 0, #t.foreign_keys)
        return calls.n
      end)
    end
    local small, large = count(2), count(30)
    assert.equal(small, large)
    assert.is_true(small >= 1 and small <= 8, "queries: " .. small)
  end)

  it("returns nil and the server's message when a query fails", function()
    b:with(url, function(conn)
      local failing = setmetatable({}, {
        __index = function(_, key)
          if key == "query" then
            return function() return nil, "ERROR: boom" end
          end
          local v = conn[key]
          return type(v) == "function" and function(_, ...) return v(conn, ...) end or v
        end,
      })
      local s, msg = reflect(failing, {})
      assert.is_nil(s)
      assert.matches("boom", msg, 1, true)
    end)
  end)
end)
