"""People: duplicates named to the clerk, and a phone number found by the search box."""

from __future__ import annotations

from models import services
from models.services import PersonInput


def _village(reg):
    return services.add_village(reg, name="Đông Lợi", kind="thôn")


def test_same_phone_for_two_people_warns_naming_the_other(reg):
    v = _village(reg)
    services.add_person(reg, PersonInput(full_name="Nguyễn Văn Hải", phone="0912345678", village_id=v.id))
    _, warnings = services.add_person(reg, PersonInput(full_name="Trần Thị Ưng", phone="0912 345 678",
                                                       village_id=v.id))
    assert any("0912345678" in w and "Nguyễn Văn Hải" in w for w in warnings), warnings


def test_changing_a_phone_to_someone_elses_warns_too(reg):
    v = _village(reg)
    services.add_person(reg, PersonInput(full_name="Nguyễn Văn Hải", phone="0912345678", village_id=v.id))
    p, _ = services.add_person(reg, PersonInput(full_name="Lê Văn Đạt", phone="0987654321", village_id=v.id))
    _, warnings = services.update_person(reg, p.id, PersonInput(full_name="Lê Văn Đạt", phone="0912345678",
                                                                village_id=v.id))
    assert any("Nguyễn Văn Hải" in w for w in warnings)
    # saving a person with their own number again is no duplicate
    _, again = services.update_person(reg, p.id, PersonInput(full_name="Lê Văn Đạt", phone="0912345678",
                                                             village_id=v.id))
    assert any("Nguyễn Văn Hải" in w for w in again)
    _, alone = services.update_person(reg, p.id, PersonInput(full_name="Lê Văn Đạt", phone="0987654321",
                                                             village_id=v.id))
    assert not any("đã có ở" in w for w in alone)


def test_search_box_finds_a_phone_number(reg):
    v = _village(reg)
    services.add_person(reg, PersonInput(full_name="Nguyễn Văn Hải", phone="0912345678", village_id=v.id))
    services.add_person(reg, PersonInput(full_name="Đặng Thị Út", phone="0987654321", village_id=v.id))
    rows = services.list_people(reg)
    assert [r.full_name for r in services.filter_people(rows, query="0912")] == ["Nguyễn Văn Hải"]
    assert [r.full_name for r in services.filter_people(rows, query="0912 345")] == ["Nguyễn Văn Hải"]
    assert [r.full_name for r in services.filter_people(rows, query="dang")] == ["Đặng Thị Út"]
    assert [r.full_name for r in services.filter_people(rows, query="thi ut")] == ["Đặng Thị Út"]
