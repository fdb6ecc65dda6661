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


def test_province_demo_writes_its_communes_packages_for_the_round_trip(tmp_path, monkeypatch, capsys):
    """Two commands: a province demo with its communes' packages, then receiving them."""
    db, folder = tmp_path / "tinh.cnscd", tmp_path / "goi"
    assert main(["demo", "--scale", "province", "--db", str(db), "--packages", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "cnscd handoff import" in out
    packages = sorted(folder.glob("*.cnscd-goi"))
    assert len(packages) > 100
    from models.demo import DEMO_PASSPHRASE

    monkeypatch.setenv("CNSCD_PASSPHRASE", DEMO_PASSPHRASE)
    assert main(["handoff", "import", str(folder), "--db", str(db), "--yes"]) == 0
    assert main(["handoff", "status", "--db", str(db), "--period", "2026-H2", "--json"]) == 0


def test_province_rolls_up_the_received_packages_into_sheets(tmp_path, monkeypatch, capsys):
    import openpyxl

    from models.demo import DEMO_PASSPHRASE

    db, folder = tmp_path / "tinh.cnscd", tmp_path / "goi"
    assert main(["demo", "--scale", "province", "--db", str(db), "--packages", str(folder)]) == 0
    monkeypatch.setenv("CNSCD_PASSPHRASE", DEMO_PASSPHRASE)
    assert main(["handoff", "import", str(folder), "--db", str(db), "--yes"]) == 0
    out = tmp_path / "TongHop.xlsx"
    assert main(["export", "tong-hop-goi", "--db", str(db), "--period", "2026-H2", "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    assert len(wb.sheetnames) >= 5
    text_all = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value)
    assert "Phụ lục" in text_all or "PHỤ LỤC" in text_all or "TỔ CÔNG NGHỆ SỐ" in text_all


def test_the_program_disables_core_dumps():
    """A crash must not write the decrypted registry into a core file (issue 12 item 13)."""
    import subprocess
    import sys

    code = ("import resource; resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, "
            "resource.RLIM_INFINITY)) if resource.getrlimit(resource.RLIMIT_CORE)[1] == resource.RLIM_INFINITY "
            "else None; from cnscd_tui.cli import main; main(['--version']); "
            "print(resource.getrlimit(resource.RLIMIT_CORE))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "(0, 0)"
