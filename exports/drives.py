"""The USB sticks and memory cards plugged into this computer, as the clerk has them.

Linux — a mounted file system counts when its block device is a USB device or a
removable one, decided from sysfs and never from the mount point:
``/sys/class/block/<dev>`` is resolved (a partition → its disk; a device-mapper
volume such as an encrypted stick → the device under it), and the disk counts when
its sysfs path goes through a USB bus (``…/usb1/1-2/…``: sticks that say
``removable=0`` too), when its ``removable`` is 1 (card readers), or when it is an
SD card in a built-in reader (``device/type`` "SD"). So an internal NTFS partition
that the desktop mounts at ``/media/<user>/Windows`` is not a USB drive, and a stick
mounted at ``/mnt/usb`` is. Only real block devices are looked at: network shares,
pseudo file systems (proc, tmpfs, …), loop (snaps, squashfs), ram and zram devices
and the system's own folders (/, /boot, …) are skipped.

Windows — drives of type "removable", and "fixed" drives whose bus is USB (USB hard
disks and many sticks: ``IOCTL_STORAGE_QUERY_PROPERTY`` on ``\\\\.\\X:`` opened
with no access rights, no administrator needed). The probing runs under
``SetErrorMode(SEM_FAILCRITICALERRORS)`` (restored afterwards), so an empty card
reader slot or floppy drive never pops up a "no disk in drive" dialog; drives that
are not ready (no medium: the volume or its size cannot be read, or the size is 0)
are not listed.

macOS — /Volumes (without the system volume).

``CNSCD_USB_ROOTS`` (paths separated by ``os.pathsep``) adds folders that count as
drives (tests, network shares). The clerk can always give any folder instead.

The probes take what they read as arguments (the sysfs root and the text of
/proc/mounts; a kernel32 object), so that tests run them on any system.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import string
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Drive:
    path: Path
    label: str
    free: int
    total: int

    def describe(self) -> str:
        from models.text import format_decimal

        return (f"{self.path}  {self.label}  (còn trống {format_decimal(self.free / 1e9, 1)} GB / "
                f"{format_decimal(self.total / 1e9, 1)} GB)")


def disk_usage(path: str | os.PathLike) -> tuple[int, int]:
    """(free, total) bytes of the file system holding ``path``; (0, 0) if it cannot be read."""
    try:
        u = shutil.disk_usage(path)
        return u.free, u.total
    except OSError:
        return 0, 0


Usage = Callable[[Path], tuple[int, int]]


# ---------------------------------------------------------------------------
# Linux
# ---------------------------------------------------------------------------
# Devices that are never a stick: loop (snaps, images, squashfs), RAM disks, zram swap.
_VIRTUAL_PREFIXES = ("loop", "ram", "zram", "nbd")
# File systems that are not a place to put a file for the clerk.
_SKIP_FSTYPES = frozenset({"squashfs", "swap", "proc", "sysfs", "tmpfs", "devtmpfs", "overlay", "autofs",
                           "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "fuse.sshfs", "fuse.gvfsd-fuse"})
# The system's own folders: a computer started from a stick still has no "USB drive" at /.
_SYSTEM_MOUNTS = frozenset({"/", "/boot", "/boot/efi", "/efi", "/home", "/usr", "/var", "/tmp", "/opt", "/srv"})
_SYSTEM_PREFIXES = ("/boot/", "/snap/", "/var/", "/usr/", "/proc/", "/sys/", "/dev/", "/run/user/")


def _unescape_mount(s: str) -> str:
    return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def _read(p: Path) -> str:
    try:
        return p.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _block_name(dev: str, sys_root: Path) -> str | None:
    """The kernel's name (``sdb1``, ``dm-2``) of the block device a mount names."""
    if dev.startswith("/dev/mapper/"):  # an encrypted stick, LVM: look the name up in sysfs
        want = dev[len("/dev/mapper/"):]
        try:
            entries = sorted((sys_root / "class" / "block").iterdir())
        except OSError:
            return None
        return next((e.name for e in entries if e.name.startswith("dm-") and _read(e / "dm" / "name") == want),
                    None)
    return os.path.basename(os.path.realpath(dev)) or None


def _disk_of(name: str, sys_root: Path, depth: int = 0) -> Path | None:
    """The sysfs folder (resolved) of the whole disk under block device ``name``."""
    link = sys_root / "class" / "block" / name
    if depth > 4 or not link.exists():
        return None
    node = Path(os.path.realpath(link))
    try:
        under = sorted((node / "slaves").iterdir())  # every disk has the folder; empty but for dm
    except OSError:
        under = []
    if under:  # device mapper (dm-crypt, LVM): the device it sits on
        return _disk_of(under[0].name, sys_root, depth + 1)
    if (node / "partition").exists():
        node = node.parent
    return node


