"""What the benchmarks share: demo registries at N× the province, the KDF they are built
with, a side-by-side table (one column per scale), peak memory of a child process and a
pseudo-terminal driver for the real program.

No benchmark relies on ``CNSCD_KDF=fast`` (it only works under pytest): files are built
with an explicit :class:`KdfParams` — the product's own parameters where unlocking is
measured, tiny ones where it is not.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from models.store import KdfParams, default_kdf  # noqa: E402

PASS = "bench-mat-khau-2026"
REAL_KDF = KdfParams(65536, 14, 2)  # the product's parameters for new files (checked below)
TINY_KDF = KdfParams(1024, 1, 1)  # for files whose unlocking is not what is measured
MEMBERS_1X = 7446


def check_real_kdf() -> None:
    if default_kdf() != REAL_KDF:
        raise SystemExit(f"bench: REAL_KDF {REAL_KDF} differs from the product's {default_kdf()}: update bench/common.py")


def cache_dir() -> Path | None:
    """``$CNSCD_BENCH_CACHE``: a folder where built demo registries are kept between runs."""
    d = os.environ.get("CNSCD_BENCH_CACHE")
    return Path(d) if d else None


def demo_file(folder: Path, times: int, kdf: KdfParams, *, name: str = "") -> tuple[Path, float]:
    """A province demo registry at ``times``× in ``folder`` (built, or copied from the cache);
    returns its path and how long building it took (0 when copied)."""
    from models.demo import create_demo

    tag = "real" if kdf == REAL_KDF else f"{kdf.m_kib}-{kdf.t}-{kdf.p}"
    path = folder / (name or f"province-x{times}.cnscd")
    cached = cache_dir() / f"province-x{times}-{tag}.cnscd" if cache_dir() else None
    if cached is not None and cached.exists():
        shutil.copyfile(cached, path)
        os.chmod(path, 0o600)
        return path, 0.0
    t = time.perf_counter()
    reg, _ = create_demo(path, scale="province", times=times, passphrase=PASS, kdf=kdf)
    reg.close()
    took = time.perf_counter() - t
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, cached)
    return path, took


def fmt_ms(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s >= 0.1 else f"{s * 1000:.1f} ms"


def fmt_s(s: float) -> str:
    return f"{s:.2f} s"


def fmt_ratio(r: float) -> str:
    return f"{r:.2f}×"


def median_time(fn, n: int, gap: float = 0.0) -> float:
    """Median of ``n`` timed calls; ``gap`` seconds idle before each."""
    times = []
    for _ in range(n):
        if gap:
            time.sleep(gap)
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


class Table:
    """Rows of figures, one column per scale, printed side by side with the limit."""

    def __init__(self, title: str, scales: list[int]):
        self.title = title
        self.scales = scales
        self.rows: dict[str, dict] = {}

    def put(self, name: str, times: int, value: str, *, limit: str = "", ok: bool | None = None) -> None:
        row = self.rows.setdefault(name, {"limit": limit, "cells": {}})
        if limit:
            row["limit"] = limit
        row["cells"][times] = value + ("" if ok is None else (" ✓" if ok else " ✗"))

    def print(self) -> None:
        width = max([46] + [len(n) for n in self.rows])
        cols = {s: max([8, len(f"{s}×")] + [len(r["cells"].get(s, "")) for r in self.rows.values()]) + 2
                for s in self.scales}
        head = f"  {'':<{width}}" + "".join(f"{str(s) + '×':>{cols[s]}}" for s in self.scales) + "   giới hạn"
        print(f"\n{self.title}\n{head}")
        for name, row in self.rows.items():
            cells = "".join(f"{row['cells'].get(s, '—'):>{cols[s]}}" for s in self.scales)
            print(f"  {name:<{width}}{cells}   {row['limit']}")
        print("  (✓ đạt giới hạn, ✗ chưa đạt)", flush=True)


PEAK_PRELUDE = r"""
import resource, sys, time
sys.path.insert(0, {root!r})
def hwm():
    # VmHWM is reset at exec; ru_maxrss on Linux keeps the parent's peak across fork+exec.
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0
steps = []
def step(name):
    steps.append((name, hwm(), rss()))
"""


def peak_memory(body: str, **fmt) -> tuple[int, list[tuple[str, int, int]]]:
    """Run ``body`` (after :data:`PEAK_PRELUDE`; it calls ``step(name)``) in a fresh process;
    returns (peak MB, [(step, peak MB so far, resident MB now)])."""
    code = PEAK_PRELUDE.format(root=str(ROOT)) + body.format(**fmt) + "\nprint(repr(steps))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ),
                         cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    steps = eval(out.stdout.strip().splitlines()[-1])  # noqa: S307 - our own child's repr
    return max(p for _, p, _ in steps), steps


def describe_steps(steps) -> str:
    return " · ".join(f"{n} {p}/{r}" for n, p, r in steps) + " (MB: đỉnh/đang dùng)"
