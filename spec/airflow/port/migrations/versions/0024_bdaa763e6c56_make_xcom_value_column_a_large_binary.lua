-- Make xcom value column a large binary.
-- Revision ID: bdaa763e6c56
-- Revises: cc1e65623dc7
-- Create Date: 2017-08-14 16:06:31.568971
-- Port of Apache Airflow's airflow/migrations/versions/0024_1_8_2_make_xcom_value_column_a_large_binary.py (Apache-2.0).
-- airflow_version = "1.8.2"
revision = "bdaa763e6c56"
down_revision = "cc1e65623dc7"
branch_labels = nil
depends_on = nil

function upgrade()
  -- There can be data truncation here as LargeBinary can be smaller than the pickle
  -- type.
  -- use batch_alter_table to support SQLite workaround
  op.batch_alter_table("xcom", function(batch_op)
    batch_op.alter_column("value", { type_ = LargeBinary })
  end)
end

function downgrade()
  -- use batch_alter_table to support SQLite workaround
  op.batch_alter_table("xcom", function(batch_op)
    -- sa.PickleType(pickler=dill): its column type is a LargeBinary
    batch_op.alter_column("value", { type_ = LargeBinary })
  end)
end
