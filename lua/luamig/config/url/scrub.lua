-- luamig.config.url.scrub: taking a URL's secrets (its password, its secret
-- parameters) out of a message, such as a driver's that echoes the
-- connection string.

local params = require("luamig.config.url.params")

local M = {}

local SECRET = params.SECRET

--- Scrub every occurrence of the secrets from a message (drivers may echo
-- connection strings). `secrets`: a password, or a parsed URL (its
-- password and secret parameters). A secret of one or two characters is
-- left: it would turn every "p" of the message into *** and hide nothing
-- worth it.
function M.scrub(message, secrets)
  if type(message) ~= "string" then return message end
  local list = {}
  if type(secrets) == "table" then
    if secrets.password then list[#list + 1] = secrets.password end
    for k, v in pairs(secrets.params or {}) do
      if SECRET[k] then list[#list + 1] = v end
    end
    for _, v in ipairs(secrets) do list[#list + 1] = v end
  elseif secrets then
    list[1] = secrets
  end
  for _, secret in ipairs(list) do
    if #secret >= 3 then
      local i, j = message:find(secret, 1, true)
      while i do
        message = message:sub(1, i - 1) .. "***" .. message:sub(j + 1)
        i, j = message:find(secret, i + 3, true)
      end
    end
  end
  return message
end

return M
