"""Start-up alone, in a real pseudo-terminal (120×40): the program to the first paint of its
unlock screen vs a hello-world Textual app to its first paint, both launched the same way
(a fresh ``python`` process, interleaved, median), as ``bench_tui.py`` measures it; and
``cnscd --version``.

    python bench/bench_startup.py [--rounds 9] [--db FILE] [--importtime FILE] [--pyc DIR]

``--db``: a registry file to open (any will do: start-up ends before the passphrase);
without it a small one is made in a temporary folder. ``--importtime FILE``: one more
launch with ``python -X importtime``, its report written to FILE (sorted by cumulative time).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tui import HELLO, UNLOCK_MARK, Terminal  # noqa: E402
from common import ROOT, TINY_KDF, demo_file, fmt_ms, fmt_ratio  # noqa: E402


def _ours(db: Path, *flags: str) -> list[str]:
    return [sys.executable, *flags, "-m", "cnscd_tui.cli", "--db", str(db)]


def once(argv: list[str], marker: bytes) -> float:
    term = Terminal(argv)
    try:
        if term.wait_for(marker, 30) == float("inf"):
            raise SystemExit(f"bench: {marker!r} never appeared: {term.screen[-2000:]!r}")
        return time.perf_counter() - term.started
    finally:
        term.close()


WRAP = """
import os, runpy, sys
# -X importtime reports on file descriptor 2; Textual paints on sys.__stderr__: the terminal
tty = os.dup(2)
os.dup2(os.open({log!r}, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
sys.__stderr__ = sys.stderr = open(tty, "w", encoding="utf-8", errors="replace")
sys.argv = ["cnscd", "--db", {db!r}]
runpy.run_module("cnscd_tui.cli", run_name="__main__")
"""


def importtime(db: Path, out: Path) -> None:
    """One launch under ``-X importtime`` (its report to a file, not the terminal)."""
    log = out.with_suffix(".raw")
    term = Terminal([sys.executable, "-X", "importtime", "-c", WRAP.format(log=str(log), db=str(db))])
    try:
        term.wait_for(UNLOCK_MARK, 30)
    finally:
        term.close()
    rows = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            own, cum, name = line[len("import time:"):].split("|", 2)
            if own.strip().isdigit():
                rows.append((int(cum), int(own), name.rstrip()))
    rows.sort(reverse=True)
    out.write_text("".join(f"{c / 1000:8.1f} {o / 1000:8.1f}  {n}\n" for c, o, n in rows))
    print(f"    -X importtime: {len(rows)} modules, {sum(o for _, o, _ in rows) / 1000:.0f} ms, report in {out}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--importtime", type=Path)
    ap.add_argument("--pyc", type=Path, help="compiled modules kept in this folder (as an installed program "
                    "has them); without it the environment decides (PYTHONDONTWRITEBYTECODE)")
    a = ap.parse_args()
    if a.pyc:
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(a.pyc.resolve())
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        hello = d / "hello.py"
        hello.write_text(HELLO)
        db = a.db
        if db is None:
            db, _ = demo_file(d, 1, TINY_KDF)
        if a.importtime:
            importtime(db, a.importtime)
        mine, base, version = [], [], []
        for _ in range(a.rounds):
            base.append(once([sys.executable, str(hello)], b"Xin ch"))
            mine.append(once(_ours(db), UNLOCK_MARK))
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "cnscd_tui.cli", "--version"], capture_output=True, cwd=ROOT,
                           check=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
            version.append(time.perf_counter() - t)
        ratios = sorted(m / b for m, b in zip(mine, base, strict=True))
        a_, b_ = statistics.median(mine), statistics.median(base)
        print(f"  hello → lần vẽ đầu            {fmt_ms(b_)} (khoảng {fmt_ms(min(base))}–{fmt_ms(max(base))})")
        print(f"  Sổ Tổ → màn hình mở sổ        {fmt_ms(a_)} (khoảng {fmt_ms(min(mine))}–{fmt_ms(max(mine))})")
        print(f"  tỉ lệ (trung vị / trung vị)   {fmt_ratio(a_ / b_)}   giới hạn ≤ 1,5×")
        print(f"  tỉ lệ từng cặp                {fmt_ratio(ratios[0])}–{fmt_ratio(ratios[-1])}, "
              f"trung vị {fmt_ratio(statistics.median(ratios))}")
        print(f"  cnscd --version               {fmt_ms(statistics.median(version))}")


if __name__ == "__main__":
    main()
