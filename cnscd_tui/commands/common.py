"""What every ``cnscd`` subcommand shares: the Vietnamese argparse parser, secrets (passphrases
from the environment, standard input or a no-echo prompt), opening the registry (read-only when
the media is, notices of the saves, the log), output helpers (``NO_COLOR`` respected, ``--json``).

Light on purpose: ``cnscd --help`` imports this; the registry (peewee, Argon2) loads only when a
command opens one.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import json
import os
import sys
from pathlib import Path

from models.errors import EXIT_USAGE, InputError, NotFound, SaveFailed, UsageError


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
    """--db, --passphrase-stdin and --debug.

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
    common.add_argument("--debug", action="store_true",
                        help="ghi nhật ký chi tiết hơn; lỗi không lường trước thì in cả vết lỗi", **extra)
    return common


# ---------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------
class Secrets:
    """Passphrases and keys: ``--passphrase-stdin`` (one a line, in the order asked), else the
    environment variable, else a no-echo prompt on a terminal. Never the command line."""

    def __init__(self, from_stdin: bool):
        self.from_stdin = from_stdin
        self._lines: list[str] | None = None

    def _stdin_line(self, what: str) -> str:
        if self._lines is None:
            self._lines = sys.stdin.read().splitlines()
        if not self._lines:
            raise UsageError(f"Thiếu {what} trên đầu vào chuẩn (--passphrase-stdin: mỗi dòng một mật khẩu).")
        return self._lines.pop(0)

    def stdin_line(self, what: str) -> str:
        """The next line of standard input, whatever ``--passphrase-stdin`` says (``--recovery-key-stdin``)."""
        return self._stdin_line(what)

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


def new_passphrase(secrets: Secrets, env: str = "CNSCD_PASSPHRASE", *, names=()) -> str:
    """A new passphrase, refused (exit 2, the reasons in Vietnamese) when
    :func:`models.passphrase.check_new_passphrase` finds it weak; ``names``: the registry's unit names."""
    from models.passphrase import check_new_passphrase

    p = secrets.get(env, "mật khẩu mới", confirm=True)
    problems = check_new_passphrase(p, names)
    if problems:
        raise UsageError(" ".join(problems) + " Chưa đổi gì. Gợi ý: ghép ba, bốn từ dễ nhớ, ví dụ "
                         "«mây-trắng-bay-qua-đồi».")
    return p


# ---------------------------------------------------------------------------
# Output and input helpers
# ---------------------------------------------------------------------------
def out(msg: str = "") -> None:
    print(msg, flush=True)


def use_colour(stream=None) -> bool:
    """Colour only on a terminal, never with ``NO_COLOR`` set (https://no-color.org) or ``TERM=dumb``."""
    stream = stream or sys.stderr
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


_COLOURS = {"red": "31", "yellow": "33", "green": "32"}


def paint(msg: str, colour: str, stream=None) -> str:
    if not use_colour(stream):
        return msg
    return f"\033[{_COLOURS[colour]}m{msg}\033[0m"


def warn(msg: str) -> None:
    """A warning on standard error (yellow on a terminal unless ``NO_COLOR``)."""
    print(paint(msg, "yellow", sys.stderr), file=sys.stderr, flush=True)


def error(msg: str) -> None:
    """A refusal or failure on standard error (red on a terminal unless ``NO_COLOR``)."""
    print(paint(msg, "red", sys.stderr), file=sys.stderr, flush=True)


def out_json(data) -> None:
    """``--json``: one document on standard output, UTF-8 as is."""
    out(json.dumps(data, ensure_ascii=False, indent=2, default=str))


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
    from models import validate

    r = validate.parse_date(value, field="Ngày ghi trên biểu")
    if not r.ok or r.value is None:
        raise InputError(r.error or f"Ngày «{value}» không hợp lệ (dd/mm/yyyy).", "date")
    return r.value


def resolve_drive(value: str) -> Path:
    """``--usb``: a number of ``cnscd usb list`` or a folder."""
    from exports import usb

    v = value.strip()
    if (v.isascii() and v.isdigit()):
        drives = usb.list_drives()
        i = int(v)
        if not 1 <= i <= len(drives):
            raise UsageError(f"Không có ổ USB số {i} (có {len(drives)} ổ; xem «cnscd usb list»).")
        return drives[i - 1].path
    p = Path(v).expanduser()
    if not p.is_dir():
        raise UsageError(f"Không tìm thấy ổ/thư mục «{v}». USB đã cắm chưa? Xem «cnscd usb list».")
    return p


def log():
    """The command line's logger (counts and codes only: never a name, phone or CCCD)."""
    from models import logs

    return logs.get("cli")


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

    log().info("schema upgraded from v%s to v%s on open", found, SCHEMA_VERSION)
    print(f"Đã nâng cấp sổ từ cấu trúc dữ liệu phiên bản {found} lên v{SCHEMA_VERSION} và lưu lại; "
          f"bản cũ được giữ trong thư mục sao lưu {backup_dir(reg.path)}.", file=sys.stderr, flush=True)


def say_read_only(reg) -> None:
    warn(f"Sổ được mở chỉ để đọc ({reg.read_only_reason}): xem, kiểm tra và xuất tệp được; "
         "không lưu được thay đổi.")


def show_notices(reg) -> None:
    """Warnings of the saves (e.g. no backup could be made), each once, on standard error."""
    for n in reg.take_notices():
        log().warning("save notice shown")
        warn(n)


@contextlib.contextmanager
def opened(reg, *, writes: bool):
    """``reg`` for one command: refused (exit 6) when it is read-only and the command ``writes``;
    said on stderr when it is read-only and the command only reads; the saves' notices shown and
    the saves logged at the end; closed."""
    gen = reg.store.generation
    try:
        log().info("registry opened (generation %d, schema v%d%s)", gen, reg.store.schema_version,
                   ", read-only" if reg.read_only else "")
        if reg.read_only:
            if writes:
                raise SaveFailed(reg.store.read_only_message())
            say_read_only(reg)
        note_migration(reg)
        yield reg
    finally:
        try:
            show_notices(reg)
            if not reg.closed and reg.store.generation != gen:
                log().info("registry saved (generation %d → %d)", gen, reg.store.generation)
        finally:
            reg.close()


@contextlib.contextmanager
def open_registry(args, secrets: Secrets, *, writes: bool = True):
    """The registry of ``--db`` opened with the passphrase (asked for after checking the file is
    there), as :func:`opened`. Opened read-only when its folder cannot be written (read-only media):
    a command that only reads (``writes=False``) works on, one that writes exits 6."""
    from models.db import Registry

    path = db_path(args)
    if not path.exists():
        raise NotFound(f"Không tìm thấy tệp sổ: {path}")
    passphrase = secrets.get("CNSCD_PASSPHRASE", "mật khẩu")
    reg = Registry.open(path, passphrase=passphrase, read_only=None)
    with opened(reg, writes=writes) as r:
        yield r
