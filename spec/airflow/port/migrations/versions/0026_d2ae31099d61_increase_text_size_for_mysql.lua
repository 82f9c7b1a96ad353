-- Increase text size for MySQL (not relevant for other DBs' text types).
-- Revision ID: d2ae31099d61
-- Revises: 947454bf1dff
-- Create Date: 2017-08-18 17:07:16.686130
-- Port of Apache Airflow's airflow/migrations/versions/0026_1_8_2_increase_text_size_for_mysql.py (Apache-2.0).
-- airflow_version = "1.8.2"
revision = "d2ae31099d61"
down_revision = "947454bf1dff"
branch_labels = nil
depends_on = nil

function upgrade()
  -- Airflow: conn = op.get_bind(); if conn.dialect.name == "mysql"
  if op.get_context().dialect.name == "mysql" then
    op.alter_column("variable", "val", { type_ = Type("MEDIUMTEXT") })  -- mysql.MEDIUMTEXT
  end
end

function downgrade()
  if op.get_context().dialect.name == "mysql" then
    op.alter_column("variable", "val", { type_ = Type("TEXT") })  -- mysql.TEXT
  end
end