def _is_usb_disk(disk: Path, sys_root: Path) -> bool:
    try:
        where = disk.relative_to(Path(os.path.realpath(sys_root))).as_posix()
    except ValueError:
        where = disk.as_posix()
    if "/usb" in f"/{where}":
        return True
    if _read(disk / "removable") == "1":
        return True
    return _read(disk / "device" / "type") == "SD"  # a card in a built-in reader (eMMC says "MMC")


def _is_system_mount(mnt: str) -> bool:
    return mnt in _SYSTEM_MOUNTS or mnt.startswith(_SYSTEM_PREFIXES)


def _linux_drives(sys_root: str | os.PathLike = "/sys", mounts: str | None = None,
                  usage: Usage = disk_usage) -> list[Drive]:
    """Mounted file systems on USB or removable disks. ``mounts``: the text of
    /proc/mounts (read when None); ``sys_root``: where sysfs is."""
    sys_root = Path(sys_root)
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
    out, seen = [], set()
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        dev, mnt, fstype = _unescape_mount(parts[0]), _unescape_mount(parts[1]), parts[2]
        if not dev.startswith("/dev/") or fstype in _SKIP_FSTYPES or _is_system_mount(mnt):
            continue  # network shares, pseudo file systems, the system itself
        name = _block_name(dev, sys_root)
        if not name or name.startswith(_VIRTUAL_PREFIXES):
            continue
        disk = _disk_of(name, sys_root)
        if disk is None or disk.name.startswith(_VIRTUAL_PREFIXES) or not _is_usb_disk(disk, sys_root):
            continue
        if name in seen:  # the same stick mounted twice (bind mounts): its first place
            continue
        seen.add(name)
        path = Path(mnt)
        free, total = usage(path)
        out.append(Drive(path, os.path.basename(mnt) or mnt, free, total))
    return out


# ---------------------------------------------------------------------------
# Windows
# ---------------------------------------------------------------------------
SEM_FAILCRITICALERRORS = 0x0001
DRIVE_REMOVABLE, DRIVE_FIXED = 2, 3
BUS_TYPE_USB = 7
IOCTL_STORAGE_QUERY_PROPERTY = 0x002D1400
_FILE_SHARE_READ_WRITE = 0x1 | 0x2
_OPEN_EXISTING = 3
_INVALID_HANDLES = (None, 0, -1, ctypes.c_void_p(-1).value)
_error_mode_lock = threading.Lock()  # SetErrorMode is per process: one probe at a time


class StoragePropertyQuery(ctypes.Structure):
    """STORAGE_PROPERTY_QUERY: PropertyId 0 = StorageDeviceProperty, QueryType 0 = standard."""
    _fields_ = [("PropertyId", ctypes.c_uint32), ("QueryType", ctypes.c_uint32),
                ("AdditionalParameters", ctypes.c_ubyte * 1)]


class StorageDeviceDescriptor(ctypes.Structure):
    """STORAGE_DEVICE_DESCRIPTOR (winioctl.h), with room for the vendor strings after it."""
    _fields_ = [("Version", ctypes.c_uint32), ("Size", ctypes.c_uint32),
                ("DeviceType", ctypes.c_ubyte), ("DeviceTypeModifier", ctypes.c_ubyte),
                ("RemovableMedia", ctypes.c_ubyte), ("CommandQueueing", ctypes.c_ubyte),
                ("VendorIdOffset", ctypes.c_uint32), ("ProductIdOffset", ctypes.c_uint32),
                ("ProductRevisionOffset", ctypes.c_uint32), ("SerialNumberOffset", ctypes.c_uint32),
                ("BusType", ctypes.c_uint32), ("RawPropertiesLength", ctypes.c_uint32),
                ("RawDeviceProperties", ctypes.c_ubyte * 1024)]


def _kernel32():  # pragma: no cover - Windows only
    """kernel32 with the signatures this module needs (a private copy: ``windll.kernel32``
    is shared with other libraries, whose settings are left alone)."""
    k32 = ctypes.WinDLL("kernel32", use_last_error=True)
    vp, u32 = ctypes.c_void_p, ctypes.c_uint32
    k32.SetErrorMode.argtypes, k32.SetErrorMode.restype = [ctypes.c_uint], ctypes.c_uint
    k32.GetLogicalDrives.argtypes, k32.GetLogicalDrives.restype = [], u32
    k32.GetDriveTypeW.argtypes, k32.GetDriveTypeW.restype = [ctypes.c_wchar_p], ctypes.c_uint
    k32.GetVolumeInformationW.argtypes = [ctypes.c_wchar_p, ctypes.c_wchar_p, u32, vp, vp, vp, ctypes.c_wchar_p, u32]
    k32.GetDiskFreeSpaceExW.argtypes = [ctypes.c_wchar_p, vp, vp, vp]
    k32.CreateFileW.argtypes = [ctypes.c_wchar_p, u32, u32, vp, u32, u32, vp]
    k32.CreateFileW.restype = vp
    k32.DeviceIoControl.argtypes = [vp, u32, vp, u32, vp, u32, vp, vp]
    k32.CloseHandle.argtypes = [vp]
    return k32


