"""``cnscd export …`` and ``cnscd usb list`` (registered by cnscd_tui.cli._add_later_commands).

    cnscd export KIND --db PATH [--out FILE|DIR] [--format xlsx|ods|csv] [--year YYYY]
                 [--period 2026-Q2|2026-H1|2026] [--village NAME] [--usb DRIVE] …
    cnscd usb list

Every file written is recorded in the registry's audit log (action «Xuất»,
with its SHA-256). Bad input exits with 2 and a Vietnamese message.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

KINDS = {
    "phu-luc-1": ("Phụ lục I — số tổ và thành viên theo đơn vị", "PhuLucI"),
    "thanh-phan": ("Thành viên theo thành phần", "ThanhPhan"),
    "danh-sach": ("Danh sách thành viên", "DanhSach"),
    "tap-huan": ("Tập huấn", "TapHuan"),
    "thiet-bi": ("Trang thiết bị và đề xuất", "ThietBi"),
    "kinh-phi": ("Dự toán kinh phí hỗ trợ (Phụ lục III)", "DuToanKinhPhi"),
    "ky-nhan": ("Danh sách ký nhận kinh phí hỗ trợ", "KyNhan"),
    "bao-cao-ky": ("Báo cáo định kỳ (quý, 6 tháng, năm)", "BaoCao"),
}

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


def _usage(msg: str):
    from cnscd_tui.cli import UsageError

    return UsageError(msg)


def cmd_usb_list(args, secrets) -> int:
    from .usb import list_drives

    drives = list_drives()
    if not drives:
        print("Không thấy ổ USB nào. Hãy cắm USB, hoặc dùng --usb với một thư mục bất kỳ.")
        return 0
    for i, d in enumerate(drives, 1):
        print(f"{i}. {d.describe()}")
    return 0


def _resolve_drive(value: str) -> Path:
    from .usb import list_drives

    v = value.strip()
    if v.isdigit():
        drives = list_drives()
        i = int(v)
        if not 1 <= i <= len(drives):
            raise _usage(f"Không có ổ USB số {i} (có {len(drives)} ổ; xem «cnscd usb list»).")
        return drives[i - 1].path
    p = Path(v).expanduser()
    if not p.is_dir():
        raise _usage(f"Không tìm thấy ổ/thư mục «{v}». USB đã cắm chưa? Xem «cnscd usb list».")
    return p


def _parse_day(value: str | None) -> dt.date | None:
    if not value:
        return None
    from models import validate
    from models.services import InputError

    r = validate.parse_date(value, field="Ngày ghi trên biểu")
    if not r.ok or r.value is None:
        raise InputError(r.error or f"Ngày «{value}» không hợp lệ (dd/mm/yyyy).", "date")
    return r.value


def _period(args, default_kind: str):
    """The period from --period, else --year, else (for the pack) the current quarter."""
    from .report import parse_period

    if args.period:
        p = parse_period(args.period)
        if args.year and args.year != p.year:
            raise _usage(f"--year {args.year} khác năm của --period {args.period}.")
        return p
    today = dt.date.today()
    if default_kind == "quarter" and not args.year:
        return parse_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}")
    year = args.year or today.year
    if not 2000 <= year <= 2100:
        raise _usage(f"Năm {year} không hợp lệ.")
    return parse_period(str(year))


def _check_args(args) -> None:
    if args.village and args.kind not in ("danh-sach", "thiet-bi"):
        raise _usage("--village chỉ dùng với danh-sach hoặc thiet-bi.")
    if args.team is not None and args.kind != "danh-sach":
        raise _usage("--team chỉ dùng với danh-sach.")
    if args.village and args.team is not None:
        raise _usage("Chọn --village hoặc --team, không dùng cả hai.")
    for name in ("teams", "members_per_team", "days", "nights", "years"):
        v = getattr(args, name)
        if v is not None and v < 0:
            raise _usage(f"--{name.replace('_', '-')} không được âm.")
    if args.months is not None and not 1 <= args.months <= 12:
        raise _usage("--months phải từ 1 đến 12.")
    if args.years is not None and args.years < 1:
        raise _usage("--years phải từ 1 trở lên.")


def build(reg, args):
    """The report(s) for ``args.kind``, and a tag for the file name."""
    from models import text

    from . import fund, report

    day = _parse_day(args.date)
    kind = args.kind
    if kind == "phu-luc-1":
        return report.phu_luc_1(reg, day=day), str((day or dt.date.today()).year)
    if kind == "thanh-phan":
        return report.thanh_phan(reg, day=day), str((day or dt.date.today()).year)
    village_id = getattr(args, "village_id", None)  # the TUI picks a village by id
    if kind == "danh-sach":
        scope = report.resolve_scope(reg, village=args.village, team_id=args.team, village_id=village_id)
        r = report.danh_sach(reg, scope=scope, gender_columns=args.nam_nu, with_cccd=args.cccd, day=day)
        return r, text.ascii_slug(scope.label) if scope.label else ""
    if kind == "tap-huan":
        p = _period(args, "year")
        return report.tap_huan(reg, year=p.year, start=p.start, end=p.end, day=day), p.tag
    if kind == "thiet-bi":
        scope = report.resolve_scope(reg, village=args.village, village_id=village_id)
        return report.thiet_bi(reg, scope=scope, day=day), text.ascii_slug(scope.label) if scope.label else ""
    if kind == "kinh-phi":
        policy, source = fund.registry_policy(reg, args.policy)
        policy = fund.with_years(policy, args.years, args.months)
        teams = args.teams
        if teams is None:
            from models import services

            teams = services.stats(reg).village_teams
        est = fund.estimate(policy, teams=teams, members_per_team=args.members_per_team,
                            days_per_person_month=args.days or 0, nights_per_person_month=args.nights or 0)
        return fund.estimate_report(reg, est, day=day, policy_source=source), policy.code
    if kind == "ky-nhan":
        p = _period(args, "quarter")
        policy, source = fund.registry_policy(reg, args.policy)
        return fund.payment_report(reg, policy, p, days_per_person_month=args.days,
                                   nights_per_person_month=args.nights, day=day, policy_source=source), p.tag
    if kind == "bao-cao-ky":
        p = _period(args, "quarter")
        return report.bao_cao_ky(reg, p, day=day, with_cccd=args.cccd, policy_code=args.policy,
                                 days_per_person_month=args.days), p.tag
    raise _usage(f"Loại báo cáo «{kind}» không có.")  # pragma: no cover - argparse checks


def default_name(reg, kind: str, tag: str, fmt: str) -> str:
    from models import text

    from .report import unit_name

    slug = text.ascii_slug(unit_name(reg))
    stem = KINDS[kind][1]
    parts = [stem] + ([tag] if tag else []) + [slug]
    return "_".join(parts) + f".{fmt}"


def cmd_export(args, secrets) -> int:
    from cnscd_tui.cli import open_registry
    from models import services, text

    from . import writers
    from .report import Pack, parse_period

    _check_args(args)
    if args.period:
        parse_period(args.period)  # bad input → exit 2 before asking for the passphrase
    if args.policy:
        from .fund import get_policy

        get_policy(args.policy)
    fmt = args.format
    out = Path(args.out).expanduser() if args.out else None
    if fmt is None:
        suffix = out.suffix.lower().lstrip(".") if out is not None and not out.is_dir() else ""
        fmt = suffix if suffix in writers.FORMATS else "xlsx"
        if suffix and suffix not in writers.FORMATS:
            raise _usage(f"Đuôi tệp «.{suffix}» không hỗ trợ; dùng .xlsx, .ods hoặc .csv (hoặc --format).")
    drive = _resolve_drive(args.usb) if args.usb else None
    if args.protect and fmt != "xlsx":
        raise _usage("--protect chỉ dùng với định dạng xlsx.")
    with open_registry(args, secrets) as reg:
        password = (secrets.get("CNSCD_EXPORT_PASSWORD", "mật khẩu đặt cho tệp xuất", confirm=True)
                    if args.protect else None)
        obj, tag = build(reg, args)
        name = default_name(reg, args.kind, tag, fmt)
        if isinstance(obj, Pack) and fmt == "xlsx":
            name = obj.file_stem + ".xlsx"
        label = KINDS[args.kind][0]
        from .handoff import hand_off
        from .writers import as_reports

        personal = any(r.personal_data for r in as_reports(obj))
        if personal:  # before anything is written, so the clerk can stop and add --protect
            has_cccd = args.cccd and args.kind in ("danh-sach", "bao-cao-ky")
            print(PERSONAL_WARNING.format(cccd=", số CCCD" if has_cccd else "")
                  + (PROTECTED_NOTE if password else PROTECT_HINT), file=sys.stderr)
        if drive is not None or password:
            # in memory → hidden temporary name on the destination → read back → rename
            if drive is not None:
                dest = drive / out.name if out is not None and out.suffix else drive
                dest_dir = dest.parent if dest != drive else drive
                stem = Path(out.name).stem if out is not None and out.suffix else Path(name).stem
            elif out is None or out.is_dir():
                dest_dir, stem = (out or Path.cwd()), Path(name).stem
            else:
                dest_dir, stem = out.parent, out.stem
            done = hand_off(reg, obj, label=label, dest_dir=dest_dir, stem=stem, fmt=fmt, password=password)
            finals = [(r.path, r.sha256, r.size) for r in done.files]
        else:
            if out is None:
                target = Path.cwd() / name
            elif out.is_dir():
                target = out / name
            else:
                target = out if out.suffix else out.with_suffix(f".{fmt}")
            written = writers.write(obj, target, fmt)
            from .handoff import receipt_summary
            from .usb import sha256_file

            finals = []
            for path in written:
                path = Path(path).resolve()
                digest, size = sha256_file(path), path.stat().st_size
                finals.append((path, digest, size))
                services.log_event(reg, "xuat", "registry",
                                   receipt_summary(label, fmt, path, size, personal=personal),
                                   new=f"sha256:{digest}")
        for path, digest, size in finals:
            print(f"Đã xuất {label}: {path}" + (" (có mật khẩu)" if password else ""))
            print(f"  {text.format_int(size)} byte, SHA-256 {digest}")
    return 0
