"""Crash safety: a child process that is saving is killed, and nothing it was told is saved is lost.

Two kinds of test, neither depending on how fast the machine is:

- **Fault points.** ``store._fault_hook`` is set in a forked child so that the
  child SIGKILLs itself at one named point inside a save (``store.FAULT_POINTS``:
  after the backup link, after the tmp write, after its fsync, after the
  replace, after the folder fsync, after the backup clean-up started). The file
  must then open with exactly the old content (killed before the replace) or
  exactly the new one (after it), every acknowledged row is there, and the next
  open removes the leftover tmp. The same for a passphrase change (re-keying).
- **Random SIGKILL.** A child saves in a loop; once it has acknowledged its first
  save it is SIGKILLed after a random pause. Only integrity is asserted (the
  file opens, ``PRAGMA integrity_check`` is ok, every acknowledged row is there,
  every backup is a complete file) — never how many saves happened.
  ``CNSCD_CRASH_ROUNDS`` (default 100) sets the rounds; ``bench/run.py`` runs more.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import sqlite3
import sys
import time

import pytest

from models import store as st
from models.store import EncryptedStore, KdfParams, WrongSecret

PW = "crash-test-pass"
NEW_PW = "mat-khau-moi-sau-crash"
FAST = KdfParams(1024, 1, 1)
ROUNDS = int(os.environ.get("CNSCD_CRASH_ROUNDS", "100"))
KILLED = -signal.SIGKILL
AFTER_REPLACE = {"replaced", "dir-fsynced", "rotation-started"}

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fork + SIGKILL")


def _new_file(path, rows: int = 0) -> str:
    """A new file with table ``t`` holding rows 1..rows; returns its recovery key."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    db.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"Trần Thị {i}") for i in range(1, rows + 1)])
    db.commit()
    s, recovery = EncryptedStore.create(path, PW, db.serialize(), schema_version=2, kdf=FAST)
    s.close()
    return recovery


def _rows(path, **secret) -> set[int]:
    """Open (so the lock of a killed child must not block), check integrity, return the row ids."""
    s, data = EncryptedStore.open(path, **secret)
    s.close()
    check = sqlite3.connect(":memory:")
    check.deserialize(data)
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return {row[0] for row in check.execute("SELECT id FROM t")}


def _read_all(fd: int) -> str:
    chunks = b""
    while b := os.read(fd, 65536):
        chunks += b
    os.close(fd)
    return chunks.decode()


def _saver(path: str, start: int, w: int, *, fault: str | None = None, then: int = 0) -> None:
    """Child: save rows start+1, start+2, … acknowledging each on ``w`` after save() returned.

    With ``fault``, the save after ``then`` acknowledged ones kills the child at that point;
    the child exits 3 if the point was never reached.
    """
    s, data = EncryptedStore.open(path, passphrase=PW)
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.deserialize(data)
    i = start
    while True:
        i += 1
        if fault is not None and i == start + then + 1:
            st._fault_hook = lambda p: p == fault and os.kill(os.getpid(), signal.SIGKILL)
        elif fault is not None and i > start + then + 1:
            os._exit(3)
        db.execute("INSERT INTO t (id, name) VALUES (?, ?)", (i, f"Nguyễn Văn {i}" * 20))
        s.save(db.serialize())
        os.write(w, f"{i}\n".encode())


def _run_child(ctx, target, *args, **kwargs) -> tuple[int, str]:
    r, w = os.pipe()
    p = ctx.Process(target=target, args=(*args, w), kwargs=kwargs)
    p.start()
    os.close(w)
    out = _read_all(r)  # until the child has gone (its end of the pipe closes)
    p.join()
    return p.exitcode, out


