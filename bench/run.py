"""Benchmarks, measured side by side in one run (never asserted in tests).

    python bench/run.py [--times 1 16] [--only store|crash|tui|exports|import] [--repeats N]
                        [--crash-rounds N] [--quick]

``--times``: the scales, as copies of the Quảng Nam province built by the product's own
demo generator (``cnscd demo --scale province --times N``; 1× = 7,446 members, 16× = 119,136).
Every figure is printed with one column per scale, next to its limit:

- unlocking with the product's Argon2id parameters (real KDF, never CNSCD_KDF=fast),
- what unlocking costs beyond the key derivation (the file is read and checked while the key
  is derived; then decrypt and load) — ≤ 150 ms; and an open of the same content with tiny
  KDF parameters (nothing to overlap: read, checksum, decrypt, load),
- saving after one edit vs a raw save of the same bytes done the same way: keep the old file
  as a hard link (so the rename frees no blocks), write a temporary file a MiB at a time
  (faster than one huge write), fsync, rename, fsync the folder, drop the backup that fell
  out of the last ten in the background — ≤ 2×,
- listing the backups (names and headers only) vs checking every one,
- peak memory of a process that unlocks, lists everyone, searches and saves — ≤ 130 MB at 1×,
  ≤ 300 MB at 16× (and the peak after each step; at 1× the unlock's Argon2id, 64 MiB, is most
  of it),
then the crash rounds and the TUI, export and import benchmarks (``bench_*.py``, same ``--times``).
``$CNSCD_BENCH_CACHE``: a folder where the built registries are kept between runs.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    PASS,
    REAL_KDF,
    ROOT,
    TINY_KDF,
    Table,
    check_real_kdf,
    demo_file,
    describe_steps,
    fmt_ms,
    fmt_ratio,
    median_time,
    peak_memory,
)

CHUNK = 1 << 20

PEAK_BODY = r"""
from models.db import Registry
from models import services
step("thư viện")
reg = Registry.open({path!r}, passphrase={pw!r})
step("mở khóa + mở sổ")
rows = services.list_people(reg)
step("liệt kê mọi người")
services.filter_people(rows, query="nguyen thi h")
services.filter_people(rows, query="h")
step("tìm")
services.update_settings(reg, signer_name="Người ký đo bộ nhớ")
step("lưu một lần sửa")
reg.close()
"""


class RawSaver:
    """A save of the same bytes done the way ``store.save`` does it, without the database:
    hard link of the current file into a backup folder, temporary file, fsync, rename,
    fsync of the folder, and the backup that fell out of the last ten removed in a
    background thread (as the store does)."""

    def __init__(self, folder: Path, data: bytes):
        self.path = folder / "raw.bin"
        self.backups = folder / "raw.backups"
        self.backups.mkdir()
        self.data = data
        self.gen = 0
        self.path.write_bytes(data)
        self._bg: threading.Thread | None = None

    def save(self) -> None:
        os.link(self.path, self.backups / f"g{self.gen:06d}")
        tmp = self.path.with_name(f"raw.{self.gen}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(self.data)
            for i in range(0, len(view), CHUNK):  # a MiB at a time, as the store does (one huge write is slower)
                part = view[i:i + CHUNK]
                while part:
                    part = part[os.write(fd, part):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        expired = self.backups / f"g{self.gen - 10:06d}"
        if self._bg is not None:
            self._bg.join()
        self._bg = threading.Thread(target=lambda: expired.unlink(missing_ok=True), daemon=True)
        self._bg.start()
        self.gen += 1


def _open_parts(path: Path) -> dict[str, float]:
    """The steps of an open after the key is derived (a file with tiny KDF parameters)."""
    import sqlite3

    from models import sqlite_memory
    from models import store_format as fmt
    from models.db import Registry

    out = {}
    alloc = sqlite_memory.allocator()  # as Registry.open: read into memory SQLite takes over
    t = time.perf_counter()
    data = fmt.read_file(path, alloc)
    out["đọc tệp"] = time.perf_counter() - t
    t = time.perf_counter()
    parsed = fmt.parse(data, path.name)
    out["kiểm tra tổng"] = time.perf_counter() - t
    t = time.perf_counter()
    key = fmt.unlock_passphrase(parsed.header, PASS)[0]
    out["khóa (KDF nhỏ)"] = time.perf_counter() - t
    t = time.perf_counter()
    del data
    payload = fmt.open_payload(parsed, key)
    out["giải mã"] = time.perf_counter() - t
    t = time.perf_counter()
    conn = sqlite3.connect(":memory:")
    if not (isinstance(payload, memoryview) and alloc is not None and alloc.hand_over(conn, len(payload))):
        conn.deserialize(payload)
    del payload
    conn.execute("PRAGMA user_version").fetchone()
    out["nạp SQLite"] = time.perf_counter() - t
    conn.close()
    del parsed
    if alloc is not None:
        alloc.free()  # when it was not handed over
    t = time.perf_counter()
    Registry.open(path, passphrase=PASS).close()
    out["cả lần mở"] = time.perf_counter() - t
    return out


def _profile_saves(reg, edit, n: int) -> str:
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(n):
        time.sleep(0.05)
        edit()
    pr.disable()
    st = pstats.Stats(pr)
    total = sum(v[2] for v in st.stats.values())  # tottime of everything
    rows = sorted(st.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:8]
    parts = []
    for (file, _line, func), v in rows:
        where = func if file == "~" else f"{Path(file).stem}.{func}"
        parts.append(f"{where} {v[2] / total * 100:.0f}%")
    return ", ".join(parts)


def bench_store(table: Table, times: int, repeats: int, notes: list[str]) -> None:
    from models import services
    from models.db import Registry
    from models.store import EncryptedStore
    from models.store_format import parse

    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        path, build = demo_file(d, times, REAL_KDF)
        size = path.stat().st_size
        notes.append(f"[{times}×] tệp {size / 1e6:.1f} MB" + (f", dựng sổ mẫu {build:.1f} s" if build else ""))
        table.put("kích thước tệp", times, f"{size / 1e6:.1f} MB")

        from models.store_format import argon2

        unlocks, kdfs = [], []
        for _ in range(repeats):  # in pairs, so both see the same machine
            unlocks.append(median_time(lambda: Registry.open(path, passphrase=PASS).close(), 1))
            kdfs.append(median_time(lambda: argon2(PASS.encode(), b"s" * 16, REAL_KDF), 1))
        t_unlock, t_kdf = statistics.median(unlocks), statistics.median(kdfs)
        beyond = statistics.median(u - k for u, k in zip(unlocks, kdfs, strict=True))
        table.put("mở khóa (Argon2id thật + mở sổ)", times, fmt_ms(t_unlock))
        table.put("  trong đó Argon2id", times, fmt_ms(t_kdf))
        table.put("mở khóa trừ Argon2id (chờ thêm sau khi có khóa)", times, fmt_ms(beyond),
                  limit="≤ 150 ms", ok=beyond <= 0.150)

        # The same content under tiny KDF parameters: what remains is read, checksum, decrypt, load.
        st, payload = EncryptedStore.open(path, passphrase=PASS, lock=False)
        st.close()
        fast = d / "fast.cnscd"
        st2, _ = EncryptedStore.create(fast, PASS, payload, schema_version=parse(path.read_bytes(), "x")
                                       .header["schema_version"], kdf=TINY_KDF)
        st2.close()
        del payload
        Registry.open(fast, passphrase=PASS).close()
        t_open = median_time(lambda: Registry.open(fast, passphrase=PASS).close(), repeats)
        table.put("mở sổ với KDF nhỏ (đọc, kiểm tra, giải mã, nạp)", times, fmt_ms(t_open))
        parts = [_open_parts(fast) for _ in range(3)]
        notes.append(f"[{times}×] mở sổ: " + ", ".join(
            f"{k} {fmt_ms(statistics.median(p[k] for p in parts))}" for k in parts[0]))

        reg = Registry.open(fast, passphrase=PASS)
        counter = iter(range(10**6))

        def edit():
            services.update_settings(reg, signer_name=f"Người ký {next(counter)}")

        edit()
        raw = RawSaver(d, fast.read_bytes())
        saves, raws = [], []
        for _ in range(max(8, repeats * 4)):  # interleaved, an idle gap before each
            raws.append(median_time(raw.save, 1, gap=0.05))
            saves.append(median_time(edit, 1, gap=0.05))
        t_save, t_raw = statistics.median(saves), statistics.median(raws)
        table.put("lưu sau một lần sửa", times, fmt_ms(t_save))
        table.put("lưu thô cùng số byte (giữ tệp cũ, fsync)", times, fmt_ms(t_raw))
        table.put("tỉ lệ lưu / lưu thô", times, fmt_ratio(t_save / t_raw), limit="≤ 2×", ok=t_save / t_raw <= 2)
        notes.append(f"[{times}×] lưu (cProfile, phần thời gian riêng): {_profile_saves(reg, edit, 5)}")

        store = reg.store
        full = median_time(lambda: store.list_backups(), 3)
        table.put(f"liệt kê {len(store.list_backups())} bản sao lưu, đọc hết", times, fmt_ms(full))
        try:
            names = median_time(lambda: store.list_backups(verify=False), 3)
            table.put("liệt kê bản sao lưu (không đọc lại)", times, fmt_ms(names), limit="≤ 150 ms",
                      ok=names <= 0.150)
        except TypeError:
            table.put("liệt kê bản sao lưu (không đọc lại)", times, "chưa có")
        reg.close()

        bench_search(table, times, fast)

        peak, steps = peak_memory(PEAK_BODY, path=str(path), pw=PASS)
        limit = 130 if times == 1 else 300
        for (_step, so_far, _), label in zip(steps[1:], ("mở", "mở + liệt kê", "mở + liệt kê + tìm"), strict=False):
            table.put(f"bộ nhớ đỉnh: {label}", times, f"{so_far} MB")
        table.put("bộ nhớ đỉnh: mở, liệt kê, tìm, lưu", times, f"{peak} MB",
                  limit="≤ 130 MB (1×), ≤ 300 MB (16×)", ok=peak <= limit if times in (1, 16) else None)
        notes.append(f"[{times}×] bộ nhớ: {describe_steps(steps)}")


def bench_search(table: Table, times: int, path: Path) -> None:
    """``filter_people`` alone (what each search key costs below the screen), from the whole list."""
    from models import services
    from models.db import Registry

    reg = Registry.open(path, passphrase=PASS, read_only=True)
    try:
        t = time.perf_counter()
        rows = services.list_people(reg)
        table.put("liệt kê mọi người (list_people)", times, fmt_ms(time.perf_counter() - t))
    finally:
        reg.close()

    index = services.PeopleIndex(rows)  # unprepared: what a one-off search (the command line) uses
    t = time.perf_counter()
    prepared = services.PeopleIndex(rows).prepare()  # what the people tab keeps and searches on every key
    table.put("chuẩn bị chỉ mục tìm kiếm (một lần, trang Thành viên)", times, fmt_ms(time.perf_counter() - t))

    def worst(search, queries: list[str]) -> float:
        return max(median_time(lambda q=q: search(q), 3) for q in queries)

    def worst_first(search, queries: list[str]) -> float:
        # a prepared index remembers its answers: each query timed once, the first time it is asked
        out = 0.0
        for q in queries:
            t = time.perf_counter()
            search(q)
            out = max(out, time.perf_counter() - t)
        return out

    ones = ["n", "t", "h", "v", "m", "l"]
    twos = ["n thi", "ng thi", "ngu thi", "nguyen thi", "t van", "h thi h"]
    for name, search, measure in (
            ("filter_people", lambda q: services.filter_people(rows, query=q), worst),
            ("PeopleIndex.search chưa chuẩn bị", index.search, worst),
            ("PeopleIndex.search đã chuẩn bị, lần hỏi đầu", prepared.search, worst_first)):
        table.put(f"{name}: cả danh sách, một chữ (chậm nhất)", times, fmt_ms(measure(search, ones)))
        table.put(f"{name}: cả danh sách, hai từ (chậm nhất)", times, fmt_ms(measure(search, twos)))


def bench_crash(rounds: int) -> None:
    print(f"\nĐộ bền khi bị ngắt (SIGKILL) — {rounds} vòng", flush=True)
    t = time.perf_counter()
    env = dict(os.environ, CNSCD_CRASH_ROUNDS=str(rounds), CNSCD_KDF="fast")  # under pytest: allowed there
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        str(ROOT / "tests" / "test_crash_safety.py")], cwd=ROOT, env=env, capture_output=True, text=True)
    last = (r.stdout.strip().splitlines() or ["?"])[-1]
    print(f"  {rounds} vòng, {time.perf_counter() - t:.0f} s: {'không mất dữ liệu' if r.returncode == 0 else 'LỖI'}"
          f" (pytest: {last})", flush=True)


def run_script(name: str, extra: list[str]) -> None:
    script = ROOT / "bench" / name
    print(f"\n== {name} ==", flush=True)
    subprocess.run([sys.executable, str(script), *extra], cwd=ROOT)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--times", type=int, nargs="+", default=[1, 16], help="scales (copies of the province)")
    ap.add_argument("--quick", action="store_true", help="1× only, fewer repeats and crash rounds")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--crash-rounds", type=int, default=1000)
    ap.add_argument("--only", choices=["store", "crash", "tui", "exports", "import"])
    a = ap.parse_args()
    check_real_kdf()
    scales = [1] if a.quick else a.times
    repeats = 3 if a.quick else a.repeats
    if a.only in (None, "store"):
        print(f"Kho mã hóa — Argon2id m={REAL_KDF.m_kib} KiB, t={REAL_KDF.t}, p={REAL_KDF.p}", flush=True)
        table, notes = Table("Kho mã hóa", scales), []
        for n in scales:
            bench_store(table, n, repeats, notes)
        table.print()
        for line in notes:
            print("  " + line)
    if a.only in (None, "crash"):
        bench_crash(200 if a.quick else a.crash_rounds)
    extra = ["--times", *map(str, scales)]
    if a.only in (None, "tui"):
        run_script("bench_tui.py", extra)
    if a.only in (None, "exports"):
        run_script("bench_exports.py", extra)
    if a.only in (None, "import"):
        run_script("bench_import.py", extra)


if __name__ == "__main__":
    main()
