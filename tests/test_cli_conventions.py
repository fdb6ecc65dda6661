"""CLI conventions (issue 18 items 3–4): --version, --json, --out -, NO_COLOR, --debug, logs
without personal data, crash reports; a light --help; the demo's --random-state and --times."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.demo import DEMO_PASSPHRASE

from .conftest import PASS
from .test_cli import run

ROOT = Path(__file__).resolve().parent.parent




@pytest.fixture
def demo_db(demo):
    db = demo.path
    demo.close()
    return db


def _env(**more):
    return {"CNSCD_PASSPHRASE": PASS, **more}


# ---------------------------------------------------------------------------
# --version, --json
# ---------------------------------------------------------------------------
def test_version_exits_0_with_the_package_version(monkeypatch, capsys):
    from importlib import metadata

    code, out, err = run(["--version"], monkeypatch, capsys)
    assert code == 0, err
    assert out.strip() == f"cnscd {metadata.version('so-to-cnscd')}"


def test_usb_list_json(tmp_path, monkeypatch, capsys):
    stick = tmp_path / "USB"
    stick.mkdir()
    monkeypatch.setenv("CNSCD_USB_ROOTS", str(stick))
    for argv in (["usb", "list", "--json"],):
        code, out, err = run(argv, monkeypatch, capsys)
        assert code == 0, (argv, err)
        drives = json.loads(out)
        first = next(d for d in drives if d["path"] == str(stick))
        assert first["number"] >= 1 and first["total_bytes"] > 0 and "free_bytes" in first


def test_import_roster_dry_run_json_has_rows_categories_counts_errors(demo_db, tmp_path, monkeypatch, capsys):
    f = tmp_path / "ds.csv"
    f.write_text("Họ và tên,Năm sinh,Số điện thoại,Thành phần,Thôn/TDP\n"
                 "Phan Văn Mới,1990,0912000111,Công an,Tổ dân phố Đông Lợi\n"
                 "Hà Thị Hai,1991,0912000222,Đoàn thanh niên,Tổ dân phố Đông Lợi\n"
                 "Lỗi Số Máy,1992,12345,Đoàn thanh niên,Tổ dân phố Đông Lợi\n", encoding="utf-8")
    code, out, err = run(["import", "roster", str(f), "--db", str(demo_db), "--dry-run", "--json"], monkeypatch,
                         capsys, env=_env())
    assert code == 2, err  # a row has an error: nothing would be written
    data = json.loads(out)
    assert data["ok"] is False and data["counts"]["new"] == 2 and data["counts"]["error"] == 1
    rows = {r["name"]: r for r in data["rows"]}
    assert rows["Phan Văn Mới"]["status"] == "new" and rows["Phan Văn Mới"]["category"].startswith("Công an")
    assert rows["Hà Thị Hai"]["category_code"] and rows["Lỗi Số Máy"]["errors"][0]["message"]
    assert sum(data["categories"].values()) == 2
    code, out, err = run(["import", "roster", str(f), "--db", str(demo_db), "--json"], monkeypatch, capsys,
                         env=_env())
    assert code == 2 and "--dry-run" in err


# ---------------------------------------------------------------------------
# --out -
# ---------------------------------------------------------------------------
def test_out_dash_writes_text_formats_to_standard_output(demo_db, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["export", "thanh-phan", "--db", str(demo_db), "--format", "csv", "--out", "-"],
                         monkeypatch, capsys, env=_env())
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][0] == "Stt" and not out.startswith("\ufeff")  # no BOM in a pipe
    assert "Đã xuất" in err and "SHA-256" in err  # the receipt goes to stderr, the data alone to stdout
    code, out, err = run(["export", "danh-sach", "--db", str(demo_db), "--format", "json", "--out", "-"],
                         monkeypatch, capsys, env=_env())
    assert code == 0, err
    people = json.loads(out)
    assert len(people) == 189 and people[0]["Stt"] == 1 and people[0]["Họ và tên"]
    assert "dữ liệu cá nhân" in err
    code, out, err = run(["export", "danh-sach", "--db", str(demo_db), "--format", "tsv", "--out", "-"],
                         monkeypatch, capsys, env=_env())
    assert code == 0 and out.splitlines()[0].startswith("Stt\tHọ và tên")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("-")]  # no file named "-.csv"
    code, out, err = run(["export", "bao-cao-ky", "--db", str(demo_db), "--period", "2026-Q2", "--format", "csv",
                          "--out", "-"], monkeypatch, capsys, env=_env())
    assert code == 2 and "--format json" in err
    code, out, err = run(["export", "bao-cao-ky", "--db", str(demo_db), "--period", "2026-Q2", "--format", "json",
                          "--out", "-"], monkeypatch, capsys, env=_env())
    assert code == 0 and [s["title"] for s in json.loads(out)][0] == "Tổng hợp"


def test_out_dash_refuses_a_binary_format_on_a_terminal(demo_db, monkeypatch, capsys):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, err = run(["export", "phu-luc-1", "--db", str(demo_db), "--out", "-"], monkeypatch, capsys, env=_env())
    assert code == 2 and "nhị phân" in err and "> tep.xlsx" in err


def test_out_dash_writes_xlsx_into_a_pipe(demo_db, tmp_path):
    target = tmp_path / "pl.xlsx"
    env = dict(os.environ, CNSCD_PASSPHRASE=PASS, CNSCD_KDF="fast", CNSCD_LOG_DIR=str(tmp_path / "logs"))
    with open(target, "wb") as f:
        r = subprocess.run([sys.executable, "-m", "cnscd_tui", "export", "phu-luc-1", "--db", str(demo_db),
                            "--out", "-"], stdout=f, stderr=subprocess.PIPE, env=env, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    from openpyxl import load_workbook

    assert load_workbook(target).active.title


# ---------------------------------------------------------------------------
# NO_COLOR, --debug, crash reports, logs without personal data
# ---------------------------------------------------------------------------
def test_no_color_is_respected(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    missing = ["verify", "--db", str(tmp_path / "khong-co.cnscd")]
    code, out, err = run(missing, monkeypatch, capsys, env=_env(TERM="xterm"))
    assert code == 4 and "\x1b[31m" in err
    code, out, err = run(missing, monkeypatch, capsys, env=_env(TERM="xterm", NO_COLOR="1"))
    assert code == 4 and "\x1b" not in err and "Không tìm thấy tệp sổ" in err


def _boom(args, secrets):
    raise RuntimeError("lỗi lạ với Nguyễn Văn Bí mật 0912345678")


def test_an_unexpected_error_is_a_vietnamese_message_a_crash_report_and_exit_1(demo_db, log_folder, monkeypatch,
                                                                               capsys):
    from cnscd_tui.commands import registry

    monkeypatch.setattr(registry, "cmd_stats", _boom)
    code, out, err = run(["stats", "--db", str(demo_db)], monkeypatch, capsys, env=_env())
    assert code == 1
    assert "Chương trình gặp lỗi không lường trước" in err and "Traceback" not in err
    [report] = list(log_folder.glob("bao-cao-loi-*.txt"))
    assert str(report) in err
    text = report.read_text(encoding="utf-8")
    assert "cnscd stats" in text and "RuntimeError" in text and "Bí mật" not in text and "0912345678" not in text
    code, out, err = run(["stats", "--db", str(demo_db), "--debug"], monkeypatch, capsys, env=_env())
    assert code == 1 and "Traceback" in err and "RuntimeError" in err


def _personal_data(db) -> tuple[list[str], list[str]]:
    from models import services
    from models.db import Registry

    with Registry.open(db, passphrase=DEMO_PASSPHRASE) as reg:
        people = services.list_people(reg)
    names = [p.full_name for p in people]
    phones = [p.phone for p in people if getattr(p, "phone", "")]
    return names, phones


def test_a_demo_export_import_session_leaves_no_personal_data_in_the_log(tmp_path, log_folder, monkeypatch, capsys):
    db = tmp_path / "demo.cnscd"
    assert run(["demo", "--db", str(db), "--random-state", "11", "--debug"], monkeypatch, capsys)[0] == 0
    env = _env(CNSCD_PASSPHRASE=DEMO_PASSPHRASE)
    out_dir = tmp_path / "ra"
    out_dir.mkdir()
    for argv in (["export", "danh-sach", "--cccd", "--out", str(out_dir / "ds.csv")],
                 ["export", "danh-sach", "--format", "xlsx", "--out", str(out_dir)],
                 ["export", "lich-truc", "--period", "2026-12", "--format", "json", "--out", str(out_dir)],
                 ["stats"], ["verify", "--json"]):
        code, _, err = run(argv + ["--db", str(db), "--debug"], monkeypatch, capsys, env=env)
        assert code == 0, (argv, err)
    roster = tmp_path / "nhap.csv"
    roster.write_text("Họ và tên,Năm sinh,Số điện thoại,Thôn/TDP\nVương Thị Riêng Tư,1990,0987654321,Thôn mới\n",
                      encoding="utf-8")
    code, _, err = run(["import", "roster", str(roster), "--db", str(db), "--yes", "--create-villages", "--debug"],
                       monkeypatch, capsys, env=env)
    assert code == 0, err
    code, _, _ = run(["verify", "--db", str(db)], monkeypatch, capsys, env=_env(CNSCD_PASSPHRASE="sai-mat-khau-nhe"))
    assert code == 3
    names, phones = _personal_data(db)
    assert "Vương Thị Riêng Tư" in names and len(phones) > 100
    logged = "\n".join(p.read_text(encoding="utf-8") for p in log_folder.rglob("*") if p.is_file())
    assert "command export started" in logged and "export danh-sach: format csv" in logged
    assert "import roster: 1 created" in logged and "WrongSecret" in logged
    leaked = [n for n in names if n in logged] + [p for p in phones if p in logged]
    assert leaked == []
    for word in ("Vương", "Riêng", "0987654321", DEMO_PASSPHRASE):
        assert word not in logged


# ---------------------------------------------------------------------------
# --help stays light; the choices it shows match the exports
# ---------------------------------------------------------------------------
def test_help_builds_without_the_exports_and_the_registry():
    code = ("import sys; from cnscd_tui.cli import build_parser; build_parser(); "
            "heavy = [m for m in ('exports.templates', 'exports.importer', 'exports.report', 'exports.writers', "
            "'models.services', 'models.db', 'peewee', 'tablib', 'openpyxl') if m in sys.modules]; "
            "assert not heavy, heavy")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_light_choices_match_the_exports():
    from cnscd_tui.commands import kinds
    from exports import datasets, templates, writers
    from exports.request import ALL_KINDS

    assert kinds.EXPORT_KINDS == {k: v[0] for k, v in ALL_KINDS.items()}
    assert kinds.TEMPLATE_KINDS == templates.KINDS
    assert kinds.DATA_FORMATS == datasets.FORMATS
    assert set(kinds.SHEET_FORMATS) | {"csv"} == set(writers.FORMATS)


# ---------------------------------------------------------------------------
# demo: --random-state and --times (the word "seed" is gone)
# ---------------------------------------------------------------------------
def test_demo_random_state_and_times_and_no_seed(tmp_path, monkeypatch, capsys):
    import models.demo

    code, out, err = run(["demo", "--help"], monkeypatch, capsys)
    assert code == 0 and "--random-state" in out and "--times" in out and "seed" not in out.lower()
    code, out, err = run(["demo", "--db", str(tmp_path / "a.cnscd"), "--seed", "3"], monkeypatch, capsys)
    assert code == 2
    code, out, err = run(["demo", "--db", str(tmp_path / "a.cnscd"), "--times", "2"], monkeypatch, capsys)
    assert code == 2 and "--scale province" in err
    seen = {}
    real = models.demo.create_demo

    def spy(path, **kw):
        seen.update(kw)
        return real(path, scale="commune", random_state=kw["random_state"], passphrase=kw["passphrase"])

    monkeypatch.setattr(models.demo, "create_demo", spy)
    code, out, err = run(["demo", "--db", str(tmp_path / "b.cnscd"), "--scale", "province", "--times", "3",
                          "--random-state", "7"], monkeypatch, capsys)
    assert code == 0, err
    assert seen["times"] == 3 and seen["random_state"] == 7 and "seed" not in seen


def test_no_help_text_mentions_a_seed(monkeypatch, capsys):
    from cnscd_tui.cli import build_parser

    parser = build_parser()
    texts = [parser.format_help()]
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for p in sub.choices.values():
        texts.append(p.format_help())
    assert not [t for t in texts if "seed" in t.lower()]


def test_every_command_group_is_registered(monkeypatch, capsys):
    """The groups in cnscd_tui/commands are all on the main parser (a frozen build once dropped some)."""
    for argv in (["handoff", "--help"], ["import", "hoat-dong", "--help"], ["import", "thong-ke", "--help"],
                 ["recovery-key", "--help"], ["export", "--help"]):
        code, out, err = run(argv, monkeypatch, capsys)
        assert code == 0 and f"cnscd {' '.join(argv[:-1])}" in out, (argv, err)
