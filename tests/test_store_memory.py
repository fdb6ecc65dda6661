"""An open registry holds its content once: no second copy of the file's size kept to go
back to after a failed save (issue 19: memory at 16× the province). A failed save goes
back to the file this program wrote, read again; when that file is no longer there as
written, the typed data stays in the program and the message says so."""

from __future__ import annotations

import errno
import os
import shutil

import pytest

from models import services
from models import store as st
from models.db import Registry
from models.schema import database
from models.store import SaveFailed

from .conftest import PASS


def _villages(reg) -> list[str]:
    return [v.name for v in services.list_villages(reg)]


def _disk_full(*a, **k):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_no_copy_of_the_content_is_kept_after_opening_or_saving(reg, db_path):
    services.add_village(reg, name="An Lợi")
    assert reg.store.payload is None
    reg.close()
    reg = Registry.open(db_path, passphrase=PASS)
    try:
        assert reg.store.payload is None
        services.add_village(reg, name="Hưng Thịnh")
        assert reg.store.payload is None
    finally:
        reg.close()


def test_a_failed_save_goes_back_to_the_last_save_read_from_disk(reg, db_path, monkeypatch):
    services.add_village(reg, name="An Lợi")
    services.add_village(reg, name="Hưng Thịnh")
    before = db_path.read_bytes()
    monkeypatch.setattr(st.os, "replace", _disk_full)
    with pytest.raises(SaveFailed) as e:
        services.add_village(reg, name="Phú Mỹ")
    monkeypatch.undo()
    assert "vẫn nguyên vẹn" in e.value.message and "đầy" in e.value.message
    assert _villages(reg) == ["An Lợi", "Hưng Thịnh"]
    assert reg.integrity_check() == "ok" and db_path.read_bytes() == before
    services.add_village(reg, name="Phú Mỹ")
    assert _villages(reg) == ["An Lợi", "Hưng Thịnh", "Phú Mỹ"]


def _another_registry(tmp_path, reg):
    other = tmp_path / "khac" / "so.cnscd"
    Registry.create(other, PASS, province="Quảng Nam", commune="Tam Kỳ", lock=False)[0].close()
    database.hand_over(reg.conn)  # the models work on the registry under test again
    return other


def _replaced_by_another_registry(tmp_path, db_path, reg):
    """A save that fails after another program put a different registry file in its place."""
    other = _another_registry(tmp_path, reg)
    real_write = st._write_atomic

    def replaced_then_full(path, fill):
        if path == db_path:  # put in place as programs do: a new file renamed over it
            shutil.copyfile(other, tmp_path / "moi.cnscd")
            os.rename(tmp_path / "moi.cnscd", db_path)
            _disk_full()
        return real_write(path, fill)

    return replaced_then_full


def test_a_failed_save_after_the_file_was_replaced_goes_back_to_its_backup(reg, db_path, tmp_path, monkeypatch):
    services.add_village(reg, name="An Lợi")
    monkeypatch.setattr(st, "_write_atomic", _replaced_by_another_registry(tmp_path, db_path, reg))
    with pytest.raises(SaveFailed) as e:
        services.add_village(reg, name="Hưng Thịnh")
    monkeypatch.undo()
    assert "vẫn nguyên vẹn" not in e.value.message and "chương trình khác" in e.value.message
    # The backup taken just before the save is the file as last saved: the screens show that.
    assert _villages(reg) == ["An Lợi"] and reg.integrity_check() == "ok"


def test_when_nothing_on_disk_is_the_last_save_the_typed_data_stays_and_is_said_to(reg, db_path, tmp_path,
                                                                                   monkeypatch):
    services.add_village(reg, name="An Lợi")
    monkeypatch.setattr(st, "_write_atomic", _replaced_by_another_registry(tmp_path, db_path, reg))
    monkeypatch.setattr(reg.store, "_backup_current", lambda: None)  # no backup could be made either
    with pytest.raises(SaveFailed) as e:
        services.add_village(reg, name="Hưng Thịnh")
    monkeypatch.undo()
    msg = e.value.message
    assert "vẫn nguyên vẹn" not in msg
    assert "chưa được ghi ra đĩa nhưng vẫn còn trong chương trình" in msg
    assert _villages(reg) == ["An Lợi", "Hưng Thịnh"] and reg.integrity_check() == "ok"
    services.add_village(reg, name="Phú Mỹ")  # the next save writes all of it
    reg.close()
    reg = Registry.open(db_path, passphrase=PASS, read_only=True)
    try:
        assert _villages(reg) == ["An Lợi", "Hưng Thịnh", "Phú Mỹ"]
    finally:
        reg.close()


def test_a_passphrase_change_after_saves_re_keys_the_content_as_saved(reg, db_path):
    services.add_village(reg, name="An Lợi")
    services.add_village(reg, name="Hưng Thịnh")
    assert reg.change_passphrase("mat-khau-moi-2026") is None
    reg.close()
    reg = Registry.open(db_path, passphrase="mat-khau-moi-2026", read_only=True)
    try:
        assert _villages(reg) == ["An Lợi", "Hưng Thịnh"]
    finally:
        reg.close()


def test_a_passphrase_change_refuses_when_the_file_on_disk_is_not_the_last_save(reg, db_path, tmp_path):
    services.add_village(reg, name="An Lợi")
    shutil.copyfile(_another_registry(tmp_path, reg), db_path)
    with pytest.raises(SaveFailed) as e:
        reg.change_passphrase("mat-khau-moi-2026")
    assert "Không đổi được mật khẩu" in e.value.message and "không còn là tệp" in e.value.message
    assert "vẫn dùng được" not in e.value.message
