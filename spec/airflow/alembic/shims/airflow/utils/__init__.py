"""Stand-in for the package airflow.utils: only session and sqlalchemy (see ../../README)."""
