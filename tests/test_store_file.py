"""The encrypted file: secrets, tamper/damage, disk full, backups, lock."""

from __future__ import annotations

import errno
import json
import os
import struct
import time
from pathlib import Path

import pytest

from models import store as st
from models.store import (
    AlreadyOpen,
    DamagedFile,
    EncryptedStore,
    KdfParams,
    NotFound,
    SaveFailed,
    UnsupportedVersion,
    WrongSecret,
)

FAST = KdfParams(1024, 1, 1)
PW = "mat-khau-dung-1"
MARKER = "Nguyễn Thị Bí Mật 0912345678".encode()


def payload(i: int = 0) -> bytes:
    return b"SQLite format 3\x00" + MARKER + f" phiên bản {i}".encode() + os.urandom(64)


@pytest.fixture
def made(tmp_path):
    path = tmp_path / "so.cnscd"
    s, key = EncryptedStore.create(path, PW, payload(0), schema_version=2, kdf=FAST)
    s.save(payload(1))
    s.close()
    return path, key


def reseal(body: bytes) -> bytes:
    """Append a valid file checksum to ``body`` (everything but the trailer), as a forger would."""
    hlen = struct.unpack_from(">I", body, 12)[0]
    return body + st._trailer(body[:16], body[16:16 + hlen], body[16 + hlen:28 + hlen], body[28 + hlen:])


def regions(data: bytes) -> dict[str, int]:
    """One offset inside every region of the file."""
    _, _, _, hlen = struct.unpack_from(">8sHHI", data)
    header = data[16:16 + hlen].decode()
    h0 = 16
    return {
        "magic": 2,
        "major": 9,
        "minor": 11,
        "header_len": 14,
        "header_generation": h0 + header.index('"generation"') + 14,
        "header_kdf_m": h0 + header.index('"m_kib"') + 9,
        "header_salt": h0 + header.index('"salt"') + 9,
        "header_wrapped": h0 + header.index('"wrapped"') + 14,
        "header_schema": h0 + header.index('"schema_version"') + 18,
        "nonce": h0 + hlen + 3,
        "ciphertext": h0 + hlen + 12 + (len(data) - h0 - hlen - 12 - 32) // 2,
        "gcm_tag": len(data) - 32 - 5,
        "trailer": len(data) - 10,
    }


def test_round_trip_and_wrong_passphrase(made):
    path, key = made
    s, data = EncryptedStore.open(path, passphrase=PW)
    assert data.startswith(b"SQLite format 3") and b"phi\xc3\xaan b\xe1\xba\xa3n 1" in data
    assert s.generation == 2
    s.close()
    with pytest.raises(WrongSecret) as e:
        EncryptedStore.open(path, passphrase="sai")
    assert "Sai mật khẩu" in e.value.message and e.value.exit_code == 3


def test_recovery_key_forms(made):
    path, key = made
    groups = key.split("-")
    assert len(groups) == 5 and all(len(g) == 5 for g in groups)
    assert not set(key) & set("ILOU")
    s, _ = EncryptedStore.open(path, recovery_key=" ".join(groups).lower())
    s.close()
    typo = ("X" if key[0] != "X" else "Y") + key[1:]
    with pytest.raises(WrongSecret) as e:
        EncryptedStore.open(path, recovery_key=typo)
    assert "gõ sai" in e.value.message
    other = st.generate_recovery_key()
    with pytest.raises(WrongSecret) as e:
        EncryptedStore.open(path, recovery_key=other)
    assert "không phải của sổ này" in e.value.message


