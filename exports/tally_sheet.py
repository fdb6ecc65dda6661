"""The round trip with team leaders: one blank monthly tally sheet per team, and reading them back.

    paths = write_tally_sheets(reg, "2026-11", folder)      # cnscd export phieu-hoat-dong --period 2026-11
    found = read_tally_sheets(reg, paths)                    # cnscd import hoat-dong FILE…  (a preview)
    apply_tally_import(reg, found)                           # saved: each team's month, replaced if there

A sheet (XLSX) has the team's name, its members and the services pre-printed; every cell is
locked (sheet protection, no password) except the yellow ones to fill: people, households,
elderly/vulnerable and business households per service, sessions per kind of activity, an
«x» for each member who took part, and the residents' needs. Names are written as text,
never as formulas. A very hidden sheet «CNSCD» (and defined names) carry what identifies the
sheet: the registry (a short tag of its file id), the commune, the team's id and name, the
month; a hidden column says what each row is. The leader may fill it in Excel or LibreOffice
(saved as .xlsx), or on paper for the clerk to type into the month grid.

Reading is idempotent: a sheet is the team's tally for the month, so importing it twice
replaces, never adds. A sheet of another commune or registry, of a team that does not exist
(or has another name here), or of a month outside the period asked for is refused with a
message that says which; a bad cell is named («Ô D10 (Nộp hồ sơ trực tuyến — số hộ được hỗ
trợ) «-3»: …»). openpyxl is imported inside the functions that need it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models import activities as act
from models import text
from models.errors import InputError, SaveFailed
from models.lock import describe_os_error

from .layout import Period, unit_name
from .writers import set_cell_value

KIND = "phieu-hoat-dong"
VERSION = 1
META_SHEET = "CNSCD"
MAIN_SHEET = "Phiếu hoạt động"
CODE_COL = 8  # H: what each row is (hidden)
FILL = "FFF2CC"
COUNT_COLS = ("people", "households", "priority", "businesses")  # C, D, E, F


def registry_tag(reg) -> str:
    """A short tag of the registry's file id (not the id itself)."""
    fid = getattr(reg.store, "file_id", "") or ""
    return hashlib.sha256(fid.encode("utf-8")).hexdigest()[:12]


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _SheetData:
    unit: str
    tag: str
    team_id: int
    team_name: str
    place: str
    month: str
    households: int | None
    services: list[tuple[str, str]]
    members: list[tuple[int, str, str]]  # person id, name, role
    leader: str


def _sheet_data(reg, team_id: int, month: str, grid: act.MonthGrid | None = None) -> _SheetData:
    from models import services

    detail = services.team_detail(reg, team_id)
    start, end = act.month_range(month)
    members = [m for m in detail.members + detail.former_members
               if (m.start_date is None or m.start_date <= end) and (m.end_date is None or m.end_date >= start)]
    settings = act.get_activity_settings(reg)
    grid = grid or act.month_grid(reg, month)
    grid_row = next((r for r in grid.rows if r.team_id == team_id), None)
    leader = next((m.full_name for m in members if m.role == "to_truong" and m.end_date is None), "")
    return _SheetData(unit_name(reg), registry_tag(reg), team_id, detail.team.name,
                      grid_row.unit_name if grid_row else detail.team.unit_name, month,
                      grid_row.households_cap if grid_row else None,
                      [(s, act.service_label(s, settings.app_name)) for s in act.SERVICE_ORDER],
                      [(m.person_id, m.full_name, m.role_label) for m in members], leader)


class _Book:
    """openpyxl styles built once per workbook."""

    def __init__(self):
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

        self.wb = Workbook()
        thin = Side(style="thin")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.fill = PatternFill("solid", fgColor=FILL)
        self.open = Protection(locked=False)
        self.Font, self.Alignment = Font, Alignment

    def font(self, **kw):
        return self.Font(name="Times New Roman", size=kw.pop("size", 12), **kw)

    def put(self, ws, ref: str, value: Any, *, bold=False, italic=False, size=12, h="left", wrap=True,
            border=False, fill=False) -> None:
        c = ws[ref]
        set_cell_value(c, value)
        c.font = self.font(bold=bold, italic=italic, size=size)
        c.alignment = self.Alignment(horizontal=h, vertical="center", wrap_text=wrap)
        if border:
            c.border = self.border
        if fill:
            c.fill = self.fill
            c.protection = self.open


