"""Issue 12, what the clerk is told on import: cleaned control characters named in the preview, refusals in
Vietnamese only (no library text); workbooks given whole to openpyxl (a district's template, a team's tally
sheet) checked by the shared guard first; openpyxl parses with defusedxml."""

from __future__ import annotations

import re

import pytest

from .conftest import PASS
from .test_hostile_files import (PEOPLE, _rows_xml, _sheet, _ss, _xlsx, refusal_problems)

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
