"""The registry's own commands: ``init``, ``demo``, ``stats``, ``verify``, ``passwd``, ``recover``,
``backup``, ``restore``, and opening the TUI (no command, or ``--demo``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from models.errors import EXIT_DAMAGED, EXIT_OK, UsageError
from models.text import format_int

from .common import Secrets, db_path, new_passphrase, note_migration, open_registry, out, print_recovery_key


def cmd_tui(args, secrets: Secrets) -> int:
    from cnscd_tui.app import run_app

    path = db_path(args)
    demo_pass = None
    if args.demo:
        from models.demo import DEMO_PASSPHRASE, create_demo

        demo_pass = DEMO_PASSPHRASE
        if not args.db:
            path = path.with_name("demo-phuong-tran-hung-dao.cnscd")
        if not path.exists():
            out(f"Đang tạo sổ mẫu tại {path} …")
            reg, _ = create_demo(path, scale="commune")
            reg.close()
        out(f"Sổ mẫu: {path}")
        out(f"Mật khẩu sổ mẫu: {DEMO_PASSPHRASE}")
    return run_app(path, demo_passphrase=demo_pass)


def _refuse_existing(path: Path) -> None:
    if path.exists():
        raise UsageError(f"Tệp {path} đã có; không ghi đè. Chọn đường dẫn khác hoặc xóa tệp cũ.")


def cmd_init(args, secrets: Secrets) -> int:
    from models.db import Registry

    path = db_path(args)
    _refuse_existing(path)
    passphrase = new_passphrase(secrets)
    reg, rk = Registry.create(path, passphrase, province=args.province, commune=args.commune,
                              commune_kind=args.commune_kind, district=args.district or "")
    reg.close()
    out(f"Đã tạo sổ mới: {path}")
    print_recovery_key(rk)
    return EXIT_OK


def cmd_demo(args, secrets: Secrets) -> int:
    from models import services
    from models.demo import DEMO_PASSPHRASE, create_demo

    path = db_path(args)
    _refuse_existing(path)
    passphrase = DEMO_PASSPHRASE
    if args.passphrase_stdin or os.environ.get("CNSCD_PASSPHRASE"):
        passphrase = secrets.get("CNSCD_PASSPHRASE", "mật khẩu")
    reg, rk = create_demo(path, scale=args.scale, seed=args.seed, passphrase=passphrase)
    st = services.stats(reg)
    reg.close()
    out(f"Đã tạo sổ mẫu ({'cấp tỉnh' if args.scale == 'province' else 'cấp xã'}): {path}")
    out(f"{st.villages} thôn/tổ dân phố, {st.teams} tổ, {st.active_members} thành viên đang hoạt động.")
    if passphrase == DEMO_PASSPHRASE:
        out(f"Mật khẩu sổ mẫu: {DEMO_PASSPHRASE}")
    print_recovery_key(rk)
    return EXIT_OK


def cmd_stats(args, secrets: Secrets) -> int:
    from models import services

    with open_registry(args, secrets) as reg:
        st = services.stats(reg, year=args.year)
        cats = {c.code: c.name for c in services.list_categories(reg, include_inactive=True)}
    if args.json:
        out(json.dumps(st.as_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    out(f"Số đơn vị hành chính: {format_int(st.units)} (xã/phường: {format_int(st.communes)})")
    out(f"Thôn/tổ dân phố: {format_int(st.villages)}")
    out(f"Tổ CNSCĐ: {format_int(st.teams)} (cấp thôn: {format_int(st.village_teams)})")
    out(f"Thành viên đang hoạt động: {format_int(st.active_members)}")
    out(f"Đã tập huấn năm {st.year}: {format_int(st.trained_this_year)}/{format_int(st.people)}")
    out("Theo thành phần:")
    for code, n in st.members_by_category.items():
        out(f"  {cats.get(code, code)}: {format_int(n)}")
    out(f"Thiết bị: {format_int(st.equipment_items)} (cần sửa/thay: {format_int(st.equipment_needing_repair)})")
    return EXIT_OK


def cmd_verify(args, secrets: Secrets) -> int:
    with open_registry(args, secrets) as reg:
        result = reg.integrity_check()
        gen = reg.store.generation
        backups = reg.store.list_backups()
    if result != "ok":
        out(f"Tệp sổ giải mã được nhưng cơ sở dữ liệu bên trong bị lỗi: {result}")
        return EXIT_DAMAGED
    out(f"Tệp sổ nguyên vẹn (lần lưu thứ {gen}; kiểm tra toàn vẹn: ok; {len(backups)} bản sao lưu).")
    return EXIT_OK


def cmd_passwd(args, secrets: Secrets) -> int:
    with open_registry(args, secrets) as reg:
        new = new_passphrase(secrets, "CNSCD_NEW_PASSPHRASE")
        reg.store.change_passphrase(new)
    out("Đã đổi mật khẩu. Khóa khôi phục cũ vẫn dùng được.")
    return EXIT_OK


def cmd_recover(args, secrets: Secrets) -> int:
    from models.db import Registry

    path = db_path(args)
    key = secrets.get("CNSCD_RECOVERY_KEY", "khóa khôi phục")
    reg = Registry.open(path, recovery_key=key)
    note_migration(reg)
    with reg:
        new = new_passphrase(secrets, "CNSCD_NEW_PASSPHRASE")
        reg.store.change_passphrase(new)
    out("Đã mở bằng khóa khôi phục và đặt mật khẩu mới.")
    return EXIT_OK


def cmd_backup(args, secrets: Secrets) -> int:
    from models import services

    with open_registry(args, secrets) as reg:
        target = reg.store.backup_to(Path(args.to).expanduser())
        services.log_event(reg, "he_thong", "registry", f"Sao lưu sổ ra {target}")
    out(f"Đã sao lưu (bản mã hóa) ra: {target}")
    return EXIT_OK


def cmd_restore(args, secrets: Secrets) -> int:
    from models.store import restore_backup

    path = db_path(args)
    passphrase = secrets.get("CNSCD_PASSPHRASE", "mật khẩu của bản sao lưu")
    restore_backup(Path(args.backup).expanduser(), path, passphrase=passphrase)
    out(f"Đã khôi phục {path} từ bản sao lưu {args.backup}. Bản đang dùng trước đó được giữ lại trong thư mục sao lưu.")
    return EXIT_OK


def register(sub, common) -> None:
    """The subcommands above, on the main parser's ``sub`` (``common``: --db, --passphrase-stdin)."""
    s = sub.add_parser("init", parents=[common], help="tạo sổ mới")
    s.add_argument("--province", required=True, help="tỉnh/thành phố")
    s.add_argument("--commune", required=True, help="xã/phường/đặc khu")
    s.add_argument("--commune-kind", default="xã", choices=["xã", "phường", "đặc khu", "thị trấn"])
    s.add_argument("--district", default="", help="huyện (dữ liệu cũ trước 1/7/2025)")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("demo", parents=[common], help="tạo sổ mẫu")
    s.add_argument("--scale", choices=["commune", "province"], default="commune")
    s.add_argument("--seed", type=int, default=2026)
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("stats", parents=[common], help="số liệu tổng hợp")
    s.add_argument("--json", action="store_true")
    s.add_argument("--year", type=int, default=None)
    s.set_defaults(func=cmd_stats)

    s = sub.add_parser("verify", parents=[common], help="kiểm tra tệp sổ")
    s.set_defaults(func=cmd_verify)
    s = sub.add_parser("passwd", parents=[common], help="đổi mật khẩu")
    s.set_defaults(func=cmd_passwd)
    s = sub.add_parser("recover", parents=[common], help="mở bằng khóa khôi phục và đặt mật khẩu mới")
    s.set_defaults(func=cmd_recover)
    s = sub.add_parser("backup", parents=[common], help="sao lưu bản mã hóa ra thư mục (ví dụ USB)")
    s.add_argument("--to", required=True, metavar="DIR")
    s.set_defaults(func=cmd_backup)
    s = sub.add_parser("restore", parents=[common], help="khôi phục từ bản sao lưu")
    s.add_argument("backup", metavar="BACKUP")
    s.set_defaults(func=cmd_restore)
