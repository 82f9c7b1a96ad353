-- luamig.preflight.mysql: MySQL and MariaDB's checks before a writing command
-- (see luamig.preflight):
--
--   - a read-only server (@@read_only, and MySQL's @@super_read_only) is a
--     replica: refused whatever the account's privileges, since an account
--     that may write there anyway would make the replica differ from its
--     primary;
--   - a Galera node (wsrep_on) must be Synced: a node that is joining,
--     donating or cut off from the primary component may not have every
--     write of the cluster, so its version rows may be stale;
--   - and must run DDL in total order (wsrep_OSU_method = TOI): under RSU a
--     revision's ALTER TABLE changes this node only, while the version row,
--     an ordinary write, replicates to every node, which then say they are
--     migrated without the change. allow_rsu = true in luamig.lua lets a
--     run go on (with a warning) for those who roll DDL through the nodes
--     themselves.

local config = require("luamig.config")
local dberror = require("luamig.present.dberror")

-- name -> value of the session's view of some variables (missing ones are
-- absent: MariaDB has no super_read_only, a server without Galera no wsrep).
local function variables(conn, sql)
  local rows, err, info = conn:query(sql)
  if not rows then return nil, dberror.describe(err, info) end
  local out = {}
  for _, r in ipairs(rows) do
    out[string.lower(tostring(r.Variable_name or r.variable_name))] = tostring(r.Value or r.value)
  end
  return out
end

local function on(v) return v ~= nil and (v == "1" or v:upper() == "ON") end

return function(ctx, opts)
  local url = config.mask_url(ctx.cfg.url)
  local vars, err = variables(ctx.conn, "SHOW VARIABLES WHERE Variable_name IN"
    .. " ('read_only', 'super_read_only', 'wsrep_on', 'wsrep_OSU_method')")
  if not vars then return nil, string.format("cannot check the server at %s: %s", url, err), 1 end
  if on(vars.read_only) or on(vars.super_read_only) then
    return nil, string.format("the database at %s is a read-only replica (%s is ON): run luamig against the primary",
      url, on(vars.read_only) and "read_only" or "super_read_only"), 1
  end
  if not on(vars.wsrep_on) then return true end

  local status; status, err = variables(ctx.conn, "SHOW STATUS LIKE 'wsrep_local_state_comment'")
  if not status then return nil, string.format("cannot check the Galera node at %s: %s", url, err), 1 end
  local state = status.wsrep_local_state_comment or "in no known state"
  if state ~= "Synced" then
    return nil, string.format("the Galera node at %s is %s, not Synced: it may lack writes of the cluster;"
      .. " run luamig on a Synced node, or when this one is Synced again", url, state), 1
  end
  local osu = (vars.wsrep_osu_method or "?"):upper()
  if osu ~= "TOI" then
    local why = string.format("the Galera node at %s runs DDL with wsrep_OSU_method = %s: a revision's DDL would"
      .. " change this node only, while its version row replicates to every node, which would then say they"
      .. " are migrated without the change", url, osu)
    if osu == "RSU" and ctx.cfg.allow_rsu then
      if opts and opts.log then opts.log("Warning: " .. why .. " (allowed by allow_rsu)") end
      return true
    end
    return nil, why .. "; SET GLOBAL wsrep_OSU_method = 'TOI' first"
      .. (osu == "RSU" and " (or set allow_rsu = true in luamig.lua if you apply DDL node by node yourself)"
        or ""), 1
  end
  return true
end
