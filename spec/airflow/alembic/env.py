"""Alembic environment for Airflow's original revisions.

The online part of Airflow 2.x's airflow/migrations/env.py, as far as it
shapes what the revisions do: the engine is airflow.settings.engine (here
the shim in shims/airflow/settings.py), and every revision runs in its own
transaction (transaction_per_migration=True). Airflow's autogenerate options
(target_metadata, compare_type, include_object, render_as_batch) only matter
to `revision --autogenerate` and are left out; so is offline mode, which
Airflow refuses for these revisions anyway.
"""
from logging.config import fileConfig

from alembic import context

from airflow import settings

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def run_migrations_online():
    with settings.engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline mode is not supported for Airflow's original revisions")
run_migrations_online()
