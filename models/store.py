"""The encrypted registry file (see docs/FILE_FORMAT.md).

One file holds an opaque payload — the bytes of ``sqlite3.serialize()`` — under
AES-256-GCM with a random 256-bit data key. The data key is wrapped by a key
derived from the passphrase (Argon2id) and by a recovery key. Plaintext never
touches the disk: encryption happens in memory before any write.
"""

from __future__ import annotations

import base64
import datetime as dt
import errno
import filecmp
import hashlib
import json
import hmac
import os
import re
import secrets
import shutil
import struct
import threading
import zlib
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

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

MAGIC = b"CNSCD\x1a\r\n"
FORMAT_MAJOR = 1
FORMAT_MINOR = 0
APP_VERSION = "0.1.0"
_PREFIX = struct.Struct(">8sHHI")  # magic, major, minor, header length
_NONCE = 12
_TAG = 16
_SUM = 32
MAX_HEADER = 64 * 1024

# KDF caps: a header asking for more is refused before any work is done.
KDF_MAX_M_KIB = 262_144  # 256 MiB
KDF_MAX_T = 16
KDF_MAX_P = 8
KDF_MIN_M_KIB = 1024

GEN_KEEP = 10
DAYS_KEEP = 30
RESTORE_KEEP = 5
MANUAL_KEEP = 10  # backups the clerk made with «Sao lưu ngay»


_local = local_time

# Fault injection for the crash tests (tests/test_crash_safety.py): a test sets this in a
# child process to a function that kills the process at one of FAULT_POINTS. Never set
# by the program itself.
FAULT_POINTS = ("backup-linked", "tmp-written", "tmp-fsynced", "replaced", "dir-fsynced", "rotation-started")
_fault_hook = None


def _fault(point: str) -> None:
    if _fault_hook is not None:
        _fault_hook(point)


def _reason(exc: OSError) -> str:
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return "ổ đĩa đã đầy"
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "không có quyền ghi hoặc ổ đĩa chỉ cho đọc"
    if code in (errno.EIO, getattr(errno, "ENODEV", -1), getattr(errno, "ENXIO", -1)):
        return "lỗi đọc/ghi thiết bị (ổ USB bị rút ra?)"
    return exc.strerror or str(exc)


# ---------------------------------------------------------------------------
# KDF
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class KdfParams:
    m_kib: int
    t: int
    p: int


def default_kdf() -> KdfParams:
    """Parameters for new files: ~0.45 s on a 2-core machine, 64 MiB (bench/run.py prints it).

    ``CNSCD_KDF=fast`` (tests and throw-away demos only) gives tiny parameters;
    they are recorded in the file header like any others.
    """
    if os.environ.get("CNSCD_KDF") == "fast":
        return KdfParams(1024, 1, 1)
    return KdfParams(65536, 14, 2)


def _check_kdf(kdf: dict) -> KdfParams:
    try:
        if kdf.get("alg") != "argon2id":
            raise ValueError
        m, t, p = int(kdf["m_kib"]), int(kdf["t"]), int(kdf["p"])
        salt = base64.b64decode(kdf["salt"], validate=True)
    except (KeyError, TypeError, ValueError):
        raise DamagedFile("Tệp sổ bị hỏng: phần đầu tệp ghi tham số mã hóa không hợp lệ.") from None
    if not (1 <= p <= KDF_MAX_P and 1 <= t <= KDF_MAX_T and max(KDF_MIN_M_KIB, 8 * p) <= m <= KDF_MAX_M_KIB
            and 16 <= len(salt) <= 64):
        raise DamagedFile("Tệp sổ bị hỏng hoặc bị sửa: tham số mã hóa vượt giới hạn cho phép "
                          f"(bộ nhớ {m} KiB, {t} vòng, {p} luồng).")
    return KdfParams(m, t, p)


def _argon2(secret: bytes, salt: bytes, kdf: KdfParams) -> bytes:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    return Argon2id(salt=salt, length=32, iterations=kdf.t, lanes=kdf.p, memory_cost=kdf.m_kib).derive(secret)


