"""Issue 12, what the clerk is told on import: cleaned control characters named in the preview, refusals in
Vietnamese only (no library text); workbooks given whole to openpyxl (a district's template, a team's tally
sheet) checked by the shared guard first; openpyxl parses with defusedxml."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import PASS
from .test_hostile_files import (CORPUS, PEOPLE, SS_NS, _laughs, _rows_xml, _sheet, _ss, _xlsx, refusal_problems)

_CSV = ("Họ và tên;Năm sinh;Số điện thoại;Thôn\n"
        "Nguyễn\x00 Thị Hà;1985;0912345678;Thôn\x1b 1\x07\n"
        "Đặng Văn Lâm;1990;0987654321;Thôn 2\n"
        "Lê Hữu Ước;1995;0356789012;Thôn\x07 2\n")


def _xlsx_with_escaped_controls() -> bytes:
    """What Excel writes for a cell holding BEL or ESC: ``_x0007_`` (XML cannot hold the character)."""
    rows = [list(r) for r in PEOPLE]
    rows[1][0] = "Nguyễn_x0007_ Thị Hà"
    rows[3][3] = "Thôn_x001B_ 1"
    return _xlsx(_sheet(_rows_xml(rows) + '<row r="5"><c r="A5" t="s"><v>0</v></c><c r="B5"><v>1960</v></c></row>'),
                 shared=_ss(["Trần_x0000_ Văn Bảy"]))  # Excel keeps its text in the shared strings


def _preview(reg, path):
    from exports import importer

    return importer.read_roster(reg, path)


def test_csv_control_characters_cleaned_rows_named_in_the_preview(reg, tmp_path):
    p = tmp_path / "ctrl_chars.csv"
    p.write_bytes(_CSV.encode())
    pv = _preview(reg, p)
    assert pv.warnings[0] == ("Đã bỏ ký tự điều khiển (không in được, như NUL, ESC, BEL) ở 2 dòng: dòng 2 (cột A, D); "
                              "dòng 4 (cột D). Hãy xem lại các ô đó trong tệp gốc nếu chữ có vẻ thiếu."), pv.warnings
    assert [r.name for r in pv.rows][:1] == ["Nguyễn Thị Hà"]


def test_xlsx_control_characters_written_the_excel_way_are_cleaned_and_named(reg, tmp_path):
    from exports import importer

    p = tmp_path / "ky-tu-dieu-khien.xlsx"
    p.write_bytes(_xlsx_with_escaped_controls())
    book = importer.read_table(p)
    cells = book.tables[0].cells
    assert cells[1][0] == "Nguyễn Thị Hà" and cells[3][3] == "Thôn 1" and cells[4][0] == "Trần Văn Bảy"
    pv = importer.read_roster(reg, p, book=book)
    assert "ở 3 dòng: dòng 2 (cột A); dòng 4 (cột D); dòng 5 (cột A)." in pv.warnings[0], pv.warnings
    assert pv.rows[0].name == "Nguyễn Thị Hà"


def test_an_escaped_underscore_is_not_a_control_character(tmp_path):
    from exports import importer

    rows = [list(r) for r in PEOPLE]
    rows[1][3] = "Thôn_x005F_x0007_"  # the text «Thôn_x0007_» typed in Excel (inline)
    p = tmp_path / "gach-duoi.xlsx"
    p.write_bytes(_xlsx(_sheet(_rows_xml(rows))))
    book = importer.read_table(p)
    assert not book.notes and book.tables[0].cells[1][3] == "Thôn_x005F_x0007_"


def test_cli_dry_run_names_the_cleaned_rows(reg, tmp_path, monkeypatch, capsys):
    from cnscd_tui.cli import main

    db = reg.path
    reg.close()
    monkeypatch.setenv("CNSCD_PASSPHRASE", PASS)
    for name, data in (("a.csv", _CSV.encode()), ("b.xlsx", _xlsx_with_escaped_controls())):
        f = tmp_path / name
        f.write_bytes(data)
        main(["import", "roster", str(f), "--db", str(db), "--dry-run"])
        out = capsys.readouterr().out
        assert re.search(r"Lưu ý: Đã bỏ ký tự điều khiển .* dòng 2 \(cột A", out), out


def test_an_unforeseen_shape_is_refused_in_vietnamese_only(reg, tmp_path, monkeypatch, log_folder):
    """A library error inside the preview: the message names no English text (its type goes to the log)."""
    from exports import importer, roster_read
    from models import logs

    def broken(*_a, **_k):
        raise ValueError("invalid literal for int() with base 10: 'abc'")

    monkeypatch.setattr(roster_read, "pick_table", broken)
    p = tmp_path / "a.csv"
    p.write_bytes(_CSV.encode())
    logs.setup()
    with pytest.raises(importer.ImportFailed) as e:
        importer.read_roster(reg, p)
    msg = e.value.message
    assert "invalid" not in msg and "ValueError" not in msg and not refusal_problems({"message": msg}), msg
    logs.get().handlers[0].flush()
    log = (log_folder / "cnscd.log").read_text(encoding="utf-8")
    assert "ValueError" in log and "abc" not in log


# ---------------------------------------------------------------------------
# Workbooks handed whole to openpyxl: a team's tally sheet, a district's template
# ---------------------------------------------------------------------------
def _bomb_xlsx(member: str, mb: int) -> bytes:
    """``mb`` MB of whitespace in a sheet, or of one shared string (compresses to well under 1 MB)."""
    chunks = [b" " * (1 << 20)] * mb if member == "sheet" else [b"A" * (1 << 20)] * mb
    if member == "sheet":
        head = _sheet().split("<sheetData>")[0].encode() + b"<sheetData>" + _rows_xml(PEOPLE).encode()
        return _xlsx([head, *chunks, b"</sheetData></worksheet>"])
    return _xlsx(_sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
                 shared=[f'<sst xmlns="{SS_NS}"><si><t>'.encode(), *chunks, b"</t></si></sst>"])


def _hostile_workbooks() -> dict[str, bytes]:
    """The shapes of the importer's corpus (tests/test_hostile_files.py) that openpyxl must never be given."""
    names = ["kich-thuoc-khai-gian-o-cuoi.xlsx", "gop-o-khong-lo.xlsx", "o-o-dong-xa.xlsx", "trieu-dong-trong.xlsx",
             "khai-4GB.xlsx", "khai-nho-hon-that.xlsx", "20-nghin-phan.xlsx", "utf16-doctype.xlsx", "tiec-cuoi-ty.xlsx",
             "tiec-cuoi-ty-chuoi.xlsx", "thuc-the-ngoai.xlsx", "long-sau-workbook.xlsx", "dong-chu.xlsx",
             "chi-so-chuoi-sai.xlsx", "cat-cut-cuoi.xlsx", "nen-hong.xlsx", "xml-hong.xlsx", "zip-la.xlsx",
             "gop-hang-tram-ty.ods", "lap-dong-ty.ods", "anh.xlsx", "rong.xlsx"]
    out = {n: CORPUS[n].make() for n in names}
    out["khoang-trang-64MB.xlsx"] = _bomb_xlsx("sheet", 64)
    out["chuoi-chung-64MB.xlsx"] = _bomb_xlsx("shared", 64)
    return out


