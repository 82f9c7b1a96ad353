-- The pure parts of autogenerate's column and table features (issue 19):
-- the CHECK a type brings read back from each backend's spelling, a
-- generated column's expression as compared, identity options without
-- their defaults, foreign-key options in one spelling, and the Lua that
-- renders Computed, Identity and foreign-key options.
local type_checks = require("luamig.autogen.reflect.type_checks")
local normalize = require("luamig.autogen.compare.normalize")
local snapshot = require("luamig.autogen.snapshot")
local values = require("luamig.autogen.render.values")
local types = require("luamig.schema.types")
local ddl = require("luamig.ddl")

describe("autogenerate: a type's CHECK read back", function()
  it("reads the values of col IN (...) as each backend prints it", function()
    assert.same({ "a", "bb" }, (type_checks.in_values([["s" IN ('a', 'bb')]], "s")))
    assert.same({ "a", "bb" },
      (type_checks.in_values("s::text = ANY (ARRAY['a'::character varying, 'bb'::character varying]::text[])", "s")))
    assert.same({ "a", "bb" }, (type_checks.in_values("(s)::text = ANY ((ARRAY['a'::character varying, 'bb'])::text[])", "S")))
    assert.same({ "x", "y'z" }, (type_checks.in_values([[`c` in ('x','y\'z')]], "c", true)))
    -- a backslash is a character where it escapes nothing (not MySQL)
    assert.same({ "x\\", "z" }, (type_checks.in_values([["c" IN ('x\', 'z')]], "c", false)))
    local vals, numeric = type_checks.in_values([["flag" IN (0, 1)]], "flag")
    assert.same({ "0", "1" }, vals)
    assert.is_true(numeric)
  end)

  it("leaves anything else alone", function()
    assert.is_nil(type_checks.in_values([["s" IN ('a', 'b')]], "t"))
    assert.is_nil(type_checks.in_values([["s" NOT IN ('a')]], "s"))
    assert.is_nil(type_checks.in_values([["s" IN ('a', 1)]], "s"))
    assert.is_nil(type_checks.in_values("length(s) > 2", "s"))
    assert.is_nil(type_checks.in_values("json_valid(`s`)", "s", true))
  end)

  it("makes a VARCHAR with an Enum's CHECK that Enum again, and keeps the plain column", function()
    local pg = ddl.dialect("postgres")
    local t = snapshot.new_table("t")
    t.columns = { { name = "s", type = types.String(5) }, { name = "n", type = types.String(9) } }
    t.checks = { { name = "t_s_check", sqltext = "s::text = ANY (ARRAY['ok'::character varying, 'wrong'::character varying]::text[])" },
      { name = "ck_n", sqltext = "n IN ('a', 'b')" } }
    type_checks.fold(pg, t, function(tn, c) return tn .. "_" .. c .. "_check" end)
    assert.equal(types.Enum("ok", "wrong", { native_enum = false, create_constraint = true }), t.columns[1].type)
    assert.same({ name = "t_s_check", values = { "ok", "wrong" } }, t.columns[1].type_check)
    assert.equal(types.String(5), t.columns[1].plain.type)
    -- VARCHAR(9) is not what Enum("a", "b") makes: an ordinary CHECK
    assert.equal(types.String(9), t.columns[2].type)
    assert.same({ { name = "ck_n", sqltext = "n IN ('a', 'b')" } }, t.checks)
  end)

  it("makes an SQLite BOOLEAN with CHECK (col IN (0, 1)) a checked Boolean, not elsewhere", function()
    local t = snapshot.new_table("t")
    t.columns = { { name = "b", type = types.Boolean } }
    t.checks = { { name = "ck_b", sqltext = '"b" IN (0, 1)' } }
    type_checks.fold(ddl.dialect("sqlite"), t, nil)
    assert.equal(types.Boolean { create_constraint = true, name = "ck_b" }, t.columns[1].type)
    local u = snapshot.new_table("u")
    u.columns = { { name = "b", type = types.Boolean } }
    u.checks = { { name = "ck_b", sqltext = "b IN (0, 1)" } }
    type_checks.fold(ddl.dialect("postgres"), u, nil)
    assert.equal(1, #u.checks)
  end)
end)

describe("autogenerate: generated columns and identities compared", function()
  it("compares expressions without casts, quotes, spaces and parentheses", function()
    assert.equal(normalize.expression("price * qty"), normalize.expression("(`price` * `qty`)"))
    assert.equal(normalize.expression([[name || 'x']]), normalize.expression([[("name" || 'x'::text)]]))
    assert.not_equal(normalize.expression("price * qty"), normalize.expression("price * qty + 1"))
  end)

  it("leaves out the identity options that are the defaults", function()
    assert.same({}, snapshot.identity({}))
    assert.same({}, snapshot.identity({ always = false, start = 1, increment = 1, minvalue = 1,
      maxvalue = 2147483647, cache = 1, cycle = false }, types.Integer))
    assert.same({}, snapshot.identity({ maxvalue = math.maxinteger }, types.BigInteger))
    assert.same({ maxvalue = math.maxinteger }, snapshot.identity({ maxvalue = math.maxinteger }, types.Integer))
    assert.same({ always = true, start = 100, increment = 5 }, snapshot.identity({ always = true, start = 100, increment = 5 }))
    -- a descending identity starts at -1
    assert.same({ increment = -1 }, snapshot.identity({ increment = -1, start = -1, maxvalue = -1 }))
  end)

  it("spells foreign-key options one way", function()
    assert.same({}, snapshot.fk_options({ match = "simple", deferrable = false, initially = "immediate" }, {}))
    assert.same({ match = "FULL", deferrable = true, initially = "DEFERRED" },
      snapshot.fk_options({ match = "full", initially = "deferred" }, {}))
    assert.same({ deferrable = true }, snapshot.fk_options({ deferrable = true, initially = "IMMEDIATE" }, {}))
  end)
end)

describe("autogenerate: rendering the constructors", function()
  -- the Lua rendered evaluates to the same value
  local env = setmetatable({}, { __index = function(_, k) return types[k] or require("luamig.schema.generated")[k] end })
  local function eval(text) return assert(load("return " .. text, "=render", "t", env))() end

  it("writes Computed and Identity as a revision writes them", function()
    assert.equal('Computed("a * 2")', values.computed_lua { sqltext = "a * 2" })
    assert.equal('Computed("a * 2", { persisted = true })', values.computed_lua { sqltext = "a * 2", persisted = true })
    assert.equal("Identity()", values.identity_lua {})
    local text = values.identity_lua { always = true, start = 100, increment = 5, cycle = true }
    assert.equal("Identity({ always = true, start = 100, increment = 5, cycle = true })", text)
    local id = eval(text)
    assert.same({ always = true, start = 100, increment = 5, cycle = true }, snapshot.identity(id))
  end)

  it("writes the foreign-key options after the actions", function()
    local o = values.fk_opts({}, { ondelete = "CASCADE", match = "FULL", deferrable = true, initially = "DEFERRED" })
    assert.equal('{ ondelete = "CASCADE", match = "FULL", deferrable = true, initially = "DEFERRED" }', values.opts_lua(o))
  end)
end)
