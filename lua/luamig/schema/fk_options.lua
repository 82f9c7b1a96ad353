-- luamig.schema.fk_options: the options of a foreign key, wherever one is
-- declared (ForeignKeyConstraint, op.create_foreign_key, a Column's
-- `references`, batch mode): what each may hold, each spelled one way
-- (upper case, as the DDL writes it), and carried from the declaration to
-- the constraint record by one list, so that no place forgets one.
--
--   ondelete, onupdate  CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION
--   match               FULL, PARTIAL, SIMPLE
--   deferrable          true (DEFERRABLE), false (NOT DEFERRABLE)
--   initially           DEFERRED, IMMEDIATE
--
-- What a backend cannot do with them (MySQL: no deferrable keys, and a
-- MATCH clause makes InnoDB ignore ON DELETE/ON UPDATE) its dialect
-- refuses by name.

local describe = require("luamig.schema.value_kind").describe

local M = {}

local WORDS = {
  ondelete = { "CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION" },
  onupdate = { "CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION" },
  match = { "FULL", "PARTIAL", "SIMPLE" },
  initially = { "DEFERRED", "IMMEDIATE" },
}

--- The options, in the order the DDL writes them.
M.NAMES = { "match", "ondelete", "onupdate", "deferrable", "initially" }

--- Option `name`'s value as the DDL writes it | nil, msg (the message
-- starts with "must be").
function M.normal(name, v)
  if name == "deferrable" then
    if type(v) == "boolean" then return v end
    return nil, "must be a boolean, got " .. describe(v)
  end
  local words = WORDS[name]
  local word = type(v) == "string" and string.upper(v) or nil
  for _, w in ipairs(words) do
    if w == word then return word end
  end
  return nil, string.format("must be one of %s, got %s", table.concat(words, ", "), describe(v))
end

--- The words for option `name`'s values in an error message.
function M.expected(name)
  if name == "deferrable" then return "a boolean" end
  return "one of " .. table.concat(WORDS[name], ", ")
end

--- Copy the foreign key options of `from` (checked already) into `to`,
-- normalised; returns `to`.
function M.copy(from, to)
  for _, name in ipairs(M.NAMES) do
    if from[name] ~= nil then to[name] = (M.normal(name, from[name])) end
  end
  return to
end

return M