_WHOLE_CHILD = r"""
import json, resource, sys, tempfile
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))
from models.db import Registry
from models.errors import InputError
from exports import tally_sheet, templates
folder = Path(sys.argv[1])
reg, _ = Registry.create(Path(tempfile.mkdtemp()) / "so.cnscd", "mat-khau-thu-nghiem",
                         province="Thành phố Hải Phòng", commune="Trần Hưng Đạo")
out = {}
for p in sorted(folder.iterdir()):
    res = tally_sheet.read_tally_sheets(reg, [p]).sheets[0]
    got = {"tally": res.errors[0] if res.errors else "read"}
    for what, call in (("template", lambda: templates.fill_template(reg, p, None, kind="danh-sach")),
                       ("save", lambda: templates.save_template(reg, p, name="Mẫu lạ"))):
        try:
            call()
            got[what] = "read"
        except InputError as e:
            got[what] = e.message
    out[p.name] = got
reg.close()
print("@@" + json.dumps(out, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def whole_workbook_outcomes(tmp_path_factory):
    """Each hostile shape given to the tally-sheet reader, the template filler and «save template», in one
    memory-limited child (a regression that hangs ends at the guard's timeout and fails, the machine lives)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    folder = tmp_path_factory.mktemp("whole")
    for name, data in _hostile_workbooks().items():
        (folder / name).write_bytes(data)
    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, "-c", _WHOLE_CHILD, str(folder)], cwd=root, capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=str(root)), timeout=300)
    assert r.returncode == 0 and "@@" in r.stdout, r.stderr[-3000:]
    return json.loads(r.stdout.rsplit("@@", 1)[1])


@pytest.mark.parametrize("reader", ["tally", "template", "save"])
def test_hostile_workbooks_are_refused_in_vietnamese_by_openpyxl_readers(whole_workbook_outcomes, reader):
    bad = {}
    for name, got in whole_workbook_outcomes.items():
        msg = got[reader]
        problems = ["not refused"] if msg == "read" else refusal_problems({"message": msg})
        if problems:
            bad[name] = (problems, msg)
    assert not bad, bad