def _header(b: _Book, ws, d: _SheetData) -> int:
    ws.merge_cells("A1:F1")
    b.put(ws, "A1", d.unit.upper(), bold=True, h="center")
    ws.merge_cells("A2:F2")
    b.put(ws, "A2", f"PHIẾU TỔNG HỢP KẾT QUẢ HOẠT ĐỘNG THÁNG {d.month[5:7]}/{d.month[:4]}", bold=True, size=13,
          h="center")
    ws.row_dimensions[2].height = 24
    ws.merge_cells("A3:F3")
    b.put(ws, "A3", f"{d.team_name} — {d.place}", bold=True, h="center")
    ws.merge_cells("A4:F4")
    hh = (f"Số hộ của {d.place}: {text.format_int(d.households)} hộ" if d.households is not None
          else f"{d.place}: chưa có số hộ trong sổ")
    b.put(ws, "A4", hh, italic=True, h="center")
    ws.merge_cells("A5:F5")
    b.put(ws, "A5", "Chỉ ghi vào các ô nền vàng, ghi số lượng; không ghi họ tên, số điện thoại hay số giấy tờ "
          "của người dân. Ô để trống được hiểu là 0. Số hộ của một dịch vụ không vượt quá số hộ của thôn.",
          italic=True, size=11)
    ws.row_dimensions[5].height = 32
    return 7


def _table_head(b: _Book, ws, row: int, titles: list[str]) -> None:
    for i, t in enumerate(titles):
        b.put(ws, f"{'ABCDEF'[i]}{row}", t, bold=True, size=11, h="center", border=True)
    ws.row_dimensions[row].height = 45


def _services_block(b: _Book, ws, row: int, d: _SheetData) -> int:
    from openpyxl.worksheet.datavalidation import DataValidation

    b.put(ws, f"A{row}", "I. KẾT QUẢ HỖ TRỢ THEO DỊCH VỤ, NỀN TẢNG SỐ", bold=True)
    row += 1
    _table_head(b, ws, row, ["Stt", "Dịch vụ, nền tảng đã hướng dẫn, hỗ trợ", "Số người được hỗ trợ",
                             "Số hộ được hỗ trợ", "Trong đó: người cao tuổi, người yếu thế",
                             "Trong đó: hộ kinh doanh"])
    dv = DataValidation(type="whole", operator="between", formula1="0", formula2=str(act.MAX_COUNT),
                        allow_blank=True, showErrorMessage=True, errorTitle="Chỉ ghi số",
                        error="Ghi một số nguyên không âm (ví dụ 12).")
    ws.add_data_validation(dv)
    for i, (code, label) in enumerate(d.services, 1):
        row += 1
        b.put(ws, f"A{row}", i, h="center", border=True)
        b.put(ws, f"B{row}", label, border=True)
        for col in "CDEF":
            b.put(ws, f"{col}{row}", None, h="right", border=True, fill=True)
            dv.add(f"{col}{row}")
        ws.cell(row, CODE_COL).value = f"svc:{code}"
    return row + 2


def _kinds_block(b: _Book, ws, row: int) -> int:
    from openpyxl.worksheet.datavalidation import DataValidation

    b.put(ws, f"A{row}", "II. HÌNH THỨC HOẠT ĐỘNG TRONG THÁNG", bold=True)
    row += 1
    _table_head(b, ws, row, ["Stt", "Hình thức", "Số buổi, lượt"])
    ws.row_dimensions[row].height = 20
    dv = DataValidation(type="whole", operator="between", formula1="0", formula2="10000", allow_blank=True,
                        showErrorMessage=True, errorTitle="Chỉ ghi số", error="Ghi số buổi (ví dụ 4).")
    ws.add_data_validation(dv)
    for i, (code, (label, _)) in enumerate(act.KINDS.items(), 1):
        row += 1
        b.put(ws, f"A{row}", i, h="center", border=True)
        b.put(ws, f"B{row}", label, border=True)
        b.put(ws, f"C{row}", None, h="right", border=True, fill=True)
        dv.add(f"C{row}")
        ws.cell(row, CODE_COL).value = f"kind:{code}"
    return row + 2


