"""The teams' work on the command line (issue 16): the round trip with team leaders and the
commune's statistics.

    cnscd export phieu-hoat-dong --period 2026-11 [--team ID] [--out FOLDER | --usb DRIVE]
    cnscd import hoat-dong FILE… [--period 2026-Q4] [--dry-run] [--json] [--yes]
    cnscd import thong-ke FILE --year 2026 [--dry-run] [--yes]

(The results report and the duty rota are reports like the others: ``cnscd export hoat-dong``,
``cnscd export lich-truc``, in :mod:`.export`.) A tally sheet is one team's month: importing
it again replaces that month, never adds to it. Nothing is written while any sheet or row has
an error. Only counts are stored: no resident's name or ID.
"""

from __future__ import annotations

import sys
from pathlib import Path

from models.errors import EXIT_OK, EXIT_USAGE, UsageError

from .common import Secrets, log, open_registry, out, out_json, resolve_drive, warn

SHEETS_WARNING = ("CẢNH BÁO: mỗi phiếu có họ tên và vai trò các thành viên của tổ (dữ liệu cá nhân). Chỉ giao cho "
                  "tổ trưởng của tổ đó; xóa khỏi USB sau khi bàn giao.")


def register_imports(isub, common) -> None:
    """``import hoat-dong`` and ``import thong-ke`` on the ``import`` command's subparsers."""
    h = isub.add_parser("hoat-dong", parents=[common], help="nhập phiếu hoạt động tháng các tổ đã ghi",
                        description="Nhập các phiếu hoạt động tháng (xlsx do «cnscd export phieu-hoat-dong» lập, tổ "
                        "trưởng đã ghi số liệu). Nhập nhiều tệp một lần; nhập lại cùng phiếu thì thay, không cộng "
                        "dồn. Có lỗi ở bất kỳ phiếu nào thì chưa ghi gì. Sổ chỉ lưu số lượng, không lưu họ tên "
                        "người dân.")
    h.add_argument("files", nargs="+", metavar="TỆP")
    h.add_argument("--period", default=None, metavar="KỲ",
                   help="chỉ nhận phiếu của các tháng trong kỳ này (2026-11, 2026-Q4, 2026-H2, 2026)")
    h.add_argument("--dry-run", action="store_true", help="chỉ xem trước, không ghi gì vào sổ")
    h.add_argument("--json", action="store_true", help="bản xem trước dạng JSON (cùng --dry-run)")
    h.add_argument("--yes", action="store_true", help="không hỏi lại trước khi ghi")
    h.set_defaults(func=cmd_import_activities)

    t = isub.add_parser("thong-ke", parents=[common], help="nhập số hộ, số dân… của các thôn (mẫu số chỉ tiêu)",
                        description="Nhập bảng thống kê của xã: số hộ, số dân, số người trong độ tuổi lao động, "
                        "số hộ kinh doanh, số hồ sơ TTHC phát sinh của từng thôn cho một năm. Ô để trống giữ số cũ; "
                        "dòng tổng được bỏ qua (số của xã luôn được cộng từ các thôn).")
    t.add_argument("file", metavar="TỆP")
    t.add_argument("--year", type=int, required=True, metavar="NĂM")
    t.add_argument("--dry-run", action="store_true", help="chỉ xem trước, không ghi gì vào sổ")
    t.add_argument("--yes", action="store_true", help="không hỏi lại trước khi ghi")
    t.set_defaults(func=cmd_import_statistics)


def confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    try:
        ans = input(f"{question} [c/K] ").strip().lower()
    except EOFError:
        return False
    return ans in ("c", "co", "có", "y", "yes")


def _existing(paths: list[str]) -> list[Path]:
    from exports.sheets import ImportFailed

    out_ = []
    for p in paths:
        path = Path(p).expanduser()
        if not path.is_file():
            raise ImportFailed(f"Không tìm thấy tệp «{path}».")
        out_.append(path)
    return out_


# ---------------------------------------------------------------------------
# export phieu-hoat-dong
# ---------------------------------------------------------------------------
def _month(args) -> str:
    import datetime as dt

    from exports.activities import parse_activity_period

    if args.year and not args.period:
        raise UsageError("Phiếu hoạt động lập theo tháng: dùng --period, ví dụ --period 2026-11.")
    if not args.period:
        today = dt.date.today()
        return f"{today.year}-{today.month:02d}"
    p = parse_activity_period(args.period)
    if (p.start.year, p.start.month) != (p.end.year, p.end.month):
        raise UsageError(f"Phiếu hoạt động lập theo từng tháng: ghi --period là một tháng, ví dụ {p.end.year}-11 "
                         f"(đang là «{args.period}»).")
    return f"{p.start.year}-{p.start.month:02d}"


