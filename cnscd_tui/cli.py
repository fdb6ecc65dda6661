"""The ``cnscd`` command.

A stable contract (tests, the UI and scripts rely on it). Exit codes:
0 ok · 2 usage or bad input · 3 wrong passphrase or recovery key ·
4 damaged or unreadable file · 5 already open elsewhere · 6 could not save.

Passphrases never come from the command line: ``CNSCD_PASSPHRASE`` (and
``CNSCD_NEW_PASSPHRASE`` / ``CNSCD_RECOVERY_KEY``), or ``--passphrase-stdin``
(one secret per line, in the order the command asks for them), otherwise they
are asked for without echo.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE, EXIT_SECRET, EXIT_DAMAGED, EXIT_LOCKED, EXIT_SAVE = 0, 2, 3, 4, 5, 6
MIN_PASSPHRASE = 8


class UsageError(Exception):
    exit_code = EXIT_USAGE

    @property
    def message(self) -> str:
        return str(self.args[0])


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # Vietnamese usage errors, exit 2
        self.print_usage(sys.stderr)
        translated = (message.replace("the following arguments are required", "thiếu tham số")
                      .replace("unrecognized arguments", "tham số không hiểu được")
                      .replace("invalid choice", "lựa chọn không hợp lệ")
                      .replace("argument", "tham số"))
        self.exit(EXIT_USAGE, f"Lỗi cách dùng: {translated}\n")


# ---------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------
class Secrets:
    def __init__(self, from_stdin: bool):
        self.from_stdin = from_stdin
        self._lines: list[str] | None = None

    def _stdin_line(self, what: str) -> str:
        if self._lines is None:
            self._lines = sys.stdin.read().splitlines()
        if not self._lines:
            raise UsageError(f"Thiếu {what} trên đầu vào chuẩn (--passphrase-stdin: mỗi dòng một mật khẩu).")
        return self._lines.pop(0)

    def get(self, env: str, what: str, *, confirm: bool = False) -> str:
        if self.from_stdin:
            return self._stdin_line(what)
        value = os.environ.get(env)
        if value:
            return value
        if not sys.stdin.isatty():
            raise UsageError(f"Cần {what}: đặt biến môi trường {env} hoặc dùng --passphrase-stdin.")
        import getpass

        value = getpass.getpass(f"{what[:1].upper()}{what[1:]}: ")
        if confirm:
            again = getpass.getpass(f"Nhập lại {what}: ")
            if again != value:
                raise UsageError("Hai lần nhập không khớp nhau.")
        return value


def _new_passphrase(secrets: Secrets, env: str = "CNSCD_PASSPHRASE") -> str:
    p = secrets.get(env, "mật khẩu mới", confirm=True)
    if len(p) < MIN_PASSPHRASE:
        raise UsageError(f"Mật khẩu phải có ít nhất {MIN_PASSPHRASE} ký tự.")
    return p


# ---------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------
def _out(msg: str = "") -> None:
    print(msg, flush=True)


def _print_recovery_key(key: str) -> None:
    _out("")
    _out("KHÓA KHÔI PHỤC (chỉ hiện một lần — hãy chép ra giấy và cất ở nơi an toàn):")
    _out("")
    _out(f"    {key}")
    _out("")
    _out("Nếu quên mật khẩu, dùng khóa này với lệnh «cnscd recover» để đặt mật khẩu mới.")


def _db_path(args) -> Path:
    from models.db import default_db_path

    return Path(args.db).expanduser() if args.db else default_db_path()


def open_registry(args, secrets: "Secrets"):
    from models.db import Registry

    path = _db_path(args)
    if not path.exists():
        from models.store import NotFound

        raise NotFound(f"Không tìm thấy tệp sổ: {path}")
    passphrase = secrets.get("CNSCD_PASSPHRASE", "mật khẩu")
    return Registry.open(path, passphrase=passphrase)


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------
def cmd_tui(args, secrets: Secrets) -> int:
    from .app import run_app

    path = _db_path(args)
    demo_pass = None
    if args.demo:
        from models.demo import DEMO_PASSPHRASE, create_demo

        demo_pass = DEMO_PASSPHRASE
        if not args.db:
            path = path.with_name("demo-phuong-tran-hung-dao.cnscd")
        if not path.exists():
            _out(f"Đang tạo sổ mẫu tại {path} …")
            reg, _ = create_demo(path, scale="commune")
            reg.close()
        _out(f"Sổ mẫu: {path}")
        _out(f"Mật khẩu sổ mẫu: {DEMO_PASSPHRASE}")
    return run_app(path, demo_passphrase=demo_pass)


def cmd_init(args, secrets: Secrets) -> int:
    from models.db import Registry

    path = _db_path(args)
    if path.exists():
        raise UsageError(f"Tệp {path} đã có; không ghi đè. Chọn đường dẫn khác hoặc xóa tệp cũ.")
    passphrase = _new_passphrase(secrets)
    reg, rk = Registry.create(path, passphrase, province=args.province, commune=args.commune,
                              commune_kind=args.commune_kind, district=args.district or "")
    reg.close()
    _out(f"Đã tạo sổ mới: {path}")
    _print_recovery_key(rk)
    return EXIT_OK


def cmd_demo(args, secrets: Secrets) -> int:
    from models.demo import DEMO_PASSPHRASE, create_demo

    path = _db_path(args)
    if path.exists():
        raise UsageError(f"Tệp {path} đã có; không ghi đè. Chọn đường dẫn khác hoặc xóa tệp cũ.")
    passphrase = DEMO_PASSPHRASE
    if args.passphrase_stdin or os.environ.get("CNSCD_PASSPHRASE"):
        passphrase = secrets.get("CNSCD_PASSPHRASE", "mật khẩu")
    reg, rk = create_demo(path, scale=args.scale, seed=args.seed, passphrase=passphrase)
    from models import services

    st = services.stats(reg)
    reg.close()
    _out(f"Đã tạo sổ mẫu ({'cấp tỉnh' if args.scale == 'province' else 'cấp xã'}): {path}")
    _out(f"{st.villages} thôn/tổ dân phố, {st.teams} tổ, {st.active_members} thành viên đang hoạt động.")
    if passphrase == DEMO_PASSPHRASE:
        _out(f"Mật khẩu sổ mẫu: {DEMO_PASSPHRASE}")
    _print_recovery_key(rk)
    return EXIT_OK


def cmd_stats(args, secrets: Secrets) -> int:
    from models import services
    from models.text import format_int

    with open_registry(args, secrets) as reg:
        st = services.stats(reg, year=args.year)
        cats = {c.code: c.name for c in services.list_categories(reg, include_inactive=True)}
    if args.json:
        _out(json.dumps(st.as_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    _out(f"Số đơn vị hành chính: {format_int(st.units)} (xã/phường: {format_int(st.communes)})")
    _out(f"Thôn/tổ dân phố: {format_int(st.villages)}")
    _out(f"Tổ CNSCĐ: {format_int(st.teams)} (cấp thôn: {format_int(st.village_teams)})")
    _out(f"Thành viên đang hoạt động: {format_int(st.active_members)}")
    _out(f"Đã tập huấn năm {st.year}: {format_int(st.trained_this_year)}/{format_int(st.people)}")
    _out("Theo thành phần:")
    for code, n in st.members_by_category.items():
        _out(f"  {cats.get(code, code)}: {format_int(n)}")
    _out(f"Thiết bị: {format_int(st.equipment_items)} (cần sửa/thay: {format_int(st.equipment_needing_repair)})")
    return EXIT_OK


def cmd_verify(args, secrets: Secrets) -> int:
    with open_registry(args, secrets) as reg:
        result = reg.integrity_check()
        gen = reg.store.generation
        backups = reg.store.list_backups()
    if result != "ok":
        _out(f"Tệp sổ giải mã được nhưng cơ sở dữ liệu bên trong bị lỗi: {result}")
        return EXIT_DAMAGED
    _out(f"Tệp sổ nguyên vẹn (lần lưu thứ {gen}; kiểm tra toàn vẹn: ok; {len(backups)} bản sao lưu).")
    return EXIT_OK


def cmd_passwd(args, secrets: Secrets) -> int:
    with open_registry(args, secrets) as reg:
        new = _new_passphrase(secrets, "CNSCD_NEW_PASSPHRASE")
        reg.store.change_passphrase(new)
    _out("Đã đổi mật khẩu. Khóa khôi phục cũ vẫn dùng được.")
    return EXIT_OK


def cmd_recover(args, secrets: Secrets) -> int:
    from models.db import Registry

    path = _db_path(args)
    key = secrets.get("CNSCD_RECOVERY_KEY", "khóa khôi phục")
    reg = Registry.open(path, recovery_key=key)
    with reg:
        new = _new_passphrase(secrets, "CNSCD_NEW_PASSPHRASE")
        reg.store.change_passphrase(new)
    _out("Đã mở bằng khóa khôi phục và đặt mật khẩu mới.")
    return EXIT_OK


def cmd_backup(args, secrets: Secrets) -> int:
    from models import services

    with open_registry(args, secrets) as reg:
        target = reg.store.backup_to(Path(args.to).expanduser())
        services.log_event(reg, "he_thong", "registry", f"Sao lưu sổ ra {target}")
    _out(f"Đã sao lưu (bản mã hóa) ra: {target}")
    return EXIT_OK


def cmd_restore(args, secrets: Secrets) -> int:
    from models.store import restore_backup

    path = _db_path(args)
    passphrase = secrets.get("CNSCD_PASSPHRASE", "mật khẩu của bản sao lưu")
    restore_backup(Path(args.backup).expanduser(), path, passphrase=passphrase)
    _out(f"Đã khôi phục {path} từ bản sao lưu {args.backup}. Bản đang dùng trước đó được giữ lại trong thư mục sao lưu.")
    return EXIT_OK


# ---------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", help="tệp sổ (mặc định: $CNSCD_DB hoặc thư mục dữ liệu người dùng)")
    common.add_argument("--passphrase-stdin", action="store_true",
                        help="đọc mật khẩu từ đầu vào chuẩn, mỗi dòng một mật khẩu")

    p = _Parser(prog="cnscd", description="Sổ Tổ CNSCĐ — sổ quản lý Tổ công nghệ số cộng đồng.",
                parents=[common])
    p.add_argument("--demo", action="store_true", help="mở sổ mẫu (tạo nếu chưa có; mật khẩu hiện trên màn hình)")
    sub = p.add_subparsers(dest="command", parser_class=_Parser, metavar="LỆNH")

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

    _add_later_commands(sub, common)
    return p


def _add_later_commands(sub, common) -> None:
    """Commands of the exports/imports modules, registered when they are present."""
    import importlib

    for name in ("exports.cli", "exports.import_cli"):
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        mod.register(sub, common)


def main(argv: list[str] | None = None) -> int:
    try:
        sys.stdout.reconfigure(encoding="utf-8")  # Windows consoles
        sys.stderr.reconfigure(encoding="utf-8")
    except (AttributeError, ValueError):
        pass
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    secrets = Secrets(args.passphrase_stdin)
    func = getattr(args, "func", cmd_tui)
    from models.services import InputError
    from models.store import StoreError

    try:
        return func(args, secrets)
    except (StoreError, UsageError, InputError) as exc:
        print(exc.message, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Đã dừng.", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
