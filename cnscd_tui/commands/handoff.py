"""``cnscd handoff …``: commune → province report packages (encrypted, signed, replace-not-add).

    cnscd handoff export --db xa.cnscd --period 2026-H2 --to E:\\ [--recipient tinh.pub] [--passphrase]
                         [--counts-only] [--date dd/mm/yyyy]                              (the commune)
    cnscd handoff key    --db tinh.cnscd --out tinh.pub [--secret-out FILE]                (the province)
    cnscd handoff import GÓI_HOẶC_THƯ_MỤC… --db tinh.cnscd [--yes] [--accept-new-key]      (the province)
    cnscd handoff status --db tinh.cnscd --period 2026-H2 [--json] [--missing] [--date dd/mm/yyyy]

Exit codes as every command: 0 ok · 2 bad input, or a package refused for its signing key or
province · 3 a package not encrypted for this registry / wrong package passphrase · 4 a damaged,
truncated or foreign package · 6 could not write. With several packages, each is taken on its own
(a bad one never blocks the others) and the worst code is returned.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from models.errors import EXIT_OK, EXIT_USAGE, StoreError, UsageError

from .common import Secrets, open_registry, out, parse_day

PASSPHRASE_ENV = "CNSCD_GOI_PASSPHRASE"  # = exports.package.PASSPHRASE_ENV (kept light: --help imports this)


def register(sub, common) -> None:
    h = sub.add_parser("handoff", parents=[common], help="gói báo cáo xã gửi tỉnh (mã hóa, ký số)",
                       description="Gói báo cáo xã → tỉnh: xã lập gói (export) mã hóa bằng khóa công khai của tỉnh "
                       "(key); tỉnh nhận gói (import) — gói mới thay gói cũ cùng xã, cùng kỳ — và theo dõi xã nào "
                       "đã nộp (status).")
    hs = h.add_subparsers(dest="handoff_command", parser_class=type(h), metavar="VIỆC")
    e = hs.add_parser("export", parents=[common], help="(xã) lập gói báo cáo của một kỳ, mã hóa gửi tỉnh")
    e.add_argument("--period", required=True, metavar="KỲ", help="2026-H2, 2026-H1, 2026-Q4 hoặc 2026")
    e.add_argument("--to", required=True, metavar="THƯ_MỤC",
                   help="thư mục/ổ USB để ghi gói, hoặc số thứ tự ổ trong «cnscd usb list»")
    e.add_argument("--recipient", metavar="TỆP", help="tệp khóa công khai của tỉnh (tinh.pub); lần sau không cần "
                   "ghi lại (sổ nhớ khóa của tỉnh)")
    e.add_argument("--passphrase", action="store_true",
                   help=f"mã hóa bằng mật khẩu gói thay cho khóa của tỉnh (mật khẩu lấy từ {PASSPHRASE_ENV} hoặc "
                   "được hỏi; báo cho tỉnh qua điện thoại)")
    e.add_argument("--counts-only", action="store_true",
                   help="chỉ gửi các bảng số liệu tổng hợp, không có họ tên, số điện thoại, số CCCD")
    e.add_argument("--date", metavar="NGÀY", help="ngày lập gói (dd/mm/yyyy; mặc định hôm nay)")
    e.set_defaults(func=cmd_export)
    k = hs.add_parser("key", parents=[common], help="(tỉnh) xuất khóa công khai để các xã mã hóa gói")
    k.add_argument("--out", metavar="TỆP", help="tệp khóa công khai để gửi các xã (mặc định: in ra màn hình)")
    k.add_argument("--secret-out", metavar="TỆP",
                   help="ghi cả khóa bí mật (để kiểm tra gói bằng công cụ age); giữ kín, xóa sau khi dùng")
    k.set_defaults(func=cmd_key)
    i = hs.add_parser("import", parents=[common], help="(tỉnh) nhận gói báo cáo của các xã")
    i.add_argument("files", nargs="+", metavar="GÓI", help="tệp .cnscd-goi, hoặc thư mục/USB chứa các gói")
    i.add_argument("--yes", action="store_true", help="đồng ý thay gói đã nhận của cùng xã, cùng kỳ (không hỏi)")
    i.add_argument("--accept-new-key", action="store_true",
                   help="chấp nhận khóa ký mới của xã (chỉ sau khi đã gọi điện đối chiếu dấu vân tay)")
    i.add_argument("--allow-older", action="store_true", help="nhận cả gói cũ hơn gói đã nhận")
    i.set_defaults(func=cmd_import)
    s = hs.add_parser("status", parents=[common], help="(tỉnh) bảng theo dõi: xã nào đã nộp, nộp muộn, chưa nộp")
    s.add_argument("--period", required=True, metavar="KỲ", help="2026-H2, 2026-H1, 2026-Q4 hoặc 2026")
    s.add_argument("--date", metavar="NGÀY", help="tính đến ngày (dd/mm/yyyy; mặc định hôm nay)")
    s.add_argument("--json", action="store_true", help="in dạng JSON")
    s.add_argument("--missing", action="store_true", help="chỉ liệt kê các xã chưa nộp (để nhắc)")
    s.set_defaults(func=cmd_status)
    h.set_defaults(func=lambda args, secrets: _usage(h))


def _usage(parser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _period(raw: str) -> str:
    from models.snapshot import period_span

    return period_span(raw).code


def _folder(value: str) -> Path:
    from exports import usb

    v = value.strip()
    if (v.isascii() and v.isdigit()) and not Path(v).is_dir():
        drives = usb.list_drives()
        n = int(v)
        if not 1 <= n <= len(drives):
            raise UsageError(f"Không có ổ USB số {n} (có {len(drives)} ổ; xem «cnscd usb list»).")
        return drives[n - 1].path
    p = Path(v).expanduser()
    if not p.is_dir():
        raise UsageError(f"Không tìm thấy thư mục/ổ «{v}». USB đã cắm chưa? Xem «cnscd usb list».")
    return p


def _read_text(path: str, what: str) -> str:
    try:
        return Path(path).expanduser().read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"Không đọc được {what} «{path}»: {getattr(exc, 'strerror', None) or exc}.") from None


# ---------------------------------------------------------------------------
# export (the commune)
# ---------------------------------------------------------------------------
def cmd_export(args, secrets: Secrets) -> int:
    from exports import package
    from models import handoff_keys, text

    period = _period(args.period)
    day = parse_day(args.date)
    folder = _folder(args.to)
    if args.recipient and args.passphrase:
        raise UsageError("Chọn --recipient (khóa của tỉnh) hoặc --passphrase (mật khẩu gói), không dùng cả hai.")
    rec_text = _read_text(args.recipient, "tệp khóa của tỉnh") if args.recipient else None
    if rec_text:
        handoff_keys.parse_recipient(rec_text)  # a wrong file is said before any passphrase is asked
    with open_registry(args, secrets) as reg:
        pw = None
        if args.passphrase:
            pw = secrets.get(PASSPHRASE_ENV, "mật khẩu gói", confirm=True)
        ex = package.export_package(reg, period, folder, recipient_text=rec_text, passphrase=pw,
                                    counts_only=args.counts_only, day=day)
        mine = handoff_keys.fingerprint_of(handoff_keys.signing_public(reg))
    m = ex.manifest
    out(f"Đã ghi gói báo cáo kỳ {period}: {ex.path}")
    out(f"  {text.format_int(ex.size)} byte, SHA-256 {ex.sha256}")
    out(f"  Số liệu tính đến ngày {text.format_date(dt.date.fromisoformat(m['as_of']))}; "
        f"loại gói: {'chỉ số liệu tổng hợp (không có dữ liệu cá nhân)' if args.counts_only else 'đầy đủ'}.")
    if ex.recipient_fingerprint:
        out(f"  Mã hóa cho khóa của tỉnh: {handoff_keys.grouped(ex.recipient_fingerprint)}")
    else:
        out("  Mã hóa bằng mật khẩu gói: báo mật khẩu cho tỉnh qua điện thoại, không gửi kèm gói.")
    out(f"  Dấu vân tay khóa ký của xã (đọc cho tỉnh khi được hỏi): {handoff_keys.grouped(mine)}")
    if ex.personal_data:
        out("CẢNH BÁO: gói có dữ liệu cá nhân (họ tên, năm sinh, số điện thoại, số CCCD) đã được mã hóa; chỉ tỉnh "
            "mở được. Xóa gói khỏi USB sau khi bàn giao.")
    return EXIT_OK


# ---------------------------------------------------------------------------
# key (the province)
# ---------------------------------------------------------------------------
def cmd_key(args, secrets: Secrets) -> int:
    from exports import usb
    from exports.layout import unit_name
    from models import handoff_keys

    with open_registry(args, secrets) as reg:
        body = handoff_keys.public_key_text(reg, unit_name(reg))
        fp = handoff_keys.fingerprint_of(handoff_keys.recipient(reg))
        secret = handoff_keys.identity_secret(reg, why=f"ghi ra {args.secret_out}") if args.secret_out else None
    if args.out:
        usb.atomic_write_bytes(Path(args.out).expanduser(), body.encode("utf-8"))
        out(f"Đã ghi khóa công khai của tỉnh: {args.out} — gửi tệp này cho các xã (không có gì bí mật).")
    else:
        sys.stdout.write(body)
    out(f"Dấu vân tay để đọc qua điện thoại: {handoff_keys.grouped(fp)}")
    if secret is not None:
        usb.atomic_write_bytes(Path(args.secret_out).expanduser(),
                               (f"# Khóa bí mật nhận gói báo cáo — KHÔNG gửi cho ai; xóa sau khi kiểm tra.\n"
                                f"# Dùng: age -d -i {Path(args.secret_out).name} -o goi.zip TỆP.cnscd-goi\n"
                                f"{secret}\n").encode())
        out(f"CẢNH BÁO: đã ghi khóa bí mật vào {args.secret_out}. Ai có tệp này mở được mọi gói gửi tỉnh; "
            "xóa ngay sau khi kiểm tra.")
    return EXIT_OK


# ---------------------------------------------------------------------------
# import (the province)
# ---------------------------------------------------------------------------
def _open_all(files: list[Path], ids: list[str], secrets: Secrets) -> tuple[list, int]:
    """(packages opened, the worst exit code among those refused)."""
    from exports import package

    worst = EXIT_OK
    pw = None
    if any(package.needs_passphrase(_head(f)) for f in files):
        pw = secrets.get(PASSPHRASE_ENV, "mật khẩu gói")
    opened = []
    for f in files:
        try:
            opened.append(package.read_package(f, identities=ids, passphrase=pw))
        except StoreError as exc:
            print(exc.message, file=sys.stderr)
            worst = max(worst, exc.exit_code)
    return opened, worst


def _head(f: Path) -> bytes:
    try:
        with open(f, "rb") as fh:
            return fh.read(8192)
    except OSError:
        return b""


def _confirm(items, args) -> bool | set[str]:
    if args.yes:
        return True
    todo = [it for it in items if it.action == "thay"]
    if not todo:
        return set()
    if args.passphrase_stdin or not sys.stdin.isatty():
        return set()
    chosen = set()
    for it in todo:
        ans = input(f"Thay gói đã nhận của {it.incoming.unit_label} kỳ {it.incoming.period} bằng gói lập "
                    f"{it.incoming.created_at:%H:%M %d/%m/%Y}? (c/k) ").strip().lower()
        if ans in ("c", "co", "có", "y", "yes"):
            chosen.add(it.incoming.package_sha256)
    return chosen


def _plan_line(it) -> str:
    from models import handoff_keys, snapshot

    inc = it.incoming
    return (f"  {Path(inc.file_name).name}: {inc.unit_label}, kỳ {inc.period}, "
            f"{snapshot.KIND_LABELS[inc.snapshot['kind']]}, lập {inc.created_at:%d/%m/%Y}, "
            f"khóa ký {handoff_keys.grouped(inc.sender)} → {it.action_label}"
            + (f". {it.message}" if it.message else ""))


def cmd_import(args, secrets: Secrets) -> int:
    from exports import package
    from models import handoff_keys, received

    files = package.package_files(args.files)
    if not files:
        raise UsageError("Không thấy gói .cnscd-goi nào ở các đường dẫn đã cho.")
    with open_registry(args, secrets) as reg:
        opened, worst = _open_all(files, handoff_keys.identities(reg), secrets)
        if not opened:
            return max(worst, EXIT_USAGE)
        items = received.plan_import(reg, opened, accept_new_key=args.accept_new_key, allow_older=args.allow_older)
        out(f"Kiểm tra xong {len(opened)} gói (chữ ký, mã hóa, nội dung):")
        for it in items:
            out(_plan_line(it))
        replace = _confirm(items, args)
        res = received.apply_import(reg, opened, replace=replace, accept_new_key=args.accept_new_key,
                                    allow_older=args.allow_older)
    out(f"Kết quả: nhận mới {len(res.added)}, thay {len(res.replaced)}, không đổi {len(res.unchanged)}, "
        f"bỏ qua/từ chối {len(res.skipped)}.")
    for it in res.skipped:
        if it.action == "thay":
            print(f"Chưa thay gói của {it.incoming.unit_label} kỳ {it.incoming.period}: cần xác nhận (thêm --yes để "
                  "thay gói đã nhận).", file=sys.stderr)
            worst = max(worst, EXIT_USAGE)
        elif it.action in ("khoa_khac", "tinh_khac"):
            print(f"Từ chối gói của {it.incoming.unit_label}: {it.action_label}. {it.message}", file=sys.stderr)
            worst = max(worst, EXIT_USAGE)
    _print_duplicates(res.duplicates)
    return worst


def _print_duplicates(dups) -> None:
    if not dups:
        return
    out(f"CẢNH BÁO: {len(dups)} người có mặt trong gói của hai xã trở lên (cần hỏi lại các xã):")
    for d in dups[:50]:
        out(f"  - {d.describe()}")
    if len(dups) > 50:
        out(f"  … và {len(dups) - 50} người khác (xem «cnscd handoff status --json»).")


# ---------------------------------------------------------------------------
# status (the province)
# ---------------------------------------------------------------------------
def _board_json(board, dups) -> dict:
    def row(r) -> dict:
        p = r.package
        return {"unit_key": r.unit_key, "name": r.label, "district": r.district, "status": r.status,
                "status_label": r.status_label, "in_registry": r.in_registry,
                "package_date": p.created_at.isoformat() if p else None,
                "received_at": p.received_at.isoformat() if p else None,
                "sender_fingerprint": p.sender if p else None, "kind": p.kind if p else None,
                "members": p.members if p else None, "teams": p.teams if p else None,
                "villages": p.villages if p else None}

    return {"period": board.period, "deadline": board.deadline.isoformat(), "date": board.today.isoformat(),
            "counts": board.counts, "communes": [row(r) for r in board.rows],
            "duplicates": [{"name": d.name, "birth": d.birth, "match": d.how, "communes": list(d.communes)}
                           for d in dups]}


def _open_to_look(args, secrets: Secrets):
    from models.db import Registry
    from models.errors import NotFound

    from .common import db_path

    path = db_path(args)
    if not path.exists():
        raise NotFound(f"Không tìm thấy tệp sổ: {path}")
    return Registry.open(path, passphrase=secrets.get("CNSCD_PASSPHRASE", "mật khẩu"), read_only=True)


def cmd_status(args, secrets: Secrets) -> int:
    from models import received, text

    period = _period(args.period)
    day = parse_day(args.date)
    with _open_to_look(args, secrets) as reg:  # the board only reads: works while the TUI has the file open
        board = received.completeness(reg, period, day=day)
        dups = received.duplicates(reg, period)
    if args.json:
        out(json.dumps(_board_json(board, dups), ensure_ascii=False, indent=2))
        return EXIT_OK
    due = f"hạn nộp {text.format_date(board.deadline)}, tính đến {text.format_date(board.today)}"
    if args.missing:
        out(f"Các xã, phường chưa nộp gói báo cáo kỳ {board.period} ({due}): {len(board.missing)}")
        for r in board.missing:
            out(f"  - {r.label}" + (f", {r.district}" if r.district else ""))
        return EXIT_OK
    c = board.counts
    out(f"Gói báo cáo kỳ {board.period} — {due}: đúng hạn {c['dung_han']}, muộn {c['muon']}, "
        f"chưa nộp {c['thieu']} / {len(board.rows)} đơn vị.")
    for r in board.rows:
        p = r.package
        extra = (f" | gói lập {p.created_at:%d/%m/%Y} ({p.kind_label}) | khóa {r.sender} | {p.members} thành viên, "
                 f"{p.teams} tổ, {p.villages} thôn" if p else "")
        out(f"  {r.label}{', ' + r.district if r.district else ''}: {r.status_label}{extra}"
            + ("" if r.in_registry else " | xã chưa có trong danh sách của sổ"))
    _print_duplicates(dups)
    if board.missing:
        out("Danh sách xã chưa nộp để nhắc: thêm --missing.")
    return EXIT_OK
