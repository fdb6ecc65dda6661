"""The encrypted registry file (see docs/FILE_FORMAT.md).

One file holds an opaque payload — the bytes of ``sqlite3.serialize()`` — under
AES-256-GCM with a random 256-bit data key. The data key is wrapped by a key
derived from the passphrase (Argon2id) and for the recovery key. Plaintext never
touches the disk: encryption happens in memory before any write.

The bytes of the format, the key slots and the KDF are in ``store_format.py``;
the backup folder in ``store_backups.py``. This module opens, saves, re-keys
and restores.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import stat
import threading
import time
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import (  # noqa: F401  (re-exported: callers catch them as store.X)
    AlreadyOpen,
    DamagedFile,
    NotFound,
    SaveFailed,
    StoreError,
    UnsupportedVersion,
    WrongSecret,
    local_time,
)
from .lock import RegistryLock, lock_path
from .lock import describe_os_error as _reason
from .store_backups import (  # noqa: F401  (re-exported)
    DAYS_KEEP,
    GEN_KEEP,
    MANUAL_KEEP,
    RESTORE_KEEP,
    BackupInfo,
    backup_dir,
    backup_problems,
    backup_trouble,
    fsync_dir,
    highest_generation,
    link_or_copy,
    list_backups,
    private_dir,
    real_path,
    rotate,
)
from .store_format import (  # noqa: F401  (re-exported)
    FORMAT_MAJOR,
    FORMAT_MINOR,
    KDF_MAX_M_KIB,
    KDF_MAX_P,
    KDF_MAX_T,
    KDF_MAX_WORK,
    MAGIC,
    KdfParams,
    check_file,
    default_kdf,
    file_parts,
    generate_recovery_key,
    normalise_passphrase,
    normalise_recovery_key,
    open_payload,
    parse,
    payload_aad,
    read_file,
    seal,
    trailer,
)
from . import store_format as fmt

_trailer = trailer  # the tests forge checksums with it
_NONCE = fmt.NONCE

# Fault injection for the crash tests (tests/test_crash_safety.py): a test sets this in a
# child process to a function that kills the process at one of FAULT_POINTS. Never set
# by the program itself.
FAULT_POINTS = ("backup-linked", "tmp-written", "tmp-fsynced", "replaced", "dir-fsynced", "rotation-started")
_fault_hook = None


def _fault(point: str) -> None:
    if _fault_hook is not None:
        _fault_hook(point)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


# ---------------------------------------------------------------------------
# Writing a file
# ---------------------------------------------------------------------------
def _replace(src: Path, dst: Path) -> None:
    """os.replace with back-off for Windows sharing violations (antivirus, indexer)."""
    delay = 0.02
    deadline = time.monotonic() + 2.0
    while True:
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.3)


def _write_all(fd: int, part: bytes) -> None:
    view = memoryview(part)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _write_atomic(path: Path, fill) -> None:
    """tmp in the same folder (0600) → fsync → replace → fsync folder. Raises OSError.

    ``fill(write)`` writes the file's bytes through ``write`` (e.g. :func:`store_format.seal`)."""
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        try:
            fill(lambda part: _write_all(fd, part))
            _fault("tmp-written")
            os.fsync(fd)
            _fault("tmp-fsynced")
        finally:
            os.close(fd)
        _replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    _fault("replaced")
    fsync_dir(path.parent)
    _fault("dir-fsynced")


def _take_lock(path: Path) -> RegistryLock:
    lk = RegistryLock(path)
    lk.acquire()
    return lk


def _remove_leftover_tmp(path: Path) -> None:
    for f in path.parent.glob(f"{glob_escape(path.name)}.*.tmp"):
        try:
            f.unlink()
        except OSError:
            pass


