"""What every ``cnscd`` subcommand shares: the Vietnamese argparse parser, secrets (passphrases
from the environment, standard input or a no-echo prompt), opening the registry, output helpers.

Light on purpose: ``cnscd --help`` imports this; the registry (peewee, Argon2) loads only when a
command opens one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from pathlib import Path

from models import validate
from models.errors import EXIT_USAGE, InputError, NotFound, UsageError

MIN_PASSPHRASE = 8


# ---------------------------------------------------------------------------
# argparse in Vietnamese
# ---------------------------------------------------------------------------
# argparse looks its messages up through the module globals ``_`` (gettext) and
# ``ngettext`` when it builds a parser and when it reports an error, so a
# lookup table installed before the parsers are built translates all of them:
# headings, the -h help, "usage:" and every error. The msgids are those of
# Python 3.11–3.13; an id not in the table stays in English.
ARGPARSE_VI = {
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
ARGPARSE_VI_PLURAL = {
    ("expected %s argument", "expected %s arguments"): "cần %s giá trị",
    ("conflicting option string: %s", "conflicting option strings: %s"): "tùy chọn bị trùng: %s",
}


def _argparse_gettext(message: str) -> str:
    return ARGPARSE_VI.get(message, message)


def _argparse_ngettext(singular: str, plural: str, n: int) -> str:
    return ARGPARSE_VI_PLURAL.get((singular, plural), singular if n == 1 else plural)


def install_argparse_vietnamese() -> None:
    """Call before any parser is made: headings and the -h help are looked up then."""
    argparse._ = _argparse_gettext
    argparse.ngettext = _argparse_ngettext


def _number(kind, name: str):
    def convert(text: str):
        try:
            return kind(text)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"«{text}» không phải {name}") from None

    return convert


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # type=int / type=float report «abc» không phải số nguyên, not "invalid int value"
        self.register("type", int, _number(int, "số nguyên"))
        self.register("type", float, _number(float, "số"))

    def error(self, message):  # Vietnamese usage errors (the messages come translated), exit 2
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"Lỗi cách dùng: {message}\n")


def common_options(default_none: bool) -> argparse.ArgumentParser:
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
        value = getpass.getpass(f"{what[:1].upper()}{what[1:]}: ")
        if confirm:
            again = getpass.getpass(f"Nhập lại {what}: ")
            if again != value:
                raise UsageError("Hai lần nhập không khớp nhau.")
        return value


def new_passphrase(secrets: Secrets, env: str = "CNSCD_PASSPHRASE") -> str:
    p = secrets.get(env, "mật khẩu mới", confirm=True)
    if len(p) < MIN_PASSPHRASE:
        raise UsageError(f"Mật khẩu phải có ít nhất {MIN_PASSPHRASE} ký tự.")
    return p


# ---------------------------------------------------------------------------
# Output and input helpers
# ---------------------------------------------------------------------------
def out(msg: str = "") -> None:
    print(msg, flush=True)


def print_recovery_key(key: str) -> None:
    out("")
    out("KHÓA KHÔI PHỤC (chỉ hiện một lần — hãy chép ra giấy và cất ở nơi an toàn):")
    out("")
    out(f"    {key}")
    out("")
    out("Nếu quên mật khẩu, dùng khóa này với lệnh «cnscd recover» để đặt mật khẩu mới.")


def parse_day(value: str | None) -> dt.date | None:
    """``--date dd/mm/yyyy`` (None when not given); bad input → InputError."""
    if not value:
        return None
    r = validate.parse_date(value, field="Ngày ghi trên biểu")
    if not r.ok or r.value is None:
        raise InputError(r.error or f"Ngày «{value}» không hợp lệ (dd/mm/yyyy).", "date")
    return r.value


# ---------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------
def db_path(args) -> Path:
    from models.db import default_db_path

    return Path(args.db).expanduser() if args.db else default_db_path()


def note_migration(reg) -> None:
    """Tell the clerk (stderr) that opening upgraded the file's schema and saved it."""
    found = getattr(reg, "migrated_from", None)
    if found is None:
        return
    from models.schema import SCHEMA_VERSION
    from models.store import backup_dir

    print(f"Đã nâng cấp sổ từ cấu trúc dữ liệu phiên bản {found} lên v{SCHEMA_VERSION} và lưu lại; "
          f"bản cũ được giữ trong thư mục sao lưu {backup_dir(reg.path)}.", file=sys.stderr, flush=True)


def open_registry(args, secrets: Secrets):
    """The registry of ``--db`` opened with the passphrase (asked for after checking the file is there)."""
    from models.db import Registry

    path = db_path(args)
    if not path.exists():
        raise NotFound(f"Không tìm thấy tệp sổ: {path}")
    passphrase = secrets.get("CNSCD_PASSPHRASE", "mật khẩu")
    reg = Registry.open(path, passphrase=passphrase)
    note_migration(reg)
    return reg
