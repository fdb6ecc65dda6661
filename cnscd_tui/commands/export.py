"""``cnscd export …`` and ``cnscd usb list``.

    cnscd export KIND --db PATH [--out FILE|DIR] [--format xlsx|ods|csv] [--year YYYY]
                 [--period 2026-Q2|2026-H1|2026] [--village NAME] [--usb DRIVE] …
    cnscd usb list

The arguments become an :class:`exports.request.ReportRequest`, the same request the
Reports tab builds. Every file written is recorded in the registry's audit log (action
«Xuất», with its SHA-256). Bad input exits with 2 and a Vietnamese message.
"""

from __future__ import annotations

import sys
from pathlib import Path

from exports import handoff, usb, writers
from exports.fund import get_policy
from exports.layout import Pack, Period, parse_period
from exports.request import KINDS, PERIOD_KINDS, ReportRequest, build_pack, default_name
from models import text
from models.errors import EXIT_OK, UsageError

from .common import Secrets, open_registry, parse_day

PERSONAL_WARNING = ("CẢNH BÁO: tệp sắp ghi có dữ liệu cá nhân (họ tên, năm sinh, số điện thoại{cccd}). "
                    "Chỉ giao cho người có trách nhiệm, không gửi qua nhóm chat công khai, "
                    "xóa khỏi USB sau khi bàn giao.")
PROTECT_HINT = " Thêm --protect để đặt mật khẩu cho tệp (chỉ với định dạng xlsx)."
PROTECTED_NOTE = " Tệp được đặt mật khẩu (--protect): báo mật khẩu cho người nhận qua điện thoại."


def register(sub, common) -> None:
    s = sub.add_parser("export", parents=[common], help="xuất biểu mẫu báo cáo (xlsx, ods, csv)",
                       description="Xuất biểu mẫu báo cáo cấp trên yêu cầu. Loại: "
                       + "; ".join(f"{k} ({v[0]})" for k, v in KINDS.items()))
    s.add_argument("kind", metavar="LOẠI", choices=list(KINDS), help=", ".join(KINDS))
    s.add_argument("--out", metavar="TỆP", help="tệp hoặc thư mục đích (mặc định: tên tự đặt, thư mục hiện tại)")
    s.add_argument("--format", choices=["xlsx", "ods", "csv"], default=None, help="mặc định theo đuôi tệp, hoặc xlsx")
    s.add_argument("--year", type=int, default=None, help="năm (mặc định: năm nay)")
    s.add_argument("--period", default=None, metavar="KỲ", help="2026-Q2 (quý), 2026-H1 (6 tháng), 2026 (năm)")
    s.add_argument("--village", default="", metavar="THÔN",
                   help="chỉ một thôn/tổ dân phố (danh-sach, thiet-bi); sổ nhiều xã: «thôn, xã», ví dụ "
                   "\"Tổ dân phố 1, phường An An\"")
    s.add_argument("--team", type=int, default=None, metavar="MÃ_TỔ", help="chỉ một tổ (danh-sach)")
    s.add_argument("--usb", default=None, metavar="Ổ", help="chép ra USB: đường dẫn ổ/thư mục, hoặc số thứ tự trong «cnscd usb list»")
    s.add_argument("--protect", action="store_true",
                   help="đặt mật khẩu cho tệp xlsx (Excel/LibreOffice hỏi mật khẩu khi mở); mật khẩu lấy từ "
                   "CNSCD_EXPORT_PASSWORD hoặc được hỏi")
    s.add_argument("--cccd", action="store_true", help="thêm cột số CCCD (danh-sach, bao-cao-ky)")
    s.add_argument("--nam-nu", action="store_true", help="năm sinh chia hai cột Nam/Nữ (danh-sach)")
    s.add_argument("--date", default=None, metavar="NGÀY", help="ngày ghi trên biểu (dd/mm/yyyy; mặc định hôm nay)")
    s.add_argument("--policy", default=None, help="mức hỗ trợ (kinh-phi, ky-nhan, bao-cao-ky): "
                   "quang-nam, yen-bai, ha-tinh, ca-mau, binh-duong, da-nang, da-nang-2026 "
                   "(mặc định: mức cài trong sổ, nếu chưa cài thì quang-nam)")
    s.add_argument("--teams", type=int, default=None, help="số tổ để tính dự toán (mặc định: số tổ cấp thôn trong sổ)")
    s.add_argument("--members-per-team", type=int, default=5, help="số thành viên bình quân mỗi tổ (kinh-phi)")
    s.add_argument("--days", type=int, default=None,
                   help="số ngày làm việc/người/tháng (mức theo ngày); bỏ trống thì danh sách ký nhận để trống "
                   "cột «Số ngày làm việc» để ghi tay")
    s.add_argument("--nights", type=int, default=None, help="số đêm làm việc/người/tháng (mức ban đêm)")
    s.add_argument("--months", type=int, default=None, help="số tháng hỗ trợ mỗi năm (kinh-phi)")
    s.add_argument("--years", type=int, default=None, help="số năm hỗ trợ (kinh-phi)")
    s.set_defaults(func=cmd_export)

    u = sub.add_parser("usb", parents=[common], help="ổ USB")
    us = u.add_subparsers(dest="usb_command", parser_class=type(u), metavar="VIỆC")
    ul = us.add_parser("list", help="liệt kê ổ USB đang cắm")
    ul.set_defaults(func=cmd_usb_list)
    u.set_defaults(func=cmd_usb_list)


