"""Commune → province hand-off packages (issue 17): the round trip, replace-not-add, wrong recipient,
a tampered byte anywhere, an unknown signer, counts-only without personal data, the same person in
two communes, the completeness board against a fixed date, the schema v3 → v4 step.

Only one registry is open at a time (peewee's database object is shared by the process): each
helper opens, works and closes. The commands are run through a parser built the way
``cnscd_tui.cli`` builds it, with ``cnscd_tui.commands.handoff`` registered."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from models import handoff_keys, received, services, snapshot
from models.db import Registry
from models.errors import DamagedFile, InputError, StoreError, UsageError, WrongSecret
from models.services import PersonInput
from tests.conftest import PASS

DAY = "10/12/2026"  # on time: the annual deadline (H2) is 15/12
LATE = "18/12/2026"
BOARD_DAY = "20/12/2026"
PROVINCE = "Thành phố Hải Phòng"


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def cnscd(*argv: str, capsys=None) -> tuple[int, str, str]:
    """Run ``cnscd handoff …`` as cli.main would (exit code, stdout, stderr)."""
    from cnscd_tui.commands import handoff
    from cnscd_tui.commands.common import Parser, Secrets, common_options, install_argparse_vietnamese

    install_argparse_vietnamese()
    p = Parser(prog="cnscd", parents=[common_options(default_none=True)])
    sub = p.add_subparsers(dest="command", parser_class=Parser)
    handoff.register(sub, common_options(default_none=False))
    if capsys is not None:
        capsys.readouterr()
    try:
        args = p.parse_args(list(argv))
        try:
            code = args.func(args, Secrets(args.passphrase_stdin))
        except (StoreError, UsageError, InputError) as exc:
            print(exc.message, file=sys.stderr)
            code = exc.exit_code
    except SystemExit as exc:
        code = exc.code
    if capsys is None:
        return code, "", ""
    o = capsys.readouterr()
    return code, o.out, o.err


@pytest.fixture(autouse=True)
def _passphrase(monkeypatch):
    monkeypatch.setenv("CNSCD_PASSPHRASE", PASS)


def make_province(path: Path, communes=(("phường", "Trần Hưng Đạo"), ("xã", "An Lão"), ("xã", "Kiến Thụy"))) -> str:
    """A province registry listing ``communes``; returns its public key file's text."""
    from models.schema import Unit

    reg, _ = Registry.create(path, PASS, province=PROVINCE, commune="")
    try:
        with reg.write():
            prov = Unit.get(Unit.level == "tinh")
            for i, (kind, name) in enumerate(communes, 1):
                Unit.create(level="xa", kind=kind, name=name, parent=prov, sort_order=i)
        return handoff_keys.public_key_text(reg, PROVINCE)
    finally:
        reg.close()


def make_commune(path: Path, name: str = "An Lão", people=()) -> None:
    """A small commune registry: one village, one team, ``people`` (PersonInput) as its members."""
    reg, _ = Registry.create(path, PASS, province=PROVINCE, commune=name, commune_kind="xã")
    try:
        v = services.add_village(reg, name="Thôn 1", kind="thôn")
        t = services.create_team(reg, unit_id=v.id, decision_number="5/QĐ-UBND", decision_date="01/03/2026")
        for i, pin in enumerate(people):
            p, _ = services.add_person(reg, pin, allow_duplicate=True)
            services.add_member(reg, t.id, p.id, role="to_truong" if i == 0 else "thanh_vien", start_date="01/03/2026")
    finally:
        reg.close()


@pytest.fixture
def world(tmp_path, demo_path):
    """The commune demo (Phường Trần Hưng Đạo), a province registry listing it, the key file, a USB folder."""
    tinh = tmp_path / "tinh.cnscd"
    pub = tmp_path / "tinh.pub"
    pub.write_text(make_province(tinh), encoding="utf-8")
    usb = tmp_path / "usb"
    usb.mkdir()
    return dict(xa=demo_path, tinh=tinh, pub=pub, usb=usb, tmp=tmp_path)


def export(w, *extra: str, db: Path | None = None, day: str = DAY, capsys=None) -> Path:
    before = set(w["usb"].iterdir())
    code, out, err = cnscd("handoff", "export", "--db", str(db or w["xa"]), "--period", "2026-H2", "--to",
                           str(w["usb"]), "--date", day, *extra, capsys=capsys)
    assert code == 0, err
    (new,) = set(w["usb"].iterdir()) - before
    return new


def identities(w) -> list[str]:
    with Registry.open(w["tinh"], passphrase=PASS) as reg:
        return handoff_keys.identities(reg)


