"""The store's trust defects (issue 12): each test failed on the code before its fix.

Symlinked paths, a full disk under the lock, re-keying on a passphrase change and a
renewable recovery key, a lock file that is a link, read-only media, hostile header
edits, a backup folder that is a file, permissions, passphrase normalisation and the
test-only fast KDF, and a save after the file was replaced by a folder.
"""

from __future__ import annotations

import base64
import errno
import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from models import services
from models import store as st
from models import store_format as fmt
from models.db import Registry
from models.store import (
    AlreadyOpen,
    DamagedFile,
    EncryptedStore,
    KdfParams,
    SaveFailed,
    WrongSecret,
)

from .conftest import PASS

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


def rewrite_header(path: Path, edit=None, raw: bytes | None = None) -> None:
    """Change the header (``edit(header)`` or raw bytes) and recompute the checksum, as a forger would."""
    data = path.read_bytes()
    major, minor, hlen = struct.unpack_from(">HHI", data, 8)
    if raw is None:
        header = json.loads(data[16:16 + hlen])
        edit(header)
        raw = fmt.canon(header)
    body = data[:8] + struct.pack(">HHI", major, minor, len(raw)) + raw + data[16 + hlen:-32]
    path.write_bytes(body + st._trailer(body[:16], raw, body[16 + len(raw):28 + len(raw)], body[28 + len(raw):]))


def assert_damaged(path: Path, **secret) -> DamagedFile:
    with pytest.raises(DamagedFile) as e:
        EncryptedStore.open(path, **(secret or {"passphrase": PW}))
    assert not isinstance(e.value, WrongSecret) and e.value.exit_code == 4
    assert "hỏng" in e.value.message
    return e.value


# ---------------------------------------------------------------------------
# 1. A symlinked registry path: one lock, one file
# ---------------------------------------------------------------------------
def test_opened_through_a_symlink_the_real_file_is_locked_and_saved(made):
    path, _ = made
    link = path.with_name("loi-tat.cnscd")
    link.symlink_to(path)
    s, _ = EncryptedStore.open(link, passphrase=PW)
    with pytest.raises(AlreadyOpen):
        EncryptedStore.open(path, passphrase=PW)
    s.save(payload(5))
    s.close()
    assert link.is_symlink() and link.resolve() == path, "the link is still a link to the real file"
    s, data = EncryptedStore.open(path, passphrase=PW)
    s.close()
    assert "phiên bản 5".encode() in data
    assert not link.with_name(link.name + ".backups").exists(), "backups beside the real file only"


def test_two_registries_one_through_a_link_the_second_is_refused(tmp_path):
    real = tmp_path / "that" / "so.cnscd"
    reg, _ = Registry.create(real, PASS, province="Hải Phòng", commune="Trần Hưng Đạo")
    reg.close()
    link = tmp_path / "so-link.cnscd"
    link.symlink_to(real)
    first = Registry.open(link, passphrase=PASS)
    try:
        with pytest.raises(AlreadyOpen):
            Registry.open(real, passphrase=PASS)
    finally:
        first.close()


# ---------------------------------------------------------------------------
# 5. A full disk when the lock file is written
# ---------------------------------------------------------------------------
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_lock_on_a_full_disk_is_a_save_failure_and_lets_go_of_the_descriptor(made, monkeypatch):
    path, _ = made
    fds = set(os.listdir("/proc/self/fd"))

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(os, "write", full)
        with pytest.raises(SaveFailed) as e:
            EncryptedStore.open(path, passphrase=PW)
    assert e.value.exit_code == 6 and "ổ đĩa đã đầy" in e.value.message and "tệp khóa" in e.value.message
    assert set(os.listdir("/proc/self/fd")) == fds, "no descriptor leaked"
    EncryptedStore.open(path, passphrase=PW)[0].close()  # and nothing holds the lock


