"""Demo registries at N× the province (``create_demo(scale="province", times=N)``): what the
benchmarks at scale are built from — N copies with distinct names, the same for the same
random state."""

from __future__ import annotations

from collections import Counter

import pytest

from models import services
from models.demo import PHU_LUC_I, create_demo
from models.schema import Membership, Person, Team, Unit

PASS = "mat-khau-demo-2026"
MEMBERS = sum(r[4] for r in PHU_LUC_I)


def _people(reg) -> list[tuple]:
    with reg.read():
        return list(Person.select(Person.family_name, Person.given_name, Person.phone, Person.cccd,
                                  Person.village).order_by(Person.id).tuples())


@pytest.fixture(scope="module")
def twice(tmp_path_factory):
    path = tmp_path_factory.mktemp("scale") / "x2.cnscd"
    reg, _ = create_demo(path, scale="province", times=2, random_state=11, passphrase=PASS)
    yield reg
    reg.close()


def test_two_copies_have_twice_the_rows_and_distinct_names(twice):
    reg = twice
    with reg.read():
        districts = [u.name for u in Unit.select().where(Unit.level == "huyen")]
        communes = list(Unit.select(Unit.parent, Unit.name, Unit.code).where(Unit.level == "xa").tuples())
        villages = list(Unit.select(Unit.parent, Unit.name).where(Unit.level == "thon").tuples())
        teams = Team.select().count()
        members = Membership.select().where(Membership.end_date.is_null()).count()
    assert len(districts) == 2 * len(PHU_LUC_I) and len(set(districts)) == len(districts)
    assert {"Tam Kỳ", "Tam Kỳ 2", "Hiệp Đức", "Hiệp Đức 2"} <= set(districts)
    assert len({(p, n) for p, n, _ in communes}) == len(communes)
    first = {n for _, n, c in communes if len(c) == 4}  # the province as it is: codes «0101»…
    second = {n for _, n, c in communes if len(c) == 6}  # the copy: «020101»…
    assert first and second and not first & second, "no commune name of the copy is one of the first"
    assert len({c for _, _, c in communes}) == len(communes), "commune codes distinct"
    assert len(set(villages)) == len(villages)
    assert teams == 2 * 1238 and members == 2 * MEMBERS
    people = _people(reg)
    assert len(people) == 2 * MEMBERS
    phones = [p[2] for p in people if p[2]]
    ids = [p[3] for p in people if p[3]]
    assert len(set(phones)) == len(phones) and len(set(ids)) == len(ids)
    # the second copy's people are drawn anew, not the first copy's names again
    first, second = people[:MEMBERS], people[MEMBERS:]
    assert Counter((f, g) for f, g, *_ in first) != Counter((f, g) for f, g, *_ in second)
    st = services.stats(reg)
    assert st.active_members == 2 * MEMBERS and st.villages == 2 * 1240


def test_the_same_random_state_gives_the_same_registry(twice, tmp_path):
    again, _ = create_demo(tmp_path / "again.cnscd", scale="province", times=2, random_state=11, passphrase=PASS)
    try:
        assert _people(again) == _people(twice)
        with again.read():
            units = list(Unit.select(Unit.id, Unit.name, Unit.code).order_by(Unit.id).tuples())
        with twice.read():
            assert units == list(Unit.select(Unit.id, Unit.name, Unit.code).order_by(Unit.id).tuples())
    finally:
        again.close()


def test_copies_only_for_the_province_and_at_least_one(tmp_path):
    with pytest.raises(ValueError):
        create_demo(tmp_path / "a.cnscd", scale="commune", times=2, passphrase=PASS)
    with pytest.raises(ValueError):
        create_demo(tmp_path / "b.cnscd", scale="province", times=0, passphrase=PASS)
