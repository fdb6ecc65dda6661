"""The teams' work on the command line (issue 16): the results report and the duty rota as exports,
the monthly tally sheets out and back in (several files, preview, idempotent), the statistics sheet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from exports import tally_sheet as ts
from models import activities as act
from models import services
from models.db import Registry

from .conftest import PASS
from .test_cli import run

ENV = {"CNSCD_PASSPHRASE": PASS}


@pytest.fixture
def db(demo) -> Path:
    path = demo.path
    demo.close()
    return path


def _receipts(db) -> list[str]:
    with Registry.open(db, passphrase=PASS) as reg:
        return [e.summary for e in services.list_audit(reg, action="xuat")]


# ---------------------------------------------------------------------------
# export hoat-dong, lich-truc
# ---------------------------------------------------------------------------
def test_export_results_report_in_every_format(db, tmp_path, monkeypatch, capsys):
    code, out, err = run(["export", "hoat-dong", "--db", str(db), "--period", "2026-Q2", "--out", str(tmp_path)],
                         monkeypatch, capsys, env=ENV)
    assert code == 0, err
    xlsx = tmp_path / "KetQuaHoatDong_Q2-2026_PhuongTranHungDao.xlsx"
    assert load_workbook(xlsx).sheetnames == ["Kết quả hỗ trợ", "Tiến độ chỉ tiêu", "Hình thức hoạt động",
                                              "Nhu cầu, khó khăn"]
    assert "Kết quả hoạt động của các Tổ CNSCĐ" in out
    (tmp_path / "csv").mkdir()
    code, out, err = run(["export", "hoat-dong", "--db", str(db), "--period", "2026-11", "--format", "csv",
                          "--out", str(tmp_path / "csv")], monkeypatch, capsys, env=ENV)
    assert code == 0, err
    assert len(list((tmp_path / "csv").glob("KetQuaHoatDong_T11-2026_*.csv"))) == 4
    code, out, err = run(["export", "hoat-dong", "--db", str(db), "--period", "2026", "--format", "json", "--out",
                          "-"], monkeypatch, capsys, env=ENV)
    assert code == 0, err
    sheets = json.loads(out)
    total = sheets[0]["data"][-1]
    assert sheets[0]["title"] == "Kết quả hỗ trợ" and total["Thôn/Tổ dân phố"] == "Tổng cộng"
    assert total["Cài đặt, kích hoạt VNeID mức độ 2 – Số người"] > 0
    for fmt in ("ods", "tsv"):
        (tmp_path / fmt).mkdir()
        code, out, err = run(["export", "hoat-dong", "--db", str(db), "--period", "2026-H1", "--format", fmt,
                              "--out", str(tmp_path / fmt)], monkeypatch, capsys, env=ENV)
        assert code == 0, (fmt, err)
    assert len(_receipts(db)) == 1 + 4 + 1 + 1 + 4  # one receipt per file written (none for standard output)


def test_export_duty_rota_for_a_month(db, tmp_path, monkeypatch, capsys):
    code, out, err = run(["export", "lich-truc", "--db", str(db), "--period", "2026-12", "--out", str(tmp_path)],
                         monkeypatch, capsys, env=ENV)
    assert code == 0, err
    wb = load_workbook(tmp_path / "LichTruc_T12-2026_PhuongTranHungDao.xlsx")
    assert wb.sheetnames == ["Lịch trực 12-2026"]
    assert "dữ liệu cá nhân" in err  # names and phones of the members on duty
    code, out, err = run(["export", "lich-truc", "--db", str(db), "--period", "2026-Q4"], monkeypatch, capsys,
                         env=ENV)
    assert code == 2 and "theo từng tháng" in err
    code, out, err = run(["export", "hoat-dong", "--db", str(db), "--period", "2026-13"], monkeypatch, capsys,
                         env=ENV)
    assert code == 2 and "«2026-13» không hợp lệ" in err


# ---------------------------------------------------------------------------
# export phieu-hoat-dong → fill → import hoat-dong
# ---------------------------------------------------------------------------
def _fill(path: Path, cells: dict) -> None:
    wb = load_workbook(path)
    ws = wb[ts.MAIN_SHEET]
    rows = {ws.cell(r, ts.CODE_COL).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, ts.CODE_COL).value}
    for (code, col), value in cells.items():
        ws[f"{col}{rows[code]}"] = value
    wb.save(path)


def test_tally_sheets_one_per_team_into_a_folder_or_a_stick(db, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "phieu"
    code, out, err = run(["export", "phieu-hoat-dong", "--db", str(db), "--period", "2026-11", "--out", str(folder)],
                         monkeypatch, capsys, env=ENV)
    assert code == 0, err
    files = sorted(folder.glob("PhieuHoatDong_T11-2026_*.xlsx"))
    assert len(files) == 29 and "Đã lập 29 phiếu hoạt động tháng 11/2026" in out
    assert "họ tên" in err and "dữ liệu cá nhân" in err
    assert len(_receipts(db)) == 29
    stick = tmp_path / "USB"
    stick.mkdir()
    code, out, err = run(["export", "phieu-hoat-dong", "--db", str(db), "--period", "11/2026", "--team", "1",
                          "--usb", str(stick)], monkeypatch, capsys, env=ENV)
    assert code == 0, err
    assert [p.name for p in stick.iterdir()] == ["PhieuHoatDong_T11-2026_ToCnscdPhuongTranHungDao.xlsx"]
    for argv, words in ((["--period", "2026-Q4"], "từng tháng"), (["--format", "csv"], "xlsx"),
                        (["--team", "9999"], "Không có tổ mã 9999"), (["--out", str(tmp_path / "a.xlsx")], "thư mục")):
        code, out, err = run(["export", "phieu-hoat-dong", "--db", str(db), "--period", "2026-11"] + argv,
                             monkeypatch, capsys, env=ENV)
        assert code == 2 and words in err, (argv, err)


def test_import_filled_sheets_preview_apply_and_again_counts_once(db, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "phieu"
    run(["export", "phieu-hoat-dong", "--db", str(db), "--period", "2026-11", "--out", str(folder)], monkeypatch,
        capsys, env=ENV)
    files = sorted(folder.glob("*.xlsx"))[:2]
    for f in files:
        _fill(f, {("svc:VNEID", "C"): 14, ("svc:VNEID", "D"): 11, ("svc:KDTM", "C"): 6, ("svc:KDTM", "D"): 5,
                  ("kind:den_tung_ho", "C"): 5})
    argv = ["import", "hoat-dong", *map(str, files), "--db", str(db)]
    code, out, err = run(argv + ["--dry-run"], monkeypatch, capsys, env=ENV)
    assert code == 0, err
    assert out.count("20 lượt người được hỗ trợ") == 2 and "chưa ghi gì" in out
    code, out, err = run(argv + ["--dry-run", "--json"], monkeypatch, capsys, env=ENV)
    data = json.loads(out)
    assert code == 0 and data["to_save"] == 2 and data["sheets"][0]["people"] == 20 and data["ok"]
    code, out, err = run(argv, monkeypatch, capsys, env=ENV, stdin="")  # no terminal to ask: nothing written
    assert code == 2 and "--yes" in err

    def counts():
        with Registry.open(db, passphrase=PASS) as reg:
            grid = act.month_grid(reg, "2026-11")
        return {r.team_id: (r.cells["VNEID"].people, r.cells["KDTM"].people) for r in grid.rows
                if "VNEID" in r.cells and "KDTM" in r.cells}

    code, out, err = run(argv + ["--yes"], monkeypatch, capsys, env=ENV)
    assert code == 0, err
    assert "Đã nhập 2 phiếu" in out
    first = counts()
    with Registry.open(db, passphrase=PASS) as reg:
        ids = [s.team_id for s in ts.read_tally_sheets(reg, files).sheets]
    assert all(first[i] == (14, 6) for i in ids)
    code, out, err = run(argv + ["--yes"], monkeypatch, capsys, env=ENV)  # the same sheets again
    assert code == 0 and "thay cho số liệu đã nhập trước" in out
    assert counts() == first  # replaced, not added


def test_import_a_sheet_with_a_bad_cell_writes_nothing_and_names_the_cell(db, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "phieu"
    run(["export", "phieu-hoat-dong", "--db", str(db), "--period", "2026-11", "--team", "2", "--out", str(folder)],
        monkeypatch, capsys, env=ENV)
    [f] = folder.glob("*.xlsx")
    _fill(f, {("svc:HO_SO", "C"): 5, ("svc:HO_SO", "D"): -3})
    before = db.read_bytes()
    code, out, err = run(["import", "hoat-dong", str(f), "--db", str(db), "--yes"], monkeypatch, capsys, env=ENV)
    assert code == 2 and "Ô D" in out and "«-3»" in out and "chưa nhập phiếu nào" in err
    assert db.read_bytes() == before
    code, out, err = run(["import", "hoat-dong", str(f), "--db", str(db), "--period", "2026-Q3", "--dry-run"],
                         monkeypatch, capsys, env=ENV)
    assert code == 2 and "không thuộc kỳ quý III năm 2026" in out
    code, out, err = run(["import", "hoat-dong", str(tmp_path / "khong-co.xlsx"), "--db", str(db)], monkeypatch,
                         capsys, env=ENV)
    assert code == 4 and "Không tìm thấy tệp" in err


# ---------------------------------------------------------------------------
# import thong-ke
# ---------------------------------------------------------------------------
def test_import_statistics_preview_then_apply(db, tmp_path, monkeypatch, capsys):
    sheet = tmp_path / "so-lieu.csv"
    sheet.write_text("Thôn/TDP;Số hộ;Số dân\nTổ dân phố Bạch Đằng;500;1.900\nCộng Hòa 1;370;\n"
                     "Tổng;870;1.900\n", encoding="utf-8")
    argv = ["import", "thong-ke", str(sheet), "--db", str(db), "--year", "2026"]
    code, out, err = run(argv + ["--dry-run"], monkeypatch, capsys, env=ENV)
    assert code == 0, err
    assert "Tổ dân phố Bạch Đằng — số hộ 500 (trước: 413)" in out and "chưa ghi gì" in out
    code, out, err = run(argv + ["--yes"], monkeypatch, capsys, env=ENV)
    assert code == 0, err
    assert "Đã ghi số liệu năm 2026 của 2 thôn/tổ dân phố" in out
    with Registry.open(db, passphrase=PASS) as reg:
        table = act.list_denominators(reg, 2026)
    got = {d.unit_name: (d.households, d.residents) for d in table.villages}
    assert got["Tổ dân phố Bạch Đằng"] == (500, 1900) and got["Tổ dân phố Cộng Hòa 1"][0] == 370
    code, out, err = run(argv + ["--yes"], monkeypatch, capsys, env=ENV)
    assert code == 0 and "Không có gì thay đổi" in out
    sheet.write_text("Thôn/TDP;Số hộ\nBạch Đằng;-5\nThôn Không Có;3\n", encoding="utf-8")
    code, out, err = run(argv + ["--yes"], monkeypatch, capsys, env=ENV)
    assert code == 2 and "Ô B2" in out and "không có trong sổ" in out
    code, out, err = run(["import", "thong-ke", str(sheet), "--db", str(db)], monkeypatch, capsys, env=ENV)
    assert code == 2 and "--year" in err
