"""Which drives the clerk is offered as "USB" (exports/drives.py), on fake sysfs trees and
a fake kernel32, so that both the Linux and the Windows probes run on any system."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import pytest

from exports import drives, usb

# Where the kernel puts block devices (sysfs paths as on real machines)
SATA = "devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0"
NVME = "devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0"
USB_STICK = "devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0"
USB_DISK = "devices/pci0000:00/0000:00:14.0/usb3/3-2/3-2:1.0/host7/target7:0:0/7:0:0:0"
PCI_CARD_READER = "devices/pci0000:00/0000:00:1c.0/0000:02:00.0/host3/target3:0:0/3:0:0:0"
MMC_SD = "devices/pci0000:00/0000:00:1e.6/mmc_host/mmc0/mmc0:aaaa"
MMC_EMMC = "devices/pci0000:00/0000:00:1a.0/mmc_host/mmc1/mmc1:0001"
GB = 1_000_000_000


class FakeSys:
    """A sysfs tree: /sys/devices/… folders and /sys/class/block/<name> links to them."""

    def __init__(self, root: Path):
        self.root = root
        self.cls = root / "class" / "block"
        self.cls.mkdir(parents=True)

    def _link(self, name: str, target: Path) -> None:
        os.symlink(os.path.relpath(target, self.cls), self.cls / name)

    def disk(self, where: str, name: str, *parts: str, removable: str = "0", card_type: str | None = None) -> None:
        d = self.root / where / "block" / name
        for sub in ("slaves", "holders", "device"):
            (d / sub).mkdir(parents=True)
        (d / "removable").write_text(removable + "\n")
        if card_type:
            (d / "device" / "type").write_text(card_type + "\n")
        self._link(name, d)
        for i, part in enumerate(parts, 1):
            (d / part).mkdir()
            (d / part / "partition").write_text(f"{i}\n")
            self._link(part, d / part)

    def virtual(self, name: str) -> None:
        d = self.root / "devices" / "virtual" / "block" / name
        for sub in ("slaves", "holders"):
            (d / sub).mkdir(parents=True)
        (d / "removable").write_text("0\n")
        self._link(name, d)

    def mapper(self, name: str, dm_name: str, on: str) -> None:
        """A device-mapper volume (an encrypted stick: /dev/mapper/<dm_name>) over block device ``on``."""
        self.virtual(name)
        d = self.root / "devices" / "virtual" / "block" / name
        (d / "dm").mkdir()
        (d / "dm" / "name").write_text(dm_name + "\n")
        os.symlink(os.path.relpath(os.path.realpath(self.cls / on), d / "slaves"), d / "slaves" / on)


def sizes(path: Path) -> tuple[int, int]:
    """Free and total bytes of a fake mount point (a 32 GB stick)."""
    return 3_200_000_000, 32 * GB


def probe(tmp_path: Path, mounts: str) -> list[Path]:
    return [d.path for d in drives._linux_drives(tmp_path / "sys", mounts, usage=sizes)]


@pytest.fixture
def laptop(tmp_path) -> FakeSys:
    """A clerk's laptop: SATA disk with Linux and a Windows partition, an NVMe disk,
    a built-in SD card reader, eMMC storage, a PCI card reader, snaps on loop devices."""
    fs = FakeSys(tmp_path / "sys")
    fs.disk(SATA, "sda", "sda1", "sda2", "sda3")
    fs.disk(NVME, "nvme0n1", "nvme0n1p1", "nvme0n1p2")
    fs.disk(MMC_EMMC, "mmcblk1", "mmcblk1p1", card_type="MMC")
    for name in ("loop0", "loop1", "zram0", "ram0"):
        fs.virtual(name)
    return fs


SYSTEM = ("/dev/sda2 / ext4 rw,relatime 0 0\n"
          "/dev/sda1 /boot/efi vfat rw 0 0\n"
          "proc /proc proc rw 0 0\n"
          "tmpfs /run tmpfs rw 0 0\n")


# ---------------------------------------------------------------------------
# Linux
# ---------------------------------------------------------------------------
def test_internal_windows_partition_under_media_is_not_a_usb_drive(laptop, tmp_path):
    mounts = SYSTEM + ("/dev/sda3 /media/u/Windows fuseblk rw,nosuid,nodev 0 0\n"
                       "/dev/nvme0n1p2 /media/u/Data ntfs3 rw 0 0\n"
                       "/dev/mmcblk1p1 /run/media/u/eMMC ext4 rw 0 0\n")
    assert probe(tmp_path, mounts) == []


def test_usb_stick_that_says_not_removable_mounted_outside_media_is_listed(laptop, tmp_path):
    laptop.disk(USB_STICK, "sdb", "sdb1", removable="0")
    mounts = SYSTEM + "/dev/sdb1 /mnt/usb vfat rw,relatime 0 0\n/dev/sda3 /media/u/Windows fuseblk rw 0 0\n"
    found = drives._linux_drives(tmp_path / "sys", mounts, usage=sizes)
    assert [d.path for d in found] == [Path("/mnt/usb")]
    assert found[0].describe() == "/mnt/usb  usb  (còn trống 3,2 GB / 32,0 GB)"


def test_usb_hard_disk_without_partitions_and_with_a_space_in_its_folder_is_listed(laptop, tmp_path):
    laptop.disk(USB_DISK, "sdc", removable="0")
    found = drives._linux_drives(tmp_path / "sys", SYSTEM + "/dev/sdc /media/u/USB\\040XA exfat rw 0 0\n",
                                 usage=sizes)
    assert [(d.path, d.label) for d in found] == [(Path("/media/u/USB XA"), "USB XA")]


def test_card_readers_are_listed(laptop, tmp_path):
    laptop.disk(PCI_CARD_READER, "sdd", "sdd1", removable="1")  # a card reader that says removable
    laptop.disk(MMC_SD, "mmcblk0", "mmcblk0p1", card_type="SD")  # an SD card in the laptop's own slot
    mounts = SYSTEM + ("/dev/sdd1 /run/media/u/THE_NHO vfat rw 0 0\n"
                       "/dev/mmcblk0p1 /home/u/the-sd exfat rw 0 0\n"
                       "/dev/mmcblk1p1 /media/u/eMMC ext4 rw 0 0\n")
    assert probe(tmp_path, mounts) == [Path("/run/media/u/THE_NHO"), Path("/home/u/the-sd")]


def test_loop_ram_network_and_pseudo_file_systems_are_not_listed(laptop, tmp_path):
    mounts = SYSTEM + ("/dev/loop0 /snap/core22/1234 squashfs ro,nodev 0 0\n"
                       "/dev/loop1 /media/u/Ubuntu-24.04 iso9660 ro 0 0\n"  # a disk image opened from a folder
                       "/dev/zram0 /mnt/zram ext4 rw 0 0\n"
                       "/dev/ram0 /mnt/ram ext2 rw 0 0\n"
                       "tmpfs /media/u/tam tmpfs rw 0 0\n"
                       "//server/chung /media/u/chung cifs rw 0 0\n"
                       "nas:/data /mnt/usb nfs4 rw 0 0\n"
                       "u@may:/ /media/u/ssh fuse.sshfs rw 0 0\n")
    assert probe(tmp_path, mounts) == []


def test_encrypted_stick_is_listed_through_the_device_under_it(laptop, tmp_path):
    laptop.disk(USB_STICK, "sdb", "sdb1")
    laptop.mapper("dm-0", "luks-5f1c", on="sdb1")
    laptop.mapper("dm-1", "vg-home", on="nvme0n1p2")  # LVM on the internal disk
    mounts = SYSTEM + "/dev/mapper/luks-5f1c /media/u/MAT ext4 rw 0 0\n/dev/mapper/vg-home /srv/data ext4 rw 0 0\n"
    assert probe(tmp_path, mounts) == [Path("/media/u/MAT")]


def test_a_stick_mounted_twice_is_listed_once_and_the_system_on_a_stick_is_not(tmp_path):
    fs = FakeSys(tmp_path / "sys")
    fs.disk(USB_STICK, "sdb", "sdb1", "sdb2", removable="1")  # a computer started from a stick
    mounts = ("/dev/sdb2 / ext4 rw 0 0\n/dev/sdb1 /media/u/KINGSTON vfat rw 0 0\n"
              "/dev/sdb1 /mnt/ban-sao vfat rw 0 0\n")
    assert probe(tmp_path, mounts) == [Path("/media/u/KINGSTON")]


def test_without_sysfs_nothing_is_listed(tmp_path):
    assert drives._linux_drives(tmp_path / "khong-co", "/dev/sdb1 /mnt/usb vfat rw 0 0\n") == []


# ---------------------------------------------------------------------------
# Windows
# ---------------------------------------------------------------------------
BUS_SATA, BUS_NVME = 11, 17
REMOVABLE, FIXED, CDROM = 2, 3, 5


class FakeKernel32:
    """The kernel32 functions the probe calls, with the same arguments. A drive is
    ``(type, bus, medium)`` with medium ``(label, free, total)`` or None (an empty slot).
    Touching an empty drive without SEM_FAILCRITICALERRORS is what makes Windows show
    its "There is no disk in the drive" dialog: it is recorded in ``dialogs``."""

    INVALID = ctypes.c_void_p(-1).value

    def __init__(self, disks: dict, mode: int = 0x8000):
        self.disks, self.mode, self.start_mode = disks, mode, mode
        self.calls: list[tuple] = []
        self.dialogs: list[str] = []
        self.open: dict[int, str] = {}
        self.fail_on: str | None = None

    def _touch(self, fn: str, letter: str) -> None:
        self.calls.append((fn, letter))
        if fn == self.fail_on:
            raise OSError(f"{fn} failed")
        if self.disks[letter][2] is None and not self.mode & drives.SEM_FAILCRITICALERRORS:
            self.dialogs.append(letter)

    def SetErrorMode(self, mode):  # noqa: N802 - the Windows names
        self.calls.append(("SetErrorMode", mode))
        old, self.mode = self.mode, mode
        return old

    def GetLogicalDrives(self):  # noqa: N802
        self.calls.append(("GetLogicalDrives",))
        return sum(1 << (ord(x) - ord("A")) for x in self.disks)

    def GetDriveTypeW(self, root):  # noqa: N802
        self._touch("GetDriveTypeW", root[0])
        return self.disks[root[0]][0]

    def GetVolumeInformationW(self, root, label, size, serial, maxlen, flags, fsname, fssize):  # noqa: N802
        self._touch("GetVolumeInformationW", root[0])
        medium = self.disks[root[0]][2]
        if medium is None:
            return 0
        label.value = medium[0][: size - 1]
        return 1

    def GetDiskFreeSpaceExW(self, root, free, total, total_free):  # noqa: N802
        self._touch("GetDiskFreeSpaceExW", root[0])
        medium = self.disks[root[0]][2]
        if medium is None:
            return 0
        free.contents.value, total.contents.value = medium[1], medium[2]
        return 1

    def CreateFileW(self, name, access, share, security, disposition, flags, template):  # noqa: N802
        assert name.startswith("\\\\.\\") and name.endswith(":") and access == 0  # no rights: no admin needed
        letter = name[4]
        self._touch("CreateFileW", letter)
        if self.disks[letter][1] is None:
            return self.INVALID
        handle = 100 + len(self.calls)
        self.open[handle] = letter
        return handle

    def DeviceIoControl(self, handle, code, inbuf, insize, outbuf, outsize, returned, overlapped):  # noqa: N802
        letter = self.open[handle]
        self._touch("DeviceIoControl", letter)
        query = inbuf.contents
        if code != drives.IOCTL_STORAGE_QUERY_PROPERTY or (query.PropertyId, query.QueryType) != (0, 0):
            return 0
        desc = outbuf.contents
        desc.Size, desc.BusType = 180, self.disks[letter][1]
        returned.contents.value = min(outsize, 180)
        return 1

    def CloseHandle(self, handle):  # noqa: N802
        self.calls.append(("CloseHandle", self.open.pop(handle)))
        return 1


OFFICE_PC = {
    "A": (REMOVABLE, None, None),  # an old floppy drive, empty
    "C": (FIXED, BUS_SATA, ("Windows", 50 * GB, 256 * GB)),
    "D": (FIXED, BUS_NVME, ("Data", 400 * GB, 512 * GB)),
    "E": (REMOVABLE, drives.BUS_TYPE_USB, ("KINGSTON", 3_200_000_000, 32 * GB)),
    "F": (REMOVABLE, drives.BUS_TYPE_USB, None),  # card reader slots, empty
    "G": (REMOVABLE, drives.BUS_TYPE_USB, ("", 0, 0)),  # a slot that answers with no size
    "H": (FIXED, drives.BUS_TYPE_USB, ("", 900 * GB, 1000 * GB)),  # a USB hard disk that says "fixed"
    "K": (CDROM, None, None),
}


def letters(found) -> list[str]:
    return [str(d.path) for d in found]


def test_windows_lists_removable_and_usb_fixed_drives_with_a_medium(monkeypatch):
    k32 = FakeKernel32(OFFICE_PC)
    found = drives._windows_drives(k32)
    assert letters(found) == ["E:\\", "H:\\"]
    assert [d.describe() for d in found] == ["E:\\  KINGSTON  (còn trống 3,2 GB / 32,0 GB)",
                                             "H:\\  USB  (còn trống 900,0 GB / 1.000,0 GB)"]
    assert not k32.open  # every handle closed


def test_windows_probes_only_with_critical_error_dialogs_off_and_restores_the_mode():
    k32 = FakeKernel32(OFFICE_PC, mode=0x8000)
    drives._windows_drives(k32)
    assert k32.calls[0] == ("SetErrorMode", drives.SEM_FAILCRITICALERRORS)
    assert k32.calls[1] == ("SetErrorMode", 0x8000 | drives.SEM_FAILCRITICALERRORS)  # the other flags kept
    assert k32.calls[-1] == ("SetErrorMode", 0x8000) and k32.mode == 0x8000
    assert k32.dialogs == []  # the empty floppy and card slots were touched without a dialog
    touched = {c[1] for c in k32.calls if c[0] in ("GetVolumeInformationW", "GetDiskFreeSpaceExW")}
    assert {"A", "F"} <= touched


def test_windows_error_mode_is_restored_when_a_probe_fails():
    k32 = FakeKernel32(OFFICE_PC, mode=0)
    k32.fail_on = "GetVolumeInformationW"
    with pytest.raises(OSError):
        drives._windows_drives(k32)
    assert k32.calls[-1] == ("SetErrorMode", 0) and k32.mode == 0


def test_windows_fixed_drive_whose_bus_cannot_be_read_is_not_listed():
    k32 = FakeKernel32({"C": (FIXED, None, ("Windows", GB, 2 * GB)), "E": (REMOVABLE, None, ("THE", GB, 2 * GB))})
    assert letters(drives._windows_drives(k32)) == ["E:\\"]


def test_windows_structures_have_the_winioctl_layout():
    # STORAGE_PROPERTY_QUERY is 12 bytes; BusType sits after 2 DWORDs, 4 BYTEs and 4 DWORD offsets
    assert ctypes.sizeof(drives.StoragePropertyQuery) == 12
    assert drives.StorageDeviceDescriptor.BusType.offset == 28
    assert drives.StorageDeviceDescriptor.RawPropertiesLength.offset == 32


def test_list_drives_on_windows_uses_the_probe_and_keeps_usb_roots(tmp_path, monkeypatch):
    k32 = FakeKernel32(OFFICE_PC)
    monkeypatch.setattr(drives.sys, "platform", "win32")
    monkeypatch.setattr(drives, "_kernel32", lambda: k32)
    monkeypatch.setattr(drives.shutil, "disk_usage", lambda p: pytest.fail(f"size read outside the probe: {p}"))
    monkeypatch.delenv("CNSCD_USB_ROOTS", raising=False)
    found = usb.list_drives()  # as the callers import it
    assert letters(found) == ["E:\\", "H:\\"] and isinstance(found[0], usb.Drive)
    assert found[0].total == 32 * GB and k32.dialogs == []


def test_list_drives_lists_each_usb_root_folder_once_and_skips_missing_ones(monkeypatch, tmp_path):
    stick = tmp_path / "USB_XA"
    stick.mkdir()
    monkeypatch.setattr(drives.sys, "platform", "linux")
    monkeypatch.setenv("CNSCD_USB_ROOTS", os.pathsep.join([str(stick), str(stick), str(tmp_path / "khong-co")]))
    found = usb.list_drives()
    assert found[0].path == stick and found[0].total > 0
    assert [d.path for d in found].count(stick) == 1
