"""Stand-in for airflow.migrations.db_types.

StringID(length=250) is VARCHAR(length), with collation utf8mb3_bin on MySQL
(Airflow's airflow.models.base.get_id_collation_args: utf8mb3_bin when the
database URL is mysql or mariadb and no collation is configured). TIMESTAMP
is mysql.TIMESTAMP(fsp=6, timezone=True) on MySQL and sa.TIMESTAMP(timezone=True)
elsewhere (Airflow's also has DATETIME2(6) for MSSQL, not a dialect here).
As in Airflow, each is chosen by the dialect of the migration's connection
when first used, through a proxy that the module hands out at import time.
"""
import sqlalchemy as sa
from alembic import context


def _is_mysql():
    return context.get_bind().dialect.name == "mysql"


def _StringID():
    def StringID(*, length=250, **kwargs):
        if _is_mysql():
            kwargs["collation"] = "utf8mb3_bin"
        return sa.String(length=length, **kwargs)

    return StringID


def _TIMESTAMP():
    if _is_mysql():
        from sqlalchemy.dialects import mysql

        class TIMESTAMP(mysql.TIMESTAMP):
            def __init__(self, *args, fsp=6, timezone=True, **kwargs):
                super().__init__(*args, fsp=fsp, timezone=timezone, **kwargs)

        return TIMESTAMP

    class TIMESTAMP(sa.TIMESTAMP):
        def __init__(self, *args, timezone=True, **kwargs):
            super().__init__(*args, timezone=timezone, **kwargs)

    return TIMESTAMP


class _Lazy:
    """Resolves to make() on first use (a call or an attribute), as Airflow's
    lazy_object_proxy.Proxy does, so that importing a revision needs no bind."""

    def __init__(self, make):
        object.__setattr__(self, "_make", make)
        object.__setattr__(self, "_target", None)

    def _resolve(self):
        if self._target is None:
            object.__setattr__(self, "_target", self._make())
        return self._target

    def __call__(self, *args, **kwargs):
        return self._resolve()(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._resolve(), name)


def __getattr__(name):
    if name == "StringID":
        return _Lazy(_StringID)
    if name == "TIMESTAMP":
        return _Lazy(_TIMESTAMP)
    raise AttributeError(f"module {__name__} has no attribute {name}")
