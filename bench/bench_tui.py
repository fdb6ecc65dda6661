"""Terminal UI figures, measured in a real pseudo-terminal (120×40), side by side at each scale.

    python bench/bench_tui.py [--times 1 16] [--rounds 5] [--search-rounds 3] [--profile DIR]
                              [--parts start unlock tabs search widgets]

1. Start-up: the program to the first paint of its unlock screen vs a hello-world Textual
   app to its first paint, both launched the same way (a fresh ``python`` process in the
   same pseudo-terminal, interleaved, median, after one launch of each that is not timed:
   their modules compiled into a folder of the run's own, as an installed copy has them):
   ratio ≤ 1.5×.
2. Unlocking with the product's Argon2id parameters (the file is built with them): from
   Enter on the passphrase to the dashboard *with its numbers* (the number of active
   members on screen): ≤ 1.5 s at 1×, ≤ 3 s at 16×; to the whole dashboard (every team
   checked: «Tổ đạt yêu cầu» on screen, drawn after the numbers); and launch → dashboard.
3. People search, from key to the end of the repaint it causes: keys that each filter the
   whole list (a first letter in an empty box; a letter typed at the start of a two-word
   query, so no earlier result can be narrowed), the key that empties the box, and
   separately the usual typing, where each key narrows the previous result: ≤ 50 ms. The
   series is typed ``--search-rounds`` times, once the program is at rest (the other tabs'
   background reads done; the wait is printed); next to the wall times, the CPU time of the
   program's screen thread per key (from /proc), which a busy machine does not inflate.
4. Opening each tab (the registry has been saved a dozen times first, so the Settings tab has
   its backups to list): 3 s after unlocking, while the other tabs are still read in the
   background (shown), and again at rest — each tab's own cost, ≤ 150 ms; and the widget count
   of the people list (no widget per row).

``--profile DIR``: py-spy records the program (all threads, idle included) during the
unlock and during the search keys; DIR gets a flame graph and the top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PASS, REAL_KDF, ROOT, TINY_KDF, Table, check_real_kdf, demo_file, fmt_ms, fmt_ratio  # noqa: E402

HELLO = """
from textual.app import App
from textual.widgets import Static
class Hello(App):
    def compose(self):
        yield Static("Xin chào Textual")
Hello().run()
"""

KEYS = {"f2": "\x1bOQ", "f3": "\x1bOR", "f4": "\x1bOS", "f5": "\x1b[15~", "f6": "\x1b[17~",
        "f7": "\x1b[18~", "f8": "\x1b[19~", "f9": "\x1b[20~", "enter": "\r", "backspace": "\x7f",
        "down": "\x1b[B", "escape": "\x1b", "home": "\x1b[H", "end": "\x1b[F", "ctrl+u": "\x15"}


class Terminal:
    """A program in a pseudo-terminal (120×40): keys in, screen updates out.

    Latency = from writing a key to the end of the screen update it causes (the last
    output byte before the program falls quiet for ``QUIET`` seconds; the quiet wait
    itself is not counted). ``QUIET`` is longer than any pause inside one update (Textual
    paints at most 60 frames a second and after a long frame waits up to two frame
    periods) and well below the input cursor's 500 ms blink."""

    QUIET = 0.15

    def __init__(self, argv: list[str]) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40", PYTHONPATH=str(ROOT),
                   PYTHONPYCACHEPREFIX=PYCACHE)
        env.pop("CNSCD_KDF", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed copy has its modules compiled
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT,
                                     close_fds=True, start_new_session=True)
        os.close(slave)
        self.screen = b""
        self.last_cpu = 0.0

    def _read(self, wait: float) -> bool:
        r, _, _ = select.select([self.master], [], [], wait)
        if not r:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return False
        self.screen = (self.screen + data)[-400_000:]
        return True

    def wait_for(self, marker: bytes, timeout: float) -> float:
        """Seconds from now until ``marker`` is on screen (its bytes written); inf on timeout."""
        t0 = time.perf_counter()
        while marker not in self.screen:
            if time.perf_counter() - t0 > timeout:
                return float("inf")
            self._read(0.05)
        return time.perf_counter() - t0

    def read_until_quiet(self, timeout: float) -> float:
        start = last = time.perf_counter()
        while True:
            got = self._read(self.QUIET)
            now = time.perf_counter()
            if got:
                last = now
            elif now - last >= self.QUIET and last > start:
                break
            if now - start > timeout:
                break
        return last

    def send(self, keys: str, wait: float = 5.0) -> float:
        """Latency of ``keys``: to the last byte of the update they cause. The CPU time of the
        program's main thread (the screen's) over the same span is kept in ``last_cpu``: on a
        busy machine the wall time also counts the other programs' turns, the CPU time does not."""
        self.read_until_quiet(0.3)
        self.screen = b""
        cpu0 = self.cpu()
        t0 = time.perf_counter()
        os.write(self.master, keys.encode())
        took = self.read_until_quiet(wait) - t0
        self.last_cpu = self.cpu() - cpu0
        return took

    def cpu(self, ui_only: bool = True) -> float:
        """Seconds of CPU the program has used (from /proc; 0 where there is none): its main
        thread's, where the screen is handled (``ui_only``), or every thread's."""
        pid, total = self.proc.pid, 0
        try:
            for task in ([str(pid)] if ui_only else os.listdir(f"/proc/{pid}/task")):
                with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                    total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
        return total / 1e9

    def wait_at_rest(self, timeout: float, busy: float = 0.1) -> float:
        """Seconds until the program (every thread) uses less than ``busy`` of a core over a
        second, twice running: its background reads are done."""
        t0 = time.perf_counter()
        calm, before = 0, self.cpu(ui_only=False)
        while calm < 2 and time.perf_counter() - t0 < timeout:
            self.read_until_quiet(1.0)
            time.sleep(max(0.0, 1.0 - (time.perf_counter() - t0) % 1.0))
            now = self.cpu(ui_only=False)
            calm = calm + 1 if now - before < busy else 0
            before = now
        return time.perf_counter() - t0

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 15)
            except OSError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        os.close(self.master)


