-- luamig.preflight.postgres: PostgreSQL's checks before a writing command
-- (see luamig.preflight). A hot standby, or a server whose sessions are
-- read-only by default, would refuse the first write with an error that
-- seems to blame the revision ("cannot execute ALTER TABLE in a read-only
-- transaction"); it is named for what it is before anything runs.

local config = require("luamig.config")
local dberror = require("luamig.present.dberror")

local ON = { on = true, ["true"] = true, t = true }

return function(ctx)
  local row, err, info = ctx.conn:first("SELECT pg_is_in_recovery() AS standby,"
    .. " current_setting('transaction_read_only') AS read_only")
  local where = config.mask_url(ctx.cfg.url)
  if not row then
    return nil, string.format("cannot tell whether the database at %s can be written: %s", where,
      dberror.describe(err, info)), 1
  end
  if row.standby == true or row.standby == "t" then
    return nil, string.format("the database at %s is a read-only replica (a hot standby: pg_is_in_recovery() is"
      .. " true); run luamig against the primary, or list every host in the URL with"
      .. " ?target_session_attrs=read-write so that libpq finds it", where), 1
  end
  if ON[tostring(row.read_only)] then
    return nil, string.format("the database at %s is read-only for this session (default_transaction_read_only"
      .. " is on); run luamig against a server and role that may write", where), 1
  end
  return true
end