def _hkdf(secret: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"cnscd recovery v1").derive(secret)


# ---------------------------------------------------------------------------
# Recovery key: 25 characters in 5 groups, the last two a checksum
# ---------------------------------------------------------------------------
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_DATA_CHARS = 23


def _check_chars(data: str) -> str:
    h = int.from_bytes(hashlib.sha256(data.encode()).digest()[:2], "big") & 0x3FF
    return _ALPHABET[h >> 5] + _ALPHABET[h & 31]


def generate_recovery_key() -> str:
    data = "".join(secrets.choice(_ALPHABET) for _ in range(_DATA_CHARS))
    full = data + _check_chars(data)
    return "-".join(full[i:i + 5] for i in range(0, 25, 5))


def normalise_recovery_key(s: str) -> str:
    """Case-insensitive; spaces and dashes ignored; O→0, I/L→1, U→V."""
    raw = re.sub(r"[\s\-_.]", "", s or "").upper().translate(str.maketrans("OILU", "011V"))
    if len(raw) != 25 or any(c not in _ALPHABET for c in raw):
        raise WrongSecret("Khóa khôi phục phải có 25 ký tự (5 nhóm, mỗi nhóm 5 ký tự). Hãy gõ lại.")
    if _check_chars(raw[:_DATA_CHARS]) != raw[_DATA_CHARS:]:
        raise WrongSecret("Khóa khôi phục gõ sai (không khớp ký tự kiểm tra). Hãy gõ lại từng nhóm cho đúng.")
    return raw


# ---------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------
def _trailer(prefix: bytes, header_raw: bytes, nonce: bytes, ciphertext) -> bytes:
    """The file checksum: SHA-256 of prefix ‖ header ‖ nonce ‖ CRC-32 and length of the ciphertext.

    CRC-32 catches random damage in the (large) ciphertext at a third of
    SHA-256's cost; the ciphertext is in any case authenticated by its GCM tag.
    """
    h = hashlib.sha256()
    h.update(prefix)
    h.update(header_raw)
    h.update(nonce)
    h.update(struct.pack(">IQ", zlib.crc32(ciphertext), len(ciphertext)))
    return h.digest()


