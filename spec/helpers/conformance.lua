-- The conformance check of luamig's operations against Alembic's own op
-- tests (spec/conformance/*.lua hold the cases; conformance_spec.lua runs
-- them). A case is one Alembic test expressed as a luamig revision:
--
--   { "test_add_column_fk",                         -- the Alembic test
--     setup = [[op.create_table("c2", ...)]],        -- revision a1 (optional)
--     up = [[op.add_column("t1", Column(...))]],     -- revision b2: the case
--     alembic = { "ALTER TABLE t1 ADD COLUMN ..." }, -- the SQL the test expects
--     on = { "postgres" },                           -- the backends it is for
--     differs = "why",                               -- a deliberate difference
--   }
--
-- `alembic` is a list of statements, or a table of lists by backend tag.
-- An autogenerate comparison test (Alembic's *DefaultCompareTest...) is a
-- case with `model` (the text of migrations/models.lua) and `diff` (whether
-- Alembic finds a difference) instead: luamig check after the setup must
-- agree (exit 1 with a difference, 0 without) to be the same.
-- A case with `python` instead of `alembic` runs Alembic itself: the
-- Python (Alembic's op calls, from the test) runs by
-- spec/helpers/alembic_ops.py on a database after the same setup, and
-- the two databases (schema and rows) are compared: equivalent when they
-- match. Alembic's batch round-trip tests assert data, not SQL.
-- A case where Alembic raises (`refused = "its message"`, no `alembic`)
-- is equivalent when luamig refuses too, with a message of its own.
-- A case has one result per backend:
--   same        luamig writes the same statements, compared with identifier
--               quotes, case and white space around punctuation ignored;
--   equivalent  it writes other SQL, but on the real server the database it
--               leaves (schema and rows: helpers.snapshot) is the one that
--               Alembic's statements leave after the same setup; or both are
--               refused: luamig with its own one-line message, Alembic's SQL
--               by the server;
--   differs     anything else, with the reason;
--   raw error   luamig failed with a Lua error instead of a message.

local h = require("helpers.luamig")
local snapshot = require("helpers.snapshot")

local M = {}

-- A statement in the form two are compared in: identifier quotes gone,
-- upper case, white space folded and none around punctuation; string
-- literals kept as they are.
function M.normal(sql)
  local parts, pos = {}, 1
  local function outside(text)
    text = text:gsub('[`"]', ""):upper():gsub("%s+", " "):gsub(" ?([(),;=]) ?", "%1")
    parts[#parts + 1] = text
  end
  while true do
    local s = sql:find("'", pos, true)
    if not s then outside(sql:sub(pos)); break end
    outside(sql:sub(pos, s - 1))
    local e = s + 1
    while true do
      local q = sql:find("'", e, true)
      if not q then e = #sql; break end
      if sql:sub(q + 1, q + 1) == "'" then e = q + 2 else e = q; break end
    end
    parts[#parts + 1] = sql:sub(s, e)
    pos = e + 1
  end
  return (table.concat(parts):gsub("^ ", ""):gsub("[ ;]+$", ""))
end

-- The statements of revision b2 in luamig's --sql output: after its
-- "-- Running upgrade" line, without the transaction and the version
-- table's update.
function M.statements(output)
  local body = output:match("%-%- Running upgrade a1 %-> b2[^\n]*\n(.*)$") or ""
  local out = {}
  for stmt in (body .. "\n"):gmatch("(.-);\n") do
    stmt = stmt:gsub("^%s+", "")
    local word = stmt:upper()
    if stmt ~= "" and word ~= "BEGIN" and word ~= "COMMIT" and not word:find("^%-%-")
      and not word:find("LUAMIG_VERSION", 1, true) then
      out[#out + 1] = stmt
    end
  end
  return out
end

-- Alembic's statements for backend `tag`.
local function expected(case, tag)
  local a = case.alembic
  if a[1] ~= nil or next(a) == nil then return a end
  return a[tag]
end

local function same_statements(ours, theirs)
  if #ours ~= #theirs then return false end
  for i = 1, #ours do
    if M.normal(ours[i]) ~= M.normal(theirs[i]) then return false end
  end
  return true
end

-- A failure that is Lua's, not luamig's message.
local function raw_error(stderr)
  return stderr:find("attempt to ", 1, true) or stderr:find("stack traceback", 1, true)
    or stderr:find("bad argument #", 1, true) or stderr:find("%[string \"luamig")
end

-- The error line of luamig's stderr.
local function error_line(stderr)
  return stderr:match("luamig: [^\n]*") or stderr
end

local DIALECT = { sqlite = "sqlite", postgres = "postgresql", mysql = "mysql" }

-- The project of `case`: a1 runs its setup, b2 its body; `config` is
-- the body of its luamig.lua table (a naming convention...).
local function project(case)
  return h.project {
    ["migrations/versions/a1_setup.lua"] = h.revision_text("a1", { up = case.setup or "" }),
    ["migrations/versions/b2_case.lua"] = h.revision_text("b2", { down = "a1", up = case.up }),
    ["luamig.lua"] = "return {" .. (case.config or "") .. "}\n",
  }
end

-- Keys of a snapshot that are luamig's own or a file's.
local function ignored(key)
  return key:find("luamig_", 1, true) ~= nil or key:find("^file ") ~= nil
end

-- SQLite keeps each table's CREATE text as written: two texts can make
-- the same table ("id INTEGER NOT NULL PRIMARY KEY" and "..., PRIMARY KEY
-- (id)"). So a table is compared by what the PRAGMAs say (its columns are
-- in the snapshot already), its indexes and foreign keys, and the named
-- constraints and CHECKs that only the text holds (as luamig's SQLite
-- reader reads them, luamig.reflect.sqlite).
local function sqlite_structure(b, url, snap)
  local catalog = require("luamig.reflect.sqlite")
  b:with(url, function(conn)
    local cat = assert(catalog.read(conn, { exclude = {} }))
    for _, t in pairs(cat.tables) do
      snap["table " .. t.name] = nil
      local parts = { "pk " .. (t.primary_key and table.concat(t.primary_key.columns, ",") or "none") }
      for _, u in ipairs(t.uniques) do parts[#parts + 1] = "unique " .. table.concat(u.columns, ",") end
      for _, c in ipairs(t.checks) do parts[#parts + 1] = "check " .. tostring(c.name) .. " " .. c.sqltext end
      for _, fk in ipairs(t.foreign_keys) do
        parts[#parts + 1] = string.format("fk %s (%s) -> %s (%s) %s %s", tostring(fk.name),
          table.concat(fk.columns, ","), fk.ref_table, table.concat(fk.ref_columns, ","), fk.on_delete, fk.on_update)
      end
      for _, ix in ipairs(t.indexes) do snap["index " .. ix.name] = nil end
      for _, ix in ipairs(t.indexes) do
        local elems = {}
        for i, e in ipairs(ix.elements) do elems[i] = e.text end
        parts[#parts + 1] = string.format("index %s %s (%s)%s", ix.name, ix.unique and "unique" or "",
          table.concat(elems, ","), ix.where and (" where " .. ix.where) or "")
      end
      table.sort(parts)
      snap["table " .. t.name .. " structure"] = table.concat(parts, "; ")
    end
    for k in pairs(snap) do
      if k:find("^index sqlite_autoindex_") then snap[k] = nil end
    end
  end)
  return snap
end

-- PostgreSQL: luamig makes an integer key an identity column where
-- SQLAlchemy makes it SERIAL (a sequence and a nextval() default). Both
-- have the database generate the key; they count as the same here, and
-- the README says luamig's choice. So a column is "generated" either way,
-- and SERIAL's sequence is left out.
local function pg_generated_keys(snap)
  for k, v in pairs(snap) do
    if k:find("^relation .*_seq$") and v == "kind S" then
      snap[k] = nil
    elseif k:find(" column ", 1, true) then
      if v:find('is_identity="YES"', 1, true) then
        v = v:gsub('is_identity="YES"', 'is_identity="NO"'):gsub('identity_generation="[^"]*"', "identity_generation=NULL")
          :gsub("column_default=NULL", "column_default=GENERATED")
      end
      snap[k] = v:gsub('column_default="nextval%b()"', "column_default=GENERATED")
    end
  end
  return snap
end

-- The snapshot of the database at `url` in the form two are compared in.
local function comparable(b, url)
  local snap = snapshot.take(b, url)
  if b.tag == "sqlite" then sqlite_structure(b, url, snap) end
  if b.tag == "postgres" then pg_generated_keys(snap) end
  local out = {}
  for k, v in pairs(snap) do
    -- %q'd text: its escaped quotes and line ends are plain text here
    if not ignored(k) then out[k] = M.normal((v:gsub('\\"', '"'):gsub("\\\n", "\n"))) end
  end
  return out
end

-- luamig's test URL as SQLAlchemy's (the same database, its driver named).
local function sqlalchemy_url(url)
  return (url:gsub("^postgresql://", "postgresql+psycopg2://"):gsub("^mysql://", "mysql+mysqldb://"))
end

local HELPERS = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "spec/helpers"

-- A case run by Alembic itself (case.python) beside luamig's revision.
local function run_alembic(b, case, dir)
  local mine_url, their_url = b:new_database(), b:new_database()
  local mine = h.run(dir, { "-u", mine_url, "upgrade", "head" })
  if raw_error(mine.stderr) then return { result = "raw error", why = mine.stderr } end
  h.run_ok(dir, { "-u", their_url, "upgrade", "a1" })
  local script = HELPERS:sub(1, 1) == "/" and HELPERS or (os.getenv("PWD") .. "/" .. HELPERS)
  local theirs = h.sh(h.command(dir, "/usr/bin/python3", { script .. "/alembic_ops.py", sqlalchemy_url(their_url),
    case.python }))
  if mine.status ~= 0 then
    if theirs.status ~= 0 then return { result = "equivalent", why = "both refused: " .. error_line(mine.stderr) } end
    return { result = "differs", why = "luamig refused what Alembic does: " .. error_line(mine.stderr) }
  end
  if theirs.status ~= 0 then return { result = "differs", why = "Alembic failed: " .. theirs.stderr } end
  local diff = snapshot.diff(comparable(b, mine_url), comparable(b, their_url))
  snapshot.close()
  if diff == nil then return { result = "equivalent" } end
  return { result = "differs", why = "schema or rows: " .. diff }
end

-- A comparison case: setup, then `luamig check` against case.model.
local function run_compare(b, case)
  local dir = h.project {
    ["migrations/versions/a1_setup.lua"] = h.revision_text("a1", { up = case.setup or "" }),
    ["migrations/models.lua"] = case.model,
  }
  local url = b:new_database()
  h.run_ok(dir, { "-u", url, "upgrade", "head" })
  local r = h.run(dir, { "-u", url, "check" })
  if raw_error(r.stderr) then return { result = "raw error", why = r.stderr } end
  local found = r.status == 1
  if r.status > 1 then return { result = "differs", why = error_line(r.stderr) } end
  if found == case.diff then return { result = "same" } end
  return { result = "differs", why = string.format("Alembic finds %s, luamig check %s: %s",
    case.diff and "a difference" or "none", found and "does" or "does not", r.stdout .. r.stderr) }
end

--- Run `case` on backend `b`, whose new databases come from b:new_database():
-- {result = "same"|"equivalent"|"differs"|"raw error", why = text}.
function M.run(b, case)
  if case.model then return run_compare(b, case) end
  local dir = project(case)
  if case.python then return run_alembic(b, case, dir) end
  if case.refused then
    local r = h.run(dir, { "upgrade", "a1:b2", "--sql", "--dialect", DIALECT[b.tag] })
    if raw_error(r.stderr) then return { result = "raw error", why = r.stderr } end
    if r.status ~= 0 then return { result = "equivalent", why = "both refused: " .. error_line(r.stderr) } end
    return { result = "differs", why = "Alembic refuses (" .. case.refused .. "); luamig wrote: " .. r.stdout }
  end
  local theirs = expected(case, b.tag)
  local offline = h.run(dir, { "upgrade", "a1:b2", "--sql", "--dialect", DIALECT[b.tag] })
  if raw_error(offline.stderr) then return { result = "raw error", why = offline.stderr } end
  local ours = offline.status == 0 and M.statements(offline.stdout) or nil
  if ours and same_statements(ours, theirs) then return { result = "same" } end

  -- Online: luamig's run, and Alembic's statements after the same setup.
  local mine_url, their_url = b:new_database(), b:new_database()
  local mine = h.run(dir, { "-u", mine_url, "upgrade", "head" })
  if raw_error(mine.stderr) then return { result = "raw error", why = mine.stderr } end
  h.run_ok(dir, { "-u", their_url, "upgrade", "a1" })
  local their_err
  b:with(their_url, function(conn)
    if b.tag == "sqlite" then assert(conn:execute("PRAGMA foreign_keys = OFF")) end
    for _, stmt in ipairs(theirs) do
      local ok, err = conn:execute(stmt)
      if not ok then their_err = string.format("%s: %s", stmt, tostring(err)); break end
    end
  end)
  local why = ours and ("luamig wrote: " .. table.concat(ours, "; ")) or error_line(offline.stderr)
  if mine.status ~= 0 then
    if their_err then return { result = "equivalent", why = "both refused: " .. error_line(mine.stderr) } end
    return { result = "differs", why = "luamig refused what Alembic's SQL does: " .. error_line(mine.stderr) }
  end
  if their_err then return { result = "differs", why = "Alembic's SQL failed here (" .. their_err .. "); " .. why } end
  local diff = snapshot.diff(comparable(b, mine_url), comparable(b, their_url))
  snapshot.close()
  if diff == nil then return { result = "equivalent", why = why } end
  return { result = "differs", why = why .. "; schema: " .. diff }
end

return M
