-- luamig.config.dotenv: a `.env` file's variables put into the process's
-- environment, as dbmate (godotenv) does: before the settings are read, a
-- variable already set (even to "") is kept, so that the deploy's
-- environment wins over the file. The values go through sys.setenv, so
-- that what reads the environment in C (libpq's PGPASSWORD, Connector/C's
-- MYSQL_PWD) sees them as os.getenv does.
--
-- Lines: `KEY=value`, `export KEY=value`, blank lines and `# comments`;
-- spaces around `=`; a value in single quotes is taken as it is; in double
-- quotes \n, \t, \", \\ and \$ are escapes; unquoted, a ` #` starts a
-- comment and spaces at either end go. $VAR and ${VAR} in a value that is
-- not single-quoted are replaced by the variable (set before, or earlier
-- in the file; "" when unset), as godotenv does.

local sys = require("luamig.sys")

local M = {}

local ESCAPES = { n = "\n", t = "\t", r = "\r", ['"'] = '"', ["\\"] = "\\", ["$"] = "$" }

local function expand(value, lookup)
  value = value:gsub("%${([%a_][%w_]*)}", function(k) return lookup(k) or "" end)
  return (value:gsub("%$([%a_][%w_]*)", function(k) return lookup(k) or "" end))
end

-- The value part of a line (after `=`): value | nil, why.
local function parse_value(raw, lookup)
  local first = raw:sub(1, 1)
  if first == "'" then
    local inner, rest = raw:match("^'([^']*)'(.*)$")
    if not inner then return nil, "a single quote that does not end" end
    if not (rest:match("^%s*$") or rest:match("^%s+#")) then return nil, "text after the closing quote" end
    return inner
  elseif first == '"' then
    -- Plain text expands; an escaped character is taken as it is (\$ is
    -- a dollar sign, not a variable).
    local out, plain, i = {}, {}, 2
    local function flush() out[#out + 1] = expand(table.concat(plain), lookup); plain = {} end
    while i <= #raw do
      local c = raw:sub(i, i)
      if c == '"' then
        local rest = raw:sub(i + 1)
        if not (rest:match("^%s*$") or rest:match("^%s+#")) then return nil, "text after the closing quote" end
        flush()
        return table.concat(out)
      elseif c == "\\" then
        local e = raw:sub(i + 1, i + 1)
        flush()
        out[#out + 1] = ESCAPES[e] or ("\\" .. e)
        i = i + 2
      else
        plain[#plain + 1] = c
        i = i + 1
      end
    end
    return nil, "a double quote that does not end"
  end
  local value = raw:gsub("%s+#.*$", ""):match("^%s*(.-)%s*$")
  return expand(value, lookup)
end

--- The variables of a .env file's text, in order: { {key, value}... } |
-- nil, "line N: why". lookup(name): a variable's value, for $VAR.
function M.parse(text, lookup)
  local vars, seen = {}, {}
  local function get(k) if seen[k] ~= nil then return seen[k] end return lookup(k) end
  local n = 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    line = line:gsub("\r$", "")
    if n == 1 then line = line:gsub("^\239\187\191", "") end  -- a UTF-8 BOM
    if not (line:match("^%s*$") or line:match("^%s*#")) then
      local key, raw = line:match("^%s*export%s+([%a_][%w_.]*)%s*=%s*(.-)%s*$")
      if not key then key, raw = line:match("^%s*([%a_][%w_.]*)%s*=%s*(.-)%s*$") end
      if not key then
        return nil, string.format("line %d: expected KEY=value, got %q", n, line:sub(1, 60))
      end
      local value, why = parse_value(raw, get)
      if not value then return nil, string.format("line %d: %s (%s)", n, why, key) end
      vars[#vars + 1] = { key, value }
      seen[key] = value
    end
  end
  return vars
end

--- Load the .env file at path into the environment, keeping variables
-- already set. required: a missing file is an error (--env-file), not
-- "no file" (./.env). Returns the names set | nil, msg.
function M.load(path, required)
  local st = sys.stat(path)
  if not st then
    if not required then return {} end
    return nil, string.format("env file %s does not exist", path)
  end
  if st.type ~= "file" then return nil, string.format("cannot read env file %s: it is not a regular file", path) end
  local f, err = io.open(path, "rb")
  if not f then return nil, string.format("cannot read env file %s", err) end
  local text = f:read("a")
  f:close()
  local vars, perr = M.parse(text or "", os.getenv)
  if not vars then return nil, string.format("env file %s: %s", path, perr) end
  local set = {}
  for _, kv in ipairs(vars) do
    if os.getenv(kv[1]) == nil then
      local ok, serr = sys.setenv(kv[1], kv[2])
      if not ok then return nil, string.format("env file %s: %s", path, serr) end
      set[#set + 1] = kv[1]
    end
  end
  return set
end

return M