def _canon(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _payload_aad(header: dict, major: int, minor: int) -> bytes:
    """magic ‖ the file's own major ‖ minor ‖ header without slots (not the reader's constants)."""
    rest = {k: v for k, v in header.items() if k != "slots"}
    return MAGIC + struct.pack(">HH", major, minor) + _canon(rest)


def _file_parts(header: dict, nonce: bytes, ct: bytes, version: tuple[int, int]) -> list[bytes]:
    """The bytes of a whole file: prefix, header, nonce, ciphertext + tag, trailer."""
    raw = _canon(header)
    prefix = _PREFIX.pack(MAGIC, version[0], version[1], len(raw))
    return [prefix, raw, nonce, ct, _trailer(prefix, raw, nonce, ct)]


def _slot_aad(file_id: str, slot: dict) -> bytes:
    return file_id.encode("ascii") + _canon({k: v for k, v in slot.items() if k not in ("nonce", "wrapped")})


def _make_slot(kind: str, kek_secret: bytes, data_key: bytes, file_id: str, kdf: KdfParams | None) -> dict:
    salt = os.urandom(16)
    if kind == "passphrase":
        slot = {"kind": kind, "kdf": {"alg": "argon2id", "m_kib": kdf.m_kib, "t": kdf.t, "p": kdf.p,
                                      "salt": _b64(salt)}}
        kek = _argon2(kek_secret, salt, kdf)
    else:
        slot = {"kind": kind, "kdf": {"alg": "hkdf-sha256", "salt": _b64(salt)}}
        kek = _hkdf(kek_secret, salt)
    nonce = os.urandom(_NONCE)
    slot["nonce"] = _b64(nonce)
    slot["wrapped"] = _b64(AESGCM(kek).encrypt(nonce, data_key, _slot_aad(file_id, slot)))
    return slot


@dataclass
class _Parsed:
    major: int
    minor: int
    header: dict
    header_raw: bytes
    nonce: bytes
    ciphertext: bytes


def _parse(data: bytes, name: str) -> _Parsed:
    damaged = f"Tệp sổ «{name}» bị hỏng"
    if len(data) == 0:
        raise DamagedFile(f"{damaged}: tệp rỗng (0 byte).")
    if len(data) < _PREFIX.size + _NONCE + _TAG + _SUM:
        raise DamagedFile(f"{damaged}: tệp bị cắt cụt ({len(data)} byte).")
    magic, major, minor, hlen = _PREFIX.unpack_from(data)
    if magic != MAGIC:
        raise DamagedFile(f"{damaged} hoặc không phải tệp sổ Tổ CNSCĐ (sai dấu hiệu nhận dạng).")
    def checksum_ok() -> bool:
        if _PREFIX.size + hlen + _NONCE + _SUM > len(data):
            return False
        view = memoryview(data)
        h0 = _PREFIX.size
        return _trailer(view[:h0], view[h0:h0 + hlen], view[h0 + hlen:h0 + hlen + _NONCE],
                        view[h0 + hlen + _NONCE:-_SUM]) == data[-_SUM:]

    if major > FORMAT_MAJOR:
        if checksum_ok():
            raise UnsupportedVersion(
                f"Tệp «{name}» được tạo bởi phiên bản mới hơn của chương trình (định dạng {major}.{minor}); "
                f"phiên bản này chỉ đọc được định dạng {FORMAT_MAJOR}.x. Hãy cập nhật chương trình Sổ Tổ CNSCĐ.")
        raise DamagedFile(f"{damaged}: phần đầu tệp không hợp lệ.")
    if not checksum_ok():
        raise DamagedFile(f"{damaged}: dữ liệu không khớp mã kiểm tra (tệp bị cắt, ghi dở hoặc bị sửa).")
    if major < 1 or hlen > MAX_HEADER or _PREFIX.size + hlen + _NONCE + _TAG + _SUM > len(data):
        raise DamagedFile(f"{damaged}: phần đầu tệp không hợp lệ.")
    raw = data[_PREFIX.size:_PREFIX.size + hlen]
    try:
        header = json.loads(raw.decode("ascii"))
        if not isinstance(header, dict) or not isinstance(header.get("slots"), list):
            raise ValueError
        int(header["generation"]), int(header["schema_version"]), str(header["file_id"])
        dt.datetime.fromisoformat(header["saved_at"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise DamagedFile(f"{damaged}: phần đầu tệp không đọc được.") from None
    body = data[_PREFIX.size + hlen:-_SUM]
    return _Parsed(major, minor, header, raw, body[:_NONCE], body[_NONCE:])


def check_file(path: str | os.PathLike) -> dict:
    """Check structure and checksum without a passphrase; returns the header."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"Không tìm thấy tệp sổ: {path}") from None
    except OSError as exc:
        raise DamagedFile(f"Không đọc được tệp sổ {path}: {_reason(exc)}.") from exc
    return _parse(data, path.name).header


# ---------------------------------------------------------------------------
# Backups
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class BackupInfo:
    path: Path
    generation: int
    saved_at: dt.datetime
    kind: str  # gen | day | manual | before-restore


# <stem>.g000042.cnscd, <stem>.d000042-2026-11-22.cnscd, <stem>.r000042.cnscd, <stem>.m000042.cnscd
# (made by hand); a name that was already taken by a different file gets ".<n>" before ".cnscd"
# (see _link_or_copy).
_BACKUP_RE = re.compile(r"\.(g|d|r|m)(\d{6,})(?:-(\d{4}-\d{2}-\d{2}))?(?:\.\d{1,3})?\.cnscd$")
_KIND = {"g": "gen", "d": "day", "r": "before-restore", "m": "manual"}


def backup_dir(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".backups")


def list_backups(db_path: str | os.PathLike, *, only_good: bool = False) -> list[BackupInfo]:
    """Backups beside the file, newest generation first (dates read from the headers)."""
    db_path = Path(db_path)
    folder = backup_dir(db_path)
    out = []
    if not folder.is_dir():
        return out
    for f in folder.iterdir():
        m = _BACKUP_RE.search(f.name)
        if not m:
            continue
        try:
            header = check_file(f)
        except StoreError:
            if only_good:
                continue
            header = {"saved_at": "1970-01-01T00:00:00+00:00"}
        out.append(BackupInfo(f, int(m.group(2)), dt.datetime.fromisoformat(header["saved_at"]), _KIND[m.group(1)]))
    out.sort(key=lambda b: (b.generation, b.kind == "gen"), reverse=True)
    return out


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b) or filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def _copy_exclusive(src: Path, dst: Path) -> None:
    """Copy ``src`` to a new file ``dst``; FileExistsError if ``dst`` exists (never overwritten)."""
    with open(src, "rb") as fin:
        fout = open(dst, "xb")
        try:
            with fout:
                shutil.copyfileobj(fin, fout, 1 << 20)
        except BaseException:
            try:
                dst.unlink()
            except OSError:
                pass
            raise


def _link_or_copy(src: Path, dst: Path) -> Path:
    """Keep ``src`` as ``dst`` (hard link, or a copy); returns the name used.

    An existing file is never replaced. If ``dst`` already holds the same bytes
    (e.g. the link of a save that crashed before the replace) nothing is done;
    if it holds a different file, the copy takes the next free name
    ``<dst without .cnscd>.<n>.cnscd``, so no state is silently left without its backup.
    """
    base = dst.name[:-len(".cnscd")] if dst.name.endswith(".cnscd") else dst.name
    for n in range(1000):
        target = dst if n == 0 else dst.with_name(f"{base}.{n}.cnscd")
        try:
            os.link(src, target)
            return target
        except FileExistsError:
            if _same_file(src, target):
                return target
            continue
        except OSError:
            pass  # no hard links on this file system: copy
        try:
            _copy_exclusive(src, target)
            return target
        except FileExistsError:
            if _same_file(src, target):
                return target
    raise OSError(errno.EEXIST, f"không còn tên trống cho bản sao lưu {dst.name}")


def _write_all(fd: int, part: bytes) -> None:
    view = memoryview(part)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _write_atomic(path: Path, parts: list[bytes]) -> None:
    """tmp in the same folder → fsync → replace → fsync folder. Raises OSError."""
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        try:
            for part in parts:
                _write_all(fd, part)
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
    _fsync_dir(path.parent)
    _fault("dir-fsynced")


# ---------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------
class EncryptedStore:
    """An open registry file. Holds the data key in memory only."""

    def __init__(self, path: Path, header: dict, data_key: bytes, nonce: bytes, ciphertext: bytes, lock,
                 version: tuple[int, int] = (FORMAT_MAJOR, FORMAT_MINOR)):
        self.path = path
        self._version = version  # the file's format major/minor, bound into the payload AAD
        self._header = header
        self._key = bytearray(data_key)
        self._nonce = nonce
        self._ct = ciphertext
        self._lock = lock
        self._rotation: threading.Thread | None = None
        self._day_done: str | None = None
        self._swept_day: str | None = None

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

    # -- create / open -------------------------------------------------------
    @classmethod
    def create(cls, path, passphrase: str, payload: bytes, *, schema_version: int, kdf: KdfParams | None = None,
               lock: bool = True) -> tuple[EncryptedStore, str]:
        path = Path(path)
        if path.exists():
            raise StoreError(f"Tệp {path} đã có; không ghi đè.")
        if not passphrase:
            raise StoreError("Mật khẩu không được để trống.")
        kdf = kdf or default_kdf()
        lk = _take_lock(path) if lock else None
        try:
            data_key = AESGCM.generate_key(bit_length=256)
            file_id = _b64(os.urandom(16))
            recovery = generate_recovery_key()
            header = {
                "file_id": file_id, "generation": 0, "saved_at": _now(), "app_version": APP_VERSION,
                "schema_version": int(schema_version), "payload_len": 0,
                "slots": [
                    _make_slot("passphrase", passphrase.encode("utf-8"), data_key, file_id, kdf),
                    _make_slot("recovery", normalise_recovery_key(recovery).encode("ascii"), data_key, file_id, None),
                ],
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
             lock: bool = True) -> tuple[EncryptedStore, bytes]:
        path = Path(path)
        if not path.exists():
            raise NotFound(f"Không tìm thấy tệp sổ: {path}")
        if passphrase is None and recovery_key is None:
            raise WrongSecret("Cần mật khẩu hoặc khóa khôi phục để mở sổ.")
        rk = normalise_recovery_key(recovery_key) if recovery_key is not None else None
        lk = _take_lock(path) if lock else None
        try:
            _remove_leftover_tmp(path)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise DamagedFile(f"Không đọc được tệp sổ {path}: {_reason(exc)}.") from exc
            try:
                parsed = _parse(data, path.name)
            except DamagedFile as exc:
                raise type(exc)(exc.message, list_backups(path, only_good=True)) from None
            header = parsed.header
            kind = "passphrase" if rk is None else "recovery"
            slots = [s for s in header["slots"] if isinstance(s, dict) and s.get("kind") == kind]
            if not slots:
                raise DamagedFile(f"Tệp sổ «{path.name}» bị hỏng: thiếu khóa {kind}.",
                                  list_backups(path, only_good=True))
            data_key = None
            for slot in slots:
                try:
                    data_key = _unwrap(slot, header["file_id"], passphrase if rk is None else rk, kind)
                    break
                except InvalidTag:
                    continue
                except DamagedFile as exc:
                    raise DamagedFile(exc.message, list_backups(path, only_good=True)) from None
            if data_key is None:
                if kind == "passphrase":
                    raise WrongSecret("Sai mật khẩu. Hãy gõ lại (chú ý chữ hoa/thường, bộ gõ tiếng Việt). "
                                      "Nếu quên mật khẩu, dùng khóa khôi phục.")
                raise WrongSecret("Sai khóa khôi phục: khóa này không phải của sổ này.")
            try:
                payload = AESGCM(data_key).decrypt(parsed.nonce, parsed.ciphertext,
                                                   _payload_aad(header, parsed.major, parsed.minor))
            except InvalidTag:
                raise DamagedFile(f"Tệp sổ «{path.name}» bị hỏng hoặc bị sửa: nội dung không khớp mã xác thực.",
                                  list_backups(path, only_good=True)) from None
            return cls(path, header, data_key, parsed.nonce, parsed.ciphertext, lk,
                       (parsed.major, parsed.minor)), payload
        except BaseException:
            if lk:
                lk.release()
            raise

    # -- save ------------------------------------------------------------------
    def save(self, payload: bytes, *, schema_version: int | None = None) -> None:
        """Encrypt and atomically replace the file; keep the old one as a backup."""
        if not self._key:
            raise SaveFailed("Sổ đã đóng; không lưu được.")
        header = dict(self._header)
        header["generation"] = self.generation + 1
        header["saved_at"] = _now()
        header["payload_len"] = len(payload)
        if schema_version is not None:
            header["schema_version"] = int(schema_version)
        version = (FORMAT_MAJOR, FORMAT_MINOR)  # a save writes this program's format
        nonce = os.urandom(_NONCE)
        ct = AESGCM(bytes(self._key)).encrypt(nonce, payload, _payload_aad(header, *version))
        try:
            self._write(header, nonce, ct, version, keep_backup=True)
        except OSError as exc:
            raise SaveFailed(f"Không lưu được sổ vào {self.path} (lý do: {_reason(exc)}). "
                             "Tệp đã lưu trước đó vẫn nguyên vẹn; dữ liệu vừa nhập chưa được ghi.") from exc
        self._header, self._nonce, self._ct, self._version = header, nonce, ct, version

    def _write(self, header: dict, nonce: bytes, ct: bytes, version: tuple[int, int], *, keep_backup: bool) -> None:
        if keep_backup and self.path.exists():
            self._backup_current()
            _fault("backup-linked")
        _write_atomic(self.path, _file_parts(header, nonce, ct, version))
        if keep_backup:
            self._after_backup(len(ct))
            _fault("rotation-started")

    def _after_backup(self, size: int) -> None:
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
            if not busy:
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
            folder.mkdir(exist_ok=True)
            gen = self.generation
            stem = self.path.stem
            _link_or_copy(self.path, folder / f"{stem}.g{gen:06d}.cnscd")
            day = self.saved_at.astimezone().date().isoformat()
            if self._day_done != day:
                if not any(f.name.endswith(f"-{day}.cnscd") for f in folder.glob(f"{stem}.d*.cnscd")):
                    _link_or_copy(self.path, folder / f"{stem}.d{gen:06d}-{day}.cnscd")
                self._day_done = day
        except OSError:
            pass  # a backup that cannot be made must not stop the save itself

    def _rotate(self) -> None:
        folder = backup_dir(self.path)
        if not folder.is_dir():
            return
        gens, days, restores, manual = [], {}, [], []
        for f in folder.iterdir():
            m = _BACKUP_RE.search(f.name)
            if not m:
                continue
            gen = int(m.group(2))
            if m.group(1) == "g":
                gens.append((gen, f))
            elif m.group(1) == "d" and m.group(3):
                days.setdefault(m.group(3), []).append((gen, f))
            elif m.group(1) == "r":
                restores.append((gen, f))
            elif m.group(1) == "m":
                manual.append((gen, f))
        for _, f in sorted(gens, reverse=True)[GEN_KEEP:]:
            f.unlink()
        # Day buckets are ranked by their highest generation, never by the date in
        # their name: a clock reset to 2000 or a future date must not decide what stays.
        ranked = sorted(days, key=lambda d: (max(g for g, _ in days[d]), d), reverse=True)
        for day in ranked[DAYS_KEEP:]:
            for _, f in days[day]:
                f.unlink()
        for _, f in sorted(restores, reverse=True)[RESTORE_KEEP:]:
            f.unlink()
        for _, f in sorted(manual, reverse=True)[MANUAL_KEEP:]:
            f.unlink()

    # -- keys ------------------------------------------------------------------
    def verify_passphrase(self, passphrase: str) -> bool:
        """True when ``passphrase`` unlocks this file (used by the UI's lock screen)."""
        for slot in self._header.get("slots", []):
            if slot.get("kind") != "passphrase":
                continue
            try:
                key = _unwrap(slot, self.file_id, passphrase, "passphrase")
            except (InvalidTag, StoreError):
                continue
            return hmac.compare_digest(key, bytes(self._key))
        return False

    def change_passphrase(self, new_passphrase: str) -> None:
        """Re-wrap the data key; the payload ciphertext stays byte-identical."""
        if not new_passphrase:
            raise StoreError("Mật khẩu mới không được để trống.")
        header = dict(self._header)
        new_slot = _make_slot("passphrase", new_passphrase.encode("utf-8"), bytes(self._key), self.file_id,
                              default_kdf())
        header["slots"] = [new_slot] + [s for s in header["slots"] if s.get("kind") != "passphrase"]
        try:
            self._write(header, self._nonce, self._ct, self._version, keep_backup=False)  # same ct: same AAD
        except OSError as exc:
            raise SaveFailed(f"Không đổi được mật khẩu (lý do: {_reason(exc)}). Mật khẩu cũ vẫn dùng được.") from exc
        self._header = header

    # -- backups -----------------------------------------------------------------
    def list_backups(self) -> list[BackupInfo]:
        self._wait_rotation()
        return list_backups(self.path)

    def backup_now(self) -> Path:
        """A backup of the file as it is now, made by hand (kind ``manual``, the last
        ``MANUAL_KEEP`` are kept apart from the automatic ones)."""
        folder = backup_dir(self.path)
        try:
            folder.mkdir(exist_ok=True)
            target = _link_or_copy(self.path, folder / f"{self.path.stem}.m{self.generation:06d}.cnscd")
            _fsync_dir(folder)
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
            _write_atomic(target, [data])
            if hashlib.sha256(target.read_bytes()).digest() != hashlib.sha256(data).digest():
                target.unlink()
                raise SaveFailed(f"Bản sao ở {target} đọc lại không khớp; đã xóa. Hãy thử ổ khác.")
        except OSError as exc:
            raise SaveFailed(f"Không sao lưu được ra {directory} (lý do: {_reason(exc)}).") from exc
        return target

    def close(self) -> None:
        self._wait_rotation()
        for i in range(len(self._key)):
            self._key[i] = 0
        self._key = bytearray()
        if self._lock:
            self._lock.release()
            self._lock = None


def _unwrap(slot: dict, file_id: str, secret: str, kind: str) -> bytes:
    try:
        nonce = base64.b64decode(slot["nonce"], validate=True)
        wrapped = base64.b64decode(slot["wrapped"], validate=True)
        kdf = slot["kdf"]
        if kind == "passphrase":
            params = _check_kdf(kdf)
            kek = _argon2(secret.encode("utf-8"), base64.b64decode(kdf["salt"]), params)
        else:
            if kdf.get("alg") != "hkdf-sha256":
                raise ValueError
            kek = _hkdf(secret.encode("ascii"), base64.b64decode(kdf["salt"], validate=True))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise DamagedFile("Tệp sổ bị hỏng: khóa mã hóa trong phần đầu tệp không đọc được.") from None
    if len(nonce) != _NONCE:
        raise DamagedFile("Tệp sổ bị hỏng: khóa mã hóa trong phần đầu tệp không đọc được.")
    return AESGCM(kek).decrypt(nonce, wrapped, _slot_aad(file_id, slot))


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _take_lock(path: Path):
    from .lock import RegistryLock

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


def _highest_generation(db_path: Path) -> int:
    """The highest generation of the file and of every backup name beside it (0 if none)."""
    top = 0
    try:
        top = int(check_file(db_path)["generation"])
    except (StoreError, ValueError, TypeError):
        pass
    folder = backup_dir(db_path)
    if folder.is_dir():
        for f in folder.iterdir():
            m = _BACKUP_RE.search(f.name)
            if m:
                top = max(top, int(m.group(2)))
    return top


def restore_backup(backup_path, db_path, *, passphrase: str | None = None, recovery_key: str | None = None) -> None:
    """Replace ``db_path`` with a backup that decrypts; the current file is kept as a before-restore backup.

    The restored content is sealed again (fresh nonce) with a generation above
    every one in use (the file's and the backups'), so the saves that follow
    get backup names of their own instead of colliding with old backups.
    """
    backup_path, db_path = Path(backup_path), Path(db_path)
    st, payload = EncryptedStore.open(backup_path, passphrase=passphrase, recovery_key=recovery_key, lock=False)
    try:
        lk = _take_lock(db_path)
        try:
            header = dict(st._header)
            header["generation"] = max(_highest_generation(db_path), st.generation) + 1
            header["saved_at"] = _now()
            header["payload_len"] = len(payload)
            version = (FORMAT_MAJOR, FORMAT_MINOR)
            nonce = os.urandom(_NONCE)
            ct = AESGCM(bytes(st._key)).encrypt(nonce, payload, _payload_aad(header, *version))
            if db_path.exists():
                folder = backup_dir(db_path)
                folder.mkdir(exist_ok=True)
                try:
                    gen = int(check_file(db_path)["generation"])
                except (StoreError, ValueError, TypeError):
                    gen = 0
                _link_or_copy(db_path, folder / f"{db_path.stem}.r{gen:06d}.cnscd")
            _write_atomic(db_path, _file_parts(header, nonce, ct, version))
        except OSError as exc:
            raise SaveFailed(f"Không khôi phục được (lý do: {_reason(exc)}). Tệp sổ hiện tại vẫn nguyên vẹn.") from exc
        finally:
            lk.release()
    finally:
        st.close()
