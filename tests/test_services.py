"""Services and rules as the clerk uses them."""

from __future__ import annotations

import datetime as dt

import pytest

from models import rules, services
from models.services import CourseInput, EquipmentInput, InputError, NeedInput, PersonInput

YEAR = dt.date.today().year


def _village_with_team(reg, name="Đông Lợi"):
    v = services.add_village(reg, name=name, kind="thôn", former_unit="xã Lê Lợi (trước sáp nhập)")
    t = services.create_team(reg, unit_id=v.id, decision_number="598/QĐ-UBND", decision_date="05/9/2025",
                             issuer="UBND phường Trần Hưng Đạo")
    return v, t


def _person(reg, name, village, **kw):
    p, _ = services.add_person(reg, PersonInput(full_name=name, village_id=village.id, **kw))
    return p


def test_new_user_story_team_turns_green(reg):
    """village → team with a decision → five members of different categories → training → compliant."""
    v, t = _village_with_team(reg)
    detail = services.team_detail(reg, t.id)
    assert detail.compliance.status == "loi"
    assert detail.decisions[0].number == "598/QĐ-UBND"
    assert detail.decisions[0].date == dt.date(2025, 9, 5)
    plan = [("Nguyễn Văn Hải", "to_truong", "TRUONG_THON"), ("Trần Thị Ưng", "to_pho", "DOAN_TN"),
            ("Lê Văn Đạt", "thanh_vien", "MTTQ"), ("Phạm Thị Dung", "thanh_vien", "PHU_NU"),
            ("Đặng Văn Út", "thanh_vien", "CONG_AN")]
    ids = []
    for name, role, cat in plan:
        p = _person(reg, name, v)
        services.add_member(reg, t.id, p.id, role=role, category=cat)
        ids.append(p.id)
    comp = services.team_detail(reg, t.id).compliance
    assert comp.size == 5 and not comp.missing_categories
    assert [f.kind for f in comp.findings] == ["untrained"]
    c = services.add_course(reg, CourseInput(title="Tập huấn kỹ năng số", start_date=f"18/03/{YEAR}",
                                             organiser="Phòng Văn hóa - Xã hội", hours="4", topics=["DVCTT"]))
    services.set_attendance(reg, c.id, ids)
    comp = services.team_detail(reg, t.id).compliance
    assert comp.status == "dat" and comp.ok
    whole = rules.compliance(reg)
    assert whole.training_coverage == 1.0
    assert whole.teams_ok == 1


def test_team_members_in_role_then_vietnamese_name_order(reg):
    v, t = _village_with_team(reg)
    for name, role in [("Phạm Thị Dung", "thanh_vien"), ("Lê Văn Đạt", "thanh_vien"),
                       ("Trần Văn Bình", "to_pho"), ("Nguyễn Thị Ánh", "thanh_vien"), ("Võ Văn Út", "to_truong")]:
        p = _person(reg, name, v)
        services.add_member(reg, t.id, p.id, role=role, category="KHAC")
    names = [m.full_name for m in services.team_detail(reg, t.id).members]
    # leader, deputy, then by given name: Ánh < Dung < Đạt (đ after d)
    assert names == ["Võ Văn Út", "Trần Văn Bình", "Nguyễn Thị Ánh", "Phạm Thị Dung", "Lê Văn Đạt"]


