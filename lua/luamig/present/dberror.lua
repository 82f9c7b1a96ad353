-- luamig.present.dberror: one way to show a database failure.
--
-- The driver binding returns nil, message, info; what a user needs on the
-- error line is the server's message with its SQLSTATE (to look it up), and
-- the server's detail and hint when it gives them.

local M = {}

--- "message [SQLSTATE 23505] (detail: ...; hint: ...)"
function M.describe(message, info)
  message = message or "unknown database error"
  if type(info) ~= "table" then return message end
  local out = message
  if info.sqlstate and info.sqlstate ~= "" and not message:find(info.sqlstate, 1, true) then
    out = string.format("%s [SQLSTATE %s]", out, info.sqlstate)
  end
  local extra = {}
  if info.detail and info.detail ~= "" then extra[#extra + 1] = "detail: " .. info.detail end
  if info.hint and info.hint ~= "" then extra[#extra + 1] = "hint: " .. info.hint end
  if #extra > 0 then out = out .. " (" .. table.concat(extra, "; ") .. ")" end
  return (out:gsub("[\r\n]+", " "))
end

return M
