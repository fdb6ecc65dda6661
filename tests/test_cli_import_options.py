"""`cnscd import roster --skip-errors` and `cnscd import phu-luc-1 --replace` from the command line."""

from __future__ import annotations

import contextlib
import io
import shutil
from types import SimpleNamespace

import pytest

from cnscd_tui.cli import main
from models import services
from models.db import Registry

from .conftest import PASS, isolated_env


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


@pytest.fixture(scope="module")
def province_round_trip(tmp_path_factory):
    """Two commands, run once for the module: a province demo with its communes' packages
    (``cnscd demo --packages``), then receiving them (``cnscd handoff import``). What they printed
    and returned is kept for the tests to check; each test works on its own copy of the registry."""
    from models.demo import DEMO_PASSPHRASE

    d = tmp_path_factory.mktemp("tinh")
    db, folder = d / "tinh.cnscd", d / "goi"
    with isolated_env(d / "home") as env:
        with contextlib.redirect_stdout(io.StringIO()) as demo_out:
            demo_code = main(["demo", "--scale", "province", "--db", str(db), "--packages", str(folder)])
        env.setenv("CNSCD_PASSPHRASE", DEMO_PASSPHRASE)
        with contextlib.redirect_stdout(io.StringIO()):
            import_code = main(["handoff", "import", str(folder), "--db", str(db), "--yes"])
    return SimpleNamespace(db=db, folder=folder, demo_code=demo_code, demo_out=demo_out.getvalue(),
                           import_code=import_code)


def _copy_of(trip, tmp_path):
    db = tmp_path / "tinh.cnscd"
    shutil.copyfile(trip.db, db)
    return db


def test_province_demo_writes_its_communes_packages_for_the_round_trip(province_round_trip, tmp_path, monkeypatch):
    """Two commands: a province demo with its communes' packages, then receiving them."""
    trip = province_round_trip
    assert trip.demo_code == 0
    assert "cnscd handoff import" in trip.demo_out
    packages = sorted(trip.folder.glob("*.cnscd-goi"))
    assert len(packages) > 100
    from models.demo import DEMO_PASSPHRASE

    monkeypatch.setenv("CNSCD_PASSPHRASE", DEMO_PASSPHRASE)
    assert trip.import_code == 0
    db = _copy_of(trip, tmp_path)
    assert main(["handoff", "status", "--db", str(db), "--period", "2026-H2", "--json"]) == 0


def test_province_rolls_up_the_received_packages_into_sheets(province_round_trip, tmp_path, monkeypatch):
    import openpyxl

    from models.demo import DEMO_PASSPHRASE

    trip = province_round_trip
    assert trip.demo_code == 0
    monkeypatch.setenv("CNSCD_PASSPHRASE", DEMO_PASSPHRASE)
    assert trip.import_code == 0
    db = _copy_of(trip, tmp_path)
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
