"""The Registry: in-memory SQLite persisted through the encrypted store."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from models import services
from models.db import Registry
from models.schema import SCHEMA_VERSION
from models.services import InputError, PersonInput
from models.store import AlreadyOpen, SaveFailed, WrongSecret

from .conftest import PASS


def test_every_committed_change_is_on_disk_when_the_call_returns(reg, db_path):
    services.add_village(reg, name="Thôn Đông Lợi", kind="thôn")
    # Another process-independent open of the file (without the lock) sees it.
    reg2 = Registry.open(db_path, passphrase=PASS, lock=False)
    try:
        names = [v.name for v in services.list_villages(reg2)]
    finally:
        reg2.close()
        from models.schema import database

        database.hand_over(reg.conn)
    assert names == ["Đông Lợi"]


def test_failed_input_writes_nothing(reg, db_path):
    before = db_path.read_bytes()
    with pytest.raises(InputError) as e:
        services.add_person(reg, PersonInput(full_name="Nguyễn Văn An", phone="12345", birth="31/02/1990"))
    msg = e.value.message
    assert "Số điện thoại" in msg and "Ngày sinh" in msg
    assert db_path.read_bytes() == before
    assert services.list_people(reg) == []


def test_save_failure_rolls_back_memory_and_keeps_file(reg, db_path, monkeypatch):
    services.add_village(reg, name="An Lợi")
    before = db_path.read_bytes()

    def boom(*a, **k):
        raise SaveFailed("Không lưu được sổ (lý do: ổ đĩa đã đầy).")

    monkeypatch.setattr(reg.store, "save", boom)
    with pytest.raises(SaveFailed):
        services.add_village(reg, name="Hưng Thịnh")
    # What the clerk sees is what is on disk: the village is not there.
    assert [v.name for v in services.list_villages(reg)] == ["An Lợi"]
    assert db_path.read_bytes() == before
    monkeypatch.undo()
    services.add_village(reg, name="Hưng Thịnh")
    assert [v.name for v in services.list_villages(reg)] == ["An Lợi", "Hưng Thịnh"]


def test_the_first_write_after_opening_can_still_go_back(reg, db_path, monkeypatch):
    """After opening, only the database holds the content (no second copy of the file's size);
    the first write takes the copy a failed save goes back to."""
    services.add_village(reg, name="An Lợi")
    reg.close()
    reg = Registry.open(db_path, passphrase=PASS)
    try:
        assert reg.store.payload is None
        before = db_path.read_bytes()

        def boom(*a, **k):
            raise SaveFailed("Không lưu được sổ (lý do: ổ đĩa đã đầy).")

        monkeypatch.setattr(reg.store, "save", boom)
        with pytest.raises(SaveFailed):
            services.add_village(reg, name="Hưng Thịnh")
        assert [v.name for v in services.list_villages(reg)] == ["An Lợi"]
        assert reg.integrity_check() == "ok" and db_path.read_bytes() == before
        monkeypatch.undo()
        services.add_village(reg, name="Hưng Thịnh")
        assert reg.store.payload is None  # nor after a save (a failed one reads the file again)
    finally:
        reg.close()
    reg = Registry.open(db_path, passphrase=PASS)
    try:
        assert reg.change_passphrase("mat-khau-moi-2026") is None  # re-keys the content as saved
    finally:
        reg.close()
    reg = Registry.open(db_path, passphrase="mat-khau-moi-2026", read_only=True)
    try:
        assert [v.name for v in services.list_villages(reg)] == ["An Lợi", "Hưng Thịnh"]
    finally:
        reg.close()


def test_second_instance_is_refused(reg, db_path):
    with pytest.raises(AlreadyOpen) as e:
        Registry.open(db_path, passphrase=PASS)
    assert "đang được mở" in e.value.message
    assert str(os.getpid()) in e.value.message
    assert e.value.exit_code == 5


def test_wrong_passphrase(reg, db_path):
    reg.close()
    with pytest.raises(WrongSecret) as e:
        Registry.open(db_path, passphrase="sai-mat-khau")
    assert e.value.exit_code == 3


def test_nothing_plain_on_disk_and_memory_only_sqlite(demo, tmp_path):
    row = services.list_people(demo)[0]
    for f in tmp_path.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            assert row.family_name.encode() not in data
            assert row.given_name.encode() + b"\x00" not in data
            assert b"SQLite format 3" not in data
    assert demo.conn.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
    assert demo.conn.execute("PRAGMA journal_mode").fetchone()[0] == "memory"


def test_migration_from_v1_file(tmp_path):
    """A file written by schema version 1 opens, is migrated and searchable."""
    from models import migrations
    from models.store import EncryptedStore

    conn = sqlite3.connect(":memory:")
    conn.executescript(migrations.V1_DDL)
    conn.execute("INSERT INTO unit (id, parent_id, level, kind, name, code, former_unit, sort_order, active, note)"
                 " VALUES (1, NULL, 'xa', 'xã', 'Lê Lợi', '', '', 0, 1, '')")
    conn.execute("INSERT INTO person (family_name, given_name, gender, birth_date, birth_year, phone, cccd,"
                 " cccd_legacy, village_id, notes) VALUES ('Đặng Thị', 'Hà', 'nu', NULL, 1990, '', '', 0, NULL, '')")
    conn.execute("INSERT INTO setting VALUES ('commune', '\"Lê Lợi\"')")
    conn.commit()
    path = tmp_path / "v1.cnscd"
    store, _ = EncryptedStore.create(path, PASS, conn.serialize(), schema_version=1)
    store.close()

    reg = Registry.open(path, passphrase=PASS)
    try:
        assert reg.migrated_from == 1
        assert reg.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        rows = services.filter_people(services.list_people(reg), query="dang thi ha")
        assert [r.full_name for r in rows] == ["Đặng Thị Hà"]
        log = services.list_audit(reg)
        assert any("phiên bản 1 lên 2" in e.summary for e in log)
        # and it can use the v2 table
        v = reg.conn.execute("SELECT COUNT(*) FROM equipment_need").fetchone()[0]
        assert v == 0
    finally:
        reg.close()
    # Persisted: opening again needs no migration and keeps the data.
    reg = Registry.open(path, passphrase=PASS)
    try:
        assert reg.migrated_from is None
        assert reg.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert len(services.list_people(reg)) == 1
    finally:
        reg.close()


def _empty_v1_file(tmp_path):
    """An encrypted registry file of schema version 1 (no rows), and its bytes."""
    from models import migrations
    from models.store import EncryptedStore

    conn = sqlite3.connect(":memory:")
    conn.executescript(migrations.V1_DDL)
    path = tmp_path / "v1.cnscd"
    EncryptedStore.create(path, PASS, conn.serialize(), schema_version=1)[0].close()
    return path, path.read_bytes()


def test_missing_migration_step_is_a_store_error_and_leaves_the_file(tmp_path, monkeypatch):
    from models import migrations
    from models.store import StoreError

    path, before = _empty_v1_file(tmp_path)
    with monkeypatch.context() as m:
        m.setattr(migrations, "STEPS", {})
        with pytest.raises(StoreError) as e:
            Registry.open(path, passphrase=PASS)
    assert e.value.exit_code == 4
    assert "thiếu bước nâng cấp cấu trúc dữ liệu từ phiên bản 1 lên 2" in e.value.message
    assert path.read_bytes() == before
    reg = Registry.open(path, passphrase=PASS)  # the failed open let go of the lock
    try:
        assert reg.migrated_from == 1
    finally:
        reg.close()


def test_migration_step_that_does_not_fit_the_data_is_exit_4_and_leaves_the_file(tmp_path, monkeypatch):
    from models import migrations
    from models.store import StoreError

    path, before = _empty_v1_file(tmp_path)

    def broken_step(c):
        c.execute("ALTER TABLE bang_khong_co ADD COLUMN x TEXT")

    with monkeypatch.context() as m:
        m.setattr(migrations, "STEPS", {**migrations.STEPS, 1: broken_step})
        with pytest.raises(StoreError) as e:
            Registry.open(path, passphrase=PASS)
    assert e.value.exit_code == 4
    assert "Không nâng cấp được sổ từ phiên bản cấu trúc 1 lên 2" in e.value.message
    assert "Sổ chưa bị thay đổi" in e.value.message
    assert path.read_bytes() == before
    Registry.open(path, passphrase=PASS).close()  # lock released; the real step still works


def test_newer_schema_refused(tmp_path):
    from models.store import EncryptedStore

    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA user_version = 99")
    conn.execute("CREATE TABLE x (a)")
    path = tmp_path / "new.cnscd"
    store, _ = EncryptedStore.create(path, PASS, conn.serialize(), schema_version=99)
    store.close()
    from models.store import StoreError

    with pytest.raises(StoreError) as e:
        Registry.open(path, passphrase=PASS)
    assert "mới hơn" in e.value.message
    assert e.value.exit_code == 4


def test_core_modules_never_import_textual():
    code = (
        "import sys\n"
        "import models.db, models.services, models.rules, models.demo, models.store, models.text, models.validate\n"
        "import exports\n"
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_member_name_or_phone_on_disk_after_a_demo_run(tmp_path, monkeypatch, capsys):
    """`cnscd demo` into the default data folder; no file there carries personal data in plain form."""
    from cnscd_tui.cli import main
    from models.db import default_db_path

    assert main(["demo"]) == 0
    path = default_db_path()
    data_dir = path.parent
    assert path.exists() and str(data_dir).startswith(os.environ["HOME"])
    reg = Registry.open(path, passphrase="demo-cnscd-2026")
    try:
        people = services.list_people(reg)
    finally:
        reg.close()
    needles = set()
    for p in people:
        needles.add(p.full_name.encode("utf-8"))
        needles.add(p.full_name.encode("utf-16-le"))
        if p.phone:
            needles.add(p.phone.encode())
    files = [f for f in data_dir.rglob("*") if f.is_file()]
    assert len(files) >= 2  # the registry and at least one backup or lock
    for f in files:
        blob = f.read_bytes()
        for n in needles:
            assert n not in blob, f"{n!r} in {f}"
