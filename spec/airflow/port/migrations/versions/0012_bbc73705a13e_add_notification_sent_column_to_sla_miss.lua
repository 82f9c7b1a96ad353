-- Add ``notification_sent`` column to ``sla_miss`` table.
-- Revision ID: bbc73705a13e
-- Revises: 4446e08588
-- Create Date: 2016-01-14 18:05:54.871682
-- Port of Apache Airflow's airflow/migrations/versions/0012_1_7_0_add_notification_sent_column_to_sla_miss.py (Apache-2.0).
revision = "bbc73705a13e"
down_revision = "4446e08588"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.7.0"

function upgrade()
  op.add_column("sla_miss", Column("notification_sent", Boolean, { default = false }))
end

function downgrade()
  op.drop_column("sla_miss", "notification_sent")
end
