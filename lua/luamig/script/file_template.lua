-- luamig.script.file_template: the name of a new revision file from the
-- `file_template` setting, written as Alembic's: "%(rev)s_%(slug)s" (the
-- default), or date-sortable names such as
-- "%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s".
--
-- A token is %(name) and a printf conversion (flags, width, precision,
-- then s, d or i), as Python's %-formatting reads it; %% is a literal %.
-- In alembic.ini every % is doubled because of ConfigParser; luamig.lua is
-- Lua, so it is not, and "%%(rev)s" (copied from an ini file) is refused
-- with that said rather than naming files "%(rev)s_...".
-- The result is the file name before ".lua", with any _ or - at its ends
-- trimmed; it must not hold a "/" nor start with "." (luamig would not read
-- such a file as a revision).

local M = {}

M.DEFAULT = "%(rev)s_%(slug)s"

-- The tokens, and whether each is a number (d and i need one).
local TOKENS = { rev = false, slug = false, year = true, month = true, day = true, hour = true, minute = true,
  second = true, epoch = true }
local ORDER = { "rev", "slug", "year", "month", "day", "hour", "minute", "second", "epoch" }

local function known()
  local parts = {}
  for i, name in ipairs(ORDER) do parts[i] = "%(" .. name .. ")" end
  return table.concat(parts, ", ")
end

-- The pieces of a template: strings and {name =, spec =} tokens | nil, msg.
local function parse(template)
  local pieces, i, n = {}, 1, #template
  while i <= n do
    local pct = template:find("%", i, true)
    if not pct then
      pieces[#pieces + 1] = template:sub(i)
      break
    end
    if pct > i then pieces[#pieces + 1] = template:sub(i, pct - 1) end
    local nextc = template:sub(pct + 1, pct + 1)
    if nextc == "%" then
      if template:sub(pct + 2, pct + 2) == "(" then
        return nil, string.format("%%%%( at character %d: in luamig.lua a token is written %%(rev)s, with one %%"
          .. " (alembic.ini doubles it only because of its ini syntax)", pct)
      end
      pieces[#pieces + 1] = "%"
      i = pct + 2
    elseif nextc == "(" then
      local close = template:find(")", pct + 2, true)
      if not close then return nil, string.format("%%( at character %d has no closing )", pct) end
      local name = template:sub(pct + 2, close - 1)
      if TOKENS[name] == nil then
        return nil, string.format("unknown token %%(%s); the tokens are %s", name, known())
      end
      local flags, width, precision, conv = template:match("^([-+ #0]*)(%d*)(%.?%d*)(%a?)", close + 1)
      local spec = flags .. width .. precision .. conv
      if conv == "" then
        return nil, string.format("%%(%s) needs a conversion after it, such as %%(%s)%s", name, name,
          TOKENS[name] and ".2d" or "s")
      elseif conv ~= "s" and conv ~= "d" and conv ~= "i" then
        return nil, string.format("%%(%s)%s: use the conversion s, d or i, not %s", name, spec, conv)
      elseif conv ~= "s" and not TOKENS[name] then
        return nil, string.format("%%(%s)%s: %s is text, so its conversion is s", name, spec, name)
      elseif #width > 2 or #precision > 3 then
        return nil, string.format("%%(%s)%s: a width or precision of at most 99", name, spec)
      end
      pieces[#pieces + 1] = { name = name, spec = spec }
      i = close + 1 + #spec
    else
      return nil, string.format("a %% at character %d starts no token: write %%(rev)s, %%(year)d... or %%%% for a"
        .. " literal %%", pct)
    end
  end
  return pieces
end

--- true | nil, msg: whether template is a usable file_template.
function M.check(template)
  local pieces, err = parse(template)
  if not pieces then return nil, err end
  for _, p in ipairs(pieces) do
    if type(p) == "table" then return true end
  end
  -- every revision would get the same name, and the second one would fail
  return nil, "it has no token: every revision would get the same file name (use %(rev)s)"
end

--- The tokens' values for a revision: rev and slug, and the date of `time`
-- (os.time(); local time, as the file's Create Date).
function M.fields(rev, slug, time)
  local d = os.date("*t", time)
  return { rev = rev, slug = slug, year = d.year, month = d.month, day = d.day, hour = d.hour, minute = d.min,
    second = d.sec, epoch = math.tointeger(time) or time }
end

--- The file name (without ".lua") of template with fields | nil, msg.
function M.render(template, fields)
  local pieces, err = parse(template)
  if not pieces then return nil, err end
  local out = {}
  for i, p in ipairs(pieces) do
    if type(p) == "table" then
      local v = fields[p.name]
      if p.spec:sub(-1) ~= "s" then v = math.tointeger(v) or v end
      out[i] = string.format("%" .. p.spec, v)
    else
      out[i] = p
    end
  end
  -- "%(rev)s_%(slug)s" with an empty slug (a message of punctuation only)
  -- would end in _, and "%(slug)s_%(rev)s" start with one: trimmed
  local name = table.concat(out):gsub("^[_%-]+", ""):gsub("[_%-]+$", "")
  if name == "" then return nil, "it makes an empty file name" end
  if name:find("/", 1, true) or name:find("\0", 1, true) then
    return nil, string.format("it makes the file name %q, which holds a /: a file name only", name)
  end
  if name:sub(1, 1) == "." then
    return nil, string.format("it makes the file name %q: a name starting with . is not read as a revision", name)
  end
  return name
end

return M
