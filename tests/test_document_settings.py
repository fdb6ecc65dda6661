"""The Decree 30 elements the clerk sets once (number, recipients, preparer, accountant) reach the documents."""

from __future__ import annotations

import openpyxl

from exports import layout, report, writers
from models import services


def test_document_settings_are_kept_and_printed(reg, tmp_path):
    services.add_village(reg, name="Đông Lợi", kind="thôn")
    s = services.update_settings(reg, doc_number="125", recipients=["UBND tỉnh", "Lưu: VT."],
                                 preparer_name="Nguyễn Thị Hà", accountant_name="Trần Văn Bình")
    assert s.doc_number == "125" and services.get_settings(reg).recipients == ["UBND tỉnh", "Lưu: VT."]
    lh = layout.letterhead(reg)
    assert lh.doc_number == "125" and "UBND tỉnh" in lh.recipients
    path = writers.write_xlsx(report.phu_luc_1(reg), tmp_path / "pl1.xlsx")
    values = " ".join(str(c.value) for row in openpyxl.load_workbook(path).active.iter_rows() for c in row if c.value)
    assert "125" in values and "UBND tỉnh" in values
    assert any("Người lập biểu" in e.field_label or "Nơi nhận" in e.field_label for e in services.list_audit(reg))
