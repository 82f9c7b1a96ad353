"""Stand-in for airflow.models.dagcode, as far as revision 0054 uses it."""
import hashlib
import struct


class DagCode:
    @staticmethod
    def dag_fileloc_hash(full_filepath):
        """The last 8 bytes of the SHA-1 of the UTF-8 path, read big-endian
        and shifted right by 8 bits (so that it fits a signed BIGINT), as
        Airflow computes it."""
        digest = hashlib.sha1(full_filepath.encode("utf-8")).digest()
        return struct.unpack(">Q", digest[-8:])[0] >> 8