def _sheets_folder(args) -> tuple[Path, bool]:
    """(folder, careful): --usb (careful copy), else --out (a folder, made if missing), else here."""
    if args.usb:
        return resolve_drive(args.usb), True
    if not args.out:
        return Path.cwd(), False
    if args.out == "-":
        raise UsageError("Phiếu hoạt động là nhiều tệp xlsx: --out phải là một thư mục.")
    folder = Path(args.out).expanduser()
    if folder.suffix.lower() in (".xlsx", ".ods", ".csv") or folder.is_file():
        raise UsageError("Phiếu hoạt động là mỗi tổ một tệp: --out phải là một thư mục, không phải một tệp.")
    return folder, False


def cmd_tally_sheets(args, secrets: Secrets) -> int:
    """``export phieu-hoat-dong``: one blank monthly sheet per team (or ``--team``), xlsx."""
    from exports import handoff, tally_sheet, usb
    from models import activities as act
    from models import services, text

    if args.format not in (None, "xlsx"):
        raise UsageError("Phiếu hoạt động chỉ có dạng xlsx (để tổ trưởng ghi bằng Excel hoặc LibreOffice).")
    if args.protect or args.village or args.cccd or args.nam_nu:
        raise UsageError("phieu-hoat-dong chỉ dùng với --period, --team, --out THƯ_MỤC hoặc --usb.")
    month = _month(args)
    folder, careful = _sheets_folder(args)
    with open_registry(args, secrets, writes=False) as reg:
        grid = act.month_grid(reg, month)
        ids = [r.team_id for r in grid.rows]
        if args.team is not None:
            if args.team not in ids:
                raise UsageError(f"Không có tổ mã {args.team} (xem mã tổ ở trang Thôn/Tổ).")
            ids = [args.team]
        if not ids:
            raise UsageError("Sổ chưa có tổ nào để lập phiếu.")
        warn(SHEETS_WARNING)
        done = []
        for tid in ids:
            name, data = tally_sheet.tally_sheet_bytes(reg, tid, month, grid=grid)
            if careful:
                r = usb.safe_write(data, folder.resolve(), name)
                done.append((r.path, r.sha256, r.size))
            else:
                path = usb.atomic_write_bytes(folder / name, data).resolve()
                done.append((path, _sha256(data), len(data)))
        label = f"Phiếu hoạt động {act.month_label(month)}"
        if reg.read_only:
            warn("Sổ chỉ đọc: không ghi được biên nhận xuất tệp vào nhật ký của sổ.")
        else:
            with reg.write():
                for path, digest, size in done:
                    services.log_event(reg, "xuat", "registry",
                                       handoff.receipt_summary(label, "xlsx", path, size, personal=True),
                                       new=f"sha256:{digest}")
    total = sum(size for _, _, size in done)
    log().info("tally sheets %s: %d files, %d bytes", month, len(done), total)
    for path, _digest, _size in done:
        out(f"Đã xuất {path}")
    out(f"Đã lập {text.format_int(len(done))} phiếu hoạt động {act.month_label(month)} "
        f"({text.format_int(total)} byte) trong {folder}.")
    out("Tổ trưởng ghi vào các ô tô vàng rồi gửi lại; nhập bằng «cnscd import hoat-dong TỆP…».")
    return EXIT_OK


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------
# import hoat-dong
# ---------------------------------------------------------------------------
def _sheet_json(s) -> dict:
    return {"file": s.file_name, "team_id": s.team_id, "team": s.team_name, "month": s.month, "people": s.people,
            "replaces": s.replaces, "ok": s.ok, "errors": list(s.errors), "warnings": list(s.warnings)}


def _print_sheets(found) -> None:
    from models import activities as act
    from models import text

    for s in found.sheets:
        if s.team_id is None:
            out(f"«{s.file_name}»: không nhập được")
        else:
            extra = " (thay phiếu đã nhập trước)" if s.replaces and s.ok else ""
            out(f"«{s.file_name}»: {s.team_name}, {act.month_label(s.month)} — "
                f"{text.format_int(s.people)} lượt người được hỗ trợ{extra}")
        for w in s.warnings:
            out(f"    Lưu ý: {w}")
        for e in s.errors:
            out(f"    Lỗi: {e}")