def glob_escape(s: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", s)


def _read_only_reason(path: Path, read_only: bool | None) -> str:
    """Why the file is opened read-only ("" = it is not): asked for, or (None) the folder cannot be written."""
    if read_only:
        return "mở để xem"
    if read_only is None:
        if not os.access(path.parent, os.W_OK):
            return "thư mục chứa sổ không ghi được: ổ chỉ đọc hoặc không có quyền ghi"
        lk = lock_path(path)
        if lk.exists() and not os.access(lk, os.W_OK):
            return "tệp khóa của sổ không ghi được"
    return ""


def _read_parsed(path: Path, alloc=None) -> fmt.Parsed:
    try:
        data = read_file(path, alloc)
    except OSError as exc:
        raise DamagedFile(f"Không đọc được tệp sổ {path}: {_reason(exc)}.") from exc
    return fmt.parse(data, path.name)


class _Reading(threading.Thread):
    """The whole file read and its checksum checked in the background, while the key is
    derived (Argon2id lets go of the GIL): at province scale and beyond, reading and
    checking the file costs as much as the rest of an open."""

    def __init__(self, path: Path, alloc=None):
        super().__init__(daemon=True, name="cnscd-read")
        self.path = path
        self.alloc = alloc
        self.parsed: fmt.Parsed | None = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.parsed = _read_parsed(self.path, self.alloc)
        except BaseException as exc:  # handed to the opening thread
            self.error = exc

    def result(self) -> fmt.Parsed:
        self.join()
        if self.error is not None:
            raise self.error
        return self.parsed


def _read_and_unlock(path: Path, passphrase: str | None, rk: str | None, alloc=None) -> tuple[fmt.Parsed, bytes]:
    """The parsed file and its data key. The errors are those of reading the whole file
    first, then unlocking (damage is never reported as a wrong passphrase): the header is
    read alone to start deriving the key while the rest is read and checked."""
    reading = _Reading(path, alloc)
    try:
        header, raw = fmt.read_header(path)
        data_key = _unlock(header, passphrase, rk)
    except (StoreError, InvalidTag):
        reading.result()  # the whole file's error, when it has one, comes first
        raise
    except BaseException:
        reading.join()
        raise
    parsed = reading.result()
    if parsed.header_raw != raw:  # the file changed between the two reads: unlock what was read
        return parsed, _unlock(parsed.header, passphrase, rk)
    parsed.header = header  # the one _unlock may have brought up to date (a format-1 slot)
    return parsed, data_key


# ---------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------
class EncryptedStore:
    """An open registry file. Holds the data key in memory only; no copy of the content nor
    of the ciphertext once the content is handed over (:meth:`saved_content` reads the file
    this store wrote again when it is needed)."""

    def __init__(self, path: Path, header: dict, data_key: bytes, nonce: bytes, payload, lock,
                 version: tuple[int, int] = (FORMAT_MAJOR, FORMAT_MINOR), *, read_only: str = ""):
        self.path = path
        self._version = version  # the file's format major/minor, bound into the payload AAD
        self._header = header
        self._key = bytearray(data_key)
        self._nonce = nonce  # b"" until the first save of a new file
        self._payload = payload
        self._lock = lock
        self._rotation: threading.Thread | None = None
        self._day_done: str | None = None
        self._swept_day: str | None = None
        self.read_only_reason = read_only  # "" when the file may be written
        self._notices: list[str] = []
        self._backup_trouble: str | None = None

    # -- properties ----------------------------------------------------------
    @property
    def generation(self) -> int:
        return int(self._header["generation"])

    @property
    def schema_version(self) -> int:
        return int(self._header["schema_version"])

    @property
    def file_id(self) -> str:
        return self._header["file_id"]

    @property
    def saved_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self._header["saved_at"])

    @property
    def read_only(self) -> bool:
        return bool(self.read_only_reason)

    @property
    def payload(self):
        """The decrypted content an open returned, until :meth:`forget_payload` (a Registry
        forgets it once its database holds it); None after a save (no copy is kept)."""
        return self._payload

    def forget_payload(self) -> None:
        """Drop the copy of the content (its owner holds it another way)."""
        self._payload = None

    def saved_content(self, alloc=None):
        """The content as this store last saved (or opened) it (read into ``alloc``, as
        :func:`store_format.read_file`), for a failed save to go back to and for a re-key: the copy an open returned if it is still held, else decrypted
        again from the file on disk, or from the backup of that generation, when the file is
        the very one this store wrote (same generation and nonce, authenticated under the key
        held). SaveFailed, saying so, when neither is."""
        if self._payload is not None:
            return self._payload
        if self._nonce:
            backup = backup_dir(self.path) / f"{self.path.stem}.g{self.generation:06d}.cnscd"
            for candidate in (self.path, backup):
                content = self._decrypt_if_ours(candidate, alloc)
                if content is not None:
                    return content
        raise SaveFailed("Không đọc lại được nội dung đã lưu: tệp sổ trên đĩa (và bản sao lưu của lần lưu đó) "
                         "không còn là tệp chương trình này đã ghi.")

    def _decrypt_if_ours(self, path: Path, alloc):
        try:
            parsed = _read_parsed(path, alloc)
        except StoreError:
            return None
        header = parsed.header
        if (parsed.nonce != self._nonce or header.get("generation") != self.generation
                or header.get("file_id") != self.file_id):
            return None
        try:
            return open_payload(parsed, bytes(self._key))
        except InvalidTag:
            return None

    def read_only_message(self) -> str:
        return (f"Sổ đang mở ở chế độ chỉ đọc ({self.read_only_reason}): không lưu được thay đổi. "
                "Muốn sửa, hãy chép tệp sổ vào ổ ghi được rồi mở lại.")

    def take_notices(self) -> list[str]:
        """Warnings of the saves so far that the clerk has not been shown yet (each problem once)."""
        out, self._notices = self._notices, []
        return out

    def _check_writable(self) -> None:
        if not self._key:
            raise SaveFailed("Sổ đã đóng; không lưu được.")
        if self.read_only_reason:
            raise SaveFailed(self.read_only_message())

    # -- create / open -------------------------------------------------------
    @classmethod
    def create(cls, path, passphrase: str, payload: bytes, *, schema_version: int, kdf: KdfParams | None = None,
               lock: bool = True) -> tuple[EncryptedStore, str]:
        path = real_path(path)
        if path.exists():
            raise StoreError(f"Tệp {path} đã có; không ghi đè.")
        passphrase = normalise_passphrase(passphrase)
        if not passphrase:
            raise StoreError("Mật khẩu không được để trống.")
        kdf = kdf or default_kdf()
        lk = _take_lock(path) if lock else None
        try:
            data_key = AESGCM.generate_key(bit_length=256)
            recovery = generate_recovery_key()
            header = {
                "file_id": fmt.b64(os.urandom(16)), "generation": 0, "saved_at": _now(), "app_version": fmt.APP_VERSION,
                "schema_version": int(schema_version), "payload_len": 0,
                "slots": [fmt.passphrase_slot(passphrase, data_key, kdf),
                          fmt.recovery_slot(normalise_recovery_key(recovery), data_key)],
            }
            store = cls(path, header, data_key, b"", b"", lk)
            store.save(payload, schema_version=schema_version)
            return store, recovery
        except BaseException:
            if lk:
                lk.release()
            raise

    @classmethod
    def open(cls, path, *, passphrase: str | None = None, recovery_key: str | None = None,
             lock: bool = True, read_only: bool | None = False, alloc=None) -> tuple[EncryptedStore, bytes]:
        """Open and decrypt. ``read_only``: True — no lock, no writes; None — so when the folder
        cannot be written (read-only media), otherwise as False. ``alloc``: where the file is
        read and decrypted (see ``store_format.read_file``)."""
        path = real_path(path)
        if not path.exists():
            raise NotFound(f"Không tìm thấy tệp sổ: {path}")
        if passphrase is None and recovery_key is None:
            raise WrongSecret("Cần mật khẩu hoặc khóa khôi phục để mở sổ.")
        rk = normalise_recovery_key(recovery_key) if recovery_key is not None else None
        reason = _read_only_reason(path, read_only)
        lk = _take_lock(path) if lock and not reason else None
        try:
            if not reason:
                _remove_leftover_tmp(path)
            try:
                parsed, data_key = _read_and_unlock(path, passphrase, rk, alloc)
                header = parsed.header
            except DamagedFile as exc:
                raise type(exc)(exc.message, list_backups(path, only_good=True)) from None
            try:
                payload = open_payload(parsed, data_key)
            except InvalidTag:
                raise DamagedFile(f"Tệp sổ «{path.name}» bị hỏng hoặc bị sửa: nội dung không khớp mã xác thực.",
                                  list_backups(path, only_good=True)) from None
            return cls(path, header, data_key, parsed.nonce, payload, lk,
                       (parsed.major, parsed.minor), read_only=reason), payload
        except BaseException:
            if lk:
                lk.release()
            raise

    # -- save ------------------------------------------------------------------
    def save(self, payload: bytes, *, schema_version: int | None = None) -> None:
        """Encrypt and atomically replace the file; keep the old one as a backup."""
        self._check_writable()
        header = dict(self._header)
        header["generation"] = self.generation + 1
        header["saved_at"] = _now()
        header["payload_len"] = len(payload)
        if schema_version is not None:
            header["schema_version"] = int(schema_version)
        version = (FORMAT_MAJOR, FORMAT_MINOR)  # a save writes this program's format
        nonce = os.urandom(_NONCE)
        try:
            self._write(header, nonce, bytes(self._key), payload, version, keep_backup=True)
        except OSError as exc:
            raise SaveFailed(f"Không lưu được sổ vào {self.path} (lý do: {_reason(exc)}). "
                             f"{self._what_is_on_disk()[1]}") from exc
        # No copy of the content is kept: a failed save goes back to the file just written.
        self._header, self._nonce, self._payload, self._version = header, nonce, None, version

    def _what_is_on_disk(self) -> tuple[bool, str]:
        """After a failed write: (is the last saved file still there as it was, what to tell the clerk)."""
        unsaved = "dữ liệu vừa nhập chưa được ghi."
        if not self._nonce:
            return False, f"Sổ mới chưa được ghi ra đĩa; {unsaved}"
        folder = backup_dir(self.path)
        where = f" Các bản sao lưu trước đó nằm trong {folder}." if folder.is_dir() else ""
        try:
            st = os.lstat(self.path)
        except FileNotFoundError:
            return False, f"Tệp sổ không còn ở chỗ cũ (đã bị xóa, đổi tên hoặc chuyển đi); {unsaved}{where}"
        except OSError:
            return False, f"Không đọc lại được tệp sổ trên đĩa; {unsaved}{where}"
        if stat.S_ISDIR(st.st_mode):
            return False, (f"Ở chỗ tệp sổ bây giờ là một thư mục, tệp sổ không còn ở đó; {unsaved}{where}")
        try:
            same = _read_parsed(self.path).nonce == self._nonce
        except StoreError:
            same = False
        if same:
            return True, f"Tệp đã lưu trước đó vẫn nguyên vẹn; {unsaved}"
        return False, f"Tệp sổ trên đĩa đã bị chương trình khác thay đổi hoặc bị hỏng; {unsaved}{where}"

    def _write(self, header: dict, nonce: bytes, key: bytes, payload, version: tuple[int, int], *,
               keep_backup: bool) -> None:
        if keep_backup and self.path.exists():
            self._backup_current()
            _fault("backup-linked")
        _write_atomic(self.path, lambda write: seal(write, header, key, nonce, payload, version))
        if keep_backup:
            self._after_backup()
            _fault("rotation-started")

    def _after_backup(self) -> None:
        """Keep the backup folder to its limits without slowing the save.

        The first save of a day (per session) sweeps the whole folder (generations,
        days, before-restore copies) in a background thread. Other saves only drop
        the one generation that just fell out of the last ``GEN_KEEP`` — a file
        whose name is known, so no listing — in the background too (freeing its
        blocks is a journalled metadata change the save need not wait for).
        It only ever removes old backups, never the file being written.
        """
        busy = self._rotation is not None and self._rotation.is_alive()
        today = self._day_done  # the day of the copy just taken (set by _backup_current)
        if self._swept_day != today:
            if not busy:  # if busy, a later save (or _wait_rotation) does the sweep
                self._swept_day = today
                self._rotation = threading.Thread(target=self._rotate_quietly, daemon=True)
                self._rotation.start()
            return
        expired = backup_dir(self.path) / f"{self.path.stem}.g{self.generation - GEN_KEEP:06d}.cnscd"
        if busy:  # the previous one is still at work: this one is small, do it here
            self._unlink_quietly(expired)
        else:
            self._rotation = threading.Thread(target=self._unlink_quietly, args=(expired,), daemon=True)
            self._rotation.start()

    @staticmethod
    def _unlink_quietly(path: Path) -> None:
        try:
            path.unlink()
        except OSError:
            pass

    def _rotate(self) -> None:
        rotate(self.path)

    def _rotate_quietly(self) -> None:
        try:
            self._rotate()
        except OSError:
            pass

    def _wait_rotation(self) -> None:
        """Wait for the background clean-up; then do the daily sweep if one is still owed.

        A sweep is owed when a new day's first save found the previous clean-up still
        at work (``_after_backup`` then leaves it for a later save). Without this, a
        session that ends right after such a save would leave old day copies behind.
        """
        t, self._rotation = self._rotation, None
        if t is not None:
            t.join()
        if self._day_done is not None and self._swept_day != self._day_done:
            self._swept_day = self._day_done
            self._rotate_quietly()

    def _backup_current(self) -> None:
        folder = backup_dir(self.path)
        try:
            private_dir(folder)
            gen = self.generation
            stem = self.path.stem
            link_or_copy(self.path, folder / f"{stem}.g{gen:06d}.cnscd")
            day = self.saved_at.astimezone().date().isoformat()
            if self._day_done != day:
                if not any(f.name.endswith(f"-{day}.cnscd") for f in folder.glob(f"{stem}.d*.cnscd")):
                    link_or_copy(self.path, folder / f"{stem}.d{gen:06d}-{day}.cnscd")
                self._day_done = day
            self._backup_trouble = None
        except OSError as exc:  # a backup that cannot be made must not stop the save itself
            trouble = backup_trouble(folder, exc)
            if trouble != self._backup_trouble:  # said once, until it is mended
                self._backup_trouble = trouble
                self._notices.append(trouble)

    # -- keys ------------------------------------------------------------------
    def verify_passphrase(self, passphrase: str) -> bool:
        """True when ``passphrase`` unlocks this file (used by the UI's lock screen)."""
        try:
            key, _, _ = fmt.unlock_passphrase(self._header, passphrase)
        except (InvalidTag, StoreError):
            return False
        return hmac.compare_digest(key, bytes(self._key))

    def change_passphrase(self, new_passphrase: str, *, allow_new_recovery_key: bool = False,
                          content=None) -> str | None:
        """Set a new passphrase and re-key: a new data key and a new file, so the old
        passphrase with an old copy of the file no longer opens the current one.

        The recovery key is kept (its slot holds only its public half, so the new data
        key is wrapped for it). A file whose recovery slot is of format 1 cannot carry it
        over: with ``allow_new_recovery_key`` the file gets a new recovery key, returned
        (the old one retired); without it the data key stays as it was (only the passphrase
        slot changes) so the clerk's recovery key keeps working. Returns None otherwise.
        ``content``: what to write (the open database's); by default the content as saved.
        """
        self._check_writable()
        new = normalise_passphrase(new_passphrase)
        if not new:
            raise StoreError("Mật khẩu mới không được để trống.")
        slots = self._header["slots"]
        old_pass = [s for s in slots if isinstance(s, dict) and s.get("kind") == "passphrase"]
        kdf = fmt.stronger_kdf(default_kdf(), _max_kdf(old_pass))  # never weaker than before
        recovery = [s for s in slots if isinstance(s, dict) and s.get("kind") == "recovery"]
        old_kind = [s for s in recovery if not fmt.can_rewrap_recovery(s)]
        new_rk = None
        if old_kind and not allow_new_recovery_key:
            data_key = bytes(self._key)
            new_recovery = recovery
        else:
            data_key = AESGCM.generate_key(bit_length=256)
            new_recovery = [fmt.rewrap_recovery_slot(s, data_key) for s in recovery if s not in old_kind]
            if old_kind:
                new_rk = generate_recovery_key()
                new_recovery.append(fmt.recovery_slot(normalise_recovery_key(new_rk), data_key))
        self._rekey(data_key, [fmt.passphrase_slot(new, data_key, kdf)] + new_recovery,
                    "Không đổi được mật khẩu", "Mật khẩu cũ vẫn dùng được.", content)
        return new_rk

    def renew_recovery_key(self, passphrase: str, content=None) -> str:
        """A new recovery key (returned, shown once) in place of the old one, which no longer
        opens this file; the data is re-keyed too. ``passphrase`` (the current one) confirms."""
        self._check_writable()
        try:
            key, kek, i = fmt.unlock_passphrase(self._header, passphrase)
        except DamagedFile:
            raise WrongSecret("Sai mật khẩu.") from None
        if not hmac.compare_digest(key, bytes(self._key)):
            raise WrongSecret("Sai mật khẩu.")
        data_key = AESGCM.generate_key(bit_length=256)
        rk = generate_recovery_key()
        slots = [fmt.rewrap_passphrase_slot(self._header["slots"][i], kek, data_key),
                 fmt.recovery_slot(normalise_recovery_key(rk), data_key)]
        self._rekey(data_key, slots, "Không làm mới được khóa khôi phục", "Khóa khôi phục cũ vẫn dùng được.",
                    content)
        return rk

    def _rekey(self, data_key: bytes, slots: list[dict], failed: str, intact: str, content=None) -> None:
        """Write ``content`` (by default the content as saved) as a new file under ``data_key``
        with ``slots`` (no backup of the old one)."""
        payload = content
        if payload is None:
            try:
                payload = self.saved_content()
            except SaveFailed as exc:
                raise SaveFailed(f"{failed}. {exc.message}") from None
        header = dict(self._header, slots=slots, generation=self.generation + 1, saved_at=_now())
        version = (FORMAT_MAJOR, FORMAT_MINOR)
        nonce = os.urandom(_NONCE)
        try:
            self._write(header, nonce, data_key, payload, version, keep_backup=False)
        except OSError as exc:
            same, what = self._what_is_on_disk()
            raise SaveFailed(f"{failed} (lý do: {_reason(exc)}). {intact if same else what}") from exc
        for i in range(len(self._key)):
            self._key[i] = 0
        self._key = bytearray(data_key)
        self._header, self._nonce, self._version = header, nonce, version

    # -- backups -----------------------------------------------------------------
    def list_backups(self, verify: bool = True) -> list[BackupInfo]:
        """The backups, newest first. ``verify=False``: from names and headers only (for a
        screen that lists them: milliseconds at any size); True (the default): every file
        read through and its checksum checked, as :meth:`verify_backups`."""
        self._wait_rotation()
        return list_backups(self.path, verify=verify)

    def verify_backups(self) -> list[BackupInfo]:
        """The backups with every file's checksum checked (``ok=False``: it will not open)."""
        return self.list_backups(verify=True)

    def backup_problems(self) -> list[str]:
        """What is wrong with the backup folder (for ``verify``); empty when nothing is."""
        self._wait_rotation()
        return backup_problems(self.path)

    def backup_now(self) -> Path:
        """A backup of the file as it is now, made by hand (kind ``manual``, the last
        ``MANUAL_KEEP`` are kept apart from the automatic ones)."""
        self._check_writable()
        folder = backup_dir(self.path)
        try:
            private_dir(folder)
            target = link_or_copy(self.path, folder / f"{self.path.stem}.m{self.generation:06d}.cnscd")
            fsync_dir(folder)
        except OSError as exc:
            raise SaveFailed(f"Không tạo được bản sao lưu trong {folder} (lý do: {_reason(exc)}).") from exc
        self._wait_rotation()
        self._rotation = threading.Thread(target=self._rotate_quietly, daemon=True)
        self._rotation.start()
        return target

    def backup_to(self, directory) -> Path:
        """An encrypted copy of the current file in ``directory`` (e.g. a USB stick)."""
        directory = Path(directory)
        if not directory.is_dir():
            raise SaveFailed(f"Không có thư mục {directory}.")
        target = directory / f"{self.path.stem}_{dt.date.today().isoformat()}_g{self.generation:06d}.cnscd"
        try:
            data = self.path.read_bytes()
            _write_atomic(target, lambda write: write(data))
            if hashlib.sha256(target.read_bytes()).digest() != hashlib.sha256(data).digest():
                target.unlink()
                raise SaveFailed(f"Bản sao ở {target} đọc lại không khớp; đã xóa. Hãy thử ổ khác.")
        except OSError as exc:
            raise SaveFailed(f"Không sao lưu được ra {directory} (lý do: {_reason(exc)}).") from exc
        return target

    def close(self) -> None:
        """Wait for the backup clean-up (and do a daily sweep still owed), forget the key, unlock."""
        self._wait_rotation()
        for i in range(len(self._key)):
            self._key[i] = 0
        self._key = bytearray()
        if self._lock:
            self._lock.release()
            self._lock = None


