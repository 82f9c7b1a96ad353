-- tag notes
-- Revision ID: b2f6c1d1de02
-- Revises: a1e5b0c0de01
-- Create Date: 2026-11-21 12:05:00
revision = "b2f6c1d1de02"
down_revision = "a1e5b0c0de01"
branch_labels = nil
depends_on = nil

function upgrade()
  op.add_column("notes", Column("tag", String(40)))
  op.create_index("ix_notes_tag", "notes", { "tag" })
end

function downgrade()
  op.drop_index("ix_notes_tag", "notes")
  op.drop_column("notes", "tag")
end
