"""Text snapshots of the main screens at 80×24 and 120×40.

The screen is rendered to plain text (what the clerk reads); the date-dependent
parts (the deadline line, the current year) are normalised. To accept a change
on purpose: ``CNSCD_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_tui_snapshots.py``
and review the diff of ``tests/snapshots/``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from cnscd_tui.app import CnscdApp
from tests.conftest import PASS
from tests.tui_helpers import press, screen_text, settle, unlock

SNAPSHOTS = Path(__file__).parent / "snapshots"


def normalise(text: str) -> str:
    text = re.sub(r"Hạn báo cáo tiếp theo:.*", "Hạn báo cáo tiếp theo: <ẩn vì phụ thuộc ngày chạy>", text)
    year = dt.date.today().year
    text = text.replace(str(year), "<NĂM>").replace(str(year - 1), "<NĂM-1>")
    text = re.sub(r"\d{2}/\d{2}/<NĂM>", "<NGÀY>", text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def check(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    text = normalise(text)
    if os.environ.get("CNSCD_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"chưa có ảnh chụp {path.name}; chạy với CNSCD_UPDATE_SNAPSHOTS=1 rồi xem lại"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"màn hình {name} khác ảnh chụp đã duyệt"


SCREENS = [
    ("tong-quan", []),
    ("thon-to", ["f3"]),
    ("thanh-vien", ["f4"]),
    ("tim-kiem", ["f4", "n", "g", "u", "y", "e", "n", "space", "t", "h", "i"]),
    ("tap-huan", ["f5"]),
    ("thiet-bi", ["f6"]),
    ("bao-cao", ["f7"]),
    ("trang-to", ["f3", "down", "enter"]),
    ("tro-giup", ["f4", "down", "f1"]),
]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_main_screens(tmp_path, commune_demo_bytes, size):
    path = tmp_path / "demo.cnscd"
    path.write_bytes(commune_demo_bytes)
    app = CnscdApp(path, demo_passphrase="demo-cnscd-2026")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        check(f"mo-so_{size[0]}x{size[1]}", screen_text(app).replace(str(path), "<TỆP>"))
        await unlock(pilot, PASS)
        for name, keys in SCREENS:
            await press(pilot, "f2")
            for key in keys:
                await pilot.press(key)
            await settle(pilot)
            check(f"{name}_{size[0]}x{size[1]}", screen_text(app))
            for _ in range(3):
                if type(app.screen).__name__ == "MainScreen":
                    break
                await press(pilot, "escape")
            assert type(app.screen).__name__ == "MainScreen", f"{name}: {type(app.screen).__name__}"
