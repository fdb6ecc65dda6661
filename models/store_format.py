"""The registry file's bytes: layout, header checks, key slots, KDF and recovery key.

See docs/FILE_FORMAT.md. ``store.py`` opens, saves and backs up files made of
these parts; nothing here touches the disk except :func:`check_file`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import DamagedFile, NotFound, UnsupportedVersion, WrongSecret
from .lock import describe_os_error

MAGIC = b"CNSCD\x1a\r\n"
FORMAT_MAJOR = 2  # 2: key slots "v": 2 (not bound to file_id; recovery by X25519), see FILE_FORMAT.md
FORMAT_MINOR = 0
APP_VERSION = "0.1.0"
PREFIX = struct.Struct(">8sHHI")  # magic, major, minor, header length
NONCE = 12
TAG = 16
SUM = 32
MAX_HEADER = 64 * 1024
MAX_NESTING = 8  # header JSON: objects/lists inside each other (the real header needs 4)
MAX_SLOTS = 8
MAX_FILE_ID = 64

# KDF caps: a header asking for more is refused before any work is done.
KDF_MAX_M_KIB = 262_144  # 256 MiB
KDF_MAX_T = 16
KDF_MAX_P = 8
KDF_MIN_M_KIB = 1024
# Total Argon2id work (KiB × passes) the passphrase slots of one header may ask for: one slot
# at the caps. An open derives at most twice this (the passphrase as typed, NFC and NFD).
KDF_MAX_WORK = KDF_MAX_M_KIB * KDF_MAX_T

_DAMAGED_SLOT = "Tệp sổ bị hỏng: khóa mã hóa trong phần đầu tệp không đọc được."


# ---------------------------------------------------------------------------
# KDF
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class KdfParams:
    m_kib: int
    t: int
    p: int

    @property
    def work(self) -> int:
        return self.m_kib * self.t


FAST_KDF = KdfParams(1024, 1, 1)


def default_kdf() -> KdfParams:
    """Parameters for new files: ~0.45 s on a 2-core machine, 64 MiB (bench/run.py prints it).

    The tests' tiny parameters (``FAST_KDF``) need both ``CNSCD_KDF=fast`` and a
    running pytest (``PYTEST_CURRENT_TEST``, which pytest sets for every test), so no
    user's environment weakens a real file by accident.
    """
    if os.environ.get("CNSCD_KDF") == "fast" and os.environ.get("PYTEST_CURRENT_TEST"):
        return FAST_KDF
    return KdfParams(65536, 14, 2)


def stronger_kdf(a: KdfParams, b: KdfParams | None) -> KdfParams:
    """Each parameter the larger of the two (a passphrase change never weakens the slot)."""
    if b is None:
        return a
    return KdfParams(max(a.m_kib, b.m_kib), max(a.t, b.t), max(a.p, b.p))


def check_kdf(kdf) -> tuple[KdfParams, bytes]:
    try:
        if kdf.get("alg") != "argon2id":
            raise ValueError
        m, t, p = kdf["m_kib"], kdf["t"], kdf["p"]
        if not all(type(v) is int for v in (m, t, p)):
            raise ValueError
        salt = base64.b64decode(kdf["salt"], validate=True)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise DamagedFile("Tệp sổ bị hỏng: phần đầu tệp ghi tham số mã hóa không hợp lệ.") from None
    if not (1 <= p <= KDF_MAX_P and 1 <= t <= KDF_MAX_T and max(KDF_MIN_M_KIB, 8 * p) <= m <= KDF_MAX_M_KIB
            and 16 <= len(salt) <= 64):
        raise DamagedFile("Tệp sổ bị hỏng hoặc bị sửa: tham số mã hóa vượt giới hạn cho phép "
                          f"(bộ nhớ {m} KiB, {t} vòng, {p} luồng).")
    return KdfParams(m, t, p), salt


def argon2(secret: bytes, salt: bytes, kdf: KdfParams) -> bytes:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    return Argon2id(salt=salt, length=32, iterations=kdf.t, lanes=kdf.p, memory_cost=kdf.m_kib).derive(secret)


def _hkdf(secret: bytes, salt: bytes | None, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


# ---------------------------------------------------------------------------
# Passphrases and the recovery key
# ---------------------------------------------------------------------------
def normalise_passphrase(passphrase: str) -> str:
    """NFC: the same passphrase typed with composed or combining accents gives the same key."""
    return unicodedata.normalize("NFC", passphrase or "")


def passphrase_forms(passphrase: str) -> list[str]:
    """The forms an open tries: NFC (new files), NFD, then as typed (files made before NFC)."""
    forms = []
    for f in (normalise_passphrase(passphrase), unicodedata.normalize("NFD", passphrase), passphrase):
        if f not in forms:
            forms.append(f)
    return forms


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
    """Case-insensitive; spaces, dashes, ``_`` and ``.`` ignored; O→0, I/L→1, U→V."""
    raw = re.sub(r"[\s\-_.]", "", s or "").upper().translate(str.maketrans("OILU", "011V"))
    if len(raw) != 25 or any(c not in _ALPHABET for c in raw):
        raise WrongSecret("Khóa khôi phục phải có 25 ký tự (5 nhóm, mỗi nhóm 5 ký tự). Hãy gõ lại.")
    if _check_chars(raw[:_DATA_CHARS]) != raw[_DATA_CHARS:]:
        raise WrongSecret("Khóa khôi phục gõ sai (không khớp ký tự kiểm tra). Hãy gõ lại từng nhóm cho đúng.")
    return raw


# ---------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------
CHUNK = 1 << 20  # the payload is encrypted, decrypted and checksummed this much at a time


def _trailer_of(prefix, header_raw, nonce, crc: int, length: int) -> bytes:
    h = hashlib.sha256()
    h.update(prefix)
    h.update(header_raw)
    h.update(nonce)
    h.update(struct.pack(">IQ", crc, length))
    return h.digest()


def trailer(prefix: bytes, header_raw: bytes, nonce: bytes, ciphertext) -> bytes:
    """The file checksum: SHA-256 of prefix ‖ header ‖ nonce ‖ CRC-32 and length of the ciphertext.

    CRC-32 catches random damage in the (large) ciphertext at a third of
    SHA-256's cost; the ciphertext is in any case authenticated by its GCM tag.
    """
    return _trailer_of(prefix, header_raw, nonce, zlib.crc32(ciphertext), len(ciphertext))


def canon(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s) -> bytes:
    return base64.b64decode(s, validate=True)


def payload_aad(header: dict, major: int, minor: int) -> bytes:
    """magic ‖ the file's own major ‖ minor ‖ header without slots (not the reader's constants)."""
    rest = {k: v for k, v in header.items() if k != "slots"}
    return MAGIC + struct.pack(">HH", major, minor) + canon(rest)


def file_parts(header: dict, nonce: bytes, ct: bytes, version: tuple[int, int]) -> list[bytes]:
    """The bytes of a whole file: prefix, header, nonce, ciphertext + tag, trailer."""
    raw = canon(header)
    prefix = PREFIX.pack(MAGIC, version[0], version[1], len(raw))
    return [prefix, raw, nonce, ct, trailer(prefix, raw, nonce, ct)]


def seal(write, header: dict, key: bytes, nonce: bytes, payload, version: tuple[int, int]) -> None:
    """Write a whole file through ``write`` (the same bytes as :func:`file_parts` of
    ``AESGCM(key).encrypt(nonce, payload, aad)``): the payload is encrypted a chunk at a
    time into one small buffer, and each chunk's CRC is taken while it is still in the
    cache, so a save allocates nothing the size of the file and reads the payload once."""
    raw = canon(header)
    prefix = PREFIX.pack(MAGIC, version[0], version[1], len(raw))
    for part in (prefix, raw, nonce):
        write(part)
    enc = Cipher(algorithms.AES(bytes(key)), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(payload_aad(header, *version))
    out = bytearray(CHUNK + 16)
    chunk = memoryview(out)
    view = memoryview(payload).cast("B")
    crc = 0
    for i in range(0, len(view), CHUNK):
        n = enc.update_into(view[i:i + CHUNK], out)
        crc = zlib.crc32(chunk[:n], crc)
        write(chunk[:n])
    enc.finalize()
    tag = enc.tag
    write(tag)
    write(_trailer_of(prefix, raw, nonce, zlib.crc32(tag, crc), len(view) + TAG))


def open_payload(parsed: Parsed, key: bytes):
    """The decrypted payload. A ``parsed`` read by :func:`read_file` gives its buffer up: the
    plaintext is written over it from its start, a chunk at a time through a small buffer
    (each chunk lands behind the ciphertext still to be read), and the buffer trimmed to
    it, so an open holds one buffer the size of the file; ``parsed.ciphertext`` is released.
    Returns that ``bytearray``, or for a buffer from ``read_file``'s ``alloc`` a view of its
    first bytes; otherwise a new ``bytearray``. InvalidTag if the key or the file is wrong
    (nothing decrypted is returned then)."""
    ct = parsed.ciphertext
    body = len(ct) - TAG
    if body < 0:
        raise InvalidTag()
    dec = Cipher(algorithms.AES(bytes(key)), modes.GCM(parsed.nonce, bytes(ct[body:]))).decryptor()
    dec.authenticate_additional_data(payload_aad(parsed.header, parsed.major, parsed.minor))
    buf = parsed.buffer
    start = PREFIX.size + len(parsed.header_raw) + NONCE
    own = (isinstance(buf, bytearray) or (isinstance(buf, memoryview) and not buf.readonly)) \
        and len(buf) == start + len(ct) + SUM and ct.contiguous
    if not own:
        buf = bytearray(body)
    out = memoryview(buf)[:body]
    tmp = bytearray(CHUNK + 16)
    try:
        for i in range(0, body, CHUNK):
            n = dec.update_into(ct[i:min(i + CHUNK, body)], tmp)
            out[i:i + n] = memoryview(tmp)[:n]
        dec.finalize()
    finally:
        out.release()
    if own:
        ct.release()
        parsed.buffer = None
        if isinstance(buf, memoryview):
            return buf[:body]
        del buf[body:]
    return buf


@dataclass
class Parsed:
    major: int
    minor: int
    header: dict
    header_raw: bytes
    nonce: bytes
    ciphertext: memoryview  # ciphertext ‖ tag, a view into the buffer the file was read into
    buffer: object = None  # that buffer (open_payload decrypts into it)


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def _nesting(raw: bytes) -> int:
    """How deep objects and lists nest in ``raw`` (strings skipped), without recursing."""
    deepest = depth = 0
    for c in _JSON_STRING.sub(b'""', raw):
        if c in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in b"]}":
            depth -= 1
    return deepest


def _checksum_ok(data, hlen: int) -> bool:
    if PREFIX.size + hlen + NONCE + SUM > len(data):
        return False
    view = memoryview(data)
    h0 = PREFIX.size
    return trailer(view[:h0], view[h0:h0 + hlen], view[h0 + hlen:h0 + hlen + NONCE],
                   view[h0 + hlen + NONCE:-SUM]) == data[-SUM:]


def _valid_header(header) -> bool:
    """The fields every reader relies on, with the types it relies on."""
    if not isinstance(header, dict) or not isinstance(header.get("slots"), list) or len(header["slots"]) > MAX_SLOTS:
        return False
    file_id, gen, schema = header.get("file_id"), header.get("generation"), header.get("schema_version")
    if not (isinstance(file_id, str) and 0 < len(file_id) <= MAX_FILE_ID and file_id.isascii()):
        return False
    if type(gen) is not int or gen < 0 or type(schema) is not int or schema < 0:
        return False
    saved_at = header.get("saved_at")
    if not isinstance(saved_at, str):
        return False
    dt.datetime.fromisoformat(saved_at)  # ValueError if not a date
    return True


def _prefix(head, size: int, name: str) -> tuple[int, int, int]:
    """(major, minor, header length) from a file's first bytes; ``size``: the whole file's."""
    damaged = f"Tệp sổ «{name}» bị hỏng"
    if size == 0:
        raise DamagedFile(f"{damaged}: tệp rỗng (0 byte).")
    if size < PREFIX.size + NONCE + TAG + SUM:
        raise DamagedFile(f"{damaged}: tệp bị cắt cụt ({size} byte).")
    magic, major, minor, hlen = PREFIX.unpack_from(head)
    if magic != MAGIC:
        raise DamagedFile(f"{damaged} hoặc không phải tệp sổ Tổ CNSCĐ (sai dấu hiệu nhận dạng).")
    return major, minor, hlen


def _header(raw_of, major: int, minor: int, hlen: int, size: int, checksum_ok, name: str) -> tuple[dict, bytes]:
    """The checks after the prefix, in this order: a newer major, the checksum, the header's
    bounds, its JSON. ``checksum_ok()`` and ``raw_of()`` (the header's bytes) are called only
    when needed."""
    damaged = f"Tệp sổ «{name}» bị hỏng"
    if major > FORMAT_MAJOR:
        if checksum_ok is None or checksum_ok():
            raise UnsupportedVersion(
                f"Tệp «{name}» được tạo bởi phiên bản mới hơn của chương trình (định dạng {major}.{minor}); "
                f"phiên bản này chỉ đọc được định dạng đến {FORMAT_MAJOR}.x. Hãy cập nhật chương trình Sổ Tổ CNSCĐ.")
        raise DamagedFile(f"{damaged}: phần đầu tệp không hợp lệ.")
    if checksum_ok is not None and not checksum_ok():
        raise DamagedFile(f"{damaged}: dữ liệu không khớp mã kiểm tra (tệp bị cắt, ghi dở hoặc bị sửa).")
    if major < 1 or hlen > MAX_HEADER or PREFIX.size + hlen + NONCE + TAG + SUM > size:
        raise DamagedFile(f"{damaged}: phần đầu tệp không hợp lệ.")
    raw = bytes(raw_of())
    try:
        if _nesting(raw) > MAX_NESTING:
            raise ValueError
        header = json.loads(raw.decode("ascii"))
        if not _valid_header(header):
            raise ValueError
    except (ValueError, TypeError, UnicodeDecodeError, RecursionError):
        raise DamagedFile(f"{damaged}: phần đầu tệp không đọc được (có thể bị sửa).") from None
    return header, raw


def parse(data, name: str) -> Parsed:
    """Check and split a whole file's bytes (``bytes`` or a ``bytearray`` from :func:`read_file`;
    the ciphertext is a view into it, not a copy)."""
    major, minor, hlen = _prefix(data, len(data), name)
    h0 = PREFIX.size
    header, raw = _header(lambda: memoryview(data)[h0:h0 + hlen], major, minor, hlen, len(data),
                          lambda: _checksum_ok(data, hlen), name)
    view = memoryview(data)
    return Parsed(major, minor, header, raw, bytes(view[h0 + hlen:h0 + hlen + NONCE]),
                  view[h0 + hlen + NONCE:len(data) - SUM], data)


def read_file(path: Path, alloc=None):
    """A file's bytes in one buffer of its size, read straight into it: a ``bytearray``, or
    the writable view ``alloc(size)`` returns (e.g. memory SQLite can take over). Raises OSError."""
    with open(path, "rb", buffering=0) as f:
        size = os.fstat(f.fileno()).st_size
        buf = alloc(size) if alloc is not None else bytearray(size)
        view = memoryview(buf)
        got = 0
        while got < size:
            n = f.readinto(view[got:])
            if not n:  # the file shrank while it was read: what was there
                if isinstance(buf, bytearray):
                    del view
                    del buf[got:]
                    return buf
                return buf[:got]
            got += n
        more = f.read(1)
        if more:  # it grew: read the rest the plain way
            return bytearray(view) + more + f.read()
    return buf


def _stream_checksum(f, size: int, hlen: int) -> bool:
    """The file checksum of an open file, read a chunk at a time (nothing the size of the file)."""
    if PREFIX.size + hlen + NONCE + SUM > size:
        return False
    f.seek(0)
    h = hashlib.sha256()
    left = PREFIX.size + hlen + NONCE
    while left:
        part = f.read(min(left, CHUNK))
        if not part:
            return False
        h.update(part)
        left -= len(part)
    crc, left = 0, size - PREFIX.size - hlen - NONCE - SUM
    length = left
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    while left:
        n = f.readinto(view[:min(left, CHUNK)])
        if not n:
            return False
        crc = zlib.crc32(view[:n], crc)
        left -= n
    h.update(struct.pack(">IQ", crc, length))
    return h.digest() == f.read(SUM)


def read_header(path: str | os.PathLike, *, verify: bool = False) -> tuple[dict, bytes]:
    """A registry file's header and its bytes, checked as :func:`parse` checks them; with
    ``verify`` the checksum too (the file read a chunk at a time), without it only the
    first bytes and the header are read."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(PREFIX.size) if size >= PREFIX.size else b""
            major, minor, hlen = _prefix(head, size, path.name)

            def raw_of():
                f.seek(PREFIX.size)
                return f.read(hlen)

            return _header(raw_of, major, minor, hlen, size,
                           (lambda: _stream_checksum(f, size, hlen)) if verify else None, path.name)
    except FileNotFoundError:
        raise NotFound(f"Không tìm thấy tệp sổ: {path}") from None
    except OSError as exc:
        raise DamagedFile(f"Không đọc được tệp sổ {path}: {describe_os_error(exc)}.") from exc


