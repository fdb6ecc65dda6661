"""Zip packages (XLSX, ODS) from strangers: sizes checked before anything is decompressed, and again while it is.

    z = SafeZip(data)                  # ZipRefused: too many members, too big, too compressed, damaged
    with z.open("content.xml") as f:   # a stream: never more than the member's declared size
        ...

Before a byte is decompressed, the central directory is read and every member's declared
size and compression ratio checked: at most :data:`MAX_MEMBERS` members, :data:`MAX_TOTAL`
bytes in all once decompressed, and no member above :data:`RATIO_FLOOR` that grows more than
:data:`MAX_RATIO` times (a "zip bomb": a megabyte of spaces that is a gigabyte decompressed).
The declared sizes are then what is enforced: :mod:`zipfile` never returns more than a
member's declared size, and a member whose data does not match it fails its CRC — which,
like any damage found while reading (a truncated file, garbled deflate data), is a
:class:`ZipRefused` too. Nothing here knows about spreadsheets; :mod:`exports.sheets` turns
a refusal into the clerk's message.
"""

from __future__ import annotations

import io
import zipfile
import zlib

__all__ = ["MAX_TOTAL", "MAX_RATIO", "RATIO_FLOOR", "MAX_MEMBERS", "ZipRefused", "SafeZip"]

MAX_TOTAL = 200 * 1024 * 1024  # bytes, every member decompressed
MAX_RATIO = 100  # decompressed / compressed, for members above RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024  # a small member may compress as well as it likes
MAX_MEMBERS = 10_000

_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, IndexError, OverflowError,
           NotImplementedError, RuntimeError, UnicodeDecodeError)


class ZipRefused(Exception):
    """The package is not read. ``kind``: ``damaged`` | ``bomb`` | ``unsupported``; ``member``: the part concerned."""

    def __init__(self, kind: str, member: str = "", *, size: int = 0, cause: str = ""):
        super().__init__(kind, member)
        self.kind, self.member, self.size, self.cause = kind, member, size, cause


def _member_count(data: bytes) -> int | None:
    """How many members the end-of-central-directory record announces (before :mod:`zipfile` builds them all)."""
    try:
        end = zipfile._EndRecData(io.BytesIO(data))  # the record itself; zip64 resolved
    except Exception:
        return None
    if not end:
        return None
    return int(end[zipfile._ECD_ENTRIES_TOTAL])


class SafeZip:
    """A zip archive in memory whose members are read only within the limits above."""

    def __init__(self, data: bytes, *, max_total: int = MAX_TOTAL):
        n = _member_count(data)
        if n is None:
            raise ZipRefused("damaged", cause="BadZipFile")
        if n > MAX_MEMBERS:
            raise ZipRefused("bomb", size=n, cause="members")
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except _ERRORS as exc:
            raise ZipRefused("damaged", cause=type(exc).__name__) from exc
        if len(infos) > MAX_MEMBERS:
            raise ZipRefused("bomb", size=len(infos), cause="members")
        total = 0
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for zi in infos:
            if zi.flag_bits & 0x1:
                raise ZipRefused("unsupported", zi.filename, cause="encrypted")
            if zi.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ZipRefused("unsupported", zi.filename, cause=f"method {zi.compress_type}")
            total += zi.file_size
            if total > max_total:
                raise ZipRefused("bomb", zi.filename, size=max_total, cause="total")
            if zi.file_size > RATIO_FLOOR and zi.file_size > MAX_RATIO * max(1, zi.compress_size):
                raise ZipRefused("bomb", zi.filename, size=zi.file_size, cause="ratio")
            self._infos.setdefault(zi.filename, zi)

    def names(self) -> list[str]:
        return list(self._infos)

    def __contains__(self, name: str) -> bool:
        return name in self._infos

    def size(self, name: str) -> int:
        return self._infos[name].file_size

    def open(self, name: str) -> _Member:
        """A stream of the member's bytes (:class:`ZipRefused` if it is missing or damaged)."""
        zi = self._infos.get(name)
        if zi is None:
            raise ZipRefused("damaged", name, cause="missing")
        try:
            return _Member(self._zip.open(zi), name, zi.file_size)
        except _ERRORS as exc:
            raise ZipRefused("damaged", name, cause=type(exc).__name__) from exc

    def read(self, name: str, limit: int) -> bytes:
        """The member's first ``limit`` bytes at most."""
        with self.open(name) as f:
            return f.read(limit)

    def close(self) -> None:
        self._zip.close()


class _Member(io.RawIOBase):
    """A member's decompressed bytes; damage found while reading is a :class:`ZipRefused`."""

    def __init__(self, raw, name: str, declared: int):
        super().__init__()
        self._raw, self.name = raw, name
        self._left = declared  # zipfile stops at the declared size too; this does not rely on it

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        try:
            data = self._raw.read(n)
        except _ERRORS as exc:
            raise ZipRefused("damaged", self.name, cause=type(exc).__name__) from exc
        self._left -= len(data)
        if self._left < 0:
            raise ZipRefused("damaged", self.name, cause="size")
        return data

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()
