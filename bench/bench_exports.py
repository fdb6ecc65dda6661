"""Export benchmark: every report kind, as XLSX and ODS, from the province demo at each
``--times``, each in a fresh process (its time and its peak memory), side by side.

    python bench/bench_exports.py [--times 1 16] [--kinds …] [--formats xlsx ods] [--no-bare]

Each export opens the registry as ``cnscd export`` does (``read_only=None``), builds the
report (``request.build_pack``) and writes the file (``writers.write``, in memory, then
to disk). Limits: at 16× each export within 1.2× of linear growth from 1× (time ≤ 1.2 ×
16 × the 1× time); ODS ≤ 1.5× the XLSX time of the same report; peak memory ≤ 130 MB at 1×
and ≤ 300 MB at 16× (opening the registry is part of it, and shown on its own row; each export
also shows its own peak from the moment the registry is open, VmHWM reset there). Also
(unless ``--no-bare``): the roster in the official layout vs a bare openpyxl write-only
workbook of the same cells (≤ 1.5×). Periods are fixed (2026-Q3,
2026, 2026-11) so the figures do not move with the date.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PEAK_PRELUDE, PASS, REAL_KDF, ROOT, Table, demo_file, fmt_ms, fmt_ratio  # noqa: E402

PERIODS = {"tap-huan": "2026", "ky-nhan": "2026-Q3", "bao-cao-ky": "2026-Q3", "hoat-dong": "2026-Q3",
           "lich-truc": "2026-11"}

EXPORT_BODY = r"""
from models.db import Registry
from exports import writers
from exports.request import ReportRequest, build_pack, parse_kind_period
step("thư viện")
reg = Registry.open({path!r}, passphrase={pw!r}, read_only=None)
step("mở sổ")
try:  # the peak of the export alone, from here (Linux: "5" resets VmHWM to the resident size now)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
except OSError:
    pass
