"""Hostile spreadsheets: the importer refuses them fast and clearly, or reads them correctly (issue 12).

Every file of the corpus is generated here (nothing big is committed): decompression bombs
(a declared sheet of 17 billion cells, a gigabyte of whitespace, a 512 MB shared-strings part,
lying zip sizes), ODS spans and repeats (huge, negative, garbage; data after 250,000 empty rows),
truncated and garbled zips, wrong extensions, empty files, huge cells, deeply nested XML,
billion-laughs and external XML entities, CSV with NUL/ESC/BEL and mixed encodings, XLS garbage.

Each file is read by :func:`exports.importer.read_table` — what ``cnscd import roster`` calls first —
in a child process with a 1.5 GB address-space limit (so a regression cannot take the machine
down) and a 60 s hang guard on its CPU time; the shapes that once hung the roster preview (huge spans, a
whole-sheet merge, a declared dimension with a far cell) go on through :func:`read_roster` too.
The outcome is what is asserted: refused with a Vietnamese message that says what to do (no
English library text), or read correctly; nothing else. The peak memory of each read is
asserted too (300 MB). Timing is printed, never asserted. Damaged copies of sound files (byte
flips, cuts, splices) are read in batches the same way, and the streamed XLSX/ODS readers are
compared with openpyxl and odfpy on sound files.

    python tests/test_hostile_files.py          # the corpus table: outcome, time and peak memory per file
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import signal
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MEM_LIMIT = 1536 * 1024 * 1024  # RLIMIT_AS of the child: a regression fails, the machine survives
RSS_LIMIT_MB = 300  # the promise: any file up to 20 MB is refused or read within 300 MB
# A hang is told by the child's CPU time, not the clock: on a busy machine (every core taken by
# other work) reading a big good file takes minutes of wall time but the same CPU seconds.
HANG_CPU = 60  # CPU seconds (RLIMIT_CPU of the child): only so a hang ends the test
HANG_GUARD = 1200  # wall seconds: a child that neither computes nor ends (never seen) is stopped too

# ---------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------
SS_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PEOPLE = [["Họ và tên", "Năm sinh", "Số điện thoại", "Thôn"],
          ["Nguyễn Thị Hà", 1985, "0912345678", "Thôn 1"],
          ["Đặng Văn Lâm", 1990, "0987654321", "Thôn 2"],
          ["Trương Thị Ngọc Ánh", 1978, "0356789012", "Thôn 1"]]


def _zip(members: list[tuple], *, comment: bytes = b"") -> bytes:
    """A zip of ``(name, bytes or iterable of byte chunks[, compress_type])``; chunks are streamed."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
        for m in members:
            name, data = m[0], m[1]
            ctype = m[2] if len(m) > 2 else zipfile.ZIP_DEFLATED
            if isinstance(data, (bytes, str)):
                z.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, compress_type=ctype)
                continue
            zi = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
            zi.compress_type = ctype
            with z.open(zi, "w", force_zip64=True) as f:
                for chunk in data:
                    f.write(chunk)
        z.comment = comment
    return buf.getvalue()


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell_xml(r: int, c: int, v) -> str:
    ref = f"{_col(c)}{r}"
    if isinstance(v, bool):
        return f'<c r="{ref}" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, (int, float)):
        return f'<c r="{ref}"><v>{v}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{_esc(v)}</t></is></c>'


def _col(c: int) -> str:
    s = ""
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def _rows_xml(rows) -> str:
    return "".join(f'<row r="{r}">' + "".join(_cell_xml(r, c, v) for c, v in enumerate(row, 1)) + "</row>"
                   for r, row in enumerate(rows, 1))


def _sheet(body: str = "", *, head: str = "", tail: str = "", prolog: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
            f'<worksheet xmlns="{SS_NS}">{head}<sheetData>{body}</sheetData>{tail}</worksheet>')


def _xlsx(sheet=None, *, shared=None, extra: list[tuple] = (), sheet_ctype=zipfile.ZIP_DEFLATED,
          workbook: str | None = None) -> bytes:
    """A minimal valid workbook: one sheet (``sheet``: XML text, bytes, or chunks), optional shared strings."""
    if sheet is None:
        sheet = _sheet(_rows_xml(PEOPLE))
    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
          'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
          'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
          'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
          'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
          + ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
             'officedocument.spreadsheetml.sharedStrings+xml"/>' if shared is not None else "") + '</Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    wb = workbook or (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{SS_NS}" xmlns:r="http://schemas.'
                      'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Danh sách" '
                      'sheetId="1" r:id="rId1"/></sheets></workbook>')
    wbrels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
              'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
              'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
              + ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                 'sharedStrings" Target="sharedStrings.xml"/>' if shared is not None else "") + '</Relationships>')
    members = [("[Content_Types].xml", ct), ("_rels/.rels", rels), ("xl/workbook.xml", wb),
               ("xl/_rels/workbook.xml.rels", wbrels),
               ("xl/worksheets/sheet1.xml", sheet.encode() if isinstance(sheet, str) else sheet, sheet_ctype)]
    if shared is not None:
        members.append(("xl/sharedStrings.xml", shared.encode() if isinstance(shared, str) else shared))
    return _zip(members + list(extra))


ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def _ods_cell(v, attrs: str = "") -> str:
    if v is None:
        return f"<table:table-cell{attrs}/>"
    if isinstance(v, (int, float)):
        return f'<table:table-cell office:value-type="float" office:value="{v}"{attrs}><text:p>{v}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"{attrs}><text:p>{_esc(v)}</text:p></table:table-cell>'


def _ods_rows(rows) -> str:
    return "".join("<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>" for row in rows)


def _ods(rows_xml, *, prolog: str = "", content_ctype=zipfile.ZIP_DEFLATED) -> bytes:
    """A minimal ODS: ``rows_xml`` (text, or chunks of bytes) inside one table."""
    head = (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content {ODS_NS} office:version="1.2">'
            '<office:body><office:spreadsheet><table:table table:name="Danh sách">')
    tail = "</table:table></office:spreadsheet></office:body></office:document-content>"
    if isinstance(rows_xml, str):
        content = (head + rows_xml + tail).encode()
    else:
        content = _chain([head.encode()], rows_xml, [tail.encode()])
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type='
                '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
                '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    return _zip([("mimetype", b"application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED),
                 ("content.xml", content, content_ctype), ("META-INF/manifest.xml", manifest)])


def _chain(*parts):
    for p in parts:
        yield from p


