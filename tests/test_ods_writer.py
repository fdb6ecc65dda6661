"""The ODS writer streams its XML text (exports/ods_writer.py): every report of the commune demo comes
out as the odfpy writer it replaced made it (tests/ods_reference.py) — the same cells, values, texts,
spans, column widths, row heights, page breaks, styles, page layout, footer and frozen panes — read
back with odfpy, style names resolved to what they say. Text stays text: a clerk's «=SUM(A1:A9)»
is a string cell, never a formula."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

DAY = dt.date(2026, 4, 10)
PERIODS = {"tap-huan": "2026", "ky-nhan": "2026-Q2", "bao-cao-ky": "2026-Q2", "hoat-dong": "2026-Q2",
           "lich-truc": "2026-04"}
_REFS = {"data-style-name", "master-page-name", "page-layout-name", "style-name"}


def _named_styles(doc) -> dict:
    from odf.element import Node

    out = {}
    for holder in (doc.automaticstyles, doc.styles, doc.masterstyles):
        for el in holder.childNodes:
            if el.nodeType == Node.ELEMENT_NODE:
                name = el.attributes.get(("urn:oasis:names:tc:opendocument:xmlns:style:1.0", "name"))
                if name:
                    out[name] = el
    return out


def _canon(el, styles: dict, seen: tuple = ()):
    """(tag, attributes, children) of an odfpy element; a style named by an attribute replaced by
    its own canonical form (so ``ce7`` and ``ce12`` compare by what they say), adjacent texts joined."""
    from odf.element import Node

    attrs = []
    for (ns, local), v in el.attributes.items():
        if local in ("name", "display-name") and ns.endswith(":style:1.0"):
            continue
        if local in _REFS and v in styles and v not in seen:
            v = _canon(styles[v], styles, (*seen, v))
        attrs.append((local, v))
    kids: list = []
    for c in el.childNodes:
        if c.nodeType == Node.TEXT_NODE:
            if kids and isinstance(kids[-1], str):
                kids[-1] += c.data
            else:
                kids.append(c.data)
        elif c.nodeType == Node.ELEMENT_NODE:
            kids.append(_canon(c, styles, seen))
    return el.qname[1], tuple(sorted(attrs, key=repr)), tuple(kids)


def canonical(data: bytes):
    """The tables and the view settings of an ODS, as odfpy reads them back."""
    from odf.element import Node
    from odf.opendocument import load

    doc = load(io.BytesIO(data))
    styles = _named_styles(doc)
    tables = [_canon(t, styles) for t in doc.spreadsheet.childNodes if t.nodeType == Node.ELEMENT_NODE]
    return tables, _canon(doc.settings, styles)


def reference_bytes(obj) -> bytes:
    from tests.ods_reference import ods_doc

    buf = io.BytesIO()
    ods_doc(obj).save(buf)
    return buf.getvalue()


def _walk(node):
    yield node
    for k in node[2]:
        if isinstance(k, tuple):
            yield from _walk(k)


def _hostile_report():
    from exports.layout import Column, Letterhead, Report, stt_column

    cols = [stt_column(), Column("Họ và tên", width=20), Column("Số hộ", "int", group="Hộ"),
            Column("Tỷ lệ", "pct1", group="Hộ"), Column("Ngày", "date"), Column("Điện thoại", "phone"),
            Column("Năm", "year"), Column("Tiền", "money")]
    rows = [[1, "=SUM(A1:A9)", 12, 83.9, DAY, "0912345678", 2026, 1_500_000],
            [2, "<b>Tô & Lê</b> \"x\" 'y'", "chưa có số hộ", 0.5, dt.datetime(2026, 1, 2, 9, 30), "", 1999, 0],
            [3, "Số:        /BC\tUBND\nDòng hai  hai", None, None, None, "+84 912", None, 2.5],
            [4, "ký tự lạ \x01\x0b và \ud800", True, 1.0, None, "0", "", ""],
            [5, " đầu cách", False, 12.25, None, None, None, -3]]
    lh = Letterhead(issuing_body_parent="UBND TỈNH Q&A", issuing_body="ỦY BAN NHÂN DÂN PHƯỜNG <A>",
                    place_date="Hội An, ngày 10 tháng 4 năm 2026", signer_prefix="KT.", signer_title="CHỦ TỊCH",
                    signer_name="Nguyễn Văn \"A\"")
    return Report("thu", "BÁO CÁO <THỬ> & KIỂM", cols, rows, total=["", "Tổng", 12, "", None, None, None, 1_500_003],
                  subtitle="Quý II  năm 2026", notes=["Ghi chú: «=1+1» là chữ.", "Dòng\nhai"],
                  sheet_name="Thử: 'a' & \"b\" [1]", letterhead=lh)


def test_every_report_of_the_commune_demo_is_what_the_odfpy_writer_made(demo):
    """Cells, values, texts, spans, widths, heights, breaks, styles, page layout, frozen panes."""
    from exports.ods_writer import ods_bytes
    from exports.request import ALL_KINDS, ReportRequest, build_pack, parse_kind_period

    seen_kinds = set()
    for kind in ALL_KINDS:
        period = parse_kind_period(kind, PERIODS[kind]) if kind in PERIODS else None
        obj, _ = build_pack(demo, ReportRequest(kind=kind, period=period, day=DAY))
        new, old = canonical(ods_bytes(obj)), canonical(reference_bytes(obj))
        assert new == old, kind
        tags = {n[0] for t in new[0] for n in _walk(t)}
        seen_kinds |= tags
    # what the comparison covered: merges, header rows, page breaks' rows, dates, footers, frozen panes
    assert {"table-header-rows", "covered-table-cell", "table-column", "span", "s"} <= seen_kinds


def test_a_hostile_report_is_what_the_odfpy_writer_made_and_text_is_text():
    """Escaping, runs of spaces, tabs, lines, bad characters, booleans, dates, labels in number
    columns, a sheet name with quotes — and «=SUM(A1:A9)» a string cell with no formula."""
    from odf import teletype
    from odf.opendocument import load
    from odf.table import Table, TableCell

    from exports.layout import Report
    from exports.ods_writer import ods_bytes

    r = _hostile_report()
    second = Report("hai", "HAI", r.columns, r.rows[:2], sheet_name=r.sheet_name)  # same name: «… (2)»
    obj = [r, second]
    data = ods_bytes(obj)
    assert canonical(data) == canonical(reference_bytes(obj))
    doc = load(io.BytesIO(data))
    tables = doc.spreadsheet.getElementsByType(Table)
    assert [t.getAttribute("name") for t in tables] == ["Thử- 'a' & \"b\" -1-", "Thử- 'a' & \"b\" -1- (2)"]
    cells = {teletype.extractText(c): c for c in tables[0].getElementsByType(TableCell)}
    formula = cells["=SUM(A1:A9)"]
    assert formula.getAttribute("valuetype") == "string" and not formula.getAttribute("formula")
    assert "<b>Tô & Lê</b> \"x\" 'y'" in cells
    assert cells["0912345678"].getAttribute("valuetype") == "string"
    assert cells["83,9"].getAttribute("value") == "83.9"
    assert "ký tự lạ \ufffd\ufffd và \ufffd" in cells


def test_the_package_opens_with_its_mimetype_stored_first():
    import xml.etree.ElementTree as ET

    from exports.ods_writer import MIMETYPE, ods_bytes

    data = ods_bytes(_hostile_report())
    z = zipfile.ZipFile(io.BytesIO(data))
    first = z.infolist()[0]
    assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
    # readers sniff the type at byte 38: the name right after the 30-byte header, no extra field
    assert data[30:38 + len(MIMETYPE)] == b"mimetype" + MIMETYPE.encode()
    for name in ("META-INF/manifest.xml", "content.xml", "styles.xml", "settings.xml", "meta.xml"):
        ET.fromstring(z.read(name))  # well-formed
    manifest = z.read("META-INF/manifest.xml").decode()
    assert all(f'full-path="{n}"' in manifest for n in ("/", "content.xml", "styles.xml", "settings.xml"))


@pytest.mark.parametrize("value", ["=1+1", "+84", "-5", "@x", "=HYPERLINK(\"http://x\")"])
def test_a_cell_starting_like_a_formula_is_text(value):
    from exports.ods_writer import cell

    xml = cell(value, "text", "ce1")
    assert 'office:value-type="string"' in xml and "formula" not in xml
