"""The teams' work (models): denominators, tallies, targets and progress, the duty rota, the v2 → v3
migration and the demo's year of work. Hand-computed cases; no clock (``today`` is fixed)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from models import activities as act
from models import services
from models.errors import InputError
from models.services import PersonInput
from tests.conftest import PASS

TODAY = dt.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch):
    import models.activity_targets
    import models.tallies

    monkeypatch.setattr(models.tallies, "today", lambda: TODAY)
    monkeypatch.setattr(models.activity_targets, "today", lambda: TODAY)


def _village_team(reg, name, *, members=3):
    v = services.add_village(reg, name=name, kind="thôn")
    t = services.create_team(reg, unit_id=v.id, decision_number="12/QĐ-UBND", decision_date="05/01/2026")
    people = []
    for i in range(members):
        p, _ = services.add_person(reg, PersonInput(full_name=f"Nguyễn Văn {name} {chr(65 + i)}", village_id=v.id))
        services.add_member(reg, t.id, p.id, role="to_truong" if i == 0 else "thanh_vien", start_date="05/01/2026")
        people.append(p.id)
    return v, t, people


def _dens(reg, v, **kw):
    return act.set_denominators(reg, act.DenominatorInput(v.id, 2026, **kw))


def _month(reg, team, month, **counts):
    """counts: SERVICE=(people, households[, priority, businesses])."""
    rows = tuple(act.CountInput(svc, *vals) for svc, vals in counts.items())
    return act.save_tally(reg, act.TallyInput(team.id, month, counts=rows))


def _messages(e) -> str:
    return "\n".join(x.message for x in e.value.errors)


# ---------------------------------------------------------------------------
# Migration v2 → v3
# ---------------------------------------------------------------------------
def test_a_v2_file_opens_and_gets_the_activity_tables(tmp_path):
    from models import migrations
    from models.db import Registry
    from models.schema import SCHEMA_VERSION
    from models.store import EncryptedStore

    conn = sqlite3.connect(":memory:")
    conn.executescript(migrations.V2_DDL)
    conn.execute("INSERT INTO unit (id, parent_id, level, kind, name, code, former_unit, sort_order, active, "
                 "merged_into_id, note) VALUES (1, NULL, 'xa', 'phường', 'Trần Hưng Đạo', '', '', 0, 1, NULL, '')")
    conn.execute("INSERT INTO unit (id, parent_id, level, kind, name, code, former_unit, sort_order, active, "
                 "merged_into_id, note) VALUES (2, 1, 'thon', 'thôn', 'Đông Lợi', '', '', 1, 1, NULL, '')")
    conn.execute("INSERT INTO setting VALUES ('commune', '\"Trần Hưng Đạo\"')")
    conn.commit()
    path = tmp_path / "v2.cnscd"
    EncryptedStore.create(path, PASS, conn.serialize(), schema_version=2)[0].close()

    reg = Registry.open(path, passphrase=PASS)
    try:
        assert reg.migrated_from == 2 and SCHEMA_VERSION >= 3
        assert reg.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert any("phiên bản 2 lên 3" in e.summary for e in services.list_audit(reg))
        d = _dens(reg, type("V", (), {"id": 2})(), households=120)
        assert d.households == 120 and d.unit_name == "Thôn Đông Lợi"
        migrated = _new_tables_ddl(reg.conn)
    finally:
        reg.close()
    reg = Registry.open(path, passphrase=PASS)  # persisted: no second migration, the figure is kept
    try:
        assert reg.migrated_from is None
        assert act.list_denominators(reg, 2026).total.households == 120
    finally:
        reg.close()
    fresh, _ = Registry.create(tmp_path / "new.cnscd", PASS, province="Hải Phòng", commune="X")
    try:
        assert _new_tables_ddl(fresh.conn) == migrated  # a migrated file has the same tables as a new one
    finally:
        fresh.close()


def _new_tables_ddl(conn) -> list[str]:
    return sorted(s for (s,) in conn.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND tbl_name IN "
        "('village_stat', 'activity', 'activity_count', 'duty_slot')"))


# ---------------------------------------------------------------------------
# Denominators
# ---------------------------------------------------------------------------
def test_denominators_are_validated_field_by_field(reg):
    v, _, _ = _village_team(reg, "Đông Lợi")
    with pytest.raises(InputError) as e:
        _dens(reg, v, households=-3, residents="nhiều")
    fields = {x.field for x in e.value.errors}
    assert fields == {"households", "residents"}
    assert "Số hộ «-3»: không được nhỏ hơn 0" in _messages(e) and "Số dân «nhiều»" in _messages(e)
    with pytest.raises(InputError) as e:
        _dens(reg, v, households=500, residents=400, businesses=600)
    assert "Số hộ (500) lớn hơn số dân (400)" in _messages(e)
    assert "Số hộ kinh doanh (600) lớn hơn số hộ (500)" in _messages(e)
    commune = services.home_commune(reg)
    with pytest.raises(InputError) as e:
        act.set_denominators(reg, act.DenominatorInput(commune.id, 2026, households=10))
    assert "tính tự động" in _messages(e)
    assert act.list_denominators(reg, 2026).villages[0].households is None  # nothing written


def test_commune_totals_are_computed_and_missing_figures_named(reg):
    a, _, _ = _village_team(reg, "An Lợi")
    b, _, _ = _village_team(reg, "Bắc Lợi")
    c, _, _ = _village_team(reg, "Cộng Hòa")
    _dens(reg, a, households="1.200", residents=4000)
    _dens(reg, b, households=800, residents=3000, working_age=1800)
    act.set_denominators(reg, act.DenominatorInput(c.id, 2025, households=300))  # only last year's
    t = act.list_denominators(reg, 2026)
    assert t.total.households == 1200 + 800 + 300 and t.total.residents == 7000
    assert t.known["households"] == 3 and t.missing["working_age"] == ["Thôn An Lợi", "Thôn Cộng Hòa"]
    assert t.for_unit(c.id).from_year == 2025  # carried forward, and said so
    assert act.list_denominators(reg, 2026, carry=False).total.households == 2000
    # an empty value with keep_blank leaves the figure; without it, clears it
    act.set_denominators(reg, act.DenominatorInput(a.id, 2026, households=None, residents=4100, keep_blank=True))
    assert act.list_denominators(reg, 2026).for_unit(a.id).households == 1200
    _dens(reg, a, residents=4100)
    assert act.list_denominators(reg, 2026).for_unit(a.id).households is None


# ---------------------------------------------------------------------------
# Tallies
# ---------------------------------------------------------------------------
def test_tallies_are_validated_with_messages_naming_the_field(reg):
    v, t, people = _village_team(reg, "Đông Lợi")
    _dens(reg, v, households=100, residents=400)
    other_v, other_t, other_people = _village_team(reg, "Tây Lợi")
    bad = act.TallyInput(t.id, "11/2026", counts=(
        act.CountInput("TK_DVC", -1, 0),
        act.CountInput("VNEID", 10, 120),
        act.CountInput("HO_SO", 5, 4, 9),
        act.CountInput("KDTM", 10, 3, 0, 5),
        act.CountInput("XYZ", 1, 1),
    ), member_ids=(people[0], other_people[0]), needs="Bà cụ số 0912345678 cần hỗ trợ")
    c = act.check_tally(reg, bad)
    by_field = {e.field: e.message for e in c.errors}
    assert by_field["TK_DVC.people"] == "Tạo tài khoản dịch vụ công — số người được hỗ trợ «-1»: không được nhỏ hơn 0."
    assert by_field["VNEID.households"].endswith("số hộ được hỗ trợ (120) nhiều hơn số hộ của Thôn Đông Lợi "
                                                 "năm 2026 (100).")
    assert "người cao tuổi, người yếu thế (9) nhiều hơn số người được hỗ trợ (5)" in by_field["HO_SO.priority"]
    assert "hộ kinh doanh (5) nhiều hơn số hộ được hỗ trợ (3)" in by_field["KDTM.businesses"]
    assert "«XYZ» không có" in by_field["XYZ.service"]
    assert "không phải thành viên Tổ CNSCĐ thôn Đông Lợi" in by_field["member_ids"]
    assert "không ghi số điện thoại hay số CCCD" in by_field["needs"]
    with pytest.raises(InputError):
        act.save_tally(reg, bad)
    assert act.list_tallies(reg) == []  # nothing written
    for month, words in (("01/2027", "chưa đến"), ("13/2026", "không hợp lệ"), ("", "không được để trống")):
        c = act.check_tally(reg, act.TallyInput(t.id, month, counts=(act.CountInput("VNEID", 1, 1),)))
        assert words in "\n".join(e.message for e in c.errors), month
    c = act.check_tally(reg, act.TallyInput(t.id, "2026-11", day="05/10/2026", kind="hop_thon",
                                            counts=(act.CountInput("VNEID", 1, 1),)))
    assert "Ngày 05/10/2026 không thuộc tháng 11/2026" in c.errors[0].message
    c = act.check_tally(reg, act.TallyInput(t.id, "2026-11"))
    assert c.errors[0].field == "counts" and "Chưa có số liệu nào" in c.errors[0].message
    c = act.check_tally(reg, act.TallyInput(t.id, "2026-11", counts=(act.CountInput("LUA_DAO", 3, 8),)))
    assert c.ok and "hãy kiểm tra lại" in c.warnings[0]  # more households than people: a warning


def test_a_team_month_is_replaced_when_saved_again_not_added(reg):
    v, t, people = _village_team(reg, "Đông Lợi")
    first = act.save_tally(reg, act.TallyInput(t.id, "2026-11", kinds={"den_tung_ho": 4, "hop_thon": "1"},
                                                counts=(act.CountInput("VNEID", "12", 9, 3),),
                                                member_ids=(people[0], people[1], people[0]), needs="Sóng yếu."))
    assert first.is_month and first.source == "luoi" and first.member_ids == (people[0], people[1])
    assert first.kinds == (("den_tung_ho", 4), ("hop_thon", 1))
    again = act.save_tally(reg, act.TallyInput(t.id, "11/2026", counts=(act.CountInput("VNEID", 20, 15),
                                                                          act.CountInput("HO_SO", 4, 4)),
                                                source="phieu"))
    assert again.id == first.id and again.source == "phieu"
    rows = act.list_tallies(reg, team_id=t.id)
    assert len(rows) == 1 and rows[0].people == 24 and rows[0].count("VNEID").households == 15
    # a dated activity is a record of its own, added to the month's
    day = act.save_tally(reg, act.TallyInput(t.id, day="20/11/2026", kind="hop_thon",
                                             counts=(act.CountInput("LUA_DAO", 80, 50),)))
    assert day.month == "2026-11" and day.day == dt.date(2026, 11, 20) and day.source == "nhap"
    assert len(act.list_tallies(reg, month="2026-11")) == 2
    act.delete_tally(reg, day.id)
    assert [x.id for x in act.list_tallies(reg)] == [first.id]
    log = [e.summary for e in services.list_audit(reg, entity="team")]
    assert any("thay số liệu đã có" in s for s in log) and any(s.startswith("Xóa hoạt động ngày 20/11/2026")
                                                                for s in log)


def test_month_grid_saves_cells_and_names_team_and_service(reg):
    v, t, _ = _village_team(reg, "Đông Lợi")
    _dens(reg, v, households=50)
    w, u, _ = _village_team(reg, "Tây Lợi")
    act.save_tally(reg, act.TallyInput(t.id, "2026-10", kinds={"den_tung_ho": 3},
                                       counts=(act.CountInput("VNEID", 5, 4, 2, 0),)))
    n = act.save_month_grid(reg, "2026-10", [act.GridCellInput(t.id, "HO_SO", 7, 6),
                                             act.GridCellInput(t.id, "VNEID", 9, 8),
                                             act.GridCellInput(u.id, "TK_DVC", 3, 2)])
    assert n == 2
    g = act.month_grid(reg, "2026-10")
    row = next(r for r in g.rows if r.team_id == t.id)
    assert row.households_cap == 50
    assert (row.cells["VNEID"].people, row.cells["VNEID"].households, row.cells["VNEID"].priority) == (9, 8, 2)
    assert row.cells["HO_SO"].people == 7
    assert act.get_tally(reg, row.tally_id).kinds == (("den_tung_ho", 3),)  # kinds kept
    with pytest.raises(InputError) as e:
        act.save_month_grid(reg, "2026-10", [act.GridCellInput(t.id, "HO_SO", 7, 60)])
    assert _messages(e).startswith("Tổ CNSCĐ thôn Đông Lợi: Nộp hồ sơ trực tuyến: số hộ được hỗ trợ (60)")
    assert next(r for r in act.month_grid(reg, "2026-10").rows if r.team_id == t.id).cells["HO_SO"].households == 6


# ---------------------------------------------------------------------------
# Targets and progress
# ---------------------------------------------------------------------------
def test_targets_have_presets_and_are_validated(reg):
    assert [(t.metric, t.percent, t.strict) for t in act.get_targets(reg)] == [
        ("ho_dan", 70, False), ("lao_dong", 70, False), ("ho_kinh_doanh", 80, False), ("lua_dao", 100, False),
        ("ho_so", 50, True)]
    assert [t.metric for t in act.apply_target_preset(reg, "bac_thanh_mien")] == ["ho_dan"]
    assert [t.metric for t in act.apply_target_preset(reg, "duy_tien")] == ["lao_dong", "ho_kinh_doanh", "lua_dao"]
    got = act.set_targets(reg, [act.TargetInput("ho_dan", "75%"), act.TargetInput("ho_so", "50,5", strict=True)])
    assert [(t.metric, t.percent, t.text) for t in got] == [("ho_dan", 75, "75%"), ("ho_so", 50.5, "trên 50,5%")]
    with pytest.raises(InputError) as e:
        act.set_targets(reg, [act.TargetInput("ho_dan", "bảy mươi"), act.TargetInput("lua_dao", 100, strict=True),
                              act.TargetInput("khac", 5)])
    assert {x.field for x in e.value.errors} == {"ho_dan.percent", "lua_dao.percent", "khac.metric"}
    assert "Chỉ tiêu hoạt động" in services.list_audit(reg, entity="setting")[0].summary
    with pytest.raises(InputError):
        act.apply_target_preset(reg, "khong-co")


def test_progress_against_hand_computed_figures(reg):
    """Two villages with figures, one without, and a commune-level team, January–March 2026."""
    a, ta, _ = _village_team(reg, "An Lợi")
    b, tb, _ = _village_team(reg, "Bắc Lợi")
    c, tc, _ = _village_team(reg, "Cộng Hòa")
    commune = services.home_commune(reg)
    tx = services.create_team(reg, unit_id=commune.id, decision_number="597/QĐ-UBND", decision_date="05/01/2026")
    _dens(reg, a, households=100, residents=400, working_age=250, businesses=10, dossiers=40)
    _dens(reg, b, households=200, residents=700, working_age=420, businesses=20, dossiers=100)
    # An Lợi: VNeID 30 + 40 households (Jan, Feb), public-service accounts 50 → 70 of 100 = 70%, met.
    _month(reg, ta, "2026-01", VNEID=(40, 30), TK_DVC=(60, 50), KDTM=(8, 6, 0, 6), LUA_DAO=(90, 60))
    _month(reg, ta, "2026-02", VNEID=(50, 40), HO_SO=(20, 15))
    # Bắc Lợi: 25% of households, working age 90/420, 12 of 20 businesses, dossiers exactly 50% (not "above").
    _month(reg, tb, "2026-02", VNEID=(90, 50), KDTM=(12, 12, 0, 12), HO_SO=(50, 40))
    _month(reg, tc, "2026-03", VNEID=(10, 10), LUA_DAO=(30, 20))  # no figures for Cộng Hòa
    _month(reg, tx, "2026-03", HO_SO=(30, 25))  # commune-level team at the support point
    _month(reg, ta, "2025-12", VNEID=(99, 99))  # last year: not in 2026's shares
    p = act.progress(reg, end="2026-03")
    rows = {r.name: r for r in p.rows}
    an, bac, cong, xa = rows["Thôn An Lợi"], rows["Thôn Bắc Lợi"], rows["Thôn Cộng Hòa"], \
        rows["Tổ cấp xã (Phường Trần Hưng Đạo)"]
    assert (an.shares["ho_dan"].reached, an.shares["ho_dan"].base, an.shares["ho_dan"].met) == (70, 100, True)
    assert an.shares["lao_dong"].reached == 90 and an.shares["lao_dong"].shown == "36%"  # 90 people (Feb VNeID)
    assert an.shares["ho_kinh_doanh"].shown == "60%" and an.shares["ho_so"].shown == "50%"
    assert bac.shares["ho_dan"].sentence("Thôn Bắc Lợi") == "Thôn Bắc Lợi: 25% hộ dân đã được hỗ trợ — mục tiêu 70%"
    assert bac.shares["ho_so"].percent == 50 and bac.shares["ho_so"].met is False  # target is "above 50%"
    assert bac.shares["lao_dong"].shown == "21,4%"  # 90/420 = 21.43 → rounded down
    assert cong.shares["ho_dan"].percent is None and cong.shares["ho_dan"].shown == "chưa có số hộ"
    assert an.shares["lua_dao"].met and not bac.shares["lua_dao"].met and cong.shares["lua_dao"].met
    assert xa.kind == "to_xa" and xa.period["HO_SO"].people == 30
    tot = p.total.shares
    # households: 70 + 50 (villages with figures, each capped) + 25 (commune team's best service) of 300
    assert (tot["ho_dan"].reached, tot["ho_dan"].base) == (145, 300)
    assert tot["ho_dan"].partial == "tính trên 2/3 thôn có số hộ"
    assert (tot["ho_so"].reached, tot["ho_so"].base) == (20 + 50 + 30, 140)
    assert (tot["lua_dao"].reached, tot["lua_dao"].base) == (2, 4)  # An Lợi, Cộng Hòa of four teams
    assert p.total.period["VNEID"].households == 30 + 40 + 50 + 10
    assert "Thôn Bắc Lợi: 25% hộ dân đã được hỗ trợ — mục tiêu 70%" in p.behind
    assert p.behind[0].startswith("Toàn địa bàn: ")
    assert not any(s.startswith("Thôn An Lợi: 70%") for s in p.behind)
    assert "Thôn Cộng Hòa: chưa có số hộ — chưa tính được tỷ lệ hộ dân đã được hỗ trợ" in p.unknown
    # a quarter: counts inside it, shares from 1 January
    q = act.progress(reg, start="2026-02", end="2026-03")
    qa = next(r for r in q.rows if r.name == "Thôn An Lợi")
    assert "TK_DVC" not in qa.period and qa.year_to_date["TK_DVC"].households == 50
    assert qa.shares["ho_dan"].reached == 70
    # capped at the village's households: two months of 60 of 100 households for one service
    _month(reg, tb, "2026-03", LUA_DAO=(150, 150))
    _month(reg, tb, "2026-01", LUA_DAO=(100, 100))
    p = act.progress(reg, end="2026-03")
    assert next(r for r in p.rows if r.name == "Thôn Bắc Lợi").shares["ho_dan"].reached == 200
    with pytest.raises(InputError):
        act.progress(reg, start="2026-04", end="2026-03")


def test_progress_by_commune_and_district_adds_up_the_villages(tmp_path):
    from models.db import Registry
    from models.schema import Team, Unit

    reg, _ = Registry.create(tmp_path / "p.cnscd", PASS, province="Tỉnh Quảng Nam", commune="")
    try:
        with reg.write():
            prov = Unit.get(Unit.level == "tinh")
            d = Unit.create(level="huyen", kind="huyện", name="Duy Xuyên", parent=prov, sort_order=1)
            xs = [Unit.create(level="xa", kind="xã", name=n, parent=d, sort_order=i) for i, n in
                  enumerate(["Duy Sơn", "Duy Hòa"])]
            vs = [Unit.create(level="thon", kind="thôn", name=str(i + 1), parent=xs[i % 2], sort_order=i)
                  for i in range(4)]
            teams = [Team.create(unit=v, level="thon", name=f"Tổ CNSCĐ thôn {v.name}") for v in vs]
        for v, households in zip(vs, (100, 100, 200, 200), strict=True):
            _dens(reg, v, households=households)
        for t, n in zip(teams, (80, 20, 100, 50), strict=True):
            _month(reg, t, "2026-05", VNEID=(n, n))
        p = act.progress(reg, end="2026-06", by="xa")
        got = {r.name: (r.shares["ho_dan"].reached, r.shares["ho_dan"].base) for r in p.rows}
        assert got == {"Xã Duy Sơn": (180, 300), "Xã Duy Hòa": (70, 300)}
        assert act.progress(reg, end="2026-06", by="huyen").rows[0].shares["ho_dan"].reached == 250
        names = [r.name for r in act.progress(reg, end="2026-06").rows]
        assert names[0] == "Thôn 1, xã Duy Sơn"  # several communes: a village names its commune
    finally:
        reg.close()


# ---------------------------------------------------------------------------
# Duty rota and settings
# ---------------------------------------------------------------------------
def test_duty_rota_by_weekday_and_the_month_it_gives(reg):
    v, t, people = _village_team(reg, "Đông Lợi", members=4)
    rota = act.set_duty_rota(reg, [act.DutySlotInput(people[0], 0), act.DutySlotInput(people[1], 0, "sang"),
                                   act.DutySlotInput(people[2], "2", "chieu")])
    assert [(s.weekday_label, s.shift_label) for s in rota] == [("Thứ Hai", "Cả ngày"), ("Thứ Hai", "Sáng"),
                                                                ("Thứ Tư", "Chiều")]
    with pytest.raises(InputError) as e:
        act.set_duty_rota(reg, [act.DutySlotInput(people[0], 5)])
    assert "chưa có thứ Bảy" in _messages(e)
    with pytest.raises(InputError) as e:
        act.add_duty(reg, act.DutySlotInput(people[0], 0, "chieu"))  # already there all day
    assert "đã có ca trực Thứ Hai" in _messages(e)
    act.update_activity_settings(reg, saturday=True, support_point="Nhà văn hóa thôn Đông Lợi")
    act.add_duty(reg, act.DutySlotInput(people[3], 5))
    m = act.month_rota(reg, "2026-12")
    assert m.support_point == "Nhà văn hóa thôn Đông Lợi"
    assert len(m.days) == 27  # December 2026: Monday–Saturday
    assert m.days[0].date == dt.date(2026, 12, 1) and m.days[0].slots == ()  # a Tuesday
    mondays = [d for d in m.days if d.weekday == 0]
    assert [s.full_name for s in mondays[0].slots] == ["Nguyễn Văn Đông Lợi A", "Nguyễn Văn Đông Lợi B"]
    assert m.empty_weekdays == ("Thứ Ba", "Thứ Năm", "Thứ Sáu")
    # a member who leaves is off the rota from the day after
    ms = services.team_detail(reg, t.id).members
    services.leave_team(reg, next(x.membership_id for x in ms if x.person_id == people[1]), end_date="14/12/2026",
                        reason="Chuyển công tác")
    m = act.month_rota(reg, "2026-12")
    assert [len(d.slots) for d in m.days if d.weekday == 0] == [2, 2, 1, 1]
    remove = next(s.id for s in act.list_duty_rota(reg) if s.weekday == 5)
    assert all(s.weekday != 5 for s in act.remove_duty(reg, remove))


def test_activity_settings_name_the_province_app(reg):
    assert act.service_label("APP_TINH") == "Cài đặt ứng dụng của tỉnh"
    s = act.update_activity_settings(reg, app_name="Smart Quảng Nam")
    assert act.service_label("APP_TINH", s.app_name) == "Cài đặt Smart Quảng Nam"
    assert act.month_grid(reg, "2026-11").services[6] == ("APP_TINH", "Cài đặt Smart Quảng Nam")
    with pytest.raises(InputError) as e:
        act.update_activity_settings(reg, app_name=" ", saturday="có", colour="đỏ")
    assert {x.field for x in e.value.errors} == {"app_name", "saturday", "colour"}


def test_months_are_read_the_ways_clerks_write_them():
    for raw in ("2026-11", "11/2026", "T11/2026", "tháng 11/2026", "Tháng 11 năm 2026", dt.date(2026, 11, 5)):
        assert act.parse_month(raw) == "2026-11", raw
    assert act.month_range("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    with pytest.raises(InputError):
        act.parse_month("2026-13")


# ---------------------------------------------------------------------------
# The demo
# ---------------------------------------------------------------------------
def test_commune_demo_has_a_year_of_work(demo):
    tallies = act.list_tallies(demo, start="2025-12", end="2026-11")
    assert len({t.team_id for t in tallies}) == 29 and len(tallies) > 250
    months = {t.month for t in tallies}
    assert min(months) == "2025-12" and max(months) == "2026-11"
    dens = act.list_denominators(demo, 2026)
    assert dens.total.residents == 35_932  # the Trần Hưng Đạo report's population
    assert dens.missing["households"] == ["Tổ dân phố Điện Biên"]
    p = act.progress(demo, end="2026-11")
    assert any(s.startswith("Tổ dân phố Đông Lợi: ") and "hộ dân đã được hỗ trợ — mục tiêu 70%" in s
               for s in p.behind)
    assert any(r.shares["ho_dan"].met for r in p.rows)  # some villages reach the target
    assert "Tổ dân phố Điện Biên: chưa có số hộ — chưa tính được tỷ lệ hộ dân đã được hỗ trợ" in p.unknown
    assert len(act.list_duty_rota(demo)) == 10
    assert act.needs_between(demo, "2026-01", "2026-11")
    summaries = " ".join(e.summary for e in services.list_audit(demo))
    assert "seed" not in summaries.lower() and "mã ngẫu nhiên 2026" in summaries


def test_demo_is_the_same_for_the_same_random_state(tmp_path):
    from models.demo import create_demo

    figures = []
    for i in range(2):
        r, _ = create_demo(tmp_path / f"d{i}.cnscd", scale="commune", random_state=7)
        figures.append([(t.team_id, t.month, t.people) for t in act.list_tallies(r)])
        r.close()
    assert figures[0] == figures[1]


def test_behind_lines_carry_the_unit_and_english(reg):
    v, t, _ = _village_team(reg, "Đông Lợi")
    w, u, _ = _village_team(reg, "Tây Lợi")
    _dens(reg, v, households=100)
    _month(reg, t, "2026-03", VNEID=(50, 41))
    p = act.progress(reg, end="2026-03")
    item = next(b for b in p.behind_items if b.unit_id == v.id and b.metric == "ho_dan")
    assert item.text == "Thôn Đông Lợi: 41% hộ dân đã được hỗ trợ — mục tiêu 70%"
    assert item.text_en == "Thôn Đông Lợi: 41% of households helped — target 70%"
    assert [b.text for b in p.behind_items] == p.behind
    missing = next(b for b in p.unknown_items if b.unit_id == w.id and b.metric == "ho_dan")
    assert missing.text_en == "Thôn Tây Lợi: no household count — share not computable"


def test_period_pack_carries_the_teams_results(tmp_path):
    """«bao-cao-ky» includes the results by service and against the targets (issue 16 item 5)."""
    import datetime as _dt

    from exports import report, writers
    from models.demo import create_demo

    reg, _ = create_demo(tmp_path / "d.cnscd", scale="commune", passphrase="mat-khau-thu-nghiem")
    try:
        pack = report.bao_cao_ky(reg, report.parse_period("2026-Q2"), day=_dt.date(2026, 7, 5))
        keys = [r.key for r in pack.reports]
        assert "hoat-dong" in keys and "hoat-dong-chi-tieu" in keys, keys
        path = writers.write_xlsx(pack, tmp_path / "bc.xlsx")
        assert path.exists()
    finally:
        reg.close()
