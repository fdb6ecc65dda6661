"""The ``cnscd`` command.

A stable contract (tests, the UI and scripts rely on it). Exit codes:
0 ok · 2 usage or bad input · 3 wrong passphrase or recovery key ·
4 damaged or unreadable file · 5 already open elsewhere · 6 could not save.

Passphrases never come from the command line: ``CNSCD_PASSPHRASE`` (and
``CNSCD_NEW_PASSPHRASE`` / ``CNSCD_RECOVERY_KEY``), or ``--passphrase-stdin``
(one secret per line, in the order the command asks for them), otherwise they
are asked for without echo.

The subcommands live in :mod:`cnscd_tui.commands` (``registry``, ``export``,
``imports``); this module builds the parser from them and runs one.
"""

from __future__ import annotations

import argparse
import os
import sys

from models.errors import EXIT_OK, EXIT_USAGE, InputError, StoreError, UsageError

from .commands import export, imports, registry
from .commands.common import Parser, Secrets, common_options, install_argparse_vietnamese

__all__ = ["main", "build_parser", "UsageError"]


def build_parser() -> argparse.ArgumentParser:
    install_argparse_vietnamese()  # before any parser is made: headings and -h help are looked up then
    p = Parser(prog="cnscd", description="Sổ Tổ CNSCĐ — sổ quản lý Tổ công nghệ số cộng đồng.",
               parents=[common_options(default_none=True)])
    common = common_options(default_none=False)  # for every subcommand
    p.add_argument("--demo", action="store_true", help="mở sổ mẫu (tạo nếu chưa có; mật khẩu hiện trên màn hình)")
    sub = p.add_subparsers(dest="command", parser_class=Parser, metavar="LỆNH")
    for group in (registry, export, imports):
        group.register(sub, common)
    return p


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
    func = getattr(args, "func", registry.cmd_tui)
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