def test_change_passphrase_rekeys_so_an_old_copy_and_the_old_passphrase_do_not_open_the_new_file(made):
    """Issue 12.8: passwd used to keep the data key, so the old passphrase + any old copy decrypted the current file."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    path, key = made
    old_copy = path.with_name("ban-cu.cnscd")
    old_copy.write_bytes(path.read_bytes())
    s, before = EncryptedStore.open(path, passphrase=PW)
    s.change_passphrase("mat-khau-moi-2")
    s.close()
    old, _ = EncryptedStore.open(old_copy, passphrase=PW, lock=False)  # the old copy still opens (it is old)
    old_key = bytes(old._key)
    old.close()
    new = st.parse(path.read_bytes(), path.name)
    with pytest.raises(InvalidTag):  # its data key does not decrypt the current file
        AESGCM(old_key).decrypt(new.nonce, new.ciphertext, st.payload_aad(new.header, new.major, new.minor))
    with pytest.raises(WrongSecret):
        EncryptedStore.open(path, passphrase=PW)
    s, after = EncryptedStore.open(path, passphrase="mat-khau-moi-2")
    s.close()
    assert after == before
    s, _ = EncryptedStore.open(path, recovery_key=key)  # the recovery key is carried over
    s.close()


@pytest.mark.parametrize("region", ["magic", "major", "minor", "header_len", "header_generation", "header_kdf_m",
                                    "header_salt", "header_wrapped", "header_schema", "nonce", "ciphertext",
                                    "gcm_tag", "trailer"])
def test_flipped_byte_in_every_region_is_damage_never_wrong_passphrase(made, region):
    path, _ = made
    data = bytearray(path.read_bytes())
    off = regions(bytes(data))[region]
    data[off] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(DamagedFile) as e:
        EncryptedStore.open(path, passphrase=PW)
    assert not isinstance(e.value, WrongSecret)
    assert "hỏng" in e.value.message or "phiên bản mới hơn" in e.value.message
    assert path.read_bytes() == bytes(data)  # untouched
    if not isinstance(e.value, UnsupportedVersion):
        assert e.value.good_backups, "the newest good backup is offered"
        s, data1 = EncryptedStore.open(e.value.good_backups[0].path, passphrase=PW, lock=False)
        s.close()
        assert MARKER in data1


def test_edits_that_recompute_the_checksum_are_still_damage(made):
    """A header/ciphertext edit that passes the checksum must not read as 'wrong passphrase'."""

    path, _ = made
    orig = path.read_bytes()
    hlen = struct.unpack_from(">I", orig, 12)[0]
    for edit in ("generation", "ciphertext"):
        data = bytearray(orig[:-32])
        if edit == "generation":
            header = json.loads(orig[16:16 + hlen])
            header["generation"] = 99
            raw = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
            data = bytearray(orig[:12] + struct.pack(">I", len(raw)) + raw + orig[16 + hlen:-32])
        else:
            data[-40] ^= 0xFF
        path.write_bytes(reseal(bytes(data)))
        with pytest.raises(DamagedFile) as e:
            EncryptedStore.open(path, passphrase=PW)
        assert "bị sửa" in e.value.message or "hỏng" in e.value.message


@pytest.mark.parametrize("keep", [0, 1, 7, 16, 40, 100, -33, -1])
def test_truncated_and_empty_files(made, keep):
    path, _ = made
    data = path.read_bytes()
    cut = data[:keep] if keep >= 0 else data[:len(data) + keep]
    path.write_bytes(cut)
    with pytest.raises(DamagedFile) as e:
        EncryptedStore.open(path, passphrase=PW)
    assert e.value.exit_code == 4
    if keep == 0:
        assert "rỗng" in e.value.message
    assert path.read_bytes() == cut


def test_hostile_kdf_parameters_refused_without_running_the_kdf(made, monkeypatch):

    path, _ = made
    orig = path.read_bytes()
    hlen = struct.unpack_from(">I", orig, 12)[0]
    header = json.loads(orig[16:16 + hlen])
    for slot in header["slots"]:
        if slot["kind"] == "passphrase":
            slot["kdf"]["m_kib"] = 4 * 1024 * 1024
            slot["kdf"]["t"] = 1_000_000
    raw = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    body = orig[:12] + struct.pack(">I", len(raw)) + raw + orig[16 + hlen:-32]
    path.write_bytes(reseal(body))
    called = []
    monkeypatch.setattr("models.store_format.argon2", lambda *a: called.append(a))
    t = time.perf_counter()
    with pytest.raises(DamagedFile) as e:
        EncryptedStore.open(path, passphrase=PW)
    assert time.perf_counter() - t < 1.0 and not called
    assert "vượt giới hạn" in e.value.message


def test_newer_major_version_refused(made):

    path, _ = made
    data = bytearray(path.read_bytes()[:-32])
    data[8:10] = struct.pack(">H", st.FORMAT_MAJOR + 1)
    path.write_bytes(reseal(bytes(data)))
    with pytest.raises(UnsupportedVersion) as e:
        EncryptedStore.open(path, passphrase=PW)
    assert "phiên bản mới hơn" in e.value.message and "cập nhật" in e.value.message


def test_missing_file(tmp_path):
    with pytest.raises(NotFound) as e:
        EncryptedStore.open(tmp_path / "khong.cnscd", passphrase=PW)
    assert e.value.exit_code == 4


@pytest.mark.parametrize("fail_at", ["write", "fsync", "replace"])
def test_disk_full_keeps_old_file(made, monkeypatch, fail_at):
    path, _ = made
    s, _ = EncryptedStore.open(path, passphrase=PW)
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    target = {"write": "write", "fsync": "fsync", "replace": "replace"}[fail_at]
    monkeypatch.setattr(st.os, target, boom)
    with pytest.raises(SaveFailed) as e:
        s.save(payload(2))
    monkeypatch.undo()
    assert "ổ đĩa đã đầy" in e.value.message and e.value.exit_code == 6
    assert path.read_bytes() == before
    assert not list(path.parent.glob("*.tmp"))
    assert s.generation == 2
    s.save(payload(3))  # works again once there is space
    s.close()
    s, data = EncryptedStore.open(path, passphrase=PW)
    s.close()
    assert b"phi\xc3\xaan b\xe1\xba\xa3n 3" in data


def test_tiny_filesystem_if_available(tmp_path):
    """A real full disk: a 64 KiB tmpfs (needs root; skipped elsewhere)."""
    import subprocess

    mnt = tmp_path / "tiny"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        path = mnt / "so.cnscd"
        s, _ = EncryptedStore.create(path, PW, b"x" * 10_000, schema_version=2, kdf=FAST)
        before = path.read_bytes()
        with pytest.raises(SaveFailed) as e:
            s.save(b"y" * 200_000)
        assert "đầy" in e.value.message
        assert path.read_bytes() == before
        assert not list(mnt.glob("*.tmp"))
        s.close()
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


def test_backup_rotation_by_generation(made):
    path, _ = made
    s, _ = EncryptedStore.open(path, passphrase=PW)
    for i in range(50):
        s.save(payload(10 + i))
    s.close()
    backups = st.list_backups(path)
    gens = [b for b in backups if b.kind == "gen"]
    days = [b for b in backups if b.kind == "day"]
    assert len(gens) == 10
    assert [b.generation for b in gens] == list(range(51, 41, -1))
    assert len(days) == 1  # one per day
    for b in backups:
        s, _ = EncryptedStore.open(b.path, passphrase=PW, lock=False)
        s.close()


def test_backup_made_by_hand_is_its_own_kind_and_kept_apart(made):
    path, _ = made
    s, _ = EncryptedStore.open(path, passphrase=PW)
    made_by_hand = []
    for i in range(14):
        s.save(payload(100 + i))
        made_by_hand.append(s.backup_now())
    s.backup_now()  # twice on the same state: no second copy
    for i in range(12):  # automatic ones roll over; the hand-made ones are not pushed out by them
        s.save(payload(200 + i))
    s.close()
    manual = [b for b in st.list_backups(path) if b.kind == "manual"]
    assert len(manual) == st.MANUAL_KEEP
    assert [b.path for b in manual] == made_by_hand[::-1][:st.MANUAL_KEEP]
    for b in manual:  # each a complete encrypted file that opens
        s2, data = EncryptedStore.open(b.path, passphrase=PW, lock=False)
        s2.close()
        assert MARKER in data and MARKER not in b.path.read_bytes()


@pytest.mark.parametrize("sweep", ["as-fast-as-it-goes", "still-at-work-until-close"])
def test_day_copies_kept_for_30_days_by_header_date(made, monkeypatch, sweep):
    """close() waits for the daily sweep and does the one still owed, however slow the sweep is.

    "still-at-work-until-close": the first day's sweep does its work and then cannot
    finish until close() is called, so every later day's first save finds it busy
    (the state a loaded machine reached by chance).
    """
    import datetime as dt
    import threading

    path, _ = made
    if sweep == "still-at-work-until-close":
        may_finish = threading.Event()
        real = EncryptedStore._rotate

        def slow_rotate(self):
            real(self)
            may_finish.wait()

        monkeypatch.setattr(EncryptedStore, "_rotate", slow_rotate)
        real_close = EncryptedStore.close
        monkeypatch.setattr(EncryptedStore, "close", lambda self: (may_finish.set(), real_close(self))[-1])
    s, _ = EncryptedStore.open(path, passphrase=PW)
    base = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
    day = [0]
    monkeypatch.setattr(st, "_now", lambda: (base + dt.timedelta(days=day[0])).isoformat())
    for i in range(40):
        day[0] = i
        s.save(payload(i))
    s.close()
    days = [b for b in st.list_backups(path) if b.kind == "day"]
    assert len(days) == st.DAYS_KEEP == 30


def test_restore_backup_keeps_current_as_before_restore(made):
    path, _ = made
    s, _ = EncryptedStore.open(path, passphrase=PW)
    s.save(payload(5))
    s.close()
    old = [b for b in st.list_backups(path) if b.kind == "gen"][-1]
    st.restore_backup(old.path, path, passphrase=PW)
    s, data = EncryptedStore.open(path, passphrase=PW)
    s.close()
    assert b"phi\xc3\xaan b\xe1\xba\xa3n 0" in data
    assert any(b.kind == "before-restore" for b in st.list_backups(path))


def test_leftover_tmp_removed_on_open(made):
    path, _ = made
    junk = path.with_name(path.name + ".deadbeef.tmp")
    junk.write_bytes(b"half written")
    EncryptedStore.open(path, passphrase=PW)[0].close()
    assert not junk.exists()


def test_second_open_refused_and_stale_lock_ignored(made):
    path, _ = made
    s, _ = EncryptedStore.open(path, passphrase=PW)
    with pytest.raises(AlreadyOpen) as e:
        EncryptedStore.open(path, passphrase=PW)
    assert str(os.getpid()) in e.value.message and e.value.exit_code == 5
    assert __import__("socket").gethostname() in e.value.message
    s.close()
    # a crashed process leaves its lock file behind, without an OS lock
    Path(str(path) + ".lock").write_text(json.dumps({"host": "may-khac", "pid": 999999, "since": "2026-01-01T08:00:00"}))
    s, _ = EncryptedStore.open(path, passphrase=PW)
    s.close()


def test_lock_of_a_killed_process_does_not_block(made):
    import subprocess
    import sys

    path, _ = made
    code = (f"import sys, time; sys.path.insert(0, {str(Path(__file__).parent.parent)!r})\n"
            "from models.store import EncryptedStore\n"
            f"s, _ = EncryptedStore.open({str(path)!r}, passphrase={PW!r})\n"
            "print('open', flush=True); time.sleep(60)\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "open"
        with pytest.raises(AlreadyOpen):
            EncryptedStore.open(path, passphrase=PW)
    finally:
        p.kill()
        p.wait()
    EncryptedStore.open(path, passphrase=PW)[0].close()


def test_no_plaintext_in_any_file(made):
    path, _ = made
    s, _ = EncryptedStore.open(path, passphrase=PW)
    for i in range(3):
        s.save(payload(i))
    s.backup_to(path.parent)
    for f in path.parent.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            assert MARKER not in data and b"SQLite format" not in data, f
    s.close()


def test_default_kdf_parameters_are_within_caps(monkeypatch):
    monkeypatch.delenv("CNSCD_KDF", raising=False)
    k = st.default_kdf()
    assert k.m_kib == 65536 and 1 <= k.t <= st.KDF_MAX_T and k.p == 2
    monkeypatch.setenv("CNSCD_KDF", "fast")
    assert st.default_kdf() == FAST


def test_saves_after_restoring_an_old_generation_each_get_their_own_backup(made):
    """Restoring g5 of a file at g12 must not make later saves collide with the old g6, g7… backups."""
    path, _ = made
    folder = st.backup_dir(path)
    s, _ = EncryptedStore.open(path, passphrase=PW)
    for i in range(2, 12):
        s.save(payload(i))  # generation g holds payload(g - 1)
    assert s.generation == 12
    s.close()
    old = {f.name: f.read_bytes() for f in folder.iterdir()}
    st.restore_backup(folder / "so.g000005.cnscd", path, passphrase=PW)
    s, restored = EncryptedStore.open(path, passphrase=PW)
    assert b"phi\xc3\xaan b\xe1\xba\xa3n 4" in restored
    gen_after_restore = s.generation
    states = [restored]
    for i in range(3):
        states.append(payload(100 + i))
        s.save(states[-1])
    gen_at_end = s.generation
    s.close()
    contents = []
    for b in st.list_backups(path):
        bs, data = EncryptedStore.open(b.path, passphrase=PW, lock=False)
        bs.close()
        contents.append(data)
    for n, state in enumerate(states[:-1]):  # the newest state is the file itself
        assert state in contents, f"state {n} after the restore has no backup"
    assert gen_after_restore == 13 and gen_at_end == 16  # above every generation in use, never back to 5
    assert {"so.g000013.cnscd", "so.g000014.cnscd", "so.g000015.cnscd", "so.r000012.cnscd"} <= {
        f.name for f in folder.iterdir()}
    for name, data in old.items():  # old backups are never overwritten (rotation may drop the oldest)
        if (folder / name).exists():
            assert (folder / name).read_bytes() == data, name


def test_day_copies_are_rotated_by_generation_not_by_clock(made, monkeypatch):
    """A clock reset to 2000 keeps its new daily copies; a future-dated copy ages out."""
    import datetime as dt

    path, _ = made
    folder = st.backup_dir(path)
    s, _ = EncryptedStore.open(path, passphrase=PW)
    when = [dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)]
    monkeypatch.setattr(st, "_now", lambda: when[0].isoformat())

    def save(t: dt.datetime, i: int) -> None:
        when[0] = t
        s.save(payload(i))
        s._wait_rotation()

    def day_gens() -> list[int]:
        return sorted(b.generation for b in st.list_backups(path) if b.kind == "day")

    for i in range(35):
        save(dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC) + dt.timedelta(days=i), i)
    save(dt.datetime(2099, 6, 1, 8, tzinfo=dt.UTC), 35)  # the clock jumps ahead once
    for i in range(40):  # then the CMOS battery dies: the clock restarts in 2000
        save(dt.datetime(2000, 1, 1, 8, tzinfo=dt.UTC) + dt.timedelta(days=i), 36 + i)
        if i:
            assert day_gens()[-1] == s.generation - 1, "the new daily copy is kept"
    s._rotate()
    s.close()
    days = [f.name for f in folder.glob("so.d*.cnscd")]
    assert len(days) == st.DAYS_KEEP
    assert all("-2000-" in name for name in days), sorted(days)
    assert not any("-2099-" in name for name in days)
    assert day_gens()[-1] == s.generation - 1


def test_file_of_a_newer_minor_opens_and_the_minor_is_authenticated(tmp_path, monkeypatch):
    path = tmp_path / "so.cnscd"
    major = st.FORMAT_MAJOR
    monkeypatch.setattr(st, "FORMAT_MINOR", 3)  # written by a <major>.3 program
    EncryptedStore.create(path, PW, payload(0), schema_version=2, kdf=FAST)[0].close()
    monkeypatch.setattr(st, "FORMAT_MINOR", 0)  # read by this <major>.0 program
    assert struct.unpack_from(">HH", path.read_bytes(), 8) == (major, 3)
    s, data = EncryptedStore.open(path, passphrase=PW)
    assert MARKER in data
    s.change_passphrase("mat-khau-moi-3")  # a re-key writes a new file, in this program's format
    s.close()
    assert struct.unpack_from(">HH", path.read_bytes(), 8) == (major, 0)
    s, _ = EncryptedStore.open(path, passphrase="mat-khau-moi-3")
    s.save(payload(1))  # a save writes this program's format
    s.close()
    orig = path.read_bytes()
    assert struct.unpack_from(">HH", orig, 8) == (major, 0)
    EncryptedStore.open(path, passphrase="mat-khau-moi-3")[0].close()
    for minor in (1, 3, 0xFFFF):  # an edit of the minor, checksum recomputed: damage, not a newer file
        body = bytearray(orig[:-32])
        body[10:12] = struct.pack(">H", minor)
        path.write_bytes(reseal(bytes(body)))
        with pytest.raises(DamagedFile) as e:
            EncryptedStore.open(path, passphrase="mat-khau-moi-3")
        assert "bị sửa" in e.value.message and not isinstance(e.value, UnsupportedVersion)


def test_a_backup_name_taken_by_another_file_is_neither_overwritten_nor_skipped(made):
    path, _ = made
    folder = st.backup_dir(path)
    s, _ = EncryptedStore.open(path, passphrase=PW)
    current = path.read_bytes()  # generation 2
    stranger = folder / "so.g000002.cnscd"
    stranger.write_bytes(b"a file copied here by hand")
    s.save(payload(7))
    assert stranger.read_bytes() == b"a file copied here by hand"
    alt = folder / "so.g000002.1.cnscd"
    assert alt.read_bytes() == current
    assert any(b.path == alt and b.generation == 2 and b.kind == "gen" for b in st.list_backups(path))
    # the same bytes already there (a save that crashed after the link) need no second copy
    os.link(path, folder / "so.g000003.cnscd")
    s.save(payload(8))
    s.close()
    assert not (folder / "so.g000003.1.cnscd").exists()
    EncryptedStore.open(alt, passphrase=PW, lock=False)[0].close()


# ---------------------------------------------------------------------------
# Files larger than one chunk (the payload is encrypted, decrypted and checksummed
# CHUNK bytes at a time); the quick backup listing
# ---------------------------------------------------------------------------
BIG = 2 * st.fmt.CHUNK + 12_345  # three chunks, the last one short


def big_payload(i: int = 0) -> bytes:
    return payload(i) + os.urandom(BIG)


def test_a_sealed_file_is_byte_for_byte_the_format(tmp_path):
    """The chunked writer gives exactly prefix ‖ header ‖ nonce ‖ AES-GCM(payload) ‖ trailer."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    fmt = st.fmt
    key, nonce = AESGCM.generate_key(bit_length=256), os.urandom(12)
    header = {"file_id": "abc", "generation": 3, "saved_at": "2026-12-01T00:00:00+00:00", "app_version": "0.1.0",
              "schema_version": 3, "payload_len": BIG, "slots": []}
    for data in (b"", b"x", os.urandom(fmt.CHUNK), big_payload(1)):
        parts: list[bytes] = []
        fmt.seal(lambda p, parts=parts: parts.append(bytes(p)), header, key, nonce, data, (2, 0))  # buffer reused
        ct = AESGCM(key).encrypt(nonce, data, fmt.payload_aad(header, 2, 0))
        assert b"".join(parts) == b"".join(fmt.file_parts(header, nonce, ct, (2, 0)))


