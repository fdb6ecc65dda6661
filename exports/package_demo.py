"""The province demo's communes send their packages: a new user tries the hand-off in two commands.

    cnscd demo --scale province --db demo-tinh.cnscd --packages goi-mau/     (the lead wires the flag)
    cnscd handoff import goi-mau/ --db demo-tinh.cnscd
    cnscd handoff status --db demo-tinh.cnscd --period 2026-H2

:func:`write_demo_packages` opens the province demo registry, takes each of its communes' rows
as that commune's snapshot (:func:`models.snapshot.build_snapshot` with ``commune_id``), signs it
with a key made for that commune from the random state (the same keys every run, so a second
demo round trip replaces rather than refuses), encrypts it to the province registry's own key
and writes it into ``folder``. Like real communes, some are late and some never send: every
``missing_every``-th commune writes nothing, every ``late_every``-th one writes a package dated
after the deadline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

from models import handoff_keys, snapshot, text
from models.schema import Unit

ON_TIME = dt.datetime(2026, 12, 10, 9, 0)
LATE = dt.datetime(2026, 12, 18, 15, 30)


def demo_signing_key(random_state: int, unit_key: str):
    """The demo commune's Ed25519 key: derived from the random state and the unit (never for real use)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key_bytes = hashlib.sha256(f"cnscd-demo-goi:{random_state}:{unit_key}".encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(key_bytes)


def write_demo_packages(province_path: str | os.PathLike, folder: str | os.PathLike, *, passphrase: str | None = None,
                        period: str = "2026-H2", random_state: int = 2026, missing_every: int = 10,
                        late_every: int = 7, limit: int | None = None, progress=None) -> list[Path]:
    """Write the packages of the province demo's communes into ``folder``; returns their paths.

    ``passphrase``: the demo registry's (default: the demo passphrase). ``limit``: at most this
    many communes (tests). ``progress(done, total)`` is called after each commune."""
    from models.db import Registry
    from models.demo import DEMO_PASSPHRASE
    from models.services import log_event

    from . import usb
    from .package import build_package, package_name

    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with Registry.open(province_path, passphrase=passphrase or DEMO_PASSPHRASE) as reg:
        rec = handoff_keys.recipient(reg)
        with reg.read():
            communes = list(Unit.select(Unit.id).where((Unit.level == "xa") & (Unit.active == True))  # noqa: E712
                            .order_by(Unit.parent, Unit.sort_order, Unit.id).tuples())
        communes = communes[:limit] if limit else communes
        for i, (cid,) in enumerate(communes, 1):
            if missing_every and i % missing_every == 0:
                continue
            when = LATE if late_every and i % late_every == 3 else ON_TIME
            when += dt.timedelta(minutes=i)
            snap = snapshot.build_snapshot(reg, period, commune_id=cid, day=when.date(), created_at=when)
            data, _ = build_package(snap, demo_signing_key(random_state, snap["unit_key"]), recipient=rec)
            written.append(usb.safe_write(data, folder, package_name(snap)).path)
            if progress:
                progress(i, len(communes))
        log_event(reg, "xuat", "registry",
                  f"Tạo {text.format_int(len(written))} gói báo cáo mẫu của các xã (kỳ {period}; "
                  f"{len(communes) - len(written)} xã không gửi) ra {folder}")
    return written