def test_a_dimension_bomb_template_is_refused_naming_its_far_cell(whole_workbook_outcomes):
    """A 4.8 KB template whose one styled empty cell sits at XFD1048576 (the filler would walk 17 billion
    cells), and one merged range over the whole sheet: refused, the far cell named."""
    for name in ("kich-thuoc-khai-gian-o-cuoi.xlsx", "gop-o-khong-lo.xlsx"):
        got = whole_workbook_outcomes[name]
        for reader in ("tally", "template", "save"):
            assert "XFD1048576" in got[reader] and "1.048.576 dòng × 16.384 cột" in got[reader], (name, reader, got)


def test_bombs_are_refused_as_bombs(whole_workbook_outcomes):
    for name in ("khoang-trang-64MB.xlsx", "chuoi-chung-64MB.xlsx", "khai-4GB.xlsx"):
        assert "giải nén" in whole_workbook_outcomes[name]["template"], whole_workbook_outcomes[name]
    for name in ("tiec-cuoi-ty.xlsx", "tiec-cuoi-ty-chuoi.xlsx", "thuc-the-ngoai.xlsx"):
        assert "DOCTYPE" in whole_workbook_outcomes[name]["tally"], whole_workbook_outcomes[name]
    assert "LibreOffice (.ods)" in whole_workbook_outcomes["gop-hang-tram-ty.ods"]["template"]


def test_sound_workbooks_still_pass_the_guard(tmp_path):
    """A tally sheet the program writes, and a sheet with a declared dimension far beyond its cells."""
    from exports import sheets

    assert sheets.package_refusal(CORPUS["kich-thuoc-khai-gian.xlsx"].make()) is None
    assert sheets.package_refusal(_xlsx(_sheet(_rows_xml(PEOPLE * 500)))) is None  # 2,000 rows


# ---------------------------------------------------------------------------
# openpyxl parses with defusedxml; an entity bomb is refused by the importer and the template loader
# ---------------------------------------------------------------------------
def test_openpyxl_parses_with_defusedxml():
    import defusedxml  # noqa: F401  (declared in pyproject.toml)
    import openpyxl.xml
    from openpyxl.xml import functions

    assert openpyxl.xml.DEFUSEDXML is True
    assert functions.fromstring.__module__.startswith("defusedxml"), functions.fromstring.__module__


@pytest.mark.parametrize("where", ["sheet", "shared"])
def test_entity_bomb_refused_by_importer_and_template_loader(reg, tmp_path, where):
    from exports import importer, templates

    laughs = (_xlsx(_sheet(_rows_xml(PEOPLE).replace("Thôn 1", "&l9;"), prolog=_laughs("worksheet")))
              if where == "sheet" else
              _xlsx(_sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), shared=_ss(["&l9;"], _laughs("sst"),
                                                                                         raw=True)))
    p = tmp_path / "tiec-cuoi.xlsx"
    p.write_bytes(laughs)
    for call in (lambda: importer.read_table(p), lambda: importer.read_roster(reg, p),
                 lambda: templates.fill_template(reg, p, None, kind="danh-sach")):
        with pytest.raises(importer.ImportFailed) as e:
            call()
        assert "DOCTYPE" in e.value.message and not refusal_problems({"message": e.value.message}), e.value.message


@pytest.mark.parametrize("where", ["a-file", "too-long"])
def test_tally_sheet_write_failure_is_told_in_vietnamese(reg, tmp_path, where):
    """A folder the sheets cannot be written to (a file stands there, a name too long): the reason in the
    clerk's words and what to do — not the system's «File exists» / «File name too long»."""
    from exports import tally_sheet as ts
    from models import services
    from models.errors import SaveFailed

    v = services.add_village(reg, name="Đông Lợi", kind="thôn")
    services.create_team(reg, unit_id=v.id, decision_number="12/QĐ-UBND", decision_date="05/01/2026")
    out = tmp_path / "ra"
    out.mkdir()
    if where == "a-file":
        folder = out / "phieu"
        folder.write_text("")
    else:
        folder = out / ("phiếu-tháng-" * 30)
    with pytest.raises(SaveFailed) as e:
        ts.write_tally_sheets(reg, "2026-11", folder)
    msg = e.value.args[0]
    assert "Hãy" in msg and "lý do: " in msg
    reason = msg.split("lý do: ", 1)[1]
    assert not re.search(r"[A-Za-z]{4,}", reason.replace(str(folder), "")), msg
    assert list(out.iterdir()) == ([folder] if where == "a-file" else [])