def decrypt(w, pkg: Path) -> dict[str, bytes]:
    import pyrage

    plain = pyrage.decrypt(pkg.read_bytes(), [pyrage.x25519.Identity.from_str(s) for s in identities(w)])
    with zipfile.ZipFile(io.BytesIO(plain)) as z:
        return {n: z.read(n) for n in z.namelist()}


def province(w):
    return Registry.open(w["tinh"], passphrase=PASS)


# ---------------------------------------------------------------------------
# The province's key
# ---------------------------------------------------------------------------
def test_province_key_file_is_a_standard_age_recipients_file_with_a_phone_fingerprint(world, capsys):
    out_file = world["tmp"] / "khoa.pub"
    code, out, _ = cnscd("handoff", "key", "--db", str(world["tinh"]), "--out", str(out_file), capsys=capsys)
    assert code == 0
    body = out_file.read_text(encoding="utf-8")
    assert body == world["pub"].read_text(encoding="utf-8")  # the same key every time (made once, kept)
    lines = [ln for ln in body.splitlines() if not ln.startswith("#")]
    assert len(lines) == 1 and re.fullmatch(r"age1[02-9ac-hj-np-z]{58}", lines[0])
    fp = re.search(r"điện thoại: ((?:[0-9A-F]{4} ){5}[0-9A-F]{4})$", out, re.M).group(1)
    assert fp in body and fp.replace(" ", "") == handoff_keys.fingerprint_of(lines[0])[:24]
    assert handoff_keys.parse_recipient(body) == lines[0]
    with pytest.raises(InputError, match="age1"):
        handoff_keys.parse_recipient("# chỉ có chú thích\n")
    with pytest.raises(InputError, match="sai"):
        handoff_keys.parse_recipient(lines[0][:-1] + ("q" if lines[0][-1] != "q" else "p"))
    with province(world) as reg:
        log = [e.summary for e in services.list_audit(reg)]
    assert any("Tạo khóa nhận gói báo cáo" in s for s in log)


# ---------------------------------------------------------------------------
# Round trip
# ---------------------------------------------------------------------------
def test_round_trip_commune_to_province(world, capsys):
    pkg = export(world, "--recipient", str(world["pub"]), capsys=capsys)
    assert pkg.name == "CNSCD_HaiPhong_PhuongTranHungDao_2026-H2.cnscd-goi"
    data = pkg.read_bytes()
    assert data.startswith(b"age-encryption.org/v1\n-> X25519 ")  # standard age, to the province's key
    with Registry.open(world["xa"], passphrase=PASS) as reg:
        sent_by = handoff_keys.fingerprint_of(handoff_keys.signing_public(reg))
        audit = [e for e in services.list_audit(reg) if e.action == "xuat"]
        members = services.stats(reg).active_members
        assert handoff_keys.remembered_province(reg)  # the next export needs no --recipient
    assert "Xuất gói báo cáo kỳ 2026-H2" in audit[0].summary and str(pkg) in audit[0].summary
    assert audit[0].new.startswith("sha256:")
    # inside: a ZIP with the signed manifest and the snapshot
    parts = decrypt(world, pkg)
    assert set(parts) == {"manifest.json", "manifest.sig", "snapshot.json", "sender.pem", "KIEM-TRA.txt"}
    manifest = json.loads(parts["manifest.json"])
    assert manifest["sender"]["fingerprint"] == sent_by and manifest["period"] == "2026-H2"
    assert manifest["as_of"] == "2026-12-10" and manifest["kind"] == "day_du"

    code, out, err = cnscd("handoff", "import", str(pkg), "--db", str(world["tinh"]), capsys=capsys)
    assert code == 0, err
    assert "nhận mới 1" in out and handoff_keys.grouped(sent_by) in out
    with province(world) as reg:
        (s,) = received.list_packages(reg, "2026-H2")
        assert (s.unit_name, s.members, s.sender, s.kind) == ("Phường Trần Hưng Đạo", members, sent_by, "day_du")
        assert s.unit_id is not None
        from models import received_rollup

        r = received_rollup.rollup(reg, "2026-H2")
        assert r.table("phu-luc-1").total[4] == members and r.table("thanh-phan").meta["total"] == members
        assert "Gói đầy đủ lập 10/12/2026" in r.table("phu-luc-1").rows[0][5]
        assert sum(r.table("thanh-phan").meta["counts"].values()) == members
        assert r.table("kinh-phi").meta["village_teams"] == 28
        log = [e.summary for e in services.list_audit(reg)]
    assert any(x.startswith("Nhận gói báo cáo kỳ 2026-H2 của Phường Trần Hưng Đạo") for x in log)


