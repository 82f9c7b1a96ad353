-- Maintain history for compatibility with earlier migrations.
-- Revision ID: 13eb55f81627
-- Revises: 1507a7289a2f
-- Create Date: 2015-08-23 05:12:49.732174
-- Port of Apache Airflow's airflow/migrations/versions/0003_1_5_0_for_compatibility.py (Apache-2.0).
revision = "13eb55f81627"
down_revision = "1507a7289a2f"
branch_labels = nil
depends_on = nil
-- airflow_version = "1.5.0"

function upgrade()
end

function downgrade()
end
