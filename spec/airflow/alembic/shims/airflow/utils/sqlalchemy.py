"""Stand-in for airflow.utils.sqlalchemy.UtcDateTime: a TypeDecorator over
TIMESTAMP(timezone=True). Airflow's also converts values to and from UTC;
the revisions use it in an ORM model only (0043), so no DDL comes from it."""
from sqlalchemy.types import TIMESTAMP, TypeDecorator


class UtcDateTime(TypeDecorator):
    impl = TIMESTAMP(timezone=True)
    cache_ok = True
