"""The province's roll-up from the communes' hand-off packages, as official sheets.

``models.received_rollup.rollup`` computes every table from the snapshots received for a
period (and from imported Phụ lục I tables for communes that do not use the program, marked as
such); here each table becomes a :class:`~exports.layout.Report` with the registry's letterhead,
and a last sheet names where each unit's numbers came from.
"""

from __future__ import annotations

import datetime as dt

from models import received_rollup

from .layout import Column, Pack, Period, Report, letterhead, period_title, unit_name


def tong_hop_goi(reg, period: Period, *, day: dt.date | None = None) -> Pack:
    """Every roll-up table of ``period`` from the packages received (``cnscd export tong-hop-goi``)."""
    roll = received_rollup.rollup(reg, period.code)
    lh = letterhead(reg, day)
    subtitle = f"{unit_name(reg).upper()} {period_title(period)}"
    reports = [Report(key=t.key, title=t.title, subtitle=subtitle, columns=[Column(*c) for c in t.columns],
                      rows=t.rows, total=t.total, notes=list(t.notes), sheet_name=t.sheet_name, letterhead=lh,
                      meta=dict(t.meta)) for t in roll.tables]
    if not reports:
        reports = [Report(key="nguon", title="TỔNG HỢP TỪ GÓI BÁO CÁO CỦA CÁC XÃ", subtitle=subtitle,
                          columns=[Column("Ghi chú", "text", 80)],
                          rows=[["Chưa nhận gói báo cáo hay bảng Phụ lục I nào của kỳ này "
                                 "(cnscd handoff import, cnscd import phu-luc-1)."]],
                          letterhead=lh)]
    return Pack("tong-hop-goi", reports[0].title, reports,
                file_stem=f"TongHopGoi_{period.tag}")
