"""Backups of the registry file, in ``<file>.backups/`` beside it (see docs/FILE_FORMAT.md).

Names, listing, keeping a file as a backup (hard link or copy, never
overwriting), the rotation limits and what ``verify`` reports about the folder.
"""

from __future__ import annotations

import datetime as dt
import errno
import filecmp
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import StoreError
from .lock import describe_os_error
from .store_format import check_file

GEN_KEEP = 10
DAYS_KEEP = 30
RESTORE_KEEP = 5
MANUAL_KEEP = 10  # backups the clerk made with «Sao lưu ngay»


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    generation: int
    saved_at: dt.datetime
    kind: str  # gen | day | manual | before-restore
    ok: bool = True  # False: the checksum or header does not pass (it will not open)
    verified: bool = True  # False: listed from its name and header only, the checksum not read


# <stem>.g000042.cnscd, <stem>.d000042-2026-11-22.cnscd, <stem>.r000042.cnscd, <stem>.m000042.cnscd
# (made by hand); a name that was already taken by a different file gets ".<n>" before ".cnscd"
# (see link_or_copy).
BACKUP_RE = re.compile(r"\.(g|d|r|m)(\d{6,})(?:-(\d{4}-\d{2}-\d{2}))?(?:\.\d{1,3})?\.cnscd$")
_KIND = {"g": "gen", "d": "day", "r": "before-restore", "m": "manual"}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def real_path(path: str | os.PathLike) -> Path:
    """The file a path names, symbolic links resolved: the lock, the saves and the backups
    all go to the real file, whichever link it was opened through. A path without links
    is returned as given (a relative one stays relative, as the clerk typed it)."""
    given = Path(path)
    real = os.path.realpath(given)
    return given if real == os.path.abspath(given) else Path(real)


def backup_dir(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".backups")


def list_backups(db_path: str | os.PathLike, *, only_good: bool = False, verify: bool = True) -> list[BackupInfo]:
    """Backups beside the file, newest generation first (dates read from the headers).

    ``verify``: each file's checksum is read through (a backup that fails is ``ok=False``);
    with False only the first bytes and the header (cheap at any size; ``verified=False``)."""
    folder = backup_dir(real_path(db_path))
    out = []
    if not folder.is_dir():
        return out
    for f in folder.iterdir():
        m = BACKUP_RE.search(f.name)
        if not m:
            continue
        try:
            saved_at, ok = dt.datetime.fromisoformat(check_file(f, verify=verify)["saved_at"]), True
        except StoreError:
            if only_good:
                continue
            saved_at, ok = _EPOCH, False
        out.append(BackupInfo(f, int(m.group(2)), saved_at, _KIND[m.group(1)], ok, verify))
    out.sort(key=lambda b: (b.generation, b.kind == "gen"), reverse=True)
    return out


def private_dir(folder: Path) -> None:
    """Make ``folder`` (mode 0700), or tighten an existing one to 0700 where the file system
    has permissions; NotADirectoryError if a file has that name."""
    try:
        folder.mkdir(mode=0o700)
        return
    except FileExistsError:
        if not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "là một tệp, không phải thư mục", str(folder)) from None
    if os.name == "posix":
        try:
            if stat.S_IMODE(folder.stat().st_mode) & 0o077:
                os.chmod(folder, 0o700)
        except OSError:
            pass  # not ours to change (another owner): the files in it are 0600 anyway


def fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b) or filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def _copy_exclusive(src: Path, dst: Path) -> None:
    """Copy ``src`` to a new file ``dst`` (mode 0600); FileExistsError if ``dst`` exists (never overwritten)."""
    with open(src, "rb") as fin:
        fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        try:
            with open(fd, "wb") as fout:
                shutil.copyfileobj(fin, fout, 1 << 20)
        except BaseException:
            try:
                dst.unlink()
            except OSError:
                pass
            raise