@pytest.mark.parametrize("point", st.FAULT_POINTS)
def test_killed_at_each_point_of_a_save_keeps_old_or_new_never_less(tmp_path, point):
    path = tmp_path / "crash.cnscd"
    _new_file(path)
    ctx = mp.get_context("fork")
    start = 0
    for round_ in range(3):  # the 2nd and 3rd rounds start from a file a killed save left behind
        code, out = _run_child(ctx, _saver, str(path), start, fault=point, then=2)
        assert code == KILLED, f"the child did not reach {point!r} (exit {code})"
        acked = {int(x) for x in out.split()}
        assert acked == {start + 1, start + 2}
        killed_row = start + 3
        if point in ("tmp-written", "tmp-fsynced"):
            assert len(list(tmp_path.glob("*.tmp"))) == 1, "killed in the middle: the tmp is still there"
        have = _rows(path, passphrase=PW)
        assert acked <= have, f"acknowledged rows lost at {point!r} (round {round_})"
        if point in AFTER_REPLACE:
            assert killed_row in have, "killed after the replace: the new file is there"
        else:
            assert killed_row not in have, "killed before the replace: the old file is there"
        assert not list(tmp_path.glob("*.tmp")), "the next open removes a leftover tmp"
        for f in st.backup_dir(path).iterdir():
            st.check_file(f)  # every backup is a complete file
        start = max(have)
    s, _ = EncryptedStore.open(path, passphrase=PW)  # and saving goes on normally
    s.save(b"")
    s.close()


@pytest.mark.parametrize("point", [p for p in st.FAULT_POINTS if p not in ("backup-linked", "rotation-started")])
def test_killed_while_changing_the_passphrase_opens_with_the_old_or_the_new(tmp_path, point):
    path = tmp_path / "crash.cnscd"
    recovery = _new_file(path, rows=1)

    def change():
        s, _ = EncryptedStore.open(path, passphrase=PW)
        st._fault_hook = lambda p: p == point and os.kill(os.getpid(), signal.SIGKILL)
        s.change_passphrase(NEW_PW)
        os._exit(3)

    p = mp.get_context("fork").Process(target=change)
    p.start()
    p.join()
    assert p.exitcode == KILLED
    good, bad = (NEW_PW, PW) if point in AFTER_REPLACE else (PW, NEW_PW)
    assert _rows(path, passphrase=good) == {1}
    with pytest.raises(WrongSecret):
        EncryptedStore.open(path, passphrase=bad)
    assert _rows(path, recovery_key=recovery) == {1}
    assert not list(tmp_path.glob("*.tmp"))


def _first_line(fd: int) -> bytes:
    """Block until the child has acknowledged its first save (or has gone)."""
    got = b""
    while b"\n" not in got:
        b = os.read(fd, 4096)
        if not b:
            break
        got += b
    return got


def test_sigkill_at_random_moments_never_loses_acknowledged_rows(tmp_path):
    path = tmp_path / "crash.cnscd"
    _new_file(path)
    ctx = mp.get_context("fork")
    rng = random.Random(20261122)
    acked: set[int] = set()
    start = 0
    for round_ in range(ROUNDS):
        r, w = os.pipe()
        p = ctx.Process(target=_saver, args=(str(path), start, w))
        p.start()
        os.close(w)
        first = _first_line(r)  # a state, not a time: the child is in its save loop
        assert first, f"round {round_}: the child stopped before its first save (exit {p.exitcode})"
        time.sleep(rng.uniform(0, 0.02))  # where in the loop the kill lands; nothing depends on it
        os.kill(p.pid, signal.SIGKILL)
        p.join()
        assert p.exitcode == KILLED, f"round {round_}: the child died on its own"
        lines = (first + _read_all(r).encode()).decode().split("\n")
        acked.update(int(x) for x in lines[:-1] if x)  # a partial last line: killed while acknowledging
        have = _rows(path, passphrase=PW)
        missing = acked - have
        assert not missing, f"round {round_}: rows acknowledged as saved but lost: {sorted(missing)[:5]}"
        assert not list(tmp_path.glob("*.tmp")), "leftover tmp removed on open"
        start = max(have | {start})
    for f in st.backup_dir(path).iterdir():
        st.check_file(f)