def _ours(db: Path) -> list[str]:
    return [sys.executable, "-m", "cnscd_tui.cli", "--db", str(db)]


# both programs start with compiled modules (an installed copy has them): written into a
# folder of the run's own by a first launch that is not timed (the source tree stays as it is)
PYCACHE = tempfile.mkdtemp(prefix="cnscd-bench-pycache-")

UNLOCK_MARK = "Mật khẩu".encode()
PARTS = ("start", "unlock", "tabs", "search", "widgets")
TEAMS_MARK = "Tổ đạt yêu cầu".encode()  # the dashboard's line drawn once every team has been checked


def startup(table: Table, times: int, db: Path, hello: Path, rounds: int) -> None:
    mine, base = [], []
    for argv, marker in (([sys.executable, str(hello)], b"Xin ch"), (_ours(db), UNLOCK_MARK)):
        term = Terminal(argv)  # not timed: compiles the modules into PYCACHE
        try:
            term.wait_for(marker, 60)
        finally:
            term.close()
    for _ in range(rounds):
        for argv, marker, out in (([sys.executable, str(hello)], b"Xin ch", base), (_ours(db), UNLOCK_MARK, mine)):
            term = Terminal(argv)
            try:
                term.wait_for(marker, 20)
                out.append(time.perf_counter() - term.started)
            finally:
                term.close()
    a, b = statistics.median(mine), statistics.median(base)
    table.put("ứng dụng Textual «xin chào» → lần vẽ đầu", times, fmt_ms(b))
    table.put("Sổ Tổ CNSCĐ → màn hình mở sổ vẽ xong", times, fmt_ms(a))
    table.put("tỉ lệ khởi động (cùng cách chạy, pty)", times, fmt_ratio(a / b), limit="≤ 1,5×", ok=a / b <= 1.5)


def _with_backups(db: Path, saves: int = 12) -> None:
    """A registry as a clerk's looks after some use: a dozen saves, so the backup folder holds
    the last ten generations and a day copy (what the Settings tab lists)."""
    from models import services
    from models.db import Registry

    reg = Registry.open(db, passphrase=PASS)
    try:
        for i in range(saves):
            services.update_settings(reg, signer_name=f"Người ký {i}")
    finally:
        reg.close()


