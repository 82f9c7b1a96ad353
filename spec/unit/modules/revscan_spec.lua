-- revscan: the fast reading of a revision file's metadata (runner/modules/revscan.c)
-- against the file evaluated. For every metadata key and every way Lua has
-- of hiding a statement (comments and long strings of any level, short
-- strings running over lines, blocks that never run, locals, _ENV...), the
-- scanner must give exactly what evaluating the file gives, or nil (the
-- file is then evaluated). It must also keep reading the forms that
-- `luamig revision` writes, or listing would lose its speed.
local revscan = require("luamig.revscan")
local script = require("luamig.script")
local template = require("luamig.script.template")

local NONE = setmetatable({}, { __newindex = function() error("read-only") end })
local PATH = "migrations/versions/x.lua"

local function as_list(v)
  if v == nil then return {} end
  if type(v) == "string" then return { v } end
  if type(v) ~= "table" then return nil end
  local out = {}
  for i, s in ipairs(v) do
    if type(s) ~= "string" then return nil end
    out[i] = s
  end
  return out
end

-- What evaluating the file gives, independently of script.lua's record
-- making: nil when the file is not a valid revision; false when it does
-- not even run (a syntax error, an error raised at its top level): such a
-- file is refused whenever it would run, whatever the scanner read.
local function evaluated(src)
  local env = script.environment()
  local chunk = load(src, "@" .. PATH, "t", env)
  if not chunk or not pcall(chunk) then return false end
  local id, tr = rawget(env, "revision"), rawget(env, "transactional")
  if type(id) ~= "string" or not id:match("^[%w_]+$") or #id > 32 then return nil end
  if type(rawget(env, "upgrade")) ~= "function" then return nil end
  local down = rawget(env, "downgrade")
  if down ~= nil and type(down) ~= "function" then return nil end
  if tr ~= nil and type(tr) ~= "boolean" then return nil end
  local downs, labels, deps = as_list(rawget(env, "down_revision")), as_list(rawget(env, "branch_labels")),
    as_list(rawget(env, "depends_on"))
  if not downs or not labels or not deps then return nil end
  return { id = id, down_revisions = downs, branch_labels = labels, depends_on = deps, transactional = tr ~= false }
end

local function plain(list)
  local out = {}
  for i, v in ipairs(list) do out[i] = v end
  return out
end

-- The scanner's record, or nil; it must agree with the evaluation.
local function check(src, what)
  local rec = revscan.record(src, PATH, NONE)
  if rec == nil then return nil end
  local want = evaluated(src)
  if want == false then return rec end
  assert(want ~= nil, what .. ": the scanner read a file that does not evaluate to a revision:\n" .. src)
  local got = {
    id = rec.id, down_revisions = plain(rec.down_revisions), branch_labels = plain(rec.branch_labels),
    depends_on = plain(rec.depends_on), transactional = rec.transactional,
  }
  assert.same(want, got, what .. ":\n" .. src)
  return rec
end

-- A value for each key, other than the file's real one.
local KEYS = {
  { "revision", '"hidden1"' },
  { "down_revision", '"p0"' },
  { "down_revision", '{ "p1", "p2" }' },
  { "branch_labels", '"lab"' },
  { "depends_on", '{ "d1" }' },
  { "transactional", "false" },
  { "transactional", "true" },
}

