"""The ODS reader (expat callbacks, exports/ods_sheet.py) reads what a plain element-tree reading of the same
``content.xml`` gives, on odd but valid files: repeats, spans, covered cells, comments, spaces, tabs, line
breaks, links, several paragraphs, every value type, other prefixes, namespaces declared below the root."""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET
import zipfile

import pytest

from exports.ods_reader import read_ods
from exports.ods_sheet import ContentReader, Rebound
from exports.safe_zip import SafeZip
from exports.sheet_limits import CLIP, Budget

T = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
O = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
X = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
NS = f'xmlns:office="{O}" xmlns:table="{T}" xmlns:text="{X}" xmlns:xlink="http://www.w3.org/1999/xlink"'


def _zip(content: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content.encode())
    return buf.getvalue()


def _doc(body: str, ns: str = NS, inner_ns: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
            f'<office:body {inner_ns}><office:spreadsheet>{body}</office:spreadsheet></office:body>'
            '</office:document-content>')


# ---------------------------------------------------------------------------
# the reference: the whole tree built, then read as the ODF specification says
# ---------------------------------------------------------------------------
def _text(el, out: list[str]) -> None:
    out.append(el.text or "")
    for ch in el:
        if ch.tag == f"{{{X}}}s":
            out.append(" " * int(ch.get(f"{{{X}}}c") or 1))
        elif ch.tag == f"{{{X}}}tab":
            out.append("\t")
        elif ch.tag == f"{{{X}}}line-break":
            out.append("\n")
        elif ch.tag != f"{{{O}}}annotation":
            _text(ch, out)
        out.append(ch.tail or "")


def _paragraphs(el) -> list:
    out = []
    for ch in el:
        if ch.tag != f"{{{O}}}annotation":
            if ch.tag == f"{{{X}}}p":
                out.append(ch)
            out.extend(_paragraphs(ch))
    return out


def _value(cell):
    vtype = cell.get(f"{{{O}}}value-type") if cell.tag == f"{{{T}}}table-cell" else None
    if vtype in ("float", "percentage", "currency"):
        return vtype, float(cell.get(f"{{{O}}}value"))
    if vtype == "date":
        return vtype, dt.datetime.fromisoformat(cell.get(f"{{{O}}}date-value"))
    if vtype == "boolean":
        return vtype, cell.get(f"{{{O}}}boolean-value") == "true"
    parts = []
    for p in _paragraphs(cell):
        out: list[str] = []
        _text(p, out)
        parts.append("".join(out))
    s = "\n".join(parts)[:CLIP]
    return vtype, (s if s.strip() else None)


def _rows(holder):
    for ch in holder:
        if ch.tag == f"{{{T}}}table-row":
            yield ch
        elif ch.tag in (f"{{{T}}}table-row-group", f"{{{T}}}table-header-rows", f"{{{T}}}table-rows"):
            yield from _rows(ch)


def _tables(el):
    for ch in el:
        if ch.tag == f"{{{T}}}table":
            yield ch
        else:
            yield from _tables(ch)


def reference(content: str) -> list[tuple[str, list[list], list[tuple[int, int, int, int]]]]:
    out = []
    for table in _tables(ET.fromstring(content.encode())):
        rows: list[list] = []
        merges = []
        r = 0
        for row in _rows(table):
            vals: list = []
            c = 0
            for cell in row:
                if cell.tag not in (f"{{{T}}}table-cell", f"{{{T}}}covered-table-cell"):
                    continue
                crep = int(cell.get(f"{{{T}}}number-columns-repeated") or 1)
                vtype, v = _value(cell)
                if v is not None:
                    vals.extend([None] * (c - len(vals)) + [v] * crep)
                    sc = int(cell.get(f"{{{T}}}number-columns-spanned") or 1)
                    sr = int(cell.get(f"{{{T}}}number-rows-spanned") or 1)
                    if (vtype is not None or v) and (sc > 1 or sr > 1):
                        merges += [(r, c + i, r + sr - 1, c + i + sc - 1) for i in range(crep)]
                c += crep
            rrep = int(row.get(f"{{{T}}}number-rows-repeated") or 1)
            if vals:
                rows.extend([[]] * (r - len(rows)) + [list(vals) for _ in range(rrep)])
            r += rrep
        last = len(rows) - 1
        merges = [(r1, c1, min(r2, last), c2) for r1, c1, r2, c2 in merges if r1 <= last]
        out.append((table.get(f"{{{T}}}name") or "Sheet", rows, merges))
    return out


