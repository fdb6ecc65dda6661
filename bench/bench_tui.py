"""Terminal UI figures, each next to its limit, measured side by side in one run.

    python bench/bench_tui.py [--rounds 7]

1. Start-up to the unlock screen vs a minimal Textual app (both as fresh
   processes, headless, interleaved, median): ≤ 1.5×.
2. At province scale (7,446 members): each keystroke of the people search,
   from key to repaint: ≤ 50 ms; opening each screen ≤ 150 ms; the people list
   builds no per-row widgets.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CNSCD_KDF", "fast")  # unlock cost is measured in bench/run.py

MINIMAL = """
from textual.app import App
from textual.widgets import Static
class Minimal(App):
    def compose(self):
        yield Static("Mở sổ")
    def on_mount(self):
        self.call_after_refresh(lambda: self.call_after_refresh(self.exit))
Minimal().run(headless=True)
"""

OURS = """
import sys
from cnscd_tui.app import CnscdApp
class Timed(CnscdApp):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(lambda: self.call_after_refresh(self._done))
    def _done(self):
        assert type(self.screen).__name__ == "UnlockScreen", type(self.screen).__name__
        self.exit()
Timed(sys.argv[1]).run(headless=True)
"""


def line(name: str, value: str, limit: str, ok: bool | None) -> None:
    mark = "" if ok is None else ("  ĐẠT" if ok else "  CHƯA ĐẠT")
    print(f"  {name:<48} {value:>12}   giới hạn: {limit}{mark}", flush=True)


def startup(path: Path, rounds: int) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    mine, minimal = [], []
    for _ in range(rounds):
        for code, out, args in ((MINIMAL, minimal, []), (OURS, mine, [str(path)])):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", code, *args], check=True, env=env, cwd=ROOT,
                           stdout=subprocess.DEVNULL)
            out.append(time.perf_counter() - t)
    a, b = statistics.median(mine), statistics.median(minimal)
    print("[khởi động] (tiến trình mới, không màn hình, trung vị)")
    line("ứng dụng tối thiểu của Textual", f"{b * 1000:.0f} ms", "", None)
    line("Sổ Tổ CNSCĐ đến màn hình mở sổ", f"{a * 1000:.0f} ms", "", None)
    line("tỉ lệ", f"{a / b:.2f}×", "≤ 1,5×", a / b <= 1.5)


KEYS = {"f2": "\x1bOQ", "f3": "\x1bOR", "f4": "\x1bOS", "f5": "\x1b[15~", "f6": "\x1b[17~",
        "f7": "\x1b[18~", "f8": "\x1b[19~", "f9": "\x1b[20~", "enter": "\r", "backspace": "\x7f",
        "down": "\x1b[B", "escape": "\x1b"}


class Terminal:
    """The real program in a pseudo-terminal (120×40): keys in, screen updates out.

    Latency = from writing a key to the end of the screen update it causes (the
    last output byte before the program falls quiet for ``QUIET`` seconds; the
    quiet wait itself is not counted).

    ``QUIET`` must be longer than any pause inside one update: Textual paints at
    most 60 frames a second and, after a long frame, waits up to two frame periods
    (≈ 33 ms) before the next; a footer rebuilt after a focus change arrived 60–100 ms
    after the tab itself. With 60 ms those late repaints were not counted; 150 ms
    catches them and stays well below the input cursor's 500 ms blink."""

    QUIET = 0.15

    def __init__(self, db: Path, passphrase: str) -> None:
        import pty
        import struct
        import termios
        import fcntl

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40", PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen([sys.executable, "-m", "cnscd_tui.cli", "--db", str(db)], stdin=slave,
                                     stdout=slave, stderr=slave, env=env, cwd=ROOT, close_fds=True,
                                     start_new_session=True)
        os.close(slave)
        self.screen = b""
        self.settle(5.0, until=b"M\xe1\xba\xadt kh\xe1\xba\xa9u")  # «Mật khẩu» on the unlock screen
        self.send(passphrase + "\r", wait=8.0, until="Thôn/TDP".encode())

    def read_until_quiet(self, timeout: float) -> float:
        import select

        start = time.perf_counter()
        last = start
        while True:
            r, _, _ = select.select([self.master], [], [], self.QUIET)
            now = time.perf_counter()
            if r:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    break
                self.screen = (self.screen + data)[-400_000:]
                last = now
            elif now - last >= self.QUIET and last > start:
                break
            if now - start > timeout:
                break
        return last

    def settle(self, timeout: float, until: bytes = b"") -> None:
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            self.read_until_quiet(0.5)
            if not until or until in self.screen:
                return

    def send(self, keys: str, wait: float = 3.0, until: bytes = b"") -> float:
        self.read_until_quiet(0.2)
        self.screen = b""
        t0 = time.perf_counter()
        os.write(self.master, keys.encode())
        last = self.read_until_quiet(wait)
        if until:
            self.settle(wait, until)
            last = time.perf_counter()
        return last - t0

    def close(self) -> None:
        os.write(self.master, b"\x11")  # Ctrl+Q
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self.master)


