"""Applying a roster preview to the registry through the bulk import service.

    result = apply_roster(reg, preview)   # one transaction: all rows or none

The rows are planned again under the write lock (the registry may have changed
since the preview); any error row, or a cancellation, raises and writes nothing.
The writes themselves are :func:`models.bulk.import_people` (people, their
villages, teams, memberships and audit rows) and :func:`models.bulk.save_document`
(the column mapping, remembered for the next file of the same shape).
Re-importing the same file changes nothing; a corrected file updates in place;
nothing is ever deleted.

With ``ImportOptions.skip_errors`` (the clerk's explicit choice: ``--skip-errors``, a
button in the wizard) the valid rows are imported in one transaction and the rows left
out are written, with their reasons, to a file the clerk can fix and import again
(:func:`write_skipped_rows`; «<tệp>_chua-nhap.xlsx» next to the source by default).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from models import bulk, services
from models.errors import FieldError

from .headers import FIELDS
from .roster_plan import Action, ImportOptions, Preview, RegistryIndex, plan
from .roster_read import read_roster
from .sheets import ImportCancelled, ImportRejected

__all__ = ["ImportResult", "apply_roster", "import_roster", "write_skipped_rows", "skipped_rows_path"]


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    villages_created: list[str]
    teams_created: list[str]
    summary: str
    skipped: int = 0  # rows left out (``ImportOptions.skip_errors``)
    skipped_file: str = ""  # where they were written, with their reasons


def apply_roster(reg, preview: Preview, *, progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> ImportResult:
    """Import the previewed rows in one transaction (re-checked against the registry first).

    Any error row, or a cancellation, raises and writes nothing — unless ``preview.options.skip_errors``:
    then the valid rows are imported and the error rows written to a file (``ImportResult.skipped_file``)
    before anything is committed; if that file cannot be written, nothing is imported.
    """
    if preview.blocking:
        raise ImportRejected(preview.blocking[0])
    options = preview.options
    skipped_file: Path | None = None
    try:
        with reg.write():
            idx = RegistryIndex(options.commune)
            actions = plan(preview, progress=None, cancelled=cancelled, idx=idx)
            skipped = [a for a in actions if a.status == "error"]
            if not options.skip_errors:
                _reject_errors(preview)
            if cancelled is not None and cancelled():
                raise ImportCancelled()
            if skipped:
                skipped_file = write_skipped_rows(preview, options.skipped_path or None)
            people, villages = _bulk_rows([a for a in actions if a.status != "error"])
            res = bulk.import_people(reg, people, villages=villages,
                                     commune_id=idx.commune.id if idx.commune is not None else None,
                                     new_commune=idx.commune_new, start_date=options.start_date,
                                     progress=_watching(progress, cancelled))
            unchanged = res.unchanged + sum(1 for a in actions if a.status == "unchanged")
            if options.remember_mapping:
                _remember_mapping(reg, preview)
            summary = _summary(preview, res, unchanged, len(skipped), skipped_file)
            services.log_event(reg, "nhap", "registry", summary[:300])
    except BaseException:
        if skipped_file is not None:  # nothing was imported: the list of rows left out would mislead
            with contextlib.suppress(OSError):
                skipped_file.unlink()
        raise
    return ImportResult(res.created, res.updated, unchanged, list(res.villages_created), list(res.teams_created),
                        summary, len(skipped), str(skipped_file or ""))


def _summary(preview: Preview, res, unchanged: int, skipped: int, skipped_file: Path | None) -> str:
    name = Path(preview.path).name
    return (f"Nhập danh sách từ «{name}» (trang «{preview.sheet}»): thêm {res.created}, "
            f"cập nhật {res.updated}, không đổi {unchanged}"
            + (f"; bỏ qua {skipped} dòng có lỗi (ghi ở «{skipped_file.name}»)" if skipped and skipped_file else "")
            + (f"; tạo thôn/TDP: {', '.join(res.villages_created)}" if res.villages_created else "")
            + (f"; lập tổ: {', '.join(res.teams_created)}" if res.teams_created else ""))


def import_roster(reg, path, options: ImportOptions | None = None, **kw) -> ImportResult:
    """Preview and apply in one call (tests, scripts)."""
    return apply_roster(reg, read_roster(reg, path, options), **kw)


def _reject_errors(preview: Preview) -> None:
    errors = preview.errors
    if not errors:
        return
    n = len({e.row for e in errors})
    raise ImportRejected([FieldError(e.field, f"Dòng {e.row}: {e.message}") for e in errors[:50]]
                         + ([FieldError("", f"… và các lỗi khác; tổng cộng {n} dòng có lỗi.")]
                            if len(errors) > 50 else [])
                         + [FieldError("", "Chưa nhập gì vào sổ; hãy sửa tệp rồi nhập lại.")])


def _bulk_rows(actions: list[Action]) -> tuple[list[bulk.BulkPerson], list[bulk.NewVillage]]:
    """The rows that add or change something, and the villages they need, as the bulk service takes them."""
    people: list[bulk.BulkPerson] = []
    villages: dict[str, bulk.NewVillage] = {}
    for a in actions:
        if a.status == "unchanged" or a.checked is None:
            continue
        village = a.village_id
        if isinstance(village, tuple):  # ("new", folded name): created by the import
            village = village[1]
            villages.setdefault(village, bulk.NewVillage(village, a.village_label))
        c = a.checked
        people.append(bulk.BulkPerson(
            c.family_name, c.given_name, c.gender, c.birth_date, c.birth_year, c.phone, c.cccd, c.cccd_legacy,
            c.notes, village=village, role=a.role, category=a.category, other_positions=a.other,
            person_id=a.person_id))
    return people, list(villages.values())


def _watching(progress: Callable[[int, int], None] | None,
              cancelled: Callable[[], bool] | None) -> Callable[[int, int], None] | None:
    """The progress callback handed to the bulk service; it also stops the import when cancelled."""
    if progress is None and cancelled is None:
        return None

    def tick(done: int, total: int) -> None:
        if progress is not None:
            progress(done, total)
        if cancelled is not None and done < total and cancelled():
            raise ImportCancelled()

    return tick


def _remember_mapping(reg, preview: Preview) -> None:
    cols = {str(ci.index): ci.field for ci in preview.columns if ci.field}
    bulk.save_document(reg, f"import_mapping:{preview.shape}", {
        "columns": cols, "headers": {str(ci.index): ci.header for ci in preview.columns},
        "file": Path(preview.path).name, "saved": dt.date.today().isoformat()})


# ---------------------------------------------------------------------------
# The rows left out, for the clerk to fix and import again
# ---------------------------------------------------------------------------
SKIPPED_SUFFIX = "_chua-nhap"
_REASON = "Lý do chưa nhập"
_SOURCE_ROW = "Dòng trong tệp gốc"


def skipped_rows_path(preview: Preview) -> Path:
    """Where the rows left out go by default: «<tệp>_chua-nhap.xlsx» next to the source."""
    src = Path(preview.path)
    return src.with_name(f"{src.stem}{SKIPPED_SUFFIX}.xlsx")


def write_skipped_rows(preview: Preview, path: str | Path | None = None) -> Path | None:
    """Write the preview's error rows — their values as read, their sheet row and the reasons — to
    ``path`` (.xlsx, or .csv; default :func:`skipped_rows_path`): built in memory, then written
    atomically, the file created 0600. The headers are the importer's own field names, so the
    fixed file imports again as it is. None when no row has an error."""
    rows = [(rec, pr) for rec, pr in zip(preview._records, preview.rows, strict=True) if pr.status == "error"]
    if not rows:
        return None
    target = Path(path) if path else skipped_rows_path(preview)
    fields = [ci.field for ci in preview.columns if ci.field and ci.field not in ("ignore",)]
    fields = list(dict.fromkeys(fields + [f for rec, _ in rows for f in rec.values if f not in fields]))
    head = [FIELDS.get(f, f) for f in fields] + [_SOURCE_ROW, _REASON]
    body = [[rec.values.get(f) for f in fields] + [rec.row, _reasons(pr)] for rec, pr in rows]
    from . import usb

    if target.suffix.lower() == ".csv":
        return usb.atomic_write_bytes(target, _csv_bytes(head, body))
    return usb.save_workbook(_workbook(head, body, fields), target)


def _reasons(pr) -> str:
    return " ".join(dict.fromkeys(e.message for e in pr.errors))


def _workbook(head: list[str], body: list[list], fields: list[str]):
    import datetime as _dt

    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from .cells import set_cell_value

    wb = Workbook()
    ws = wb.active
    ws.title = "Chưa nhập"
    as_text = {i for i, f in enumerate(fields) if f in ("phone", "cccd")}
    for r, row in enumerate([head] + body, 1):
        for c, v in enumerate(row):
            if r > 1 and c in as_text and v is not None and not isinstance(v, str):
                v = str(int(v)) if isinstance(v, float) and v == int(v) else str(v)
            cell = ws.cell(row=r, column=c + 1)
            set_cell_value(cell, v)
            if isinstance(v, (_dt.date, _dt.datetime)):
                cell.number_format = "dd/mm/yyyy"
            elif c in as_text:
                cell.number_format = "@"
    for c, h in enumerate(head, 1):
        ws.column_dimensions[get_column_letter(c)].width = 60 if h == _REASON else max(10, min(40, len(h) + 4))
    ws.freeze_panes = "A2"
    return wb


def _csv_bytes(head: list[str], body: list[list]) -> bytes:
    import csv
    import io

    from .cells import csv_text

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([csv_text(h) for h in head])
    for row in body:
        w.writerow(["" if v is None else csv_text(v) if isinstance(v, str) else v for v in row])
    return buf.getvalue().encode("utf-8-sig")
