-- task reschedule foreign key on cascade delete.
-- Revision ID: 939bb1e647c8
-- Revises: dd4ecb8fbee3
-- Create Date: 2019-02-04 20:21:50.669751
-- Port of Apache Airflow's airflow/migrations/versions/0042_1_10_3_task_reschedule_fk_on_cascade_delete.py (Apache-2.0).
-- airflow_version = "1.10.3"
revision = "939bb1e647c8"
down_revision = "dd4ecb8fbee3"
branch_labels = nil
depends_on = nil

function upgrade()
  op.batch_alter_table("task_reschedule", function(batch_op)
    batch_op.drop_constraint("task_reschedule_dag_task_date_fkey", { type_ = "foreignkey" })
    batch_op.create_foreign_key(
      "task_reschedule_dag_task_date_fkey",
      "task_instance",
      { "task_id", "dag_id", "execution_date" },
      { "task_id", "dag_id", "execution_date" },
      { ondelete = "CASCADE" })
  end)
end

function downgrade()
  op.batch_alter_table("task_reschedule", function(batch_op)
    batch_op.drop_constraint("task_reschedule_dag_task_date_fkey", { type_ = "foreignkey" })
    batch_op.create_foreign_key(
      "task_reschedule_dag_task_date_fkey",
      "task_instance",
      { "task_id", "dag_id", "execution_date" },
      { "task_id", "dag_id", "execution_date" })
  end)
end
