"""The people search made ready for every keystroke (issue 19): the rows of each letter known
in advance, answers remembered and started from, the list shown at the answer's positions
without copying — and the same people, in the same order, as a plain scan of the list."""

from __future__ import annotations

import random

import pytest

from cnscd_tui.app import CnscdApp
from cnscd_tui.picked import Picked
from models import services, text
from models.people_index import MEMO_ROWS
from models.services import PeopleIndex
from tests.tui_helpers import open_demo, press, screen_text, settle

SIZE = (120, 40)


def _queries(rows, seed: int) -> list[str]:
    rnd = random.Random(seed)
    out = list("nhtvmzq") + ["", " ", "ng", "ngu", "nguyen", "thi", " thi", "n thi", "ng thi", "nguyen thi h",
                             "thi nguyen", "h thi h", "van van", "x y", "Đặng Thị", "z thi"]
    for r in rnd.sample(rows, 20):
        words = r.search_key.split()
        out += [words[-1][:2], " ".join(rnd.sample(words, min(2, len(words)))), words[-1][:2] + " " + words[0][:3]]
    return out


def test_a_prepared_index_answers_what_a_scan_answers(demo):
    """Every query, asked in any order and again (answers remembered, started from the rows of a
    letter or an earlier answer), and typed on key by key among the previous answer, finds the
    rows :func:`text.matches` finds, in list order — with the filters too."""
    rows = services.list_people(demo)
    prepared, plain = PeopleIndex(rows).prepare(), PeopleIndex(rows)
    queries = _queries(rows, 19)
    for q in queries + queries[::-1]:
        expected = [i for i, r in enumerate(rows) if text.matches(q, r.search_key)]
        assert list(prepared.search(q)) == expected, q
    for q in ("nguyen thi h", "thi ha", "tran van"):  # typed key by key, each among the answer before
        earlier = None
        for n in range(1, len(q) + 1):
            found = prepared.search(q[:n], within=earlier)
            assert list(found) == [i for i, r in enumerate(rows) if text.matches(q[:n], r.search_key)], q[:n]
            earlier = found
    leaders = dict(role="to_truong", trained=False)
    village = dict(village_id=rows[0].village_id, active=True)
    for filters in (leaders, village):
        for q in ("", "n", "thi", "n thi", rows[3].phone[:4], rows[3].cccd[-7:]):
            assert list(prepared.search(q, **filters)) == list(plain.search(q, **filters)), (q, filters)


def test_typing_on_a_word_tests_no_key_one_by_one(demo, monkeypatch):
    """Issue 19: a key that narrows the previous answer («ng» after «n», «ngu» after «ng»…) is
    answered from the rows of the name words that hold it, not by testing each row's key (at
    16× the province that tested ≈ 85,000 keys per key, then intersected the result with the
    previous answer: a narrowing key cost more than one that filtered the whole list). A
    letter typed after a space tests at most the rows the previous answer holds (per word)."""
    import models.people_index as people_index

    rows = services.list_people(demo)
    index = PeopleIndex(rows).prepare()
    tested: list[int] = []
    real_where = people_index._where

    def counting_where(idx, keys, part):
        tested.append(len(idx))
        return real_where(idx, keys, part)

    monkeypatch.setattr(people_index, "_where", counting_where)
    for name in ("nguyen thi h", "tran van", "le thi"):
        earlier = None
        for n in range(1, len(name) + 1):
            q = name[:n]
            tested.clear()
            found = index.search(q, within=earlier)
            assert list(found) == [i for i, r in enumerate(rows) if text.matches(q, r.search_key)], q
            if " " not in q:
                assert tested == [], q  # a part of a word: the words' rows
            else:
                assert max(tested, default=0) <= len(earlier), q  # at most the previous answer, per word
            earlier = found
    assert len(index.search("ng")) > len(rows) // 10  # (a part shared by many names)
    plain = PeopleIndex(rows)  # with filters too, typed on among the previous answer (what the people tab does)
    for filters in (dict(active=True), dict(village_id=rows[0].village_id), dict(role="to_truong", trained=False)):
        earlier = None
        for n in range(1, len("nguyen thi h") + 1):
            found = index.search("nguyen thi h"[:n], within=earlier, **filters)
            assert list(found) == list(plain.search("nguyen thi h"[:n], **filters)), (n, filters)
            earlier = found


def test_remembered_answers_stay_within_their_bound(demo):
    """However many different searches are typed, the remembered answers hold at most
    MEMO_ROWS positions per person (a national roll-up lists half a million)."""
    rows = services.list_people(demo)
    index = PeopleIndex(rows).prepare()
    for q in _queries(rows, 7) * 3 + [f"{a}{b}" for a in "nthgu" for b in "aghinouy"]:
        index.search(q)
        assert index._memo_size <= MEMO_ROWS * len(rows)
        assert index._memo_size == sum(map(len, index._memo.values()))


def test_a_view_at_positions_behaves_as_the_list_it_stands_for():
    lines, ids = [("An",), ("Bình",), ("Chi",), ("Dũng",), ("Hà",)], [10, 11, 12, 13, 14]
    order = [1, 3, 4]
    keys = Picked(ids, order)
    assert keys == [11, 13, 14] and keys != [11, 13] and list(keys) == [11, 13, 14] and len(keys) == 3
    assert keys[-1] == 14 and keys[0:2] == [11, 13] and Picked(lines, order)[1] == ("Dũng",)
    assert keys.index(13) == 1 and 14 in keys and 12 not in keys and 99 not in keys
    with pytest.raises(ValueError):
        keys.index(12)
    assert Picked(ids, range(5)) == ids and Picked(ids, []) == []


async def test_the_people_list_shows_each_answer_and_keeps_the_cursor_on_its_person(demo_path):
    """Typed key by key, the list holds the people the search finds, in order; the person under
    the cursor is still under it once the list has been read again (a save elsewhere)."""
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4")
        rows = services.list_people(app.reg)
        table = app.screen.query_one("#people-table")
        await press(pilot, "slash")
        for typed in ("t", "th", "thi", "thi ", "thi h"):
            await press(pilot, typed[-1] if typed[-1] != " " else "space")
            expected = [r for r in rows if text.matches(typed, r.search_key)]
            assert table.keys == [r.id for r in expected], typed
            assert [line[0] for line in table.rows] == [r.full_name for r in expected]
        assert len(expected) > 2
        await press(pilot, "down", "down", "down")
        person = table.current_key
        assert person == expected[2].id and expected[2].full_name in screen_text(app)
        pane = app.screen.pane("thanh-vien")
        app.data_changed()
        pane.reload()
        await settle(pilot)
        assert pane.loaded_version == app.data_version and table.current_key == person
        await press(pilot, "slash", "ctrl+u")
        assert table.keys == [r.id for r in rows]
