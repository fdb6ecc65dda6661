"""The ``cnscd`` command.

A stable contract (tests, the UI and scripts rely on it). Exit codes:
0 ok · 2 usage or bad input · 3 wrong passphrase or recovery key ·
4 damaged or unreadable file · 5 already open elsewhere · 6 could not save.

Passphrases never come from the command line: ``CNSCD_PASSPHRASE`` (and
``CNSCD_NEW_PASSPHRASE`` / ``CNSCD_RECOVERY_KEY``), or ``--passphrase-stdin``
(one secret per line, in the order the command asks for them), otherwise they
are asked for without echo.

Conventions: ``--version``; ``--json`` where a script reads the answer (stats,
verify, usb list, import previews); ``--out -`` writes an export to standard
output; ``NO_COLOR`` turns colour off; ``--debug`` logs more and shows the
traceback of an unexpected error. Every run logs its operations with counts only
(:mod:`models.logs`: never a name, phone or CCCD). An unexpected error (a bug)
writes a crash report there, says so in Vietnamese and exits 1.

The subcommands live in :mod:`cnscd_tui.commands` (``registry``, ``export``,
``imports``, ``activities``, ``handoff``); this module builds the parser from them and runs one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from models.errors import EXIT_OK, EXIT_USAGE, InputError, StoreError, UsageError

from .commands.common import Parser, Secrets, common_options, error, install_argparse_vietnamese

__all__ = ["main", "build_parser", "UsageError"]

EXIT_BUG = 1  # an unexpected error: a crash report was written


class _Version(argparse.Action):
    """``--version``: the installed package's version, looked up only when asked for."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from models.logs import program_version

        print(f"cnscd {program_version()}")
        parser.exit(EXIT_OK)


def _main_parser() -> argparse.ArgumentParser:
    """The options before any subcommand (``--db``, ``--demo``, ``--version``…)."""
    install_argparse_vietnamese()  # before any parser is made: headings and -h help are looked up then
    p = Parser(prog="cnscd", description="Sổ Tổ CNSCĐ — sổ quản lý Tổ công nghệ số cộng đồng.",
               parents=[common_options(default_none=True)])
    p.add_argument("--version", action=_Version, help="in số phiên bản rồi thoát")
    p.add_argument("--demo", action="store_true", help="mở sổ mẫu (tạo nếu chưa có; mật khẩu hiện trên màn hình)")
    return p


def build_parser() -> argparse.ArgumentParser:
    from .commands import export, handoff, imports, registry

    p = _main_parser()
    common = common_options(default_none=False)  # for every subcommand
    sub = p.add_subparsers(dest="command", parser_class=Parser, metavar="LỆNH")
    for group in (registry, export, imports, handoff):
        group.register(sub, common)
    return p


_TUI_FLAGS = ("--passphrase-stdin", "--debug", "--demo", "--version")


def _only_main_options(argv: list[str]) -> bool:
    """True when ``argv`` is nothing but the main options, spelled in full (the terminal UI or
    ``--version``): no subcommand, no ``-h``, nothing argparse would have to guess or refuse."""
    args = iter(argv)
    for a in args:
        if a == "--db":
            value = next(args, None)
            if value is None or value.startswith("-"):
                return False
        elif not (a in _TUI_FLAGS or (a.startswith("--db=") and len(a) > 5)):
            return False
    return True


def parse_args(argv: list[str] | None):
    """The command line parsed. Without a subcommand (the terminal UI, ``--version``) only the
    main options are built: the subcommands' modules are not loaded before the first screen.
    Anything else — a subcommand, ``-h``, a mistake — goes through the whole parser, so help and
    usage errors are the same either way."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if _only_main_options(argv):
        p = _main_parser()
        p.set_defaults(command=None)
        return p.parse_args(argv)
    return build_parser().parse_args(argv)


def no_core_dumps() -> None:
    """A crash must not leave the decrypted registry (names, CCCD, phones) in a core file."""
    try:
        import resource
    except ImportError:  # Windows: no core files
        return
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass


def main(argv: list[str] | None = None) -> int:
    no_core_dumps()
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


def _command_name(args) -> str:
    """"export", "import roster", … (for the log and crash reports); "tui" with no command."""
    name = getattr(args, "command", None) or "tui"
    for sub in ("usb_command", "import_command", "template_command", "handoff_command"):
        if getattr(args, sub, None):
            name += f" {getattr(args, sub)}"
    return name


def _run(argv: list[str] | None) -> int:
    try:
        args = parse_args(argv)
    except SystemExit as exc:  # --help/--version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    from models import logs

    debug = bool(getattr(args, "debug", False))
    logs.setup(debug)
    log = logs.get("cli")
    name = _command_name(args)
    log.info("command %s started", name)
    started = time.monotonic()
    secrets = Secrets(args.passphrase_stdin)
    func = getattr(args, "func", None)
    if func is None:  # no subcommand: the terminal UI
        from .commands.registry import cmd_tui as func
    try:
        code = func(args, secrets)
    except (StoreError, UsageError, InputError) as exc:
        log.warning("command %s refused: %s (exit %d)", name, type(exc).__name__, exc.exit_code)
        error(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        log.info("command %s stopped by the user", name)
        print("Đã dừng.", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        raise
    except Exception as exc:  # a bug: a crash report without personal data, a Vietnamese message, exit 1
        report = logs.crash_report(exc, where=f"cnscd {name}")
        if debug:
            import traceback

            traceback.print_exc(file=sys.stderr)
        error(logs.excepthook_message(report))
        return EXIT_BUG
    log.info("command %s finished (exit %d, %.2f s)", name, code, time.monotonic() - started)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