def _max_kdf(slots: list[dict]) -> KdfParams | None:
    """The strongest parameters among ``slots`` (None if none is readable)."""
    best = None
    for s in slots:
        try:
            best = fmt.stronger_kdf(fmt.passphrase_kdf(s), best)
        except DamagedFile:
            continue
    return best


def _unlock(header: dict, passphrase: str | None, rk: str | None) -> bytes:
    """The data key; a format-1 slot that opened is rewritten as a "v": 2 slot (in
    ``header``, saved with the next save) with the same secret."""
    slots = header["slots"]
    if rk is None:
        data_key, kek, i = fmt.unlock_passphrase(header, passphrase)
        if slots[i].get("v") != 2:
            slots[i] = fmt.rewrap_passphrase_slot(slots[i], kek, data_key)
    else:
        data_key, i = fmt.unlock_recovery(header, rk)
        if not fmt.can_rewrap_recovery(slots[i]):
            slots[i] = fmt.recovery_slot(rk, data_key)
    return data_key


def restore_backup(backup_path, db_path, *, passphrase: str | None = None, recovery_key: str | None = None) -> None:
    """Replace ``db_path`` with a backup that decrypts; the current file is kept as a before-restore backup.

    The restored content is sealed again (fresh nonce) with a generation above
    every one in use (the file's and the backups'), so the saves that follow
    get backup names of their own instead of colliding with old backups.
    """
    backup_path, db_path = Path(backup_path), real_path(db_path)
    st, payload = EncryptedStore.open(backup_path, passphrase=passphrase, recovery_key=recovery_key, lock=False)
    try:
        lk = _take_lock(db_path)
        try:
            header = dict(st._header)
            header["generation"] = max(highest_generation(db_path), st.generation) + 1
            header["saved_at"] = _now()
            header["payload_len"] = len(payload)
            version = (FORMAT_MAJOR, FORMAT_MINOR)
            nonce = os.urandom(_NONCE)
            key = bytes(st._key)
            if db_path.exists():
                folder = backup_dir(db_path)
                private_dir(folder)
                try:
                    gen = int(check_file(db_path)["generation"])
                except (StoreError, ValueError, TypeError):
                    gen = 0
                link_or_copy(db_path, folder / f"{db_path.stem}.r{gen:06d}.cnscd")
            _write_atomic(db_path, lambda write: seal(write, header, key, nonce, payload, version))
        except OSError as exc:
            raise SaveFailed(f"Không khôi phục được (lý do: {_reason(exc)}). Tệp sổ hiện tại vẫn như trước.") from exc
        finally:
            lk.release()
    finally:
        st.close()

