-- create links
-- Revision ID: 4f1c0a9be2d3
-- Revises: none
-- Create Date: 2026-11-21 10:00:00
revision = "4f1c0a9be2d3"
down_revision = nil
branch_labels = nil
depends_on = nil

function upgrade()
  op.create_table("links",
    Column("id", Integer, { primary_key = true }),
    Column("original_url", Text, { nullable = false }),
    Column("short_code", String(16), { nullable = false, unique = true }),
    Column("description", Text),
    Column("created_by", String(100)),
    Column("created_at", DateTime, { nullable = false, server_default = sql "CURRENT_TIMESTAMP" }))
  op.create_index("ix_links_created_by", "links", { "created_by" })
end

function downgrade()
  op.drop_index("ix_links_created_by", "links")
  op.drop_table("links")
end
