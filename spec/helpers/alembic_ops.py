"""Runs Alembic's own operations on a database, for the conformance spec.

    python3 alembic_ops.py URL CODE

URL is a SQLAlchemy URL; CODE is Python that calls `op` (alembic's
Operations on that database), with `sa` (sqlalchemy) and the SQLAlchemy
names a revision uses in scope. It runs in one transaction, committed at
the end; an exception exits non-zero with its message on stderr.
"""
import sys

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations


def main():
    url, code = sys.argv[1], sys.argv[2]
    engine = sa.create_engine(url)
    scope = {"sa": sa}
    for name in ("Column", "Integer", "String", "Boolean", "DateTime", "Text", "Numeric", "Float", "Index",
                 "CheckConstraint", "UniqueConstraint", "ForeignKey", "ForeignKeyConstraint",
                 "PrimaryKeyConstraint", "Computed", "Identity", "text", "func", "Enum"):
        scope[name] = getattr(sa, name)
    with engine.begin() as conn:
        scope["op"] = Operations(MigrationContext.configure(conn))
        exec(code, scope)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # the spec reads the message
        print("%s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(1)
