"""What the program survives (issue 12): each figure printed next to what is required.

    python bench/bench_trust.py                     # everything (about 10 minutes on a busy 2-core machine)
    python bench/bench_trust.py --only crash flips  # some parts: crash, flips, corpus

(a) **SIGKILL while saving.** A child process saves in a loop and is killed: at each point inside a
    save where the store lets a fault be injected (``models.store.FAULT_POINTS``: after the backup
    link, the tmp write, its fsync, the replace, the folder fsync, the backup clean-up), inside a
    passphrase change (re-keying), and at random moments. After each kill the file is opened:
    *corrupt* = it does not open, its SQLite is not intact, a backup is not a complete file, or a
    kill before/after the replace left the other version; *lost* = a row the child was told was
    saved is missing. The helpers are those of tests/test_crash_safety.py.
(b) **Damaged files.** A commune registry (tiny key derivation: its unlocking is not what is measured)
    gets byte flips (in the header and anywhere), truncations and appended bytes. Each copy must be
    reported damaged (the store's :class:`DamagedFile`; ``cnscd verify`` exit 4 for a sample), or open
    with exactly the same data. Anything else (a wrong-passphrase answer, another error, other data) is
    counted.
(c) **Hostile spreadsheets.** The corpus of tests/test_hostile_files.py (bombs, spans, entities, damaged
    zips, control characters…) and its fuzzed copies, each read by the importer in a memory-limited
    child; and the shapes that must never reach openpyxl given to the tally-sheet reader and the template
    filler (tests/test_trust_imports.py). Outcomes: refused cleanly (Vietnamese, says what to do, no
    library text) / accepted and read correctly / anything else (a traceback, English text, a good file
    refused, more than 10 s of CPU, more than 300 MB).
(d) **The worst file**: the corpus file with the highest peak memory and the one with the most CPU time.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import PASS, TINY_KDF  # noqa: E402

CPU_LIMIT = 10.0  # seconds, per file
RSS_LIMIT = 300  # MB, per file


def line(what: str, got: str, want: str, ok: bool) -> None:
    print(f"  {what:<58} {got:>22}   yêu cầu: {want:<14} {'ĐẠT' if ok else 'CHƯA ĐẠT'}", flush=True)


# ---------------------------------------------------------------------------
# (a) SIGKILL
# ---------------------------------------------------------------------------
def _state(path: Path, **secret) -> tuple[bool, set[int]]:
    """(opens and is intact, its row ids)."""
    from models import store as st
    from tests import test_crash_safety as cs

    try:
        rows = cs._rows(path, **secret)
        for f in st.backup_dir(path).iterdir() if st.backup_dir(path).exists() else ():
            st.check_file(f)
        return True, rows
    except Exception:
        return False, set()


def bench_crash(fault_rounds: int, passwd_rounds: int, random_rounds: int) -> dict:
    from models import store as st
    from tests import test_crash_safety as cs

    ctx = mp.get_context("fork")
    c = {"rounds": 0, "corrupt": 0, "lost": 0, "other": 0, "fault": 0, "passwd": 0, "random": 0}
    with tempfile.TemporaryDirectory() as d:
        for point in st.FAULT_POINTS:
            folder = Path(d) / point
            folder.mkdir()
            path = folder / "crash.cnscd"
            cs._new_file(path)
            start = 0
            for _ in range(fault_rounds):
                code, out = cs._run_child(ctx, cs._saver, str(path), start, fault=point, then=2)
                acked = {int(x) for x in out.split()}
                ok, have = _state(path, passphrase=cs.PW)
                c["rounds"] += 1
                c["fault"] += 1
                c["corrupt"] += not ok
                c["lost"] += len(acked - have)
                new_there = start + 3 in have
                c["other"] += code != cs.KILLED or (ok and new_there != (point in cs.AFTER_REPLACE))
                start = max(have | {start + 3})
        for point in [p for p in st.FAULT_POINTS if p not in ("backup-linked", "rotation-started")]:
            for i in range(passwd_rounds):
                folder = Path(d) / f"pw-{point}-{i}"
                folder.mkdir()
                path = folder / "crash.cnscd"
                recovery = cs._new_file(path, rows=1)
                p = ctx.Process(target=_change_passphrase, args=(str(path), point))
                p.start()
                p.join()
                good = cs.NEW_PW if point in cs.AFTER_REPLACE else cs.PW
                ok, have = _state(path, passphrase=good)
                ok_rk, have_rk = _state(path, recovery_key=recovery)
                c["rounds"] += 1
                c["passwd"] += 1
                c["corrupt"] += not (ok and ok_rk)
                c["lost"] += (1 not in have) + (1 not in have_rk)
                c["other"] += p.exitcode != cs.KILLED
        _random_kills(ctx, Path(d) / "random", random_rounds, c)
    return c


def _change_passphrase(path: str, point: str) -> None:
    from models import store as st
    from tests import test_crash_safety as cs

    s, _ = st.EncryptedStore.open(Path(path), passphrase=cs.PW)
    st._fault_hook = lambda p: p == point and os.kill(os.getpid(), signal.SIGKILL)
    s.change_passphrase(cs.NEW_PW)
    os._exit(3)


def _random_kills(ctx, folder: Path, rounds: int, c: dict) -> None:
    from tests import test_crash_safety as cs

    folder.mkdir()
    path = folder / "crash.cnscd"
    cs._new_file(path)
    rng = random.Random(20261122)
    acked: set[int] = set()
    start = 0
    for _ in range(rounds):
        r, w = os.pipe()
        p = ctx.Process(target=cs._saver, args=(str(path), start, w))
        p.start()
        os.close(w)
        first = cs._first_line(r)
        time.sleep(rng.uniform(0, 0.02))
        os.kill(p.pid, signal.SIGKILL)
        p.join()
        lines = (first + cs._read_all(r).encode()).decode().split("\n")
        acked.update(int(x) for x in lines[:-1] if x)
        ok, have = _state(path, passphrase=cs.PW)
        c["rounds"] += 1
        c["random"] += 1
        c["corrupt"] += not ok
        c["lost"] += len(acked - have)
        c["other"] += not first or p.exitcode != cs.KILLED
        start = max(have | {start})


def report_crash(c: dict, t: float) -> None:
    print(f"\n(a) SIGKILL khi đang lưu — {c['rounds']} vòng ({c['fault']} tại các điểm lỗi trong lúc lưu, "
          f"{c['passwd']} khi đổi mật khẩu, {c['random']} vào lúc ngẫu nhiên), {t:.0f} s", flush=True)
    line("số vòng", f"{c['rounds']}", "≥ 300", c["rounds"] >= 300)
    line("tệp hỏng (không mở được, SQLite hỏng, sao lưu dở)", f"{c['corrupt']}", "0", c["corrupt"] == 0)
    line("lần ghi đã báo «đã lưu» mà mất", f"{c['lost']}", "0", c["lost"] == 0)
    line("khác (sai bản cũ/mới, không bị ngắt đúng chỗ)", f"{c['other']}", "0", c["other"] == 0)


# ---------------------------------------------------------------------------
# (b) byte flips, truncations, appends
# ---------------------------------------------------------------------------
def _mutations(data: bytes, n: int, key: int = 12):
    rng = random.Random(key)
    header = min(len(data), 4096)
    for i in range(n):
        b = bytearray(data)
        how = ("flip-header", "flip", "truncate", "append")[i % 4]
        if how == "flip-header":
            for _ in range(rng.randint(1, 4)):
                b[rng.randrange(header)] ^= rng.randrange(1, 256)
        elif how == "flip":
            for _ in range(rng.randint(1, 8)):
                b[rng.randrange(len(b))] ^= rng.randrange(1, 256)
        elif how == "truncate":
            b = b[: rng.randrange(len(b))]
        else:
            b += rng.randbytes(rng.randint(1, 4096))
        yield how, bytes(b)


def bench_flips(n: int, cli_sample: int) -> dict:
    from models.demo import create_demo
    from models.errors import DamagedFile, WrongSecret
    from models.store import EncryptedStore

    c = {"total": 0, "damaged": 0, "identical": 0, "wrong_secret": 0, "other": 0, "slowest": 0.0,
         "cli": 0, "cli_ok": 0, "by": {}}
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "goc.cnscd"
        reg, _ = create_demo(src, scale="commune", passphrase=PASS, kdf=TINY_KDF)
        reg.close()
        data = src.read_bytes()
        _s, want = EncryptedStore.open(src, passphrase=PASS, read_only=True)
        _s.close()
        folder = Path(d) / "hong"
        folder.mkdir()
        p = folder / "so.cnscd"
        cli_every = max(1, n // max(1, cli_sample))
        for i, (how, b) in enumerate(_mutations(data, n)):
            p.write_bytes(b)
            t = time.perf_counter()
            try:
                s, got = EncryptedStore.open(p, passphrase=PASS, read_only=True)
                s.close()
                outcome = "identical" if got == want else "other"
            except DamagedFile:
                outcome = "damaged"
            except WrongSecret:
                outcome = "wrong_secret"
            except Exception:
                outcome = "other"
            c["slowest"] = max(c["slowest"], time.perf_counter() - t)
            c["total"] += 1
            c[outcome] += 1
            c["by"].setdefault(how, {}).setdefault(outcome, 0)
            c["by"][how][outcome] += 1
            if cli_sample and i % cli_every == 0 and c["cli"] < cli_sample:
                r = subprocess.run([str(Path(sys.executable).parent / "cnscd"), "verify", "--db", str(p)],
                                   env=dict(os.environ, CNSCD_PASSPHRASE=PASS), capture_output=True, text=True,
                                   timeout=120)
                c["cli"] += 1
                c["cli_ok"] += r.returncode == (0 if outcome == "identical" else 4) and "Traceback" not in r.stderr
            for extra in folder.iterdir():
                if extra != p:
                    shutil.rmtree(extra) if extra.is_dir() else extra.unlink()
    return c


def report_flips(c: dict, t: float) -> None:
    print(f"\n(b) Tệp sổ bị hỏng — {c['total']} bản hỏng của một sổ cấp xã (đảo byte ở phần đầu và bất kỳ đâu, "
          f"cắt cụt, thêm byte vào cuối), {t:.0f} s", flush=True)
    line("số bản hỏng", f"{c['total']}", "≥ 500", c["total"] >= 500)
    line("báo «tệp hỏng» (DamagedFile)", f"{c['damaged']}", "", True)
    line("mở được, dữ liệu y hệt", f"{c['identical']}", "", True)
    line("khác (báo sai mật khẩu, lỗi khác, dữ liệu khác)", f"{c['wrong_secret'] + c['other']}", "0",
         c["wrong_secret"] + c["other"] == 0)
    line(f"cnscd verify trên {c['cli']} bản: mã thoát 4 (hoặc 0 nếu y hệt)", f"{c['cli_ok']}/{c['cli']}",
         "tất cả", c["cli_ok"] == c["cli"])
    line("lần mở lâu nhất", f"{c['slowest']:.2f} s", "", True)
    print("  theo kiểu: " + "; ".join(f"{how}: " + ", ".join(f"{k} {v}" for k, v in sorted(o.items()))
                                      for how, o in c["by"].items()))


# ---------------------------------------------------------------------------
# (c), (d) hostile spreadsheets
# ---------------------------------------------------------------------------
def bench_corpus(fuzz: int) -> dict:
    from tests import test_hostile_files as hf
    from tests import test_trust_imports as ti

    c = {"files": 0, "refused": 0, "accepted": 0, "other": [], "worst_rss": (0.0, ""), "worst_cpu": (0.0, ""),
         "over_wall": 0, "fuzz": 0, "fuzz_refused": 0, "fuzz_accepted": 0, "whole": 0, "whole_refused": 0}
    with tempfile.TemporaryDirectory() as d:
        for case in hf.CORPUS.values():
            p = hf._materialise(Path(d), case)
            out = hf.read_in_child(p)
            verdict, why = hf.classify(case, out)
            cpu, rss = out.get("cpu_s") or 0.0, out.get("maxrss_mb") or 0.0
            if verdict != "other" and cpu > CPU_LIMIT:
                verdict, why = "other", f"{cpu} s CPU"
            c["files"] += 1
            c["over_wall"] += (out.get("seconds") or 0) > CPU_LIMIT
            if verdict == "other":
                c["other"].append((case.name, why[:200]))
            else:
                c[verdict] += 1
            c["worst_rss"] = max(c["worst_rss"], (rss, f"{case.name} ({p.stat().st_size:,} B, {cpu} s CPU)"))
            c["worst_cpu"] = max(c["worst_cpu"], (cpu, f"{case.name} ({p.stat().st_size:,} B, {rss} MB)"))
            p.unlink()
        _fuzz(hf, Path(d), fuzz, c)
        _whole(ti, Path(d), c)
    return c


def _fuzz(hf, d: Path, n: int, c: dict) -> None:
    bases = {"xlsx": lambda: hf._xlsx(hf._sheet(hf._rows_xml(hf.PEOPLE * 5)), shared=hf._ss(["Thôn 1", "Thôn 2"])),
             "ods": lambda: hf._ods(hf._ods_rows(hf.PEOPLE * 5)), "xls": lambda: hf._xls_bytes(hf.PEOPLE * 5),
             "csv": lambda: (hf._CSV_HEAD + hf._CSV_ROWS * 5).encode()}
    for fmt, make in bases.items():
        folder = d / f"fuzz-{fmt}"
        folder.mkdir()
        for i, data in enumerate(hf._mutants(make(), n, len(fmt) + 100)):
            (folder / f"hong-{i:03d}.{fmt}").write_bytes(data)
        out = hf.read_in_child(folder)
        files = out.get("files", {}) if out.get("outcome") == "batch" else {}
        if not files:
            c["other"].append((f"fuzz {fmt}", f"{out.get('outcome')}: {out.get('text', '')[:200]}"))
        for name, res in files.items():
            verdict, why = hf.classify(hf.Case(name, bytes, "either"), res)
            c["fuzz"] += 1
            if verdict == "other":
                c["other"].append((f"fuzz {name}", why[:200]))
            else:
                c[f"fuzz_{verdict}"] += 1
        shutil.rmtree(folder)


def _whole(ti, d: Path, c: dict) -> None:
    """The shapes given to the tally-sheet reader, the template filler and «save template»."""
    from tests.test_hostile_files import refusal_problems

    folder = d / "whole"
    folder.mkdir()
    for name, data in ti._hostile_workbooks().items():
        (folder / name).write_bytes(data)
    r = subprocess.run([sys.executable, "-c", ti._WHOLE_CHILD, str(folder)], cwd=ROOT, capture_output=True,
                       text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=600)
    if "@@" not in r.stdout:
        c["other"].append(("tally/template", r.stderr[-300:]))
        return
    for name, got in json.loads(r.stdout.rsplit("@@", 1)[1]).items():
        for reader, msg in got.items():
            c["whole"] += 1
            if msg != "read" and not refusal_problems({"message": msg}):
                c["whole_refused"] += 1
            else:
                c["other"].append((f"{reader} {name}", msg[:200]))


def report_corpus(c: dict, t: float) -> None:
    total = c["files"] + c["fuzz"] + c["whole"]
    print(f"\n(c) Tệp bảng tính độc hại — {total} lần đọc, {t:.0f} s: {c['files']} tệp mẫu "
          f"(tests/test_hostile_files.py), {c['fuzz']} bản hỏng ngẫu nhiên (xlsx, ods, xls, csv), "
          f"{c['whole']} lần đưa tệp xấu cho phiếu hoạt động / điền mẫu biểu / lưu mẫu biểu", flush=True)
    refused = c["refused"] + c["fuzz_refused"] + c["whole_refused"]
    accepted = c["accepted"] + c["fuzz_accepted"]
    line("từ chối rõ ràng (tiếng Việt, nói cách làm)", f"{refused}", "", True)
    line("nhận và đọc đúng", f"{accepted}", "", True)
    line(f"khác (traceback, tiếng Anh, > {CPU_LIMIT:.0f} s CPU, > {RSS_LIMIT} MB…)", f"{len(c['other'])}", "0",
         not c["other"])
    for name, why in c["other"][:20]:
        print(f"      {name}: {why}")
    print(f"  (tệp mẫu đọc quá {CPU_LIMIT:.0f} s theo đồng hồ trên máy bận: {c['over_wall']})")
    print("\n(d) Tệp nặng nhất")
    line(f"bộ nhớ đỉnh: {c['worst_rss'][1]}"[:58], f"{c['worst_rss'][0]:.0f} MB", f"≤ {RSS_LIMIT} MB",
         c["worst_rss"][0] <= RSS_LIMIT)
    line(f"thời gian CPU: {c['worst_cpu'][1]}"[:58], f"{c['worst_cpu'][0]:.1f} s", f"≤ {CPU_LIMIT:.0f} s",
         c["worst_cpu"][0] <= CPU_LIMIT)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="+", choices=["crash", "flips", "corpus"])
    ap.add_argument("--fault-rounds", type=int, default=30, help="rounds per fault point inside a save (6 points)")
    ap.add_argument("--passwd-rounds", type=int, default=5, help="rounds per fault point of a passphrase change")
    ap.add_argument("--random-rounds", type=int, default=200)
    ap.add_argument("--flips", type=int, default=600)
    ap.add_argument("--cli-sample", type=int, default=24, help="damaged copies also checked with `cnscd verify`")
    ap.add_argument("--fuzz", type=int, default=60, help="fuzzed copies per format")
    a = ap.parse_args()
    parts = a.only or ["crash", "flips", "corpus"]
    if "crash" in parts:
        t = time.perf_counter()
        report_crash(bench_crash(a.fault_rounds, a.passwd_rounds, a.random_rounds), time.perf_counter() - t)
    if "flips" in parts:
        t = time.perf_counter()
        report_flips(bench_flips(a.flips, a.cli_sample), time.perf_counter() - t)
    if "corpus" in parts:
        t = time.perf_counter()
        report_corpus(bench_corpus(a.fuzz), time.perf_counter() - t)


if __name__ == "__main__":
    main()
