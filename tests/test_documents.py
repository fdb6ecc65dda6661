"""Decree 30/2020/NĐ-CP elements of the printed documents: the amount in words, the signer's lines
(TM./KT./Q.), the document number, «Nơi nhận», and the layout from font metrics."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from models.money_words import amount_in_words, in_words

_D = "không một hai ba bốn năm sáu bảy tám chín".split()


def _reference(n: int) -> str:
    """An independent reading of 0 ≤ n ≤ 10¹² digit by digit, over the 13-digit string
    (positions: nghìn tỷ, tỷ, triệu, nghìn, đơn vị)."""
    if n == 0:
        return "không"
    s = f"{n:015d}"
    names = ["nghìn", "tỷ", "triệu", "nghìn", ""]
    words: list[str] = []
    for gi in range(5):
        h, t, u = (int(c) for c in s[3 * gi: 3 * gi + 3])
        if h == t == u == 0:
            if gi == 1 and words:  # «một nghìn tỷ»: the billions unit is said even when its group is zero
                words.append("tỷ")
            continue
        part: list[str] = []
        if words or h:
            part += [_D[h], "trăm"]
        if t == 0 and u and part:
            part.append("linh")
        elif t == 1:
            part.append("mười")
        elif t > 1:
            part += [_D[t], "mươi"]
        if u == 1 and t > 1:
            part.append("mốt")
        elif u == 5 and t > 0:
            part.append("lăm")
        elif u:
            part.append(_D[u])
        words += part + ([names[gi]] if names[gi] else [])
    return " ".join(words)


def test_amount_in_words_examples():
    cases = {
        0: "Không đồng",
        5: "Năm đồng",
        10: "Mười đồng",
        15: "Mười lăm đồng",
        21: "Hai mươi mốt đồng",
        24: "Hai mươi bốn đồng",
        105: "Một trăm linh năm đồng",
        110: "Một trăm mười đồng",
        1_005: "Một nghìn không trăm linh năm đồng",
        550_000: "Năm trăm năm mươi nghìn đồng",
        620_000_000: "Sáu trăm hai mươi triệu đồng",
        1_857_000_000: "Một tỷ tám trăm năm mươi bảy triệu đồng",
        7_440_000_000: "Bảy tỷ bốn trăm bốn mươi triệu đồng",
        14_880_000_000: "Mười bốn tỷ tám trăm tám mươi triệu đồng",
        1_000_000_001: "Một tỷ không trăm linh một đồng",
        10 ** 12: "Một nghìn tỷ đồng",
    }
    for n, words in cases.items():
        assert amount_in_words(n) == words, n


@settings(max_examples=3000, deadline=None)
@given(st.integers(min_value=0, max_value=10 ** 12))
def test_amount_in_words_matches_the_reference(n):
    words = in_words(n)
    assert words == _reference(n)[:1].upper() + _reference(n)[1:]
    assert "  " not in words and words == words.strip()


@settings(max_examples=500, deadline=None)
@given(st.sampled_from([10 ** k for k in range(13)]), st.integers(min_value=0, max_value=999))
def test_amount_in_words_round_numbers(scale, n):
    """Numbers with long runs of zeros (where readings go wrong most) read like the reference."""
    v = min(n * scale, 10 ** 12)
    assert in_words(v).lower() == _reference(v)


# ---------------------------------------------------------------------------
# Nghị định 30 elements
# ---------------------------------------------------------------------------
def _lh(**kw):
    from exports.layout import Letterhead

    base = dict(issuing_body_parent="UBND THÀNH PHỐ HẢI PHÒNG", issuing_body="ỦY BAN NHÂN DÂN PHƯỜNG TRẦN HƯNG ĐẠO",
                place_date="Trần Hưng Đạo, ngày 10 tháng 4 năm 2026", signer_prefix="KT. CHỦ TỊCH",
                signer_title="PHÓ CHỦ TỊCH", signer_name="Phạm Thị Ly")
    return Letterhead(**(base | kw))


def test_signer_lines_by_role():
    from exports.decree30 import signer_lines

    assert signer_lines(_lh()) == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert signer_lines(_lh(signer_prefix="", signer_title="CHỦ TỊCH")) == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    assert signer_lines(_lh(signer_prefix="", signer_title="Q. CHỦ TỊCH")) == ["TM. ỦY BAN NHÂN DÂN", "Q. CHỦ TỊCH"]
    assert signer_lines(_lh(signer_prefix="TM. ỦY BAN NHÂN DÂN", signer_title="CHỦ TỊCH"))[0] == "TM. ỦY BAN NHÂN DÂN"
    assert signer_lines(_lh(signer_prefix="TM. ỦY BAN NHÂN DÂN", signer_title="CHỦ TỊCH")).count(
        "TM. ỦY BAN NHÂN DÂN") == 1
    assert signer_lines(_lh(signer_prefix="TL. CHỦ TỊCH", signer_title="CHÁNH VĂN PHÒNG")) == [
        "TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG"]
    # a department is run by its director: no «TM.» line
    assert signer_lines(_lh(issuing_body="SỞ KHOA HỌC VÀ CÔNG NGHỆ", signer_prefix="KT. GIÁM ĐỐC",
                            signer_title="PHÓ GIÁM ĐỐC")) == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]


def test_number_line_and_recipients():
    from exports.decree30 import number_line, recipients

    assert number_line(_lh()) == "Số:         /BC-UBND"  # room to write the number by hand
    assert number_line(_lh(doc_number="125")) == "Số: 125/BC-UBND"
    assert number_line(_lh(doc_number="125/BC-UBND")) == "Số: 125/BC-UBND"
    assert number_line(_lh(issuing_body="SỞ KHOA HỌC VÀ CÔNG NGHỆ")).endswith("/BC-SKHCN")
    assert number_line(_lh(doc_symbol="VHXH")).endswith("/BC-VHXH")
    assert recipients(_lh()) == ["- UBND thành phố Hải Phòng;", "- Lưu: VT."]
    assert recipients(_lh(recipients=("Như trên;", "- Lưu: VT, VHXH."))) == ["- Như trên;", "- Lưu: VT, VHXH."]


# ---------------------------------------------------------------------------
# Layout from font metrics
# ---------------------------------------------------------------------------
LONG_BODIES = [
    "ỦY BAN NHÂN DÂN PHƯỜNG TRẦN HƯNG ĐẠO",
    "ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH",
    "ỦY BAN NHÂN DÂN XÃ NGHĨA HƯNG ĐÔNG",
    "ỦY BAN NHÂN DÂN ĐẶC KHU PHÚ QUỐC",
    "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
    "ỦY BAN NHÂN DÂN PHƯỜNG BÌNH HƯNG HÒA",
]


def _report(columns, rows=(), **kw):
    from exports.layout import Column, Report

    return Report(key="t", title=kw.pop("title", "DANH SÁCH THỬ"), columns=[Column(*c) for c in columns],
                  rows=[list(r) for r in rows], **kw)


def test_letterhead_phrases_fit_their_cells_for_long_unit_names():
    """For the longest real unit names and both narrow and wide tables, every phrase of the letterhead
    fits on one line of its merged cell, measured in the font and size the sheet names."""
    from exports import print_layout as pl
    from exports import sheet_plan

    narrow = [("Stt", "int", 6), ("Đơn vị", "text", 34), ("Số tổ", "int", 9), ("Số thành viên", "int", 18)]
    wide = [("Stt", "int", 6), ("Họ và tên", "text", 26), ("Năm sinh", "year", 9), ("Vai trò", "text", 13),
            ("Thành phần", "text", 24), ("Chức vụ khác", "text", 24), ("Thôn/TDP", "text", 22),
            ("Số điện thoại", "phone", 14), ("Ghi chú", "text", 14)]
    for cols in (narrow, wide, [("Nội dung", "text", 20)]):
        for body in LONG_BODIES:
            lh = _lh(issuing_body=body, issuing_body_parent="UBND THÀNH PHỐ HỒ CHÍ MINH",
                     place_date="Thành phố Hồ Chí Minh, ngày 30 tháng 12 năm 2026")
            p = sheet_plan.plan(_report(cols, letterhead=lh))
            for line in p.top[:6]:
                for pc in line.pieces:
                    width = sum(p.widths[pc.col:pc.col + pc.span])
                    values = pc.value.plain.split("\n") if isinstance(pc.value, sheet_plan.Rule) else \
                        (pc.value or "").split("\n")
                    for v in values:
                        if v.strip("\u00a0"):
                            assert pl.fits(v, width, pc.style.size, bold=pc.style.bold, italic=pc.style.italic), \
                                (body, v, width)
            # the issuing body is never broken inside the unit's name
            values = [pc.value for line in p.top for pc in line.pieces]
            assert body in values or body.replace("DÂN ", "DÂN\n", 1) in values


def test_measured_widths_are_the_fonts_not_character_counts():
    from exports import print_layout as pl

    assert pl.text_width("WWWWWWWWWW", 11) > 2 * pl.text_width("iiiiiiiiii", 11)
    motto = pl.text_width("Độc lập - Tự do - Hạnh phúc", 13, bold=True)
    assert 150 < motto < 200  # the motto at 13 pt bold
    nation = pl.text_width("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, bold=True)
    assert 220 < nation < 275
    # decomposed Vietnamese (NFD, as some keyboards type it) measures as it prints
    import unicodedata

    assert pl.text_width(unicodedata.normalize("NFD", "Hạnh phúc"), 11) == pl.text_width("Hạnh phúc", 11)


def test_wrapped_rows_get_the_height_their_lines_need(tmp_path):
    """Every row whose text wraps is as tall as its lines, in XLSX and ODS alike."""
    import openpyxl
    from odf.opendocument import load
    from odf.table import TableRow

    from exports import print_layout as pl
    from exports import writers

    long = "Tổ dân phố Lê Lợi, phường Trần Hưng Đạo, thành phố Hải Phòng (trước sáp nhập: xã Lê Lợi)"
    r = _report([("Stt", "int", 6), ("Thôn/TDP", "text", 22), ("Chủ đề", "text", 20)],
                [(1, long, "ngắn"), (2, "Thôn 1", "Kỹ năng số; Dịch vụ công trực tuyến; An toàn thông tin mạng"),
                 (3, "Thôn 2", "x")], letterhead=_lh())
    xl = writers.write_xlsx(r, tmp_path / "w.xlsx")
    ws = openpyxl.load_workbook(xl).active
    rows = {ws.cell(row=i, column=1).value: i for i in range(1, ws.max_row + 1)}
    width = ws.column_dimensions["B"].width  # as the letterhead left it
    need1 = pl.row_height(pl.wrapped_lines(long, width), 11)
    assert pl.wrapped_lines(long, width) >= 3 and ws.row_dimensions[rows[1]].height >= need1
    assert ws.row_dimensions[rows[2]].height >= pl.row_height(2, 11)
    assert ws.row_dimensions[rows[3]].height is None  # one line: the sheet's default height
    assert ws.sheet_format.defaultRowHeight == pl.DEFAULT_ROW_PT and ws.sheet_format.customHeight
    od = writers.write_ods(r, tmp_path / "w.ods")
    doc = load(str(od))
    heights = {}
    for style in doc.automaticstyles.childNodes:
        if style.qname[1] == "style" and style.getAttribute("family") == "table-row":
            heights[style.getAttribute("name")] = float(style.childNodes[0].getAttribute("rowheight")[:-2])
    trs = doc.spreadsheet.getElementsByType(TableRow)
    from odf import teletype

    by_first = {teletype.extractText(tr.childNodes[0]): heights[tr.getAttribute("stylename")] for tr in trs
                if tr.childNodes}
    assert by_first["1"] >= need1 and by_first["3"] == pl.DEFAULT_ROW_PT


def test_signature_is_kept_with_the_end_of_the_table():
    """A table whose last row ends a page: the page breaks before the last rows, so the signature is
    printed under them, never alone (and the header never ends a page)."""
    from exports import sheet_plan

    cols = [("Stt", "int", 6), ("Họ và tên", "text", 30), ("Ghi chú", "text", 30)]
    for n in range(20, 140, 3):
        r = _report(cols, [(i, f"Người {i}", "") for i in range(1, n + 1)], letterhead=_lh())
        p = sheet_plan.plan(r)
        first_data = len(p.top) + len(p.header_heights)
        last_data = first_data + len(p.data_heights) - 1
        for b in p.pages.breaks:
            assert b <= last_data - 1 or b > last_data + len(p.bottom), (n, b)  # not between table and signature
            assert b > first_data, (n, b)  # the first page holds the header and a row at least
        if n <= 30:
            assert p.pages.pages == 1


def test_footer_page_numbers_and_print_setup(tmp_path):
    import openpyxl

    from exports import writers

    cols = [("Stt", "int", 6), ("Họ và tên", "text", 30)]
    long = _report(cols, [(i, f"Người {i}") for i in range(1, 200)], letterhead=_lh())
    short = _report(cols, [(1, "Một người")], letterhead=_lh())
    wb = openpyxl.load_workbook(writers.write_xlsx([long, short], tmp_path / "f.xlsx"))
    ws_long, ws_short = wb.worksheets
    assert ws_long.oddFooter.center.text == "Trang &P/&N" and ws_long.row_breaks.count >= 2
    assert not ws_short.oddFooter.center.text  # one page: no number
    assert ws_long.print_options.horizontalCentered and 10 <= ws_long.page_setup.scale <= 100


def test_ods_centred_frozen_with_footer(tmp_path):
    from odf.opendocument import load

    from exports import writers

    cols = [("Stt", "int", 6), ("Họ và tên", "text", 30)]
    long = _report(cols, [(i, f"Người {i}") for i in range(1, 200)], letterhead=_lh())
    path = writers.write_ods(long, tmp_path / "f.ods")
    doc = load(str(path))
    styles, content = doc.stylesxml(), doc.contentxml()
    content = content.decode() if isinstance(content, bytes) else content
    assert 'table-centering="horizontal"' in styles + content
    assert "text:page-number" in styles and "text:page-count" in styles
    settings = doc.settingsxml()
    assert "VerticalSplitMode" in settings and "VerticalSplitPosition" in settings
    assert 'break-before="page"' in content


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------
def test_csv_for_vietnamese_excel_and_counts_never_dates(tmp_path):
    import pytest

    from exports import writers
    from models.errors import InputError

    r = _report([("Stt", "int", 6), ("Đơn vị", "text", 20), ("Số tổ/thôn", "text", 10), ("Tỷ lệ", "pct1", 8)],
                [(1, "Thôn 1", "1/1", 83.9), (2, "Thôn 2", "0/1", 100.0)], total=["", "Tổng", "1/2", 91.95])
    plain = (tmp_path / "a.csv")
    writers.write(r, plain)
    lines = plain.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "Stt,Đơn vị,Số tổ/thôn (tử số),Số tổ/thôn (mẫu số),Tỷ lệ"
    assert lines[1] == "1,Thôn 1,1,1,83.9"  # «1/1» as two numbers: never a date
    semi = tmp_path / "b.csv"
    writers.write(r, semi, delimiter=";")
    lines = semi.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1] == "1;Thôn 1;1;1;83,9" and lines[3] == ";Tổng;1;2;91,95"
    files = writers.render(r, "x", "csv", delimiter=";")
    assert files[0][1].decode("utf-8-sig").splitlines()[1] == "1;Thôn 1;1;1;83,9"
    with pytest.raises(InputError):
        writers.write(r, tmp_path / "c.csv", delimiter="|")
