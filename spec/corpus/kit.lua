-- What the corpus's cases share: the base project every case starts from
-- (three revisions: users, posts with a view, a column with a default),
-- the case revision's id and file, and a builder for revision texts.
local M = {}

M.A1, M.A2, M.A3 = "1a2b3c4d0001", "1a2b3c4d0002", "1a2b3c4d0003"
M.B = "bbbb00000001"                          -- the case's own revision
M.BAD = "migrations/versions/b1_case.lua"      -- its file

local function q(s) return string.format("%q", s) end

--- A revision file. o: id (default M.B), down (default M.A3; false for
-- nil; a list for a merge), doc, top (lines after down_revision), up
-- (upgrade's body: a string or a list of lines), down_body, tail (lines at
-- the end), no_upgrade, no_downgrade.
function M.rev(o)
  o = o or {}
  local id = o.id or M.B
  local down = o.down
  if down == nil then down = M.A3 end
  local down_lua
  if down == false then down_lua = "nil"
  elseif type(down) == "table" then
    local parts = {}
    for i, d in ipairs(down) do parts[i] = q(d) end
    down_lua = "{ " .. table.concat(parts, ", ") .. " }"
  else down_lua = q(down) end
  local function body(b)
    if type(b) == "table" then return table.concat(b, "\n") end
    return b or ""
  end
  local out = {
    "-- " .. (o.doc or "case"),
    "revision = " .. q(id),
    "down_revision = " .. down_lua,
  }
  if o.top then out[#out + 1] = body(o.top) end
  out[#out + 1] = ""
  if not o.no_upgrade then
    out[#out + 1] = "function upgrade()"
    out[#out + 1] = body(o.up)
    out[#out + 1] = "end"
    out[#out + 1] = ""
  end
  if not o.no_downgrade then
    out[#out + 1] = "function downgrade()"
    out[#out + 1] = body(o.down_body)
    out[#out + 1] = "end"
  end
  if o.tail then out[#out + 1] = body(o.tail) end
  return table.concat(out, "\n") .. "\n"
end

M.BASE = {
  ["migrations/versions/a1_users.lua"] = M.rev {
    id = M.A1, down = false, doc = "create users",
    up = {
      '  op.create_table("users",',
      '    Column("id", Integer, { primary_key = true }),',
      '    Column("name", String(50), { nullable = false }),',
      '    Column("email", String(100), { unique = true }))',
      '  op.create_index("ix_users_name", "users", { "name" })',
      '  op.bulk_insert("users", {',
      '    { id = 1, name = "ann", email = "ann@example.org" },',
      '    { id = 2, name = "bob", email = "bob@example.org" } })',
    },
    down_body = '  op.drop_table("users")',
  },
  ["migrations/versions/a2_posts.lua"] = M.rev {
    id = M.A2, down = M.A1, doc = "create posts",
    up = {
      '  op.create_table("posts",',
      '    Column("id", Integer, { primary_key = true }),',
      '    Column("user_id", Integer, { nullable = false, references = "users.id" }),',
      '    Column("title", String(200), { nullable = false, server_default = "untitled" }),',
      '    Column("body", Text))',
      '  op.execute("INSERT INTO posts (id, user_id, title) VALUES (1, 1, \'hello\')")',
      '  op.execute("CREATE VIEW v_posts AS SELECT p.id, u.name, p.title FROM posts p JOIN users u ON u.id = p.user_id")',
    },
    down_body = { '  op.execute("DROP VIEW v_posts")', '  op.drop_table("posts")' },
  },
  ["migrations/versions/a3_age.lua"] = M.rev {
    id = M.A3, down = M.A2, doc = "add age",
    up = '  op.add_column("users", Column("age", Integer, { nullable = false, server_default = 0 }))',
    down_body = '  op.drop_column("users", "age")',
  },
}

--- The base project plus the case revision with upgrade body `up`
-- (a shorthand for the many cases that differ only there).
function M.up(up, extra)
  local o = { up = up }
  for k, v in pairs(extra or {}) do o[k] = v end
  return { [M.BAD] = M.rev(o) }
end

--- The 1-based line of the first line of text holding needle.
function M.line_of(text, needle)
  local n = 0
  for l in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    if l:find(needle, 1, true) then return n end
  end
end

return M
