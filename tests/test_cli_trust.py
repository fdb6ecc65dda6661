"""The command line's side of the trust work (issue 12, issue 15 item 5): passphrase changes
re-key, a renewable recovery key, read-only media, backup problems and save notices said,
weak passphrases refused, restore with the recovery key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models.passphrase import check_new_passphrase

from .conftest import PASS
from .test_cli import run

NEW = "mây-trắng-bay-qua"


@pytest.fixture
def made(tmp_path, monkeypatch, capsys):
    db = tmp_path / "so" / "so.cnscd"
    code, out, err = run(["init", "--db", str(db), "--province", "Thành phố Hải Phòng", "--commune", "Trần Hưng Đạo",
                          "--commune-kind", "phường"], monkeypatch, capsys, env={"CNSCD_PASSPHRASE": PASS})
    assert code == 0, err
    key = next(line.strip() for line in out.splitlines() if line.startswith("    "))
    return db, key


def _verify(db, monkeypatch, capsys, passphrase=PASS) -> int:
    code, _, _ = run(["verify", "--db", str(db)], monkeypatch, capsys, env={"CNSCD_PASSPHRASE": passphrase})
    return code


def _recover_ok(db, key, monkeypatch, capsys, new="mat-khau-thu-nam") -> int:
    code, _, _ = run(["recover", "--db", str(db), "--passphrase-stdin"], monkeypatch, capsys,
                     stdin=f"{key}\n{new}\n")
    return code


# ---------------------------------------------------------------------------
# passwd re-keys; recovery-key --renew
# ---------------------------------------------------------------------------
def test_passwd_rekeys_and_an_old_copy_with_the_old_passphrase_does_not_open_the_new_file(made, tmp_path,
                                                                                           monkeypatch, capsys):
    from models.store import EncryptedStore

    db, key = made
    old_copy = db.read_bytes()
    code, out, err = run(["passwd", "--db", str(db), "--passphrase-stdin"], monkeypatch, capsys,
                         stdin=f"{PASS}\n{NEW}\n")
    assert code == 0, err
    assert "Khóa khôi phục vẫn dùng được" in out and "mật khẩu cũ" in out
    # the data key changed: the old copy's key does not decrypt the current file
    st_old, _ = EncryptedStore.open(_write(tmp_path / "cu.cnscd", old_copy), passphrase=PASS, lock=False)
    st_new, _ = EncryptedStore.open(db, passphrase=NEW, lock=False)
    try:
        assert bytes(st_old._key) != bytes(st_new._key)
    finally:
        st_old.close()
        st_new.close()
    assert _verify(db, monkeypatch, capsys) == 3 and _verify(db, monkeypatch, capsys, NEW) == 0
    assert _recover_ok(db, key, monkeypatch, capsys) == 0  # the recovery key was carried over


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_passwd_prints_a_new_recovery_key_when_the_store_issues_one(made, monkeypatch, capsys):
    from models.db import Registry

    db, _ = made
    seen = {}

    def change(self, new, *, allow_new_recovery_key=False):
        seen["allow"] = allow_new_recovery_key
        return "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ"

    monkeypatch.setattr(Registry, "change_passphrase", change)
    code, out, err = run(["passwd", "--db", str(db), "--passphrase-stdin"], monkeypatch, capsys,
                         stdin=f"{PASS}\n{NEW}\n")
    assert code == 0, err
    assert seen["allow"] is True
    assert "    ABCD-EFGH-JKLM-NPQR-STUV-WXYZ" in out and "KHÓA KHÔI PHỤC" in out
    assert "Khóa khôi phục cũ không còn mở được sổ hiện tại" in out


def test_recovery_key_renew_retires_the_old_key_and_old_backups_keep_it(made, tmp_path, monkeypatch, capsys):
    db, old_key = made
    usb = tmp_path / "usb"
    usb.mkdir()
    assert run(["backup", "--db", str(db), "--to", str(usb)], monkeypatch, capsys,
               env={"CNSCD_PASSPHRASE": PASS})[0] == 0
    [backup] = list(usb.iterdir())
    code, out, err = run(["recovery-key", "--db", str(db)], monkeypatch, capsys, env={"CNSCD_PASSPHRASE": PASS})
    assert code == 2 and "--renew" in err
    code, out, err = run(["recovery-key", "--renew", "--db", str(db)], monkeypatch, capsys,
                         env={"CNSCD_PASSPHRASE": "sai-mat-khau-roi"})
    assert code == 3
    code, out, err = run(["recovery-key", "--renew", "--db", str(db)], monkeypatch, capsys,
                         env={"CNSCD_PASSPHRASE": PASS})
    assert code == 0, err
    new_key = next(line.strip() for line in out.splitlines() if line.startswith("    "))
    assert new_key != old_key and out.count(new_key) == 1
    assert ("Khóa khôi phục cũ không còn mở được sổ hiện tại; các bản sao lưu cũ vẫn mở bằng khóa cũ" in out)
    assert _recover_ok(db, old_key, monkeypatch, capsys) == 3
    assert _recover_ok(db, new_key, monkeypatch, capsys) == 0
    # the backup made before still opens with the old key (restore into a new path)
    target = tmp_path / "khoi-phuc" / "so.cnscd"
    target.parent.mkdir()
    code, out, err = run(["restore", str(backup), "--db", str(target), "--recovery-key-stdin"], monkeypatch, capsys,
                         stdin=f"{old_key}\n")
    assert code == 0, err


# ---------------------------------------------------------------------------
# restore: the passphrase the backup was made with, or the recovery key
# ---------------------------------------------------------------------------
def test_restore_of_a_backup_made_before_a_passphrase_change(made, tmp_path, monkeypatch, capsys):
    db, key = made
    usb = tmp_path / "usb"
    usb.mkdir()
    run(["backup", "--db", str(db), "--to", str(usb)], monkeypatch, capsys, env={"CNSCD_PASSPHRASE": PASS})
    [backup] = list(usb.iterdir())
    assert run(["passwd", "--db", str(db), "--passphrase-stdin"], monkeypatch, capsys,
               stdin=f"{PASS}\n{NEW}\n")[0] == 0
    # today's passphrase does not open the older backup: say why, and what does
    code, out, err = run(["restore", str(backup), "--db", str(db)], monkeypatch, capsys,
                         env={"CNSCD_PASSPHRASE": NEW})
    assert code == 3
    assert "mật khẩu đang dùng lúc tạo ra nó" in err and "khóa khôi phục" in err and "CNSCD_RECOVERY_KEY" in err
    # CNSCD_RECOVERY_KEY (used to be ignored by restore) opens it
    monkeypatch.delenv("CNSCD_PASSPHRASE")
    code, out, err = run(["restore", str(backup), "--db", str(db)], monkeypatch, capsys,
                         env={"CNSCD_RECOVERY_KEY": key})
    assert code == 0, err
    assert "Bản đang dùng trước đó được giữ lại" in out and "cnscd recover" in out
    assert _verify(db, monkeypatch, capsys) == 0  # the restored file has the backup's passphrase
    # a wrong key says which key opens a backup
    monkeypatch.delenv("CNSCD_RECOVERY_KEY")
    code, out, err = run(["restore", str(backup), "--db", str(db), "--recovery-key-stdin"], monkeypatch, capsys,
                         stdin="AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG\n")
    assert code == 3 and "khóa khôi phục của lúc tạo ra nó" in err


def test_restore_to_a_new_path_does_not_claim_a_previous_file_was_kept(made, tmp_path, monkeypatch, capsys):
    db, _ = made
    usb = tmp_path / "usb"
    usb.mkdir()
    run(["backup", "--db", str(db), "--to", str(usb)], monkeypatch, capsys, env={"CNSCD_PASSPHRASE": PASS})
    [backup] = list(usb.iterdir())
    fresh = tmp_path / "moi" / "so.cnscd"
    fresh.parent.mkdir()
    code, out, err = run(["restore", str(backup), "--db", str(fresh)], monkeypatch, capsys,
                         env={"CNSCD_PASSPHRASE": PASS})
    assert code == 0, err
    assert "Đã khôi phục" in out and "trước đó" not in out
    code, out, err = run(["restore", str(tmp_path / "khong-co.cnscd"), "--db", str(fresh)], monkeypatch, capsys,
                         env={"CNSCD_PASSPHRASE": PASS})
    assert code == 4 and "Không tìm thấy bản sao lưu" in err


# ---------------------------------------------------------------------------
# read-only media, backup problems, save notices
# ---------------------------------------------------------------------------
@pytest.fixture
def read_only_folder(monkeypatch):
    """Make a folder look unwritable (the tests run as root, where chmod does not stop writes)."""
    folders: list[Path] = []
    real = os.access

    def access(path, mode, *a, **kw):
        if mode & os.W_OK and any(Path(path) == f or Path(path).parent == f for f in folders):
            return False
        return real(path, mode, *a, **kw)

    monkeypatch.setattr(os, "access", access)
    return folders.append


def test_read_only_media_reads_verifies_exports_and_refuses_writes_clearly(made, tmp_path, monkeypatch, capsys,
                                                                             read_only_folder):
    db, _ = made
    read_only_folder(db.parent)
    before = db.read_bytes()
    env = {"CNSCD_PASSPHRASE": PASS}
    for argv in (["verify"], ["stats"], ["export", "phu-luc-1", "--out", str(tmp_path / "pl.xlsx")]):
        code, out, err = run(argv + ["--db", str(db)], monkeypatch, capsys, env=env)
        assert code == 0, (argv, err)
        assert "Sổ được mở chỉ để đọc (" in err, argv
    assert (tmp_path / "pl.xlsx").exists()
    assert "không ghi được biên nhận" in err
    code, out, err = run(["verify", "--db", str(db), "--json"], monkeypatch, capsys, env=env)
    assert code == 0 and '"read_only": true' in out
    code, out, err = run(["passwd", "--db", str(db), "--passphrase-stdin"], monkeypatch, capsys,
                         stdin=f"{PASS}\n{NEW}\n")
    assert code == 6 and "chỉ đọc" in err and "không lưu được thay đổi" in err
    roster = tmp_path / "ds.csv"
    roster.write_text("Họ và tên,Thôn\nNguyễn Văn An,Đông Lợi\n", encoding="utf-8")
    code, out, err = run(["import", "roster", str(roster), "--db", str(db), "--yes", "--create-villages"],
                         monkeypatch, capsys, env=env)
    assert code == 6 and "chỉ đọc" in err
    assert db.read_bytes() == before


def test_verify_warns_of_backup_problems_and_writes_show_save_notices(made, tmp_path, monkeypatch, capsys):
    db, _ = made
    env = {"CNSCD_PASSPHRASE": PASS}
    import shutil

    shutil.rmtree(db.parent / "so.cnscd.backups", ignore_errors=True)
    (db.parent / "so.cnscd.backups").write_text("một tệp trùng tên thư mục sao lưu")
    code, out, err = run(["verify", "--db", str(db)], monkeypatch, capsys, env=env)
    assert code == 0 and "nguyên vẹn" in out
    assert "là một tệp, không phải thư mục" in err
    code, out, err = run(["verify", "--db", str(db), "--json"], monkeypatch, capsys, env=env)
    import json

    data = json.loads(out)
    assert data["ok"] and len(data["backup_problems"]) == 1 and "là một tệp" in data["backup_problems"][0]
    roster = tmp_path / "ds.csv"
    roster.write_text("Họ và tên,Thôn\nNguyễn Văn An,Đông Lợi\n", encoding="utf-8")
    code, out, err = run(["import", "roster", str(roster), "--db", str(db), "--yes", "--create-villages"],
                         monkeypatch, capsys, env=env)
    assert code == 0, err
    assert "KHÔNG có bản sao lưu tự động" in err  # the save's notice reached the clerk


# ---------------------------------------------------------------------------
# passphrase quality (issue 12 item 14)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("weak", ["1234567", "        ", "aaaaaaaa", "12345678", "87654321", "qwertyui", "asdfghjk",
                                  "password", "Password123", "matkhau2026", "Mật khẩu 123", "iloveyou", "admin@123",
                                  "p@ssw0rd", "abcd1234", "15081985", "0912345678", "TranHungDao2026",
                                  "phường trần hưng đạo"])
def test_weak_passphrases_are_refused_with_a_reason(weak):
    problems = check_new_passphrase(weak, ["Trần Hưng Đạo", "phường Trần Hưng Đạo"])
    assert problems and all(p.startswith("Mật khẩu") for p in problems)


@pytest.mark.parametrize("good", [PASS, "mat-khau-moi-1", "demo-cnscd-2026", NEW, "trời xanh mây trắng",
                                  "2026 1985 0912 77"])
def test_reasonable_passphrases_pass(good):
    assert check_new_passphrase(good, ["Trần Hưng Đạo"]) == []


def test_length_counts_characters_after_nfc():
    import unicodedata

    p = "Đà Lạt ơi"  # 9 characters in NFC, more code points in NFD
    assert check_new_passphrase(unicodedata.normalize("NFD", p)) == []
    assert "ít nhất 8" in check_new_passphrase(unicodedata.normalize("NFD", "Đà Lạt"))[0]


def test_every_cli_path_that_sets_a_passphrase_checks_it(made, tmp_path, monkeypatch, capsys):
    db, key = made
    code, _, err = run(["init", "--db", str(tmp_path / "b.cnscd"), "--province", "Hà Nam", "--commune", "Duy Tiên"],
                       monkeypatch, capsys, env={"CNSCD_PASSPHRASE": "duytien2026"})
    assert code == 2 and "tên đơn vị" in err and not (tmp_path / "b.cnscd").exists()
    code, _, err = run(["init", "--db", str(tmp_path / "c.cnscd"), "--province", "Hà Nam", "--commune", "Duy Tiên"],
                       monkeypatch, capsys, env={"CNSCD_PASSPHRASE": "12345678"})
    assert code == 2 and "dãy" in err
    code, _, err = run(["passwd", "--db", str(db), "--passphrase-stdin"], monkeypatch, capsys,
                       stdin=f"{PASS}\npassword1\n")
    assert code == 2 and "phổ biến" in err and "Chưa đổi gì" in err
    code, _, err = run(["recover", "--db", str(db), "--passphrase-stdin"], monkeypatch, capsys,
                       stdin=f"{key}\ntranhungdao\n")
    assert code == 2 and "tên đơn vị" in err
    assert _verify(db, monkeypatch, capsys) == 0  # nothing changed
    code, _, err = run(["demo", "--db", str(tmp_path / "d.cnscd"), "--passphrase-stdin"], monkeypatch, capsys,
                       stdin="qwertyuiop\n")
    assert code == 2 and not (tmp_path / "d.cnscd").exists()