def test_delete_is_for_mistakes_and_never_erases_team_history(reg):
    v, t = _village_with_team(reg)
    left = _person(reg, "Bùi Thị Hoa", v)
    m = services.add_member(reg, t.id, left.id, category="PHU_NU", start_date="05/09/2025")
    services.leave_team(reg, m.membership_id, end_date="01/03/2026", reason="Chuyển công tác")
    with pytest.raises(InputError) as e:
        services.delete_person(reg, left.id)
    assert "Bùi Thị Hoa" in e.value.message and "01/03/2026" in e.value.message and "rời tổ" in e.value.message
    assert services.team_detail(reg, t.id).former_members[0].full_name == "Bùi Thị Hoa"
    assert services.person_detail(reg, left.id).full_name == "Bùi Thị Hoa"
    # someone added by mistake (a current membership only) is deleted, and the log says so
    oops = _person(reg, "Lò Văn Sáng", v)
    services.add_member(reg, t.id, oops.id, category="KHAC")
    services.delete_person(reg, oops.id)
    assert [x.full_name for x in services.team_detail(reg, t.id).members] == []
    assert any(a.action == "xoa" and "Lò Văn Sáng" in a.summary for a in services.list_audit(reg))


def test_leaving_keeps_history_and_is_audited(reg):
    v, t = _village_with_team(reg)
    p = _person(reg, "Bùi Thị Hoa", v)
    m = services.add_member(reg, t.id, p.id, category="PHU_NU", start_date="05/09/2025")
    with pytest.raises(InputError) as e:
        services.leave_team(reg, m.membership_id, end_date="01/03/2026", reason="")
    assert "lý do" in e.value.message
    services.leave_team(reg, m.membership_id, end_date="01/03/2026", reason="Chuyển công tác")
    d = services.team_detail(reg, t.id)
    assert d.members == []
    assert [(f.full_name, f.end_date, f.leave_reason) for f in d.former_members] == [
        ("Bùi Thị Hoa", dt.date(2026, 3, 1), "Chuyển công tác")]
    pd = services.person_detail(reg, p.id)
    assert len(pd.memberships) == 1 and pd.memberships[0][1].end_date == dt.date(2026, 3, 1)
    log = services.list_audit(reg, action="roi_to")
    assert log and "Bùi Thị Hoa" in log[0].summary and log[0].new == "01/03/2026"


def test_person_validation_names_each_field(reg):
    with pytest.raises(InputError) as e:
        services.add_person(reg, PersonInput(full_name="", phone="abc", cccd="001", birth="13/13/1990"))
    fields = {x.field for x in e.value.errors}
    assert {"full_name", "phone", "cccd", "birth"} <= fields


def test_phone_normalised_and_duplicate_warned(reg):
    v, _ = _village_with_team(reg)
    p, warns = services.add_person(reg, PersonInput(full_name="Hoàng Văn Nam", phone="+84 912 345 678",
                                                    birth="1985", gender="Nam", village_id=v.id))
    assert p.phone == "0912345678" and p.birth_year == 1985
    with pytest.raises(InputError) as e:
        services.add_person(reg, PersonInput(full_name="Hoàng  Văn Nam", birth="1985", village_id=v.id))
    assert "Có thể đã có người này" in e.value.message
    services.add_person(reg, PersonInput(full_name="Hoàng Văn Nam", birth="1985"), allow_duplicate=True)
    assert len(services.list_people(reg)) == 2


def test_update_person_is_audited_old_to_new(reg):
    p, _ = services.add_person(reg, PersonInput(full_name="Lê Thị Mai", phone="0912345678"))
    services.update_person(reg, p.id, PersonInput(full_name="Lê Thị Mai", phone="0987654321"))
    e = [x for x in services.list_audit(reg, entity="person") if x.field == "phone"][0]
    assert (e.old, e.new) == ("0912345678", "0987654321")
    assert e.actor


def test_search_ignores_accents_and_case(demo):
    rows = services.list_people(demo)
    target = next(r for r in rows if r.family_name.startswith("Đặng"))
    hits = services.filter_people(rows, query="dang")
    assert target in hits
    assert all(r.search_key.find("dang") >= 0 for r in hits)
    folded = services.filter_people(rows, query=target.full_name.upper())
    assert target in folded


def test_people_list_in_vietnamese_order(demo):
    from models.text import name_sort_key

    rows = services.list_people(demo)
    keys = [name_sort_key(r.family_name, r.given_name) for r in rows]
    assert keys == sorted(keys)


