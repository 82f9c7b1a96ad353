-- create clicks
-- Revision ID: 9b7e21c4d8a0
-- Revises: 4f1c0a9be2d3
-- Create Date: 2026-11-21 10:05:00
revision = "9b7e21c4d8a0"
down_revision = "4f1c0a9be2d3"
branch_labels = nil
depends_on = nil

function upgrade()
  op.create_table("clicks",
    Column("id", Integer, { primary_key = true }),
    Column("link_id", Integer, { nullable = false, references = { table = "links", column = "id", ondelete = "CASCADE" } }),
    Column("clicked_at", DateTime, { nullable = false, server_default = sql "CURRENT_TIMESTAMP" }),
    Column("ip_address", String(45)),
    Column("user_agent", Text))
  op.create_index("ix_clicks_link_id", "clicks", { "link_id" })
end

function downgrade()
  -- Dropping the table drops its indexes. (MySQL would refuse to drop
  -- ix_clicks_link_id on its own: its foreign key needs it.)
  op.drop_table("clicks")
end
