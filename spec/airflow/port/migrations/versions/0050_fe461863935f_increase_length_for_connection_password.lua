-- Increase length for connection password
-- Revision ID: fe461863935f
-- Revises: 08364691d074
-- Create Date: 2019-12-08 09:47:09.033009
-- Port of Apache Airflow's airflow/migrations/versions/0050_1_10_7_increase_length_for_connection_password.py (Apache-2.0).
-- airflow_version = "1.10.7"
revision = "fe461863935f"
down_revision = "08364691d074"
branch_labels = nil
depends_on = nil

function upgrade()
  -- Apply Increase length for connection password
  op.batch_alter_table("connection", function(batch_op)
    batch_op.alter_column("password", {
      existing_type = String(500),
      type_ = String(5000),
      existing_nullable = true,
    })
  end, { schema = nil })
end

function downgrade()
  -- Unapply Increase length for connection password
  op.batch_alter_table("connection", function(batch_op)
    batch_op.alter_column("password", {
      existing_type = String(5000),
      type_ = String(500),
      existing_nullable = true,
    })
  end, { schema = nil })
end
