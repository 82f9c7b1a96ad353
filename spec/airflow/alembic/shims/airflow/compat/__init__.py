"""Stand-in for the package airflow.compat: only sqlalchemy (see ../../README)."""
