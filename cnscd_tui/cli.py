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


# ---------------------------------------------------------------------------
# argparse in Vietnamese
# ---------------------------------------------------------------------------
# argparse looks its messages up through the module globals ``_`` (gettext) and
# ``ngettext`` when it builds a parser and when it reports an error, so a
# lookup table installed before the parsers are built translates all of them:
# headings, the -h help, "usage:" and every error. The msgids are those of
# Python 3.11–3.13; an id not in the table stays in English.
_ARGPARSE_VI = {
    "usage: ": "Cách dùng: ",
    "positional arguments": "tham số vị trí",
    "options": "tùy chọn",
    "subcommands": "lệnh",
    "%(heading)s:": "%(heading)s:",
    "show this help message and exit": "hiện hướng dẫn này rồi thoát",
    "show program's version number and exit": "hiện số phiên bản của chương trình rồi thoát",
    " (default: %(default)s)": " (mặc định: %(default)s)",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "%(prog)s: warning: %(message)s\n": "%(prog)s: cảnh báo: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "chỉ nhận nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "invalid %(type)s value: %(value)r": "giá trị %(value)r không hợp lệ",
    "invalid choice: %(value)r (choose from %(choices)s)": "lựa chọn %(value)r không hợp lệ (chọn một trong: %(choices)s)",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "tham số không hiểu được: %s",
    "ambiguous option: %(option)s could match %(matches)s": "tùy chọn %(option)s chưa rõ, có thể là: %(matches)s",
    "not allowed with argument %s": "không được dùng cùng tham số %s",
    "ignored explicit argument %r": "tùy chọn này không nhận giá trị (bỏ qua %r)",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "can't open '%(filename)s': %(error)s": "không mở được «%(filename)s»: %(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "không có lệnh %(parser_name)r (các lệnh: %(choices)s)",
    "unexpected option string: %s": "tùy chọn không đúng chỗ: %s",
    "option '%(option)s' is deprecated": "tùy chọn «%(option)s» đã cũ, sắp bỏ",
    "argument '%(argument_name)s' is deprecated": "tham số «%(argument_name)s» đã cũ, sắp bỏ",
    "command '%(parser_name)s' is deprecated": "lệnh «%(parser_name)s» đã cũ, sắp bỏ",
    'argument "-" with mode %r': 'tham số "-" với chế độ %r',
    # mistakes in the program's own parser definitions (never the clerk's)
    "%r is not callable": "%r không gọi được",
    "'required' is an invalid argument for positionals": "tham số vị trí không dùng được 'required'",
    ".__call__() not defined": ".__call__() chưa được định nghĩa",
    "cannot have multiple subparser arguments": "không được có nhiều nhóm lệnh con",
    "cannot merge actions - two groups are named %r": "không gộp được: hai nhóm cùng tên %r",
    "conflicting subparser alias: %s": "tên gọi khác của lệnh con bị trùng: %s",
    "conflicting subparser: %s": "lệnh con bị trùng: %s",
    "dest= is required for options like %r": "tùy chọn như %r cần dest=",
    "invalid conflict_resolution value: %r": "giá trị conflict_resolution không hợp lệ: %r",
    "invalid option string %(option)r: must start with a character %(prefix_chars)r":
        "tùy chọn %(option)r không hợp lệ: phải bắt đầu bằng ký tự %(prefix_chars)r",
    "mutually exclusive arguments must be optional": "các tham số loại trừ nhau phải là tùy chọn",
}
_ARGPARSE_VI_PLURAL = {
    ("expected %s argument", "expected %s arguments"): "cần %s giá trị",
    ("conflicting option string: %s", "conflicting option strings: %s"): "tùy chọn bị trùng: %s",
}


def _argparse_gettext(message: str) -> str:
    return _ARGPARSE_VI.get(message, message)


def _argparse_ngettext(singular: str, plural: str, n: int) -> str:
    return _ARGPARSE_VI_PLURAL.get((singular, plural), singular if n == 1 else plural)


def _install_argparse_vietnamese() -> None:
    argparse._ = _argparse_gettext
    argparse.ngettext = _argparse_ngettext


def _number(kind, name: str):
    def convert(text: str):
        try:
            return kind(text)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"«{text}» không phải {name}") from None

    return convert


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # type=int / type=float report «abc» không phải số nguyên, not "invalid int value"
        self.register("type", int, _number(int, "số nguyên"))
        self.register("type", float, _number(float, "số"))

    def error(self, message):  # Vietnamese usage errors (the messages come translated), exit 2
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"Lỗi cách dùng: {message}\n")


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


def _note_migration(reg) -> None:
    """Tell the clerk (stderr) that opening upgraded the file's schema and saved it."""
    found = getattr(reg, "migrated_from", None)
    if found is None:
        return
    from models.schema import SCHEMA_VERSION
    from models.store import backup_dir

    print(f"Đã nâng cấp sổ từ cấu trúc dữ liệu phiên bản {found} lên v{SCHEMA_VERSION} và lưu lại; "
          f"bản cũ được giữ trong thư mục sao lưu {backup_dir(reg.path)}.", file=sys.stderr, flush=True)


def open_registry(args, secrets: "Secrets"):
    from models.db import Registry

    path = _db_path(args)
    if not path.exists():
        from models.store import NotFound

        raise NotFound(f"Không tìm thấy tệp sổ: {path}")
    passphrase = secrets.get("CNSCD_PASSPHRASE", "mật khẩu")
    reg = Registry.open(path, passphrase=passphrase)
    _note_migration(reg)
    return reg


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
    _note_migration(reg)
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
def _common_options(default_none: bool) -> argparse.ArgumentParser:
    """--db and --passphrase-stdin.

    The main parser has the real defaults; subcommands get the same options
    with ``default=SUPPRESS``, so an option given before the subcommand
    (``cnscd --db X stats``) is not overwritten by the subcommand's default.
    """
    common = argparse.ArgumentParser(add_help=False)
    extra = {} if default_none else {"default": argparse.SUPPRESS}
    common.add_argument("--db", metavar="PATH", help="tệp sổ (mặc định: $CNSCD_DB hoặc thư mục dữ liệu người dùng)",
                        **extra)
    common.add_argument("--passphrase-stdin", action="store_true",
                        help="đọc mật khẩu từ đầu vào chuẩn, mỗi dòng một mật khẩu", **extra)
    return common


def build_parser() -> argparse.ArgumentParser:
    _install_argparse_vietnamese()  # before any parser is made: headings and -h help are looked up then
    p = _Parser(prog="cnscd", description="Sổ Tổ CNSCĐ — sổ quản lý Tổ công nghệ số cộng đồng.",
                parents=[_common_options(default_none=True)])
    common = _common_options(default_none=False)  # for every subcommand (and exports/import_cli register())
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
    try:
        return _run(argv)
    except BrokenPipeError:  # `cnscd stats | head`: the reader left; stop quietly
        _silence_stdout()
        return EXIT_OK


def _silence_stdout() -> None:
    """Point stdout at devnull so the flush at interpreter exit does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (e.g. captured in tests)
        pass


def _run(argv: list[str] | None) -> int:
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
