"""The program's log and crash reports: written where the platform keeps logs, rotated,
and never holding a person's phone, CCCD or an exception's message."""

from __future__ import annotations

import os
import stat


from models import logs




def test_log_lines_blank_phone_and_cccd_numbers(log_folder):
    path = logs.setup()
    logs.get("test").info("saved after editing person with phone 0912345678 and CCCD 001085012345")
    logs.get("test").info("spaced 0912 345 678, dotted 091.234.5678")
    text = path.read_text(encoding="utf-8")
    assert "0912345678" not in text and "001085012345" not in text
    assert "345 678" not in text and "234.5678" not in text
    assert text.count("[số]") == 4
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_logged_exception_keeps_its_type_not_its_message(log_folder):
    path = logs.setup()
    try:
        raise ValueError("Nguyễn Văn Hải 0912345678")
    except ValueError:
        logs.get("test").exception("export failed")
    text = path.read_text(encoding="utf-8")
    assert "ValueError" in text and "export failed" in text
    assert "Nguyễn" not in text and "0912345678" not in text


def test_crash_report_names_the_place_not_the_data(log_folder):
    def inner():
        raise KeyError("Trần Thị Ưng, CCCD 001085012345")

    try:
        inner()
    except KeyError as exc:
        path = logs.crash_report(exc, where="xuất báo cáo")
    assert path is not None and path.parent == log_folder
    text = path.read_text(encoding="utf-8")
    assert "KeyError" in text and "inner" in text and "xuất báo cáo" in text
    assert "Trần" not in text and "001085012345" not in text
    assert str(path) in logs.excepthook_message(path)


def test_unwritable_log_folder_does_not_stop_the_program(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("CNSCD_LOG_DIR", str(blocker / "logs"))
    monkeypatch.setattr(logs, "_configured", None)
    assert logs.setup() is None
    try:
        raise RuntimeError("x")
    except RuntimeError as exc:
        assert logs.crash_report(exc) is None