def test_package_can_be_audited_with_standard_tools(world, capsys):
    """Decrypt with the identity the province exports; check the signature with OpenSSL and the
    snapshot's SHA-256 — as docs/FILE_FORMAT.md says."""
    import hashlib

    import pyrage

    pkg = export(world, "--recipient", str(world["pub"]), capsys=capsys)
    secret = world["tmp"] / "bi-mat.txt"
    code, out, _ = cnscd("handoff", "key", "--db", str(world["tinh"]), "--secret-out", str(secret), capsys=capsys)
    assert code == 0 and "CẢNH BÁO" in out
    ident = [ln for ln in secret.read_text().splitlines() if ln.startswith("AGE-SECRET-KEY-1")]
    plain = pyrage.decrypt(pkg.read_bytes(), [pyrage.x25519.Identity.from_str(ident[0])])
    folder = world["tmp"] / "kiem-tra"
    zipfile.ZipFile(io.BytesIO(plain)).extractall(folder)
    manifest = json.loads((folder / "manifest.json").read_bytes())
    assert hashlib.sha256((folder / "snapshot.json").read_bytes()).hexdigest() == manifest["snapshot"]["sha256"]
    openssl = shutil.which("openssl")
    if openssl:
        run = subprocess.run([openssl, "pkeyutl", "-verify", "-pubin", "-inkey", "sender.pem", "-rawin", "-in",
                              "manifest.json", "-sigfile", "manifest.sig"], cwd=folder, capture_output=True, text=True)
        assert run.returncode == 0 and "Signature Verified Successfully" in run.stdout
    with province(world) as reg:
        assert any("Xuất khóa bí mật" in e.summary for e in services.list_audit(reg))


def test_snapshot_is_the_state_at_the_period_end(demo):
    """A member who left before the day is out, one who joins after it is not in yet; courses after
    the day are not counted; the second half's package on 10/12 stops on 10/12."""
    from models.schema import Course, Membership

    with demo.write():
        m = Membership.select().where(Membership.end_date.is_null()).order_by(Membership.id.desc()).first()
        m.start_date = dt.date(2026, 12, 12)  # joins after the package's day
        m.save()
        Course.create(title="Lớp sau ngày chốt", start_date=dt.date(2026, 12, 11))
    snap = snapshot.build_snapshot(demo, "2026-H2", day=dt.date(2026, 12, 10))
    rows = snap["rows"]
    assert snap["period"]["as_of"] == "2026-12-10"
    assert m.person_id not in {p[0] for p in rows["people"]}
    assert all(c[1] != "Lớp sau ngày chốt" for c in rows["courses"])
    left = Membership.select().where(Membership.end_date.is_null(False)).first()
    assert left.person_id not in {x[0] for x in rows["memberships"] if x[1] == left.team_id}
    q2 = snapshot.build_snapshot(demo, "2026-Q1", day=dt.date(2026, 12, 10))  # a past quarter: as of 31/3
    assert q2["period"]["as_of"] == "2026-03-31" and all(a[2] <= "2026-03" for a in q2["rows"]["activities"])
    assert snapshot.check_snapshot(json.loads(snapshot.snapshot_bytes(snap))) == snap
    with pytest.raises(InputError, match="chưa có số liệu"):
        snapshot.build_snapshot(demo, "2027-H1", day=dt.date(2026, 12, 10))


# ---------------------------------------------------------------------------
# Replace, never add
# ---------------------------------------------------------------------------
def test_a_newer_package_replaces_the_old_one_after_confirmation_never_adds(world, capsys):
    first = export(world, "--recipient", str(world["pub"]), day="05/12/2026", capsys=capsys)
    with Registry.open(world["xa"], passphrase=PASS) as reg:  # the commune adds a member, sends again
        v = services.list_villages(reg)[0]
        p, _ = services.add_person(reg, PersonInput(full_name="Lê Văn Mới", village_id=v.id, birth="1990"))
        services.add_member(reg, v.team_id, p.id, start_date="06/12/2026")
        members = services.stats(reg).active_members
    second = export(world, day=DAY, capsys=capsys)  # the remembered province key
    tinh = world["tinh"]
    assert cnscd("handoff", "import", str(first), "--db", str(tinh), capsys=capsys)[0] == 0
    code, out, err = cnscd("handoff", "import", str(second), "--db", str(tinh), capsys=capsys)
    assert code == 2 and "cần xác nhận" in err and "--yes" in err  # not a terminal, no --yes: nothing replaced
    with province(world) as reg:
        (s,) = received.list_packages(reg)
        assert s.members == members - 1
    code, out, _ = cnscd("handoff", "import", str(second), "--db", str(tinh), "--yes", capsys=capsys)
    assert code == 0 and "thay 1" in out
    with province(world) as reg:
        (s,) = received.list_packages(reg)  # one package for the commune and the period, never two
        assert s.members == members and s.created_at.date() == dt.date(2026, 12, 10)
        from models import received_rollup

        assert received_rollup.rollup(reg, "2026-H2").table("phu-luc-1").total[4] == members
        assert any(e.summary.startswith("Thay gói báo cáo kỳ 2026-H2") for e in services.list_audit(reg))
    # the older package again: skipped; the same package again: nothing changes, not even the file
    code, out, _ = cnscd("handoff", "import", str(first), "--db", str(tinh), "--yes", capsys=capsys)
    assert code == 0 and "Cũ hơn gói đã nhận" in out
    before = tinh.read_bytes()
    code, out, _ = cnscd("handoff", "import", str(second), str(second), "--db", str(tinh), "--yes", capsys=capsys)
    assert code == 0 and "nhận mới 0, thay 0" in out
    assert tinh.read_bytes() == before