def cmd_usb_list(args, secrets: Secrets) -> int:
    drives = usb.list_drives()
    if not drives:
        print("Không thấy ổ USB nào. Hãy cắm USB, hoặc dùng --usb với một thư mục bất kỳ.")
        return EXIT_OK
    for i, d in enumerate(drives, 1):
        print(f"{i}. {d.describe()}")
    return EXIT_OK


def _resolve_drive(value: str) -> Path:
    v = value.strip()
    if v.isdigit():
        drives = usb.list_drives()
        i = int(v)
        if not 1 <= i <= len(drives):
            raise UsageError(f"Không có ổ USB số {i} (có {len(drives)} ổ; xem «cnscd usb list»).")
        return drives[i - 1].path
    p = Path(v).expanduser()
    if not p.is_dir():
        raise UsageError(f"Không tìm thấy ổ/thư mục «{v}». USB đã cắm chưa? Xem «cnscd usb list».")
    return p


# ---------------------------------------------------------------------------
# Arguments → request
# ---------------------------------------------------------------------------
def _check_args(args) -> None:
    """What the options allow together, before the passphrase is asked for."""
    if args.village and args.kind not in ("danh-sach", "thiet-bi"):
        raise UsageError("--village chỉ dùng với danh-sach hoặc thiet-bi.")
    if args.team is not None and args.kind != "danh-sach":
        raise UsageError("--team chỉ dùng với danh-sach.")
    if args.village and args.team is not None:
        raise UsageError("Chọn --village hoặc --team, không dùng cả hai.")
    for name in ("teams", "members_per_team", "days", "nights", "years"):
        v = getattr(args, name)
        if v is not None and v < 0:
            raise UsageError(f"--{name.replace('_', '-')} không được âm.")
    if args.months is not None and not 1 <= args.months <= 12:
        raise UsageError("--months phải từ 1 đến 12.")
    if args.years is not None and args.years < 1:
        raise UsageError("--years phải từ 1 trở lên.")


def _period(args) -> Period | None:
    """--period, else --year (the whole year); None: the kind's default (this year or this quarter)."""
    if args.kind not in PERIOD_KINDS:
        return None
    if args.period:
        p = parse_period(args.period)
        if args.year and args.year != p.year:
            raise UsageError(f"--year {args.year} khác năm của --period {args.period}.")
        return p
    if not args.year:
        return None
    if not 2000 <= args.year <= 2100:
        raise UsageError(f"Năm {args.year} không hợp lệ.")
    return parse_period(str(args.year))


def request_from_args(args) -> ReportRequest:
    """The :class:`ReportRequest` the options ask for (bad --date/--period/--year: InputError/UsageError)."""
    day = parse_day(args.date)
    return ReportRequest(
        kind=args.kind, period=_period(args), day=day, village=args.village, team_id=args.team,
        gender_columns=args.nam_nu, with_cccd=args.cccd, policy=args.policy, teams=args.teams,
        members_per_team=args.members_per_team, days=args.days, nights=args.nights, months=args.months,
        years=args.years)


# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------
def _format(args, out: Path | None) -> str:
    """--format, else the suffix of --out, else xlsx."""
    fmt = args.format
    if fmt is None:
        suffix = out.suffix.lower().lstrip(".") if out is not None and not out.is_dir() else ""
        fmt = suffix if suffix in writers.FORMATS else "xlsx"
        if suffix and suffix not in writers.FORMATS:
            raise UsageError(f"Đuôi tệp «.{suffix}» không hỗ trợ; dùng .xlsx, .ods hoặc .csv (hoặc --format).")
    return fmt


def _warn_personal(args, obj, password: str | None) -> bool:
    """Say so (stderr) when the file holds personal data, before anything is written, so the
    clerk can stop and add --protect. True when it does."""
    personal = any(r.personal_data for r in writers.as_reports(obj))
    if personal:
        has_cccd = args.cccd and args.kind in ("danh-sach", "bao-cao-ky")
        print(PERSONAL_WARNING.format(cccd=", số CCCD" if has_cccd else "")
              + (PROTECTED_NOTE if password else PROTECT_HINT), file=sys.stderr)
    return personal


def _hand_off(reg, obj, *, label: str, name: str, out: Path | None, drive: Path | None, fmt: str,
              password: str | None) -> list[tuple[Path, str, int]]:
    """In memory → hidden temporary name on the destination → read back → rename."""
    if drive is not None:
        dest = drive / out.name if out is not None and out.suffix else drive
        dest_dir = dest.parent if dest != drive else drive
        stem = Path(out.name).stem if out is not None and out.suffix else Path(name).stem
    elif out is None or out.is_dir():
        dest_dir, stem = (out or Path.cwd()), Path(name).stem
    else:
        dest_dir, stem = out.parent, out.stem
    done = handoff.hand_off(reg, obj, label=label, dest_dir=dest_dir, stem=stem, fmt=fmt, password=password)
    return [(r.path, r.sha256, r.size) for r in done.files]


def _write(reg, obj, *, label: str, name: str, out: Path | None, fmt: str,
           personal: bool) -> list[tuple[Path, str, int]]:
    """Straight to the file(s), then a receipt per file in the audit log."""
    from models import services

    if out is None:
        target = Path.cwd() / name
    elif out.is_dir():
        target = out / name
    else:
        target = out if out.suffix else out.with_suffix(f".{fmt}")
    finals = []
    for path in writers.write(obj, target, fmt):
        path = Path(path).resolve()
        digest, size = usb.sha256_file(path), path.stat().st_size
        finals.append((path, digest, size))
        receipt = handoff.receipt_summary(label, fmt, path, size, personal=personal)
        services.log_event(reg, "xuat", "registry", receipt, new=f"sha256:{digest}")
    return finals


def cmd_export(args, secrets: Secrets) -> int:
    _check_args(args)
    if args.period:
        parse_period(args.period)  # bad input → exit 2 before asking for the passphrase
    if args.policy:
        get_policy(args.policy)
    out = Path(args.out).expanduser() if args.out else None
    fmt = _format(args, out)
    drive = _resolve_drive(args.usb) if args.usb else None
    if args.protect and fmt != "xlsx":
        raise UsageError("--protect chỉ dùng với định dạng xlsx.")
    with open_registry(args, secrets) as reg:
        password = (secrets.get("CNSCD_EXPORT_PASSWORD", "mật khẩu đặt cho tệp xuất", confirm=True)
                    if args.protect else None)
        req = request_from_args(args)
        obj, tag = build_pack(reg, req)
        name = default_name(reg, req.kind, tag, fmt)
        if isinstance(obj, Pack) and fmt == "xlsx":  # one workbook named for its period
            name = obj.file_stem + ".xlsx"
        personal = _warn_personal(args, obj, password)
        if drive is not None or password:
            finals = _hand_off(reg, obj, label=req.label, name=name, out=out, drive=drive, fmt=fmt, password=password)
        else:
            finals = _write(reg, obj, label=req.label, name=name, out=out, fmt=fmt, personal=personal)
        for path, digest, size in finals:
            print(f"Đã xuất {req.label}: {path}" + (" (có mật khẩu)" if password else ""))
            print(f"  {text.format_int(size)} byte, SHA-256 {digest}")
    return EXIT_OK