def _members_block(b: _Book, ws, row: int, d: _SheetData) -> int:
    from openpyxl.worksheet.datavalidation import DataValidation

    b.put(ws, f"A{row}", "III. THÀNH VIÊN THAM GIA (ghi «x» vào cột cuối)", bold=True)
    row += 1
    _table_head(b, ws, row, ["Stt", "Họ và tên", "Vai trò", "Tham gia"])
    ws.row_dimensions[row].height = 20
    dv = DataValidation(type="list", formula1='"x"', allow_blank=True, showErrorMessage=True,
                        errorTitle="Ghi x", error="Ghi «x» nếu thành viên có tham gia, để trống nếu không.")
    ws.add_data_validation(dv)
    for i, (pid, name, role) in enumerate(d.members, 1):
        row += 1
        b.put(ws, f"A{row}", i, h="center", border=True)
        b.put(ws, f"B{row}", name, border=True)
        b.put(ws, f"C{row}", role, border=True, h="center")
        b.put(ws, f"D{row}", None, h="center", border=True, fill=True)
        dv.add(f"D{row}")
        ws.cell(row, CODE_COL).value = f"member:{pid}"
    return row + 2


def _needs_block(b: _Book, ws, row: int, d: _SheetData) -> int:
    b.put(ws, f"A{row}", "IV. NHU CẦU, KHÓ KHĂN, KIẾN NGHỊ CỦA NGƯỜI DÂN", bold=True)
    row += 1
    ws.merge_cells(f"A{row}:F{row}")
    b.put(ws, f"A{row}", None, border=True, fill=True, h="left")
    ws[f"A{row}"].alignment = b.Alignment(horizontal="left", vertical="top", wrap_text=True)
    ws.row_dimensions[row].height = 96
    ws.cell(row, CODE_COL).value = "needs"
    row += 2
    ws.merge_cells(f"D{row}:F{row}")
    b.put(ws, f"D{row}", "TỔ TRƯỞNG", bold=True, h="center")
    ws.merge_cells(f"D{row + 1}:F{row + 1}")
    b.put(ws, f"D{row + 1}", "(ký, ghi rõ họ tên)", italic=True, h="center")
    ws.merge_cells(f"D{row + 5}:F{row + 5}")
    b.put(ws, f"D{row + 5}", d.leader or None, bold=True, h="center")
    return row + 5


def _meta(b: _Book, d: _SheetData) -> None:
    from openpyxl.workbook.defined_name import DefinedName

    ws = b.wb.create_sheet(META_SHEET)
    rows = [("loai", KIND), ("phien_ban", VERSION), ("so", d.tag), ("don_vi", d.unit), ("to", d.team_id),
            ("ten_to", d.team_name), ("thang", d.month)]
    set_cell_value(ws["A1"], "Thông tin nhận diện phiếu — không sửa trang này")
    for i, (k, v) in enumerate(rows, 2):
        set_cell_value(ws.cell(i, 1), k)
        set_cell_value(ws.cell(i, 2), v)
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True
    for k, v in (("CNSCD_LOAI", KIND), ("CNSCD_SO", d.tag), ("CNSCD_TO", str(d.team_id)), ("CNSCD_THANG", d.month)):
        b.wb.defined_names[k] = DefinedName(k, attr_text='"' + v.replace('"', "") + '"')


def tally_sheet_bytes(reg, team_id: int, month: Any, *, grid: act.MonthGrid | None = None) -> tuple[str, bytes]:
    """One team's blank sheet for ``month``: (file name, XLSX bytes), built in memory. ``grid``: the
    month's :func:`~models.activities.month_grid`, when the caller has it (several sheets)."""
    from openpyxl.workbook.protection import WorkbookProtection

    m = act.parse_month(month)
    d = _sheet_data(reg, team_id, m, grid)
    b = _Book()
    ws = b.wb.active
    ws.title = MAIN_SHEET
    for col, w in zip("ABCDEFGH", (6, 44, 14, 14, 16, 14, 2, 12), strict=True):
        ws.column_dimensions[col].width = w
    row = _header(b, ws, d)
    row = _services_block(b, ws, row, d)
    row = _kinds_block(b, ws, row)
    row = _members_block(b, ws, row, d)
    last = _needs_block(b, ws, row, d)
    ws.column_dimensions["H"].hidden = True
    ws.protection.sheet = True
    ws.page_setup.paperSize = 9
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:F{last}"
    _meta(b, d)
    b.wb.security = WorkbookProtection(lockStructure=True)
    buf = io.BytesIO()
    b.wb.save(buf)
    name = f"PhieuHoatDong_T{m[5:7]}-{m[:4]}_{text.ascii_slug(d.team_name)}.xlsx"
    return name, buf.getvalue()