def _read(content: str):
    return [(name, grid.cells, merges) for name, grid, merges in read_ods(SafeZip(_zip(content)), Budget())]


def _read_as(content: str, resolve: bool):
    """Read with names as written (``resolve=False``: :class:`Rebound` if that cannot be) or resolved."""
    reader = ContentReader(Budget(), None)
    reader.read(io.BytesIO(content.encode()), resolve=resolve)
    return [(name, grid.cells, merges) for name, grid, merges in reader.tables]


def _cell(inner: str = "", attrs: str = "", tag: str = "table:table-cell") -> str:
    return f"<{tag}{attrs}>{inner}</{tag}>" if inner else f"<{tag}{attrs}/>"


ODD = [
    # repeats and spans, covered cells, empty rows in between
    '<table:table table:name="Lặp"><table:table-column table:number-columns-repeated="4"/>'
    '<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="3"/>'
    '</table:table-row><table:table-row>'
    + _cell("<text:p>Gộp</text:p>", ' office:value-type="string" table:number-columns-spanned="2" '
            'table:number-rows-spanned="2"') + _cell(tag="table:covered-table-cell")
    + _cell("<text:p>b</text:p>", ' table:number-columns-repeated="3"') + "</table:table-row>"
    '<table:table-row>' + _cell(tag="table:covered-table-cell", attrs=' table:number-columns-repeated="2"')
    + _cell("<text:p>che</text:p>", tag="table:covered-table-cell") + "</table:table-row>"
    '<table:table-row table:number-rows-repeated="3">' + _cell(attrs=' office:value-type="float" office:value="7" '
                                                                'table:number-columns-repeated="2"')
    + "</table:table-row><table:table-row table:number-rows-repeated=\"1048000\"><table:table-cell "
    'table:number-columns-repeated="1024"/></table:table-row></table:table>',
    # text: spaces, tabs, line breaks, spans, links, several paragraphs, a comment, a note, whitespace outside
    '<table:table table:name="Chữ"><table:table-row>'
    + _cell('<office:annotation><text:p>ghi chú</text:p></office:annotation><text:p>Nguyễn<text:s/>Thị'
            '<text:s text:c="3"/>Hà<text:tab/>x<text:line-break/>y</text:p><text:p/><text:p>đoạn '
            '<text:span>ba <text:a xlink:href="http://x">liên kết</text:a>'
            '</text:span> hết</text:p>', ' office:value-type="string"')
    + _cell('\n  <text:p>  cách  </text:p>\n  <text:h>tiêu đề</text:h>\n')
    + _cell("<text:p>   </text:p>") + _cell("<text:p>a<text:note><text:note-body><text:p>chú thích</text:p>"
                                            "</text:note-body></text:note>b</text:p>")
    + _cell('<text:p>chữ<office:annotation><text:p>bỏ</text:p></office:annotation> tiếp</text:p>')
    + "</table:table-row></table:table>",
    # every value type (the text shown is not the value); time and unknown types are their text
    '<table:table table:name="Kiểu"><table:table-row>'
    + _cell("<text:p>1,5</text:p>", ' office:value-type="float" office:value="1.5"')
    + _cell("<text:p>50%</text:p>", ' office:value-type="percentage" office:value="0.5"')
    + _cell("<text:p>15.000 ₫</text:p>", ' office:value-type="currency" office:currency="VND" office:value="15000"')
    + _cell("<text:p>29/02/2024</text:p>", ' office:value-type="date" office:date-value="2024-02-29"')
    + _cell("<text:p>x</text:p>", ' office:value-type="date" office:date-value="2024-02-29T08:30:00"')
    + _cell("<text:p>08:30</text:p>", ' office:value-type="time" office:time-value="PT08H30M00S"')
    + _cell("<text:p>ĐÚNG</text:p>", ' office:value-type="boolean" office:boolean-value="true"')
    + _cell("<text:p>SAI</text:p>", ' office:value-type="boolean" office:boolean-value="false"')
    + _cell(attrs=' office:value-type="float" office:value="0"')
    + _cell("<text:p>0912345678</text:p>", ' office:value-type="string"')
    + _cell("<text:p>lạ</text:p>", ' office:value-type="void"') + "</table:table-row></table:table>",
    # row groups, header rows, a second sheet, a table inside a cell, rows not in a table
    '<table:table table:name="Nhóm"><table:table-header-rows><table:table-row>' + _cell("<text:p>Đầu</text:p>")
    + "</table:table-row></table:table-header-rows><table:table-row-group><table:table-row-group>"
    "<table:table-row>" + _cell("<text:p>trong nhóm</text:p>") + "</table:table-row></table:table-row-group>"
    "</table:table-row-group><table:table-rows><table:table-row>" + _cell("<text:p>cuối</text:p>")
    + "</table:table-row></table:table-rows></table:table>"
    '<table:table table:name="Hai"><table:table-row>' + _cell('<table:table table:name="con"><table:table-row>'
                                                             + _cell("<text:p>ô con</text:p>")
                                                             + "</table:table-row></table:table>")
    + _cell("<text:p>kế</text:p>") + "</table:table-row></table:table>",
]