def _number_mark(db: Path) -> tuple[bytes, bytes]:
    """The number of active members as the dashboard writes it (e.g. «119.136»), and the end of
    the people tab's count line once its list is there (e.g. «/119.136 người»)."""
    from models import services
    from models.db import Registry
    from models.text import format_int

    reg = Registry.open(db, passphrase=PASS, read_only=True)
    try:
        everyone = len(services.list_people(reg))
        return format_int(services.stats(reg).active_members).encode(), f"/{format_int(everyone)} người".encode()
    finally:
        reg.close()


def _spy(pid: int, out: Path, seconds: float) -> subprocess.Popen | None:
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        print("    (py-spy chưa cài: .venv/bin/pip install py-spy)")
        return None
    return subprocess.Popen([str(spy), "record", "-p", str(pid), "-o", str(out), "--format", "raw", "-t", "-i",
                             "-r", "200", "-d", str(int(seconds))], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _stop(spy: subprocess.Popen | None) -> None:
    """py-spy writes what it has recorded when interrupted."""
    if spy is not None:
        spy.send_signal(2)
        spy.wait()


IDLE = ("select", "wait", "_worker")  # leaf frames of a thread with nothing to do


def summarise_profile(raw: Path, top: int = 10) -> str:
    """Per thread, its busy samples (idle waits left out: py-spy ran with --idle so lock
    waits show): the functions most often on the stack (inclusive) and on top of it (self)."""
    threads: dict[str, dict] = {}
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit() or not stack:
            continue
        n = int(n)
        frames = stack.split(";")
        t = threads.setdefault(frames[0].split(": ")[0], {"all": 0, "busy": 0, "incl": {}, "self": {}})
        t["all"] += n
        names = [f.split(" (")[0] + (f" ({f.rsplit('/', 1)[-1]}" if "/" in f else "") for f in frames[1:]]
        if not names or names[-1].split(" (")[0].rsplit(".", 1)[-1] in IDLE:
            continue
        t["busy"] += n
        t["self"][names[-1]] = t["self"].get(names[-1], 0) + n
        for name in set(names):
            t["incl"][name] = t["incl"].get(name, 0) + n
    out = []
    for thread, t in sorted(threads.items(), key=lambda kv: -kv[1]["busy"]):
        if not t["busy"]:
            continue
        out.append(f"      {thread}: bận {t['busy'] / t['all'] * 100:.0f}% số mẫu của luồng ({t['busy']} mẫu)")
        for title in ("incl", "self"):  # (frames under every busy sample — the thread's own — left out)
            rows = sorted(((k, v) for k, v in t[title].items() if title == "self" or v < 0.97 * t["busy"]),
                          key=lambda kv: -kv[1])[:top]
            out.append(f"        {'trên ngăn xếp' if title == 'incl' else 'ở đỉnh'}: " + "; ".join(
                f"{name} {n / t['busy'] * 100:.0f}%" for name, n in rows))
    return "\n".join(out)


def unlock_and_search(table: Table, times: int, db: Path, profile: Path | None, parts: set[str],
                      search_rounds: int) -> None:
    mark, listed = _number_mark(db)
    term = Terminal(_ours(db))
    try:
        term.wait_for(UNLOCK_MARK, 30)
        t_screen = time.perf_counter() - term.started
        term.read_until_quiet(1.0)
        spy = _spy(term.proc.pid, profile / f"unlock-x{times}.txt", 60) if profile else None
        if spy:
            time.sleep(1.0)  # py-spy attaches
        term.screen = b""
        os.write(term.master, (PASS + "\r").encode())
        t_dash = term.wait_for(mark, 60)
        t_full = t_dash + term.wait_for(TEAMS_MARK, 60)  # (the screen's bytes since Enter are kept)
        _stop(spy)
        if "unlock" in parts:
            table.put("mật khẩu → Tổng quan có số liệu (Argon2id thật)", times, fmt_ms(t_dash),
                      limit="≤ 1,5 s (1×), ≤ 3 s (16×)", ok=t_dash <= (1.5 if times == 1 else 3.0))
            table.put("mật khẩu → Tổng quan có cả việc cần xử lý (mọi tổ đã kiểm)", times, fmt_ms(t_full))
            table.put("khởi chạy → Tổng quan có số liệu (gõ mật khẩu ngay)", times, fmt_ms(t_screen + t_dash))
        time.sleep(3)  # the other tabs are read in the background after unlocking
        term.read_until_quiet(2)
        if "tabs" in parts:  # while the other tabs are still read in the background (at 16×: for 15–20 s)
            open_tabs(table, times, term, busy=True)
        if "search" in parts:
            people_search(table, times, term, listed, profile, search_rounds)
        if "tabs" in parts:  # what opening a tab itself costs: the program at rest
            term.wait_at_rest(180)
            open_tabs(table, times, term, busy=False)
    finally:
        term.close()
    if profile:
        for what in ("unlock", "search"):
            raw = profile / f"{what}-x{times}.txt"
            if raw.exists():
                print(f"    [{times}×] py-spy, {what} (thời gian riêng, mọi luồng):\n{summarise_profile(raw)}")


def open_tabs(table: Table, times: int, term: Terminal, busy: bool) -> None:
    """Each tab opened in turn (key → end of the update). ``busy``: 3 s after unlocking, while the
    other tabs' background reads still share the interpreter (shown, no limit); else at rest, the
    tab's own cost (the limits)."""
    opened = {name: term.send(KEYS[key]) for key, name in (
        ("f3", "Thôn/Tổ"), ("f4", "Thành viên"), ("f5", "Tập huấn"), ("f6", "Thiết bị"), ("f7", "Báo cáo"),
        ("f8", "Nhật ký"), ("f9", "Cài đặt"), ("f2", "Tổng quan"))}
    worst = max(opened, key=opened.get)
    each = " · ".join(f"{name} {opened[name] * 1000:.0f}" for name in opened) + " ms"
    if busy:
        table.put("mở trang khi các trang khác còn đang được đọc: chậm nhất", times,
                  f"{fmt_ms(opened[worst])} ({worst})")
        table.put("  Cài đặt · từng trang", times, f"{fmt_ms(opened['Cài đặt'])} · {each}")
        return
    table.put("mở một trang (chương trình nghỉ), chậm nhất", times, f"{fmt_ms(opened[worst])} ({worst})",
              limit="≤ 150 ms", ok=opened[worst] <= 0.150)
    table.put("mở trang Cài đặt (chương trình nghỉ)", times, fmt_ms(opened["Cài đặt"]), limit="≤ 150 ms",
              ok=opened["Cài đặt"] <= 0.150)
    table.put("  từng trang", times, each)


def _median_worst(values: list[float]) -> str:
    return f"{fmt_ms(statistics.median(values))} · {fmt_ms(max(values))}"


def people_search(table: Table, times: int, term: Terminal, listed: bytes, profile: Path | None,
                  rounds: int) -> None:
    """The search keys, ``rounds`` times over: wall time (key → end of its repaint) and the
    program's CPU time for each."""
    term.screen = b""
    os.write(term.master, KEYS["f4"].encode())
    # the keys are timed against the whole list: wait for it (at 16× it can come after the 3 s)
    t_list = term.wait_for(listed, 120)
    table.put("trang Thành viên có cả danh sách (sau 3 s nghỉ)", times, fmt_ms(t_list))
    # the keys are timed once the other tabs' background reads are done (they share the
    # interpreter with the screen: while they run, what a key costs is theirs too)
    rest = term.wait_at_rest(180)
    table.put("  chương trình nghỉ hẳn (các trang khác đã đọc xong) sau thêm", times, fmt_ms(rest))
    term.send("/")
    spy = _spy(term.proc.pid, profile / f"search-x{times}.txt", 120 * rounds) if profile else None
    if spy:
        time.sleep(1.0)
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for round_no in range(rounds):
        for kind, pairs in search_series(term, round_no).items():
            wall.setdefault(kind, []).extend(w for w, _ in pairs)
            cpu.setdefault(kind, []).extend(c for _, c in pairs)
    _stop(spy)
    full = wall["first"] + wall["multi"]
    table.put("phím tìm người lọc cả danh sách: trung vị", times, fmt_ms(statistics.median(full)))
    table.put("phím tìm người lọc cả danh sách: chậm nhất", times, fmt_ms(max(full)), limit="≤ 50 ms",
              ok=max(full) <= 0.050)
    for kind, title in (("first", "chữ đầu trong ô trống (1 từ)"), ("multi", "chữ gõ vào đầu câu hai từ"),
                        ("clear", "xóa hết ô tìm (về cả danh sách)")):
        table.put(f"  — {title}: trung vị · chậm nhất", times, _median_worst(wall[kind]))
    table.put("phím gõ tiếp (thu hẹp kết quả trước): trung vị · chậm nhất", times, _median_worst(wall["narrow"]))
    every = [t for ts in wall.values() for t in ts]
    table.put("số phím > 100 ms", times, f"{sum(1 for t in every if t > 0.1)}/{len(every)}")
    # the screen's thread's own CPU per key: what the machine's load does not add
    for kind, title in (("first", "chữ đầu"), ("multi", "đầu câu hai từ"), ("clear", "xóa hết"),
                        ("narrow", "gõ tiếp")):
        table.put(f"  CPU luồng giao diện mỗi phím, {title}: trung vị · chậm nhất", times, _median_worst(cpu[kind]))


# per round of the series: a word typed at the start of a two-word query (before the other
# word), and a name typed key by key (different names each round: earlier answers remembered by
# the program serve only what is typed again). No «a» or «d»: keys of the list.
SERIES = ((" thi", "nguyen", "nguyen thi h"), (" minh", "huynh", "le thi huong"), (" thi", "vo", "vo minh tri"))


def search_series(term: Terminal, round_no: int = 0) -> dict[str, list[tuple[float, float]]]:
    """The search keys (the box focused and empty), each as (wall, CPU) seconds."""
    out: dict[str, list[tuple[float, float]]] = {"first": [], "multi": [], "clear": [], "narrow": []}
    after, before, name = SERIES[round_no % len(SERIES)]

    def key(k: str) -> tuple[float, float]:
        took = term.send(k)
        return took, term.last_cpu

    # a letter typed at the start of «… thi»: a two-word query no earlier result contains
    term.send(after)
    term.send(KEYS["home"])
    out["multi"] = [key(ch) for ch in before]
    out["clear"].append(key(KEYS["end"] + KEYS["ctrl+u"]))
    for ch in "vmlkbcsopr":  # each a first letter in the empty box: the whole list filtered
        out["first"].append(key(ch))
        out["clear"].append(key(KEYS["ctrl+u"]))
    out["narrow"] = [key(ch) for ch in name][1:]  # the first key filters the whole list
    out["narrow"] += [key(KEYS["backspace"]) for _ in range(len(name) - 1)]
    term.send(KEYS["ctrl+u"])
    return out


async def widget_count(table: Table, times: int, db: Path) -> None:
    from cnscd_tui.app import CnscdApp
    from tests.tui_helpers import settle, unlock

    app = CnscdApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await unlock(pilot, PASS)
        await pilot.press("f4")
        await settle(pilot)
        widgets = sum(1 for _ in app.screen.walk_children(with_self=False))
    table.put("số widget khi trang Thành viên mở", times, str(widgets), limit="không dựng widget mỗi dòng",
              ok=widgets < 1000)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--times", type=int, nargs="+", default=[1, 16])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--profile", type=Path, help="py-spy profiles into this folder")
    ap.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS), help="what to measure (all)")
    ap.add_argument("--search-rounds", type=int, default=3, help="times a series of search keys is typed")
    a = ap.parse_args()
    parts = set(a.parts)
    check_real_kdf()
    if a.profile:
        a.profile.mkdir(parents=True, exist_ok=True)
    table = Table("Giao diện (chương trình thật trong terminal giả 120×40)", a.times)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        hello = d / "hello.py"
        hello.write_text(HELLO)
        for n in a.times:
            db, build = demo_file(d, n, REAL_KDF)
            if build:
                print(f"    (dựng sổ mẫu {n}× {build:.1f} s)", flush=True)
            _with_backups(db)
            if "start" in parts:
                startup(table, n, db, hello, a.rounds)
            if parts & {"unlock", "tabs", "search"}:
                unlock_and_search(table, n, db, a.profile, parts, a.search_rounds)
            (d / f"{db.name}.lock").unlink(missing_ok=True)
            if "widgets" in parts:
                small, _ = demo_file(d, n, TINY_KDF, name=f"tiny-x{n}.cnscd")
                asyncio.run(widget_count(table, n, small))
            for f in d.glob("*.cnscd*"):
                if f.is_dir():
                    shutil.rmtree(f)
                else:
                    f.unlink()
    shutil.rmtree(PYCACHE, ignore_errors=True)
    table.print()


if __name__ == "__main__":
    main()