# ---------------------------------------------------------------------------
# 8. Re-keying; renewing the recovery key
# ---------------------------------------------------------------------------
def _data_key(path: Path, **secret) -> bytes:
    s, _ = EncryptedStore.open(path, lock=False, **secret)
    try:
        return bytes(s._key)
    finally:
        s.close()


def _decrypts(key: bytes, path: Path) -> bool:
    p = fmt.parse(path.read_bytes(), path.name)
    try:
        AESGCM(key).decrypt(p.nonce, p.ciphertext, fmt.payload_aad(p.header, p.major, p.minor))
        return True
    except InvalidTag:
        return False


def test_renewing_the_recovery_key_retires_the_old_one(made):
    path, old_rk = made
    old_copy = path.with_name("ban-cu.cnscd")
    shutil.copyfile(path, old_copy)
    s, before = EncryptedStore.open(path, passphrase=PW)
    with pytest.raises(WrongSecret):
        s.renew_recovery_key("sai-mat-khau")
    new_rk = s.renew_recovery_key(PW)
    s.close()
    assert new_rk != old_rk and len(new_rk.split("-")) == 5
    with pytest.raises(WrongSecret):
        EncryptedStore.open(path, recovery_key=old_rk)
    s, data = EncryptedStore.open(path, recovery_key=new_rk)
    s.close()
    assert data == before
    EncryptedStore.open(path, passphrase=PW)[0].close()
    assert not _decrypts(_data_key(old_copy, recovery_key=old_rk), path), "the data was re-keyed too"


def test_registry_passphrase_change_and_recovery_renewal(reg, db_path):
    services.add_village(reg, name="Đông Lợi")
    assert reg.change_passphrase("mat-khau-moi-cua-to") is None  # the recovery key is kept
    rk = reg.renew_recovery_key("mat-khau-moi-cua-to")
    reg.close()
    again = Registry.open(db_path, recovery_key=rk)
    try:
        assert [v.name for v in services.list_villages(again)] == ["Đông Lợi"]
    finally:
        again.close()


def _format1_file(path: Path, passphrase: str, data: bytes) -> str:
    """A file as format 1.0 wrote it: slots bound to file_id, recovery by HKDF. Returns its recovery key."""
    data_key, file_id = os.urandom(32), base64.b64encode(os.urandom(16)).decode()
    rk = fmt.generate_recovery_key()

    def seal(slot, kek):
        nonce = os.urandom(12)
        aad = file_id.encode() + fmt.canon(slot)
        return dict(slot, nonce=fmt.b64(nonce), wrapped=fmt.b64(AESGCM(kek).encrypt(nonce, data_key, aad)))

    salt, rsalt = os.urandom(16), os.urandom(16)
    kek = fmt.argon2(passphrase.encode(), salt, FAST)
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    rkek = HKDF(hashes.SHA256(), 32, rsalt, b"cnscd recovery v1").derive(fmt.normalise_recovery_key(rk).encode())
    header = {"app_version": "0.1.0", "file_id": file_id, "generation": 1, "payload_len": len(data),
              "saved_at": "2026-01-05T08:00:00+00:00", "schema_version": 2, "slots": [
                  seal({"kind": "passphrase", "kdf": {"alg": "argon2id", "m_kib": 1024, "t": 1, "p": 1,
                                                      "salt": fmt.b64(salt)}}, kek),
                  seal({"kind": "recovery", "kdf": {"alg": "hkdf-sha256", "salt": fmt.b64(rsalt)}}, rkek)]}
    nonce = os.urandom(12)
    ct = AESGCM(data_key).encrypt(nonce, data, fmt.payload_aad(header, 1, 0))
    path.write_bytes(b"".join(fmt.file_parts(header, nonce, ct, (1, 0))))
    return rk


