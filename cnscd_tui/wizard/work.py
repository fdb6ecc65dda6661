"""The import wizard's reading and writing, run in worker threads. Each takes everything it
needs as arguments (never a widget) and returns the message the screen answers to; the
same ``exports.importer`` code as ``cnscd import``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from models import text

from ..i18n import tr
from .common import ImportDone, PreviewReady, ReportWritten, row_detail

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


def apply_edits(preview, edits: dict[tuple[int, str], str]) -> int:
    """The clerk's fixes (sheet row, field) → text put into the rows read from the file (the file
    itself is not changed); returns how many cells changed."""
    n = 0
    for rec in preview._records:
        for (row, field), value in edits.items():
            if row == rec.row and rec.values.get(field) != value:
                rec.values[field] = value
                rec.cache = None  # checked again
                n += 1
    return n


def replan(reg, preview, edits: dict[tuple[int, str], str], *, progress: Progress | None = None,
           cancelled: Cancelled | None = None) -> PreviewReady:
    """Check the rows again after the clerk's fixes and choices (the file is not read again)."""
    from exports import importer
    from exports.roster_plan import plan
    from models.errors import InputError, StoreError

    apply_edits(preview, edits)
    try:
        with reg.read():
            plan(preview, progress=progress, cancelled=cancelled)
    except importer.ImportCancelled:
        return PreviewReady(error=tr("Đã dừng kiểm tra; sổ không thay đổi."))
    except (InputError, StoreError) as exc:
        return PreviewReady(error=exc.message)
    return PreviewReady(preview=preview)


def read_roster(reg, path: Path, options, password: str | None, *, progress: Progress, read_progress: Progress,
                cancelled: Cancelled, edits: dict | None = None) -> PreviewReady:
    from exports import importer
    from models.errors import InputError, StoreError

    try:
        pv = importer.read_roster(reg, path, options, progress=progress, read_progress=read_progress,
                                  cancelled=cancelled, password=password)
        if edits and apply_edits(pv, edits):  # the clerk's fixes stay when the file is read again
            from exports.roster_plan import plan

            with reg.read():
                plan(pv, progress=progress, cancelled=cancelled)
    except importer.ImportCancelled:
        return PreviewReady(error=tr("Đã dừng đọc tệp; sổ không thay đổi."))
    except (importer.FilePasswordRequired, importer.FilePasswordWrong) as exc:
        return PreviewReady(error=exc.message, password_needed=True)
    except (InputError, StoreError) as exc:
        return PreviewReady(error=exc.message)
    return PreviewReady(preview=pv)


def read_table(path: Path, password: str | None, *, progress: Progress, cancelled: Cancelled) -> PreviewReady:
    from exports import importer
    from models.errors import InputError

    try:
        tab = importer.read_phu_luc_1(path, password=password, progress=progress, cancelled=cancelled)
    except importer.ImportCancelled:
        return PreviewReady(error=tr("Đã dừng đọc tệp; sổ không thay đổi."))
    except (importer.FilePasswordRequired, importer.FilePasswordWrong) as exc:
        return PreviewReady(error=exc.message, password_needed=True)
    except InputError as exc:
        return PreviewReady(error=exc.message)
    return PreviewReady(table=tab)


def apply_roster(reg, preview, *, progress: Progress, cancelled: Cancelled) -> ImportDone:
    from exports import importer
    from models.errors import InputError, StoreError

    try:
        res = importer.apply_roster(reg, preview, progress=progress, cancelled=cancelled)
    except importer.ImportCancelled:
        return ImportDone(cancelled=True)
    except (InputError, StoreError) as exc:
        return ImportDone(error=exc.message)
    return ImportDone(result=res)


def import_table(reg, path: Path, source: str, flagged: bool, password: str | None) -> ImportDone:
    from exports import importer
    from models.errors import InputError, StoreError

    try:
        tab = importer.import_phu_luc_1(reg, path, source=source, accept_flagged=flagged, password=password)
    except (InputError, StoreError) as exc:
        return ImportDone(error=exc.message)
    return ImportDone(table=tab)


def result_report(reg, preview, result):
    """The preview's rows (and what the import did) as a spreadsheet for the clerk to keep."""
    from exports.layout import Column, Report, letterhead

    pv = preview
    c = pv.counts
    notes = [f"Tệp: {Path(pv.path).name}, trang «{pv.sheet}».",
             f"Thêm mới {c['new']}, cập nhật {c['update']}, không đổi {c['unchanged']}, lỗi {c['error']}."]
    if result is not None:
        notes.append(f"Đã nhập vào sổ ngày {text.format_date(dt.date.today())}: {result.summary}")
    else:
        notes.append("Bản xem trước: chưa nhập vào sổ.")
    return Report(key="nhap-danh-sach", title="KẾT QUẢ NHẬP DANH SÁCH THÀNH VIÊN TỔ CNSCĐ",
                  columns=[Column("Dòng trong tệp", "int", 8), Column("Kết quả", "text", 12),
                           Column("Họ và tên", "text", 26), Column("Thôn/TDP", "text", 18),
                           Column("Chi tiết", "text", 60)],
                  rows=[[r.row, r.status_label, r.name, r.village, row_detail(r)] for r in pv.rows],
                  notes=notes, sheet_name="Kết quả nhập", personal_data=True, letterhead=letterhead(reg))


def write_report(reg, preview, result, password: str | None, dest: Path) -> ReportWritten:
    """Write ``result_report`` into ``dest`` (the documents folder), the careful way."""
    from exports.handoff import hand_off
    from exports.usb import UsbError
    from models.errors import InputError, StoreError

    stem = f"NhapDanhSach_{text.ascii_slug(Path(preview.path).stem)[:30]}_{dt.date.today():%Y%m%d}"
    try:
        dest.mkdir(parents=True, exist_ok=True)
        res = hand_off(reg, result_report(reg, preview, result), label="Kết quả nhập danh sách", dest_dir=dest,
                       stem=stem, fmt="xlsx", password=password)
    except (InputError, StoreError, UsbError) as exc:
        return ReportWritten(tr("Chưa ghi được báo cáo: {error}").format(error=exc.message), True)
    except OSError as exc:
        return ReportWritten(tr("Chưa ghi được báo cáo vào {dest}: {error}").format(
            dest=dest, error=exc.strerror or exc), True)
    path = res.files[0].path
    return ReportWritten(tr("Đã ghi bảng kết quả: {path}").format(path=path)
                         + (tr(" (có mật khẩu)") if password else tr(" — có dữ liệu cá nhân, giữ cẩn thận")))
