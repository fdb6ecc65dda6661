"""Export benchmark: the province roster (7,446 rows) as XLSX in the official layout,
next to a bare openpyxl write-only workbook of the same cells, in the same run.

    python bench/bench_exports.py [--repeats N]

Limit: the official-layout XLSX takes ≤ 1.5× the bare write. Also printed (no
limit): building the roster from the registry, the ODS and the CSV.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CNSCD_KDF", "fast")  # the KDF is not what is measured here

PASS = "bench-mat-khau-2026"


def _line(name: str, value: str, limit: str, ok: bool | None) -> None:
    mark = "" if ok is None else ("  ĐẠT" if ok else "  CHƯA ĐẠT")
    print(f"  {name:<46} {value:>18}   giới hạn: {limit}{mark}", flush=True)


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()

    from openpyxl import Workbook

    from exports import report, writers
    from models.demo import create_demo

    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        t = time.perf_counter()
        reg, _ = create_demo(d / "province.cnscd", scale="province", passphrase=PASS)
        print(f"Xuất báo cáo — sổ mẫu cấp tỉnh (dựng {time.perf_counter() - t:.1f} s)", flush=True)
        try:
            t_build = statistics.median(_timed(lambda: report.danh_sach(reg)) for _ in range(3))
            roster = report.danh_sach(reg)
        finally:
            reg.close()
        n = len(roster.rows)
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

        bare()
        official()  # warm both (imports, caches)
        bares, officials = [], []
        for _ in range(a.repeats):  # interleaved so both see the same machine state
            bares.append(_timed(bare))
            officials.append(_timed(official))
        t_bare, t_off = statistics.median(bares), statistics.median(officials)
        ratio = t_off / t_bare if t_bare else float("inf")
        t_ods = _timed(lambda: writers.write_ods(roster, d / "official.ods"))
        t_csv = _timed(lambda: writers.write_csv(roster, d / "official.csv"))

        _line(f"dựng danh sách ({n:,} dòng)".replace(",", "."), f"{t_build * 1000:.0f} ms", "", None)
        _line("openpyxl write-only, cùng các ô (thô)", f"{t_bare * 1000:.0f} ms", "", None)
        _line("XLSX đúng thể thức (danh sách tỉnh)", f"{t_off * 1000:.0f} ms", "", None)
        _line("tỉ lệ XLSX thể thức / ghi thô", f"{ratio:.2f}×", "≤ 1.5×", ratio <= 1.5)
        _line("ODS (cùng danh sách)", f"{t_ods * 1000:.0f} ms", "", None)
        _line("CSV (cùng danh sách)", f"{t_csv * 1000:.0f} ms", "", None)
        print(f"    (kích thước: thô {(d / 'bare.xlsx').stat().st_size / 1e3:.0f} kB, "
              f"thể thức {(d / 'official.xlsx').stat().st_size / 1e3:.0f} kB)", flush=True)


if __name__ == "__main__":
    main()
