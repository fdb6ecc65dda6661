"""The province's roll-up from the packages its communes sent (and, for communes that do not use
the program, from the Phụ lục I tables they sent, marked as such).

    r = rollup(reg, "2026-H2")
    r.table("phu-luc-1").rows       # Stt | Xã, phường | Tổ/thôn "41/42" | Thành viên | Nguồn số liệu
    r.table("thanh-phan")           # the composition, as exports.report.thanh_phan lays it out
    r.table("tap-huan-do-phu"), r.table("thiet-bi"), r.table("kinh-phi"), r.table("hoat-dong")
    r.table("nguon")                # which package (date, kind, signing key) or table each unit came from

Each :class:`Table` carries what an ``exports.layout.Report`` needs — key, title, sheet name,
columns as ``(title, kind, width, group)`` (``Column(*c)``), rows, a total row computed from
the rows, notes and meta — so ``exports.report`` wraps it with the registry's letterhead. Every
row names its source. The counts come from :func:`models.snapshot.totals` (computed from a
full package's rows at import; carried as they are by a counts-only package).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import bulk, handoff_keys, snapshot, text
from .activity_common import SERVICE_ORDER, get_activity_settings, service_label
from .received import package_totals
from .schema import Category

PHU_LUC_PREFIX = "aggregate:phu_luc_1:"


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    sheet_name: str
    columns: list[tuple[str, str, float, str]]  # (title, kind, width, group) — exports.layout.Column(*c)
    rows: list[list[Any]]
    total: list[Any] | None
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    unit: str
    kind: str  # day_du | so_lieu | phu_luc_i
    text: str


@dataclass(frozen=True)
class Rollup:
    period: str
    tables: list[Table]
    sources: list[Source]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def pct_largest_remainder(counts: list[int], decimals: int = 0) -> list[float]:
    """Shares of ``counts`` in percent, rounded so they add up to exactly 100 (as exports.report)."""
    total = sum(counts)
    if total <= 0:
        return [0 for _ in counts]
    units = 100 * 10 ** decimals
    floors = [c * units // total for c in counts]
    rem = [c * units % total for c in counts]
    for i in sorted(range(len(counts)), key=lambda i: (-rem[i], i))[:units - sum(floors)]:
        floors[i] += 1
    return [f / 10 ** decimals if decimals else int(f) for f in floors]


def _source_text(s) -> str:
    return (f"Gói {s.kind_label} lập {s.created_at:%d/%m/%Y}, khóa ký {handoff_keys.grouped(s.sender, 2)}…"
            + ("" if s.unit_id else " (xã chưa có trong danh sách của sổ)"))


def _doc_period(doc: dict) -> str:
    """A kept table's period (exports.phu_luc_intake): the one recorded, else the year it was imported."""
    if doc.get("period"):
        return str(doc["period"]).upper()
    return str(doc.get("imported", ""))[:4]


def _periods_taken(period: str) -> set[str]:
    """The tables a period's roll-up takes: its own; for the second half also the year's (the annual
    report is what a commune without the program sends for 15/12)."""
    return {period, period[:4]} if period.endswith("-H2") else {period}


def _imported_tables(reg, period: str, have: set[str]) -> tuple[list[list], list[str]]:
    """Rows of imported Phụ lục I tables for units without a package: [unit, teams, villages, members,
    source text]; and notes on what was left out because a package covers it."""
    rows, notes = [], []
    for doc in bulk.documents(reg, PHU_LUC_PREFIX).values():
        if not isinstance(doc, dict) or not isinstance(doc.get("rows"), list):
            continue
        if _doc_period(doc) not in _periods_taken(period):
            continue
        who = doc.get("unit") or doc.get("source", "")
        src = f"Phụ lục I {who} gửi (tệp {doc.get('file', '')}; đơn vị không dùng chương trình)"
        for r in doc["rows"]:
            if not isinstance(r, list) or len(r) < 5:
                continue
            unit = text.clean(r[1])
            folded = {text.fold(unit), text.fold(text.strip_unit_kind(unit))}
            if folded & have:
                notes.append(f"{unit}: dùng gói báo cáo, bỏ dòng trong Phụ lục I của {doc.get('source', '')}.")
                continue
            rows.append([unit, int(r[2] or 0), int(r[3] or 0), int(r[4] or 0), src])
    return rows, notes


