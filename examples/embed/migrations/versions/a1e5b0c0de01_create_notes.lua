-- create notes
-- Revision ID: a1e5b0c0de01
-- Revises: none
-- Create Date: 2026-11-21 12:00:00
revision = "a1e5b0c0de01"
down_revision = nil
branch_labels = nil
depends_on = nil

function upgrade()
  op.create_table("notes",
    Column("id", Integer, { primary_key = true }),
    Column("body", Text, { nullable = false }),
    Column("created_at", DateTime, { nullable = false, server_default = sql "CURRENT_TIMESTAMP" }))
end

function downgrade()
  op.drop_table("notes")
end