-- Ways to write `stmt` so that it is, or is not, run at the top level;
-- each has a name for the failure message.
local FORMS = {
  { "line comment", "-- %s\n" },
  { "line comment after code", "local a = 1 -- %s\n" },
  { "long comment", "--[[\n%s\n]]\n" },
  { "long comment on one line", "--[[ %s ]]\n" },
  { "long comment level 2", "--[==[\n]]\n%s\n]=]\n]==]\n" },
  { "long comment level 1 with ]] inside", "--[=[ ]] %s ]=]\n" },
  { "long string", "local s = [[\n%s\n]]\n" },
  { "long string level 3", "local s = [===[\n]]\n]==]\n%s\n]===]\n" },
  { "long string as an argument", "tostring([[\n%s\n]])\n" },
  { "short string over an escaped line break", "local s = '\\\n%s'\n" },
  { "short string over \\z", "local s = 'a\\z\n%s'\n" },
  { "short string with an escaped quote", "local s = '\\'\\\n%s'\n" },
  { "inside a function", "local function f()\n%s\nend\n" },
  { "inside a never-called global function", "function g()\n  %s\nend\n" },
  { "if false", "if false then\n%s\nend\n" },
  { "if false, else branch", "if true then else\n%s\nend\n" },
  { "while false", "while false do\n%s\nend\n" },
  { "numeric for that never runs", "for i = 1, 0 do\n%s\nend\n" },
  { "repeat", "repeat\n%s\nuntil true\n" },
  { "do block", "do\n%s\nend\n" },
  { "do block after a return", "do return end\n%s\n" },
  { "goto over it", "goto skip\n%s\n::skip::\n" },
  { "a local of the same name", "local %s\n" },
  { "a local declared first" },
  { "a table field", "local t = { %s }\n" },
  { "real, after a closed long comment", "--[[ x ]] %s\n" },
  { "real, after ---[[ (a line comment)", "---[[\n%s\n--]]\n" },
  { "real, after -- [[ (a line comment)", "-- [[\n%s\n" },
  { "real, after a closed long string", "local function s() return [==[ ]] ]=] ]==] end %s\n" },
  { "real, after a string with escapes", 'local function s() return "a\\"b\\\\" end %s\n' },
  { "real, split over lines" },
  { "real, after a semicolon", "local function a() end; %s;\n" },
  { "real, CRLF", "%s\r\n" },
  { "real, then concatenated", '%s .. ""\n' },
  { "real, then or", "%s or nil\n" },
  { "real, then compared", "%s == nil\n" },
  { "real, multiple assignment" },
  { "real, second of a multiple assignment" },
  { "real, then changed in a block", "%s\nif true then %s end\n" },
  { "real, then changed in a function run at once", "%s\nlocal function f() %s end\nf()\n" },
  { "through _ENV", "_ENV.%s\n" },
  { "through _ENV with brackets", "_ENV[%q] = nil\n" },
  { "rawset on _ENV", "rawset(_ENV, %q, nil)\n" },
  { "a field of a table", "local t = {}\nt.%s\n" },
  { "a method-like name", "local t = {}\nfunction t:%s end\n" },
  { "a label", "::%s::\n" },
}

-- Fill a form's %s/%q: the statement, or the key's name where the form
-- needs only the name.
local function fill(form, key, value)
  local stmt = key .. " = " .. value
  local name, text = form[1], form[2]
  if name:find("_ENV with brackets", 1, true) or name:find("rawset", 1, true) then
    return (text:gsub("%%q", string.format("%q", key)))
  elseif name == "a local declared first" then
    return "local " .. key .. "\n" .. stmt .. "\n"
  elseif name == "real, split over lines" then
    return key .. "\n  =\n  " .. value .. "\n"
  elseif name == "real, multiple assignment" then
    return key .. ", a = " .. value .. ", 2\n"
  elseif name == "real, second of a multiple assignment" then
    return "a, " .. key .. " = 1, " .. value .. "\n"
  elseif name == "a method-like name" then
    return (text:gsub("%%s", key .. "()"))
  elseif name == "a label" then
    return (text:gsub("%%s", key))
  end
  return (text:gsub("%%s", function() return stmt end))
end

local function file(key_line, body)
  return "-- a revision\n" .. (key_line or "") .. body .. "\nfunction upgrade() end\nfunction downgrade() end\n"
end

