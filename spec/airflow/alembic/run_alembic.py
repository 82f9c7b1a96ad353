"""Run Alembic on Apache Airflow's original revisions.

    AIRFLOW__CORE__SQL_ALCHEMY_CONN=URL /usr/bin/python3 run_alembic.py upgrade|downgrade|current [REV]

URL is a SQLAlchemy URL (postgresql+psycopg2://..., mysql+mysqldb://...,
sqlite:////abs/path.db). The revisions are copied from ../originals into a
temporary directory beside env.py (Alembic's script_location), so that
Alembic's caches never land in the tree; shims/ (the stand-ins for the
`airflow` package and `dill`, see shims/README) comes first on sys.path.
Exit status 0 on success; on failure Alembic's exception is printed.
"""
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the shims' directories

HERE = os.path.dirname(os.path.abspath(__file__))
ORIGINALS = os.path.join(os.path.dirname(HERE), "originals")
sys.path.insert(0, os.path.join(HERE, "shims"))

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402


def main(argv):
    if len(argv) < 1 or argv[0] not in ("upgrade", "downgrade", "current"):
        print(__doc__, file=sys.stderr)
        return 2
    if not os.environ.get("AIRFLOW__CORE__SQL_ALCHEMY_CONN"):
        print("run_alembic.py: set AIRFLOW__CORE__SQL_ALCHEMY_CONN to the database's URL", file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="airflow-alembic.")
    try:
        shutil.copy(os.path.join(HERE, "env.py"), tmp)
        versions = os.path.join(tmp, "versions")
        os.mkdir(versions)
        for name in sorted(os.listdir(ORIGINALS)):
            if name.endswith(".py"):
                shutil.copy(os.path.join(ORIGINALS, name), versions)
        cfg = Config(os.path.join(HERE, "alembic.ini"))
        cfg.set_main_option("script_location", tmp)
        if argv[0] == "upgrade":
            command.upgrade(cfg, argv[1] if len(argv) > 1 else "heads")
        elif argv[0] == "downgrade":
            command.downgrade(cfg, argv[1] if len(argv) > 1 else "base")
        else:
            command.current(cfg)
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
