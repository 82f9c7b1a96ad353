-- cli.parse: flags, commands and their arguments.
local cli = require("luamig.cli")

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

  it("reads a command's own flags before its name too, as people type them", function()
    local o = assert(cli.parse { "--dialect", "mysql", "downgrade", "--sql", "head:base" })
    assert.equal("downgrade", o.command)
    assert.equal("mysql", o.dialect)
    assert.is_true(o.sql)
    assert.same({ "head:base" }, o.args)
    o = assert(cli.parse { "--sql", "-u", "sqlite:x.db", "upgrade", "--dialect=postgresql" })
    assert.equal("upgrade", o.command)
    assert.is_true(o.sql)
    assert.equal("postgresql", o.dialect)
    local _, err = cli.parse { "--bogus", "upgrade" }
    assert.equal("upgrade: unknown option --bogus (see 'luamig upgrade --help')", err)
    _, err = cli.parse { "--check-heads", "upgrade" }
    assert.equal("upgrade: unknown option --check-heads (see 'luamig upgrade --help')", err)
  end)

  it("reads --lock-timeout as seconds and --transaction as one of its modes", function()
    local o = assert(cli.parse { "upgrade", "--lock-timeout", "2.5", "--transaction=all", "--allow-edited" })
    assert.equal(2.5, o.lock_timeout)
    assert.equal("all", o.transaction)
    assert.is_true(o.allow_edited)
    assert.equal(0, assert(cli.parse { "stamp", "head", "--lock-timeout", "0" }).lock_timeout)
    local _, err = cli.parse { "upgrade", "--lock-timeout", "soon" }
    assert.equal('option --lock-timeout: expected a number of seconds >= 0, got "soon"', err)
    _, err = cli.parse { "upgrade", "--lock-timeout", "-1" }
    assert.equal('option --lock-timeout: expected a number of seconds >= 0, got "-1"', err)
    _, err = cli.parse { "downgrade", "base", "--transaction", "some" }
    assert.equal('option --transaction: expected per-revision or all, got "some"', err)
    _, err = cli.parse { "current", "--lock-timeout", "1" }
    assert.equal("current: unknown option --lock-timeout (see 'luamig current --help')", err)
  end)

  it("reads verify's repeatable --accept and history --applied", function()
    local o = assert(cli.parse { "verify", "--accept", "abcd", "--accept", "ef01", "--json" })
    assert.same({ "abcd", "ef01" }, o.accept)
    assert.is_true(o.json)
    o = assert(cli.parse { "history", "--applied", "--json" })
    assert.is_true(o.applied)
    local _, err = cli.parse { "repair", "now" }
    assert.equal('repair: unexpected argument "now" (usage: luamig repair)', err)
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
    assert.equal("downgrade: missing argument (usage: luamig downgrade TARGET [--json] | downgrade --sql FROM:TO)", err)
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

  it("reads a fleet's flags and keeps them out of each target's command line", function()
    local o = assert(cli.parse { "-c", "x.lua", "upgrade", "--targets", "t.txt", "head", "--jobs=3", "--target", "a",
      "--target", "b", "--shard", "1/2", "--fail-fast", "--json", "-x", "k=v", "--lock-timeout", "5", "-v" })
    assert.equal("t.txt", o.targets)
    assert.equal("3", o.jobs)
    assert.same({ "a", "b" }, o.target)
    assert.equal("1/2", o.shard)
    assert.is_true(o.fail_fast)
    -- upgrade's --json is its own (JSON Lines), passed on to each target
    assert.is_true(o.json)
    assert.same({ "-c", "x.lua", "upgrade", "head", "--json", "-x", "k=v", "--lock-timeout", "5", "-v" }, o.child_argv)
    -- a command's own --json is passed on
    o = assert(cli.parse { "current", "--all-targets", "--json" })
    assert.same({ "current", "--json" }, o.child_argv)
    local _, err = cli.parse { "heads", "--all-targets" }
    assert.equal("heads: unknown option --all-targets (see 'luamig heads --help')", err)
  end)
  describe("short options as getopt reads them", function()
    it("takes a value attached to its letter", function()
      local o = assert(cli.parse { "revision", "-madd users", "-usqlite:x.db" })
      assert.equal("add users", o.message)
      assert.equal("sqlite:x.db", o.url)
      o = assert(cli.parse { "history", "-r-3:current" })
      assert.equal("-3:current", o.range)
      -- `-m=MSG` as Alembic's argparse reads it; a second = is the value's
      o = assert(cli.parse { "-x=a=b", "merge", "heads", "-m=x=y" })
      assert.same({ a = "b" }, o.x)
      assert.equal("x=y", o.message)
    end)

    it("reads letters together, the last one taking a value", function()
      local o = assert(cli.parse { "history", "-qir-3:current" })
      assert.is_true(o.quiet)
      assert.is_true(o.indicate_current)
      assert.equal("-3:current", o.range)
      o = assert(cli.parse { "-qu", "sqlite:x.db", "current", "-v" })
      assert.is_true(o.quiet)
      assert.equal("sqlite:x.db", o.url)
      assert.equal("current", o.command)
      -- a global's attached value is never taken for the command
      o = assert(cli.parse { "-uhistory", "current" })
      assert.equal("history", o.url)
      assert.equal("current", o.command)
      -- each target of a fleet gets the cluster as typed
      o = assert(cli.parse { "-qusqlite:x.db", "upgrade", "--all-targets", "-vx", "k=v" })
      assert.same({ "-qusqlite:x.db", "upgrade", "-vx", "k=v" }, o.child_argv)
      assert.same({ k = "v" }, o.x)
    end)

    it("names the option that needs a value and gets none, or is unknown", function()
      local o, err = cli.parse { "history", "-ir" }
      assert.is_nil(o)
      assert.equal("option -r needs a value (RANGE)", err)
      o, err = cli.parse { "-qu" }
      assert.is_nil(o)
      assert.equal("option -u needs a value (URL)", err)
      o, err = cli.parse { "history", "-iz" }
      assert.is_nil(o)
      assert.equal("history: unknown option -z in -iz (see 'luamig history --help')", err)
      o, err = cli.parse { "upgrade", "-sql" }
      assert.is_nil(o)
      assert.equal("upgrade: unknown option -sql (see 'luamig upgrade --help')", err)
      o, err = cli.parse { "current", "-mx" }
      assert.is_nil(o)
      assert.equal("current: unknown option -mx (see 'luamig current --help')", err)
      -- -N is still a relative target
      assert.same({ "-12" }, assert(cli.parse { "downgrade", "-12" }).args)
    end)
  end)
end)
