-- cli.parse: flags, commands and their arguments.
local cli = require "luamig.cli"

describe("cli.parse", function()
  it("reads global flags before and after the command", function()
    local o = assert(cli.parse { "-u", "sqlite:x.db", "upgrade", "+1", "-v", "-x", "a=b", "--config=c.lua" })
    assert.equal("upgrade", o.command)
    assert.same({ "+1" }, o.args)
    assert.equal("sqlite:x.db", o.url)
    assert.equal("c.lua", o.config_file)
    assert.is_true(o.verbose)
    assert.same({ a = "b" }, o.x)
  end)

  it("treats -N as a relative target, not a flag", function()
    local o = assert(cli.parse { "downgrade", "-1" })
    assert.same({ "-1" }, o.args)
  end)

  it("reads command flags", function()
    local o = assert(cli.parse { "revision", "-m", "add users", "--rev-id", "abc123" })
    assert.equal("add users", o.message)
    assert.equal("abc123", o.rev_id)
  end)

  it("rejects unknown commands and flags, naming them", function()
    local o, err = cli.parse { "upgrad" }
    assert.is_nil(o)
    assert.equal([[unknown command "upgrad" (see 'luamig --help')]], err)
    o, err = cli.parse { "upgrade", "--fast" }
    assert.is_nil(o)
    assert.equal("upgrade: unknown option --fast (see 'luamig upgrade --help')", err)
    o, err = cli.parse { "--fast" }
    assert.is_nil(o)
    assert.equal("unknown option --fast (see 'luamig --help')", err)
  end)

  it("checks the number of arguments and flag values", function()
    local o, err = cli.parse { "downgrade" }
    assert.is_nil(o)
    assert.equal("downgrade: missing argument (usage: luamig downgrade TARGET | downgrade --sql FROM:TO)", err)
    o, err = cli.parse { "current", "extra" }
    assert.is_nil(o)
    assert.matches('current: unexpected argument "extra"', err, 1, true)
    o, err = cli.parse { "revision", "-m" }
    assert.is_nil(o)
    assert.equal("option -m needs a value (MESSAGE)", err)
    o, err = cli.parse { "-x", "novalue", "current" }
    assert.is_nil(o)
    assert.equal("-x novalue: expected KEY=VALUE", err)
  end)

  it("passes everything after 'test' to busted", function()
    local o = assert(cli.parse { "test", "-o", "TAP", "--unknown", "spec" })
    assert.same({ "-o", "TAP", "--unknown", "spec" }, o.args)
  end)
end)
