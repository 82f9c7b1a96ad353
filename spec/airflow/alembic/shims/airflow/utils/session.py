"""Stand-in for airflow.utils.session.create_session: a session of
airflow.settings.Session (its own connection), committed when the block
ends, rolled back on an error, then closed, as Airflow's."""
import contextlib

from airflow import settings


@contextlib.contextmanager
def create_session():
    session = settings.Session()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