def rollup(reg, period: str) -> Rollup:
    """Every roll-up table for ``period`` from the packages kept (see the module's docstring)."""
    code = snapshot.period_span(period).code
    pkgs = package_totals(reg, code)
    have = set()
    for s, _t in pkgs:
        have |= {text.fold(s.unit_name), text.fold(text.strip_unit_kind(s.unit_name))}
    extra, extra_notes = _imported_tables(reg, code, have)
    sources = [Source(s.unit_name, s.kind, _source_text(s)) for s, _ in pkgs]
    sources += [Source(r[0], "phu_luc_i", r[4]) for r in extra]
    app = get_activity_settings(reg).app_name
    with reg.read():
        cat_order = {c: i for i, (c,) in enumerate(Category.select(Category.code)
                                                   .order_by(Category.sort_order, Category.id).tuples())}
        cat_names = dict(Category.select(Category.code, Category.name).tuples())
    covered = (f"Tổng hợp từ gói báo cáo của {len(pkgs)} xã, phường"
               + (f" và Phụ lục I của {len(extra)} đơn vị không dùng chương trình" if extra else "") + f", kỳ {code}.")
    tables = [_phu_luc_1(pkgs, extra, extra_notes, covered), _composition(pkgs, cat_order, cat_names, len(extra)),
              _training(pkgs, len(extra)), _equipment(pkgs), _fund(pkgs, extra), _activities(pkgs, app),
              _sources(sources)]
    return Rollup(code, tables, sources)


def _total_row(rows: list[list], first: int, skip: set[int] = frozenset(), label: str = "Tổng") -> list:
    n = len(rows[0]) if rows else first
    out: list[Any] = [""] * n
    if n > 1:
        out[1] = label
    for j in range(first, n):
        if j in skip:
            continue
        vals = [r[j] for r in rows if isinstance(r[j], int | float) and not isinstance(r[j], bool)]
        out[j] = sum(vals) if vals else ""
    return out


STT = ("Stt", "year", 6, "")  # exports.layout.stt_column(): no thousands separator
TEAMS_GROUP = "Tổng số Tổ CNSCĐ/thôn"


def _phu_luc_1(pkgs, extra, extra_notes, covered: str) -> Table:
    rows = []
    for s, tot in pkgs:
        rows.append([len(rows) + 1, s.unit_name, sum(v[2] for v in tot["villages"]), len(tot["villages"]),
                     tot["members"], _source_text(s)])
    for unit, teams, villages, members, src in extra:
        rows.append([len(rows) + 1, unit, teams, villages, members, src])
    t_teams, t_vill, t_mem = (sum(r[j] for r in rows) for j in (2, 3, 4))
    notes = [covered, "Số thành viên gồm cả thành viên Tổ CNSCĐ cấp xã. Cột «Tổng số Tổ CNSCĐ/thôn»: số tổ cấp "
             "thôn và số thôn, tổ dân phố. Dòng tổng cộng tính từ các dòng trên."] + extra_notes
    return Table("phu-luc-1", "TỔNG HỢP SỐ LIỆU TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG", "Phụ lục I",
                 [STT, ("Xã, phường", "text", 34, ""), ("Số tổ", "int", 9, TEAMS_GROUP),
                  ("Số thôn, TDP", "int", 9, TEAMS_GROUP), ("Tổng số thành viên Tổ CNSCĐ", "int", 18, ""),
                  ("Nguồn số liệu", "text", 40, "")],
                 rows, ["", "Tổng", t_teams, t_vill, t_mem, ""], notes,
                 {"teams": t_teams, "villages": t_vill, "members": t_mem, "packages": len(pkgs),
                  "tables": len(extra)})


