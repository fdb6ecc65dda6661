"""The layer contract and the size limits, checked on every run.

Imports go one way (``cnscd_tui`` → ``exports`` → ``models``), ``models`` and
``exports`` never import Textual, and no two modules of a package import each
other, even inside a function: import-linter checks all three from the
contracts in ``pyproject.toml``. A product module stays readable: at most 800
lines, no function longer than 80 lines (ruff checks complexity).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cnscd_tui", "exports", "models")
MAX_FILE_LINES = 800
MAX_FUNCTION_LINES = 80


def _product_files():
    for pkg in PACKAGES:
        yield from sorted((ROOT / pkg).rglob("*.py"))


def test_import_contracts_are_kept():
    pytest.importorskip("importlinter")
    run = subprocess.run(
        [sys.executable, "-c",
         "import sys; from importlinter.cli import lint_imports; "
         "sys.exit(lint_imports(no_cache=True, no_logo=True))"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_no_product_file_is_a_god_file():
    big = {str(p.relative_to(ROOT)): n for p in _product_files()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES}
    assert not big, f"files over {MAX_FILE_LINES} lines: {big}"


def test_no_function_is_too_long():
    long = []
    for path in _product_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({n} lines)")
    assert not long, "functions over 80 lines:\n" + "\n".join(long)
