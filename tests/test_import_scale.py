"""Importing into a large registry (issue 19): the plan reads only the people a roster can be —
the same CCCD or phone anywhere in the registry, the same name in a village the file names (or
without a village) — and the number of queries does not grow with the registry.

Duplicates are found exactly as against the whole registry: a CCCD or a phone that lives in a
village the roster does not otherwise touch is still found.
"""

from __future__ import annotations

import pytest

from exports import importer, roster_plan
from models import bulk, services, validate
from models.schema import Unit

CCCD_FAR = validate.make_cccd("031", "nam", 1970, 4242)
PHONE_FAR = "0912345678"
HEAD = "Họ và tên,Năm sinh,Số ĐT,CCCD,Thôn/TDP"
ROWS = [
    "Trần Văn Bảy,1970,,{cccd},An Lợi",  # the CCCD of a person living in «Xa 3»
    "Nguyễn Thị Hà,1985,{phone},,An Lợi",  # the phone of another person of «Xa 5»
    "Đặng Văn Lâm,1990,0987654321,,Đông Lợi",  # in the registry, in Đông Lợi: the same person
    "Lê Hữu Ước,1995,,,",  # no village: the commune's own member of that name and year
    "Phạm Đức Thắng,1969,0356789012,,Đông Lợi",  # new (his namesakes live in villages the file does not name)
]


def _commune_id() -> int:
    return Unit.get(Unit.level == "xa").id


def _registry(reg, far_villages: int, per_village: int) -> None:
    """An Lợi and Đông Lợi (the roster's villages), and ``far_villages`` villages of ``per_village``
    people each that the roster does not name: namesakes of every row, a CCCD and a phone the roster has."""
    names = [r.split(",")[0] for r in ROWS]
    far = [bulk.NewVillage(f"xa{i}", f"Thôn Xa {i}") for i in range(1, far_villages + 1)]
    people = [bulk.BulkPerson("Đặng Văn", "Lâm", "nam", birth_year=1990, phone="0987654321", village="dong"),
              bulk.BulkPerson("Lê Hữu", "Ước", "nam", birth_year=1995, village=None),
              bulk.BulkPerson("Võ Thị", "Lan", "nu", birth_year=1988, village="an")]
    for i, v in enumerate(far, 1):
        for k in range(per_village):
            family, given = names[k % len(names)].rsplit(" ", 1)
            people.append(bulk.BulkPerson(family, given, birth_year=1960 + k % 40, village=v.ref,
                                          phone=f"09{i:03d}{k:05d}"))
        if i == 3:
            people.append(bulk.BulkPerson("Hồ Văn", "Chín", "nam", birth_year=1970, cccd=CCCD_FAR, village=v.ref))
        if i == 5:
            people.append(bulk.BulkPerson("Mai Văn", "Tư", "nam", birth_year=1950, phone=PHONE_FAR, village=v.ref))
    bulk.import_people(reg, people, villages=[bulk.NewVillage("an", "Thôn An Lợi"),
                                              bulk.NewVillage("dong", "Thôn Đông Lợi"), *far],
                       commune_id=_commune_id())


def _roster(tmp_path, name="ds.csv"):
    f = tmp_path / name
    f.write_text("\n".join([HEAD, *(r.format(cccd=CCCD_FAR, phone=PHONE_FAR) for r in ROWS)]) + "\n",
                 encoding="utf-8")
    return f


def _person(reg, full_name: str, village: str | None):
    return next(p for p in services.list_people(reg)
                if p.full_name == full_name and (p.village_name or None) == village)


@pytest.fixture
def big(reg):
    _registry(reg, far_villages=12, per_village=40)
    return reg


def test_duplicates_in_villages_the_roster_does_not_touch_are_found(big, tmp_path):
    pv = importer.read_roster(big, _roster(tmp_path))
    rows = {r.name: r for r in pv.rows}
    chin = _person(big, "Hồ Văn Chín", "thôn Xa 3")
    # the CCCD: the same person (a warning: the file writes another name), as against the whole registry
    bay = rows["Trần Văn Bảy"]
    assert bay.person_id == chin.id and bay.status == "update"
    assert any(CCCD_FAR in w.message and "Hồ Văn Chín" in w.message for w in bay.warnings)
    # the phone: a warning naming its owner, who lives in a village the file does not name
    ha = rows["Nguyễn Thị Hà"]
    assert ha.status == "new"
    assert any(PHONE_FAR in w.message and "Mai Văn Tư" in w.message for w in ha.warnings)
    # name + year + village: the person of Đông Lợi, not a namesake of a far village
    assert rows["Đặng Văn Lâm"].person_id == _person(big, "Đặng Văn Lâm", "thôn Đông Lợi").id
    assert rows["Đặng Văn Lâm"].status == "unchanged"
    assert rows["Lê Hữu Ước"].person_id == _person(big, "Lê Hữu Ước", None).id
    assert rows["Phạm Đức Thắng"].status == "new" and rows["Phạm Đức Thắng"].person_id is None
    res = importer.apply_roster(big, pv)
    assert (res.created, res.updated, res.unchanged) == (2, 1, 2)
    again = importer.read_roster(big, _roster(tmp_path))
    assert again.counts == {"new": 0, "update": 0, "unchanged": 5, "error": 0}


