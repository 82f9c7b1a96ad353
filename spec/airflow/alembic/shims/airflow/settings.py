"""Stand-in for airflow.settings: the metadata database's engine and session
factory. Airflow reads the URL from its configuration, where the variable
AIRFLOW__CORE__SQL_ALCHEMY_CONN overrides [core] sql_alchemy_conn; this reads
only the variable. Airflow's engine also installs event handlers (SQLite
PRAGMA foreign_keys=ON, MySQL time zone), which change no DDL and are left out."""
import os

import sqlalchemy
import sqlalchemy.orm

SQL_ALCHEMY_CONN = os.environ["AIRFLOW__CORE__SQL_ALCHEMY_CONN"]
DAGS_FOLDER = os.environ.get("AIRFLOW__CORE__DAGS_FOLDER", os.path.join(os.path.expanduser("~"), "airflow", "dags"))

engine = sqlalchemy.create_engine(SQL_ALCHEMY_CONN)
Session = sqlalchemy.orm.sessionmaker(bind=engine, autocommit=False, autoflush=False, expire_on_commit=False)