def write_tally_sheets(reg, month: Any, folder: str | os.PathLike, *, team_ids: list[int] | None = None) -> list[Path]:
    """One blank sheet per team (every active team, or ``team_ids``) into ``folder``; each file is
    written under a temporary name and renamed, never half-written; an unwritable folder is SaveFailed."""
    m = act.parse_month(month)
    grid = act.month_grid(reg, m)
    ids = team_ids or [r.team_id for r in grid.rows]
    folder = Path(folder)
    out = []
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for tid in ids:
            name, data = tally_sheet_bytes(reg, tid, m, grid=grid)
            path = folder / name
            tmp = folder / f".{name}.tmp"
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            tmp = None
            out.append(path)
    except OSError as exc:
        if tmp is not None:  # a half-written sheet (the team's names) is not left behind
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise SaveFailed(f"Không ghi được phiếu vào {folder} (lý do: {_write_reason(exc)}). Hãy chọn thư mục "
                         "khác (ví dụ thư mục Tài liệu) hoặc giải phóng chỗ trống trên ổ đĩa, rồi ghi lại.") from exc
    return out


def _write_reason(exc: OSError) -> str:
    """Why a sheet could not be written, in the clerk's words (never the system's English text)."""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1), errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO,
                     getattr(errno, "ENODEV", -1), getattr(errno, "ENXIO", -1), errno.EISDIR, errno.ENOTDIR,
                     errno.ELOOP):
        return describe_os_error(exc)
    if exc.errno == errno.EEXIST:
        return "ở đó đã có một tệp cùng tên với thư mục"
    if exc.errno == errno.ENAMETOOLONG:
        return "tên thư mục hoặc tên tệp quá dài"
    if exc.errno == errno.ENOENT:
        return "không tìm thấy thư mục (ổ USB bị rút ra?)"
    return f"lỗi hệ thống, mã lỗi {exc.errno or '?'}"


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SheetResult:
    """One file read back: what would be saved, or why not (nothing is written yet)."""

    path: str
    team_id: int | None
    team_name: str
    month: str
    tally: act.TallyInput | None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    replaces: bool = False  # the team already has a tally for that month (it will be replaced)
    people: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and self.tally is not None

    @property
    def file_name(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True)
class TallyImport:
    sheets: list[SheetResult]

    @property
    def ok(self) -> bool:
        """Nothing refused, and something to save."""
        return not any(s.errors for s in self.sheets) and bool(self.to_save)

    @property
    def to_save(self) -> list[SheetResult]:
        return [s for s in self.sheets if s.ok]

    @property
    def errors(self) -> list[str]:
        return [f"{s.file_name}: {e}" for s in self.sheets for e in s.errors]

    @property
    def warnings(self) -> list[str]:
        return [f"{s.file_name}: {w}" for s in self.sheets for w in s.warnings]


class _Refused(Exception):
    pass


def _load(path: Path):
    """The sheet read twice (values, formulas), once the shared guard has passed it (a file from a stranger:
    bombs, far cells, entity declarations refused before openpyxl sees it). :class:`_Refused`: why not."""
    from openpyxl import load_workbook

    from .sheets import package_refusal, read_error

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _Refused(read_error(exc)) from None
    why = package_refusal(data)
    if why:
        raise _Refused(why)
    try:
        values = load_workbook(io.BytesIO(data), data_only=True)
        formulas = load_workbook(io.BytesIO(data), data_only=False)
    except MemoryError:
        raise _Refused("tệp quá lớn để đọc với bộ nhớ còn trống của máy. Hãy đóng bớt chương trình khác rồi "
                       "nhập lại.") from None
    except Exception as exc:  # any library error on a damaged file: never its English text
        raise _Refused(f"tệp Excel bị hỏng, chương trình không đọc được. Hãy mở phiếu bằng Excel, lưu lại dạng "
                       f".xlsx rồi nhập lại, hoặc xin tổ gửi lại phiếu ({type(exc).__name__}).") from None
    return values, formulas