def test_lists_longer_than_one_query_takes_find_the_same(big, tmp_path, monkeypatch):
    """Where SQLite reads no JSON, the keys go in chunks of parameters: the same rows are found."""
    f = _roster(tmp_path)
    want = [(r.status, r.person_id, [w.message for w in r.warnings]) for r in importer.read_roster(big, f).rows]
    monkeypatch.setattr(bulk, "_json_in", lambda: False)
    monkeypatch.setattr(bulk, "_CHUNK", 2)
    got = [(r.status, r.person_id, [w.message for w in r.warnings]) for r in importer.read_roster(big, f).rows]
    assert got == want


def _planned(reg, path) -> tuple[int, int, int]:
    """(queries to read and plan the roster, people the plan holds, queries to import it)."""
    seen: list[str] = []
    reg.conn.set_trace_callback(seen.append)
    try:
        pv = importer.read_roster(reg, path)
        read = len(seen)
        idx = roster_plan.RegistryIndex(pv.options.commune)
        with reg.read():
            roster_plan.plan(pv, idx=idx)
        seen.clear()
        importer.apply_roster(reg, pv)
        return read, len(idx.people), len(seen)
    finally:
        reg.conn.set_trace_callback(None)


def test_the_plan_reads_what_the_roster_can_touch_not_the_registry(tmp_path, db_path):
    from models.db import Registry

    from .conftest import PASS

    figures = []
    for n, (villages, per_village) in enumerate([(6, 5), (24, 60)]):
        reg, _ = Registry.create(tmp_path / f"so{n}.cnscd", PASS, province="Thành phố Hải Phòng",
                                 commune="Trần Hưng Đạo", commune_kind="phường")
        try:
            _registry(reg, villages, per_village)
            figures.append(_planned(reg, _roster(tmp_path)))
        finally:
            reg.close()
    (small_read, small_people, small_apply), (big_read, big_people, big_apply) = figures
    assert big_read == small_read  # 30 people or 1,440: the same queries
    assert big_apply == small_apply
    assert big_people == small_people <= 8  # the rows' CCCD, phone and name matches, not every namesake


def test_bulk_insert_writes_what_peewee_insert_many_writes(reg):
    """The import's own multi-row INSERT: the same stored values as peewee's ``insert_many`` — text
    cleaned (NFC, spaces), dates, booleans, NULLs, the model's defaults for fields not given."""
    import datetime as dt
    import unicodedata

    from models.schema import Category, Membership, Person, Team, database

    fields = [Person.family_name, Person.given_name, Person.birth_date, Person.birth_year, Person.cccd_legacy,
              Person.village, Person.notes]
    rows = [(unicodedata.normalize("NFD", "  Nguyễn   Thị "), "Hà", dt.date(1985, 9, 5), None, True, None,
             " dòng 1 \n  dòng 2 "),
            ("Lê", "Ba", None, 1990, False, None, "")]
    with reg.write():
        commune = Unit.get(Unit.level == "xa")
        team = Team.create(unit=commune, level="xa", name="Tổ CNSCĐ")
        ids = bulk._insert(Person, fields, rows, returning=True)
        Person.insert_many(rows, fields=fields).execute()
        cat = Category.select().first().id
        members = [(ids[0], team.id, cat, dt.date(2026, 1, 2)), (ids[1], team.id, cat, None)]
        mfields = [Membership.person, Membership.team, Membership.category, Membership.start_date]
        bulk._insert(Membership, mfields, members)
        Membership.insert_many(members, fields=mfields).execute()
    people = database.execute_sql("SELECT * FROM person ORDER BY id").fetchall()
    assert len(people) == 4 and [p[0] for p in people[:2]] == ids
    assert [p[1:] for p in people[:2]] == [p[1:] for p in people[2:]]
    assert people[0][1] == "Nguyễn Thị" and people[0][10] == "dòng 1\ndòng 2"
    ms = database.execute_sql("SELECT * FROM membership ORDER BY id").fetchall()
    assert [m[1:] for m in ms[:2]] == [m[1:] for m in ms[2:]]
