"""The registry's own keys for hand-off packages, kept inside the encrypted registry.

- **Signing key** (``ky``): Ed25519 (``cryptography``). A commune signs every package it sends
  with it; the province sees its fingerprint and remembers it per commune.
- **Receiving identity** (``nhan``): an X25519 age identity (``pyrage``). A province gives its
  public half (``age1…``) to its communes (``cnscd handoff key``); packages are encrypted to it
  and only the province registry can open them.
- **The province's key** (``tinh``): the public key a commune last encrypted to (no secret), so
  the next export needs no ``--recipient``.

Each key is generated on first use inside a write transaction (audit-logged with its
fingerprint); the secrets never leave the registry except through :func:`identity_secret`
(an explicit, logged export for an audit with the standard ``age`` tool).

Fingerprints: SHA-256 of the raw 32-byte Ed25519 public key, or of the ``age1…`` text of an
X25519 recipient (ASCII), in upper-case hex; read over the phone as groups of 4 characters
(:func:`grouped`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re

from . import text
from .audit import log
from .common import now
from .errors import InputError
from .schema import HandoffKey

SIGNING, RECEIVING, PROVINCE = "ky", "nhan", "tinh"
GROUPS = 6  # 24 hex characters read over the phone
_RECIPIENT = re.compile(r"age1[02-9ac-hj-np-z]{58}")


# ---------------------------------------------------------------------------
# Fingerprints
# ---------------------------------------------------------------------------
def fingerprint_of(public: bytes | str) -> str:
    """SHA-256 (upper-case hex) of a raw public key, or of an ``age1…`` recipient's text."""
    data = public.encode("ascii") if isinstance(public, str) else bytes(public)
    return hashlib.sha256(data).hexdigest().upper()


def grouped(fingerprint: str, groups: int = GROUPS) -> str:
    """"3F2A 91C0 7B1D 44E2 09AA C3F1": the first ``groups`` groups of 4, to read over the phone."""
    fp = fingerprint.upper()
    return " ".join(fp[i:i + 4] for i in range(0, min(len(fp), 4 * groups), 4))


def same_fingerprint(typed: str, fingerprint: str) -> bool:
    """Does what the officer typed (any spacing, any case, at least 16 characters) start the fingerprint?"""
    t = re.sub(r"[^0-9A-Fa-f]", "", typed or "").upper()
    return len(t) >= 16 and fingerprint.upper().startswith(t)


# ---------------------------------------------------------------------------
# Keys kept in the registry
# ---------------------------------------------------------------------------
def _row(purpose: str) -> HandoffKey | None:
    return HandoffKey.get_or_none(HandoffKey.purpose == purpose)


def _create(reg, purpose: str, secret: str, public: str, what: str) -> HandoffKey:
    with reg.write():
        row = _row(purpose)
        if row is not None:  # another thread made it first
            return row
        row = HandoffKey.create(purpose=purpose, secret=secret, public=public, created_at=now())
        fp = fingerprint_of(base64.b64decode(public) if purpose == SIGNING else public)
        log(reg, "he_thong", "registry", None, f"Tạo {what} (dấu vân tay {grouped(fp)})", "", "", fp)
    return row


def signing_key(reg):
    """The registry's Ed25519 signing key (``cryptography`` private key), made on first use."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    with reg.read():
        row = _row(SIGNING)
    if row is None:
        key = Ed25519PrivateKey.generate()
        raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
        pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        row = _create(reg, SIGNING, base64.b64encode(raw).decode(), base64.b64encode(pub).decode(),
                      "khóa ký gói báo cáo")
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(row.secret))


def signing_public(reg) -> bytes:
    """The raw 32-byte public half of the signing key (made on first use)."""
    from cryptography.hazmat.primitives import serialization

    return signing_key(reg).public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _receiving_row(reg) -> HandoffKey:
    with reg.read():
        row = _row(RECEIVING)
    if row is None:
        import pyrage

        ident = pyrage.x25519.Identity.generate()
        row = _create(reg, RECEIVING, str(ident), str(ident.to_public()), "khóa nhận gói báo cáo")
    return row


def recipient(reg) -> str:
    """The registry's age recipient (``age1…``) that packages are encrypted to (made on first use)."""
    return _receiving_row(reg).public


def identities(reg) -> list[str]:
    """The age identities this registry opens packages with (none yet: an empty list; nothing is made)."""
    with reg.read():
        row = _row(RECEIVING)
    return [row.secret] if row is not None else []


def identity_secret(reg, *, why: str = "") -> str:
    """The age identity (``AGE-SECRET-KEY-1…``) for an audit with the standard ``age`` tool; logged."""
    row = _receiving_row(reg)
    with reg.write():
        log(reg, "xuat", "registry", None, "Xuất khóa bí mật nhận gói báo cáo" + (f" ({why})" if why else ""),
            "", "", fingerprint_of(row.public))
    return row.secret


# ---------------------------------------------------------------------------
# The public key file a province hands to its communes
# ---------------------------------------------------------------------------
def public_key_text(reg, unit_label: str, day: dt.date | None = None) -> str:
    """The text of ``tinh.pub``: comment lines (``#``) then the ``age1…`` line — a standard age
    recipients file (``age -R tinh.pub``) that a commune passes to ``--recipient``."""
    rec = recipient(reg)
    fp = fingerprint_of(rec)
    day = day or dt.date.today()
    return (f"# Sổ Tổ CNSCĐ — khóa công khai nhận gói báo cáo của {unit_label}\n"
            f"# Dấu vân tay (đọc qua điện thoại để đối chiếu): {grouped(fp)}\n"
            f"# Dấu vân tay đầy đủ (SHA-256): {fp}\n"
            f"# Ngày xuất: {text.format_date(day)}. Tệp này không có gì bí mật; xã dùng: "
            "cnscd handoff export --recipient <tệp này>\n"
            f"{rec}\n")


def parse_recipient(raw: str) -> str:
    """The ``age1…`` recipient in a public key file's text (or typed alone); InputError otherwise."""
    found = []
    for line in (raw or "").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        found.append(line)
    if len(found) != 1 or not _RECIPIENT.fullmatch(found[0].lower()):
        raise InputError("Tệp khóa của tỉnh không đúng: cần đúng một dòng khóa công khai dạng «age1…» "
                         "(tệp do lệnh «cnscd handoff key» của tỉnh tạo ra).", "recipient")
    import pyrage

    try:
        return str(pyrage.x25519.Recipient.from_str(found[0].lower()))
    except Exception:  # noqa: BLE001 - pyrage raises its own RecipientError / ValueError
        raise InputError("Khóa công khai của tỉnh bị sai (có thể chép thiếu hoặc nhầm ký tự). Hãy xin lại tệp "
                         "khóa của tỉnh.", "recipient") from None


def remember_province(reg, rec: str, label: str = "") -> None:
    """Keep ``rec`` as the province's key for the next exports (inside the caller's write)."""
    row = _row(PROVINCE)
    if row is not None and row.public == rec:
        return
    HandoffKey.insert(purpose=PROVINCE, secret="", public=rec, label=label, created_at=now()) \
        .on_conflict_replace().execute()
    log(reg, "sua", "registry", None, f"Ghi nhớ khóa công khai của tỉnh (dấu vân tay {grouped(fingerprint_of(rec))})",
        "", grouped(fingerprint_of(row.public)) if row is not None else "", grouped(fingerprint_of(rec)))


def remembered_province(reg) -> str | None:
    """The province's key the last export used, if any."""
    with reg.read():
        row = _row(PROVINCE)
    return row.public if row is not None else None