def _identity(values) -> dict[str, str]:
    meta: dict[str, str] = {}
    if META_SHEET in values.sheetnames:
        ws = values[META_SHEET]
        for k, v in ws.iter_rows(min_row=2, max_col=2, values_only=True):
            if k:
                meta[str(k)] = "" if v is None else str(v)
    for key, name in (("loai", "CNSCD_LOAI"), ("so", "CNSCD_SO"), ("to", "CNSCD_TO"), ("thang", "CNSCD_THANG")):
        dn = values.defined_names.get(name)
        if key not in meta and dn is not None and dn.attr_text:
            meta[key] = dn.attr_text.strip('"')
    if meta.get("loai") != KIND:
        raise _Refused("không phải phiếu hoạt động do chương trình Sổ Tổ CNSCĐ lập (thiếu trang nhận diện). Hãy "
                       "dùng phiếu xuất bằng «cnscd export phieu-hoat-dong».")
    return meta


def _check_identity(reg, meta: dict[str, str], period: Period | None) -> tuple[int, str, list[str]]:
    from models import services

    warnings = []
    here = unit_name(reg)
    if meta.get("don_vi") and text.fold(meta["don_vi"]) != text.fold(here):
        raise _Refused(f"phiếu của {meta['don_vi']}, không phải của {here}; chưa nhập.")
    if meta.get("so") and meta["so"] != registry_tag(reg):
        warnings.append("phiếu được lập từ một bản sổ khác của cùng đơn vị; đã đối chiếu theo tên tổ.")
    try:
        month = act.parse_month(meta.get("thang", ""))
    except InputError:
        raise _Refused(f"tháng trên phiếu «{meta.get('thang', '')}» không đọc được.") from None
    if period is not None and not (act.parse_month(period.start) <= month <= act.parse_month(period.end)):
        raise _Refused(f"phiếu {act.month_label(month)}, không thuộc kỳ {period.label[:1].lower()}{period.label[1:]}; "
                       "chưa nhập.")
    teams = {t.id: t for t in services.list_teams(reg)}
    try:
        team = teams.get(int(meta.get("to", "")))
    except ValueError:
        team = None
    name = meta.get("ten_to", "")
    if team is None or (name and text.fold(team.name) != text.fold(name)):
        same = [t for t in teams.values() if name and text.fold(t.name) == text.fold(name)]
        if len(same) != 1:
            raise _Refused(f"không tìm thấy {name or 'tổ ghi trên phiếu'} trong sổ; chưa nhập.")
        team = same[0]
    return team.id, month, warnings


def _cell_number(v: Any, f: Any, ref: str, what: str, errors: list[str]) -> Any:
    if isinstance(f, str) and f.startswith("=") and v is None:
        errors.append(f"Ô {ref} ({what}): có công thức «{f[:40]}» chưa được tính; hãy ghi số.")
        return None
    return v


@dataclass
class _Cells:
    services: dict[str, dict[str, tuple[Any, str]]] = field(default_factory=dict)  # svc → count → (value, cell)
    kinds: dict[str, tuple[Any, str]] = field(default_factory=dict)
    members: list[int] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _read_rows(values, formulas) -> _Cells:
    """What the leader wrote, each value with its cell, found by the hidden code column."""
    if MAIN_SHEET not in values.sheetnames:
        raise _Refused(f"không có trang «{MAIN_SHEET}».")
    ws, wf = values[MAIN_SHEET], formulas[MAIN_SHEET]
    out = _Cells()
    for r in range(1, ws.max_row + 1):
        code = ws.cell(r, CODE_COL).value
        if not isinstance(code, str):
            continue
        kind, _, key = code.partition(":")
        if kind == "svc" and key in act.SERVICES:
            label = text.clean(ws.cell(r, 2).value) or act.SERVICES[key][0]
            out.services[key] = {}
            for j, name in enumerate(COUNT_COLS):
                ref = f"{'CDEF'[j]}{r}"
                what = f"{label} — {act.COUNT_FIELDS[name]}"
                out.services[key][name] = (_cell_number(ws[ref].value, wf[ref].value, ref, what, out.errors), ref)
        elif kind == "kind" and key in act.KINDS:
            ref = f"C{r}"
            out.kinds[key] = (_cell_number(ws[ref].value, wf[ref].value, ref, act.KINDS[key][0], out.errors), ref)
        elif kind == "member" and (key.isascii() and key.isdigit()):
            v = ws[f"D{r}"].value
            if v not in (None, "") and text.fold(v) not in ("", "khong", "0", "-"):
                out.members.append(int(key))
        elif kind == "needs":
            v = ws[f"A{r}"].value
            if v not in (None, ""):
                out.needs.append(str(v))
    if not out.services:
        raise _Refused("không thấy bảng kết quả theo dịch vụ (phiếu đã bị sửa cấu trúc).")
    return out


