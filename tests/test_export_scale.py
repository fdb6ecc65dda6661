"""Exports at province scale and beyond (issue 19): what keeps a 16-province export's memory down
without a temporary file — the XLSX sheet's XML held deflated while rows are written, the roster
read one row at a time into compact rows — and that the file is the same for it.
Figures (time, peak memory) are measured by bench/bench_exports.py, never asserted here."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile

DAY = dt.date(2026, 4, 10)


def _big_report(n: int):
    from exports.layout import Column, Report, stt_column

    cols = [stt_column(), Column("Họ và tên", width=24), Column("Số điện thoại", "phone"), Column("Số", "int")]
    rows = [[i, f"Nguyễn Văn Thử {i} — Tổ dân phố {i % 40}", f"09{i:08d}", i * 7] for i in range(1, n + 1)]
    return Report("thu", "DANH SÁCH THỬ", cols, rows, sheet_name="Thử")


def test_an_xlsx_sheet_is_held_deflated_while_its_rows_are_written():
    """20,000 rows: the sheet's XML in memory is a fraction of its size until the workbook is
    saved (a 16-province roster: about 7 MB, not 100), and the saved sheet is that XML."""
    from exports.xlsx_writer import xlsx_book
    from exports.usb import workbook_bytes

    wb = xlsx_book(_big_report(20_000))
    buf = wb.worksheets[0]._writer.out
    held = len(buf.getbuffer())
    assert buf.size > 2_000_000  # the XML written so far
    assert held < buf.size / 4
    data = workbook_bytes(wb)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert xml.count("Nguyễn Văn Thử ") == 20_000 and xml.endswith("</worksheet>")
    assert "Nguyễn Văn Thử 19999 — Tổ dân phố 39" in xml and "<v>139993</v>" in xml


def test_the_deflated_sheet_gives_back_every_byte():
    """Pieces of any size, text that compresses and bytes that do not, across the reading steps."""
    from exports.usb import _WriteBuffer

    noise = os.urandom(3_000_000)
    parts = [b"<row>" + b"a" * (i % 5000) + b"</row>" for i in range(2000)] + [noise[i:i + 70_001]
                                                                               for i in range(0, len(noise), 70_001)]
    buf = _WriteBuffer()
    for p in parts:
        assert buf.write(p) == len(p)
    assert not buf.readable()
    deflated = buf.getvalue()
    assert buf.size == sum(map(len, parts))
    back = list(_WriteBuffer.chunks(deflated, step=1 << 16))
    assert max(map(len, back)) <= 1 << 16
    assert b"".join(back) == b"".join(parts)


def test_roster_rows_share_repeated_texts_and_keep_the_order(demo):
    """The roster's rows: each team's rows together, in it the Tổ trưởng, the Tổ phó, then the
    members; each village's label and each category one string for all its rows."""
    from exports.report_tree import Scope, roster_rows

    rows = roster_rows(demo, Scope())
    assert len(rows) > 100
    for field in ("village", "category"):
        first: dict[str, int] = {}
        for r in rows:
            assert id(first.setdefault(r[field], r[field])) == id(r[field]), field
    rank = {"Tổ trưởng": 0, "Tổ phó": 1}
    by_team: dict[str, list] = {}
    for r in rows:
        by_team.setdefault(r["team"], []).append(r)
    assert list(by_team) == list(dict.fromkeys(r["team"] for r in rows))  # each team's rows together
    assert len(by_team) > 5
    for members in by_team.values():
        roles = [rank.get(m["role"], 2) for m in members]
        assert roles == sorted(roles)


def _sheet_parts(data: bytes) -> dict[str, bytes]:
    z = zipfile.ZipFile(io.BytesIO(data))
    return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}  # core.xml: the time saved


def test_xlsx_rows_written_as_text_are_what_openpyxl_writes(monkeypatch):
    """The table's rows are written as XML text, not through openpyxl's cells (3× faster for a
    roster): every part of the file is byte for byte what openpyxl's own cells give, for text with
    spaces, markup characters, line breaks, characters XML cannot hold, over-long text, a formula
    typed as text, whole and decimal numbers, huge ones, not-a-number, dates, yes/no and empty cells
    (a value the text path does not take goes through openpyxl's cells, in the same row)."""
    from exports import xlsx_writer
    from exports.cells import XLSX_MAX_TEXT
    from exports.layout import Column, Report, stt_column
    from exports.usb import workbook_bytes

    cols = [stt_column(), Column("Họ và tên", width=24), Column("Số", "int"), Column("Tiền", "money"),
            Column("Ngày", "date"), Column("Điện thoại", "phone"), Column("CCCD", "id"), Column("Tỷ lệ", "pct1"),
            Column("Năm", "year"), Column("Ký nhận", "sign", group="Nhóm"), Column("Ghi chú", group="Nhóm")]
    texts = ["  Nguyễn Văn A", "B  ", "   ", "", "a & b <c> d", "=SUM(A1:A3)", "\tđầu", "dòng 1\ndòng 2",
             "điều\x01khiển", "lẻ \ud800 cặp", "x" * (XLSX_MAX_TEXT + 10), "Trần Thị Bé", None]
    numbers = [0, -5, 7_440_000_000, 12345678901234567890, 83.9, 1e20, float("nan"), "chưa có số hộ", None, True]
    rows = []
    for i in range(60):
        rows.append([i + 1, texts[i % len(texts)], numbers[i % len(numbers)], numbers[(i + 3) % len(numbers)],
                     DAY if i % 4 else None, f"09{i:08d}" if i % 5 else "", "0" * 12, 12.5 if i % 3 else None,
                     1980 + i, None, texts[(i + 5) % len(texts)]])
    report = Report("thu", "BẢNG THỬ", cols, rows, total=["", "Tổng", 1, 2, None, "", "", 50.0, None, None, ""],
                    sheet_name="Thử", row_height=30)
    fast = _sheet_parts(workbook_bytes(xlsx_writer.xlsx_book(report)))
    monkeypatch.setattr(xlsx_writer, "_cells_xml", lambda *a: None)  # every row through openpyxl's cells
    cells = _sheet_parts(workbook_bytes(xlsx_writer.xlsx_book(report)))
    assert fast.keys() == cells.keys()
    for name in fast:
        assert fast[name] == cells[name], name
    sheet = fast["xl/worksheets/sheet1.xml"].decode()
    assert "a &amp; b &lt;c&gt; d" in sheet and '<t xml:space="preserve">  Nguyễn Văn A</t>' in sheet
    assert "<v>7440000000</v>" in sheet and "=SUM(A1:A3)</t>" in sheet
