"""`cnscd import roster --skip-errors` and `cnscd import phu-luc-1 --replace` from the command line."""

from __future__ import annotations

from cnscd_tui.cli import main
from models import services
from models.db import Registry

from .conftest import PASS


def _roster_csv(path):
    path.write_text(
        "STT,Họ và tên,Năm sinh,Số điện thoại,Thôn/TDP,Chức vụ\n"
        "1,Nguyễn Văn Hải,1980,0912345678,Đông Lợi,Trưởng thôn\n"
        "2,Trần Thị Ưng,1995,09123,Đông Lợi,Bí thư Chi đoàn\n"  # a phone too short: an error row
        "3,Lê Văn Đạt,1970,0987654321,Đông Lợi,Trưởng ban công tác Mặt trận\n",
        encoding="utf-8-sig")
    return path


def test_skip_errors_imports_the_good_rows_and_writes_the_rest_to_fix(reg, tmp_path, monkeypatch, capsys):
    services.add_village(reg, name="Đông Lợi", kind="thôn")
    db = reg.path
    reg.close()
    monkeypatch.setenv("CNSCD_PASSPHRASE", PASS)
    f = _roster_csv(tmp_path / "ds.csv")
    assert main(["import", "roster", str(f), "--db", str(db), "--yes", "--create-villages"]) == 2
    assert "--skip-errors" in capsys.readouterr().err
    assert main(["import", "roster", str(f), "--db", str(db), "--yes", "--skip-errors"]) == 0
    out = capsys.readouterr().out
    assert "thêm mới 2" in out and "Bỏ qua 1 dòng" in out
    skipped = tmp_path / "ds_chua-nhap.xlsx"
    assert skipped.exists()
    r = Registry.open(db, passphrase=PASS)
    try:
        people = {p.full_name: p for p in services.list_people(r)}
        assert set(people) == {"Nguyễn Văn Hải", "Lê Văn Đạt"}
        # categories come from the organisation named in «Chức vụ», not from the first word
        assert people["Lê Văn Đạt"].categories == ("MTTQ",)
        assert people["Nguyễn Văn Hải"].categories == ("TRUONG_THON",)
    finally:
        r.close()