def _cells_to_input(team_id: int, month: str, cells: _Cells) -> tuple[act.TallyInput, dict[str, str]]:
    cell_of: dict[str, str] = {}
    counts = []
    for svc, by_name in cells.services.items():
        for name, (_, ref) in by_name.items():
            cell_of[f"{svc}.{name}"] = ref
        counts.append(act.CountInput(svc, **{name: v for name, (v, _) in by_name.items()}))
    for k, (_, ref) in cells.kinds.items():
        cell_of[f"kind.{k}"] = ref
    tally = act.TallyInput(team_id, month, kinds={k: v for k, (v, _) in cells.kinds.items()}, counts=tuple(counts),
                           member_ids=tuple(cells.members), needs="\n".join(cells.needs), source="phieu")
    return tally, cell_of


def _read_one(reg, path: Path, period: Period | None) -> SheetResult:
    try:
        values, formulas = _load(path)
        meta = _identity(values)
        team_id, month, warnings = _check_identity(reg, meta, period)
        cells = _read_rows(values, formulas)
    except _Refused as e:
        return SheetResult(str(path), None, "", "", None, [str(e)])
    tally, cell_of = _cells_to_input(team_id, month, cells)
    checked = act.check_tally(reg, tally)
    errors = list(cells.errors)
    empty = False
    for e in checked.errors:
        if e.field == "counts":
            empty = True
            warnings.append("phiếu để trống (chưa ghi số liệu nào); bỏ qua.")
        elif e.field in cell_of:
            errors.append(f"Ô {cell_of[e.field]}: {e.message}")
        elif e.field == "needs":
            errors.append(f"Ô nhu cầu, khó khăn: {e.message}")
        else:
            errors.append(e.message)
    warnings += checked.warnings
    team = checked.values.get("team")
    with reg.read():
        replaces = act.month_tally_row(team_id, month) is not None
    people = sum(c["people"] for c in checked.values.get("counts") or [])
    return SheetResult(str(path), team_id, team.name if team else "", month, None if empty else tally, errors,
                       warnings, replaces, people)


def read_tally_sheets(reg, paths: list[str | os.PathLike], *, period: Period | None = None) -> TallyImport:
    """Read filled sheets (nothing is written). ``period``: refuse sheets of a month outside it.
    The same team and month twice in one batch: identical sheets count once, different ones are refused."""
    results = [_read_one(reg, Path(p), period) for p in paths]
    seen: dict[tuple[int, str], int] = {}
    out = []
    for i, r in enumerate(results):
        key = (r.team_id, r.month)
        if r.ok and key in seen:
            first = results[seen[key]]
            if first.tally == r.tally:
                out.append(SheetResult(r.path, r.team_id, r.team_name, r.month, None, [],
                                       [f"trùng với tệp {first.file_name}; chỉ nhập một lần."], r.replaces, r.people))
                continue
            r = SheetResult(r.path, r.team_id, r.team_name, r.month, r.tally,
                            [f"{r.team_name} {act.month_label(r.month)} đã có trong tệp {first.file_name} với số "
                             "liệu khác; hãy chọn một trong hai tệp."], r.warnings, r.replaces, r.people)
        elif r.ok:
            seen[key] = i
        out.append(r)
    return TallyImport(out)


def apply_tally_import(reg, found: TallyImport, *, skip_bad: bool = False) -> int:
    """Save every readable sheet (each team's month replaced, so importing again changes nothing) in
    one save. With errors in any sheet nothing is saved, unless ``skip_bad``. Returns the sheets saved."""
    bad = [s for s in found.sheets if s.errors]
    if bad and not skip_bad:
        from .sheets import ImportRejected

        raise ImportRejected("Chưa nhập phiếu nào vì có lỗi:\n" + "\n".join(found.errors))
    todo = found.to_save
    if not todo:
        return 0
    with reg.write():
        for s in todo:
            act.save_tally(reg, s.tally)
    return len(todo)