def check_file(path: str | os.PathLike, *, verify: bool = True) -> dict:
    """The header of a registry file, its structure and checksum checked without a passphrase
    (read a chunk at a time). ``verify=False``: the first bytes and the header only — no
    checksum, for listing backups cheaply (a file that passes may still fail to open)."""
    return read_header(path, verify=verify)[0]


# ---------------------------------------------------------------------------
# Key slots
# ---------------------------------------------------------------------------
# "v": 2 slots are authenticated by their own fields only; the data key they wrap is tied
# to the file by the payload's AAD (which holds file_id). Slots without "v" (format 1) also
# bound file_id, so an edited file_id made every slot fail like a wrong passphrase.
_SLOT_V2 = b"CNSCD slot v2\x00"
_RECOVERY_ALG = "x25519-hkdf-sha256"
_RECOVERY_KEY_INFO = b"cnscd recovery key x25519 v2"
_RECOVERY_WRAP_INFO = b"cnscd recovery wrap v2"


def _slot_aad(file_id: str, slot: dict) -> bytes:
    rest = canon({k: v for k, v in slot.items() if k not in ("nonce", "wrapped")})
    if slot.get("v") == 2:
        return _SLOT_V2 + rest
    return file_id.encode("ascii") + rest


def _seal(slot: dict, kek: bytes, data_key: bytes) -> dict:
    nonce = os.urandom(NONCE)
    slot["nonce"] = b64(nonce)
    slot["wrapped"] = b64(AESGCM(kek).encrypt(nonce, data_key, _slot_aad("", slot)))
    return slot


