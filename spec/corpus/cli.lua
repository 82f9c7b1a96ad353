-- Command lines: unknown commands and options, missing or bad values, bad
-- and ambiguous targets, a direction that does not match the command, and
-- commands that would write a file. Bad usage: exit 2, the argument named,
-- nothing changed (the database, and no new file in the project). The
-- project has a pending revision (B) on top of the base (A1..A3, applied).
return function(k)
  local GOOD = k.rev { up = '  op.create_table("good_t", Column("id", Integer, { primary_key = true }))' }
  local ALL = { "sqlite", "postgres", "mysql" }

  local function cli(name, args, names, extra)
    local c = { name = name, files = { [k.BAD] = GOOD }, args = args, status = 2, names = names, on = ALL }
    for key, v in pairs(extra or {}) do c[key] = v end
    return c
  end
  -- the same on SQLite only: nothing of these reaches a database's own code
  local function cli1(name, args, names, extra)
    local c = cli(name, args, names, extra)
    c.on = extra and extra.on or { "sqlite" }
    return c
  end

  -- cli1: parsing alone (SQLite); cli: what depends on the database's state (every backend)
  return {
    cli1("an unknown command", { "upgrayedd" }, { "upgrayedd" }),
    cli1("an empty command", { "" }, { "command" }),
    cli1("an unknown option", { "upgrade", "--frobnicate" }, { "--frobnicate" }),
    cli1("an unknown global option", { "--frobnicate", "upgrade" }, { "--frobnicate" }),
    cli1("an unknown short option", { "upgrade", "-z" }, { "-z" }),
    cli1("an option of another command", { "upgrade", "--purge" }, { "--purge" }),
    cli1("--lock-timeout without a value", { "upgrade", "--lock-timeout" }, { "--lock-timeout" }),
    cli("--lock-timeout abc", { "upgrade", "--lock-timeout", "abc" }, { "--lock-timeout", "abc" }),
    cli("--lock-timeout -5", { "upgrade", "--lock-timeout", "-5" }, { "--lock-timeout" }),
    cli1("--lock-timeout nan", { "upgrade", "--lock-timeout", "nan" }, { "--lock-timeout" }),
    cli1("--lock-timeout 1e999", { "upgrade", "--lock-timeout", "1e999" }, { "--lock-timeout" }),
    cli("--transaction sometimes", { "upgrade", "--transaction", "sometimes" }, { "sometimes" }),
    cli1("--transaction without a value", { "upgrade", "--transaction" }, { "--transaction" }),
    cli("--transaction all on MySQL", { "upgrade", "--transaction", "all" }, { "--transaction all" },
      { on = { "mysql" } }),
    cli1("-x without a value", { "-x" }, { "-x" }),
    cli1("-x without =", { "-x", "novalue", "upgrade" }, { "novalue" }),
    cli1("an option's value that is a command, and no command", { "-c", "history" }, { "-c", "history" }),
    cli1("options and no command", { "-q", "-u", "sqlite:other.db" }, { "no command" }),
    -- short options together and with attached values, as getopt reads them
    cli1("a short option that needs a value last in a group", { "history", "-ir" }, { "-r", "RANGE" }),
    cli1("an unknown letter in a group", { "history", "-iz" }, { "-z", "-iz" }),
    cli1("a long option with one dash", { "upgrade", "-sql" }, { "-sql" }),
    cli("an attached range that is garbage", { "history", "-rgarbage::" }, { "garbage" }),
    cli1("an attached -m where it is no option", { "upgrade", "-mx" }, { "-mx" }),
    cli1("--dialect and an attached -x, as getopt users type them", { "upgrade", "--sql", "-xk=v", "--dialect",
      "mysql", "base:head" }, nil, { status = 0 }),

    -- targets
    cli("a target that is no revision", { "upgrade", "zzzz00000009" }, { "zzzz00000009" }),
    cli("a target prefix shorter than 4", { "upgrade", "1a2" }, { "1a2" }),
    cli("an ambiguous target prefix", { "upgrade", "1a2b" }, { "1a2b", k.A1, k.A2 }),
    cli("an unknown label", { "upgrade", "nolabel@head" }, { "nolabel" }),
    cli("+abc", { "upgrade", "+abc" }, { "+abc" }),
    cli("more steps than there are", { "upgrade", "+5" }, { "+5" }),
    cli("upgrade -1 (a step down)", { "upgrade", "-1" }, { "-1", "downgrade" }),
    cli("upgrade to a lower revision", { "upgrade", k.A1 }, { k.A1, "downgrade" }),
    cli("upgrade base", { "upgrade", "base" }, { "base", "downgrade" }),
    cli("downgrade to a higher revision", { "downgrade", k.B }, { k.B, "upgrade" }),
    cli("downgrade head when head is not applied", { "downgrade", "head" }, { "head" }),
    cli1("downgrade without a target", { "downgrade" }, { "TARGET" }),
    cli("downgrade more steps than there are", { "downgrade", "-9" }, { "-9" }),
    cli("downgrade +1", { "downgrade", "+1" }, { "+1", "upgrade" }),
    cli("two targets", { "upgrade", "head", k.A3 }, { k.A3 }),
    cli1("a target with bytes that are not UTF-8", { "upgrade", "\255\254" }, nil),
    cli1("a target that is very long", { "upgrade", string.rep("f", 5000) }, { "ffff" }),

    -- other commands
    cli1("stamp without a revision", { "stamp" }, { "REV" }),
    cli("stamp an unknown revision", { "stamp", "zzzz00000009" }, { "zzzz00000009" }),
    cli("show an unknown revision", { "show", "zzzz00000009" }, { "zzzz00000009" }),
    cli1("show without a revision", { "show" }, { "REV" }),
    cli("history -r garbage", { "history", "-r", "garbage::" }, { "garbage" }),
    cli("history -r with an unknown end", { "history", "-r", k.A1 .. ":zzzz00000009" }, { "zzzz00000009" }),
    cli("verify --accept an unknown revision", { "verify", "--accept", "zzzz00000009" }, { "zzzz00000009" }),
    cli1("verify --accept without a revision", { "verify", "--accept" }, { "--accept" }),
    cli("current with an extra argument", { "current", "extra" }, { "extra" }),
    cli("repair with an extra argument", { "repair", "extra" }, { "extra" }),
    cli("upgrade --sql with an unknown start", { "upgrade", "--sql", "zzzz00000009:head" }, { "zzzz00000009" }),
    cli1("upgrade --sql with an unknown dialect", { "upgrade", "--sql", "--dialect", "oracle" }, { "oracle" }),
    cli("--dialect without --sql", { "upgrade", "--dialect", "mysql" }, { "--dialect" }),
    cli1("an unknown command's --help", { "upgrayedd", "--help" }, { "upgrayedd" }),
    cli1("--dialect after the command, as the README writes it", { "upgrade", "--sql", "--dialect", "mysql",
      "base:head" }, nil, { status = 0 }),
    cli1("--dialect before the command, as users also type it", { "--dialect", "mysql", "upgrade", "--sql",
      "base:head" }, nil, { status = 0 }),
    cli1("an option of another command before the command", { "--purge", "upgrade" }, { "--purge" }),

    -- commands that write files: nothing written on bad input
    cli1("revision without -m", { "revision" }, { "-m" }),
    cli1("revision -m without a value", { "revision", "-m" }, { "-m" }),
    cli1("revision --head of an unknown revision", { "revision", "-m", "x", "--head", "zzzz00000009" },
      { "zzzz00000009" }),
    cli1("revision --rev-id taken", { "revision", "-m", "x", "--rev-id", k.A1 }, { k.A1 }),
    cli1("revision --rev-id with a space", { "revision", "-m", "x", "--rev-id", "a b" }, { "a b" }),
    cli1("revision --rev-id head", { "revision", "-m", "x", "--rev-id", "head" }, { "head" }),
    cli1("revision --rev-id with a slash", { "revision", "-m", "x", "--rev-id", "../../evil" }, { "../../evil" }),
    cli1("revision --version-path that does not exist", { "revision", "-m", "x", "--version-path", "nowhere" },
      { "nowhere" }),
    cli1("revision --depends-on an unknown revision", { "revision", "-m", "x", "--depends-on", "zzzz00000009" },
      { "zzzz00000009" }),
    cli1("revision with a template that is a directory", { "revision", "-m", "x" }, { "script.lua.tmpl" },
      { prepare = function(ctx) os.execute("mkdir '" .. ctx.dir .. "/migrations/script.lua.tmpl'") end }),
    cli1("merge without -m", { "merge", "heads" }, { "-m" }),
    cli1("merge of one head", { "merge", "heads", "-m", "x" }, { "heads" }),
    cli1("merge of an unknown revision", { "merge", k.B, "zzzz00000009", "-m", "x" }, { "zzzz00000009" }),
    cli1("init where a project is", { "init" }, { "migrations" }),
    cli1("init into a file", { "init", "luamig.lua" }, { "luamig.lua" },
      { files = { [k.BAD] = GOOD, ["luamig.lua"] = "return {}\n" } }),
  }
end