def test_settings_validation(reg):
    with pytest.raises(InputError) as e:
        services.update_settings(reg, village_team_min=8, village_team_max=5)
    assert "lớn hơn tối đa" in e.value.message
    s = services.update_settings(reg, village_team_min=4, signer_name="Phạm Thị Ly")
    assert s.village_team_min == 4 and s.signer_name == "Phạm Thị Ly"


def test_team_size_rule_follows_settings(reg):
    v, t = _village_with_team(reg)
    for i, name in enumerate(["Nguyễn Văn An", "Trần Văn Bình", "Lê Văn Cường", "Phạm Văn Dũng"]):
        p = _person(reg, name, v)
        services.add_member(reg, t.id, p.id, category=["TRUONG_THON", "DOAN_TN", "MTTQ", "KHAC"][i],
                            role="to_truong" if i == 0 else "thanh_vien")
    assert "size_low" in [f.kind for f in services.team_detail(reg, t.id).compliance.findings]
    services.update_settings(reg, village_team_min=4)
    assert "size_low" not in [f.kind for f in services.team_detail(reg, t.id).compliance.findings]


def test_equipment_and_needs(reg):
    v, _ = _village_with_team(reg)
    e = services.add_equipment(reg, EquipmentInput(unit_id=v.id, place="Nhà văn hóa thôn", kind="MAY_TINH",
                                                   quantity="2", condition="hong", value="12.500.000",
                                                   acquired_on="01/10/2024"))
    assert e.value == 12_500_000 and e.quantity == 2 and e.condition_label == "Hỏng"
    comp = rules.compliance(reg)
    assert comp.equipment_needing_repair == 1
    assert any(f.kind == "repair" and f.target == ("equipment", e.id) for f in comp.findings)
    with pytest.raises(InputError) as err:
        services.add_equipment(reg, EquipmentInput(unit_id=v.id, kind="MAY_IN", quantity="-1"))
    assert "Số lượng" in err.value.message
    n = services.add_need(reg, NeedInput(unit_id=v.id, kind="MAY_SCAN", quantity=1, estimated_value="4.500.000",
                                         reason="Chưa có máy scan"))
    assert services.list_needs(reg)[0].id == n.id


def test_merge_villages_moves_members_and_keeps_history(reg):
    a, ta = _village_with_team(reg, "Đông Lợi")
    b, tb = _village_with_team(reg, "Tây Lợi")
    p = _person(reg, "Ngô Văn Khánh", a)
    services.add_member(reg, ta.id, p.id, category="KHAC")
    services.merge_villages(reg, a.id, b.id, date=dt.date(2026, 1, 1))
    names = [x.name for x in services.list_villages(reg)]
    assert names == ["Tây Lợi"]
    d = services.team_detail(reg, tb.id)
    assert [m.full_name for m in d.members] == ["Ngô Văn Khánh"]
    old = services.team_detail(reg, ta.id)
    assert old.former_members[0].leave_reason.startswith("Sáp nhập")


def test_deadlines_from_settings():
    s = services.Settings()
    d = rules.deadlines(s, today=dt.date(2026, 11, 22))
    assert d[0].due == dt.date(2026, 12, 15) and d[0].kind == "nam" and d[0].days_left == 23
    d = rules.deadlines(s, today=dt.date(2026, 6, 1))
    assert [x.due for x in d[:2]] == [dt.date(2026, 6, 15), dt.date(2026, 6, 20)]
    s.quarterly_deadline_day = 6
    d = rules.deadlines(s, today=dt.date(2026, 6, 1))
    assert d[0].due == dt.date(2026, 6, 6) and d[0].label.startswith("Báo cáo quý II")