t = time.perf_counter()
period = parse_kind_period({kind!r}, {period!r}) if {period!r} else None
obj, tag = build_pack(reg, ReportRequest(kind={kind!r}, period=period))
t_build = time.perf_counter() - t
step("dựng báo cáo")
t = time.perf_counter()
writers.write(obj, {out!r}, {fmt!r})
t_write = time.perf_counter() - t
step("ghi tệp")
reg.close()
print("TIMES", t_build, t_write)
"""


PEAK_LIMITS = {1: 130, 16: 300}  # MB, the whole process (opening the registry included)
ROW_LIMIT = "×g ≤ 1,2; đỉnh ≤ 130 MB (1×), ≤ 300 MB (16×)"


def _mark(ok: bool) -> str:
    return " ✓" if ok else " ✗"


def one_export(path: Path, kind: str, fmt: str, out: Path) -> tuple[float, float, int, int, int]:
    """(build s, write s, peak MB, peak MB of opening the registry, peak MB of building and writing)
    of one export in a fresh process."""
    import os
    import subprocess


    code = PEAK_PRELUDE.format(root=str(ROOT)) + EXPORT_BODY.format(
        path=str(path), pw=PASS, kind=kind, period=PERIODS.get(kind, ""), out=str(out), fmt=fmt) + \
        "\nprint(repr(steps))\n"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=dict(os.environ))
    if r.returncode != 0:
        raise RuntimeError(f"{kind} {fmt}: {r.stderr[-2000:]}")
    lines = r.stdout.strip().splitlines()
    times = next(ln for ln in lines if ln.startswith("TIMES")).split()
    steps = eval(lines[-1])  # noqa: S307 - our own child's repr
    opened = next((p for name, p, _ in steps if name == "mở sổ"), 0)
    own = max(p for name, p, _ in steps if name in ("dựng báo cáo", "ghi tệp"))  # after the reset above
    return float(times[1]), float(times[2]), max(opened, own), opened, own


def bare_vs_official(table: Table, times: int, path: Path, d: Path, repeats: int) -> None:
    from openpyxl import Workbook

    from exports import report, writers
    from models.db import Registry

    reg = Registry.open(path, passphrase=PASS, read_only=True)
    try:
        roster = report.danh_sach(reg)
    finally:
        reg.close()
    header = roster.header_rows[0]

    def bare() -> None:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Danh sách")
        ws.append(header)
        for row in roster.rows:
            ws.append(row)
        if roster.total:
            ws.append(roster.total)
        wb.save(d / "bare.xlsx")

    def official() -> None:
        writers.write_xlsx(roster, d / "official.xlsx")

    bares, officials = [], []
    for _ in range(repeats):  # interleaved so both see the same machine state
        for fn, out in ((bare, bares), (official, officials)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    ratio = statistics.median(officials) / statistics.median(bares)
    table.put("danh sách: XLSX thể thức / openpyxl thuần", times, fmt_ratio(ratio), limit="≤ 1,5×", ok=ratio <= 1.5)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--times", type=int, nargs="+", default=[1, 16])
    ap.add_argument("--kinds", nargs="+")
    ap.add_argument("--formats", nargs="+", default=["xlsx", "ods"])
    ap.add_argument("--repeats", type=int, default=3, help="for the bare-openpyxl comparison")
    ap.add_argument("--no-bare", action="store_true")
    a = ap.parse_args()
    from exports.request import ALL_KINDS

    kinds = a.kinds or list(ALL_KINDS)
    table = Table("Xuất báo cáo (mỗi lần một tiến trình mới: dựng + ghi; bộ nhớ đỉnh gồm cả mở sổ)", a.times)
    got: dict[tuple[str, str, int], float] = {}
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        for n in a.times:
            path, build = demo_file(d, n, REAL_KDF)  # unlocking is part of each export's peak memory
            if build:
                print(f"    (dựng sổ mẫu {n}× {build:.1f} s)", flush=True)
            worst_peak = worst_open = worst_own = 0
            limit = PEAK_LIMITS.get(n)
            for kind in kinds:
                for fmt in a.formats:
                    t_build, t_write, peak, opened, own = one_export(path, kind, fmt, d / f"out.{fmt}")
                    total = t_build + t_write
                    got[(kind, fmt, n)] = total
                    worst_peak, worst_open, worst_own = max(worst_peak, peak), max(worst_open, opened), max(worst_own, own)
                    mem = f"{peak} MB{_mark(peak <= limit) if limit else ''}, dựng+ghi {own} MB"
                    cell = f"{fmt_ms(total)} ({mem})"
                    base = got.get((kind, fmt, min(a.times)))
                    if n != min(a.times) and base:
                        growth = total / (base * n / min(a.times))
                        cell = f"{fmt_ms(total)} ×{growth:.2f}{_mark(growth <= 1.2)} ({mem})"
                    table.put(f"{kind} {fmt}", n, cell, limit=ROW_LIMIT)
                    print(f"    [{n}×] {kind} {fmt}: dựng {fmt_ms(t_build)}, ghi {fmt_ms(t_write)}, đỉnh {peak} MB "
                          f"(mở sổ {opened} MB, dựng + ghi {own} MB)", flush=True)
                if "xlsx" in a.formats and "ods" in a.formats:
                    r = got[(kind, "ods", n)] / got[(kind, "xlsx", n)]
                    table.put(f"{kind} ODS / XLSX", n, fmt_ratio(r), limit="≤ 1,5×", ok=r <= 1.5)
            table.put("bộ nhớ đỉnh khi mở sổ (trước khi dựng báo cáo)", n, f"{worst_open} MB")
            table.put("bộ nhớ đỉnh khi dựng + ghi (tính từ lúc sổ đã mở)", n, f"{worst_own} MB")
            table.put("bộ nhớ đỉnh, lần xuất tốn nhất", n, f"{worst_peak} MB", limit="≤ 130 MB (1×), ≤ 300 MB (16×)",
                      ok=worst_peak <= limit if limit else None)
            if not a.no_bare:
                bare_vs_official(table, n, path, d, a.repeats)
    print("  (×g: thời gian so với tăng tuyến tính từ quy mô nhỏ nhất, t(N) / (N × t(1)); giới hạn ≤ 1,2. "
          "Bộ nhớ: đỉnh của cả tiến trình (gồm mở sổ), rồi đỉnh từ lúc sổ đã mở.)")
    table.print()


if __name__ == "__main__":
    main()