def province(path: Path) -> None:
    print("[tỉnh: 17 huyện, 1.240 thôn, 7.446 thành viên] (chương trình thật trong terminal giả 120×40, "
          "đo từ lúc gõ phím đến khi màn hình vẽ xong)")
    t = time.perf_counter()
    term = Terminal(path, "bench-pass-1234")
    line("mở khóa → Tổng quan có số liệu", f"{(time.perf_counter() - t) * 1000:.0f} ms", "", None)
    time.sleep(3)  # the other tabs are read in the background after unlocking
    term.read_until_quiet(1)
    opened = {}
    for key, name in (("f3", "Thôn/Tổ"), ("f4", "Thành viên"), ("f5", "Tập huấn"), ("f6", "Thiết bị"),
                      ("f7", "Báo cáo"), ("f8", "Nhật ký"), ("f9", "Cài đặt"), ("f2", "Tổng quan")):
        opened[name] = term.send(KEYS[key])
    for name, t_ in opened.items():
        line(f"mở trang {name}", f"{t_ * 1000:.0f} ms", "≤ 150 ms", t_ <= 0.150)
    term.send(KEYS["f3"])
    term.send(KEYS["down"])
    t_team = term.send(KEYS["down"] + KEYS["enter"])
    line("mở trang một tổ (đọc trong worker)", f"{t_team * 1000:.0f} ms", "≤ 150 ms", t_team <= 0.150)
    term.send(KEYS["escape"], wait=1)
    term.send(KEYS["f4"])
    times = [term.send(ch) for ch in "nguyen thi h"]
    times += [term.send(KEYS["backspace"]) for _ in range(len("nguyen thi h"))]
    med, worst = statistics.median(times), max(times)
    line("mỗi phím khi tìm người (trung vị)", f"{med * 1000:.1f} ms", "≤ 50 ms", med <= 0.050)
    line("mỗi phím khi tìm người (chậm nhất)", f"{worst * 1000:.1f} ms", "≤ 50 ms", worst <= 0.050)
    term.close()


async def widget_count(path: Path) -> None:
    from cnscd_tui.app import CnscdApp
    from tests.tui_helpers import settle, unlock

    app = CnscdApp(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await unlock(pilot, "bench-pass-1234")
        await pilot.press("f4")
        await settle(pilot)
        rows = app.screen.query_one("#people-table").row_count
        widgets = sum(1 for _ in app.screen.walk_children(with_self=False))
        line(f"số widget khi danh sách có {text_int(rows)} người", f"{widgets}", "không dựng widget mỗi dòng",
             widgets < 1000)


def text_int(n: int) -> str:
    from models.text import format_int

    return format_int(n)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    a = ap.parse_args()
    from models.demo import create_demo

    with tempfile.TemporaryDirectory() as d:
        small = Path(d) / "commune.cnscd"
        reg, _ = create_demo(small, scale="commune", passphrase="bench-pass-1234")
        reg.close()
        startup(small, a.rounds)
        big = Path(d) / "province.cnscd"
        t = time.perf_counter()
        reg, _ = create_demo(big, scale="province", passphrase="bench-pass-1234")
        reg.close()
        print(f"    (dựng sổ mẫu cấp tỉnh {time.perf_counter() - t:.1f} s)")
        province(big)
        asyncio.run(widget_count(big))


if __name__ == "__main__":
    main()
