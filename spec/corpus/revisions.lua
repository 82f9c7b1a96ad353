-- Revision files that are wrong before anything runs: Lua syntax, errors
-- at the top level, ids, parents, dependencies, labels, functions,
-- `transactional`, and metadata that only looks like metadata (in comments
-- and long strings, which must never count). Bad input: exit 2, the file
-- (and line) named, nothing touched. A few are fine and must be taken as
-- the Lua says (status 1 from a planned failure in upgrade(), not a
-- misreading of the file).
return function(k)
  local BAD, rev, A3 = k.BAD, k.rev, k.A3
  local FILE = "b1_case.lua"

  -- upgrade head with the case file `text`: exit 2 naming `names`.
  local function bad(name, text, names, extra)
    local c = { name = name, files = { [BAD] = text }, args = { "upgrade", "head" }, status = 2, names = names }
    for key, v in pairs(extra or {}) do c[key] = v end
    return c
  end

  -- A file whose Lua says the revision is transactional and a child of
  -- A3, with text that only looks like other metadata; its upgrade makes a
  -- table and then fails. Whatever the decoy, the run is the file's: one
  -- transaction (rolled back on SQLite and PostgreSQL; on MySQL the
  -- CREATE TABLE ran and is recorded), exit 1 at the planned error.
  local function decoy(name, top, up_extra)
    local up = { '  op.execute("CREATE TABLE decoy_t (id INTEGER)")' }
    for _, l in ipairs(up_extra or {}) do up[#up + 1] = l end
    up[#up + 1] = '  error("planned failure")'
    return {
      name = name, files = { [BAD] = rev { top = top, up = up } }, args = { "upgrade", "head" },
      status = 1, names = { "@planned failure" }, ran = { "CREATE TABLE decoy_t (id INTEGER)" },
    }
  end

  local with_upgrade = "\nfunction upgrade() end\n"

  return {
    -- Lua syntax
    bad("syntax: unclosed parenthesis", rev { up = '  op.execute("SELECT 1"' }, { FILE .. ":7" }),
    bad("syntax: unfinished string at top level", 'revision = "' .. k.B .. '\ndown_revision = "' .. A3 .. '"\n',
      { FILE .. ":1" }),
    bad("syntax: doubled operator", 'revision = = "x"\n' .. with_upgrade, { FILE .. ":1" }),
    bad("syntax: missing end at end of file", rev { up = "  if true then" }, { FILE }),
    bad("syntax: stray symbol", rev { top = "down_revision = " .. '"' .. A3 .. '" )' }, { FILE .. ":4" }),
    bad("syntax: goto undefined label", rev { up = "  goto nowhere" }, { FILE }),
    bad("syntax: NUL byte in the code", rev { top = "local x = 1\0" }, { FILE }),
    bad("syntax: bytecode instead of text", string.dump(load('revision = "bbbb00000001"\nfunction upgrade() end')),
      { FILE }),
    bad("syntax: UTF-16 text", ("\255\254" .. 'revision = "bbbb00000001"\n'):gsub(".", "%0\0"), { FILE }),

    -- errors while the top level runs
    bad("top level: arithmetic on nil", rev { top = "local x = nil + 1" }, { "@nil + 1" }),
    bad("top level: error(\"boom\")", rev { top = 'error("boom")' }, { "@boom", "boom" }),
    bad("top level: error({})", rev { top = "error({})" }, { "@error({})" }),
    bad("top level: error(nil)", rev { top = "error(nil)" }, { "@error(nil)" }),
    bad("top level: error with a table that has __tostring",
      rev { top = 'error(setmetatable({}, { __tostring = function() return "custom" end }))' }, { "@setmetatable", "custom" }),
    bad("top level: error(msg, 0) without position", rev { top = 'error("no position", 0)' }, { FILE, "no position" }),
    bad("top level: call of an undefined global", rev { top = "frobnicate()" }, { "@frobnicate()" }),
    bad("top level: parent written as a bare word (undefined global)",
      rev { down = false, top = "down_revision = " .. "a3_age" }, { "@a3_age", "a3_age" }),
    bad("top level: io is not available", rev { top = 'local f = io.open("/etc/passwd")' }, { "@io.open" }),
    bad("top level: require is not available", rev { top = 'local m = require("os")' }, { "@require" }),
    bad("top level: os.exit is not available", rev { top = "os.exit(0)" }, { "@os.exit" }),
    bad("top level: os.execute is not available", rev { top = 'os.execute("touch /tmp/x")' }, { "@os.execute" }),
    bad("top level: load is not available", rev { top = 'load("return 1")()' }, { "@load(" }),
    bad("top level: error message over several lines", rev { top = 'error("first\\nsecond\\nthird")' },
      { "@first", "first" }),
    bad("top level: op used outside upgrade()", rev { top = 'op.execute("CREATE TABLE leak_t (id INTEGER)")' },
      { "@leak_t" }),
    bad("top level: op.get_bind() outside upgrade()", rev { top = "local db = op.get_bind()" }, { "@get_bind" }),
    bad("top level: coroutine.yield outside a coroutine", rev { top = "coroutine.yield(1)" }, { "@coroutine" }),
    {
      name = "top level: op used outside upgrade(), by a listing command",
      files = { [BAD] = rev { top = 'op.execute("CREATE TABLE leak_t (id INTEGER)")' } },
      args = { "current" }, status = 2, names = { "@leak_t" },
    },

    -- ids
    bad("id: missing", '-- case\ndown_revision = "' .. A3 .. '"' .. with_upgrade, { FILE, "revision" }),
    bad("id: local instead of global", 'local revision = "' .. k.B .. '"\ndown_revision = "' .. A3 .. '"'
      .. with_upgrade, { FILE }),
    bad("id: empty string", rev { id = "" }, { FILE }),
    bad("id: a number", 'revision = 12\ndown_revision = "' .. A3 .. '"' .. with_upgrade, { FILE }),
    bad("id: a table", 'revision = { "x" }\ndown_revision = "' .. A3 .. '"' .. with_upgrade, { FILE }),
    bad("id: a space inside", rev { id = "bbbb 0001" }, { FILE }),
    bad("id: target syntax (@)", rev { id = "bbbb@head" }, { FILE }),
    bad("id: target syntax (+1)", rev { id = "+1" }, { FILE }),
    bad("id: the keyword head", rev { id = "head" }, { FILE, "head" }),
    bad("id: the keyword base", rev { id = "base" }, { FILE, "base" }),
    bad("id: the keyword heads", rev { id = "heads" }, { FILE, "heads" }),
    bad("id: too long", rev { id = string.rep("b", 40) }, { FILE }),
    bad("id: duplicate of another file's", rev { id = A3, down = k.A2 }, { FILE, "a3_age.lua", A3 }),
    -- verify reads files without the graph: it must still see the duplicate
    bad("id: duplicate, verify", rev { id = A3, down = k.A2 }, { FILE, "a3_age.lua", A3 }, { args = { "verify" } }),
    bad("id: duplicate, verify --accept (found by the fuzzer)", rev { id = A3, down = k.A2 },
      { FILE, "a3_age.lua", A3 }, { args = { "verify", "--accept", A3 } }),
    bad("id: same as a branch label", rev { id = "bbbb00000001", top = 'branch_labels = "' .. k.A1 .. '"' },
      { FILE, k.A1 }),

    -- parents
    bad("down_revision: no such revision", rev { down = "zzzz00000009" }, { FILE, "zzzz00000009" }),
    bad("down_revision: itself", rev { down = k.B }, { k.B }),
    bad("down_revision: a number", 'revision = "' .. k.B .. '"\ndown_revision = 3' .. with_upgrade, { FILE }),
    bad("down_revision: true", 'revision = "' .. k.B .. '"\ndown_revision = true' .. with_upgrade, { FILE }),
    bad("down_revision: a list holding a number", 'revision = "' .. k.B .. '"\ndown_revision = { "' .. A3 .. '", 7 }'
      .. with_upgrade, { FILE }),
    bad("down_revision: a map instead of a list", 'revision = "' .. k.B .. '"\ndown_revision = { parent = "' .. A3
      .. '" }' .. with_upgrade, { FILE }),
    {
      name = "down_revision: a cycle of two new files",
      files = {
        [BAD] = rev { down = "bbbb00000002" },
        ["migrations/versions/b2_case.lua"] = rev { id = "bbbb00000002", down = k.B },
      },
      args = { "upgrade", "head" }, status = 2, names = { "cycle", k.B, "bbbb00000002" },
    },
    bad("depends_on: no such revision", rev { top = 'depends_on = "zzzz00000009"' }, { FILE, "zzzz00000009" }),
    bad("depends_on: a number", rev { top = "depends_on = 5" }, { FILE, "depends_on" }),
    bad("depends_on: itself", rev { top = 'depends_on = "' .. k.B .. '"' }, { k.B }),
    bad("branch_labels: a number", rev { top = "branch_labels = 5" }, { FILE, "branch_labels" }),
    bad("branch_labels: a label with target syntax", rev { top = 'branch_labels = "x@y"' }, { FILE, "x@y" }),
    {
      name = "branch_labels: one label in two files",
      files = {
        [BAD] = rev { top = 'branch_labels = "feature"' },
        ["migrations/versions/b2_case.lua"] = rev { id = "bbbb00000002", down = k.B,
          top = 'branch_labels = "feature"' },
      },
      args = { "upgrade", "head" }, status = 2, names = { "feature" },
    },

    -- functions and flags
    bad("upgrade: missing", rev { no_upgrade = true }, { FILE, "upgrade" }),
    bad("upgrade: a number", rev { no_upgrade = true, tail = "upgrade = 42" }, { FILE, "upgrade" }),
    bad("upgrade: a string", rev { no_upgrade = true, tail = 'upgrade = "op.execute(1)"' }, { FILE, "upgrade" }),
    bad("downgrade: a string", rev { no_downgrade = true, tail = 'downgrade = "drop"' }, { FILE, "downgrade" }),
    bad("downgrade: a table", rev { no_downgrade = true, tail = "downgrade = {}" }, { FILE, "downgrade" }),
    bad("transactional: the string \"no\"", rev { top = 'transactional = "no"' }, { FILE, "transactional" }),
    bad("transactional: the string \"false\"", rev { top = 'transactional = "false"' }, { FILE, "transactional" }),
    bad("transactional: 0", rev { top = "transactional = 0" }, { FILE, "transactional" }),
    bad("transactional: a function", rev { top = "transactional = function() return false end" },
      { FILE, "transactional" }),
    bad("an empty file", "", { FILE }),
    bad("a file of comments only", "-- nothing here\n--[[ at all ]]\n", { FILE }),

    -- metadata that is not metadata
    decoy("decoy: transactional = false in a block comment", { "--[[", "transactional = false", "]]" }),
    decoy("decoy: transactional = false in a line comment", { "-- transactional = false" }),
    decoy("decoy: transactional = false in a long string", { "local notes = [[", "transactional = false", "]]" }),
    decoy("decoy: transactional = false in a level-2 long string",
      { "local notes = [==[", "]]", "transactional = false", "]==]" }),
    decoy("decoy: transactional = false in a quoted string", { 'local s = "transactional = false"' }),
    decoy("decoy: transactional = false inside upgrade()", nil, { "  transactional = false" }),
    decoy("decoy: transactional = false in a function never called",
      { "local function never()", "  transactional = false", "end" }),
    decoy("decoy: transactional = false after return in a dead branch",
      { "if false then", "  transactional = false", "end" }),
    decoy("decoy: depends_on in a block comment", { "--[[", 'depends_on = "zzzz00000009"', "]]" }),
    decoy("decoy: down_revision of another in a long string, before the real one",
      { "local old = [[", 'down_revision = "' .. k.A1 .. '"', "]]", 'down_revision = "' .. A3 .. '"' }),
    decoy("decoy: down_revision of another in a block comment, before the real one",
      { "--[==[", 'down_revision = "' .. k.A1 .. '"', "]==]", 'down_revision = "' .. A3 .. '"' }),
    decoy("decoy: revision id in a comment", { '-- revision = "zzzz00000009"' }),
    decoy("decoy: metadata assigned twice, the last wins",
      { "transactional = false", "transactional = true" }),
    decoy("decoy: metadata computed, not literal", { 'down_revision = "1a2b3c4d" .. "0003"' }),
    decoy("decoy: branch_labels in a comment naming another label", { '-- branch_labels = "' .. k.A1 .. '"' }),
  }
end