# ---------------------------------------------------------------------------
# Refusals: wrong recipient, damage anywhere, an unknown signer
# ---------------------------------------------------------------------------
def test_a_package_for_another_province_is_refused_and_nothing_is_written(world, capsys):
    other = world["tmp"] / "tinh-khac.cnscd"
    other_pub = world["tmp"] / "khac.pub"
    other_pub.write_text(make_province(other), encoding="utf-8")
    pkg = export(world, "--recipient", str(other_pub), capsys=capsys)
    before = world["tinh"].read_bytes()
    code, _out, err = cnscd("handoff", "import", str(pkg), "--db", str(world["tinh"]), capsys=capsys)
    assert code == 3 and "không được mã hóa cho khóa của sổ này" in err and "Không có gì được ghi" in err
    assert world["tinh"].read_bytes() == before


def test_a_tampered_byte_anywhere_or_a_truncated_or_foreign_file_is_refused(world, capsys):
    from exports import package

    pkg = export(world, "--recipient", str(world["pub"]), capsys=capsys)
    data = pkg.read_bytes()
    ids = identities(world)
    assert package.open_package(data, identities=ids).unit_key == "ten:phuong-tran-hung-dao"
    header_end = data.index(b"\n---") + 50
    positions = sorted(set(range(0, header_end)) | set(range(header_end, len(data), 61)) | set(range(len(data) - 40,
                                                                                                      len(data))))
    for i in positions:
        bad = bytearray(data)
        bad[i] ^= 0x01
        with pytest.raises((DamagedFile, WrongSecret)) as e:
            package.open_package(bytes(bad), identities=ids, file_name="goi.cnscd-goi")
        assert "Không có gì được ghi vào sổ" in e.value.message or "bị từ chối" in e.value.message, i
    for n in (0, 10, len(package.AGE_MAGIC), header_end, len(data) // 2, len(data) - 1):
        with pytest.raises((DamagedFile, WrongSecret)):
            package.open_package(data[:n], identities=ids)
    for foreign in (b"PK\x03\x04 a spreadsheet", b"", "Xin chào".encode()):
        with pytest.raises(DamagedFile, match="không phải gói báo cáo"):
            package.open_package(foreign, identities=ids)
    # through the command: refused in Vietnamese, exit 4, the registry file untouched
    bad = world["usb"] / "hong.cnscd-goi"
    bad.write_bytes(data[: len(data) - 100])
    before = world["tinh"].read_bytes()
    code, _out, err = cnscd("handoff", "import", str(bad), "--db", str(world["tinh"]), capsys=capsys)
    assert code == 4 and "bị hỏng hoặc thiếu" in err
    assert world["tinh"].read_bytes() == before


def _reencrypt(w, parts: dict[str, bytes]) -> bytes:
    """Someone with the province's public key rebuilds a package from changed parts."""
    import pyrage

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    rec = handoff_keys.parse_recipient(w["pub"].read_text(encoding="utf-8"))
    return pyrage.encrypt(buf.getvalue(), [pyrage.x25519.Recipient.from_str(rec)])


def test_changed_contents_under_a_valid_encryption_are_refused(world, capsys):
    """The outer layer is only encryption (anyone has the public key): the signature is what counts."""
    from exports import package

    parts = decrypt(world, export(world, "--recipient", str(world["pub"]), capsys=capsys))
    ids = identities(world)
    changed = parts["snapshot.json"].replace("Trần Hưng Đạo".encode(), b"Tran Hung Dao", 1)
    assert changed != parts["snapshot.json"]
    forged = dict(parts, **{"snapshot.json": changed})
    with pytest.raises(DamagedFile, match="SHA-256 khác"):
        package.open_package(_reencrypt(world, forged), identities=ids)
    m = parts["manifest.json"].replace(b'"day_du"', b'"so_lieu"')
    with pytest.raises(DamagedFile, match="chữ ký của xã không khớp"):
        package.open_package(_reencrypt(world, dict(parts, **{"manifest.json": m})), identities=ids)
    with pytest.raises(DamagedFile, match="không đúng các phần"):
        package.open_package(_reencrypt(world, dict(parts, **{"thua.txt": b"x"})), identities=ids)


def test_hostile_contents_signed_by_any_key_are_refused_without_a_traceback(world, capsys):
    """Anyone may sign with a key of their own (the first key a commune is seen with is trusted): what
    the signature covers must still be checked for its shape, never trusted to parse."""
    import base64
    import hashlib

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from exports import package

    parts = decrypt(world, export(world, "--recipient", str(world["pub"]), capsys=capsys))
    ids = identities(world)
    good = json.loads(parts["snapshot.json"])
    nasty = [b"[" * 100_000, b'{"format": "cnscd-snapshot"}',
             json.dumps(dict(good, created_at="2026-12-10T09:00:00+07:00")).encode(),
             json.dumps(dict(good, rows=dict(good["rows"], people=[[1, "A"]]))).encode(),
             json.dumps(dict(good, unit=dict(good["unit"], name=None))).encode(), b"\xff\xfe"]
    key = Ed25519PrivateKey.generate()
    for body in nasty:
        manifest = json.loads(parts["manifest.json"])
        manifest["snapshot"] = {"file": "snapshot.json", "sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)}
        raw = key.public_key().public_bytes_raw()
        manifest["sender"] = {"algorithm": "Ed25519", "public_key": base64.b64encode(raw).decode(),
                              "fingerprint": handoff_keys.fingerprint_of(raw)}
        mbytes = snapshot.snapshot_bytes(manifest)
        data = _reencrypt(world, dict(parts, **{"manifest.json": mbytes, "manifest.sig": key.sign(mbytes),
                                                "snapshot.json": body}))
        with pytest.raises(DamagedFile, match="không đúng cấu trúc|không khớp"):
            package.open_package(data, identities=ids)


def test_a_package_signed_by_another_key_is_refused_unless_accepted(world, tmp_path, capsys):
    pkg = export(world, "--recipient", str(world["pub"]), day="05/12/2026", capsys=capsys)
    assert cnscd("handoff", "import", str(pkg), "--db", str(world["tinh"]), capsys=capsys)[0] == 0
    # a registry for the same ward made anew (another PC): same unit, another signing key
    again = tmp_path / "xa-moi.cnscd"
    make_commune(again, "Trần Hưng Đạo", [PersonInput(full_name="Phạm Văn Một", birth="1980")])
    with Registry.open(again, passphrase=PASS) as reg:
        from models.schema import Unit

        with reg.write():
            Unit.update(kind="phường").where(Unit.level == "xa").execute()
    impostor = export(world, "--recipient", str(world["pub"]), db=again, capsys=capsys)
    before = world["tinh"].read_bytes()
    code, out, err = cnscd("handoff", "import", str(impostor), "--db", str(world["tinh"]), "--yes", capsys=capsys)
    assert code == 2 and "Khóa ký khác khóa đã biết" in out + err and "--accept-new-key" in out + err
    assert world["tinh"].read_bytes() == before
    code, out, err = cnscd("handoff", "import", str(impostor), "--db", str(world["tinh"]), "--yes",
                           "--accept-new-key", capsys=capsys)
    assert code == 0, err
    with province(world) as reg:
        (s,) = received.list_packages(reg)
        assert s.members == 1
        new_fp = s.sender
        assert received.known_senders(reg)["ten:phuong-tran-hung-dao"] == new_fp
        assert any("Chấp nhận khóa ký mới" in e.summary for e in services.list_audit(reg))


# ---------------------------------------------------------------------------
# Counts only: no personal data
# ---------------------------------------------------------------------------
def test_counts_only_package_carries_no_personal_data(world, capsys):
    from models.schema import Person

    pkg = export(world, "--recipient", str(world["pub"]), "--counts-only", capsys=capsys)
    with Registry.open(world["xa"], passphrase=PASS) as reg, reg.read():
        people = list(Person.select())
        members = services.stats(reg).active_members
    names = {f"{p.family_name} {p.given_name}" for p in people}
    phones = {p.phone for p in people if p.phone}
    ids = {p.cccd for p in people if p.cccd}
    assert len(names) > 100 and len(phones) > 100 and len(ids) > 100
    plain = b"".join(decrypt(world, pkg).values())
    for secret in sorted(names | phones | ids):
        assert secret.encode("utf-8") not in plain, secret
        assert json.dumps(secret)[1:-1].encode() not in plain, secret  # nor \u-escaped
    snap = json.loads(decrypt(world, pkg)["snapshot.json"])
    assert snap["kind"] == "so_lieu" and "rows" not in snap and snap["totals"]["members"] == members
    assert cnscd("handoff", "import", str(pkg), "--db", str(world["tinh"]), capsys=capsys)[0] == 0
    with province(world) as reg:
        from models import received_rollup

        r = received_rollup.rollup(reg, "2026-H2")
        assert r.table("phu-luc-1").total[4] == snap["totals"]["members"]
        assert "Gói chỉ số liệu" in r.table("phu-luc-1").rows[0][5]
        assert received.duplicates(reg, "2026-H2") == []


# ---------------------------------------------------------------------------
# The same person in two communes
# ---------------------------------------------------------------------------
def test_the_same_person_in_two_communes_is_flagged(world, tmp_path, capsys):
    from models import text
    from models.schema import Person

    with Registry.open(world["xa"], passphrase=PASS) as reg, reg.read():
        by_id = Person.select().where((Person.cccd != "") & Person.birth_date.is_null(False)).first()
        by_name = Person.select().where((Person.phone != "") & Person.birth_date.is_null(False)
                                        & (Person.id != by_id.id)).first()
    an_lao = tmp_path / "an-lao.cnscd"
    make_commune(an_lao, "An Lão", [
        PersonInput(full_name="Hoàng Văn Khác", birth=text.format_date(by_id.birth_date), cccd=by_id.cccd,
                    gender=by_id.gender),  # the same CCCD under another name
        PersonInput(full_name=f"{by_name.family_name} {by_name.given_name}".upper(),
                    birth=text.format_date(by_name.birth_date), phone="+84" + by_name.phone[1:]),  # no CCCD
        PersonInput(full_name="Người Khác Hẳn", birth="1970", phone="0912000111"),
    ])
    a = export(world, "--recipient", str(world["pub"]), capsys=capsys)
    b = export(world, "--recipient", str(world["pub"]), db=an_lao, capsys=capsys)
    code, out, _ = cnscd("handoff", "import", str(world["usb"]), "--db", str(world["tinh"]), capsys=capsys)
    assert code == 0 and "nhận mới 2" in out and "CẢNH BÁO: 2 người" in out
    assert a.exists() and b.exists()
    with province(world) as reg:
        dups = received.duplicates(reg, "2026-H2")
    assert {d.how for d in dups} == {"CCCD", "họ tên + ngày sinh + SĐT"}
    assert all(d.communes == ("Phường Trần Hưng Đạo", "Xã An Lão") for d in dups)
    code, out, _ = cnscd("handoff", "status", "--db", str(world["tinh"]), "--period", "2026-H2", "--json",
                         capsys=capsys)
    assert len(json.loads(out)["duplicates"]) == 2


# ---------------------------------------------------------------------------
# The completeness board
# ---------------------------------------------------------------------------
def test_completeness_board_against_the_deadline_with_a_fixed_date(world, tmp_path, capsys):
    an_lao = tmp_path / "an-lao.cnscd"
    make_commune(an_lao, "An Lão", [PersonInput(full_name="Vũ Thị Một", birth="1985")])
    export(world, "--recipient", str(world["pub"]), day=DAY, capsys=capsys)
    export(world, "--recipient", str(world["pub"]), db=an_lao, day=LATE, capsys=capsys)
    tinh = str(world["tinh"])
    code, out, _ = cnscd("handoff", "status", "--db", tinh, "--period", "2026-H2", "--date", "01/12/2026",
                         capsys=capsys)
    assert code == 0 and "chưa nộp 3 / 3" in out and "Chưa nhận — còn 14 ngày" in out
    assert cnscd("handoff", "import", str(world["usb"]), "--db", tinh, capsys=capsys)[0] == 0
    code, out, _ = cnscd("handoff", "status", "--db", tinh, "--period", "2026-H2", "--date", BOARD_DAY, "--json",
                         capsys=capsys)
    board = json.loads(out)
    assert board["deadline"] == "2026-12-15" and board["date"] == "2026-12-20"
    assert board["counts"] == {"dung_han": 1, "muon": 1, "thieu": 1}
    rows = {r["name"]: r for r in board["communes"]}
    assert rows["Phường Trần Hưng Đạo"]["status"] == "dung_han" and rows["Phường Trần Hưng Đạo"]["members"] == 189
    assert rows["Xã An Lão"]["status"] == "muon" and rows["Xã An Lão"]["status_label"] == "Đã nhận, muộn 3 ngày"
    assert rows["Xã Kiến Thụy"]["status_label"] == "Chưa nhận — quá hạn 5 ngày"
    assert re.fullmatch(r"[0-9A-F]{64}", rows["Xã An Lão"]["sender_fingerprint"])
    code, out, _ = cnscd("handoff", "status", "--db", tinh, "--period", "2026-H2", "--date", BOARD_DAY, "--missing",
                         capsys=capsys)
    assert code == 0 and out.splitlines()[1:] == ["  - Xã Kiến Thụy"]
    code, out, _ = cnscd("handoff", "status", "--db", tinh, "--period", "2026-H2", "--date", BOARD_DAY, capsys=capsys)
    assert "đúng hạn 1, muộn 1, chưa nộp 1 / 3" in out and "Xã An Lão: Đã nhận, muộn 3 ngày | gói lập 18/12/2026" in out
    # a quarter's deadline is the 20th of its last month; another period has nothing yet
    with province(world) as reg:
        b = received.completeness(reg, "2026-Q3", day=dt.date(2026, 10, 1))
    assert b.deadline == dt.date(2026, 9, 20) and b.counts["thieu"] == 3


def test_roll_up_takes_phu_luc_i_tables_of_communes_without_the_program(world, capsys):
    from models import bulk, received_rollup

    pkg = export(world, "--recipient", str(world["pub"]), capsys=capsys)
    assert cnscd("handoff", "import", str(pkg), "--db", str(world["tinh"]), capsys=capsys)[0] == 0
    with province(world) as reg:
        bulk.save_document(reg, "aggregate:phu_luc_1:KienThuy", dict(
            source="Xã Kiến Thụy", file="PhuLucI_KienThuy.xlsx", imported="2026-12-11",
            rows=[[1, "Xã Kiến Thụy", 12, 12, 70], [2, "Phường Trần Hưng Đạo", 28, 28, 150]], stated=[None] * 3,
            flags=[]))
        r = received_rollup.rollup(reg, "2026-H2")
    t = r.table("phu-luc-1")
    assert [row[1] for row in t.rows] == ["Phường Trần Hưng Đạo", "Xã Kiến Thụy"]  # the package wins, no double count
    assert t.total == ["", "Tổng", 40, 40, 189 + 70, ""]
    assert "không dùng chương trình" in t.rows[1][5] and "PhuLucI_KienThuy.xlsx" in t.rows[1][5]
    assert any("bỏ dòng trong Phụ lục I" in n for n in t.notes)
    assert [s.kind for s in r.sources] == ["day_du", "phu_luc_i"]
    assert r.table("kinh-phi").meta["village_teams"] == 40


# ---------------------------------------------------------------------------
# Passphrase fallback, usage
# ---------------------------------------------------------------------------
def test_a_passphrase_package_opens_with_the_passphrase_only(world, monkeypatch, capsys):
    monkeypatch.setenv("CNSCD_GOI_PASSPHRASE", "mat-khau-goi-2026")
    pkg = export(world, "--passphrase", capsys=capsys)
    assert b"-> scrypt " in pkg.read_bytes()[:200]
    monkeypatch.setenv("CNSCD_GOI_PASSPHRASE", "sai-mat-khau-goi")
    code, _out, err = cnscd("handoff", "import", str(pkg), "--db", str(world["tinh"]), capsys=capsys)
    assert code == 3 and "sai mật khẩu gói" in err
    monkeypatch.setenv("CNSCD_GOI_PASSPHRASE", "mat-khau-goi-2026")
    code, out, _ = cnscd("handoff", "import", str(pkg), "--db", str(world["tinh"]), capsys=capsys)
    assert code == 0 and "nhận mới 1" in out


def test_usage_errors_are_said_in_vietnamese(world, tmp_path, capsys):
    fresh = tmp_path / "xa-moi.cnscd"
    make_commune(fresh, "An Lão")
    code, _o, err = cnscd("handoff", "export", "--db", str(fresh), "--period", "2026-H2", "--to", str(world["usb"]),
                          capsys=capsys)
    assert code == 2 and "Cần khóa công khai của tỉnh" in err
    code, _o, err = cnscd("handoff", "export", "--db", str(fresh), "--period", "2026-H3", "--to", str(world["usb"]),
                          capsys=capsys)
    assert code == 2 and "Kỳ báo cáo «2026-H3» không hợp lệ" in err
    bad_pub = tmp_path / "sai.pub"
    bad_pub.write_text("không phải khóa\n", encoding="utf-8")
    code, _o, err = cnscd("handoff", "export", "--db", str(fresh), "--period", "2026-H2", "--to", str(world["usb"]),
                          "--recipient", str(bad_pub), capsys=capsys)
    assert code == 2 and "Tệp khóa của tỉnh không đúng" in err
    code, _o, err = cnscd("handoff", "import", str(tmp_path / "khong-co"), "--db", str(world["tinh"]), capsys=capsys)
    assert code == 4 and "Không đọc được gói" in err
    assert list(world["usb"].iterdir()) == []


# ---------------------------------------------------------------------------
# Schema v3 → v4
# ---------------------------------------------------------------------------
def test_a_v3_file_opens_and_gets_the_handoff_tables(tmp_path):
    from models import migrations
    from models.schema import SCHEMA_VERSION
    from models.store import EncryptedStore

    conn = sqlite3.connect(":memory:")
    conn.executescript(migrations.V3_DDL)
    conn.execute("INSERT INTO unit (id, parent_id, level, kind, name, code, former_unit, sort_order, active, "
                 "merged_into_id, note) VALUES (1, NULL, 'tinh', 'thành phố', 'Hải Phòng', '', '', 0, 1, NULL, '')")
    conn.commit()
    path = tmp_path / "v3.cnscd"
    EncryptedStore.create(path, PASS, conn.serialize(), schema_version=3)[0].close()
    reg = Registry.open(path, passphrase=PASS)
    try:
        assert reg.migrated_from == 3 and SCHEMA_VERSION == 4
        assert any("phiên bản 3 lên 4" in e.summary for e in services.list_audit(reg))
        assert handoff_keys.recipient(reg).startswith("age1")
        migrated = _tables_ddl(reg.conn)
    finally:
        reg.close()
    fresh, _ = Registry.create(tmp_path / "new.cnscd", PASS, province="Hải Phòng", commune="X")
    try:
        assert _tables_ddl(fresh.conn) == migrated
    finally:
        fresh.close()


def _tables_ddl(conn) -> list[str]:
    return sorted(s for (s,) in conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"))


# ---------------------------------------------------------------------------
# The province demo writes its communes' packages (the round trip in two commands)
# ---------------------------------------------------------------------------
def test_province_demo_packages_round_trip(tmp_path, capsys):
    from exports.package_demo import write_demo_packages
    from models.demo import create_demo
    from models.schema import Membership, Team, Unit

    path = tmp_path / "demo-tinh.cnscd"
    reg, _ = create_demo(path, scale="province", passphrase=PASS)
    reg.close()
    paths = write_demo_packages(path, tmp_path / "goi-mau", passphrase=PASS, limit=12)
    assert len(paths) == 11  # the 10th commune never sends
    again = write_demo_packages(path, tmp_path / "lan-2", passphrase=PASS, limit=12)
    assert [p.read_bytes() == q.read_bytes() for p, q in zip(paths, again, strict=True)].count(False) == 11  # fresh
    code, out, err = cnscd("handoff", "import", str(tmp_path / "goi-mau"), "--db", str(path), capsys=capsys)
    assert code == 0 and "nhận mới 11" in out, err
    # the same communes again (same demo keys): replaced, not refused for a new key
    code, out, err = cnscd("handoff", "import", str(tmp_path / "lan-2"), "--db", str(path), "--yes", capsys=capsys)
    assert code == 0 and "không đổi 11" in out, err  # the same snapshots: nothing to replace
    with Registry.open(path, passphrase=PASS) as reg:
        board = received.completeness(reg, "2026-H2", day=dt.date(2026, 12, 20))
        assert board.counts["dung_han"] == 10 and board.counts["muon"] == 1  # the 3rd; the 10th sends nothing
        assert board.counts["thieu"] == len(board.rows) - 11
        for s in received.list_packages(reg, "2026-H2"):
            with reg.read():
                units = [u for (u,) in Unit.select(Unit.id).where((Unit.id == s.unit_id)
                                                                 | (Unit.parent == s.unit_id)).tuples()]
                held = (Membership.select().join(Team)
                        .where(Team.unit.in_(units) & Membership.end_date.is_null()).count())
            assert s.members == held, s.unit_name


def test_roll_up_tables_become_official_sheets(world, capsys):
    """What exports.report will do with the roll-up: each table as a layout.Report, written as XLSX."""
    from exports import layout, writers
    from models import received_rollup

    pkg = export(world, "--recipient", str(world["pub"]), capsys=capsys)
    assert cnscd("handoff", "import", str(pkg), "--db", str(world["tinh"]), capsys=capsys)[0] == 0
    with province(world) as reg:
        r = received_rollup.rollup(reg, "2026-H2")
        reports = [layout.Report(key=t.key, title=t.title, columns=[layout.Column(*c) for c in t.columns], rows=t.rows,
                                 total=t.total, notes=t.notes, sheet_name=t.sheet_name, meta=t.meta,
                                 letterhead=layout.letterhead(reg, dt.date(2026, 12, 20))) for t in r.tables]
    assert [x.key for x in reports] == ["phu-luc-1", "thanh-phan", "tap-huan-do-phu", "thiet-bi", "kinh-phi",
                                        "hoat-dong", "nguon"]
    assert all(len(x.rows[0]) == len(x.columns) and (x.total is None or len(x.total) == len(x.columns))
               for x in reports)
    ((name, data),) = writers.render(reports, "TongHop_2026-H2", "xlsx")
    assert name.endswith(".xlsx") and data[:2] == b"PK"
