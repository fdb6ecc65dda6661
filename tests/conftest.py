"""Shared fixtures: isolated HOME/data dirs, fast KDF, ready registries."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

# Tiny Argon2id parameters for every file the tests create (recorded in each
# file's header, so nothing else changes). Set before any module reads it.
os.environ["CNSCD_KDF"] = "fast"

PASS = "mat-khau-thu-nghiem"


def _isolate(monkeypatch, home: Path) -> None:
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("LOCALAPPDATA", str(home / "AppData" / "Local"))
    monkeypatch.delenv("CNSCD_DB", raising=False)
    monkeypatch.delenv("CNSCD_PASSPHRASE", raising=False)
    monkeypatch.setenv("CNSCD_KDF", "fast")
    monkeypatch.setenv("CNSCD_LOG_DIR", str(home / "logs"))  # the program's log, per test


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    _isolate(monkeypatch, tmp_path_factory.mktemp("home"))
    yield
    _close_program_log()


@contextlib.contextmanager
def isolated_env(home: Path):
    """The same isolated HOME, data and log folders as every test has, for a module- or
    session-scoped fixture (those are set up before the per-test isolation). Yields the
    ``MonkeyPatch`` to set more variables; everything is undone on leaving."""
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, home)
        try:
            yield mp
        finally:
            _close_program_log()


@pytest.fixture
def log_folder(tmp_path, monkeypatch):
    """The program's log in a folder of this test, set up afresh by the next command."""
    folder = tmp_path / "logs"
    monkeypatch.setenv("CNSCD_LOG_DIR", str(folder))
    _close_program_log()
    return folder


def _close_program_log() -> None:
    """The next test's log goes to its own folder: drop the handler models.logs.setup() added."""
    import logging

    from models import logs

    root = logging.getLogger(logs.LOGGER)
    for h in list(root.handlers):
        root.removeHandler(h)
        h.close()
    logs._configured = None


@pytest.fixture(autouse=True)
def _widgets_only_from_the_ui_thread():
    """Any DOM query (``query``, ``query_one``…) from a thread other than the main one — the
    one that runs the app in ``run_test`` — fails where it happens and fails the test here,
    even if the code around it swallowed the error (see tests/tui_helpers.py)."""
    from tests.tui_helpers import dom_thread_violations, install_dom_thread_guard

    install_dom_thread_guard()
    dom_thread_violations.clear()
    yield
    found, dom_thread_violations[:] = list(dom_thread_violations), []
    assert not found, "widgets looked up from a worker thread:\n" + "\n".join(found)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "so.cnscd"


@pytest.fixture
def reg(db_path):
    """A new, empty commune registry (Phường Trần Hưng Đạo)."""
    from models.db import Registry

    r, _ = Registry.create(db_path, PASS, province="Thành phố Hải Phòng", commune="Trần Hưng Đạo",
                           commune_kind="phường")
    yield r
    r.close()


@pytest.fixture(scope="session")
def commune_demo_bytes(tmp_path_factory) -> bytes:
    """The commune demo file, built once per session (tests copy it)."""
    from models.demo import create_demo

    p = tmp_path_factory.mktemp("demo") / "demo.cnscd"
    r, _ = create_demo(p, scale="commune", passphrase=PASS)
    r.close()
    return p.read_bytes()


@pytest.fixture(scope="session")
def province_demo_bytes(tmp_path_factory) -> bytes:
    """The province demo file (``create_demo(scale="province")``, passphrase ``PASS``), built
    once per session: tests write a copy of these bytes and open that."""
    from models.demo import create_demo

    p = tmp_path_factory.mktemp("demo-province") / "province.cnscd"
    r, _ = create_demo(p, scale="province", passphrase=PASS)
    r.close()
    return p.read_bytes()


@pytest.fixture(scope="module")
def province_read_only(tmp_path_factory, province_demo_bytes):
    """A copy of the province demo, open read-only (no lock) for a whole module's tests."""
    from models.db import Registry

    path = tmp_path_factory.mktemp("province-read-only") / "province.cnscd"
    path.write_bytes(province_demo_bytes)
    reg = Registry.open(path, passphrase=PASS, lock=False, read_only=True)
    yield reg
    reg.close()


@pytest.fixture
def demo_path(tmp_path, commune_demo_bytes) -> Path:
    """A copy of the commune demo file (closed), for tests that open it themselves (the TUI)."""
    p = tmp_path / "demo.cnscd"
    p.write_bytes(commune_demo_bytes)
    return p


@pytest.fixture
def demo(demo_path):
    """An open copy of the commune demo."""
    from models.db import Registry

    r = Registry.open(demo_path, passphrase=PASS)
    yield r
    r.close()
