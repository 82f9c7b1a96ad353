"""Stand-in for the package airflow.migrations: only db_types (see ../../README)."""