def link_or_copy(src: Path, dst: Path) -> Path:
    """Keep ``src`` as ``dst`` (hard link, or a copy); returns the name used.

    An existing file is never replaced. If ``dst`` already holds the same bytes
    (e.g. the link of a save that crashed before the replace) nothing is done;
    if it holds a different file, the copy takes the next free name
    ``<dst without .cnscd>.<n>.cnscd``, so no state is silently left without its backup.
    """
    if not src.is_file():
        raise IsADirectoryError(errno.EISDIR, "không phải tệp", str(src))
    base = dst.name[:-len(".cnscd")] if dst.name.endswith(".cnscd") else dst.name
    for n in range(1000):
        target = dst if n == 0 else dst.with_name(f"{base}.{n}.cnscd")
        try:
            os.link(src, target)
            return target
        except FileExistsError:
            if _same_file(src, target):
                return target
            continue
        except OSError:
            pass  # no hard links on this file system: copy
        try:
            _copy_exclusive(src, target)
            return target
        except FileExistsError:
            if _same_file(src, target):
                return target
    raise OSError(errno.EEXIST, f"không còn tên trống cho bản sao lưu {dst.name}")


def rotate(db_path: Path) -> None:
    """Keep the backup folder to its limits; only ever removes old backups. Raises OSError."""
    folder = backup_dir(db_path)
    if not folder.is_dir():
        return
    gens, days, restores, manual = [], {}, [], []
    for f in folder.iterdir():
        m = BACKUP_RE.search(f.name)
        if not m:
            continue
        gen = int(m.group(2))
        if m.group(1) == "g":
            gens.append((gen, f))
        elif m.group(1) == "d" and m.group(3):
            days.setdefault(m.group(3), []).append((gen, f))
        elif m.group(1) == "r":
            restores.append((gen, f))
        elif m.group(1) == "m":
            manual.append((gen, f))
    for _, f in sorted(gens, reverse=True)[GEN_KEEP:]:
        f.unlink()
    # Day buckets are ranked by their highest generation, never by the date in
    # their name: a clock reset to 2000 or a future date must not decide what stays.
    ranked = sorted(days, key=lambda d: (max(g for g, _ in days[d]), d), reverse=True)
    for day in ranked[DAYS_KEEP:]:
        for _, f in days[day]:
            f.unlink()
    for _, f in sorted(restores, reverse=True)[RESTORE_KEEP:]:
        f.unlink()
    for _, f in sorted(manual, reverse=True)[MANUAL_KEEP:]:
        f.unlink()


def highest_generation(db_path: Path) -> int:
    """The highest generation of the file and of every backup name beside it (0 if none)."""
    top = 0
    try:
        top = int(check_file(db_path)["generation"])
    except (StoreError, ValueError, TypeError):
        pass
    folder = backup_dir(db_path)
    if folder.is_dir():
        for f in folder.iterdir():
            m = BACKUP_RE.search(f.name)
            if m:
                top = max(top, int(m.group(2)))
    return top


def backup_trouble(folder: Path, exc: OSError) -> str:
    """What the clerk is told when a save could not keep a backup (the save itself went on)."""
    if folder.exists() and not folder.is_dir():
        return (f"Sổ đã lưu nhưng KHÔNG có bản sao lưu tự động: «{folder.name}» là một tệp, không phải "
                f"thư mục sao lưu. Hãy đổi tên hoặc chuyển tệp đó đi để chương trình sao lưu lại được.")
    return (f"Sổ đã lưu nhưng không tạo được bản sao lưu trong {folder} (lý do: {describe_os_error(exc)}). "
            "Hãy kiểm tra ổ đĩa.")


def backup_problems(db_path: str | os.PathLike) -> list[str]:
    """What is wrong with the backup folder, in Vietnamese (empty when nothing is): for ``verify``."""
    db_path = real_path(db_path)
    folder = backup_dir(db_path)
    if not (folder.exists() or folder.is_symlink()):
        return []
    if not folder.is_dir():
        return [f"«{folder.name}» là một tệp, không phải thư mục: sổ KHÔNG được sao lưu tự động. "
                "Hãy đổi tên hoặc chuyển tệp đó đi."]
    problems = []
    if not os.access(folder, os.W_OK):
        problems.append(f"Thư mục sao lưu {folder} không ghi được: bản sao lưu mới sẽ không được tạo.")
    bad = [b.path.name for b in list_backups(db_path) if not b.ok]
    if bad:
        names = ", ".join(sorted(bad)[:5]) + (" …" if len(bad) > 5 else "")
        problems.append(f"{len(bad)} bản sao lưu bị hỏng, không mở được: {names}.")
    return problems
