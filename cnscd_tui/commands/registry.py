"""The registry's own commands: ``init``, ``demo``, ``stats``, ``verify``, ``passwd``, ``recover``,
``recovery-key --renew``, ``backup``, ``restore``, and opening the TUI (no command, or ``--demo``)."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from models.errors import EXIT_DAMAGED, EXIT_OK, NotFound, UsageError, WrongSecret
from models.text import format_int

from .common import (
    Secrets,
    db_path,
    log,
    new_passphrase,
    open_registry,
    opened,
    out,
    out_json,
    print_recovery_key,
    warn,
)

RENEWED = "Khóa khôi phục cũ không còn mở được sổ hiện tại; các bản sao lưu cũ vẫn mở bằng khóa cũ."


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
    return run_app(path, demo_passphrase=demo_pass, debug=bool(getattr(args, "debug", False)))


def _refuse_existing(path: Path) -> None:
    if path.exists():
        raise UsageError(f"Tệp {path} đã có; không ghi đè. Chọn đường dẫn khác hoặc xóa tệp cũ.")


def cmd_init(args, secrets: Secrets) -> int:
    from models.db import Registry

    path = db_path(args)
    _refuse_existing(path)
    names = [args.commune, f"{args.commune_kind} {args.commune}", args.province]
    passphrase = new_passphrase(secrets, names=names)
    reg, rk = Registry.create(path, passphrase, province=args.province, commune=args.commune,
                              commune_kind=args.commune_kind, district=args.district or "")
    reg.close()
    log().info("registry created")
    out(f"Đã tạo sổ mới: {path}")
    print_recovery_key(rk)
    return EXIT_OK


def cmd_demo(args, secrets: Secrets) -> int:
    from models import services
    from models.demo import DEMO_PASSPHRASE, create_demo

    path = db_path(args)
    _refuse_existing(path)
    passphrase = DEMO_PASSPHRASE
    if args.times != 1 and args.scale != "province":
        raise UsageError("--times chỉ dùng với --scale province (nhân bản sổ cấp tỉnh).")
    if not 1 <= args.times <= 256:
        raise UsageError("--times phải từ 1 đến 256.")
    if args.packages and args.scale != "province":
        raise UsageError("--packages chỉ dùng với --scale province (gói của các xã trong tỉnh mẫu).")
    if args.passphrase_stdin or os.environ.get("CNSCD_PASSPHRASE"):
        names = ["Tỉnh Quảng Nam"] if args.scale == "province" else ["Trần Hưng Đạo", "phường Trần Hưng Đạo"]
        passphrase = new_passphrase(secrets, "CNSCD_PASSPHRASE", names=names)
    extra = {"times": args.times} if args.times != 1 else {}
    reg, rk = create_demo(path, scale=args.scale, random_state=args.random_state, passphrase=passphrase, **extra)
    st = services.stats(reg)
    reg.close()
    log().info("demo registry created (scale %s, %d members)", args.scale, st.active_members)
    scale = ("cấp tỉnh" + (f", {args.times} bản" if args.times != 1 else "")) if args.scale == "province" else "cấp xã"
    out(f"Đã tạo sổ mẫu ({scale}): {path}")
    out(f"{st.villages} thôn/tổ dân phố, {st.teams} tổ, {st.active_members} thành viên đang hoạt động.")
    if passphrase == DEMO_PASSPHRASE:
        out(f"Mật khẩu sổ mẫu: {DEMO_PASSPHRASE}")
    print_recovery_key(rk)
    if args.packages:
        from exports.package_demo import write_demo_packages

        written = write_demo_packages(path, args.packages, passphrase=passphrase, random_state=args.random_state)
        log().info("demo packages written: %d", len(written))
        out(f"Đã ghi {len(written)} gói báo cáo mẫu của các xã vào {args.packages} "
            "(một số xã cố ý nộp muộn hoặc chưa nộp).")
        out(f"Thử nhận gói ở tỉnh: cnscd handoff import {args.packages} --db {path}")
    return EXIT_OK


def cmd_stats(args, secrets: Secrets) -> int:
    from models import services

    with open_registry(args, secrets, writes=False) as reg:
        st = services.stats(reg, year=args.year)
        cats = {c.code: c.name for c in services.list_categories(reg, include_inactive=True)}
    if args.json:
        out_json(st.as_dict())
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
    with open_registry(args, secrets, writes=False) as reg:
        result = reg.integrity_check()
        gen = reg.store.generation
        backups = reg.store.list_backups()
        problems = reg.store.backup_problems()
        facts = {"file": str(reg.path), "generation": gen, "schema_version": reg.store.schema_version,
                 "read_only": reg.read_only, "read_only_reason": reg.read_only_reason}
    log().info("verify: integrity %s, %d backups, %d backup problems", "ok" if result == "ok" else "failed",
               len(backups), len(problems))
    if args.json:
        out_json({"ok": result == "ok", "integrity": result, **facts, "backups": len(backups),
                  "good_backups": sum(1 for b in backups if b.ok), "backup_problems": problems})
        for p in problems:
            warn(f"Cảnh báo: {p}")
        return EXIT_OK if result == "ok" else EXIT_DAMAGED
    if result != "ok":
        out(f"Tệp sổ giải mã được nhưng cơ sở dữ liệu bên trong bị lỗi: {result}")
        return EXIT_DAMAGED
    out(f"Tệp sổ nguyên vẹn (lần lưu thứ {gen}; kiểm tra toàn vẹn: ok; {len(backups)} bản sao lưu).")
    for p in problems:
        warn(f"Cảnh báo: {p}")
    return EXIT_OK


def cmd_passwd(args, secrets: Secrets) -> int:
    from models.passphrase import unit_names

    with open_registry(args, secrets) as reg:
        new = new_passphrase(secrets, "CNSCD_NEW_PASSPHRASE", names=unit_names(reg))
        rk = reg.change_passphrase(new, allow_new_recovery_key=True)
    log().info("passphrase changed%s", " with a new recovery key" if rk else "")
    if rk:
        out("Đã đổi mật khẩu. Sổ này được cấp khóa khôi phục mới (khóa cũ thuộc dạng cũ, không chuyển sang được):")
        print_recovery_key(rk)
        out("Khóa khôi phục cũ không còn mở được sổ hiện tại; các bản sao lưu cũ vẫn mở bằng khóa cũ.")
    else:
        out("Đã đổi mật khẩu. Khóa khôi phục vẫn dùng được.")
    out("Các bản sao lưu làm trước khi đổi vẫn mở bằng mật khẩu cũ (mật khẩu của lúc tạo ra chúng).")
    return EXIT_OK


def cmd_recover(args, secrets: Secrets) -> int:
    from models.db import Registry
    from models.passphrase import unit_names

    path = db_path(args)
    if not path.exists():
        raise NotFound(f"Không tìm thấy tệp sổ: {path}")
    key = secrets.get("CNSCD_RECOVERY_KEY", "khóa khôi phục")
    reg = Registry.open(path, recovery_key=key, read_only=None)
    with opened(reg, writes=True):
        new = new_passphrase(secrets, "CNSCD_NEW_PASSPHRASE", names=unit_names(reg))
        reg.change_passphrase(new)
    log().info("passphrase set with the recovery key")
    out("Đã mở bằng khóa khôi phục và đặt mật khẩu mới. Khóa khôi phục vẫn dùng được.")
    return EXIT_OK


def cmd_recovery_key(args, secrets: Secrets) -> int:
    """``recovery-key --renew``: a new recovery key in place of the old one (shown once)."""
    from models.db import Registry

    if not args.renew:
        raise UsageError("Dùng «cnscd recovery-key --renew» để cấp khóa khôi phục mới (khóa cũ thôi dùng được).")
    path = db_path(args)
    if not path.exists():
        raise NotFound(f"Không tìm thấy tệp sổ: {path}")
    passphrase = secrets.get("CNSCD_PASSPHRASE", "mật khẩu")
    reg = Registry.open(path, passphrase=passphrase, read_only=None)
    with opened(reg, writes=True):
        rk = reg.renew_recovery_key(passphrase)
    log().info("recovery key renewed")
    out("Đã cấp khóa khôi phục mới.")
    print_recovery_key(rk)
    out(RENEWED)
    return EXIT_OK


def cmd_backup(args, secrets: Secrets) -> int:
    from models import services

    with open_registry(args, secrets, writes=False) as reg:  # a copy from read-only media works too
        target = reg.store.backup_to(Path(args.to).expanduser())
        if reg.read_only:
            warn("Sổ chỉ đọc: không ghi được dòng «sao lưu» vào nhật ký của sổ.")
        else:
            services.log_event(reg, "he_thong", "registry", f"Sao lưu sổ ra {target}")
    log().info("backup written (%d bytes)", target.stat().st_size)
    out(f"Đã sao lưu (bản mã hóa) ra: {target}")
    return EXIT_OK


# ---------------------------------------------------------------------------
# restore
# ---------------------------------------------------------------------------
WRONG_BACKUP_PASSPHRASE = (
    "Sai mật khẩu của bản sao lưu «{name}». Một bản sao lưu mở bằng mật khẩu đang dùng lúc tạo ra nó: nếu sau đó "
    "đã đổi mật khẩu, hãy gõ mật khẩu cũ. Hoặc mở bằng khóa khôi phục: đặt biến môi trường CNSCD_RECOVERY_KEY "
    "hoặc thêm --recovery-key-stdin.")
WRONG_BACKUP_KEY = (
    "Khóa khôi phục không mở được bản sao lưu «{name}». Bản sao lưu mở bằng khóa khôi phục của lúc tạo ra nó: "
    "nếu sau đó đã cấp khóa mới (cnscd recovery-key --renew), hãy dùng khóa cũ; hoặc dùng mật khẩu của lúc đó.")


def _restore_with(backup: Path, path: Path, *, passphrase: str | None = None, key: str | None = None) -> None:
    from models.store import restore_backup

    try:
        restore_backup(backup, path, passphrase=passphrase, recovery_key=key)
    except WrongSecret:
        raise WrongSecret((WRONG_BACKUP_KEY if key is not None else WRONG_BACKUP_PASSPHRASE)
                          .format(name=backup.name)) from None


def _restore(args, secrets: Secrets, backup: Path, path: Path) -> bool:
    """Restore with the passphrase, or the recovery key (``--recovery-key-stdin``, ``CNSCD_RECOVERY_KEY``
    or, after a wrong passphrase on a terminal, a prompt). True when the recovery key opened it."""
    env_key = os.environ.get("CNSCD_RECOVERY_KEY")
    if args.recovery_key_stdin:
        _restore_with(backup, path, key=secrets.stdin_line("khóa khôi phục"))
        return True
    if env_key and not (secrets.from_stdin or os.environ.get("CNSCD_PASSPHRASE")):
        _restore_with(backup, path, key=env_key)
        return True
    try:
        _restore_with(backup, path, passphrase=secrets.get("CNSCD_PASSPHRASE", "mật khẩu của bản sao lưu"))
        return False
    except WrongSecret as exc:
        if env_key:
            key = env_key
        elif sys.stdin.isatty() and not secrets.from_stdin:
            warn(exc.message)
            key = getpass.getpass("Khóa khôi phục (Enter để thôi): ").strip()
            if not key:
                raise
        else:
            raise
    _restore_with(backup, path, key=key)
    return True


def cmd_restore(args, secrets: Secrets) -> int:
    path = db_path(args)
    backup = Path(args.backup).expanduser()
    if not backup.exists():
        raise NotFound(f"Không tìm thấy bản sao lưu: {backup}")
    had_file = path.exists()
    by_key = _restore(args, secrets, backup, path)
    log().info("restored from a backup (%s)", "recovery key" if by_key else "passphrase")
    out(f"Đã khôi phục {path} từ bản sao lưu {args.backup}."
        + (" Bản đang dùng trước đó được giữ lại trong thư mục sao lưu." if had_file else ""))
    if by_key:
        out("Sổ vừa khôi phục mở bằng mật khẩu của lúc tạo bản sao lưu. Không nhớ mật khẩu đó thì dùng "
            "«cnscd recover» với khóa khôi phục để đặt mật khẩu mới.")
    return EXIT_OK


def register(sub, common) -> None:
    """The subcommands above, on the main parser's ``sub`` (``common``: --db, --passphrase-stdin, --debug)."""
    s = sub.add_parser("init", parents=[common], help="tạo sổ mới")
    s.add_argument("--province", required=True, help="tỉnh/thành phố")
    s.add_argument("--commune", required=True, help="xã/phường/đặc khu")
    s.add_argument("--commune-kind", default="xã", choices=["xã", "phường", "đặc khu", "thị trấn"])
    s.add_argument("--district", default="", help="huyện (dữ liệu cũ trước 1/7/2025)")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("demo", parents=[common], help="tạo sổ mẫu")
    s.add_argument("--scale", choices=["commune", "province"], default="commune")
    s.add_argument("--random-state", type=int, default=2026, metavar="N",
                   help="số khởi tạo ngẫu nhiên: cùng số thì cùng sổ mẫu (mặc định 2026)")
    s.add_argument("--times", type=int, default=1, metavar="N",
                   help="sổ cấp tỉnh nhân N lần (N bản các huyện, tên khác nhau) để thử ở quy mô lớn")
    s.add_argument("--packages", default="", metavar="THƯ_MỤC",
                   help="(cấp tỉnh) ghi thêm gói báo cáo của các xã vào THƯ_MỤC để thử nhận gói: cnscd handoff import")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("stats", parents=[common], help="số liệu tổng hợp")
    s.add_argument("--json", action="store_true", help="in dạng JSON")
    s.add_argument("--year", type=int, default=None)
    s.set_defaults(func=cmd_stats)

    s = sub.add_parser("verify", parents=[common], help="kiểm tra tệp sổ")
    s.add_argument("--json", action="store_true", help="in dạng JSON")
    s.set_defaults(func=cmd_verify)
    s = sub.add_parser("passwd", parents=[common], help="đổi mật khẩu")
    s.set_defaults(func=cmd_passwd)
    s = sub.add_parser("recover", parents=[common], help="mở bằng khóa khôi phục và đặt mật khẩu mới")
    s.set_defaults(func=cmd_recover)
    s = sub.add_parser("recovery-key", parents=[common], help="cấp khóa khôi phục mới (--renew)",
                       description="Cấp khóa khôi phục mới cho sổ (hỏi mật khẩu hiện tại). Khóa cũ thôi mở được "
                       "sổ hiện tại; các bản sao lưu cũ vẫn mở bằng khóa cũ.")
    s.add_argument("--renew", action="store_true", help="cấp khóa mới, khóa cũ thôi dùng được")
    s.set_defaults(func=cmd_recovery_key)
    s = sub.add_parser("backup", parents=[common], help="sao lưu bản mã hóa ra thư mục (ví dụ USB)")
    s.add_argument("--to", required=True, metavar="DIR")
    s.set_defaults(func=cmd_backup)
    s = sub.add_parser("restore", parents=[common], help="khôi phục từ bản sao lưu",
                       description="Khôi phục sổ từ một bản sao lưu. Bản sao lưu mở bằng mật khẩu của lúc tạo ra nó, "
                       "hoặc bằng khóa khôi phục (CNSCD_RECOVERY_KEY, hoặc --recovery-key-stdin).")
    s.add_argument("backup", metavar="BACKUP")
    s.add_argument("--recovery-key-stdin", action="store_true",
                   help="mở bản sao lưu bằng khóa khôi phục đọc từ đầu vào chuẩn (thay cho mật khẩu)")
    s.set_defaults(func=cmd_restore)
