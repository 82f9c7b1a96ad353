-- Naming conventions: names for unnamed constraints and indexes.

local naming = require("luamig.schema.naming")
local types = require("luamig.schema.types")

local CONVENTION = {
  ix = "ix_%(column_0_label)s",
  uq = "uq_%(table_name)s_%(column_0_name)s",
  ck = "ck_%(table_name)s_%(constraint_name)s",
  fk = "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
  pk = "pk_%(table_name)s",
}

describe("naming", function()
  it("names each kind with SQLAlchemy's tokens", function()
    assert.equal("pk_member", naming.name(CONVENTION, "primary_key", { table = "member", columns = { "a", "b" } }))
    assert.equal("uq_member_a", naming.name(CONVENTION, "unique", { table = "member", columns = { "a", "b" } }))
    assert.equal("fk_member_user_id_users", naming.name(CONVENTION, "foreign_key",
      { table = "member", columns = { "user_id" }, ref_table = "users", ref_columns = { "id" } }))
    assert.equal("ix_member_rank", naming.name(CONVENTION, "index", { table = "member", columns = { "rank" } }))
    assert.equal("ck_member_positive", naming.name(CONVENTION, "check", { table = "member", name = "positive" }))
  end)

  it("knows the multi-column, label, key and referred-column tokens", function()
    local conv = { uq = "uq_%(column_0N_name)s", ix = "ix_%(column_0_N_label)s", pk = "pk_%(column_0_N_key)s",
      fk = "fk_%(referred_column_0N_name)s_%(referred_column_0_name)s_%(column_1_name)s" }
    local info = { table = "t", columns = { "a", "b" }, ref_table = "p", ref_columns = { "x", "y" } }
    assert.equal("uq_ab", naming.name(conv, "unique", info))
    assert.equal("ix_t_a_t_b", naming.name(conv, "index", info))
    assert.equal("pk_a_b", naming.name(conv, "primary_key", info))
    assert.equal("fk_xy_x_b", naming.name(conv, "foreign_key", info))
    assert.equal("50%_t", naming.name({ pk = "50%%_%(table_name)s" }, "primary_key", info))
  end)

  it("keeps explicit names, except that %(constraint_name)s expands them", function()
    assert.equal("my_uq", naming.name(CONVENTION, "unique", { table = "t", columns = { "a" }, name = "my_uq" }))
    assert.equal("ck_t_positive", naming.name(CONVENTION, "check", { table = "t", name = "positive" }))
  end)

  it("leaves names to the database without a pattern, but indexes default to ix_<table>_<column>", function()
    assert.is_nil(naming.name(nil, "unique", { table = "t", columns = { "a" } }))
    assert.is_nil(naming.name({ pk = "pk_%(table_name)s" }, "check", { table = "t" }))
    assert.equal("ix_t_a", naming.name(nil, "index", { table = "t", columns = { "a" } }))
    assert.equal("given", naming.name(nil, "foreign_key", { table = "t", columns = { "a" }, name = "given" }))
  end)

  it("says why a name cannot be made", function()
    local name, err = naming.name(CONVENTION, "check", { table = "t" })
    assert.is_nil(name)
    assert.equal('naming_convention.ck (ck_%(table_name)s_%(constraint_name)s) uses %(constraint_name)s:'
      .. ' give this check on table "t" a name', err)
    name, err = naming.name(nil, "index", { table = "t", columns = { types.sql "lower(a)" } })
    assert.is_nil(name)
    assert.equal("naming_convention.ix: column 0 of this index is an expression; give it a name", err)
    name, err = naming.name({ uq = "uq_%(column_1_name)s" }, "unique", { table = "t", columns = { "a" } })
    assert.is_nil(name)
    assert.equal("naming_convention.uq: %(column_1_name)s needs 2 columns, this unique has 1", err)
    name, err = naming.name({ uq = "uq_%(referred_table_name)s" }, "unique", { table = "t", columns = { "a" } })
    assert.is_nil(name)
    assert.equal("naming_convention.uq uses %(referred_table_name)s, which only a foreign key has", err)
  end)

  it("cuts a name to the server's identifier length with a stable hash", function()
    local long = { table = string.rep("t", 40), columns = { string.rep("c", 40) } }
    local name = naming.name(CONVENTION, "unique", long, 63)
    assert.equal(63, #name)
    assert.matches("^uq_t+_c+_%x%x%x%x%x%x%x%x$", name)
    assert.equal(name, naming.name(CONVENTION, "unique", long, 63))
    assert.are_not.equal(name, naming.name(CONVENTION, "unique",
      { table = long.table, columns = { string.rep("c", 39) .. "d" } }, 63))
    assert.equal("uq_t_c", naming.name(CONVENTION, "unique", { table = "t", columns = { "c" } }, 63))
  end)

  it("checks a convention's keys, patterns and tokens", function()
    assert.is_true(naming.check(nil))
    assert.is_true(naming.check(CONVENTION))
    local cases = {
      { { idx = "x" }, 'naming_convention: unknown key "idx" (expected ix, uq, ck, fk or pk)' },
      { { uq = 5 }, "naming_convention.uq must be a non-empty string, got number" },
      { { uq = "uq_%(colum_0_name)s" }, "naming_convention.uq: unknown token %(colum_0_name)s (known: table_name,"
        .. " constraint_name, referred_table_name, column_0_name, column_0_label, column_0_key, column_0N_name,"
        .. " column_0_N_name (and _label), referred_column_0_name...)" },
      { { pk = "pk_%s" }, 'naming_convention.pk: "pk_%s" is not a %(token)s at position 4' },
      { "uq_%(table_name)s", 'naming_convention must be a table such as { uq = "uq_%(table_name)s_%(column_0_name)s" }' },
    }
    for _, case in ipairs(cases) do
      local ok, err = naming.check(case[1])
      assert.is_nil(ok)
      assert.equal(case[2], err)
    end
  end)
end)