def _composition(pkgs, cat_order: dict, cat_names: dict, n_extra: int) -> Table:
    counts: dict[str, int] = {}
    names = dict(cat_names)
    for _s, tot in pkgs:
        for code, n in tot["composition"].items():
            counts[code] = counts.get(code, 0) + n
        for code, name in tot.get("category_names", {}).items():
            names.setdefault(code, name)
    chosen = sorted((c for c, n in counts.items() if n > 0), key=lambda c: (cat_order.get(c, 999), c))
    total = sum(counts[c] for c in chosen)
    pct = pct_largest_remainder([counts[c] for c in chosen])
    rows = [[i, names.get(c, c), counts[c], total, p] for i, (c, p) in enumerate(zip(chosen, pct, strict=True), 1)]
    notes = [f"Tính từ gói báo cáo của {len(pkgs)} xã, phường ({text.format_int(total)} lượt thành viên; mỗi thành "
             "viên tính theo một thành phần chính). Tỷ lệ làm tròn theo phương pháp phần dư lớn nhất."]
    if n_extra:
        notes.append(f"{n_extra} đơn vị chỉ gửi Phụ lục I (không có số theo thành phần) nên không có trong bảng này.")
    return Table("thanh-phan", "TỔNG HỢP SỐ LIỆU THÔNG TIN THÀNH VIÊN TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG", "Thành phần",
                 [STT, ("Thành viên theo thành phần", "text", 36, ""), ("Số lượng", "int", 11, ""),
                  ("Tổng số thành viên", "int", 12, ""), ("Tỷ lệ (%)", "pct", 10, "")],
                 rows, ["", "Tổng", total, total, 100 if total else 0], notes,
                 {"counts": {c: counts[c] for c in chosen}, "total": total})


def _training(pkgs, n_extra: int) -> Table:
    rows = []
    for s, tot in pkgs:
        tr = tot["training"]
        act, done = tr["active_people"], tr["trained_people"]
        rows.append([len(rows) + 1, s.unit_name, act, done, act - done,
                     round(100 * done / act, 1) if act else 0.0, len(tr["courses"]), _source_text(s)])
    total = _total_row(rows, 2, {5, 7}) if rows else None
    if total is not None:
        total[5] = round(100 * total[3] / total[2], 1) if total[2] else 0.0
    notes = ["Đã tập huấn: thành viên đang hoạt động dự ít nhất một lớp trong năm của kỳ, tính đến ngày chốt số "
             "liệu của từng gói. Số lớp: lớp tổ chức trong kỳ."]
    if n_extra:
        notes.append(f"{n_extra} đơn vị chỉ gửi Phụ lục I nên không có số tập huấn.")
    return Table("tap-huan-do-phu", "TỶ LỆ THÀNH VIÊN TỔ CNSCĐ ĐÃ ĐƯỢC TẬP HUẤN", "Độ phủ tập huấn",
                 [STT, ("Xã, phường", "text", 30, ""), ("Số thành viên", "int", 11, ""),
                  ("Đã tập huấn", "int", 11, ""), ("Chưa tập huấn", "int", 11, ""),
                  ("Tỷ lệ đã tập huấn (%)", "pct1", 12, ""), ("Số lớp trong kỳ", "int", 10, ""),
                  ("Nguồn số liệu", "text", 40, "")],
                 rows, total, notes,
                 {"active_people": total[2] if total else 0, "trained": total[3] if total else 0})


def _equipment(pkgs) -> Table:
    rows = []
    for s, tot in pkgs:
        eq = tot["equipment"]
        kinds = eq["by_kind"].values()
        rows.append([len(rows) + 1, s.unit_name, sum(k[0] for k in kinds), sum(k[1] for k in kinds),
                     sum(k[3] for k in kinds), sum(k[2] for k in kinds), eq["needs"][1], eq["needs"][2],
                     _source_text(s)])
    return Table("thiet-bi", "TỔNG HỢP TRANG THIẾT BỊ PHỤC VỤ HOẠT ĐỘNG TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG", "Thiết bị",
                 [STT, ("Xã, phường", "text", 30, ""), ("Số mục", "int", 8, "Thiết bị hiện có"),
                  ("Số lượng", "int", 8, "Thiết bị hiện có"), ("Hỏng/cần thay", "int", 9, "Thiết bị hiện có"),
                  ("Giá trị (đồng)", "money", 15, "Thiết bị hiện có"), ("Số lượng", "int", 8, "Đề xuất chưa đáp ứng"),
                  ("Kinh phí dự kiến (đồng)", "money", 15, "Đề xuất chưa đáp ứng"), ("Nguồn số liệu", "text", 40, "")],
                 rows, _total_row(rows, 2, {8}) if rows else None,
                 ["Thiết bị trang bị đến ngày chốt số liệu của từng gói; đề xuất đang chờ đáp ứng."],
                 {"items": sum(r[2] for r in rows), "value": sum(r[5] for r in rows)})


