"""Text snapshots of the main screens at 80×24 and 120×40.

The screen is rendered to plain text (what the clerk reads); the date-dependent
parts (the deadline line, the current year) are normalised. To accept a change
on purpose: ``CNSCD_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_tui_snapshots.py``
(or ``CNSCD_UPDATE_SNAPSHOTS=thiet-bi,nhat-ky`` for only those screens) and review the diff
of ``tests/snapshots/``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import re
import shutil
import tempfile
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
    # the Reports tab opens on the quarter under way (as `cnscd export` does)
    text = re.sub(r"Quý (?:I{1,3}|IV)/<NĂM> *", "Quý <QUÝ>/<NĂM> ", text)  # (I to IV: the padding after varies)
    text = re.sub(r"_Q[1-4]-<NĂM>_", "_Q<QUÝ>-<NĂM>_", text)
    text = re.sub(r"\d{2}/\d{2}/<NĂM>", "<NGÀY>", text)
    text = re.sub(r"<NGÀY> \d{2}:\d{2}", "<NGÀY> <GIỜ>", text)  # audit log, backups
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def check(name: str, text: str) -> str:
    """Compare with the approved snapshot; returns what is wrong ("" when it matches), so a test
    can go on and report every screen that changed, not only the first."""
    path = SNAPSHOTS / f"{name}.txt"
    text = normalise(text)
    accept = os.environ.get("CNSCD_UPDATE_SNAPSHOTS", "")
    if accept == "1" or name.rsplit("_", 1)[0] in accept.split(","):
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return ""
    if not path.exists():
        return f"chưa có ảnh chụp {path.name}; chạy với CNSCD_UPDATE_SNAPSHOTS=1 rồi xem lại"
    if text != path.read_text(encoding="utf-8"):
        return f"màn hình {name} khác ảnh chụp đã duyệt:\n{text}"
    return ""


def without_actor(text: str) -> str:
    """The audit log's «Người» column holds the login name of whoever ran the tests."""
    user = getpass.getuser()
    shown = [user] + ([user[:9] + "…"] if len(user) > 10 else [])
    for name in shown:
        text = re.sub(rf"(?<= ){re.escape(name)} *", "<NGƯỜI> ", text)
    return text


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


@pytest.fixture
def short_dir():
    """A folder with a short name, wherever pytest keeps its own (pytest-xdist adds ``popen-gwN/``):
    the registry's path is masked, so it must fit on one line of the unlock screen at 80 columns."""
    d = Path(tempfile.mkdtemp(prefix="cn"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_main_screens(short_dir, commune_demo_bytes, size):
    # 70 characters whatever the folder: alone on its line, as the approved snapshots show it
    path = short_dir / "demo.cnscd"
    path = path.with_name("demo" + "-" * (70 - len(str(path))) + ".cnscd")
    path.write_bytes(commune_demo_bytes)
    app = CnscdApp(path, demo_passphrase="demo-cnscd-2026")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        # the temporary folder's name changes length from run to run: so does the padding after it
        shown = re.sub(re.escape(str(path)) + " *", "<TỆP> ", screen_text(app))
        problems = [check(f"mo-so_{size[0]}x{size[1]}", shown)]
        await unlock(pilot, PASS)
        problems += await _walk(pilot, SCREENS, size)
    assert not any(problems), "\n".join(p for p in problems if p)


async def _walk(pilot, screens, size, clean=lambda text: text) -> list[str]:
    app = pilot.app
    problems = []
    for name, keys in screens:
        await press(pilot, "f2")
        for key in keys:
            await pilot.press(key)
        await settle(pilot)
        problems.append(check(f"{name}_{size[0]}x{size[1]}", clean(screen_text(app))))
        for _ in range(3):
            if type(app.screen).__name__ == "MainScreen":
                break
            await press(pilot, "escape")
        assert type(app.screen).__name__ == "MainScreen", f"{name}: {type(app.screen).__name__}"
    return problems


MORE_SCREENS = [
    ("nhat-ky", ["f8"]),
    ("cai-dat", ["f9"]),
    ("them-nguoi", ["f4", "down", "a"]),  # a form: fields, message line, buttons and key hint
]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_log_settings_and_a_form(tmp_path, commune_demo_bytes, size, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the settings page names the file: a short, fixed name
    path = Path("demo.cnscd")
    path.write_bytes(commune_demo_bytes)
    app = CnscdApp(path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await unlock(pilot, PASS)
        problems = await _walk(pilot, MORE_SCREENS, size, clean=without_actor)
    assert not any(problems), "\n".join(p for p in problems if p)
