-- What the schema-reflection specs (spec/integration/reflect_*_spec.lua)
-- share: a snapshot table's columns by name, and a connection that counts
-- the statements reflection runs through it (reflection must not issue
-- more queries for a larger schema).

local M = {}

--- The columns of a snapshot table, by name.
function M.columns_by_name(tbl)
  local out = {}
  for _, c in ipairs(tbl.columns) do out[c.name] = c end
  return out
end

--- A proxy of `conn` that forwards every field and counts the calls of its
-- methods: of those named in the list `methods`, or of every one when nil.
-- Returns the proxy and a table whose field n is the count so far.
function M.counting(conn, methods)
  local counted
  if methods then
    counted = {}
    for _, m in ipairs(methods) do counted[m] = true end
  end
  local calls = { n = 0 }
  local proxy = setmetatable({}, {
    __index = function(_, key)
      local v = conn[key]
      if type(v) ~= "function" then return v end
      return function(_, ...)
        if not counted or counted[key] then calls.n = calls.n + 1 end
        return v(conn, ...)
      end
    end,
  })
  return proxy, calls
end

return M
