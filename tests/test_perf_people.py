"""The people list at scale (issue 19): read in SQL into slim rows, searched per keystroke
through a prepared index, counted in SQL for the dashboard — with the same answers as before."""

from __future__ import annotations

import random

from models import services, text
from models.services import PersonInput, PeopleIndex


def _village(reg, name="Đông Lợi"):
    return services.add_village(reg, name=name, kind="thôn")


def test_rows_carry_names_teams_and_roles(reg):
    """A member of two teams: both teams, both roles; the name's parts as entered (no family name too)."""
    a, b = _village(reg), _village(reg, "Tây Lợi")
    ta = services.create_team(reg, unit_id=a.id, decision_number="12/QĐ-UBND")
    tb = services.create_team(reg, unit_id=b.id, decision_number="13/QĐ-UBND")
    hai, _ = services.add_person(reg, PersonInput(family_name="Nguyễn Văn", given_name="Hải", birth="1990",
                                                  village_id=a.id))
    ut, _ = services.add_person(reg, PersonInput(given_name="Út", birth="12/05/1985"))
    services.add_member(reg, ta.id, hai.id, role="to_truong", category="DOAN_TN")
    services.add_member(reg, tb.id, hai.id, role="thanh_vien", category="KHAC")
    rows = {r.id: r for r in services.list_people(reg)}
    h, u = rows[hai.id], rows[ut.id]
    assert (h.full_name, h.family_name, h.given_name, h.birth_year) == ("Nguyễn Văn Hải", "Nguyễn Văn", "Hải", 1990)
    assert (u.full_name, u.family_name, u.given_name, u.birth_year) == ("Út", "", "Út", 1985)
    assert h.teams == f"{ta.name}, {tb.name}" and h.roles == ("to_truong", "thanh_vien")
    assert h.categories == ("DOAN_TN", "KHAC") and h.active and h.village_name.endswith("Đông Lợi")
    assert (u.teams, u.roles, u.categories, u.active, u.village_id) == ("", (), (), False, None)
    assert h.sort_key == text.name_sort_key_str("Nguyễn Văn", "Hải")
    # only the active members without a course this year are untrained members
    assert [r.id for r in services.untrained_members(reg)] == [hai.id]


def test_the_index_finds_what_the_plain_rule_finds(demo):
    """Every search (one word, several in any order, part of a word, a phone or CCCD number, with
    the filters) answers what :func:`text.matches` and the filters say, row for row, in list order."""
    rows = services.list_people(demo)
    index = PeopleIndex(rows)
    rnd = random.Random(19)
    queries = ["n", "h", "nguyen thi", "thi nguyen", "guyen thi h", "h thi h", "van van", "ng th", "Đặng Thị",
               "x y", "", "  "]
    for r in rnd.sample(rows, 25):
        words = r.search_key.split()
        queries += [" ".join(rnd.sample(words, min(2, len(words)))), words[-1][:2] + " " + words[0][:3]]
    for q in queries:
        expected = [i for i, r in enumerate(rows) if text.matches(q, r.search_key)]
        assert list(index.search(q)) == expected, q
    phone = next(r.phone for r in rows if r.phone)
    cccd = next(r.cccd for r in rows if r.cccd)
    for q, rule in ((phone[:4], lambda r: phone[:4] in r.phone), (cccd[-7:], lambda r: cccd[-7:] in r.phone + " " + r.cccd)):
        assert [rows[i] for i in index.search(q)] == [r for r in rows if rule(r)], q
    # the filters, alone and with a name
    leaders = [r for r in rows if "to_truong" in r.roles and not r.trained_this_year]
    assert [rows[i] for i in index.search(role="to_truong", trained=False)] == leaders
    assert services.filter_people(rows, query="thi", role="to_truong", trained=False) == \
        [r for r in leaders if text.matches("thi", r.search_key)]
    village = rows[0].village_id
    assert services.filter_people(rows, village_id=village, active=True) == \
        [r for r in rows if r.village_id == village and r.active]


def test_a_search_narrows_only_an_answer_found_the_same_way():
    """Typing on may search among the previous answer only when both are searched alike: «09»
    (a name) does not narrow «091» (a phone number), nor 5 digits (phones) 6 (phones and CCCDs)."""
    assert PeopleIndex.narrows("ngu", "nguyen t")
    assert PeopleIndex.narrows("091", "0912")
    assert not PeopleIndex.narrows("09", "091")
    assert not PeopleIndex.narrows("04908", "049082")
    assert not PeopleIndex.narrows("nguyen", "ha")


def test_dashboard_counts_match_the_rows(demo):
    """The dashboard's counts (in SQL) agree with the people list."""
    st = services.stats(demo)
    rows = services.list_people(demo)
    members = [r for r in rows if r.active]
    assert st.people == len(members)
    assert st.trained_this_year == sum(1 for r in members if r.trained_this_year)
    assert st.active_members == sum(len(r.roles) for r in rows)
    assert sum(st.members_by_category.values()) == st.active_members
    assert list(st.members_by_category) == [c.code for c in services.list_categories(demo, include_inactive=True)]
