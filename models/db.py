"""The open registry: an in-memory SQLite database persisted by the encrypted store.

Data flow: the store decrypts the file into bytes → ``sqlite3.deserialize`` into
one in-memory connection → peewee works on that connection (see
``schema.MemoryDatabase``) → every committed write transaction is
``serialize``\\ d and handed back to the store, which encrypts and replaces the
file before :meth:`Registry.write` returns. Only the database holds the content: no
second copy of the file's size is kept. If the save fails, the in-memory database is
put back to the content last saved, decrypted again from the file this program wrote
(``store.saved_content``), so what the clerk sees is what is on disk; when that file is
no longer there as written, the database keeps what was typed and the error says so.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import threading
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import SaveFailed, SchemaTooNew, StoreError  # noqa: F401  (SchemaTooNew re-exported)

if TYPE_CHECKING:
    import sqlite3

APP_NAME = "cnscd"
_INTACT = "Tệp đã lưu trước đó vẫn nguyên vẹn"  # what the store says of a file still as it wrote it
DEFAULT_FILENAME = "so-to-cnscd.cnscd"

# The store, the schema and the migrations (cryptography, peewee, sqlite3) are imported when a registry
# is first created or opened, not with this module: the program's start (``default_db_path``, the
# unlock screen) stays light. ``_load`` makes them module globals; ``__getattr__`` answers
# ``models.db.<name>`` from outside before that.
_LAZY = ("EncryptedStore", "KdfParams", "MODELS", "SCHEMA_VERSION", "database", "migrations")


def _load() -> None:
    global EncryptedStore, KdfParams, MODELS, SCHEMA_VERSION, database, migrations
    if "database" in globals():
        return
    from . import migrations as _migrations
    from . import schema, store

    EncryptedStore, KdfParams, migrations = store.EncryptedStore, store.KdfParams, _migrations
    MODELS, SCHEMA_VERSION, database = schema.MODELS, schema.SCHEMA_VERSION, schema.database


def __getattr__(name: str):
    if name in _LAZY:
        _load()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def default_db_path() -> Path:
    """``$CNSCD_DB`` or ``<user data dir>/cnscd/so-to-cnscd.cnscd``."""
    env = os.environ.get("CNSCD_DB")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / DEFAULT_FILENAME


def _new_connection() -> sqlite3.Connection:
    import sqlite3

    conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    return conn


def _harden(conn: sqlite3.Connection) -> None:
    # Nothing may spill to disk: temp tables, sorts and the journal stay in RAM.
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA journal_mode = MEMORY")
    conn.execute("PRAGMA foreign_keys = ON")


def _load_content(conn: sqlite3.Connection, store, content, alloc) -> None:
    """Make ``content`` (the decrypted file, from ``store``) ``conn``'s database: handed over
    as it is when it was read into ``alloc``, else copied. The store's copy is forgotten
    (the database holds the content; a failed save reads the file again)."""
    store.forget_payload()
    try:
        if isinstance(content, memoryview) and alloc is not None and alloc.hand_over(conn, len(content)):
            content.release()  # SQLite's memory now: no view of it is left to read
        else:
            conn.deserialize(content)
    finally:
        if alloc is not None:
            alloc.free()  # when it was not handed over


def _drop_frames(exc: BaseException | None) -> None:
    """Clear the locals of the finished frames of ``exc`` and of the errors it came from."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        traceback.clear_frames(exc.__traceback__)
        exc = exc.__cause__ or exc.__context__


def current_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name on some systems
        return "người dùng"


