-- luamig.lint.capture: the statements a run would execute, each with the
-- revision file and line that issued it.
--
-- The revisions run as `upgrade --sql` runs them (an offline context that
-- writes instead of executing), with the writer's output kept instead of
-- printed. The line is found where the op reaches the context: the first
-- frame on the stack whose chunk is a revision file is the op call's line
-- (an op called through a helper module counts at the revision's call of
-- that helper), the same line an op's error names.

local context = require("luamig.context")
local sql = require("luamig.lint.sql")

local M = {}

-- file:line of the innermost revision frame on the stack, or nil.
local function revision_line(paths)
  for level = 3, 200 do
    local info = debug.getinfo(level, "Sl")
    if not info then return nil end
    local path = info.source:sub(1, 1) == "@" and info.source:sub(2)
    if path and paths[path] then return path, info.currentline end
  end
  return nil
end

--- The statements of `steps` (plan.steps') for dialect `name` (nil: from
-- cfg.url), from_base as write_steps takes it. Returns the list of
-- { sql, verb, table, ..., file, line, revision, record } (luamig.lint.sql's
-- fields), and the dialect; or nil, msg, status[, traceback].
function M.collect(cfg, steps, by_id, name, from_base)
  local statements, current = {}, nil
  local paths = {}
  for _, step in ipairs(steps) do
    local s = by_id[step.node.id]
    if s and s.path then paths[s.path] = s.id end
  end
  local function out(text)
    -- the writer's own lines: blank lines, comments, transaction control
    -- and the mysql client's DELIMITER
    if text == "" or text:find("^%-%- ") or text == "BEGIN;" or text == "COMMIT;" or text:find("^DELIMITER ") then
      return
    end
    local st = sql.parse((text:gsub(";%s*$", ""):gsub("//$", "")))
    local at = current
    if not at then
      -- a statement written without run_op (batch mode's copy, bulk
      -- inserts): the revision line on the stack now
      local file, line = revision_line(paths)
      at = file and { file = file, line = line, revision = paths[file] }
    end
    if at then st.file, st.line, st.revision, st.record = at.file, at.line, at.revision, at.record end
    statements[#statements + 1] = st
  end
  local ctx, err, status = context.open_offline(cfg, { dialect = name, out = out })
  if not ctx then return nil, err, status end
  local run_op = getmetatable(ctx).__index.run_op
  -- The outermost op of a revision line names the statements (batch mode
  -- runs its own ops inside one).
  ctx.run_op = function(self, record)
    if current then return run_op(self, record) end
    local file, line = revision_line(paths)
    current = file and { file = file, line = line, revision = paths[file], record = record } or nil
    local ok, res, rerr = pcall(run_op, self, record)
    current = nil
    if not ok then error(res, 0) end
    return res, rerr
  end
  local ok, werr, wstatus, tb = ctx:write_steps(steps, by_id, from_base)
  if not ok then return nil, werr, wstatus, tb end
  return statements, ctx.dialect
end

return M