def test_a_file_of_several_chunks_round_trips_and_a_flip_in_any_chunk_is_damage(tmp_path):
    path = tmp_path / "lon.cnscd"
    content = big_payload(1)
    s, _ = EncryptedStore.create(path, PW, payload(0), schema_version=2, kdf=FAST)
    s.save(content)
    s.close()
    s, data = EncryptedStore.open(path, passphrase=PW)
    s.close()
    assert isinstance(data, bytearray) and data == content
    assert st.parse(path.read_bytes(), path.name).header["payload_len"] == len(content)
    good = path.read_bytes()
    hlen = struct.unpack_from(">I", good, 12)[0]
    ct0 = 16 + hlen + 12
    for off in (ct0, ct0 + st.fmt.CHUNK - 1, ct0 + st.fmt.CHUNK, ct0 + 2 * st.fmt.CHUNK + 7, len(good) - 40):
        bad = bytearray(good)
        bad[off] ^= 0x80
        path.write_bytes(bytes(bad))
        with pytest.raises(DamagedFile) as e:
            EncryptedStore.open(path, passphrase=PW)
        assert "không khớp mã kiểm tra" in e.value.message
        with pytest.raises(DamagedFile):
            st.check_file(path)
        assert st.check_file(path, verify=False)["generation"] == 2  # the header alone reads
        path.write_bytes(reseal(bytes(bad[:-32])))  # a forger's checksum: the GCM tag still says no
        with pytest.raises(DamagedFile) as e:
            EncryptedStore.open(path, passphrase=PW)
        assert "không khớp mã xác thực" in e.value.message
    path.write_bytes(good)
    assert st.check_file(path)["generation"] == 2


