"""Issue 12, the XLSX reader made fast (worksheets and shared strings read through expat's callbacks, a
sheet's values counted before it is parsed): what it reads is still what openpyxl reads, on the XML shapes
other writers than Excel produce (prefixed namespaces, pretty-printed XML, entities, CDATA, comments,
rich text, cells and rows without addresses, formulas, several values in a cell); a sheet holding more
values than the importer reads is refused before any row is read. The time is measured in
``bench/bench_trust.py`` and ``python tests/test_hostile_files.py``, never here."""

from __future__ import annotations

import pytest

from .test_hostile_files import SS_NS, _openpyxl_cells, _table_cells, _xlsx

_MAIN_PREFIXED = SS_NS

SHARED = (f'<?xml version="1.0"?><sst xmlns="{SS_NS}" count="6" uniqueCount="6">'
          "<si><t>Nguyễn Thị Hà</t></si>"
          '<si><r><t>Thôn </t></r><r><rPr><b/></rPr><t xml:space="preserve">Đông Lợi </t></r>'
          "<rPh sb=\"0\" eb=\"1\"><t>ふりがな</t></rPh></si>"
          "<si><t><![CDATA[A & B <c>]]></t></si>"
          "<si><t>Tr&#x1B0;&#x1A1;ng &amp; &lt;Lê&gt;</t></si>"
          "<si><t>Đặng<!-- ghi chú --> Văn Lâm</t></si>"
          "<si><t>   </t></si>"
          "</sst>")

BODY = """
  <row r="1">
    <c r="A1" t="s">
      <v>0</v>
    </c>
    <c r="B1"><v>1985</v></c>
    <c r="C1" t="s"><v>1</v></c>
    <c r="D1" t="s"><v>2</v></c>
  </row>
  <row r="2">
    <c r="A2" t="s"><v>3</v></c>
    <c r="B2" t="s"><v>4</v></c>
    <c r="C2" t="s"><v>5</v></c>
    <c r="D2"><f>1+1</f><v>2</v></c>
    <c r="E2" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>
    <c r="F2" t="b"><v>1</v></c>
    <c r="G2" t="e"><v>#N/A</v></c>
  </row>
  <row>
    <c t="inlineStr"><is><t>Lê &amp; Hữu</t></is></c>
    <c t="inlineStr"><is><r><t>Phạm </t></r><r><t>Văn</t></r></is></c>
    <c><v>1.5</v></c>
    <c r="F3"><v>-3</v><v>99</v></c>
    <c><v>1E3</v></c>
    <c t="inlineStr"><v>7</v><is><t>chữ</t></is></c>
    <c r="J3"><v></v></c>
    <c r="K3"/>
  </row>
  <row r="5"><c r="A5" t="inlineStr"><is><t><![CDATA[x < y]]></t></is></c><c r="B5"><v>1<!-- c -->2</v></c></row>
"""


def _prefixed(body: str) -> str:
    """The same sheet with every element under the prefix ``x:`` (as some non-Excel writers do)."""
    import re

    body = re.sub(r"<(/?)(row|c|v|f|is|t|r|sheetData)([ >/])", r"<\1x:\2\3", body)
    return (f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{SS_NS}">'
            f"<x:sheetData>{body}</x:sheetData></x:worksheet>")


def _plain(body: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{SS_NS}">\n'
            f"<sheetData>{body}</sheetData>\n<mergeCells><mergeCell ref=\"A1:B1\"/></mergeCells>\n</worksheet>")


@pytest.mark.parametrize("shape", ["plain", "prefixed"])
def test_odd_but_valid_xml_reads_as_openpyxl_reads_it(tmp_path, shape):
    from exports import importer

    sheet = _plain(BODY) if shape == "plain" else _prefixed(BODY)
    p = tmp_path / f"{shape}.xlsx"
    p.write_bytes(_xlsx(sheet, shared=SHARED))
    want = _openpyxl_cells(p)
    book = importer.read_table(p)
    assert [t.name for t in book.tables] == [name for name, _ in want]
    got = _table_cells(book.tables[0])
    assert got == want[0][1]
    assert got[(0, 0)][0] == "Nguyễn Thị Hà" and got[(1, 0)][0] == "Trương & <Lê>" and got[(4, 1)][0] == 12
    if shape == "plain":
        assert book.tables[0].merges == [(0, 0, 0, 1)]


def test_a_sheet_with_more_values_than_the_importer_reads_is_refused_before_any_row(tmp_path, monkeypatch):
    """The clerk waits a second, not the time of reading two million cells, and the progress bar does not
    crawl first: no row is read. (The budget is made small so the file is small.)"""
    from exports import importer, sheets
    from exports.sheet_limits import Budget

    monkeypatch.setattr(sheets, "Budget", lambda: Budget(max_cells=1_000))
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>{r * 2}</v></c></row>'
                   for r in range(1, 1_201))
    p = tmp_path / "nhieu-o.xlsx"
    p.write_bytes(_xlsx(_plain(rows)))
    progress: list[tuple[int, int]] = []
    with pytest.raises(importer.InputError) as e:
        importer.read_table(p, progress=lambda done, total: progress.append((done, total)))
    assert "ô có dữ liệu" in e.value.message and "Hãy" in e.value.message
    assert progress == []
    monkeypatch.setattr(sheets, "Budget", lambda: Budget(max_cells=2_400))  # exactly its values: read
    book = importer.read_table(p)
    assert book.tables[0].cells[1_199] == [1_200, 2_400]