class Registry:
    """One open registry file. Use :meth:`create` or :meth:`open`."""

    def __init__(self, store: EncryptedStore, conn: sqlite3.Connection, saved=None, actor: str | None = None):
        """``saved``: unused (a failed save reads the content as saved again: ``store.saved_content``)."""
        _load()
        self.store = store
        self.conn = conn
        self.lock = threading.RLock()
        self._depth = 0
        self.actor = actor or current_actor()
        self.closed = False
        # The schema version the file had when it was opened, if it was migrated
        # (and saved) on opening; None otherwise. The CLI tells the clerk.
        self.migrated_from: int | None = None
        database.hand_over(conn)

    # -- opening -----------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | os.PathLike,
        passphrase: str,
        *,
        province: str,
        commune: str,
        commune_kind: str = "xã",
        district: str = "",
        kdf: KdfParams | None = None,
        actor: str | None = None,
        lock: bool = True,
    ) -> tuple[Registry, str]:
        """Create a new registry file; returns it open, and the recovery key."""
        from . import new_registry

        _load()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # a new data folder: the clerk's only
        conn = _new_connection()
        _harden(conn)
        database.hand_over(conn)
        with database.atomic():
            database.create_tables(MODELS)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            new_registry.fill_new_registry(province=province, commune=commune, commune_kind=commune_kind,
                                           district=district, actor=actor or current_actor())
        payload = conn.serialize()
        conn.deserialize(payload)  # a database SQLite keeps in one buffer, as an opened one: saved without a copy
        _harden(conn)
        store, recovery = EncryptedStore.create(
            path, passphrase, payload, schema_version=SCHEMA_VERSION, kdf=kdf, lock=lock
        )
        return cls(store, conn, payload, actor), recovery

    @classmethod
    def open(
        cls,
        path: str | os.PathLike,
        *,
        passphrase: str | None = None,
        recovery_key: str | None = None,
        actor: str | None = None,
        lock: bool = True,
        read_only: bool | None = False,
    ) -> Registry:
        """Open a registry file. ``read_only``: True — for looking only (no lock, every write
        refused with a Vietnamese :class:`SaveFailed`); None — read-only when the folder cannot
        be written (read-only media: verify, stats and exports still work); ``reg.read_only``
        and ``reg.read_only_reason`` tell which."""
        import sqlite3

        from . import sqlite_memory

        _load()
        # The file is read and decrypted into memory SQLite takes over as it is (no copy).
        alloc = sqlite_memory.allocator()
        try:
            store, payload = EncryptedStore.open(Path(path), passphrase=passphrase, recovery_key=recovery_key,
                                                 lock=lock, read_only=read_only, alloc=alloc)
        except BaseException:
            if alloc is not None:
                alloc.free()
            raise
        try:
            conn = _new_connection()
            try:
                _load_content(conn, store, payload, alloc)
                del payload
                found = conn.execute("PRAGMA user_version").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                from .store import DamagedFile

                raise DamagedFile(f"Nội dung sổ không đọc được ({exc}).") from exc
            _harden(conn)
            if found > SCHEMA_VERSION:
                raise SchemaTooNew(found, SCHEMA_VERSION)
            reg = cls(store, conn, None, actor)
        except BaseException:
            store.close()
            raise
        if found < SCHEMA_VERSION:
            try:
                if reg.read_only:  # upgraded in memory only, so the screens work; nothing is saved
                    with reg.lock, database.atomic():
                        migrations.migrate(conn, found, actor=reg.actor)
                else:
                    with reg.write():
                        migrations.migrate(conn, found, actor=reg.actor)
            except BaseException:
                reg.close()  # store, lock and connection
                raise
            if not reg.read_only:
                reg.migrated_from = found
        return reg

    # -- transactions --------------------------------------------------------
    @contextlib.contextmanager
    def read(self):
        """Hold the registry lock for a group of reads."""
        self._check_open()
        with self.lock:
            yield self

    @contextlib.contextmanager
    def write(self):
        """A write transaction that is on disk when the block exits.

        Nested blocks join the outermost one. If the block raises, nothing is
        written. If saving fails, the in-memory database returns to what is on
        disk and :class:`SaveFailed` propagates.
        """
        self._check_open()
        if self.store.read_only:
            raise SaveFailed(self.store.read_only_message())
        with self.lock:
            outer = self._depth == 0
            self._depth += 1
            try:
                with database.atomic():
                    yield self
            finally:
                self._depth -= 1
            if outer:
                self.persist()

    def persist(self) -> None:
        from . import sqlite_memory

        with self.lock:
            # The database's own memory, encrypted as it is (no copy), when it can be had.
            payload = sqlite_memory.view(self.conn) or self.conn.serialize()
            try:
                self.store.save(payload, schema_version=SCHEMA_VERSION)
                if isinstance(payload, memoryview):
                    payload.release()  # the database's memory: not to be read once it is written again
            except StoreError as exc:
                del payload
                self._rollback_to_saved(exc)
                raise
            except OSError as exc:  # pragma: no cover - store wraps these
                del payload
                self._rollback_to_saved(exc)
                raise SaveFailed(f"Không lưu được sổ: {exc}") from exc

    def _rollback_to_saved(self, failure: BaseException) -> None:
        """Put the database back to the content last saved, read again from the file this
        program wrote. If that file is no longer there as written, nothing on disk holds the
        content the screens showed: the database keeps what was typed (the next save that
        succeeds writes it) and :class:`SaveFailed` says so."""
        _drop_frames(failure)  # the failed save's payload (and any view of the database) goes now
        from . import sqlite_memory

        alloc = sqlite_memory.allocator()
        try:
            content = self.store.saved_content(alloc)
        except StoreError as exc:
            if alloc is not None:
                alloc.free()
            said = getattr(failure, "message", "") or "Không lưu được sổ."
            if _INTACT in said:  # it was, when the save failed; it is not now
                said = said[:said.index(_INTACT)].rstrip()
            raise SaveFailed(
                f"{said} {exc.message} Dữ liệu vừa nhập chưa được ghi ra đĩa nhưng vẫn còn trong chương trình: "
                "đừng đóng chương trình; lần lưu tới thành công sẽ ghi cả phần này.") from failure
        _load_content(self.conn, self.store, content, alloc)
        del content
        _harden(self.conn)

    def integrity_check(self) -> str:
        with self.lock:
            return self.conn.execute("PRAGMA integrity_check").fetchone()[0]

    # -- housekeeping --------------------------------------------------------
    def _check_open(self) -> None:
        if self.closed:
            raise StoreError("Sổ đã đóng.")

    @property
    def path(self) -> Path:
        return self.store.path

    @property
    def read_only(self) -> bool:
        return self.store.read_only

    @property
    def read_only_reason(self) -> str:
        return self.store.read_only_reason

    def take_notices(self) -> list[str]:
        """Warnings from the saves (e.g. no backup could be made), each problem once: show them."""
        return self.store.take_notices()

    # -- keys ----------------------------------------------------------------
    def change_passphrase(self, new_passphrase: str, *, allow_new_recovery_key: bool = False) -> str | None:
        """New passphrase, new data key (see ``EncryptedStore.change_passphrase``); returns a new
        recovery key when the old one could not be carried over (show it once), else None."""
        self._check_open()
        with self.lock, self._content() as content:
            return self.store.change_passphrase(new_passphrase, allow_new_recovery_key=allow_new_recovery_key,
                                                content=content)

    def renew_recovery_key(self, passphrase: str) -> str:
        """A new recovery key (show it once); the old one no longer opens this file."""
        self._check_open()
        with self.lock, self._content() as content:
            return self.store.renew_recovery_key(passphrase, content)

    @contextlib.contextmanager
    def _content(self):
        """The database's bytes for a re-key to write (its own memory when it can be had), or
        None when the file may not be written (the store says why)."""
        from . import sqlite_memory

        if self.read_only:
            yield None
            return
        content = sqlite_memory.view(self.conn) or self.conn.serialize()
        try:
            yield content
        finally:
            if isinstance(content, memoryview):
                content.release()

    def close(self) -> None:
        if self.closed:
            return
        with self.lock:
            self.closed = True
            self.store.close()
            try:
                self.conn.close()
            finally:
                database._handed = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
