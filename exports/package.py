"""Hand-off packages (``.cnscd-goi``): a commune's snapshot for a period, signed and encrypted
for its province. Built only on standard formats (see docs/FILE_FORMAT.md, «Gói báo cáo»):

1. the outside is a standard **age** file (age-encryption.org/v1, via ``pyrage``), encrypted to
   the province's X25519 recipient (``age1…``, from ``cnscd handoff key``) — or, as a fallback,
   to a passphrase (age's scrypt recipient);
2. inside is a **ZIP** archive holding ``manifest.json``, ``manifest.sig``, ``snapshot.json``,
   ``sender.pem`` and ``KIEM-TRA.txt``;
3. ``manifest.sig`` is the **Ed25519** signature (``cryptography``; raw 64 bytes) of the exact
   bytes of ``manifest.json``; the manifest names the unit, period, kind, dates, the SHA-256 and
   size of ``snapshot.json``, the sender's public key and fingerprint, and the intended recipient.

    data, manifest = build_package(snap, key, recipient="age1…")
    exported = export_package(reg, "2026-H2", "E:/", recipient_text=Path("tinh.pub").read_text())
    incoming = open_package(Path(f).read_bytes(), identities=handoff_keys.identities(reg))

Opening checks everything before anything is believed (size, age header, decryption, the ZIP's
names and sizes, the signature, the snapshot's hash and shape); any failure is a Vietnamese
:class:`~models.errors.DamagedFile` (exit 4) or :class:`~models.errors.WrongSecret` (exit 3).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from models import handoff_keys, snapshot, text
from models.errors import DamagedFile, InputError, WrongSecret
from models.received import Incoming

EXT = ".cnscd-goi"
FORMAT = "cnscd-goi"
VERSION = 1
MAX_PACKAGE = 64 << 20  # bytes of a package file
MAX_PLAIN = 256 << 20  # bytes inside it
AGE_MAGIC = b"age-encryption.org/v1\n"
MANIFEST, SIGNATURE, SNAPSHOT, SENDER_PEM, README = (
    "manifest.json", "manifest.sig", "snapshot.json", "sender.pem", "KIEM-TRA.txt")
MEMBERS = (MANIFEST, SIGNATURE, SNAPSHOT, SENDER_PEM, README)
PASSPHRASE_ENV = "CNSCD_GOI_PASSPHRASE"

CHECK_TEXT = """Gói báo cáo Sổ Tổ CNSCĐ — cách kiểm tra độc lập (không cần chương trình)
1. Giải mã (tỉnh): age -d -i khoa-bi-mat-tinh.txt -o goi.zip TỆP.cnscd-goi
   (khóa bí mật: cnscd handoff key --db tinh.cnscd --secret-out khoa-bi-mat-tinh.txt)
2. Giải nén goi.zip.
3. Kiểm tra chữ ký của manifest.json (OpenSSL 3):
   openssl pkeyutl -verify -pubin -inkey sender.pem -rawin -in manifest.json -sigfile manifest.sig
4. So SHA-256 của snapshot.json với manifest.json ("snapshot" → "sha256"): sha256sum snapshot.json
5. Dấu vân tay người gửi = SHA-256 của khóa công khai Ed25519 (32 byte) — so với "sender" → "fingerprint"
   và với dấu vân tay xã đã báo.