def test_commune_demo_matches_seed_001(demo):
    st = services.stats(demo)
    assert st.villages == 28
    assert st.teams == 29 and st.village_teams == 28
    village_members = sum(v.member_count for v in services.list_villages(demo))
    assert village_members == 139
    formers = {v.former_unit for v in services.list_villages(demo)}
    assert len(formers) == 3
    ward = [t for t in services.list_teams(demo) if t.level == "xa"][0]
    assert ward.member_count == 50
    d = services.team_detail(demo, ward.id)
    assert d.decisions[0].number == "597/QĐ-UBND"
    s = services.get_settings(demo)
    assert s.signer_name == "Phạm Thị Ly"


def test_demo_is_deterministic(tmp_path):
    from models.demo import create_demo

    names = []
    for i in range(2):
        r, _ = create_demo(tmp_path / f"d{i}.cnscd", scale="commune", random_state=7)
        names.append([p.full_name for p in services.list_people(r)])
        r.close()
    assert names[0] == names[1]


# -- the audit log names things the way the clerk does ---------------------------------------
def test_audit_log_names_fields_and_related_rows(reg):
    v1, t = _village_with_team(reg, "Đông Lợi")
    v2 = services.add_village(reg, name="Tây Lợi")
    p = _person(reg, "Lê Thị Mai", v1, phone="0912345678")
    services.update_settings(reg, signer_name="Nguyễn Văn An", language="en")
    services.update_person(reg, p.id, PersonInput(full_name="Lê Thị Mai", phone="0912345678", village_id=v2.id))
    cats = services.list_categories(reg)
    m = services.add_member(reg, t.id, p.id, role="thanh_vien", category=cats[0].code)
    services.change_membership(reg, m.membership_id, role="to_pho", category=cats[1].code)
    log = services.list_audit(reg)

    def entry(field):
        return next(e for e in log if e.field == field)

    e = entry("signer_name")
    assert e.summary == "Cài đặt: Họ tên người ký" and e.field_label == "Họ tên người ký"
    assert (entry("language").old, entry("language").new) == ("Tiếng Việt", "English")
    e = entry("village")
    assert e.field_label == "Thôn/Tổ dân phố" and (e.old, e.new) == ("Thôn Đông Lợi", "Thôn Tây Lợi")
    e = entry("role")
    assert (e.field_label, e.old, e.new) == ("Vai trò", "Thành viên", "Tổ phó")
    e = entry("category")
    assert (e.old, e.new) == (cats[0].name, cats[1].name)
    # nothing shows a bare record number or a code
    assert not any(x.old.isdigit() or x.new.isdigit() for x in log if x.field in ("village", "category"))


def test_audit_log_maps_rows_written_before_names(reg):
    """Older rows kept the field code and record numbers: they are shown by name when read."""
    from models.schema import AuditLog

    v1 = services.add_village(reg, name="Đông Lợi")
    v2 = services.add_village(reg, name="Tây Lợi")
    with reg.write():
        AuditLog.create(at=dt.datetime.now(), actor="x", action="sua", entity="person", entity_id=1,
                        summary="Lê Thị Mai", field="village", old=str(v1.id), new=str(v2.id))
        AuditLog.create(at=dt.datetime.now(), actor="x", action="sua", entity="setting", entity_id=None,
                        summary="Cài đặt issuing_body", field="issuing_body", old="A", new="B")
        AuditLog.create(at=dt.datetime.now(), actor="x", action="sua", entity="equipment", entity_id=1,
                        summary="Thiết bị", field="condition", old="tot", new="hong")
    log = services.list_audit(reg)
    village = next(e for e in log if e.field == "village")
    assert (village.old, village.new) == ("Thôn Đông Lợi", "Thôn Tây Lợi")
    setting = next(e for e in log if e.field == "issuing_body")
    assert setting.summary == "Cài đặt: Cơ quan ban hành"
    cond = next(e for e in log if e.field == "condition")
    assert (cond.field_label, cond.old, cond.new) == ("Tình trạng", "Tốt", "Hỏng")
    assert services.list_audit(reg, query="co quan ban hanh")  # the label can be searched for
