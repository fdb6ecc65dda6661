"""Applying a roster preview to the registry through the bulk import service.

    result = apply_roster(reg, preview)   # one transaction: all rows or none

The rows are planned again under the write lock (the registry may have changed
since the preview); any error row, or a cancellation, raises and writes nothing.
The writes themselves are :func:`models.bulk.import_people` (people, their
villages, teams, memberships and audit rows) and :func:`models.bulk.save_document`
(the column mapping, remembered for the next file of the same shape).
Re-importing the same file changes nothing; a corrected file updates in place;
nothing is ever deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from models import bulk, services
from models.errors import FieldError

from .roster_plan import Action, ImportOptions, Preview, RegistryIndex, plan
from .roster_read import read_roster
from .sheets import ImportCancelled, ImportRejected

__all__ = ["ImportResult", "apply_roster", "import_roster"]


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    villages_created: list[str]
    teams_created: list[str]
    summary: str


def apply_roster(reg, preview: Preview, *, progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> ImportResult:
    """Import the previewed rows in one transaction (re-checked against the registry first).

    Any error row, or a cancellation, raises and writes nothing.
    """
    if preview.blocking:
        raise ImportRejected(preview.blocking[0])
    options = preview.options
    with reg.write():
        idx = RegistryIndex(options.commune)
        actions = plan(preview, progress=None, cancelled=cancelled, idx=idx)
        _reject_errors(preview)
        if cancelled is not None and cancelled():
            raise ImportCancelled()
        people, villages = _bulk_rows(actions)
        res = bulk.import_people(reg, people, villages=villages,
                                 commune_id=idx.commune.id if idx.commune is not None else None,
                                 new_commune=idx.commune_new, start_date=options.start_date,
                                 progress=_watching(progress, cancelled))
        unchanged = res.unchanged + sum(1 for a in actions if a.status == "unchanged")
        if options.remember_mapping:
            _remember_mapping(reg, preview)
        name = Path(preview.path).name
        summary = (f"Nhập danh sách từ «{name}» (trang «{preview.sheet}»): thêm {res.created}, "
                   f"cập nhật {res.updated}, không đổi {unchanged}"
                   + (f"; tạo thôn/TDP: {', '.join(res.villages_created)}" if res.villages_created else "")
                   + (f"; lập tổ: {', '.join(res.teams_created)}" if res.teams_created else ""))
        services.log_event(reg, "nhap", "registry", summary[:300])
    return ImportResult(res.created, res.updated, unchanged, list(res.villages_created), list(res.teams_created),
                        summary)


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