"""


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------
def package_name(snap: dict) -> str:
    """«CNSCD_<mã ĐVHC, or the province>_<the commune>_<period>.cnscd-goi», ASCII only."""
    unit = snap["unit"]
    first = "".join(ch for ch in unit.get("code", "") if ch.isalnum()) or text.ascii_slug(unit.get("province", "")) \
        or "Tinh"
    name = text.ascii_slug(f"{unit['kind']} {unit['name']}") or "Xa"
    return f"CNSCD_{first[:24]}_{name[:48]}_{snap['period']['code']}{EXT}"


def _zip(members: list[tuple[str, bytes]], when: dt.datetime) -> bytes:
    buf = io.BytesIO()
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, data)
    return buf.getvalue()


def build_package(snap: dict, signing_key, *, recipient: str | None = None,
                  passphrase: str | None = None) -> tuple[bytes, dict]:
    """The package's bytes and its manifest: ``snap`` signed with ``signing_key`` (Ed25519) and
    encrypted to ``recipient`` (``age1…``) or, without one, to ``passphrase``."""
    import pyrage
    from cryptography.hazmat.primitives import serialization

    if bool(recipient) == bool(passphrase):
        raise InputError("Gói được mã hóa bằng khóa công khai của tỉnh hoặc bằng mật khẩu gói (chọn một).",
                         "recipient")
    body = snapshot.snapshot_bytes(snap)
    pub = signing_key.public_key()
    raw_pub = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    manifest = {
        "format": FORMAT, "version": VERSION, "program": "Sổ Tổ CNSCĐ",
        "unit": snap["unit"], "unit_key": snap["unit_key"], "period": snap["period"]["code"],
        "as_of": snap["period"]["as_of"], "kind": snap["kind"], "created_at": snap["created_at"],
        "snapshot": {"file": SNAPSHOT, "sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)},
        "sender": {"algorithm": "Ed25519", "public_key": base64.b64encode(raw_pub).decode(),
                   "fingerprint": handoff_keys.fingerprint_of(raw_pub)},
        "recipient": ({"type": "X25519", "fingerprint": handoff_keys.fingerprint_of(recipient)} if recipient
                      else {"type": "scrypt", "fingerprint": ""}),
    }
    mbytes = snapshot.snapshot_bytes(manifest)
    sig = signing_key.sign(mbytes)
    pem = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    when = dt.datetime.fromisoformat(snap["created_at"])
    plain = _zip([(MANIFEST, mbytes), (SIGNATURE, sig), (SNAPSHOT, body), (SENDER_PEM, pem),
                  (README, CHECK_TEXT.encode("utf-8"))], when)
    if recipient:
        data = pyrage.encrypt(plain, [pyrage.x25519.Recipient.from_str(recipient)])
    else:
        data = pyrage.passphrase.encrypt(plain, passphrase)
    return data, manifest


@dataclass(frozen=True)
class Exported:
    path: Path
    size: int
    sha256: str
    manifest: dict
    recipient_fingerprint: str  # "" for a passphrase
    personal_data: bool


def export_package(reg, period, dest_dir: str | os.PathLike, *, recipient_text: str | None = None,
                   passphrase: str | None = None, counts_only: bool = False, day: dt.date | None = None,
                   created_at: dt.datetime | None = None) -> Exported:
    """Write this commune's package for ``period`` into ``dest_dir`` (USB safe-write) and log it.

    The recipient: ``recipient_text`` (a ``tinh.pub`` file's text; remembered for next time),
    else the province key remembered from an earlier export, else ``passphrase``."""
    from models import services

    from . import usb

    rec = handoff_keys.parse_recipient(recipient_text) if recipient_text else None
    if rec is None and not passphrase:
        rec = handoff_keys.remembered_province(reg)
    if rec is None and not passphrase:
        raise InputError("Cần khóa công khai của tỉnh (--recipient tinh.pub, tệp do tỉnh gửi) hoặc mật khẩu gói "
                         "(--passphrase) để mã hóa gói.", "recipient")
    if passphrase and len(passphrase) < 8:
        raise InputError("Mật khẩu gói phải có ít nhất 8 ký tự.", "passphrase")
    snap = snapshot.build_snapshot(reg, period, counts_only=counts_only, day=day, created_at=created_at)
    key = handoff_keys.signing_key(reg)
    data, manifest = build_package(snap, key, recipient=rec, passphrase=None if rec else passphrase)
    receipt = usb.safe_write(data, Path(dest_dir).expanduser(), package_name(snap))
    personal = snap["kind"] == snapshot.FULL
    rfp = handoff_keys.fingerprint_of(rec) if rec else ""
    how = f"mã hóa cho khóa tỉnh {handoff_keys.grouped(rfp)}" if rec else "mã hóa bằng mật khẩu gói"
    with reg.write():
        if recipient_text and rec:
            handoff_keys.remember_province(reg, rec)
        services.log_event(
            reg, "xuat", "registry",
            f"Xuất gói báo cáo kỳ {snap['period']['code']} ({snapshot.KIND_LABELS[snap['kind']]}"
            f"{' — có dữ liệu cá nhân' if personal else ''}; {how}; {text.format_int(receipt.size)} byte) "
            f"ra {receipt.path}", new=f"sha256:{receipt.sha256}")
    return Exported(receipt.path, receipt.size, receipt.sha256, manifest, rfp, personal)


# ---------------------------------------------------------------------------
# Opening
# ---------------------------------------------------------------------------
def _damaged(name: str, why: str) -> DamagedFile:
    return DamagedFile(f"Gói «{name}» bị từ chối: {why} Không có gì được ghi vào sổ.")


def stanza_types(data: bytes) -> list[str]:
    """The recipient types in an age file's header («X25519», «scrypt»…); [] if it is not age."""
    if not data.startswith(AGE_MAGIC):
        return []
    head = data[:8192].split(b"\n---", 1)[0]
    return [line[3:].split(b" ", 1)[0].decode("ascii", "replace") for line in head.split(b"\n")
            if line.startswith(b"-> ")]


def needs_passphrase(data: bytes) -> bool:
    return "scrypt" in stanza_types(data)


def _decrypt(data: bytes, name: str, identities: list[str], passphrase: str | None) -> tuple[bytes, str]:
    """(plain bytes, the recipient fingerprint it opened with; "" for a passphrase)."""
    import pyrage

    types = stanza_types(data)
    if not types:
        raise _damaged(name, "đây không phải gói báo cáo Sổ Tổ CNSCĐ (không đúng định dạng age).")
    try:
        if "scrypt" in types:
            if not passphrase:
                raise WrongSecret(f"Gói «{name}» được khóa bằng mật khẩu gói: cần mật khẩu do xã báo "
                                  f"(biến môi trường {PASSPHRASE_ENV} hoặc --passphrase-stdin).")
            return pyrage.passphrase.decrypt(data, passphrase), ""
        if not identities:
            raise WrongSecret(f"Gói «{name}» được mã hóa cho khóa của tỉnh, nhưng sổ này chưa có khóa nhận gói "
                              "(tạo bằng «cnscd handoff key»). Không có gì được ghi vào sổ.")
        idents = [pyrage.x25519.Identity.from_str(s) for s in identities]
        plain = pyrage.decrypt(data, idents)
    except pyrage.DecryptError as exc:
        msg = str(exc)
        if "No matching keys" in msg:
            raise WrongSecret(f"Gói «{name}» bị từ chối: gói không được mã hóa cho khóa của sổ này (gửi nhầm tỉnh, "
                              "xã dùng khóa công khai cũ/khác, hoặc phần đầu gói bị hỏng). Hãy đối chiếu dấu vân tay "
                              "khóa của tỉnh với xã. Không có gì được ghi vào sổ.") from None
        if "scrypt" in types and "Decryption failed" in msg:
            raise WrongSecret(f"Gói «{name}»: sai mật khẩu gói. Không có gì được ghi vào sổ.") from None
        raise _damaged(name, "gói bị hỏng hoặc thiếu (chép chưa hết, USB lỗi, hay bị sửa) — giải mã không qua "
                             "được bước kiểm tra toàn vẹn. Hãy xin xã gửi lại.") from None
    # which of our keys opened it (only one key today, but the manifest must name it)
    recipients = {handoff_keys.fingerprint_of(str(i.to_public())) for i in idents}
    return plain, next(iter(recipients)) if len(recipients) == 1 else ",".join(sorted(recipients))


def _members(plain: bytes, name: str) -> dict[str, bytes]:
    if len(plain) > MAX_PLAIN:
        raise _damaged(name, "nội dung gói quá lớn.")
    try:
        with zipfile.ZipFile(io.BytesIO(plain)) as z:
            infos = z.infolist()
            names = [i.filename for i in infos]
            if sorted(names) != sorted(MEMBERS):
                raise _damaged(name, "bên trong không đúng các phần của một gói báo cáo.")
            if sum(i.file_size for i in infos) > MAX_PLAIN:
                raise _damaged(name, "nội dung gói quá lớn.")
            return {i.filename: z.read(i) for i in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged(name, f"phần bên trong gói không đọc được ({exc}).") from None


def _verify(parts: dict[str, bytes], name: str) -> tuple[dict, bytes]:
    """(manifest, raw sender key) after checking the signature and the snapshot's hash."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        manifest = json.loads(parts[MANIFEST].decode("utf-8"))
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise ValueError("format")
        sender = manifest["sender"]
        raw = base64.b64decode(sender["public_key"], validate=True)
        key = Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise _damaged(name, "bản kê (manifest) của gói không đúng.") from None
    try:
        key.verify(parts[SIGNATURE], parts[MANIFEST])
    except InvalidSignature:
        raise _damaged(name, "chữ ký của xã không khớp nội dung (gói bị sửa hoặc ký sai).") from None
    if sender.get("fingerprint") != handoff_keys.fingerprint_of(raw):
        raise _damaged(name, "dấu vân tay người gửi không khớp khóa ký.")
    body = parts[SNAPSHOT]
    want = manifest.get("snapshot") or {}
    if want.get("sha256") != hashlib.sha256(body).hexdigest() or want.get("bytes") != len(body):
        raise _damaged(name, "số liệu trong gói không khớp bản kê đã ký (SHA-256 khác).")
    return manifest, raw


def open_package(data: bytes, *, identities: list[str], passphrase: str | None = None,
                 file_name: str = "") -> Incoming:
    """Decrypt, check and read a package (bytes); nothing is written anywhere."""
    name = file_name or "gói"
    if len(data) > MAX_PACKAGE:
        raise _damaged(name, f"tệp quá lớn ({text.format_int(len(data))} byte).")
    plain, opened_with = _decrypt(data, name, identities, passphrase)
    parts = _members(plain, name)
    manifest, raw = _verify(parts, name)
    rec = manifest.get("recipient") or {}
    if rec.get("type") == "X25519" and opened_with and rec.get("fingerprint") not in opened_with.split(","):
        raise _damaged(name, "bản kê đã ký ghi gói gửi cho một khóa khác; gói đã bị mã hóa lại.")
    try:
        snap = snapshot.check_snapshot(json.loads(parts[SNAPSHOT].decode("utf-8")))
    except snapshot.BadSnapshot as exc:
        raise _damaged(name, f"số liệu trong gói không đúng cấu trúc ({exc}).") from None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):  # not even JSON of the right kinds
        raise _damaged(name, "số liệu trong gói không đúng cấu trúc.") from None
    same = (manifest.get("unit") == snap["unit"] and manifest.get("unit_key") == snap["unit_key"]
            and manifest.get("period") == snap["period"]["code"] and manifest.get("kind") == snap["kind"]
            and manifest.get("created_at") == snap["created_at"] and manifest.get("as_of") == snap["period"]["as_of"])
    if not same:
        raise _damaged(name, "bản kê và số liệu trong gói ghi khác nhau (đơn vị, kỳ hoặc ngày).")
    return Incoming(file_name=Path(file_name).name if file_name else "",
                    package_sha256=hashlib.sha256(data).hexdigest(), manifest=manifest,
                    manifest_bytes=parts[MANIFEST], signature=parts[SIGNATURE], snapshot_bytes=parts[SNAPSHOT],
                    snapshot=snap, sender_public=raw, sender=handoff_keys.fingerprint_of(raw))


def read_package(path: str | os.PathLike, *, identities: list[str], passphrase: str | None = None) -> Incoming:
    """:func:`open_package` of a file (its size checked before it is read)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_PACKAGE:
            raise _damaged(p.name, f"tệp quá lớn ({text.format_int(size)} byte).")
        data = p.read_bytes()
    except OSError as exc:
        raise DamagedFile(f"Không đọc được gói «{p}»: {exc.strerror or exc}.") from None
    return open_package(data, identities=identities, passphrase=passphrase, file_name=str(p))


def package_files(paths: list[str | os.PathLike]) -> list[Path]:
    """The files named, with each folder replaced by the ``.cnscd-goi`` files in it (sorted)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            out += sorted(q for q in p.iterdir() if q.suffix.lower() == EXT and q.is_file()
                          and not q.name.startswith("."))
        else:
            out.append(p)
    return out