describe("revscan", function()
  it("gives the evaluated metadata or nil, for every key hidden or written in every way", function()
    local n = 0
    for _, kv in ipairs(KEYS) do
      for _, form in ipairs(FORMS) do
        local key, value = kv[1], kv[2]
        local body = fill(form, key, value)
        local what = key .. " = " .. value .. ", " .. form[1]
        -- the key alone, and after a real assignment of the file's own
        local rec = check(file(key ~= "revision" and 'revision = "real1"\n' or nil, body), what)
        -- the plain forms stay on the fast path
        if form[1]:find("^real, after") or form[1]:find("^real, split") or form[1]:find("^real, CRLF") then
          assert(rec, what .. ": not read by the scanner")
        end
        check(file('revision = "real1"\n' .. (key ~= "revision" and key .. " = nil\n" or ""), body),
          what .. ", after a real assignment")
        check(file(nil, body .. '\nrevision = "real1"\n'), what .. ", before the revision")
        n = n + 3
      end
    end
    assert.is_true(n > 900)
  end)

  it("hides nothing in comments and long strings: the fast path reads them right", function()
    local hidden = {
      "--[[ transactional = false ]]",
      "--[==[\ntransactional = false\ndepends_on = { \"zz\" }\n]==]",
      "local s = [[\ntransactional = false\ndown_revision = \"zz\"\n]]",
      "local s = \"\\\ntransactional = false\"",
    }
    for _, h in ipairs(hidden) do
      local rec = check(file('revision = "r1"\ndown_revision = "p1"\n', h), h)
      if rec then
        assert.is_true(rec.transactional, h)
        assert.same({ "p1" }, plain(rec.down_revisions), h)
        assert.same({}, plain(rec.depends_on), h)
      end
    end
  end)

  it("reads the forms `luamig revision` writes, and plain variations of them", function()
    local forms = {
      template.render(template.DEFAULT_TEMPLATE, { message = "add users", rev = "abc123", revises = "none",
        create_date = "2026-01-01", down_revision = "nil", branch_labels = "nil", depends_on = "nil",
        upgrades = '  op.create_table("t", Column("id", Integer))', downgrades = '  op.drop_table("t")' }),
      '-- doc\nrevision = "abc123"\ndown_revision = { "a",\n  "b", -- the other parent\n}\n'
        .. 'branch_labels = "x"; depends_on = { \'d\' }\ntransactional = false -- PostgreSQL: CREATE INDEX CONCURRENTLY\n'
        .. '--[[ notes: transactional = true ]]\n'
        .. 'local function helper(t) return { t, [[x]] } end\n'
        .. 'function upgrade()\n  if true then op.execute("SELECT \\"revision\\"") end\n'
        .. '  for i = 1, 2 do local t = { i } end\n  repeat until true\nend\n'
        .. 'function downgrade() op.execute([==[ transactional = true ]==]) end\n',
      '\r\n-- crlf\r\nrevision = "abc123"\r\ndown_revision = nil\r\nfunction upgrade()\r\nend\r\n',
    }
    for i, src in ipairs(forms) do
      local rec = check(src, "form " .. i)
      assert.is_not_nil(rec, "form " .. i .. " is not read by the scanner:\n" .. src)
      assert.equal("abc123", rec.id)
    end
    local rec = revscan.record(forms[2], PATH, NONE)
    assert.equal("doc", rec.doc)
    assert.same({ "a", "b" }, rec.down_revisions)
    assert.same({ "x" }, rec.branch_labels)
    assert.same({ "d" }, rec.depends_on)
    assert.is_false(rec.transactional)
    assert.equal(NONE, revscan.record(forms[1], PATH, NONE).depends_on)
  end)

  it("leaves to evaluation what it does not fully understand", function()
    local cases = {
      ['revision = "a" .. "b"'] = "a computed value",
      ['revision = "r1"\nrevision = "r1"'] = "a repeated key",
      ['revision = "r1"\ntransactional = "no"'] = "a transactional that is not a boolean",
      ['revision = "r1"\ntransactional = 0'] = "a number",
      ['revision = "r1"\ndown_revision = "a\\tb"'] = "an escape",
      ['revision = [[r1]]'] = "a long string",
      ['revision = "r1"\nlocal _ENV = _ENV'] = "_ENV",
      ['revision = "r1"\nupgrade = nil'] = "upgrade reassigned",
      ['revision = "r1"\nlocal x = upgrade'] = "upgrade read",
      ['revision = "r1"\nfunction downgrade.x() end'] = "a field of downgrade",
      ['revision = "r1"\nfunction f() revision = "r2" end'] = "a key in a function body",
      ['revision = "r1"\nlocal t = { "unclosed"'] = "an unbalanced bracket",
      ['revision = "r1"\nlocal s = "unfinished\n"'] = "an unfinished string",
      ['revision = "r1"\n--[[ unfinished comment'] = "an unfinished comment",
      ['revision = "r1"\nlocal s = [=[ unfinished ]]'] = "an unfinished long string",
      ['revision = "r1"\nend'] = "an extra end",
      ['revision = "r1"\nreturn'] = "a top-level return",
      ['#!/usr/bin/env lua\nrevision = "r1"'] = "a shebang line",
    }
    for body, what in pairs(cases) do
      assert.is_nil(revscan.record(body .. "\nfunction upgrade() end\n", PATH, NONE), what)
    end
  end)
end)
