-- luamig.script.template: a new revision file, written from the project's
-- template (migrations/script.lua.tmpl) or luamig's own, and loaded back
-- at once so that a template that makes a bad revision is caught now.

local script = require("luamig.script")
local file_template = require("luamig.script.file_template")
local sys = require("luamig.sys")

local M = {}

--- A file-name slug from a message: lower case, words joined by _, at most 40 characters.
function M.slug(message)
  local slug = message:lower():gsub("[^%w]+", "_"):gsub("^_+", ""):gsub("_+$", "")
  if #slug > 40 then slug = slug:sub(1, 40):gsub("_[^_]*$", "") end
  return slug
end

local function lua_value(list)
  if #list == 0 then return "nil" end
  if #list == 1 then return string.format("%q", list[1]) end
  local parts = {}
  for i, v in ipairs(list) do parts[i] = string.format("%q", v) end
  return "{ " .. table.concat(parts, ", ") .. " }"
end

local DEFAULT_TEMPLATE = [[
-- ${message}
-- Revision ID: ${rev}
-- Revises: ${revises}
-- Create Date: ${create_date}
revision = "${rev}"
down_revision = ${down_revision}
branch_labels = ${branch_labels}
depends_on = ${depends_on}

function upgrade()
${upgrades}
end

function downgrade()
${downgrades}
end
]]
M.DEFAULT_TEMPLATE = DEFAULT_TEMPLATE

--- Fill a template: ${name} is replaced by fields[name]; unknown names stay.
function M.render(template, fields)
  return (template:gsub("%${([%w_]+)}", function(name)
    local v = fields[name]
    if v ~= nil then return tostring(v) end
  end))
end

--- The file name of a new revision (cfg.file_template, see
-- luamig.script.file_template) | nil, msg naming the setting.
function M.file_name(cfg, rev_id, message, time)
  local name, err = file_template.render(cfg.file_template or file_template.DEFAULT,
    file_template.fields(rev_id, M.slug(message or ""), time))
  if not name then
    return nil, string.format("%sfile_template %q: %s", cfg.config_file and ("config file " .. cfg.config_file .. ": ")
      or "", cfg.file_template or file_template.DEFAULT, err)
  end
  return name .. ".lua"
end

--- Write a new revision file. spec: message, rev_id, down_revisions,
-- branch_labels, depends_on, upgrades, downgrades, directory.
-- Returns the path or nil, msg.
function M.create(cfg, spec)
  local template = DEFAULT_TEMPLATE
  local template_path = cfg.script_location .. "/script.lua.tmpl"
  if sys.stat(template_path) then
    local text, terr = sys.read_file(template_path)
    if not text then return nil, "cannot read the template " .. terr end
    template = text
  end
  -- one clock reading for the Create Date and the file name's date tokens
  local now = os.time()
  local name, name_err = M.file_name(cfg, spec.rev_id, spec.message, now)
  if not name then return nil, name_err end
  local path = spec.directory .. "/" .. name
  if sys.stat(path) then return nil, string.format("%s already exists", path) end
  local text = M.render(template, {
    message = (spec.message or ""):gsub("[\r\n]+", " "),
    rev = spec.rev_id,
    revises = #spec.down_revisions > 0 and table.concat(spec.down_revisions, ", ") or "none",
    create_date = os.date("%Y-%m-%d %H:%M:%S", now),
    down_revision = lua_value(spec.down_revisions),
    branch_labels = lua_value(spec.branch_labels or {}),
    depends_on = lua_value(spec.depends_on or {}),
    upgrades = spec.upgrades or "  -- write the schema change here, e.g. op.add_column(...)",
    downgrades = spec.downgrades or "  -- undo upgrade() here",
  })
  local out, err = io.open(path, "wb")
  if not out then return nil, string.format("cannot write %s", err) end
  out:write(text)
  out:close()
  -- A template that does not produce a loadable revision is caught now, not
  -- at the next upgrade.
  local loaded, load_err = script.load_file(path)
  if not loaded then
    os.remove(path)
    return nil, string.format("the template %s/script.lua.tmpl produced a bad revision: %s",
      cfg.script_location, load_err)
  end
  return path, loaded
end

return M