def _open_slot(slot: dict, file_id: str, kek: bytes) -> bytes:
    """The data key; InvalidTag if ``kek`` is not the slot's key (or the slot was edited)."""
    try:
        nonce, wrapped = _unb64(slot["nonce"]), _unb64(slot["wrapped"])
    except (KeyError, TypeError, ValueError):
        raise DamagedFile(_DAMAGED_SLOT) from None
    if len(nonce) != NONCE:
        raise DamagedFile(_DAMAGED_SLOT)
    key = AESGCM(kek).decrypt(nonce, wrapped, _slot_aad(file_id, slot))
    if len(key) != 32:
        raise DamagedFile(_DAMAGED_SLOT)
    return key


def passphrase_slot(passphrase: str, data_key: bytes, kdf: KdfParams) -> dict:
    """A new passphrase slot (fresh salt) for ``passphrase`` as given (normalise it first)."""
    salt = os.urandom(16)
    slot = {"kind": "passphrase", "v": 2,
            "kdf": {"alg": "argon2id", "m_kib": kdf.m_kib, "t": kdf.t, "p": kdf.p, "salt": b64(salt)}}
    return _seal(slot, argon2(passphrase.encode("utf-8"), salt, kdf), data_key)


def rewrap_passphrase_slot(slot: dict, kek: bytes, data_key: bytes) -> dict:
    """The same passphrase (same salt and parameters, so the same KEK) wrapping ``data_key``."""
    return _seal({"kind": "passphrase", "v": 2, "kdf": dict(slot["kdf"])}, kek, data_key)


