"""Stand-in for airflow.compat.sqlalchemy: `inspect`, which Airflow takes from
sqlalchemy (1.4 and later) or builds from Inspector.from_engine (older)."""
from sqlalchemy import inspect  # noqa: F401
