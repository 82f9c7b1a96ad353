-- count clicks per link
-- Revision ID: c3d5e7f90a12
-- Revises: 9b7e21c4d8a0
-- Create Date: 2026-11-21 10:10:00
--
-- A data migration: adds links.click_count and fills it from the clicks
-- already recorded, through the revision's own connection and transaction.
revision = "c3d5e7f90a12"
down_revision = "9b7e21c4d8a0"
branch_labels = nil
depends_on = nil

function upgrade()
  op.add_column("links", Column("click_count", Integer, { nullable = false, server_default = 0 }))
  if op.get_context().offline then
    -- `luamig upgrade --sql` writes a script: nothing can be read, so the
    -- same backfill is one statement the database runs itself.
    op.execute("UPDATE links SET click_count ="
      .. " (SELECT COUNT(*) FROM clicks WHERE clicks.link_id = links.id)")
    return
  end
  local db = op.get_bind()
  local counts = db:query("SELECT link_id, COUNT(*) AS n FROM clicks GROUP BY link_id")
  for _, row in ipairs(counts) do
    db:execute("UPDATE links SET click_count = ? WHERE id = ?", row.n, row.link_id)
  end
end

function downgrade()
  op.drop_column("links", "click_count")
end
