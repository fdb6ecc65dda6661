"""Hand-off benchmark: 120 commune packages (≈15 villages, 100 members each) into a province registry.

    python bench/bench_handoff.py [--communes 120] [--villages 15] [--members 100]

Each commune's snapshot is generated as a commune registry would write it (people with names,
phones and citizen IDs, 15 village teams and a commune team, courses and attendance, equipment,
needs, denominators, and every team's monthly tallies for every service, January to December),
signed with its own Ed25519 key and encrypted to the province's age key: real ``.cnscd-goi``
files. Then, into a new province registry listing the communes, measured:

- the import of all packages (open, decrypt, check signatures and hashes, plan, one write, the
  encrypted save) — limit ≤ 30 s in total;
- the same packages again (everything «không đổi», nothing written);
- a newer package from every commune (120 replacements, never added);
- the province registry afterwards: its size, opening it (after the key, as ``run.py`` measures,
  ≤ 150 ms), a save after one small change, the completeness board and the roll-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASS = "bench-mat-khau-2026"
SERVICES = ("TK_DVC", "HO_SO", "VNEID", "KDTM", "CKS", "TMDT", "APP_TINH", "LUA_DAO")
CATS = ("TRUONG_THON", "DOAN_TN", "MTTQ", "PHU_NU", "NONG_DAN", "CCB", "CONG_AN", "CB_XA", "TNV", "KHAC")


def _line(name: str, value: str, limit: str = "", ok: bool | None = None) -> None:
    mark = "" if ok is None else ("  ĐẠT" if ok else "  CHƯA ĐẠT")
    print(f"  {name:<50} {value:>16}" + (f"   giới hạn: {limit}{mark}" if limit else ""), flush=True)


def _rows(rng: random.Random, c: int, villages: int, members: int) -> dict:
    from models import demo, validate

    cid = 1
    units = [[cid, "xa", "xã", f"Bình An {c}", "", c]]
    units += [[cid + v, "thon", "thôn", f"{v}", "", v] for v in range(1, villages + 1)]
    teams = [[100, cid, "xa", f"Tổ CNSCĐ xã Bình An {c}", "2025-09-05"]]
    teams += [[100 + v, cid + v, "thon", f"Tổ CNSCĐ thôn {v}", "2025-09-05"] for v in range(1, villages + 1)]
    decisions = [[t[0], t[0], "thanh_lap", f"{t[0]}/QĐ-UBND", "2025-09-05", "UBND xã"] for t in teams]
    people, ms = [], []
    for i in range(members):
        g = rng.choice(["nam", "nu"])
        year = rng.randint(1965, 2004)
        team = teams[i % len(teams)]
        name = (f"{rng.choice(demo.FAMILY)} {rng.choice(demo.MIDDLE_M if g == 'nam' else demo.MIDDLE_F)}",
                rng.choice(demo.GIVEN_M if g == "nam" else demo.GIVEN_F))
        cccd = validate.make_cccd("049", g, year, c * 1000 + i + 1) if i % 5 else ""
        phone = f"{rng.choice(demo.PHONE_PREFIXES)}{c * 1000 + i:07d}"
        people.append([1000 + i, name[0], name[1], g, f"{year}-0{1 + i % 9}-1{i % 9}", None, phone, cccd,
                       team[1] if team[2] == "thon" else None])
        role = "to_truong" if i < len(teams) else ("to_pho" if i < 2 * len(teams) else "thanh_vien")
        ms.append([1000 + i, team[0], role, CATS[i % len(CATS)], "", "2025-09-05", team[0]])
    courses = [[1, "Tập huấn kỹ năng số", "2026-03-18", "2026-03-18", "Sở KH&CN", "truc_tiep", 8.0, "DVCTT"],
               [2, "Phòng chống lừa đảo trực tuyến", "2026-09-22", "2026-09-22", "Công an xã", "ket_hop", 4.0,
                "LUA_DAO"]]
    att = [[cr[0], p[0]] for cr in courses for p in people if rng.random() < 0.6]
    eq = [[u[0], f"Nhà văn hóa thôn {u[3]}", k, "", 1, "tot" if rng.random() < 0.9 else "hong", "ngan_sach",
           "2025-10-01", 9_500_000 if k == "MAY_TINH" else 0]
          for u in units[1:] for k in ("MAY_TINH", "WIFI", "BANG_QR")]
    needs = [[u[0], "MAY_SCAN", "Máy scan", 1, 4_500_000, "Hỗ trợ nộp hồ sơ", "2026-04-10", "de_xuat"]
             for u in units[1:] if rng.random() < 0.5]
    dens = [[u[0], 2026, rng.randint(150, 400), rng.randint(600, 1500), None, rng.randint(5, 30), None]
            for u in units[1:]]
    acts = []
    for t in teams:
        for m in range(1, 13):
            counts = [[s, rng.randint(0, 30), rng.randint(0, 20), rng.randint(0, 5), rng.randint(0, 2)]
                      for s in SERVICES]
            acts.append([t[0], t[1], f"2026-{m:02d}", None, "den_tung_ho:4;tai_diem:2", 5, "", "luoi", counts])
    return {"units": units, "teams": teams, "decisions": decisions, "people": people, "memberships": ms,
            "courses": courses, "attendance": att, "equipment": eq, "needs": needs, "denominators": dens,
            "activities": acts}


def make_packages(folder: Path, recipient: str, n: int, villages: int, members: int, when: dt.datetime,
                  random_state: int = 2026) -> list[Path]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from exports import usb
    from exports.package import build_package, package_name
    from models import snapshot

    rng = random.Random(random_state)
    out = []
    for c in range(1, n + 1):
        unit = {"name": f"Bình An {c}", "kind": "xã", "code": f"{30000 + c}", "province": "Quảng Nam",
                "province_kind": "tỉnh", "district": "", "district_kind": ""}
        snap = {"format": snapshot.FORMAT, "version": snapshot.VERSION, "kind": snapshot.FULL, "unit": unit,
                "unit_key": snapshot.unit_key(unit),
                "period": {"code": "2026-H2", "start": "2026-07-01", "end": "2026-12-31",
                           "as_of": when.date().isoformat()},
                "created_at": when.isoformat(), "categories": [[k, k] for k in CATS],
                "rows": _rows(rng, c, villages, members)}
        snapshot.check_snapshot(snap)
        key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"bench:{c}".encode()).digest())
        data, _ = build_package(snap, key, recipient=recipient)
        out.append(usb.safe_write(data, folder, package_name(snap)).path)
    return out


def _province(path: Path, n: int):
    from models.db import Registry
    from models.schema import Unit
    from models.store_format import FAST_KDF

    reg, _ = Registry.create(path, PASS, province="Tỉnh Quảng Nam", commune="", kdf=FAST_KDF)
    with reg.write():
        prov = Unit.get(Unit.level == "tinh")
        for c in range(1, n + 1):
            Unit.create(level="xa", kind="xã", name=f"Bình An {c}", code=f"{30000 + c}", parent=prov, sort_order=c)
    return reg


def _import(reg, files: list[Path], replace: bool) -> tuple[float, object]:
    from exports import package
    from models import handoff_keys, received

    t = time.perf_counter()
    ids = handoff_keys.identities(reg)
    opened = [package.read_package(f, identities=ids) for f in files]
    res = received.apply_import(reg, opened, replace=replace)
    return time.perf_counter() - t, res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--communes", type=int, default=120)
    ap.add_argument("--villages", type=int, default=15)
    ap.add_argument("--members", type=int, default=100)
    a = ap.parse_args()
    from models import handoff_keys, received, received_rollup
    from models.db import Registry

    with tempfile.TemporaryDirectory(prefix="cnscd-bench-goi-") as tmp:
        tmp = Path(tmp)
        path = tmp / "tinh.cnscd"
        reg = _province(path, a.communes)
        rec = handoff_keys.recipient(reg)
        print(f"Gói báo cáo: {a.communes} xã × {a.villages} thôn, {a.members} thành viên mỗi xã", flush=True)
        first, second = tmp / "dot-1", tmp / "dot-2"
        first.mkdir()
        second.mkdir()
        t = time.perf_counter()
        files = make_packages(first, rec, a.communes, a.villages, a.members, dt.datetime(2026, 12, 10, 9, 0))
        build = time.perf_counter() - t
        size = sum(f.stat().st_size for f in files)
        _line("lập gói (phía xã, cả lô)", f"{build:.2f} s")
        _line("dung lượng một gói (trung bình)", f"{size / len(files) / 1024:.0f} KB")
        secs, res = _import(reg, files, replace=False)
        assert len(res.added) == a.communes, res
        _line(f"nhận {a.communes} gói (giải mã, kiểm tra, ghi, lưu)", f"{secs:.2f} s", "≤ 30 s", secs <= 30)
        secs, res = _import(reg, files, replace=False)
        assert len(res.unchanged) == a.communes
        _line("nhận lại đúng các gói đó (không đổi)", f"{secs:.2f} s")
        files2 = make_packages(second, rec, a.communes, a.villages, a.members, dt.datetime(2026, 12, 12, 9, 0), random_state=7)
        secs, res = _import(reg, files2, replace=True)
        assert len(res.replaced) == a.communes and len(received.list_packages(reg)) == a.communes
        _line(f"thay {a.communes} gói bằng gói mới hơn", f"{secs:.2f} s", "≤ 30 s", secs <= 30)
        t = time.perf_counter()
        board = received.completeness(reg, "2026-H2", day=dt.date(2026, 12, 20))
        _line("bảng theo dõi nộp gói", f"{(time.perf_counter() - t) * 1000:.0f} ms")
        assert board.counts["dung_han"] == a.communes
        t = time.perf_counter()
        r = received_rollup.rollup(reg, "2026-H2")
        _line("tổng hợp từ các gói (mọi biểu)", f"{(time.perf_counter() - t) * 1000:.0f} ms")
        assert r.table("phu-luc-1").total[4] == a.communes * a.members
        t = time.perf_counter()
        dups = received.duplicates(reg, "2026-H2")
        _line("tìm người trùng giữa các xã", f"{(time.perf_counter() - t) * 1000:.0f} ms ({len(dups)} người)")
        reg.close()
        _line("dung lượng sổ tỉnh sau khi nhận", f"{path.stat().st_size / 2**20:.1f} MB")
        opens = []
        for _ in range(5):
            t = time.perf_counter()
            r2 = Registry.open(path, passphrase=PASS)
            opens.append(time.perf_counter() - t)
            r2.close()
        best = sorted(opens)[len(opens) // 2]
        _line("mở sổ tỉnh (khóa nhanh; gồm giải mã)", f"{best * 1000:.0f} ms", "≤ 150 ms", best <= 0.150)
        with Registry.open(path, passphrase=PASS) as r3:
            from models import services

            t = time.perf_counter()
            services.update_settings(r3, signer_name="Nguyễn Văn Đo")
            _line("lưu sau một thay đổi nhỏ", f"{(time.perf_counter() - t) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