def cmd_import_activities(args, secrets: Secrets) -> int:
    from exports import tally_sheet
    from exports.activities import parse_activity_period

    if args.json and not args.dry_run:
        raise UsageError("--json chỉ dùng cùng --dry-run (bản xem trước).")
    period = parse_activity_period(args.period) if args.period else None
    paths = _existing(args.files)
    with open_registry(args, secrets, writes=not args.dry_run) as reg:
        found = tally_sheet.read_tally_sheets(reg, paths, period=period)
        bad = [s for s in found.sheets if s.errors]
        todo = found.to_save
        log().info("import tallies: %d files read, %d to save, %d refused", len(found.sheets), len(todo), len(bad))
        if args.json:
            out_json({"sheets": [_sheet_json(s) for s in found.sheets], "to_save": len(todo), "refused": len(bad),
                      "ok": not bad})
            return EXIT_USAGE if bad else EXIT_OK
        _print_sheets(found)
        if bad:
            warn("Có lỗi: chưa nhập phiếu nào. Sửa các ô được nêu (hoặc bỏ tệp đó ra) rồi nhập lại.")
            return EXIT_USAGE
        if not todo:
            out("Không có phiếu nào có số liệu để nhập.")
            return EXIT_OK
        if args.dry_run:
            out(f"Chạy thử (--dry-run): {len(todo)} phiếu sẽ được nhập; chưa ghi gì vào sổ.")
            return EXIT_OK
        if not args.yes and not confirm(f"Nhập {len(todo)} phiếu vào sổ?"):
            warn("Chưa ghi gì. Chạy lại với --yes để ghi không cần hỏi.")
            return EXIT_USAGE
        saved = tally_sheet.apply_tally_import(reg, found)
    replaced = sum(1 for s in todo if s.replaces)
    log().info("import tallies: %d sheets saved (%d replaced)", saved, replaced)
    out(f"Đã nhập {saved} phiếu" + (f" ({replaced} phiếu thay cho số liệu đã nhập trước của cùng tổ, cùng tháng)"
                                     if replaced else "") + ".")
    return EXIT_OK


# ---------------------------------------------------------------------------
# import thong-ke
# ---------------------------------------------------------------------------
def _print_statistics(pv) -> None:
    from models import activities as act
    from models import text

    out(f"Tệp «{Path(pv.path).name}», năm {pv.year}: cột " + ", ".join(f"«{h}»" for h in pv.columns.values()))
    for r in pv.rows:
        if r.errors:
            continue
        changed = r.changed
        if not changed:
            out(f"  Dòng {r.line}: {r.village} — không đổi")
            continue
        parts = []
        for n in changed:
            old = r.old.get(n)
            parts.append(f"{act.DENOMINATORS[n][0].lower()} {text.format_int(r.values[n])}"
                         + (f" (trước: {text.format_int(old)})" if old is not None else ""))
        out(f"  Dòng {r.line}: {r.village} — " + "; ".join(parts))
    for e in pv.errors:
        out(f"  Lỗi: {e}")
    if pv.not_in_sheet:
        out("Các thôn không có trong bảng (giữ số cũ): " + ", ".join(pv.not_in_sheet))


def cmd_import_statistics(args, secrets: Secrets) -> int:
    from exports import village_stats

    (path,) = _existing([args.file])
    with open_registry(args, secrets, writes=not args.dry_run) as reg:
        pv = village_stats.read_statistics(reg, path, year=args.year)
        _print_statistics(pv)
        log().info("import statistics %d: %d rows, %d changes, %d errors", args.year, len(pv.rows), pv.changes,
                   len(pv.errors))
        if pv.errors:
            warn("Có lỗi: chưa ghi gì vào sổ. Sửa các ô được nêu rồi nhập lại.")
            return EXIT_USAGE
        if not pv.changes:
            out("Không có gì thay đổi: sổ đã khớp với bảng.")
            return EXIT_OK
        if args.dry_run:
            out(f"Chạy thử (--dry-run): {pv.changes} số liệu sẽ được ghi; chưa ghi gì vào sổ.")
            return EXIT_OK
        if not args.yes and not confirm(f"Ghi {pv.changes} số liệu của năm {args.year} vào sổ?"):
            warn("Chưa ghi gì. Chạy lại với --yes để ghi không cần hỏi.")
            return EXIT_USAGE
        n = village_stats.apply_statistics(reg, pv)
    log().info("import statistics %d: %d villages written", args.year, n)
    out(f"Đã ghi số liệu năm {args.year} của {n} thôn/tổ dân phố. Số của xã được cộng từ các thôn.")
    return EXIT_OK