@pytest.mark.parametrize("region", ["magic", "major", "header_len", "header_generation", "nonce", "ciphertext",
                                    "gcm_tag", "trailer"])
def test_the_streamed_check_agrees_with_reading_the_whole_file(made, region):
    path, _ = made
    data = bytearray(path.read_bytes())
    data[regions(bytes(data))[region]] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(DamagedFile) as whole:
        st.parse(bytes(data), path.name)
    with pytest.raises(DamagedFile) as streamed:
        st.check_file(path)
    assert type(streamed.value) is type(whole.value) and streamed.value.message == whole.value.message


def test_the_quick_backup_listing_reads_names_and_headers_only(made, monkeypatch):
    path, _ = made
    s, _ = EncryptedStore.open(path, passphrase=PW)
    try:
        for i in range(4):
            s.save(payload(10 + i))
        full = s.list_backups()
        assert s.verify_backups() == full and all(b.ok and b.verified for b in full)
        quick = s.list_backups(verify=False)
        assert [(b.path, b.generation, b.saved_at, b.kind) for b in quick] == \
               [(b.path, b.generation, b.saved_at, b.kind) for b in full]
        assert all(b.ok and not b.verified for b in quick)
        damaged, cut = full[0].path, full[1].path
        data = bytearray(damaged.read_bytes())
        data[-40] ^= 0xFF  # in the ciphertext: only reading it all finds it
        damaged.write_bytes(bytes(data))
        cut.write_bytes(cut.read_bytes()[:20])  # no header left: the quick listing sees it too
        read = []
        real_read = st.fmt._stream_checksum
        monkeypatch.setattr(st.fmt, "_stream_checksum", lambda *a: read.append(a) or real_read(*a))
        quick = {b.path: b for b in s.list_backups(verify=False)}
        assert read == [], "no checksum read for the quick listing"
        assert quick[damaged].ok and not quick[cut].ok
        checked = {b.path: b for b in s.verify_backups()}
        assert not checked[damaged].ok and not checked[cut].ok and checked[full[2].path].ok
        assert any("bị hỏng" in p for p in s.backup_problems())
    finally:
        s.close()