def test_format_1_files_open_and_their_recovery_key_survives_a_passphrase_change(tmp_path):
    path = tmp_path / "cu.cnscd"
    rk = _format1_file(path, PW, payload(1))
    s, data = EncryptedStore.open(path, passphrase=PW)
    assert s.change_passphrase("mat-khau-moi-2") is None  # old recovery slot: the data key is kept for it
    s.close()
    EncryptedStore.open(path, recovery_key=rk)[0].close()
    s, _ = EncryptedStore.open(path, passphrase="mat-khau-moi-2")
    new_rk = s.change_passphrase("mat-khau-moi-3", allow_new_recovery_key=True)  # re-key, new recovery key
    s.close()
    assert new_rk
    with pytest.raises(WrongSecret):
        EncryptedStore.open(path, recovery_key=rk)
    EncryptedStore.open(path, recovery_key=new_rk)[0].close()

    path2 = tmp_path / "cu2.cnscd"
    rk2 = _format1_file(path2, PW, payload(2))
    old_key = _data_key(path2, passphrase=PW)
    s, _ = EncryptedStore.open(path2, recovery_key=rk2)  # opened with the recovery key: it can be carried
    assert s.change_passphrase("mat-khau-moi-4") is None
    s.close()
    assert not _decrypts(old_key, path2)
    EncryptedStore.open(path2, recovery_key=rk2)[0].close()
    EncryptedStore.open(path2, passphrase="mat-khau-moi-4")[0].close()


# ---------------------------------------------------------------------------
# 9. The lock file must not be a link
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["symlink", "dangling-symlink", "hard-link"])
def test_a_lock_file_that_is_a_link_is_refused_and_its_target_untouched(made, how):
    path, _ = made
    victim = path.with_name("victim.txt")
    lock = Path(str(path) + ".lock")
    lock.unlink(missing_ok=True)
    if how == "symlink":
        victim.write_text("dữ liệu quan trọng")
        lock.symlink_to(victim)
    elif how == "dangling-symlink":
        lock.symlink_to(victim)
    else:
        victim.write_text("dữ liệu quan trọng")
        os.link(victim, lock)
    with pytest.raises(SaveFailed) as e:
        EncryptedStore.open(path, passphrase=PW)
    assert "liên kết" in e.value.message and "lock" in e.value.message
    if how == "dangling-symlink":
        assert not victim.exists()
    else:
        assert victim.read_text() == "dữ liệu quan trọng"


# ---------------------------------------------------------------------------
# 10. Read-only media
# ---------------------------------------------------------------------------
def test_read_only_open_reads_everything_and_refuses_writes(reg, db_path):
    services.add_village(reg, name="An Lợi")
    reg.close()
    Path(str(db_path) + ".lock").unlink()
    junk = db_path.with_name(db_path.name + ".abcd1234.tmp")
    junk.write_bytes(b"x")
    before = db_path.read_bytes()
    ro = Registry.open(db_path, passphrase=PASS, read_only=True)
    try:
        assert ro.read_only and "xem" in ro.read_only_reason
        assert ro.integrity_check() == "ok"
        assert [v.name for v in services.list_villages(ro)] == ["An Lợi"]
        with pytest.raises(SaveFailed) as e:
            services.add_village(ro, name="Hưng Thịnh")
        assert e.value.exit_code == 6 and "chỉ đọc" in e.value.message
        for write in (lambda: ro.change_passphrase("mat-khau-moi-x"), ro.store.backup_now):
            with pytest.raises(SaveFailed):
                write()
        assert db_path.read_bytes() == before and junk.exists(), "nothing written, nothing removed"
        assert not Path(str(db_path) + ".lock").exists()
        other = Registry.open(db_path, passphrase=PASS)  # it holds no lock
        other.close()
    finally:
        ro.close()


def test_read_only_chosen_automatically_when_the_folder_cannot_be_written(reg, db_path, monkeypatch):
    reg.close()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **k: False if mode == os.W_OK else real_access(p, mode, **k))
    ro = Registry.open(db_path, passphrase=PASS, read_only=None)
    try:
        assert ro.read_only and "không ghi được" in ro.read_only_reason
        assert services.list_villages(ro) == []
    finally:
        ro.close()


@pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0, reason="needs a read-only bind mount (root)")
def test_a_registry_on_a_read_only_mount_opens_for_reading(tmp_path):
    src, mnt = tmp_path / "usb", tmp_path / "mnt"
    src.mkdir()
    mnt.mkdir()
    r, _ = Registry.create(src / "so.cnscd", PASS, province="Hải Phòng", commune="Trần Hưng Đạo")
    services.add_village(r, name="Đông Lợi")
    r.close()
    (src / "so.cnscd.lock").unlink()
    if subprocess.run(["mount", "--bind", str(src), str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot bind-mount here")
    try:
        if subprocess.run(["mount", "-o", "remount,ro,bind", str(mnt)], capture_output=True).returncode:
            pytest.skip("cannot remount read-only here")
        with pytest.raises(SaveFailed):  # the old way: it needs a lock file
            Registry.open(mnt / "so.cnscd", passphrase=PASS)
        ro = Registry.open(mnt / "so.cnscd", passphrase=PASS, read_only=None)
        try:
            assert ro.read_only and [v.name for v in services.list_villages(ro)] == ["Đông Lợi"]
            with pytest.raises(SaveFailed) as e:
                services.add_village(ro, name="Tây Lợi")
            assert "chỉ đọc" in e.value.message
        finally:
            ro.close()
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


# ---------------------------------------------------------------------------
# 11. Header edits with a recomputed checksum are damage, quickly
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("file_id", [12345, None, ["x"], "Ắ-không-phải-ASCII", "", "x" * 100])
def test_a_file_id_of_the_wrong_kind_is_damage(made, file_id):
    path, _ = made
    rewrite_header(path, lambda h: h.__setitem__("file_id", file_id))
    assert_damaged(path)


def test_an_edited_file_id_is_damage_not_a_wrong_passphrase(made):
    path, key = made

    def edit(h):
        fid = h["file_id"]
        h["file_id"] = ("B" if fid[0] != "B" else "C") + fid[1:]

    rewrite_header(path, edit)
    assert "bị sửa" in assert_damaged(path).message
    assert_damaged(path, recovery_key=key)


@pytest.mark.parametrize("raw", [b'{"a":' + b"[" * 60_000, b"[" * 60_000 + b"]" * 5_000,
                                 b'{"slots":[{"kdf":' + b'{"a":' * 20 + b"1" + b"}" * 20 + b"}]}"])
def test_deeply_nested_headers_are_damage_and_do_not_break_verify(made, raw):
    path, _ = made
    bad = path.with_name("hong.cnscd")
    shutil.copyfile(path, bad)
    rewrite_header(bad, raw=raw)
    assert_damaged(bad)
    # the same file among the backups of a healthy registry: listing and verify still work
    folder = st.backup_dir(path)
    shutil.copyfile(bad, folder / "so.g000099.cnscd")
    s, _ = EncryptedStore.open(path, passphrase=PW)
    try:
        listed = {b.path.name: b for b in s.list_backups()}
        assert not listed["so.g000099.cnscd"].ok
        assert any("so.g000099.cnscd" in p for p in s.backup_problems())
    finally:
        s.close()


def test_many_costly_key_slots_are_damage_before_any_derivation(made, monkeypatch):
    path, _ = made
    big = []

    def spy(secret, salt, kdf):
        if kdf.m_kib * kdf.t > FAST.m_kib * FAST.t:
            big.append(kdf)
            return os.urandom(32)
        return real(secret, salt, kdf)

    real = fmt.argon2
    monkeypatch.setattr(fmt, "argon2", spy)
    monkeypatch.setattr(st, "_argon2", spy, raising=False)  # where the code before the fix had it

    def add_fakes(h):
        fake = {"kind": "passphrase", "kdf": {"alg": "argon2id", "m_kib": fmt.KDF_MAX_M_KIB, "t": fmt.KDF_MAX_T,
                                              "p": 1, "salt": fmt.b64(os.urandom(16))},
                "nonce": fmt.b64(os.urandom(12)), "wrapped": fmt.b64(os.urandom(48))}
        h["slots"] = [dict(fake) for _ in range(3)] + h["slots"]

    rewrite_header(path, add_fakes)
    assert "vượt giới hạn" in assert_damaged(path).message
    assert big == [], "no derivation at the fake slots' cost"


def test_too_many_slots_or_slots_of_the_wrong_shape_are_damage(made):
    path, _ = made
    orig = path.read_bytes()
    for edit in (lambda h: h["slots"].extend([{"kind": "x"}] * 9),
                 lambda h: h["slots"][0].__setitem__("kdf", "argon2id"),
                 lambda h: h["slots"][0]["kdf"].__setitem__("m_kib", "65536")):
        path.write_bytes(orig)
        rewrite_header(path, edit)
        assert_damaged(path)


# ---------------------------------------------------------------------------
# 12. A file where the backup folder should be
# ---------------------------------------------------------------------------
def test_a_file_named_like_the_backup_folder_is_reported_once_and_by_verify(made):
    path, _ = made
    folder = st.backup_dir(path)
    shutil.rmtree(folder)
    folder.write_text("không phải thư mục")
    s, _ = EncryptedStore.open(path, passphrase=PW)
    try:
        s.save(payload(3))  # the save itself goes on
        notices = s.take_notices()
        assert len(notices) == 1 and "KHÔNG có bản sao lưu" in notices[0] and folder.name in notices[0]
        s.save(payload(4))
        assert s.take_notices() == [], "said once"
        assert any("không phải thư mục" in p for p in s.backup_problems())
    finally:
        s.close()
    assert st.backup_problems(path)
    s, data = EncryptedStore.open(path, passphrase=PW)
    s.close()
    assert "phiên bản 4".encode() in data


# ---------------------------------------------------------------------------
# 13. Permissions
# ---------------------------------------------------------------------------
@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_every_file_the_store_writes_is_0600_and_every_folder_0700(tmp_path, monkeypatch):
    old = os.umask(0o022)
    try:
        reg, _ = Registry.create(tmp_path / "du-lieu" / "so.cnscd", PASS, province="Hải Phòng", commune="Lê Lợi")
        services.add_village(reg, name="Đông Lợi")
        reg.store.backup_now()
        with monkeypatch.context() as m:  # a file system without hard links: backups are copies
            m.setattr(os, "link", lambda *a, **k: (_ for _ in ()).throw(OSError(errno.EPERM, "no links")))
            services.add_village(reg, name="Tây Lợi")
        reg.close()
        folder = st.backup_dir(reg.path)
        os.chmod(folder, 0o755)  # a folder made by an older version
        reg = Registry.open(reg.path, passphrase=PASS)
        services.add_village(reg, name="Nam Lợi")
        reg.close()
    finally:
        os.umask(old)
    modes = {str(p.relative_to(tmp_path)): stat.S_IMODE(p.stat().st_mode) for p in tmp_path.rglob("*")}
    assert modes.pop("du-lieu") == 0o700
    assert modes.pop("du-lieu/so.cnscd.backups") == 0o700
    assert modes and all(m == 0o600 for m in modes.values()), {k: oct(v) for k, v in modes.items()}


# ---------------------------------------------------------------------------
# 14. Passphrases: NFC and NFD; the fast KDF only in tests; passwd never weakens
# ---------------------------------------------------------------------------
VN = "Mật khẩu Tổ CNSCĐ Hải Phòng"


@pytest.mark.parametrize("made_with", ["NFC", "NFD"])
def test_a_passphrase_opens_typed_with_composed_or_combining_accents(tmp_path, made_with):
    path = tmp_path / "so.cnscd"
    EncryptedStore.create(path, unicodedata.normalize(made_with, VN), payload(0), schema_version=2)[0].close()
    for typed in ("NFC", "NFD"):
        s, _ = EncryptedStore.open(path, passphrase=unicodedata.normalize(typed, VN))
        assert s.verify_passphrase(unicodedata.normalize(typed, VN))
        s.close()
    s, _ = EncryptedStore.open(path, passphrase=VN)
    s.change_passphrase(unicodedata.normalize("NFD", VN + " mới"))
    s.close()
    EncryptedStore.open(path, passphrase=unicodedata.normalize("NFC", VN + " mới"))[0].close()


def test_a_file_made_before_normalisation_with_an_nfd_passphrase_opens_with_nfc(tmp_path, monkeypatch):
    path = tmp_path / "so.cnscd"
    with monkeypatch.context() as m:  # as the code before NFC wrote it: the bytes as typed
        m.setattr(st, "normalise_passphrase", lambda p: p)
        EncryptedStore.create(path, unicodedata.normalize("NFD", VN), payload(0), schema_version=2)[0].close()
    EncryptedStore.open(path, passphrase=unicodedata.normalize("NFC", VN))[0].close()


def test_the_fast_kdf_is_out_of_reach_of_a_users_environment(monkeypatch):
    monkeypatch.setenv("CNSCD_KDF", "fast")
    assert st.default_kdf() == FAST  # inside a test
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    assert st.default_kdf() == KdfParams(65536, 14, 2)
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    out = subprocess.run([sys.executable, "-c", "from models.store import default_kdf; print(default_kdf().m_kib)"],
                         capture_output=True, text=True, env=env, cwd=Path(__file__).parent.parent, check=True)
    assert out.stdout.strip() == "65536"


def test_a_passphrase_change_never_weakens_the_slot(tmp_path):
    path = tmp_path / "so.cnscd"
    strong = KdfParams(4096, 3, 2)
    EncryptedStore.create(path, PW, payload(0), schema_version=2, kdf=strong)[0].close()
    s, _ = EncryptedStore.open(path, passphrase=PW)
    s.change_passphrase("mat-khau-moi-2")  # CNSCD_KDF=fast is set for the tests
    s.close()
    slot = next(x for x in st.check_file(path)["slots"] if x["kind"] == "passphrase")
    assert (slot["kdf"]["m_kib"], slot["kdf"]["t"], slot["kdf"]["p"]) == (4096, 3, 2)


# ---------------------------------------------------------------------------
# 16. A save after the file was replaced by a folder says what is true
# ---------------------------------------------------------------------------
def test_a_save_after_the_file_became_a_folder_does_not_call_it_intact(made):
    path, _ = made
    s, _ = EncryptedStore.open(path, passphrase=PW)
    try:
        path.unlink()
        path.mkdir()
        with pytest.raises(SaveFailed) as e:
            s.save(payload(9))
        assert "vẫn nguyên vẹn" not in e.value.message
        assert "thư mục" in e.value.message and "chưa được ghi" in e.value.message
    finally:
        s.close()


def test_a_failed_save_of_an_intact_file_still_says_so(made, monkeypatch):
    path, _ = made
    s, _ = EncryptedStore.open(path, passphrase=PW)
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
    with pytest.raises(SaveFailed) as e:
        s.save(payload(9))
    monkeypatch.undo()
    s.close()
    assert "vẫn nguyên vẹn" in e.value.message


def test_a_read_only_open_of_an_older_schema_upgrades_in_memory_only(tmp_path):
    import sqlite3

    from models import migrations
    from models.schema import SCHEMA_VERSION

    conn = sqlite3.connect(":memory:")
    conn.executescript(migrations.V1_DDL)
    path = tmp_path / "v1.cnscd"
    EncryptedStore.create(path, PASS, conn.serialize(), schema_version=1)[0].close()
    before = path.read_bytes()
    ro = Registry.open(path, passphrase=PASS, read_only=True)
    try:
        assert ro.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert ro.migrated_from is None and services.list_villages(ro) == []
    finally:
        ro.close()
    assert path.read_bytes() == before


def test_a_path_without_links_is_kept_as_given(made, monkeypatch):
    path, _ = made
    monkeypatch.chdir(path.parent)
    s, _ = EncryptedStore.open(Path(path.name), passphrase=PW)
    s.close()
    assert s.path == Path(path.name), "the settings page shows the name the clerk gave"