@pytest.mark.parametrize("body", ODD, ids=["lap-gop", "chu", "kieu", "nhom"])
def test_odd_but_valid_content_reads_as_the_element_tree_gives_it(body):
    content = _doc(body)
    want = reference(content)
    assert want and _read(content) == want
    assert _read_as(content, resolve=False) == want == _read_as(content, resolve=True)


@pytest.mark.parametrize("body", ODD, ids=["lap-gop", "chu", "kieu", "nhom"])
def test_other_prefixes_and_declarations_below_the_root_read_the_same(body):
    want = reference(_doc(body))
    renamed = (body.replace("table:", "bang:").replace("text:", "v:").replace("office:", "o:")
               .replace('xlink:', 'xl:'))
    other = f'xmlns:o="{O}" xmlns:bang="{T}" xmlns:v="{X}" xmlns:xl="http://www.w3.org/1999/xlink"'
    moved = (f'<?xml version="1.0" encoding="UTF-8"?><o:document-content {other} o:version="1.2"><o:body>'
             f'<o:spreadsheet>{renamed}</o:spreadsheet></o:body></o:document-content>')
    assert _read(moved) == want
    # the table prefix bound to another namespace on the root, and rebound where the sheets are
    swapped = _doc(body, ns=f'xmlns:office="{O}" xmlns:table="urn:khac" xmlns:text="{X}" xmlns:xlink="urn:x"',
                   inner_ns=f'xmlns:table="{T}"')
    with pytest.raises(Rebound):
        _read_as(swapped, resolve=False)
    assert _read(swapped) == want
    pretty = _doc(body.replace("><", ">\n  <"))
    assert _read(pretty) == reference(pretty)


def test_the_usual_prefixes_bound_elsewhere_are_not_read_as_a_table():
    content = _doc(ODD[0], ns=f'xmlns:office="{O}" xmlns:table="urn:khac" xmlns:text="{X}"')
    assert _read(content) == [] == reference(content)


def test_a_second_reading_with_names_resolved_shares_the_files_work_budget():
    """Text that looks like a namespace declaration near the end makes the part read twice: a hostile file
    gets no more XML work for it (both readings within the file's budget), a usual one reads the same."""
    from exports.ods_sheet import read_content
    from exports.xml_guard import Work, XmlRefused

    rows = "".join("<table:table-row>" + _cell(f"<text:p>Người {i}</text:p>") * 5 + "</table:table-row>"
                   for i in range(400))
    content = _doc(f'<table:table table:name="Cuối">{rows}<table:table-row>'
                   + _cell('<text:p>ghi  xmlns="urn:x"</text:p>') + "</table:table-row></table:table>")
    data = _zip(content)
    z = SafeZip(data)
    one_pass = Budget()
    read_content(lambda: z.open("content.xml"), one_pass, None)  # names resolved only after the last row
    elements = one_pass.work.elements
    assert elements > 2 * 400 * 5
    roomy = Budget()
    roomy.work = Work(max_elements=3 * elements)
    got = [(n, g.cells, m) for n, g, m in read_content(lambda: z.open("content.xml"), roomy, None)]
    assert got == reference(content) and roomy.cells == 401 * 5 - 4
    once = Budget()
    once.work = Work(max_elements=elements * 3 // 4)
    ContentReader(once, None).read(z.open("content.xml"), resolve=True)  # one reading fits that budget
    tight = Budget()
    tight.work = Work(max_elements=elements * 3 // 4)
    with pytest.raises(XmlRefused):  # two do not
        read_content(lambda: z.open("content.xml"), tight, None)
