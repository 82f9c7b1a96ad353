"""Stand-in for dill, used only as the pickler of sa.PickleType(pickler=dill)
(revisions 0024, 0029). The pickler serialises values on their way to the
column and never reaches the DDL: the standard pickle's functions do."""
from pickle import HIGHEST_PROTOCOL, dump, dumps, load, loads  # noqa: F401