def _bus_type(k32, letter: str) -> int | None:
    """The bus (STORAGE_BUS_TYPE) of the disk under drive ``letter``; None if unknown."""
    handle = k32.CreateFileW(f"\\\\.\\{letter}:", 0, _FILE_SHARE_READ_WRITE, None, _OPEN_EXISTING, 0, None)
    if handle in _INVALID_HANDLES:
        return None
    try:
        query = StoragePropertyQuery(0, 0)
        desc = StorageDeviceDescriptor()
        returned = ctypes.c_uint32(0)
        ok = k32.DeviceIoControl(handle, IOCTL_STORAGE_QUERY_PROPERTY, ctypes.pointer(query), ctypes.sizeof(query),
                                 ctypes.pointer(desc), ctypes.sizeof(desc), ctypes.pointer(returned), None)
        if not ok or returned.value < StorageDeviceDescriptor.BusType.offset + 4:
            return None
        return desc.BusType
    finally:
        k32.CloseHandle(handle)


def _ready_volume(k32, root: str) -> tuple[str, int, int] | None:
    """(label, free, total) of a drive with a medium in it; None for an empty slot."""
    label = ctypes.create_unicode_buffer(261)
    if not k32.GetVolumeInformationW(root, label, 261, None, None, None, None, 0):
        return None
    free, total = ctypes.c_ulonglong(0), ctypes.c_ulonglong(0)
    if not k32.GetDiskFreeSpaceExW(root, ctypes.pointer(free), ctypes.pointer(total), None) or not total.value:
        return None
    return label.value, free.value, total.value


def _windows_drives(kernel32=None) -> list[Drive]:
    """Removable drives, and fixed drives on a USB bus, that have a medium in them."""
    k32 = kernel32 if kernel32 is not None else _kernel32()
    out = []
    with _error_mode_lock:
        old = k32.SetErrorMode(SEM_FAILCRITICALERRORS)  # no "no disk in drive" dialog from here on
        try:
            k32.SetErrorMode(old | SEM_FAILCRITICALERRORS)  # keep the process's other flags
            mask = k32.GetLogicalDrives()
            for i, letter in enumerate(string.ascii_uppercase):
                if not mask & (1 << i):
                    continue
                root = f"{letter}:\\"
                kind = k32.GetDriveTypeW(root)
                if kind not in (DRIVE_REMOVABLE, DRIVE_FIXED):
                    continue  # CD, network, RAM disk
                if kind == DRIVE_FIXED and _bus_type(k32, letter) != BUS_TYPE_USB:
                    continue  # the computer's own disks
                volume = _ready_volume(k32, root)
                if volume is None:
                    continue  # an empty card reader slot: not "USB 0 GB"
                label, free, total = volume
                out.append(Drive(Path(root), label or "USB", free, total))
        finally:
            k32.SetErrorMode(old)
    return out


# ---------------------------------------------------------------------------
# macOS
# ---------------------------------------------------------------------------
def _mac_drives(volumes: str | os.PathLike = "/Volumes", usage: Usage = disk_usage) -> list[Drive]:
    out = []
    vols = Path(volumes)
    if vols.is_dir():
        for p in sorted(vols.iterdir()):
            if p.is_symlink() or not p.is_dir():  # the system volume is a symlink to /
                continue
            free, total = usage(p)
            out.append(Drive(p, p.name, free, total))
    return out


def _system_drives() -> list[Drive]:
    if sys.platform.startswith("win"):
        return _windows_drives()
    if sys.platform == "darwin":
        return _mac_drives()
    return _linux_drives()


def list_drives() -> list[Drive]:
    """USB drives and memory cards (and the folders in ``CNSCD_USB_ROOTS``), each once."""
    found: list[Drive] = []
    for extra in filter(None, os.environ.get("CNSCD_USB_ROOTS", "").split(os.pathsep)):
        p = Path(extra)
        if p.is_dir():
            free, total = disk_usage(p)
            found.append(Drive(p, p.name or str(p), free, total))
    found += _system_drives()
    seen, out = set(), []
    for d in found:
        if str(d.path) not in seen:
            seen.add(str(d.path))
            out.append(d)
    return out