def passphrase_kdf(slot: dict) -> KdfParams:
    return check_kdf(slot.get("kdf"))[0]


def _recovery_private(recovery_key: str, key_salt: bytes) -> X25519PrivateKey:
    private = _hkdf(recovery_key.encode("ascii"), key_salt, _RECOVERY_KEY_INFO)
    return X25519PrivateKey.from_private_bytes(private)


def _recovery_public_slot(public: bytes, key_salt: bytes, data_key: bytes) -> dict:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    eph = X25519PrivateKey.generate()
    salt = os.urandom(16)
    kek = _hkdf(eph.exchange(X25519PublicKey.from_public_bytes(public)), salt, _RECOVERY_WRAP_INFO)
    eph_pub = eph.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    slot = {"kind": "recovery", "v": 2,
            "kdf": {"alg": _RECOVERY_ALG, "key_salt": b64(key_salt), "public": b64(public),
                    "ephemeral": b64(eph_pub), "salt": b64(salt)}}
    return _seal(slot, kek, data_key)


def recovery_slot(recovery_key: str, data_key: bytes) -> dict:
    """A recovery slot for ``recovery_key`` (normalised form): only its public half is stored,
    so a later re-key can wrap a new data key for it without knowing it."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key_salt = os.urandom(16)
    public = _recovery_private(recovery_key, key_salt).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return _recovery_public_slot(public, key_salt, data_key)


def can_rewrap_recovery(slot: dict) -> bool:
    return slot.get("v") == 2 and isinstance(slot.get("kdf"), dict) and slot["kdf"].get("alg") == _RECOVERY_ALG


def rewrap_recovery_slot(slot: dict, data_key: bytes) -> dict:
    """The same recovery key (its stored public half) wrapping ``data_key``."""
    kdf = slot["kdf"]
    return _recovery_public_slot(_unb64(kdf["public"]), _unb64(kdf["key_salt"]), data_key)


def _unwrap_recovery(slot: dict, file_id: str, recovery_key: str) -> bytes:
    kdf = slot.get("kdf")
    try:
        if slot.get("v") == 2:
            if kdf.get("alg") != _RECOVERY_ALG:
                raise ValueError
            priv = _recovery_private(recovery_key, _unb64(kdf["key_salt"]))
            shared = priv.exchange(X25519PublicKey.from_public_bytes(_unb64(kdf["ephemeral"])))
            kek = _hkdf(shared, _unb64(kdf["salt"]), _RECOVERY_WRAP_INFO)
        else:
            if kdf.get("alg") != "hkdf-sha256":
                raise ValueError
            kek = _hkdf(recovery_key.encode("ascii"), _unb64(kdf["salt"]), b"cnscd recovery v1")
    except (KeyError, TypeError, ValueError, AttributeError):
        raise DamagedFile(_DAMAGED_SLOT) from None
    return _open_slot(slot, file_id, kek)


def _slots_of(header: dict, kind: str) -> list[tuple[int, dict]]:
    slots = header["slots"]
    if len(slots) > MAX_SLOTS:
        raise DamagedFile(f"Tệp sổ bị hỏng hoặc bị sửa: phần đầu tệp có {len(slots)} khóa (tối đa {MAX_SLOTS}).")
    return [(i, s) for i, s in enumerate(slots) if isinstance(s, dict) and s.get("kind") == kind]


def unlock_passphrase(header: dict, passphrase: str) -> tuple[bytes, bytes, int]:
    """(data key, KEK, slot index) for ``passphrase``; WrongSecret or DamagedFile.

    Every slot's parameters are checked, and their total work bounded, before any
    derivation: a header cannot make an open run for minutes.
    """
    found = _slots_of(header, "passphrase")
    if not found:
        raise DamagedFile("Tệp sổ bị hỏng: thiếu khóa mật khẩu.")
    params = [check_kdf(s.get("kdf")) for _, s in found]
    if sum(k.work for k, _ in params) > KDF_MAX_WORK:
        raise DamagedFile("Tệp sổ bị hỏng hoặc bị sửa: các khóa mật khẩu đòi tổng khối lượng tính toán "
                          "vượt giới hạn cho phép.")
    spent = 0
    for (i, slot), (kdf, salt) in zip(found, params, strict=True):
        for form in passphrase_forms(passphrase):
            if spent + kdf.work > 2 * KDF_MAX_WORK:
                break
            spent += kdf.work
            kek = argon2(form.encode("utf-8"), salt, kdf)
            try:
                return _open_slot(slot, header["file_id"], kek), kek, i
            except InvalidTag:
                continue
    raise WrongSecret("Sai mật khẩu. Hãy gõ lại (chú ý chữ hoa/thường, bộ gõ tiếng Việt). "
                      "Nếu quên mật khẩu, dùng khóa khôi phục.")


def unlock_recovery(header: dict, recovery_key: str) -> tuple[bytes, int]:
    """(data key, slot index) for the normalised ``recovery_key``; WrongSecret or DamagedFile."""
    found = _slots_of(header, "recovery")
    if not found:
        raise DamagedFile("Tệp sổ bị hỏng: thiếu khóa khôi phục.")
    for i, slot in found:
        try:
            return _unwrap_recovery(slot, header["file_id"], recovery_key), i
        except InvalidTag:
            continue
    raise WrongSecret("Sai khóa khôi phục: khóa này không phải của sổ này.")
