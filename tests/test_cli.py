"""The `cnscd` command: a contract (exit codes, Vietnamese messages, secrets never on argv)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnscd_tui.cli import main

from .conftest import PASS


def run(argv, monkeypatch, capsys, stdin: str | None = None, env: dict | None = None):
    for k, v in (env or {}).items():
        monkeypatch.setenv(k, v)
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def made(tmp_path, monkeypatch, capsys):
    db = tmp_path / "so.cnscd"
    code, out, err = run(["init", "--db", str(db), "--province", "Thành phố Hải Phòng", "--commune", "Trần Hưng Đạo",
                          "--commune-kind", "phường"], monkeypatch, capsys, env={"CNSCD_PASSPHRASE": PASS})
    assert code == 0, err
    key = next(line.strip() for line in out.splitlines() if line.startswith("    "))
    return db, key


def test_init_prints_recovery_key_once_and_refuses_overwrite(made, monkeypatch, capsys):
    db, key = made
    assert db.exists() and len(key.replace("-", "")) >= 20
    code, out, err = run(["init", "--db", str(db), "--province", "X", "--commune", "Y"], monkeypatch, capsys,
                         env={"CNSCD_PASSPHRASE": PASS})
    assert code == 2 and "không ghi đè" in err


def test_stats_json(tmp_path, monkeypatch, capsys):
    db = tmp_path / "demo.cnscd"
    code, out, err = run(["demo", "--db", str(db), "--scale", "commune"], monkeypatch, capsys)
    assert code == 0, err
    assert "demo-cnscd-2026" in out
    code, out, err = run(["stats", "--db", str(db), "--json"], monkeypatch, capsys,
                         env={"CNSCD_PASSPHRASE": "demo-cnscd-2026"})
    assert code == 0, err
    data = json.loads(out)
    assert data["villages"] == 28 and data["teams"] == 29
    assert data["active_members"] == 189
    assert sum(data["members_by_category"].values()) == 189
    assert 0 < data["trained_this_year"] <= data["active_members"]


def test_exit_codes(made, tmp_path, monkeypatch, capsys):
    db, key = made
    code, _, err = run(["verify", "--db", str(db)], monkeypatch, capsys, env={"CNSCD_PASSPHRASE": "sai-roi-nhe"})
    assert code == 3 and "Sai mật khẩu" in err
    code, out, err = run(["verify", "--db", str(db)], monkeypatch, capsys, env={"CNSCD_PASSPHRASE": PASS})
    assert code == 0 and "ok" in out
    damaged = tmp_path / "hong.cnscd"
    data = bytearray(db.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    code, _, err = run(["verify", "--db", str(damaged)], monkeypatch, capsys, env={"CNSCD_PASSPHRASE": PASS})
    assert code == 4 and "hỏng" in err
    code, _, err = run(["verify", "--db", str(tmp_path / "khong-co.cnscd")], monkeypatch, capsys,
                       env={"CNSCD_PASSPHRASE": PASS})
    assert code == 4
    code, _, err = run(["khong-co-lenh"], monkeypatch, capsys)
    assert code == 2


def test_already_open_exit_5(made, monkeypatch, capsys):
    from models.db import Registry

    db, _ = made
    reg = Registry.open(db, passphrase=PASS)
    try:
        code, _, err = run(["stats", "--db", str(db)], monkeypatch, capsys, env={"CNSCD_PASSPHRASE": PASS})
        assert code == 5 and "đang được mở" in err
    finally:
        reg.close()


def test_passwd_and_recover_with_stdin(made, monkeypatch, capsys):
    db, key = made
    code, out, err = run(["passwd", "--db", str(db), "--passphrase-stdin"], monkeypatch, capsys,
                         stdin=f"{PASS}\nmat-khau-moi-1\nmat-khau-moi-1\n")
    assert code == 0, err
    code, _, _ = run(["verify", "--db", str(db)], monkeypatch, capsys, env={"CNSCD_PASSPHRASE": PASS})
    assert code == 3
    code, _, _ = run(["verify", "--db", str(db)], monkeypatch, capsys, env={"CNSCD_PASSPHRASE": "mat-khau-moi-1"})
    assert code == 0
    # forgot it: the recovery key (typed in lower case with spaces) sets a new one
    typed = key.lower().replace("-", " ")
    code, out, err = run(["recover", "--db", str(db), "--passphrase-stdin"], monkeypatch, capsys,
                         stdin=f"{typed}\nmat-khau-thu-ba\nmat-khau-thu-ba\n")
    assert code == 0, err
    code, _, _ = run(["verify", "--db", str(db)], monkeypatch, capsys, env={"CNSCD_PASSPHRASE": "mat-khau-thu-ba"})
    assert code == 0
    code, _, err = run(["passwd", "--db", str(db), "--passphrase-stdin"], monkeypatch, capsys,
                       stdin="mat-khau-thu-ba\nngan\nngan\n")
    assert code == 2 and "ít nhất 8" in err


def test_backup_and_restore(made, tmp_path, monkeypatch, capsys):
    from models import services
    from models.db import Registry

    db, _ = made
    usb = tmp_path / "usb"
    usb.mkdir()
    code, out, err = run(["backup", "--db", str(db), "--to", str(usb)], monkeypatch, capsys,
                         env={"CNSCD_PASSPHRASE": PASS})
    assert code == 0, err
    copies = list(usb.iterdir())
    assert len(copies) == 1
    reg = Registry.open(db, passphrase=PASS)
    services.add_village(reg, name="Thôn mới sau sao lưu")
    reg.close()
    code, out, err = run(["restore", str(copies[0]), "--db", str(db)], monkeypatch, capsys,
                         env={"CNSCD_PASSPHRASE": PASS})
    assert code == 0, err
    reg = Registry.open(db, passphrase=PASS)
    try:
        assert services.list_villages(reg) == []
    finally:
        reg.close()


def test_no_secret_and_no_tty_is_a_usage_error(made, monkeypatch, capsys):
    db, _ = made
    monkeypatch.delenv("CNSCD_PASSPHRASE", raising=False)
    code, _, err = run(["stats", "--db", str(db)], monkeypatch, capsys, stdin="")
    assert code == 2 and "CNSCD_PASSPHRASE" in err


def test_console_script_runs(tmp_path):
    exe = Path(sys.executable).with_name("cnscd")
    if not exe.exists():
        pytest.skip("console script not installed in this environment")
    env = dict(os.environ, CNSCD_KDF="fast", CNSCD_PASSPHRASE=PASS)
    db = tmp_path / "x.cnscd"
    r = subprocess.run([str(exe), "init", "--db", str(db), "--province", "Hà Nam", "--commune", "Duy Tiên",
                        "--commune-kind", "phường"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "KHÓA KHÔI PHỤC" in r.stdout
    r = subprocess.run([str(exe), "stats", "--db", str(db), "--json"], capture_output=True, text=True, env=env,
                       timeout=60)
    assert r.returncode == 0 and json.loads(r.stdout)["communes"] == 1


def test_db_and_passphrase_stdin_before_or_after_the_subcommand(made, tmp_path, monkeypatch, capsys):
    db, _ = made
    for argv in (["--db", str(db), "stats", "--json"], ["stats", "--json", "--db", str(db)],
                 ["--db", str(tmp_path / "khong-co.cnscd"), "stats", "--db", str(db), "--json"]):
        code, out, err = run(argv, monkeypatch, capsys, env={"CNSCD_PASSPHRASE": PASS})
        assert code == 0, (argv, err)
        assert json.loads(out)["communes"] == 1
    monkeypatch.delenv("CNSCD_PASSPHRASE")
    for argv in (["--passphrase-stdin", "--db", str(db), "verify"], ["--db", str(db), "verify", "--passphrase-stdin"],
                 ["verify", "--passphrase-stdin", "--db", str(db)]):
        code, out, err = run(argv, monkeypatch, capsys, stdin=f"{PASS}\n")
        assert code == 0, (argv, err)
        assert "nguyên vẹn" in out
    code, _, err = run(["--passphrase-stdin", "--db", str(db), "verify"], monkeypatch, capsys, stdin="sai-mat-khau\n")
    assert code == 3  # the stdin secret was really used


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_output_into_a_closed_pipe_is_quiet(made):
    """`cnscd stats | head` with head gone: no BrokenPipeError traceback."""
    db, _ = made
    env = dict(os.environ, CNSCD_PASSPHRASE=PASS)
    for argv in (["stats", "--db", str(db)], ["--help"]):
        r, w = os.pipe()
        os.close(r)  # the reader has already left
        try:
            p = subprocess.run([sys.executable, "-m", "cnscd_tui.cli", *argv], stdout=w, stderr=subprocess.PIPE,
                               env=env, cwd=Path(__file__).parent.parent, timeout=60)
        finally:
            os.close(w)
        assert p.returncode == 0, p.stderr.decode()
        assert p.stderr.decode().strip() == ""


ENGLISH_ARGPARSE = ("usage:", "positional arguments", "options:", "show this help", "invalid", "expected",
                    "argument", "required", "unrecognized", "choose from", "error:", "int value", "exit")


def test_argparse_messages_are_vietnamese(monkeypatch, capsys):
    import unicodedata

    cases = [
        (["stats", "--year", "abc"], 2, "«abc» không phải số nguyên"),
        (["--help"], 0, "hiện hướng dẫn này rồi thoát"),
        (["stats", "--help"], 0, "Cách dùng: cnscd stats"),
        (["init"], 2, "thiếu tham số bắt buộc: --province, --commune"),
        (["--db"], 2, "cần một giá trị"),
        (["khong-co-lenh"], 2, "lựa chọn 'khong-co-lenh' không hợp lệ"),
        (["stats", "--khong-co"], 2, "tham số không hiểu được: --khong-co"),
        (["demo", "--scale", "huyen"], 2, "chọn một trong: 'commune', 'province'"),
    ]
    for argv, want_code, want in cases:
        code, out, err = run(argv, monkeypatch, capsys)
        text = out + err
        assert code == want_code, (argv, text)
        assert want in text, (argv, text)
        assert "Cách dùng: " in text
        for phrase in ENGLISH_ARGPARSE:
            assert phrase not in text.lower(), (argv, phrase, text)
        assert unicodedata.is_normalized("NFC", text)


def _v1_file(path: Path) -> None:
    import sqlite3

    from models import migrations
    from models.store import EncryptedStore

    conn = sqlite3.connect(":memory:")
    conn.executescript(migrations.V1_DDL)
    conn.execute("INSERT INTO unit (id, parent_id, level, kind, name, code, former_unit, sort_order, active, note)"
                 " VALUES (1, NULL, 'xa', 'xã', 'Lê Lợi', '', '', 0, 1, '')")
    conn.execute("INSERT INTO setting VALUES ('commune', '\"Lê Lợi\"')")
    conn.commit()
    EncryptedStore.create(path, PASS, conn.serialize(), schema_version=1)[0].close()


def test_older_schema_upgrade_is_announced_and_a_missing_step_is_exit_4(tmp_path, monkeypatch, capsys):
    from models import migrations
    from models.schema import SCHEMA_VERSION

    db = tmp_path / "v1.cnscd"
    _v1_file(db)
    before = db.read_bytes()
    with monkeypatch.context() as m:
        m.setattr(migrations, "STEPS", {})
        code, out, err = run(["verify", "--db", str(db)], monkeypatch, capsys, env={"CNSCD_PASSPHRASE": PASS})
    assert code == 4, err
    assert "thiếu bước nâng cấp cấu trúc dữ liệu từ phiên bản 1 lên 2" in err and "Traceback" not in err
    assert db.read_bytes() == before  # nothing written
    code, out, err = run(["verify", "--db", str(db)], monkeypatch, capsys, env={"CNSCD_PASSPHRASE": PASS})
    assert code == 0, err
    assert f"Đã nâng cấp sổ từ cấu trúc dữ liệu phiên bản 1 lên v{SCHEMA_VERSION}" in err and "bản cũ được giữ" in err
    code, out, err = run(["stats", "--db", str(db)], monkeypatch, capsys, env={"CNSCD_PASSPHRASE": PASS})
    assert code == 0 and "nâng cấp" not in err  # only once