def _fund(pkgs, extra) -> Table:
    rows = []
    for s, tot in pkgs:
        rows.append([len(rows) + 1, s.unit_name, sum(v[2] for v in tot["villages"]), len(tot["villages"]),
                     tot["members"], _source_text(s)])
    for unit, teams, villages, members, src in extra:
        rows.append([len(rows) + 1, unit, teams, villages, members, src])
    total = _total_row(rows, 2, {5}) if rows else None
    return Table("kinh-phi", "SỐ LIỆU ĐẦU VÀO DỰ TOÁN KINH PHÍ HỖ TRỢ TỔ CNSCĐ", "Đầu vào kinh phí",
                 [STT, ("Xã, phường", "text", 30, ""), ("Số Tổ CNSCĐ cấp thôn", "int", 12, ""),
                  ("Số thôn, tổ dân phố", "int", 12, ""), ("Số thành viên", "int", 12, ""),
                  ("Nguồn số liệu", "text", 44, "")],
                 rows, total, ["Mức hỗ trợ tính theo số tổ cấp thôn (cột 3) — xem biểu dự toán kinh phí."],
                 {"village_teams": total[2] if total else 0, "villages": total[3] if total else 0,
                  "members": total[4] if total else 0})


def _activities(pkgs, app: str) -> Table:
    cols: list[tuple[str, str, float, str]] = [STT, ("Xã, phường", "text", 26, "")]
    for svc in SERVICE_ORDER:
        g = service_label(svc, app)
        cols += [("Số người", "int", 9, g), ("Số hộ", "int", 9, g)]
    cols += [("Trong đó người cao tuổi, yếu thế", "int", 11, ""), ("Hộ kinh doanh được hỗ trợ", "int", 11, ""),
             ("Nguồn số liệu", "text", 40, "")]
    rows = []
    for s, tot in pkgs:
        svcs = tot["activities"]["services"]
        line: list[Any] = [len(rows) + 1, s.unit_name]
        for svc in SERVICE_ORDER:
            v = svcs.get(svc, [0, 0, 0, 0])
            line += [v[0], v[1]]
        line += [sum(v[2] for v in svcs.values()), sum(v[3] for v in svcs.values()), _source_text(s)]
        rows.append(line)
    months = {tuple(t["activities"]["months"]) for _s, t in pkgs}
    note = "Số lượt hỗ trợ trong kỳ, cộng từ phiếu/bảng tháng của các tổ (chỉ số lượng, không có tên người dân)."
    if len(months) > 1:
        note += " Các gói chốt số liệu ở các tháng khác nhau: " + "; ".join(f"{a}→{b}" for a, b in sorted(months)) + "."
    return Table("hoat-dong", "KẾT QUẢ HỖ TRỢ NGƯỜI DÂN CỦA TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG", "Kết quả hỗ trợ", cols,
                 rows, _total_row(rows, 2, {len(cols) - 1}) if rows else None, [note],
                 {"services": {svc: [sum(t["activities"]["services"].get(svc, [0] * 4)[j] for _s, t in pkgs)
                                     for j in range(4)] for svc in SERVICE_ORDER}})


def _sources(sources: list[Source]) -> Table:
    labels = {"day_du": "Gói đầy đủ", "so_lieu": "Gói chỉ số liệu", "phu_luc_i": "Phụ lục I (không dùng chương trình)"}
    rows = [[i, s.unit, labels.get(s.kind, s.kind), s.text] for i, s in enumerate(sources, 1)]
    return Table("nguon", "NGUỒN SỐ LIỆU CỦA TỪNG ĐƠN VỊ", "Nguồn số liệu",
                 [STT, ("Đơn vị", "text", 30, ""), ("Loại", "text", 22, ""),
                  ("Chi tiết", "text", 60, "")], rows, None,
                 [f"{sum(1 for s in sources if s.kind != 'phu_luc_i')} gói báo cáo, "
                  f"{sum(1 for s in sources if s.kind == 'phu_luc_i')} dòng từ bảng Phụ lục I."], {})
