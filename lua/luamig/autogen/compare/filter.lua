-- luamig.autogen.compare.filter: whether cfg.include_name and
-- cfg.include_object let an object take part in the comparison.

local M = {}

local function included(cfg, object, name, kind, reflected, compare_to, parents)
  if cfg.include_name and reflected and not cfg.include_name(name, kind, parents or {}) then return false end
  if cfg.include_object and not cfg.include_object(object, name, kind, reflected, compare_to) then return false end
  return true
end
M.included = included

return M
