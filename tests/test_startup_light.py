"""Start-up stays light: ``cnscd`` paints its unlock screen before loading the registry's machinery.

The store (cryptography), the schema (peewee), the services and the main screen are what an
open needs, not what the first screen needs: they are imported in the background once the
unlock screen has painted, while the clerk types the passphrase. Each check runs in a fresh
interpreter (the test process has long imported everything), launched the way the command is
(``cli.main(["--db", …])``), with the terminal replaced by Textual's headless test driver.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PASS

ROOT = Path(__file__).resolve().parent.parent

HEAVY = ("cryptography", "peewee", "models.store", "models.schema", "models.services", "models.migrations",
         "cnscd_tui.main_screen", "openpyxl", "tablib", "exports.writers",
         # the subcommands' modules: the terminal UI is the command without a subcommand
         "cnscd_tui.commands.export", "cnscd_tui.commands.imports", "cnscd_tui.commands.handoff", "sqlite3")

# Drives the real program (cli.main → cmd_tui → run_app → CnscdApp.run) headless: App.run is
# replaced by run_test, and right after the unlock screen's first paint the modules loaded so far
# are written down.
DRIVER = r"""
import asyncio, json, sys, threading
from textual.app import App
from cnscd_tui import unlock

HEAVY = {heavy!r}
seen = {{}}
mount = unlock.UnlockScreen.on_mount

def noting_mount(self):
    # queued before the screen's own after-paint work, so it runs first
    self.call_after_refresh(lambda: seen.setdefault("at_first_paint", [m for m in HEAVY if m in sys.modules]))
    mount(self)

unlock.UnlockScreen.on_mount = noting_mount

def headless_run(self, *a, **k):
    async def drive():
        async with self.run_test(size=(100, 30)) as pilot:
            for _ in range(200):
                await pilot.pause()
                if "at_first_paint" in seen:
                    break
            seen["screen"] = type(self.screen).__name__
            for _ in range(1200):  # the background imports: until they are done (or 60 s)
                if not any(t.name == "cnscd-prewarm" for t in threading.enumerate()):
                    if all(m in sys.modules for m in HEAVY[:7]):
                        break
                await pilot.pause(0.05)
            seen["after_prewarm"] = [m for m in HEAVY[:7] if m not in sys.modules]
            self.screen.query_one("#unlock-pass").value = {pw!r}
            await pilot.press("enter")
            for _ in range(400):
                await pilot.pause(0.05)
                if type(self.screen).__name__ == "MainScreen":
                    break
            seen["opened"] = type(self.screen).__name__
            self.exit()
    asyncio.run(drive())

App.run = headless_run
from cnscd_tui.cli import main
code = main(["--db", {db!r}])
print("RESULT " + json.dumps(dict(seen, code=code)))
"""


def _drive(db: Path) -> dict:
    import json

    code = DRIVER.format(heavy=HEAVY, pw=PASS, db=str(db))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env=env)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
    assert lines, out.stdout[-3000:] + out.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT "):])


def test_unlock_screen_paints_before_the_registry_machinery_loads_then_unlocks(demo_path):
    seen = _drive(demo_path)
    assert seen["screen"] == "UnlockScreen"
    # nothing of the store, the schema, the services, the main screen or the exports before the first paint
    assert seen["at_first_paint"] == []
    # loaded in the background while the passphrase is typed, so Enter waits for none of it
    assert seen["after_prewarm"] == []
    # and the passphrase still opens the registry onto the main screen
    assert seen["opened"] == "MainScreen"
    assert seen["code"] == 0


def test_default_registry_path_needs_no_store():
    """``cnscd`` without ``--db`` finds its file (``default_db_path``) without the store or peewee."""
    code = ("import sys; from models.db import default_db_path; default_db_path(); "
            f"heavy = [m for m in {HEAVY!r} if m in sys.modules]; assert not heavy, heavy")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_cnscd_version_loads_neither_textual_nor_the_store():
    code = ("import sys, contextlib, io\nfrom cnscd_tui.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n    code = main(['--version'])\n"
            f"heavy = [m for m in {HEAVY!r} + ('textual',) if m in sys.modules]\n"
            "assert code == 0 and out.getvalue().startswith('cnscd '), (code, out.getvalue())\n"
            "assert not heavy, heavy\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_the_main_options_alone_parse_as_the_whole_parser_does():
    """The quick parse of ``cnscd [--db F] [--demo] [--debug] …`` gives what the whole parser gives;
    anything else (a subcommand, help, a mistake) is left to the whole parser, usage line and all."""
    from cnscd_tui import cli

    for argv in ([], ["--db", "so.cnscd"], ["--db=so.cnscd", "--debug"], ["--demo", "--db", "x", "--passphrase-stdin"]):
        assert cli._only_main_options(argv), argv
        assert vars(cli.parse_args(argv)) == vars(cli.build_parser().parse_args(argv)), argv
    for argv in (["stats"], ["-h"], ["--db"], ["--db", "--debug"], ["--de"], ["--db", "x", "verify"], ["x"]):
        assert not cli._only_main_options(argv), argv


def test_a_usage_mistake_without_a_subcommand_still_lists_the_subcommands(capsys):
    from cnscd_tui.cli import main

    assert main(["--db"]) == 2
    err = capsys.readouterr().err
    assert "LỆNH" in err and "cần một giá trị" in err