def _repeat(chunk: bytes, total: int):
    """``total`` bytes made of ``chunk`` repeated, in 1 MiB pieces (never all in memory)."""
    piece = chunk * max(1, (1 << 20) // len(chunk))
    left = total
    while left > 0:
        yield piece[:left]
        left -= len(piece)


def _patch_central_sizes(data: bytes, member: str, size: int) -> bytes:
    """The zip with ``member``'s uncompressed size in the central directory (and local header) set to ``size``."""
    out = bytearray(data)
    name = member.encode()
    i = out.find(b"PK\x01\x02" + b"")
    while i != -1:
        nlen = struct.unpack_from("<H", out, i + 28)[0]
        if bytes(out[i + 46:i + 46 + nlen]) == name:
            struct.pack_into("<I", out, i + 24, size)
            local = struct.unpack_from("<I", out, i + 42)[0]
            struct.pack_into("<I", out, local + 22, size)
        i = out.find(b"PK\x01\x02", i + 4)
    return bytes(out)


def _flip_inside(data: bytes, member: str, seed: int, n: int = 8) -> bytes:
    """``n`` byte flips inside ``member``'s compressed data (its CRC stays: garbled data, not a lying CRC)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        zi = z.getinfo(member)
    start = zi.header_offset + 30 + len(zi.filename.encode()) + len(zi.extra)
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(n):
        p = rng.randrange(start, start + max(1, zi.compress_size))
        out[p] ^= rng.randrange(1, 256)
    return bytes(out)


def _xls_bytes(rows) -> bytes:
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Danh sach")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xls_far_blank() -> bytes:
    """An .xls whose one formatted blank cell sits at the last row and column (65,536 × 256)."""
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Danh sach")
    for r, row in enumerate(PEOPLE):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    ws.write(65535, 255, None, xlwt.easyxf("font: bold on"))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------
@dataclass
class Case:
    name: str  # file name (its extension is what the clerk's file would have)
    make: Callable[[], bytes]
    expect: str  # refuse | accept | either
    check: Callable[[dict], None] | None = None  # on an accepted file's summary
    says: str = ""  # a refusal's message must contain this (regex)


def _people_read(summary: dict) -> None:
    t = summary["tables"][0]
    assert t["rows"] == len(PEOPLE), t
    assert t["first"][:4] == PEOPLE[0], t
    assert "Trương Thị Ngọc Ánh" in t["texts"] and "Nguyễn Thị Hà" in t["texts"], t


def _cleaned(cols: str) -> Callable[[dict], None]:
    def check(summary: dict) -> None:
        assert not summary["control_chars"], summary
        notes = summary["notes"]
        assert notes and all(re.search(r"dòng \d+", n, re.I) for n in notes), notes
        assert any(f"cột {cols}" in n or f"cột {cols}," in n for n in notes), notes
        assert "Nguyễn Thị Hà" in summary["tables"][0]["texts"], summary
    return check


def _ss(strings, prolog: str = "", raw: bool = False) -> str:
    return (f'<?xml version="1.0"?>{prolog}<sst xmlns="{SS_NS}">'
            + "".join(f"<si><t>{s if raw else _esc(s)}</t></si>" for s in strings) + "</sst>")


def _laughs(root: str) -> str:
    ents = '<!ENTITY l0 "hahahahahahahahahaha">' + "".join(
        f'<!ENTITY l{i} "' + f"&l{i - 1};" * 10 + '">' for i in range(1, 10))
    return f"<!DOCTYPE {root} [{ents}]>"


def _csv(text: str, enc: str = "utf-8") -> bytes:
    return text.encode(enc)


_CSV_HEAD = "Họ và tên;Năm sinh;Số điện thoại;Thôn\n"
_CSV_ROWS = "Nguyễn Thị Hà;1985;0912345678;Thôn 1\nĐặng Văn Lâm;1990;0987654321;Thôn 2\n"


def _big_sheet_rows() -> str:
    return "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>Người {r}</t></is></c>'
                   f'<c r="B{r}"><v>{1950 + r % 50}</v></c></row>' for r in range(1, 250_002))


def _deep() -> str:
    return "<x>" * 200_000 + "</x>" * 200_000


_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
_MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Ngọc", "Minh", "Thanh", "Quang", "Thu", "Kim"]
_GIVEN = ["Hà", "Lâm", "Ánh", "Thắng", "Ước", "Hương", "Định", "Tùng", "Lan", "Hải", "Yến", "Khoa", "Phúc", "Trâm"]
ROSTER_HEAD = ["Stt", "Họ và tên", "Năm sinh", "Giới tính", "Chức danh", "Thành phần", "Thôn/TDP", "Số ĐT", "CCCD"]


def _roster_rows(n: int, seed: int = 2026):
    """``n`` realistic roster rows (unique names, phones and citizen IDs; villages and roles repeated)."""
    rng = random.Random(seed)
    for i in range(n):
        name = f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)} {i}"
        yield [i + 1, name, 1950 + i % 55, "Nam" if i % 2 else "Nữ", "Thành viên", "Đoàn Thanh niên",
               f"Thôn {i % 60 + 1}", f"09{i:08d}", f"0490{i:08d}" if i % 5 else ""]


def _big_roster_xlsx(n: int) -> bytes:
    """An .xlsx roster of ``n`` people the way Excel stores one: shared strings, numbers, a styles part."""
    strings: dict[str, int] = {}

    def si(v: str) -> int:
        return strings.setdefault(v, len(strings))

    def sheet():
        yield _sheet().split("<sheetData>")[0].encode() + b"<sheetData>"
        rows = [ROSTER_HEAD, *_roster_rows(n)]
        for start in range(0, len(rows), 5000):
            out = []
            for r, row in enumerate(rows[start:start + 5000], start + 1):
                cells = "".join(f'<c r="{_col(c)}{r}"><v>{v}</v></c>' if isinstance(v, int) else
                                f'<c r="{_col(c)}{r}" t="s" s="1"><v>{si(v)}</v></c>'
                                for c, v in enumerate(row, 1) if v != "")
                out.append(f'<row r="{r}">{cells}</row>')
            yield "".join(out).encode()
        yield b"</sheetData></worksheet>"

    body = b"".join(sheet())
    styles = (f'<?xml version="1.0"?><styleSheet xmlns="{SS_NS}"><fonts count="2"><font><name val="Calibri"/></font>'
              '<font><name val="Times New Roman"/></font></fonts><cellXfs count="2"><xf numFmtId="0" fontId="0"/>'
              '<xf numFmtId="0" fontId="1"/></cellXfs></styleSheet>')
    return _xlsx(body, shared=_ss(strings), extra=[("xl/styles.xml", styles)])


def _big_roster_ods(n: int) -> bytes:
    def rows():
        yield _ods_rows([ROSTER_HEAD]).encode()
        batch = []
        for row in _roster_rows(n):
            batch.append(row)
            if len(batch) == 5000:
                yield _ods_rows(batch).encode()
                batch = []
        yield _ods_rows(batch).encode()
    return _ods(rows())


def _big_roster_csv(n: int) -> bytes:
    return ("\n".join(";".join(str(v) for v in row) for row in [ROSTER_HEAD, *_roster_rows(n)]) + "\n").encode()


def _read_all(n: int) -> Callable[[dict], None]:
    def check(summary: dict) -> None:
        t = summary["tables"][0]
        assert t["rows"] == n + 1 and t["first"][:2] == ROSTER_HEAD[:2], {k: t[k] for k in ("rows", "first")}
    return check


def _many_numbers_xlsx(rows: int, cols: int) -> bytes:
    rng = random.Random(5)
    body = "".join(f'<row r="{r}">' + "".join(f'<c r="{_col(c)}{r}"><v>{rng.randrange(10**6)}</v></c>'
                                             for c in range(1, cols + 1)) + "</row>" for r in range(1, rows + 1))
    return _xlsx(_sheet(body))



def _junk_in_cells_xlsx(rows: int, per_cell: int) -> bytes:
    """``rows`` rows of one number cell holding ``per_cell`` empty elements of no use after its value."""
    junk = _random_elements(per_cell)
    body = b"".join(f'<row r="{r}"><c r="A{r}"><v>1</v>'.encode() + junk + b"</c></row>" for r in range(1, rows + 1))
    return _xlsx(_sheet().split("<sheetData>")[0].encode() + b"<sheetData>" + body + b"</sheetData></worksheet>")


def _spaced_rows(rows: int, per_row: int, seed: int = 11) -> str:
    """``rows`` rows of one text cell whose paragraph holds ``per_row`` ``<text:s/>`` with two random letters after
    each: elements the ODS reader must look at one by one."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = []
    for _ in range(rows):
        words = "".join("<text:s/>" + rng.choice(letters) + rng.choice(letters) for _ in range(per_row))
        out.append(f'<table:table-row><table:table-cell office:value-type="string"><text:p>{words}</text:p>'
                   "</table:table-cell></table:table-row>")
    return "".join(out)


def _random_elements(n: int, seed: int = 7) -> bytes:
    """``n`` empty elements with random two-letter names (``<kq/>``): little to compress, nothing to read."""
    rng = random.Random(seed)
    letters = bytes(range(97, 123)) * 10  # 260 bytes: a byte value picks a letter
    table = bytes(letters[i] for i in range(256))
    buf = bytearray(b"<ab/>" * n)
    buf[1::5] = rng.randbytes(n).translate(table)
    buf[2::5] = rng.randbytes(n).translate(table)
    return bytes(buf)


def _corpus() -> list[Case]:
    return [
        # --- decompression and declared-size bombs (issue 12 item 4)
        Case("kich-thuoc-khai-gian.xlsx", lambda: _xlsx(_sheet(_rows_xml(PEOPLE), head='<dimension ref="A1:XFD1048576"/>')),
             "accept", _people_read),
        Case("kich-thuoc-khai-gian-o-cuoi.xlsx", lambda: _xlsx(_sheet(
            _rows_xml(PEOPLE) + '<row r="1048576"><c r="XFD1048576" s="1"/><c r="XFC1048576" t="inlineStr"><is><t> '
            '</t></is></c></row>', head='<dimension ref="A1:XFD1048576"/>')), "accept", _people_read),
        Case("trieu-dong-trong.xlsx", lambda: _xlsx(_sheet(_rows_xml(PEOPLE) + "<row/>" * 1_100_000),
                                                    sheet_ctype=zipfile.ZIP_STORED), "refuse", says="1.048.576"),
        Case("4-trieu-phan-tu.xlsx", lambda: _xlsx(_sheet().split("<sheetData>")[0].encode() + b"<sheetData>"
                                                   + _rows_xml(PEOPLE).encode() + _random_elements(4_000_000)
                                                   + b"</sheetData></worksheet>"), "refuse", says="phần tử"),
        Case("4-trieu-phan-tu.ods", lambda: _ods(_ods_rows(PEOPLE) + "<table:table-column/>" * 10
                                                 + _random_elements(4_000_000).decode()), "refuse",
             says="phần tử|lớn"),
        Case("danh-sach-180-nghin-nguoi.xlsx", lambda: _big_roster_xlsx(180_000), "accept", _read_all(180_000)),
        Case("3-trieu-o.xlsx", lambda: _many_numbers_xlsx(20_000, 150), "refuse", says="ô"),
        Case("20-nghin-phan.xlsx", lambda: _zip([(f"xl/x{i}.xml", b"") for i in range(20_000)]), "refuse"),
        Case("utf16-doctype.xlsx", lambda: _xlsx(_sheet(_rows_xml(PEOPLE), prolog="<!DOCTYPE worksheet>")
                                                 .replace('encoding="UTF-8"', 'encoding="UTF-16"')
                                                 .encode("utf-16")), "refuse", says="DOCTYPE"),
        Case("nhi-phan.xlsb", lambda: _zip([("[Content_Types].xml", "<Types/>"), ("xl/workbook.bin", b"\0" * 100)]),
             "refuse", says="xlsb"),
        Case("xml-2003.xls", lambda: b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:'
                                     b'spreadsheet"><Worksheet/></Workbook>', "refuse", says="XML"),
        Case("khoang-trang-1GB.xlsx", lambda: _xlsx(_chain([_sheet().split("<sheetData>")[0].encode() + b"<sheetData>"],
                                                            [_rows_xml(PEOPLE).encode()], _repeat(b" ", 1 << 30),
                                                            [b"</sheetData></worksheet>"])),
             "refuse", says="giải nén"),
        Case("chuoi-chung-512MB.xlsx", lambda: _xlsx(_sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
                                                     shared=_chain([f'<sst xmlns="{SS_NS}"><si><t>'.encode()],
                                                                   _repeat(b"A", 512 << 20), [b"</t></si></sst>"])),
             "refuse", says="giải nén"),
        Case("chuoi-chung-nhieu.xlsx", lambda: _xlsx(_sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
                                                     shared=_ss(f"{i:x}" for i in range(2_500_000))),
             "either"),
        Case("khai-nho-hon-that.xlsx", lambda: _patch_central_sizes(_xlsx(), "xl/worksheets/sheet1.xml", 100),
             "refuse"),
        Case("khai-4GB.xlsx", lambda: _patch_central_sizes(_xlsx(), "xl/worksheets/sheet1.xml", 0xFFFF0000),
             "refuse"),
        Case("o-rat-dai.xlsx", lambda: _xlsx(_sheet(_rows_xml(PEOPLE) + '<row r="5"><c r="A5" t="inlineStr"><is><t>'
                                                    + "".join(random.Random(5).choices("abcdefgh ", k=3_000_000))
                                                    + "</t></is></c></row>")), "either"),
        Case("dong-qua-lon.xlsx", lambda: _xlsx(_sheet(_rows_xml(PEOPLE) + '<row r="5"><c r="A5" t="inlineStr"><is><t>'
                                                       + "".join(random.Random(6).choices("abcdefgh ", k=12_000_000))
                                                       + "</t></is></c></row>")), "either"),
        Case("250-nghin-dong.xlsx", lambda: _xlsx(_sheet(_big_sheet_rows())), "refuse", says="200.000"),
        Case("o-o-dong-xa.xlsx", lambda: _xlsx(_sheet(_rows_xml(PEOPLE) + '<row r="900000"><c r="A900000" '
                                                      't="inlineStr"><is><t>x</t></is></c></row>')),
             "refuse", says="200.000"),
        Case("o-o-cot-xa.xlsx", lambda: _xlsx(_sheet(_rows_xml(PEOPLE) + '<row r="5"><c r="XFD5" '
                                                     't="inlineStr"><is><t>x</t></is></c></row>')), "refuse"),
        Case("gop-o-khong-lo.xlsx", lambda: _xlsx(_sheet(_rows_xml(PEOPLE), tail='<mergeCells count="1">'
                                                         '<mergeCell ref="A1:XFD1048576"/></mergeCells>')),
             "accept", _people_read),
        Case("dong-am.xlsx", lambda: _xlsx(_sheet('<row r="-5"><c t="inlineStr"><is><t>x</t></is></c></row>'
                                                  + _rows_xml(PEOPLE))), "refuse"),
        Case("dong-chu.xlsx", lambda: _xlsx(_sheet('<row r="abc"><c t="inlineStr"><is><t>x</t></is></c></row>')),
             "refuse"),
        Case("chi-so-chuoi-sai.xlsx", lambda: _xlsx(_sheet('<row r="1"><c r="A1" t="s"><v>999</v></c></row>'),
                                                    shared=_ss(["a"])), "refuse"),
        Case("long-sau.xlsx", lambda: _xlsx(_sheet(_rows_xml(PEOPLE) + f'<row r="5"><c r="A5">{_deep()}</c></row>'),
                                            sheet_ctype=zipfile.ZIP_STORED), "either"),
        Case("long-sau-workbook.xlsx", lambda: _xlsx(workbook=f'<workbook xmlns="{SS_NS}">{_deep()}</workbook>'),
             "refuse"),
        Case("tiec-cuoi-ty.xlsx", lambda: _xlsx(_sheet(_rows_xml(PEOPLE).replace("Thôn 1", "&l9;"),
                                                       prolog=_laughs("worksheet")),
                                                sheet_ctype=zipfile.ZIP_STORED), "refuse"),
        Case("tiec-cuoi-ty-chuoi.xlsx", lambda: _xlsx(_sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
                                                      shared=_ss(["&l9;"], _laughs("sst"), raw=True)), "refuse"),
        Case("thuc-the-ngoai.xlsx", lambda: _xlsx(_sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is>'
                                                         '</c></row>', prolog='<!DOCTYPE worksheet [<!ENTITY x '
                                                         'SYSTEM "file:///etc/passwd">]>')), "refuse"),
        Case("khong-co-trang.xlsx", lambda: _xlsx(workbook=f'<workbook xmlns="{SS_NS}"><sheets/></workbook>'),
             "refuse"),
        Case("cat-cut-10.xlsx", lambda: _xlsx()[: len(_xlsx()) // 10], "refuse"),
        Case("cat-cut-50.xlsx", lambda: _xlsx()[: len(_xlsx()) // 2], "refuse"),
        Case("cat-cut-cuoi.xlsx", lambda: _xlsx()[:-30], "refuse"),
        Case("nen-hong.xlsx", lambda: _flip_inside(_xlsx(_sheet(_rows_xml(PEOPLE * 30))), "xl/worksheets/sheet1.xml", 1),
             "refuse"),
        Case("nen-hong-2.xlsx", lambda: _flip_inside(_xlsx(_sheet(_rows_xml(PEOPLE * 30))), "xl/worksheets/sheet1.xml",
                                                     7, 2), "refuse"),
        Case("xml-hong.xlsx", lambda: _xlsx(_sheet(_rows_xml(PEOPLE))[:-40]), "refuse"),
        Case("zip-rong.xlsx", lambda: b"PK\x05\x06" + b"\0" * 18, "refuse"),
        Case("zip-la.xlsx", lambda: _zip([("hello.txt", "xin chào")]), "refuse"),
        # --- ODS spans and repeats (items 4 and 15)
        Case("gop-hang-tram-ty.ods", lambda: _ods(_ods_rows(PEOPLE[:1]) + '<table:table-row>'
                                                 + _ods_cell("Nguyễn Thị Hà", ' table:number-rows-spanned="100000000000"')
                                                 + '</table:table-row>' + _ods_rows(PEOPLE[2:])),
             "accept", lambda s: _rows_at_least(s, 4)),
        Case("gop-cot-tram-ty.ods", lambda: _ods(_ods_rows(PEOPLE[:1]) + '<table:table-row>' + _ods_cell(
            "Nguyễn Thị Hà", ' table:number-columns-spanned="100000000000"') + '</table:table-row>'
            + _ods_rows(PEOPLE[2:])), "accept", lambda s: _rows_at_least(s, 4)),
        Case("lap-dong-ty.ods", lambda: _ods(_ods_rows(PEOPLE[:1]) + '<table:table-row table:number-rows-repeated='
                                            '"1000000000">' + _ods_cell("Nguyễn Thị Hà") + '</table:table-row>'),
             "refuse", says="200.000"),
        Case("lap-cot-ty.ods", lambda: _ods(_ods_rows(PEOPLE[:1]) + '<table:table-row>' + _ods_cell(
            "Nguyễn Thị Hà", ' table:number-columns-repeated="1000000000"') + '</table:table-row>'),
             "refuse", says="cột"),
        Case("dong-trong-cuoi.ods", lambda: _ods(_ods_rows(PEOPLE) + '<table:table-row table:number-rows-repeated='
                                                '"1048572"><table:table-cell table:number-columns-repeated="1024"/>'
                                                '</table:table-row>'), "accept", _people_read),
        Case("du-lieu-sau-250-nghin-dong-trong.ods", lambda: _ods(
            _ods_rows(PEOPLE) + '<table:table-row table:number-rows-repeated="250000"><table:table-cell/>'
            '</table:table-row>' + _ods_rows(PEOPLE[1:2])), "refuse", says="250.005"),
        Case("lap-am.ods", lambda: _ods(_ods_rows(PEOPLE[:2]) + '<table:table-row table:number-rows-repeated="-5">'
                                       + _ods_cell("Đặng Văn Lâm") + '</table:table-row>' + _ods_rows(PEOPLE[3:])),
             "refuse", says="dòng 3"),
        Case("lap-chu.ods", lambda: _ods(_ods_rows(PEOPLE[:2]) + '<table:table-row table:number-rows-repeated="ba">'
                                        + _ods_cell("Đặng Văn Lâm") + '</table:table-row>'), "refuse", says="dòng 3"),
        Case("lap-cot-am.ods", lambda: _ods(_ods_rows(PEOPLE[:2]) + '<table:table-row>' + _ods_cell(
            "Đặng Văn Lâm", ' table:number-columns-repeated="-2"') + '</table:table-row>'), "refuse", says="dòng 3"),
        Case("khoang-trang-ty.ods", lambda: _ods(_ods_rows(PEOPLE) + '<table:table-row><table:table-cell office:'
                                                'value-type="string"><text:p>a<text:s text:c="1000000000"/>b</text:p>'
                                                '</table:table-cell></table:table-row>'), "either"),
        Case("long-sau.ods", lambda: _ods(_ods_rows(PEOPLE) + '<table:table-row><table:table-cell office:value-type='
                                         '"string"><text:p>' + "<text:span>" * 100_000 + "x" + "</text:span>" * 100_000
                                         + '</text:p></table:table-cell></table:table-row>',
                                         content_ctype=zipfile.ZIP_STORED), "either"),
        Case("tiec-cuoi-ty.ods", lambda: _ods(_ods_rows(PEOPLE).replace("Thôn 1", "&l9;"),
                                             prolog=_laughs("office:document-content"),
                                             content_ctype=zipfile.ZIP_STORED), "refuse"),
        Case("khoang-trang-1GB.ods", lambda: _ods(_chain([_ods_rows(PEOPLE).encode()], _repeat(b" ", 1 << 30))),
             "refuse", says="giải nén"),
        Case("khong-noi-dung.ods", lambda: _zip([("mimetype", b"application/vnd.oasis.opendocument.spreadsheet",
                                                  zipfile.ZIP_STORED)]), "refuse"),
        Case("danh-sach-150-nghin-nguoi.ods", lambda: _big_roster_ods(150_000), "accept", _read_all(150_000)),
        # one paragraph per row stuffed with spaces (and two letters each): 5.2 million elements in 10 MB, every
        # row under the gap limit; read until the file's element budget (8 million then) stopped it: 14 s of CPU
        Case("khoang-cach-5-trieu.ods", lambda: _ods(_spaced_rows(208, 25_000)), "refuse", says="phần tử"),
        Case("rac-trong-o-5-trieu.xlsx", lambda: _junk_in_cells_xlsx(130, 40_000), "refuse", says="phần tử"),
        Case("khoang-trang-rac.ods", lambda: _ods(_ods_rows(PEOPLE) + '<table:table-row><table:table-cell office:'
                                                 'value-type="string"><text:p>a<text:s text:c="x"/>b</text:p>'
                                                 '</table:table-cell></table:table-row>'), "accept",
             lambda s: _rows_at_least(s, 5)),
        Case("chu-thich.ods", lambda: _ods(_ods_rows(PEOPLE[:1]) + '<table:table-row><table:table-cell office:value-'
                                          'type="string"><office:annotation><text:p>ghi chú</text:p></office:annotation>'
                                          '<text:p>Nguyễn Thị Hà</text:p></table:table-cell></table:table-row>'
                                          + _ods_rows(PEOPLE[2:])), "accept", _people_read),
        # --- CSV (items 7 and 16)
        Case("nul_bytes.csv", lambda: _csv(_CSV_HEAD + "Nguyễn\x00 Thị Hà;1985;0912345678;Thôn 1\n"
                                           "Đặng Văn Lâm;1990;09876\x0054321;Thôn 2\n"), "accept", _cleaned("A")),
        Case("ctrl_chars.csv", lambda: _csv(_CSV_HEAD + "Nguyễn Thị Hà;1985;0912345678;Thôn\x1b[31m 1\x07\n"
                                            "Đặng Văn Lâm\x0b;1990;0987654321;Thôn 2\x7f\n"), "accept", _cleaned("D")),
        Case("utf16-nul.csv", lambda: b"\xff\xfe" + (_CSV_HEAD + "Nguyễn Thị Hà\x00;1985;0912345678;Thôn 1\n")
             .encode("utf-16-le"), "accept", _cleaned("A")),
        Case("tron-bang-ma.csv", lambda: _CSV_HEAD.encode() + _CSV_ROWS.encode("utf-8")
             + "Trương Thị Ngọc Ánh;1978;0356789012;Thôn 1\n".encode("cp1258", errors="replace"), "accept",
             lambda s: _rows_at_least(s, 3)),
        Case("utf16-le-le.csv", lambda: b"\xff\xfe" + _CSV_HEAD.encode("utf-16-le") + b"\x00", "either"),
        Case("utf16-khong-bom.csv", lambda: (_CSV_HEAD + _CSV_ROWS + "Trương Thị Ngọc Ánh;1978;0356789012;Thôn 1\n")
             .encode("utf-16-le"), "accept", _people_read),
        Case("danh-sach-180-nghin-nguoi.csv", lambda: _big_roster_csv(180_000), "accept", _read_all(180_000)),
        Case("o-10MB.csv", lambda: (_CSV_HEAD + '"' + "x" * 10_000_000 + '";1985;;\n').encode(), "refuse"),
        Case("250-nghin-dong.csv", lambda: (_CSV_HEAD + "".join(f"Người {i};1980;;Thôn 1\n" for i in range(250_000)))
             .encode(), "refuse", says="200.000"),
        Case("nhieu-cot.csv", lambda: (_CSV_HEAD + ";".join(["x"] * 5000) + "\n").encode(), "refuse", says="200"),
        Case("chi-dau-phan-cach.csv", lambda: b"\n\n;;;\n;;\n", "refuse"),
        Case("nhi-phan.csv", lambda: random.Random(3).randbytes(20000), "refuse"),
        Case("anh.xlsx", lambda: b"\x89PNG\r\n\x1a\n" + random.Random(4).randbytes(4000),
             "refuse"),
        Case("tai-lieu.xlsx", lambda: b"%PDF-1.4\n" + random.Random(8).randbytes(4000),
             "refuse"),
        Case("gzip.csv", lambda: __import__("gzip").compress(_csv(_CSV_HEAD + _CSV_ROWS)), "refuse"),
        # --- wrong extensions, empty files
        Case("that-ra-xlsx.csv", lambda: _xlsx(), "accept", _people_read),
        Case("that-ra-csv.xlsx", lambda: _csv(_CSV_HEAD + _CSV_ROWS + "Trương Thị Ngọc Ánh;1978;0356789012;Thôn 1\n"),
             "accept", _people_read),
        Case("that-ra-ods.xls", lambda: _ods(_ods_rows(PEOPLE)), "accept", _people_read),
        Case("rong.xlsx", lambda: b"", "refuse"),
        Case("khoang-trang.csv", lambda: b"  \r\n\t\n", "refuse"),
        Case("trang-web.xls", lambda: b"<html><table><tr><td>x</td></tr></table></html>", "refuse"),
        # --- XLS
        Case("xls-rac.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(9).randbytes(6000), "refuse"),
        Case("xls-cut.xls", lambda: _xls_bytes(PEOPLE)[:3000], "refuse"),
        Case("xls-dung.xls", lambda: _xls_bytes(PEOPLE), "accept", _people_read),
        Case("xls-o-xa.xls", _xls_far_blank, "accept", _people_read),
        Case("xls-hong.xls", lambda: _flip_bytes(_xls_bytes(PEOPLE * 20), 11, 40), "either"),
    ]


def _flip_bytes(data: bytes, seed: int, n: int) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(n):
        out[rng.randrange(512, len(out))] = rng.randrange(256)
    return bytes(out)


def _rows_at_least(summary: dict, n: int) -> None:
    assert summary["tables"][0]["rows"] >= n, summary
    assert "Nguyễn Thị Hà" in summary["tables"][0]["texts"], summary


CORPUS = {c.name: c for c in _corpus()}

# ---------------------------------------------------------------------------
# Reading a file in a child process (memory-limited, hang-guarded)
# ---------------------------------------------------------------------------
_CHILD = r"""
import json, os, re, resource, sys, time, traceback
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
resource.setrlimit(resource.RLIMIT_CPU, (int(sys.argv[4]), int(sys.argv[4]) + 5))  # SIGXCPU: a hang
t0 = time.perf_counter()
ctrl = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def one(path):
    from exports import importer
    try:
        book = importer.read_table(path)
    except importer.InputError as e:
        lib = e.__cause__ or e.__context__
        while lib is not None and type(lib).__module__.startswith(("exports.", "models.")):
            lib = lib.__cause__ or lib.__context__
        return {"outcome": "refused", "message": e.message, "lib_text": str(lib)[:300] if lib else ""}
    bad = any(ctrl.search(v) for t in book.tables for row in t.cells for v in row if isinstance(v, str))
    return {"outcome": "accepted", "control_chars": bad, "tables": []}


try:
    from exports import importer
    if os.path.isdir(sys.argv[1]):  # a batch: each file's outcome
        files = {}
        for name in sorted(os.listdir(sys.argv[1])):
            try:
                files[name] = one(os.path.join(sys.argv[1], name))
            except BaseException as e:
                files[name] = {"outcome": "crash", "type": type(e).__name__, "text": str(e)[:300]}
        raise StopIteration(files)
    try:
        book = importer.read_table(sys.argv[1])
    except importer.InputError as e:
        lib, seen = e.__cause__ or e.__context__, 0
        while lib is not None and type(lib).__module__.startswith(("exports.", "models.")) and seen < 10:
            lib, seen = lib.__cause__ or lib.__context__, seen + 1  # the library's own error, if any
        out = {"outcome": "refused", "type": type(e).__name__, "message": e.message,
               "lib": type(lib).__name__ if lib else "", "lib_text": str(lib)[:300] if lib else ""}
    else:
        tables, bad = [], False
        for t in book.tables:
            texts = [v for row in t.cells for v in row if isinstance(v, str)]
            bad = bad or any(ctrl.search(v) for v in texts)
            first = next((row for row in t.cells if any(v not in (None, "") for v in row)), [])
            tables.append({"name": t.name, "rows": len(t.cells), "width": t.width, "merges": len(t.merges),
                           "merge_max": max((max(m[2], m[3]) for m in t.merges), default=0),
                           "first": [v if isinstance(v, (str, int, float, type(None))) else str(v) for v in first],
                           "texts": [v[:200] for v in texts[:2000]]})
        out = {"outcome": "accepted", "kind": book.kind, "tables": tables, "control_chars": bad,
               "notes": list(getattr(book, "notes", []))}
        if len(sys.argv) > 3 and sys.argv[3] == "roster":  # then the preview, as `cnscd import roster --dry-run`
            import tempfile
            from pathlib import Path
            from models.db import Registry
            reg, _ = Registry.create(Path(tempfile.mkdtemp()) / "so.cnscd", "mat-khau-thu-nghiem",
                                     province="Thành phố Hải Phòng", commune="Trần Hưng Đạo")
            try:
                pv = importer.read_roster(reg, sys.argv[1], book=book)
                out["preview"] = {"rows": len(pv.rows), "warnings": list(pv.warnings)}
            except importer.InputError as e:
                out["preview"] = {"refused": e.message}
            finally:
                reg.close()
except StopIteration as batch:
    out = {"outcome": "batch", "files": batch.value}
except BaseException as e:
    out = {"outcome": "crash", "type": type(e).__name__, "text": str(e)[:300], "tb": traceback.format_exc()[-3000:]}
out["seconds"] = round(time.perf_counter() - t0, 2)
use = resource.getrusage(resource.RUSAGE_SELF)
out["cpu_s"] = round(use.ru_utime + use.ru_stime, 2)  # the file's cost, whatever else the machine is doing
try:  # the peak of this process's own memory (ru_maxrss would carry the parent's peak across exec)
    with open("/proc/self/status") as f:
        peak_kb = next(int(ln.split()[1]) for ln in f if ln.startswith("VmHWM:"))
except (OSError, StopIteration, ValueError):
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out["maxrss_mb"] = round(peak_kb / 1024, 1)
sys.stdout.write("\n@@RESULT@@" + json.dumps(out, ensure_ascii=False))
"""


def read_in_child(path: Path, mode: str = "") -> dict:
    """``read_table`` of ``path`` in a memory-limited child; ``mode="roster"``: and the roster preview of it
    in a new registry (the child runs under pytest's fast key derivation)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED="0")
    cpu = HANG_CPU * (10 if path.is_dir() else 1)  # a batch of small files: the guard for all of them
    try:
        r = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(MEM_LIMIT), mode, str(cpu)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        return {"outcome": "hang", "seconds": HANG_GUARD, "maxrss_mb": None}
    if r.returncode == -signal.SIGXCPU:
        return {"outcome": "hang", "seconds": None, "cpu_s": cpu, "maxrss_mb": None}
    if r.returncode != 0 or "@@RESULT@@" not in r.stdout:
        return {"outcome": "crash", "type": f"exit {r.returncode}", "text": r.stderr[-2000:], "maxrss_mb": None,
                "seconds": None}
    out = json.loads(r.stdout.rsplit("@@RESULT@@", 1)[1])
    if r.stdout.split("@@RESULT@@")[0].strip():  # the importer must not print (the CLI's output is the clerk's)
        out["stdout"] = r.stdout.split("@@RESULT@@")[0].strip()[:300]
    return out


_ENGLISH = re.compile(r"\b(error|errno|invalid|unexpected|expected|file|files|not|while|decompress\w*|zip|line|"
                      r"column|bad|found|record|failed|cannot|unsupported|exception|traceback|the|is|of|"
                      r"unknown|missing|encoding|element|token|entity|entities|forbidden|malformed)\b", re.I)


def refusal_problems(out: dict) -> list[str]:
    """What is wrong with a refusal's message: English library text, no Vietnamese, nothing to do."""
    msg = out.get("message", "")
    problems = []
    if not re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", msg.lower()):
        problems.append("not Vietnamese")
    plain = re.sub(r"\s*\([A-Za-z_.]+\)\.?$", "", msg)  # the exception TYPE name for support may end it
    plain = re.sub(r"«[^»]*»", "", plain)  # file and sheet names
    if _ENGLISH.search(plain):
        problems.append(f"English: {_ENGLISH.search(plain).group(0)!r}")
    lib_text = out.get("lib_text", "").strip()
    if len(lib_text) >= 8 and lib_text[:40] in msg:
        problems.append("library text")
    if "Hãy" not in msg:
        problems.append("does not say what to do («Hãy …»)")
    return problems


def classify(case: Case, out: dict) -> tuple[str, str]:
    """(refused | accepted | other, why)."""
    got = out["outcome"]
    if out.get("stdout"):
        return "other", f"printed to standard output: {out['stdout']}"
    if got == "refused":
        problems = refusal_problems(out)
        if problems:
            return "other", f"refusal message: {problems}: {out['message']}"
        if case.expect == "accept":
            return "other", f"refused a good file: {out['message']}"
        if case.says and not re.search(case.says, out["message"]):
            return "other", f"refusal does not say {case.says!r}: {out['message']}"
    elif got == "accepted":
        if case.expect == "refuse":
            return "other", f"accepted: {json.dumps(out, ensure_ascii=False)[:400]}"
        if out["control_chars"]:
            return "other", "control characters kept"
        if case.check is not None:
            try:
                case.check(out)
            except AssertionError as e:
                return "other", f"read wrongly: {e}"[:600]
    else:
        return "other", f"{got}: {out.get('type', '')} {out.get('text', '')}"[:2000]
    rss = out.get("maxrss_mb")
    if rss is not None and rss > RSS_LIMIT_MB:
        return "other", f"{got} but peak memory {rss} MB > {RSS_LIMIT_MB} MB"
    return got, ""


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


def _materialise(d: Path, case: Case) -> Path:
    p = d / case.name
    if not p.exists():
        p.write_bytes(case.make())
    return p


@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_file_refused_cleanly_or_read_correctly(corpus_dir, name):
    case = CORPUS[name]
    p = _materialise(corpus_dir, case)
    assert p.stat().st_size <= 20 * 1024 * 1024, "the promise covers files up to 20 MB"
    out = read_in_child(p)
    verdict, why = classify(case, out)
    print(f"{name}: {verdict} {out.get('seconds')} s {out.get('maxrss_mb')} MB {out.get('message', '')}")
    assert verdict != "other", why


@pytest.mark.parametrize("name", ["gop-hang-tram-ty.ods", "gop-cot-tram-ty.ods", "gop-o-khong-lo.xlsx",
                                  "kich-thuoc-khai-gian-o-cuoi.xlsx", "dong-trong-cuoi.ods"])
def test_roster_preview_of_huge_spans_and_dimensions_finishes(corpus_dir, name):
    """A span of 10^11 rows or a merge of the whole sheet once hung the preview (merged headers are filled in)."""
    out = read_in_child(_materialise(corpus_dir, CORPUS[name]), "roster")
    assert out["outcome"] == "accepted", out
    t = out["tables"][0]
    assert t["merge_max"] < max(t["rows"], 200), t  # merged ranges cut to what was read
    assert out["preview"].get("rows", 0) >= 3 or "refused" in out["preview"], out["preview"]


def _mutants(base: bytes, n: int, seed: int) -> list[bytes]:
    """``n`` damaged copies of ``base``: byte flips, cuts, spliced repeats, zeroed runs."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        b = bytearray(base)
        how = i % 4
        if how == 0:
            for _ in range(rng.randint(1, 12)):
                b[rng.randrange(len(b))] = rng.randrange(256)
        elif how == 1:
            b = b[: rng.randrange(1, len(b))]
        elif how == 2:
            at = rng.randrange(len(b))
            b[at:at] = b[rng.randrange(len(b)):][: rng.randint(1, 4000)]
        else:
            at = rng.randrange(len(b))
            b[at:at + rng.randint(1, 300)] = bytes(rng.randint(1, 300))
        out.append(bytes(b))
    return out


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "xls", "csv"])
def test_damaged_copies_are_refused_cleanly_or_read(tmp_path, fmt):
    """Fuzz: 60 damaged copies of a sound file per format, read in one memory-limited child."""
    base = {"xlsx": lambda: _xlsx(_sheet(_rows_xml(PEOPLE * 5)), shared=_ss(["Thôn 1", "Thôn 2"])),
            "ods": lambda: _ods(_ods_rows(PEOPLE * 5)), "xls": lambda: _xls_bytes(PEOPLE * 5),
            "csv": lambda: (_CSV_HEAD + _CSV_ROWS * 5).encode()}[fmt]()
    d = tmp_path / fmt
    d.mkdir()
    for i, data in enumerate(_mutants(base, 60, seed=len(fmt))):
        (d / f"hong-{i:02d}.{fmt}").write_bytes(data)
    out = read_in_child(d)
    assert out["outcome"] == "batch", out
    bad = []
    for name, res in out["files"].items():
        verdict, why = classify(Case(name, bytes, "either"), res)
        if verdict == "other":
            bad.append((name, why))
    assert not bad, bad


# ---------------------------------------------------------------------------
# In-process checks (fast): exact messages, what the clerk is told
# ---------------------------------------------------------------------------
def test_negative_ods_repeat_is_a_damaged_file_naming_the_row(tmp_path):
    from exports import importer

    p = tmp_path / "lap-am.ods"
    p.write_bytes(CORPUS["lap-am.ods"].make())
    with pytest.raises(importer.ImportFailed) as e:
        importer.read_table(p)
    assert "hỏng" in e.value.message and "dòng 3" in e.value.message and "-5" in e.value.message


def test_data_after_many_empty_ods_rows_is_named_not_dropped(tmp_path):
    from exports import importer

    p = tmp_path / "sau.ods"
    p.write_bytes(CORPUS["du-lieu-sau-250-nghin-dong-trong.ods"].make())
    with pytest.raises(importer.ImportFailed) as e:
        importer.read_table(p)
    assert "250.005" in e.value.message and "chưa" in e.value.message


def test_trailing_repeated_ods_rows_and_columns_read_as_libreoffice_writes_them(tmp_path):
    from exports import importer

    p = tmp_path / "lo.ods"
    p.write_bytes(_ods('<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row>'
                       + _ods_rows(PEOPLE) + '<table:table-row table:number-rows-repeated="3">'
                       + _ods_cell("Lặp", ' table:number-columns-repeated="2"') + _ods_cell(None, ' table:number-'
                       'columns-repeated="16380"') + '</table:table-row><table:table-row table:number-rows-repeated='
                       '"1048000"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>'))
    t = importer.read_table(p).tables[0]
    assert t.cells[:2] == [[], []] and t.cells[2] == PEOPLE[0] and t.cells[3][0] == "Nguyễn Thị Hà"
    assert t.cells[6:] == [["Lặp", "Lặp"]] * 3  # a repeated row is every one of its rows, never capped silently


def test_control_characters_are_cleaned_and_each_row_named(tmp_path):
    from exports import importer

    p = tmp_path / "ctrl_chars.csv"
    p.write_bytes(_csv(_CSV_HEAD + "Nguyễn\x00 Thị Hà;1985;0912345678;Thôn\x1b 1\x07\n"
                       "Đặng Văn Lâm;1990;0987654321;Thôn 2\n" "Lê\tHữu\r\nƯớc;1995;;Thôn\x7f 2\n"))
    book = importer.read_table(p)
    cells = book.tables[0].cells
    assert cells[1][:4] == ["Nguyễn Thị Hà", 1985 if isinstance(cells[1][1], int) else "1985", "0912345678", "Thôn 1"]
    assert cells[2][0] == "Đặng Văn Lâm"
    assert cells[3][0] == "Lê\tHữu" and cells[4][3] == "Thôn 2"  # tab and newline kept (here a line break)
    assert book.notes == [
        "Dòng 2: đã bỏ ký tự điều khiển (không in được) ở cột A, D.",
        "Dòng 5: đã bỏ ký tự điều khiển (không in được) ở cột D.",
    ], book.notes


def test_control_characters_in_xls_cells_are_cleaned(tmp_path):
    from exports import importer

    p = tmp_path / "ctrl.xls"
    p.write_bytes(_xls_bytes([PEOPLE[0], ["Nguyễn\x07 Thị Hà", 1985, "0912\x00345678", "Thôn\t1"]]))
    book = importer.read_table(p)
    assert book.tables[0].cells[1] == ["Nguyễn Thị Hà", 1985.0, "0912345678", "Thôn\t1"]
    assert book.notes == ["Dòng 2: đã bỏ ký tự điều khiển (không in được) ở cột A, C."]


def test_refusals_of_damaged_zips_are_vietnamese_without_library_text(tmp_path):
    from exports import importer

    for name in ("nen-hong.xlsx", "cat-cut-cuoi.xlsx", "khai-nho-hon-that.xlsx", "xls-rac.xls", "o-10MB.csv"):
        p = tmp_path / name
        p.write_bytes(CORPUS[name].make())
        with pytest.raises(importer.ImportFailed) as e:
            importer.read_table(p)
        lib = e.value.__cause__ or e.value.__context__
        while lib is not None and type(lib).__module__.startswith(("exports.", "models.")):
            lib = lib.__cause__ or lib.__context__
        out = {"message": e.value.message, "lib_text": str(lib) if lib else ""}
        assert not refusal_problems(out), (name, e.value.message)


def test_check_package_refuses_bombs_before_openpyxl_sees_them(tmp_path):
    """For readers that hand a whole workbook to openpyxl (templates, tally sheets): sizes checked first."""
    from exports import sheets

    sheets.check_package("mau.xlsx", _xlsx())  # a sound workbook passes
    for name in ("khai-4GB.xlsx", "cat-cut-cuoi.xlsx", "20-nghin-phan.xlsx"):
        with pytest.raises(sheets.ImportFailed) as e:
            sheets.check_package(name, CORPUS[name].make())
        assert not refusal_problems({"message": e.value.message}), e.value.message
    big = _xlsx(_sheet(_rows_xml(PEOPLE * 2000)))
    with pytest.raises(sheets.ImportFailed, match="lớn hơn 1 MB"):
        sheets.check_package("mau.xlsx", big, max_total=1024 * 1024)


# ---------------------------------------------------------------------------
# The streamed readers give what openpyxl and odfpy gave
# ---------------------------------------------------------------------------
def _openpyxl_cells(path: Path) -> list[tuple[str, dict]]:
    """What the importer read through openpyxl's read-only, data-only reader before (values, fonts)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    out = []
    for ws in wb.worksheets:
        if not hasattr(ws, "iter_rows"):
            continue
        cells = {}
        for row in ws.iter_rows():
            for cell in row:
                v = getattr(cell, "value", None)
                if v is None or (isinstance(v, str) and not v.strip()):
                    continue
                font = cell.font.name if isinstance(v, str) and cell.has_style else None
                cells[(cell.row - 1, cell.column - 1)] = (v, font)
        out.append((ws.title, cells))
    wb.close()
    return out


def _table_cells(t) -> dict:
    return {(r, c): (v, t.font(r, c)) for r, row in enumerate(t.cells) for c, v in enumerate(row)
            if v is not None}


@pytest.mark.parametrize("epoch1904", [False, True])
def test_xlsx_reader_gives_what_openpyxl_gave(tmp_path, epoch1904):
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.styles import Font

    from exports import importer

    wb = Workbook()
    wb.epoch = dt.datetime(1904, 1, 1) if epoch1904 else wb.epoch
    ws = wb.active
    ws.title = "Danh sách"
    ws.append(["DANH SÁCH", None, None, "  "])
    ws.append([])
    ws.append(["Họ và tên", "Ngày sinh", "Giờ", "Thời lượng", "Tỉ lệ", "Số", "Đúng", "Công thức", "Lỗi", "Chữ"])
    ws.append(["Nguyễn Thị Hà", dt.datetime(1985, 3, 7), dt.time(7, 30), dt.timedelta(hours=30), 0.25, 1234567,
               True, "=1+1", "#N/A", CellRichText(["Thôn ", TextBlock(InlineFont(b=True), "Đông")])])
    ws.append(["Ng÷êi Mét", dt.date(1990, 12, 31), None, None, 1.5, -3, False, None, None, "Tr\u01b0\u01a1ng"])
    ws["B4"].number_format = "dd/mm/yyyy"
    ws["D4"].number_format = "[h]:mm"
    ws["E4"].number_format = "0%"
    ws["A5"].font = Font(name=".VnTime")
    ws["A4"].font = Font(name="Times New Roman", bold=True)
    ws.merge_cells("A1:J1")
    ws.cell(row=40, column=30, value="xa")
    hidden = wb.create_sheet("Ẩn")
    hidden.sheet_state = "hidden"
    hidden["C3"] = 42
    wb.create_sheet("Trống")
    p = tmp_path / "so-sanh.xlsx"
    wb.save(p)
    book = importer.read_table(p)
    want = _openpyxl_cells(p)
    assert [t.name for t in book.tables] == [name for name, _ in want]
    for t, (_, cells) in zip(book.tables, want, strict=True):
        assert _table_cells(t) == cells
    assert book.tables[0].merges == [(0, 0, 0, 9)]



@pytest.mark.parametrize("inline", [False, True])
def test_xlsx_text_across_the_readers_chunks_is_read_whole(tmp_path, inline):
    """The sheet and shared-strings parts are read 64 KiB at a time: a text that a chunk's end cuts in
    two («Cựu chi|ến binh») is read whole, in every row (the rest of it was dropped — a roster's
    «Thành phần» became «Cựu chi», a category no one has, and the row waited for a choice)."""
    from openpyxl import Workbook

    from exports import importer

    cats = ["Cựu chiến binh", "Đoàn Thanh niên", "Hội Liên hiệp Phụ nữ", "Trưởng thôn", "Tình nguyện viên"]
    rows = [[i + 1, f"Nguyễn Thị Hà {i}", cats[i % len(cats)], f"Thôn Tân Lập {i % 60 + 1}", f"09{i:08d}"]
            for i in range(6000)]
    p = tmp_path / "dai.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Danh sách")
    if inline:  # every text in the sheet's own XML (some programs write them so), not shared
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.rich_text import CellRichText

        for r in rows:
            ws.append([r[0]] + [WriteOnlyCell(ws, value=CellRichText([v])) for v in r[1:]])
    else:
        for r in rows:
            ws.append(r)
    wb.save(p)
    want = _openpyxl_cells(p)
    [t] = importer.read_table(p).tables
    got = _table_cells(t)
    assert len(got) == 6000 * 5
    assert {k: v for k, (v, _f) in got.items()} == {k: v for k, (v, _f) in want[0][1].items()}
    assert all(row[2] in cats for row in t.cells)

def _odfpy_rows(path: Path) -> list[tuple[str, list]]:
    """What the importer read through odfpy before (values; annotations were part of the text then)."""
    from odf import teletype
    from odf.namespaces import OFFICENS, TABLENS
    from odf.opendocument import load
    from odf.table import Table as OTable, TableRow
    from odf.text import P

    out = []
    for t in load(str(path)).spreadsheet.getElementsByType(OTable):
        rows = []
        for row in t.getElementsByType(TableRow):
            vals: list = []
            for cell in row.childNodes:
                if cell.qname[1] not in ("table-cell", "covered-table-cell"):
                    continue
                crep = int(cell.getAttrNS(TABLENS, "number-columns-repeated") or 1)
                vtype = cell.getAttrNS(OFFICENS, "value-type") if cell.qname[1] == "table-cell" else None
                if vtype in ("float", "percentage", "currency"):
                    v = float(cell.getAttrNS(OFFICENS, "value"))
                elif vtype == "date":
                    import datetime as dt

                    v = dt.datetime.fromisoformat(cell.getAttrNS(OFFICENS, "date-value"))
                elif vtype == "boolean":
                    v = cell.getAttrNS(OFFICENS, "boolean-value") == "true"
                else:
                    s = "\n".join(teletype.extractText(p) for p in cell.getElementsByType(P))
                    v = s if s.strip() else None
                vals.extend([v] * min(crep, 50))
            while vals and vals[-1] is None:
                vals.pop()
            rows.extend([vals] * min(int(row.getAttrNS(TABLENS, "number-rows-repeated") or 1), 50))
        while rows and not rows[-1]:
            rows.pop()
        out.append((t.getAttrNS(TABLENS, "name"), rows))
    return out


def test_ods_reader_gives_what_odfpy_gave(tmp_path):
    from exports import importer, writers
    from exports.layout import Column, Report

    rep = Report("danh-sach", "DANH SÁCH THÀNH VIÊN", [Column("Stt", "int"), Column("Họ và tên"),
                                                       Column("Năm sinh", "year"), Column("Số điện thoại", "phone")],
                 [[1, "Phạm Đức Thắng", 1969, "0356789012"], [2, "Lê  Hữu\tƯớc", 1995, "0345678901"]])
    own = writers.write_ods(rep, tmp_path / "rieng.ods")
    hand = tmp_path / "tay.ods"
    hand.write_bytes(_ods(
        '<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="3"/>'
        '</table:table-row><table:table-row><table:table-cell office:value-type="string" table:number-columns-'
        'spanned="2"><text:p>Gộp <text:span>hai</text:span><text:s text:c="3"/>ô<text:tab/>x<text:line-break/>y'
        '</text:p><text:p>đoạn 2</text:p></table:table-cell><table:covered-table-cell/><table:table-cell office:'
        'value-type="date" office:date-value="2024-02-29"/><table:table-cell office:value-type="boolean" office:'
        'boolean-value="true"/><table:table-cell office:value-type="percentage" office:value="0.5"/>'
        '<table:table-cell office:value-type="currency" office:value="15000"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="float" office:value='
        '"7" table:number-columns-repeated="2"/></table:table-row>'))
    for p in (own, hand):
        book = importer.read_table(p)
        want = _odfpy_rows(p)
        assert [(t.name, [list(r) for r in t.cells]) for t in book.tables] == want, p.name
    t = importer.read_table(hand).tables[0]
    assert t.cells[2][0] == "Gộp hai   ô\tx\ny\nđoạn 2" and t.merges == [(2, 0, 2, 1)]


def _report(only: list[str]) -> None:
    """``python tests/test_hostile_files.py [NAME…]``: every corpus file (or those whose names contain a NAME),
    its outcome, time and peak memory."""
    import tempfile

    counts: dict[str, int] = {}
    worst = (0.0, "")
    slowest = (0.0, "")
    with tempfile.TemporaryDirectory() as d:
        for case in CORPUS.values():
            if only and not any(o in case.name for o in only):
                continue
            p = _materialise(Path(d), case)
            out = read_in_child(p)
            verdict, why = classify(case, out)
            counts[verdict] = counts.get(verdict, 0) + 1
            rss, secs = out.get("maxrss_mb") or 0.0, out.get("cpu_s") or out.get("seconds") or 0.0
            worst = max(worst, (rss, case.name))
            slowest = max(slowest, (secs, case.name))
            size = p.stat().st_size
            print(f"{case.name:<40} {size:>10,} B  {verdict:<9} {out.get('seconds')!s:>6} s (CPU {secs:>6} s) "
                  f"{rss:>7} MB  "
                  f"{(why or out.get('message', ''))[:150]}", flush=True)
            p.unlink()
    print(f"\n{sum(counts.values())} files: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"peak memory: {worst[0]} MB ({worst[1]}); most CPU: {slowest[0]} s ({slowest[1]})")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    _report(sys.argv[1:])
