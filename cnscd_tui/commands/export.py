"""``cnscd export …`` and ``cnscd usb list``.

    cnscd export KIND --db PATH [--out FILE|DIR|-] [--format xlsx|ods|csv|tsv|json] [--year YYYY]
                 [--period 2026-Q2|2026-H1|2026|2026-11] [--village NAME] [--usb DRIVE] …
    cnscd export phieu-hoat-dong --period 2026-11 [--team ID] [--out FOLDER | --usb DRIVE]
    cnscd usb list [--json]

The arguments become an :class:`exports.request.ReportRequest`, the same request the
Reports tab builds. The files are built in memory (xlsx/ods by :mod:`exports.writers` in the
official layout; csv/tsv/json by :mod:`exports.datasets` through tablib), then written under a
hidden name and renamed (``--usb``/``--protect``: read back and compared too), or sent to
standard output with ``--out -``. Every file written is recorded in the registry's audit log
(action «Xuất», with its SHA-256), unless the registry is on read-only media. Bad input exits
with 2 and a Vietnamese message; a destination that cannot be written with 6.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

from models.errors import EXIT_OK, UsageError

from .common import Secrets, log, open_registry, out, out_json, parse_day, resolve_drive, warn
from .kinds import ALL_EXPORT_KINDS, DATA_FORMATS, FORMATS, SHEET_FORMATS, TALLY_SHEETS

PERSONAL_WARNING = ("CẢNH BÁO: tệp sắp ghi có dữ liệu cá nhân (họ tên, năm sinh, số điện thoại{cccd}). "
                    "Chỉ giao cho người có trách nhiệm, không gửi qua nhóm chat công khai, "
                    "xóa khỏi USB sau khi bàn giao.")
PROTECT_HINT = " Thêm --protect để đặt mật khẩu cho tệp (chỉ với định dạng xlsx)."
PROTECTED_NOTE = " Tệp được đặt mật khẩu (--protect): báo mật khẩu cho người nhận qua điện thoại."
STDOUT = "-"


def register(sub, common) -> None:
    s = sub.add_parser("export", parents=[common], help="xuất biểu mẫu báo cáo (xlsx, ods, csv, tsv, json)",
                       description="Xuất biểu mẫu báo cáo cấp trên yêu cầu. Loại: "
                       + "; ".join(f"{k} ({v})" for k, v in ALL_EXPORT_KINDS.items()))
    s.add_argument("kind", metavar="LOẠI", choices=list(ALL_EXPORT_KINDS), help=", ".join(ALL_EXPORT_KINDS))
    s.add_argument("--out", metavar="TỆP", help="tệp hoặc thư mục đích (mặc định: tên tự đặt, thư mục hiện tại); "
                   "«-»: ghi ra đầu ra chuẩn")
    s.add_argument("--format", choices=list(FORMATS), default=None,
                   help="mặc định theo đuôi tệp, hoặc xlsx; csv, tsv, json cho chương trình khác đọc")
    s.add_argument("--year", type=int, default=None, help="cả năm YYYY (không ghi --year, --period: quý đang diễn ra, "
                   "lich-truc: tháng đang diễn ra)")
    s.add_argument("--period", default=None, metavar="KỲ",
                   help="2026-Q2 (quý), 2026-H1 (6 tháng), 2026 (năm); hoat-dong, lich-truc, phieu-hoat-dong: "
                   "cả tháng, ví dụ 2026-11")
    s.add_argument("--village", default="", metavar="THÔN",
                   help="chỉ một thôn/tổ dân phố (danh-sach, thiet-bi); sổ nhiều xã: «thôn, xã», ví dụ "
                   "\"Tổ dân phố 1, phường An An\"")
    s.add_argument("--team", type=int, default=None, metavar="MÃ_TỔ", help="chỉ một tổ (danh-sach, phieu-hoat-dong)")
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
    ul = us.add_parser("list", parents=[common], help="liệt kê ổ USB đang cắm")
    ul.add_argument("--json", action="store_true", help="in dạng JSON")
    ul.set_defaults(func=cmd_usb_list)
    u.set_defaults(func=cmd_usb_list, json=False)


def cmd_usb_list(args, secrets: Secrets) -> int:
    from exports import usb

    drives = usb.list_drives()
    if getattr(args, "json", False):
        out_json([{"number": i, "path": str(d.path), "label": d.label, "free_bytes": d.free, "total_bytes": d.total}
                  for i, d in enumerate(drives, 1)])
        return EXIT_OK
    if not drives:
        print("Không thấy ổ USB nào. Hãy cắm USB, hoặc dùng --usb với một thư mục bất kỳ.")
        return EXIT_OK
    for i, d in enumerate(drives, 1):
        print(f"{i}. {d.describe()}")
    return EXIT_OK


# ---------------------------------------------------------------------------
# Arguments → request
# ---------------------------------------------------------------------------
def _check_args(args) -> None:
    """What the options allow together, before the passphrase is asked for."""
    if args.village and args.kind not in ("danh-sach", "thiet-bi"):
        raise UsageError("--village chỉ dùng với danh-sach hoặc thiet-bi.")
    if args.team is not None and args.kind not in ("danh-sach", TALLY_SHEETS):
        raise UsageError("--team chỉ dùng với danh-sach hoặc phieu-hoat-dong.")
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
    if args.out == STDOUT and (args.usb or args.protect):
        raise UsageError("--out - (ghi ra đầu ra chuẩn) không dùng cùng --usb hay --protect.")


def _period(args):
    """--period, else --year (the whole year); None: neither (the kind's default, see request_from_args)."""
    from exports.layout import parse_period
    from exports.request import PERIOD_KINDS, parse_kind_period

    if args.kind not in PERIOD_KINDS:
        if args.period:
            from exports.layout import PERIOD_REFUSED

            raise UsageError(PERIOD_REFUSED.get(args.kind, f"«{args.kind}» không theo kỳ báo cáo; bỏ --period."))
        return None
    if args.period:
        p = parse_kind_period(args.kind, args.period)
        if args.year and args.year != p.year:
            raise UsageError(f"--year {args.year} khác năm của --period {args.period}.")
        return p
    if not args.year:
        return None
    if not 2000 <= args.year <= 2100:
        raise UsageError(f"Năm {args.year} không hợp lệ.")
    return parse_period(str(args.year))


def request_from_args(args):
    """The :class:`ReportRequest` the options ask for (bad --date/--period/--year: InputError/UsageError)."""
    from exports.request import ReportRequest, default_period_for

    day = parse_day(args.date)
    # no --period/--year: the Reports tab's rule too (the quarter holding --date; the rota: its month)
    period = _period(args) or default_period_for(args.kind, day)
    return ReportRequest(
        kind=args.kind, period=period, day=day, village=args.village, team_id=args.team,
        gender_columns=args.nam_nu, with_cccd=args.cccd, policy=args.policy, teams=args.teams,
        members_per_team=args.members_per_team, days=args.days, nights=args.nights, months=args.months,
        years=args.years)


# ---------------------------------------------------------------------------
# Where the files go
# ---------------------------------------------------------------------------
def _format(args, out: Path | None) -> str:
    """--format, else the suffix of --out, else xlsx."""
    fmt = args.format
    if fmt is None:
        suffix = out.suffix.lower().lstrip(".") if out is not None and not out.is_dir() else ""
        fmt = suffix if suffix in FORMATS else "xlsx"
        if suffix and suffix not in FORMATS:
            raise UsageError(f"Đuôi tệp «.{suffix}» không hỗ trợ; dùng .xlsx, .ods, .csv, .tsv hoặc .json "
                             "(hoặc --format).")
    return fmt


def _as_reports(obj) -> list:
    reports = getattr(obj, "reports", obj)
    return list(reports) if isinstance(reports, (list, tuple)) else [reports]


def _warn_personal(args, reports, password: str | None) -> bool:
    """Say so (stderr) when the file holds personal data, before anything is written, so the
    clerk can stop and add --protect. True when it does."""
    personal = any(r.personal_data for r in reports)
    if personal:
        has_cccd = args.cccd and args.kind in ("danh-sach", "bao-cao-ky")
        warn(PERSONAL_WARNING.format(cccd=", số CCCD" if has_cccd else "")
             + (PROTECTED_NOTE if password else PROTECT_HINT if args.out != STDOUT else ""))
    return personal


def _destination(out: Path | None, drive: Path | None, name: str) -> tuple[Path, str]:
    """(folder, file stem) of the export."""
    if drive is not None:
        stem = Path(out.name).stem if out is not None and out.suffix else Path(name).stem
        return drive, stem
    if out is None or out.is_dir():
        return (out or Path.cwd()), Path(name).stem
    return out.parent, (out.stem if out.suffix else out.name)


def render(obj, stem: str, fmt: str) -> list[tuple[str, bytes]]:
    """The files of ``obj`` in ``fmt``, built in memory: the official layout (xlsx, ods) or
    machine-readable data (csv, tsv, json — through tablib)."""
    if fmt in DATA_FORMATS:
        from exports import datasets

        return datasets.render(obj, stem, fmt)
    from exports import writers

    return writers.render(obj, stem, fmt)


def _to_stdout(files: list[tuple[str, bytes]], fmt: str) -> list[tuple[str, bytes]]:
    """Write the export to standard output (text without the BOM that only Excel needs)."""
    if len(files) > 1:
        raise UsageError(f"Báo cáo này có {len(files)} trang: ghi ra đầu ra chuẩn ở dạng {fmt} chỉ được một trang. "
                         "Dùng --format json (mọi trang trong một tài liệu) hoặc --out THƯ_MỤC.")
    name, data = files[0]
    if fmt in ("csv", "tsv") and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:  # pragma: no cover - a text-only stream
        sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
    return [(name, data)]


def _write_files(files, folder: Path, *, careful: bool, password: str | None) -> list[tuple[Path, str, int]]:
    """Each file to ``folder``: ``careful`` (USB, protected): a hidden name, read back, never over an
    existing file; otherwise over the file named (hidden name, fsync, rename)."""
    from exports import usb

    done = []
    for name, data in files:
        if password:
            data = usb.protect_bytes(data, password)
        if careful:
            r = usb.safe_write(data, folder.expanduser().resolve(), name)
            done.append((r.path, r.sha256, r.size))
        else:
            path = usb.atomic_write_bytes(folder / name, data).resolve()
            done.append((path, hashlib.sha256(data).hexdigest(), len(data)))
    return done


def _write_sheets(obj, target: Path, fmt: str) -> list[tuple[Path, str, int]]:
    """xlsx/ods straight to ``target`` (built in memory, hidden name, fsync, rename: exports.writers)."""
    from exports import usb, writers

    done = []
    for path in writers.write(obj, target, fmt):
        path = Path(path).resolve()
        done.append((path, usb.sha256_file(path), path.stat().st_size))
    return done


def _receipts(reg, label: str, fmt: str, done, *, personal: bool, protected: bool) -> None:
    """One audit-log line per file (one save for all); none on a read-only registry (said)."""
    from exports import handoff
    from models import services

    if reg.read_only:
        warn("Sổ chỉ đọc: không ghi được biên nhận xuất tệp vào nhật ký của sổ.")
        return
    with reg.write():
        for path, digest, size in done:
            services.log_event(reg, "xuat", "registry",
                               handoff.receipt_summary(label, fmt, path, size, personal=personal, protected=protected),
                               new=f"sha256:{digest}")


# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------
def _prepare(args):
    """What can be checked before the passphrase: (out, fmt, drive)."""
    _check_args(args)
    from exports.request import parse_kind_period

    if args.period:
        parse_kind_period(args.kind, args.period)  # bad input → exit 2 before asking for the passphrase
    if args.policy:
        from exports.fund import get_policy

        get_policy(args.policy)
    to_stdout = args.out == STDOUT
    out = Path(args.out).expanduser() if args.out and not to_stdout else None
    fmt = _format(args, out)
    if to_stdout and fmt in SHEET_FORMATS and sys.stdout.isatty():
        raise UsageError(f"Tệp {fmt} là tệp nhị phân, không in ra màn hình được. Dùng --out TỆP, hoặc chuyển "
                         f"hướng: cnscd export {args.kind} --format {fmt} --out - > tep.{fmt}")
    drive = resolve_drive(args.usb) if args.usb else None
    if args.protect and fmt != "xlsx":
        raise UsageError("--protect chỉ dùng với định dạng xlsx.")
    return out, fmt, drive


def cmd_export(args, secrets: Secrets) -> int:
    if args.kind == TALLY_SHEETS:
        from .activities import cmd_tally_sheets

        return cmd_tally_sheets(args, secrets)
    out_path, fmt, drive = _prepare(args)
    to_stdout = args.out == STDOUT
    from exports.layout import Pack
    from exports.request import build_pack, default_name

    with open_registry(args, secrets, writes=False) as reg:  # exports work from read-only media too
        password = (secrets.get("CNSCD_EXPORT_PASSWORD", "mật khẩu đặt cho tệp xuất", confirm=True)
                    if args.protect else None)
        req = request_from_args(args)
        started = time.monotonic()
        obj, tag = build_pack(reg, req)
        log().debug("export %s: %d sheet(s) built in %.2f s", req.kind, len(_as_reports(obj)),
                    time.monotonic() - started)
        name = default_name(reg, req.kind, tag, fmt)
        if isinstance(obj, Pack) and fmt == "xlsx":  # one workbook named for its period
            name = obj.file_stem + ".xlsx"
        personal = _warn_personal(args, _as_reports(obj), password)
        folder, stem = _destination(out_path, drive, name)
        careful = drive is not None or bool(password)
        if to_stdout:
            done = [(Path("(đầu ra chuẩn)"), hashlib.sha256(d).hexdigest(), len(d))
                    for _, d in _to_stdout(render(obj, stem, fmt), fmt)]
        elif fmt in SHEET_FORMATS and not careful:
            done = _write_sheets(obj, folder / f"{stem}.{fmt}", fmt)
        else:
            done = _write_files(render(obj, stem, fmt), folder, careful=careful, password=password)
        _receipts(reg, req.label, fmt, done, personal=personal, protected=bool(password))
    say = warn if to_stdout else out
    for path, digest, size in done:
        log().info("export %s: format %s, %d bytes, sha256 %s%s", req.kind, fmt, size, digest[:12],
                   ", protected" if password else "")
        say(f"Đã xuất {req.label}: {path}" + (" (có mật khẩu)" if password else ""))
        say(f"  {_int(size)} byte, SHA-256 {digest}")
    return EXIT_OK


def _int(n: int) -> str:
    from models import text

    return text.format_int(n)
