"""An open registry holds its content once: no second copy of the file's size kept to go
back to after a failed save (issue 19: memory at 16× the province). A failed save goes
back to the file this program wrote, read again; when that file is no longer there as
written, the typed data stays in the program and the message says so."""

from __future__ import annotations

import errno
import os
import shutil
import tracemalloc

import pytest

from models import services
from models import sqlite_memory
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


def test_a_passphrase_change_after_the_file_was_replaced_writes_the_registry_again(reg, db_path, tmp_path):
    services.add_village(reg, name="An Lợi")
    shutil.copyfile(_another_registry(tmp_path, reg), db_path)
    assert reg.change_passphrase("mat-khau-moi-2026") is None
    reg.close()
    reg = Registry.open(db_path, passphrase="mat-khau-moi-2026", read_only=True)
    try:
        assert _villages(reg) == ["An Lợi"]
    finally:
        reg.close()


def test_a_store_re_keys_only_the_file_it_wrote(tmp_path):
    """Without an open database to take the content from, a re-key reads the file this store
    wrote; if another file is in its place, it says so and changes nothing."""
    path, other = tmp_path / "so.cnscd", tmp_path / "khac.cnscd"
    st.EncryptedStore.create(other, PASS, b"khac" * 100, schema_version=2)[0].close()
    s, _ = st.EncryptedStore.create(path, PASS, b"so" * 100, schema_version=2)
    try:
        assert s.payload is None
        s.change_passphrase("mat-khau-moi-2026")  # read again from the file it wrote
        shutil.copyfile(other, path)
        with pytest.raises(SaveFailed) as e:
            s.change_passphrase("mat-khau-thu-ba-2026")
    finally:
        s.close()
    assert "Không đổi được mật khẩu" in e.value.message and "không còn là tệp" in e.value.message
    assert "vẫn dùng được" not in e.value.message
    s, content = st.EncryptedStore.open(path, passphrase=PASS, lock=False)
    s.close()
    assert bytes(content) == b"khac" * 100


# ---------------------------------------------------------------------------
# The database's own memory is what is read into and encrypted from
# ---------------------------------------------------------------------------
def _python_peak(fn) -> int:
    """The most memory Python's allocator held at once during ``fn()`` (SQLite's is not counted)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


_REACHED = pytest.mark.skipif(sqlite_memory.allocator() is None,
                              reason="SQLite's own calls are not reachable here: the copies are used")


@_REACHED
def test_opening_and_saving_make_no_copy_of_the_database(reg, db_path):
    with reg.write():  # 8 MB of content: a copy of it would stand out of the 1 MiB work buffers
        reg.conn.execute("CREATE TABLE ballast (b BLOB)")
        reg.conn.execute("INSERT INTO ballast VALUES (randomblob(8000000))")
    reg.close()
    size = db_path.stat().st_size
    opened = []
    peak_open = _python_peak(lambda: opened.append(Registry.open(db_path, passphrase=PASS)))
    reg = opened[0]
    try:
        peak_save = _python_peak(lambda: services.update_settings(reg, signer_name="Người ký mới"))
    finally:
        reg.close()
    # Before: the file was read into a buffer Python allocated, and each save serialised a copy.
    assert peak_open < size // 3 and peak_save < size // 3


@_REACHED
def test_what_is_saved_is_the_database_byte_for_byte(demo_path):
    reg = Registry.open(demo_path, passphrase=PASS)
    try:
        assert sqlite_memory.view(reg.conn) is not None  # the database's memory is reached here
        services.update_settings(reg, signer_name="Người ký mới")
        expected = reg.conn.serialize()
    finally:
        reg.close()
    s, content = st.EncryptedStore.open(demo_path, passphrase=PASS, lock=False)
    s.close()
    assert bytes(content) == expected


def test_a_database_handed_to_sqlite_grows_past_its_first_buffer(reg, db_path):
    services.add_village(reg, name="An Lợi")
    reg.close()
    reg = Registry.open(db_path, passphrase=PASS)
    try:
        for i in range(60):
            services.add_village(reg, name=f"Thôn số {i} có tên dài để thêm trang mới")
        assert reg.integrity_check() == "ok"
    finally:
        reg.close()
    reg = Registry.open(db_path, passphrase=PASS, read_only=True)
    try:
        assert len(_villages(reg)) == 61 and reg.integrity_check() == "ok"
    finally:
        reg.close()


def test_without_sqlite_s_own_calls_the_copies_do_the_same(reg, db_path, monkeypatch):
    monkeypatch.setattr(sqlite_memory, "_api_cache", [None])
    assert sqlite_memory.allocator() is None
    services.add_village(reg, name="An Lợi")
    reg.close()
    reg = Registry.open(db_path, passphrase=PASS)
    try:
        assert sqlite_memory.view(reg.conn) is None
        monkeypatch.setattr(st.os, "replace", _disk_full)
        with pytest.raises(SaveFailed):
            services.add_village(reg, name="Hưng Thịnh")
        monkeypatch.undo()
        monkeypatch.setattr(sqlite_memory, "_api_cache", [None])
        assert _villages(reg) == ["An Lợi"]
        services.add_village(reg, name="Hưng Thịnh")
    finally:
        reg.close()
    reg = Registry.open(db_path, passphrase=PASS, read_only=True)
    try:
        assert _villages(reg) == ["An Lợi", "Hưng Thịnh"]
    finally:
        reg.close()


@_REACHED
def test_a_new_registry_is_saved_from_the_database_s_own_memory_too(reg, db_path):
    assert sqlite_memory.view(reg.conn) is not None
    services.add_village(reg, name="An Lợi")
    assert reg.conn.execute("PRAGMA journal_mode").fetchone()[0] == "memory"
    reg.close()
    reg = Registry.open(db_path, passphrase=PASS, read_only=True)
    try:
        assert _villages(reg) == ["An Lợi"]
    finally:
        reg.close()
