"""Support fund, one rule (issue 13 item 5): one default number of teams, the policy of the registry's
province (or a sheet that asks the clerk to choose), the real basis cited, the source's own arithmetic
stated on the sheet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from .conftest import PASS

DAY = dt.date(2026, 4, 10)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def province_reg(tmp_path_factory):
    from models.demo import create_demo

    reg, _ = create_demo(tmp_path_factory.mktemp("prov") / "p.cnscd", scale="province", passphrase=PASS)
    yield reg
    reg.close()


def test_province_decides_the_default_policy():
    from exports import fund

    assert fund.province_policy("Tỉnh Quảng Nam") is fund.QUANG_NAM_PA01
    assert fund.province_policy("Quảng Nam") is fund.QUANG_NAM_PA01
    assert fund.province_policy("Thành phố Đà Nẵng").code == "da-nang-2026"
    assert fund.province_policy("Tỉnh Cà Mau").code == "ca-mau"
    assert fund.province_policy("Thành phố Hải Phòng") is None
    assert fund.province_policy("") is None


def test_hai_phong_ward_is_not_paid_at_quang_nam_rate(reg):
    """A Hải Phòng ward with no saved policy: the sheets say no policy is chosen, ask for one, and
    leave the amounts blank — never «QUẢNG NAM — PHƯƠNG ÁN 01»."""
    from exports import fund, report
    from models import services

    policy, source = fund.registry_policy(reg)
    assert policy is fund.UNCHOSEN and "Hải Phòng" in source
    est = fund.registry_estimate(reg, policy)
    r = fund.estimate_report(reg, est, day=DAY, policy_source=source)
    assert "QUẢNG NAM" not in r.subtitle and r.subtitle == "CHƯA CHỌN MỨC HỖ TRỢ"
    assert all(row[3] is None for row in r.rows)  # no amount until a policy is chosen
    assert any("--policy" in n and "Chưa có mức hỗ trợ" in n for n in r.notes)
    pay = fund.payment_report(reg, policy, report.parse_period("2026-Q2"), day=DAY, policy_source=source)
    assert pay.meta["total"] is None and pay.total[-2] is None
    # a saved policy wins over the province's silence, and the sheet says where it comes from
    services.update_settings(reg, fund_policy="ha-tinh")
    policy, source = fund.registry_policy(reg)
    assert policy.code == "ha-tinh" and source == "theo cài đặt của sổ"
    # chosen when exporting wins over everything
    assert fund.registry_policy(reg, "yen-bai")[0].code == "yen-bai"


def test_one_default_number_of_teams_stated_next_to_the_active_count(province_reg):
    """CLI, Reports tab and the period pack fund one team per village (1.240 in the province demo),
    and the sheet states the 1.238 active teams next to it."""
    from exports import fund

    counts = fund.team_count(province_reg)
    assert (counts.villages, counts.active_teams) == (1240, 1238)
    assert fund.default_teams(province_reg) == 1240
    policy, source = fund.registry_policy(province_reg)
    assert policy is fund.QUANG_NAM_PA01 and "Quảng Nam" in source  # the province's own policy
    est = fund.registry_estimate(province_reg, policy)
    assert (est.teams, est.month_total, est.total) == (1240, 620_000_000, 14_880_000_000)
    r = fund.estimate_report(province_reg, est, day=DAY, policy_source=source)
    teams_row = next(row for row in r.rows if row[1] == "Tổng số Tổ CNSCĐ")
    assert teams_row[2] == "1.240 tổ" and "1.238" in teams_row[4] and "thôn, tổ dân phố" in teams_row[4]
    # the other count, chosen by the clerk, is named as such
    other = fund.estimate_report(province_reg, fund.registry_estimate(province_reg, policy, teams=1238), day=DAY)
    assert "đang hoạt động (1.238)" in next(row for row in other.rows if row[1] == "Tổng số Tổ CNSCĐ")[4]


def test_sheets_cite_the_real_basis_and_the_sources_arithmetic(province_reg):
    from exports import fund, report

    est = fund.registry_estimate(province_reg, fund.QUANG_NAM_PA01)
    r = fund.estimate_report(province_reg, est, day=DAY)
    text = "\n".join(r.notes)
    assert "Báo cáo đánh giá tác động" in text and "Phụ lục III" in text and "Sở Thông tin và Truyền thông" in text
    assert "550.000" in text and "1212" in text and "1.240" in text  # the source's sums, stated
    assert "Mười bốn tỷ tám trăm tám mươi triệu đồng" in text  # the amount in words
    pay = fund.payment_report(province_reg, fund.QUANG_NAM_PA01, report.parse_period("2026-Q2"), day=DAY)
    assert pay.meta["total"] == 1_857_000_000
    assert any("Một tỷ tám trăm năm mươi bảy triệu đồng" in n for n in pay.notes)
    assert any(n.startswith("Căn cứ: Báo cáo đánh giá tác động") for n in pay.notes)
    assert [t for t, _ in pay.meta[fund.CO_SIGNERS]] == ["NGƯỜI LẬP BIỂU", "KẾ TOÁN"]
    # every adopted resolution is cited by number and date
    for code in ("yen-bai", "ha-tinh", "ca-mau", "binh-duong", "da-nang"):
        assert "/NQ-HĐND ngày " in fund.POLICIES[code].basis
    # a policy without a known resolution asks for its number
    assert "chưa có số, ngày" in fund.basis_note(fund.POLICIES["da-nang-2026"])

    class Saved:
        fund_basis = "Nghị quyết số 12/2025/NQ-HĐND ngày 10/7/2025 của HĐND tỉnh Quảng Nam"

    assert fund.basis_note(fund.QUANG_NAM_PA01, Saved()) == f"Căn cứ: {Saved.fund_basis}."


def test_no_product_text_calls_a_source_a_seed():
    """«Seed 003» is not a basis: the word never appears in what the product writes or shows."""
    import re

    offenders = []
    for folder in ("exports", "cnscd_tui", "models"):
        for path in (ROOT / folder).rglob("*.py"):
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                # string literals only (code may use random seeds; a literal is what a clerk reads)
                for lit in re.findall(r"\"[^\"]*\"|'[^']*'", line):
                    if re.search(r"\bseed\b", lit, re.IGNORECASE):
                        offenders.append(f"{path.relative_to(ROOT)}:{i}: {lit}")
    from exports import fund

    for p in fund.POLICIES.values():
        assert "seed" not in (p.basis + p.name + " ".join(p.source_notes)).lower()
    assert not [o for o in offenders if o.startswith("exports/fund.py")], offenders
