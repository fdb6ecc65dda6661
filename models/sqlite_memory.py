"""An in-memory SQLite database's bytes without a copy of them.

The ``sqlite3`` module's ``serialize`` and ``deserialize`` copy the whole database each
way: at 16× the province (a 140 MB database) a save held the database twice and an
open held the decrypted file and the database side by side. SQLite itself needs
neither copy: ``sqlite3_serialize(…, SQLITE_SERIALIZE_NOCOPY)`` hands back the memory a
deserialized ("memdb") database lives in, and ``sqlite3_deserialize`` with
``SQLITE_DESERIALIZE_FREEONCLOSE`` takes over a buffer allocated by ``sqlite3_malloc64``
(the file is read and decrypted straight into it).

Both are called through ctypes on the very library the ``sqlite3`` module is linked
with (looked up through the module's own file), with the connection's handle (the
first field of CPython's connection object after the object header, as in every
version this program supports; checked against the connection before each use).
When any part is missing — another Python, a library without these calls, a
database that is not a memdb — :func:`view` and :func:`allocator` return None and the
callers use the copying calls: the same bytes, more memory.
"""

from __future__ import annotations

import ctypes
import sqlite3
import sys
import threading

_NOCOPY = 0x001  # SQLITE_SERIALIZE_NOCOPY
_FREEONCLOSE = 1  # SQLITE_DESERIALIZE_FREEONCLOSE
_RESIZEABLE = 2  # SQLITE_DESERIALIZE_RESIZEABLE
_PYBUF_READ, _PYBUF_WRITE = 0x100, 0x200

_api_lock = threading.Lock()
_api_cache: list = []


class _Api:
    def __init__(self, lib):
        c = ctypes
        self.serialize = lib.sqlite3_serialize
        self.serialize.restype = c.c_void_p
        self.serialize.argtypes = [c.c_void_p, c.c_char_p, c.POINTER(c.c_int64), c.c_uint]
        self.deserialize = lib.sqlite3_deserialize
        self.deserialize.restype = c.c_int
        self.deserialize.argtypes = [c.c_void_p, c.c_char_p, c.c_void_p, c.c_int64, c.c_int64, c.c_uint]
        self.malloc = lib.sqlite3_malloc64
        self.malloc.restype = c.c_void_p
        self.malloc.argtypes = [c.c_uint64]
        self.free = lib.sqlite3_free
        self.free.restype = None
        self.free.argtypes = [c.c_void_p]
        self.total_changes = lib.sqlite3_total_changes
        self.total_changes.restype = c.c_int
        self.total_changes.argtypes = [c.c_void_p]
        self.errmsg = lib.sqlite3_errmsg
        self.errmsg.restype = c.c_char_p
        self.errmsg.argtypes = [c.c_void_p]
        version = lib.sqlite3_libversion_number
        version.restype = c.c_int
        major, minor, patch = sqlite3.sqlite_version_info
        if version() != major * 1_000_000 + minor * 1000 + patch:
            raise OSError("not the library the sqlite3 module uses")
        self.memory = c.pythonapi.PyMemoryView_FromMemory
        self.memory.restype = c.py_object
        self.memory.argtypes = [c.c_void_p, c.c_ssize_t, c.c_int]


def _api() -> _Api | None:
    with _api_lock:
        if not _api_cache:
            _api_cache.append(_load())
        return _api_cache[0]


def _load() -> _Api | None:
    if sys.implementation.name != "cpython" or not (3, 11) <= sys.version_info[:2] <= (3, 14):
        return None  # the connection object's layout is known for these
    try:
        import _sqlite3

        return _Api(ctypes.CDLL(_sqlite3.__file__))
    except (ImportError, OSError, AttributeError):
        return None


def _handle(api: _Api, conn: sqlite3.Connection) -> int | None:
    if type(conn) is not sqlite3.Connection:
        return None
    db = ctypes.c_void_p.from_address(id(conn) + object.__basicsize__).value
    if not db or api.total_changes(db) != conn.total_changes:
        return None
    return db


def view(conn: sqlite3.Connection) -> memoryview | None:
    """The bytes of ``conn``'s main database (what ``conn.serialize()`` returns), read-only and
    not copied; None when that cannot be had (then use ``conn.serialize()``).

    The view is valid only until the database is next written, replaced or closed: use it
    under the lock that keeps writers out, and drop it (and every slice of it) before."""
    api = _api()
    db = _handle(api, conn) if api else None
    if db is None:
        return None
    size = ctypes.c_int64(-1)
    p = api.serialize(db, b"main", ctypes.byref(size), _NOCOPY)
    if not p or size.value < 0:
        return None  # not a memdb (a database created in memory and never deserialized)
    return api.memory(p, size.value, _PYBUF_READ)


class Allocation:
    """A buffer for a database's bytes that SQLite can take over without a copy
    (:meth:`hand_over`). Call it with a size to allocate; :meth:`free` if it is not handed over."""

    def __init__(self, api: _Api):
        self._api = api
        self._p: int | None = None
        self.size = 0

    def __call__(self, size: int) -> memoryview:
        self.free()
        p = self._api.malloc(max(size, 1))
        if not p:
            raise MemoryError
        self._p, self.size = p, size
        return self._api.memory(p, size, _PYBUF_WRITE)

    def hand_over(self, conn: sqlite3.Connection, length: int) -> bool:
        """Make the first ``length`` bytes of the buffer ``conn``'s main database (SQLite owns and
        frees the buffer from now on). False, the buffer still ours, when ``conn`` cannot be
        reached (then deserialize a copy). Raises sqlite3.DatabaseError as ``deserialize`` does."""
        db = _handle(self._api, conn)
        if db is None or self._p is None:
            return False
        p, self._p = self._p, None
        rc = self._api.deserialize(db, b"main", p, length, self.size, _FREEONCLOSE | _RESIZEABLE)
        if rc != 0:  # SQLite freed the buffer
            raise sqlite3.DatabaseError((self._api.errmsg(db) or b"deserialize failed").decode("utf-8", "replace"))
        return True

    def free(self) -> None:
        if self._p is not None:
            p, self._p = self._p, None
            self._api.free(p)


def allocator() -> Allocation | None:
    """A fresh :class:`Allocation`, or None when SQLite's own allocator cannot be reached."""
    api = _api()
    return Allocation(api) if api else None
