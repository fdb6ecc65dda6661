"""The registry's units as reports see them: the tree (parents, order, labels), the teams and
their member counts on a day, the scope a list covers, and the roster's rows.

:mod:`exports.report` builds its sheets on these. Order everywhere is the registry's:
provinces, districts and communes in their recorded order, villages by former unit,
then name (numbers as numbers) — the order of ``services.list_villages`` — so the
lists on screen and on paper agree.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from models import text, vocab
from models.errors import InputError, NotFoundError

from . import as_of as as_of_state
from .layout import shared, unit_label

__all__ = ["Tree", "Scope", "resolve_scope", "village_choices", "roster_rows", "roster_iter", "team_order", "cap"]


def _num_key(name: str):
    parts = re.split(r"(\d+)", name or "")
    return tuple((0, int(p), ()) if (p.isascii() and p.isdigit()) else (1, 0, text.vn_key(p)) for p in parts if p)


class Tree:
    """All units in memory: parents, order, and the active teams with member counts."""

    def __init__(self, reg, as_of: dt.date | None = None):
        """``as_of``: the teams that existed and the members held on that day (a period's last day);
        None: the active teams and memberships now."""
        from models.schema import Membership, Team, Unit

        import peewee as pw

        with reg.read():
            # the texts as the strings every report of a pack shares (layout.shared)
            self.units = {u[0]: (u[0], u[1], shared(u[2]), shared(u[3]), shared(u[4]), u[5], u[6], shared(u[7]))
                          for u in Unit.select(Unit.id, Unit.parent, Unit.level, Unit.kind, Unit.name,
                                               Unit.sort_order, Unit.active, Unit.former_unit).tuples()}
            teams = Team.select(Team.id, Team.unit, Team.level, Team.name)
            held = Membership.end_date.is_null()
            if as_of is not None:
                teams = teams.where(Team.id.in_(list(as_of_state.team_ids_on(as_of)) or [-1]))
                held = as_of_state.active_on(as_of)
            else:
                teams = teams.where(Team.active == True)  # noqa: E712
            self.teams = [(tid, uid, shared(level), shared(name)) for tid, uid, level, name in teams.tuples()]
            self.counts = dict(Membership.select(Membership.team, pw.fn.COUNT(Membership.id))
                               .where(held).group_by(Membership.team).tuples())

    def ancestor(self, uid: int | None, level: str) -> int | None:
        seen = 0
        while uid is not None and seen < 10:
            u = self.units.get(uid)
            if u is None:
                return None
            if u[2] == level:
                return uid
            uid = u[1]
            seen += 1
        return None

    def label(self, uid: int) -> str:
        u = self.units[uid]
        return unit_label(u[3], u[4])

    def village_label(self, uid: int) -> str:
        """"Tổ dân phố 1" — with ", phường An Hòa" when the registry holds several communes, and the
        district (", thị xã Điện Bàn") when that commune's name is not unique in the registry.
        Two villages of one commune with the same name get their former unit."""
        u = self.units[uid]
        name = unit_label(u[3], u[4])
        if u[2] != "thon":
            return shared(name)
        if u[7] and self._dup_villages().get((u[1], text.fold(name)), 0) > 1:
            name += f", {u[7]}"
        if self.many_communes and u[1] in self.units:
            name += f", {self.commune_label(u[1])}"
        return shared(name)

    def commune_label(self, cid: int) -> str:
        """"phường An An" — with ", thị xã Điện Bàn" (or the former unit) when the name is not unique."""
        c = self.units[cid]
        name = f"{c[3]} {c[4]}".strip()
        if self._dup_communes().get(text.fold(name), 0) > 1:
            p = self.units.get(c[1])
            if p is not None and p[2] == "huyen":
                name += f", {p[3]} {p[4]}".rstrip()
            elif c[7]:
                name += f", {c[7]}"
        return shared(name)

    def _dup_communes(self) -> dict[str, int]:
        d = getattr(self, "_dupc", None)
        if d is None:
            d = self._dupc = {}
            for u in self.units.values():
                if u[2] == "xa":
                    k = text.fold(f"{u[3]} {u[4]}".strip())
                    d[k] = d.get(k, 0) + 1
        return d

    def _dup_villages(self) -> dict[tuple[int, str], int]:
        d = getattr(self, "_dupv", None)
        if d is None:
            d = self._dupv = {}
            for u in self.units.values():
                if u[2] == "thon":
                    k = (u[1], text.fold(unit_label(u[3], u[4])))
                    d[k] = d.get(k, 0) + 1
        return d

    @property
    def many_communes(self) -> bool:
        m = getattr(self, "_many", None)
        if m is None:
            m = self._many = sum(1 for u in self.units.values() if u[2] == "xa") > 1
        return m

    def order_key(self, uid: int):
        """Sort key: the path from the top. Provinces, districts and communes keep their
        recorded order; villages go by former unit, then name (numbers as numbers) —
        the order of ``services.list_villages``, so the lists on screen and on paper agree."""
        path = []
        seen = 0
        while uid is not None and seen < 10:
            u = self.units.get(uid)
            if u is None:
                break
            if u[2] == "thon":
                path.append(((), text.vn_key(u[7] or ""), _num_key(u[4]), u[0]))
            else:
                path.append(((u[5], u[0]), (), (), u[0]))
            uid = u[1]
            seen += 1
        return tuple(reversed(path))




# ---------------------------------------------------------------------------
# Roster (danh sách thành viên)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """Which part of the registry a list covers: all, one village, or one team."""

    village_id: int | None = None
    team_id: int | None = None
    label: str = ""


def resolve_scope(reg, *, village: str = "", team_id: int | None = None, village_id: int | None = None) -> Scope:
    """A village by id (the TUI), or by name (the CLI), or a team by id.

    Names are accent- and case-insensitive: "Tổ dân phố An Lợi" or "An Lợi"; in a registry of
    several communes also "village, commune" ("Tổ dân phố 1, phường An An", "1, An An") and the
    label the roster prints ("Tổ dân phố 1, phường An An, thị xã Điện Bàn"). A name that fits
    several villages is an :class:`InputError` listing them with their full labels.
    """
    from models import services

    if team_id is not None:
        teams = {t.id: t for t in services.list_teams(reg, include_inactive=True)}
        if team_id not in teams:
            raise NotFoundError(f"Không tìm thấy tổ có mã {team_id}.", "team")
        return Scope(team_id=team_id, label=teams[team_id].name)
    tree = Tree(reg)
    if village_id is not None:
        u = tree.units.get(village_id)
        if u is None or u[2] != "thon":
            raise NotFoundError(f"Không tìm thấy thôn/tổ dân phố có mã {village_id}.", "village")
        return Scope(village_id=village_id, label=tree.village_label(village_id))
    hits = _village_hits(tree, village)
    if hits is None:
        return Scope()
    if not hits:
        raise NotFoundError(f"Không tìm thấy thôn/tổ dân phố «{text.clean(village)}».", "village")
    if len(hits) > 1:
        active = [uid for uid in hits if tree.units[uid][6]]
        hits = active or hits
    if len(hits) > 1:
        hits.sort(key=tree.order_key)
        labels = [tree.village_label(uid) for uid in hits]
        shown = "; ".join(labels[:10]) + (f"; … và {len(labels) - 10} nơi khác" if len(labels) > 10 else "")
        raise InputError(
            f"«{text.clean(village)}» khớp {len(hits)} thôn/tổ dân phố: {shown}. "
            f"Hãy ghi rõ hơn, ví dụ «{labels[0]}».", "village")
    return Scope(village_id=hits[0], label=tree.village_label(hits[0]))


def _village_hits(tree: Tree, village: str) -> list[int] | None:
    """The villages a typed name fits (None: no name given): the whole label, else the name (with
    its commune/district after commas) exactly, else as a part of the full name."""
    parts = [p for p in (text.fold(p) for p in text.clean(village).split(",")) if p]
    if not parts:
        return None
    head, rest = parts[0], parts[1:]
    villages = [uid for uid, u in tree.units.items() if u[2] == "thon"]
    want = text.fold(village)
    hits = [uid for uid in villages if text.fold(tree.village_label(uid)) == want]
    if not hits:
        hits = [uid for uid in villages if _fits(tree, uid, head, rest, exact=True)]
    if not hits:
        hits = [uid for uid in villages if _fits(tree, uid, head, rest, exact=False)]
    return hits


def _fits(tree: Tree, uid: int, head: str, rest: list[str], *, exact: bool) -> bool:
    u = tree.units[uid]
    name, full = text.fold(u[4]), text.fold(unit_label(u[3], u[4]))
    if exact:
        if head not in (name, full):
            return False
    elif head not in full:
        return False
    if not rest:
        return True
    ds = _descriptors(tree, uid)
    if exact:
        return all(p in ds for p in rest)
    return all(any(p in d for d in ds) for p in rest)


def _descriptors(tree: Tree, uid: int) -> set[str]:
    """What may follow the village's name after a comma: its commune, district, former unit."""
    out: set[str] = set()
    u = tree.units[uid]
    if u[7]:
        out |= {text.fold(u[7]), text.fold(u[7].replace("(trước sáp nhập)", ""))}
    a = tree.units.get(u[1])
    seen = 0
    while a is not None and seen < 5 and a[2] != "tinh":
        out |= {text.fold(a[4]), text.fold(f"{a[3]} {a[4]}")}
        if a[7]:
            out |= {text.fold(a[7]), text.fold(a[7].replace("(trước sáp nhập)", ""))}
        a = tree.units.get(a[1])
        seen += 1
    return out


def village_choices(reg, *, include_inactive: bool = False) -> list[tuple[str, int]]:
    """(label, village id) for a picker, in roster order; labels are unique enough to choose by
    ("Tổ dân phố 1, phường An An, thị xã Điện Bàn" in a province registry)."""
    tree = Tree(reg)
    ids = [uid for uid, u in tree.units.items() if u[2] == "thon" and (u[6] or include_inactive)]
    ids.sort(key=tree.order_key)
    return [(tree.village_label(uid), uid) for uid in ids]


ROLE_ORDER = {"to_truong": 0, "to_pho": 1}


class RosterRow:
    """One membership of :func:`roster_rows`: read as ``r["name"]`` (or ``r.name``). Slots, not a dict:
    a 16-province roster holds 120,000 of them."""

    __slots__ = ("key", "name", "gender", "year", "role", "category", "other", "village", "phone", "cccd",
                 "notes", "team", "trained", "person_id")

    def __init__(self, key, name, gender, year, role, category, other, village, phone, cccd, notes, team, trained,
                 person_id):
        self.key, self.name, self.gender, self.year, self.role, self.category = key, name, gender, year, role, category
        self.other, self.village, self.phone, self.cccd, self.notes = other, village, phone, cccd, notes
        self.team, self.trained, self.person_id = team, trained, person_id

    def __getitem__(self, key: str):
        return getattr(self, key)

    def get(self, key: str, default=None):
        return getattr(self, key, default)


def roster_rows(reg, scope: Scope, *, as_of: dt.date | None = None,
                trained: tuple[dt.date, dt.date] | None = None, untrained_only: bool = False) -> list[RosterRow]:
    """The rows of :func:`roster_iter`, all held (for the few callers that need a list)."""
    return list(roster_iter(reg, scope, as_of=as_of, trained=trained, untrained_only=untrained_only))


def team_order(tree: Tree) -> list[int]:
    """The ids of the tree's teams in the roster's order: the commune's own teams first, then the
    villages', each in the registry's order of its unit (ties by id)."""
    place = {tid: (0 if tlevel != "thon" else 1, tree.order_key(uid)) for tid, uid, tlevel, _ in tree.teams}
    return sorted(place, key=lambda tid: (place[tid], tid))


def roster_iter(reg, scope: Scope, *, as_of: dt.date | None = None,
                trained: tuple[dt.date, dt.date] | None = None, untrained_only: bool = False) -> Iterator[RosterRow]:
    """Memberships in scope held on ``as_of`` (None: active now), in the registry's order of units
    (district → commune → village; the commune's own team first), then in each team the Tổ trưởng,
    the Tổ phó, then the members in Vietnamese name order. ``trained``: (from, to) — each row says
    whether the person attended a course starting then; ``untrained_only``: only the rows of people
    who did not.

    One query, sorted by SQLite (in memory: the registry's ``temp_store``), read and made into rows
    one at a time: nothing but the row being made is held here. (At 16× the province the 120,000
    memberships were all held as objects to be sorted — about 120 MB at once — before a sheet's
    rows were made of them.) Texts that repeat (a village, a category, a role) are one string
    shared by every row that has them."""
    from models.schema import Attendance, Category, Course, Membership, Person

    tree = Tree(reg, as_of=as_of)
    team_unit = {t[0]: (t[1], t[2], t[3]) for t in tree.teams}
    order = team_order(tree)
    if scope.team_id is not None:
        order = [tid for tid in order if tid == scope.team_id]
    elif scope.village_id is not None:
        order = [tid for tid in order if team_unit[tid][0] == scope.village_id]
    q = (Membership.select(Membership.team.alias("tid"), Membership.role.alias("role"),
                           Membership.other_positions.alias("other"), Category.name.alias("cat"),
                           Person.id.alias("pid"), Person.family_name.alias("fam"), Person.given_name.alias("giv"),
                           Person.gender.alias("gender"), Person.birth_date.alias("bdate"),
                           Person.birth_year.alias("byear"), Person.phone.alias("phone"), Person.cccd.alias("cccd"),
                           Person.village.alias("vid"), Person.sort_key.alias("sk"), Person.notes.alias("notes"))
         .join(Person).switch(Membership).join(Category)
         .where(as_of_state.active_on(as_of) if as_of is not None else Membership.end_date.is_null()))
    inner, params = q.sql()
    went, went_params = "0", []
    if trained:  # attended a course starting in the period: asked of SQLite, no set of ids held here
        a, c = Attendance._meta.table_name, Course._meta.table_name
        went = (f'EXISTS (SELECT 1 FROM "{a}" AS "a" INNER JOIN "{c}" AS "c" ON "a"."course_id" = "c"."id" '
                'WHERE "a"."person_id" = "q"."pid" AND "c"."start_date" >= ? AND "c"."start_date" <= ?)')
        went_params = list(trained)
    # a team's place in the order: its index in a JSON array of team ids (a dissolved team has none);
    # the teams asked a batch at a time, so that SQLite sorts a few thousand rows at once, never all
    sql = (f'SELECT "q"."tid", "q"."role", "q"."other", "q"."cat", "q"."pid", "q"."fam", "q"."giv", '
           f'"q"."gender", "q"."bdate", "q"."byear", "q"."phone", "q"."cccd", "q"."vid", "q"."notes", {went} '
           f'FROM json_each(?) AS "rk" INNER JOIN ({inner}) AS "q" ON "q"."tid" = "rk"."value" '
           + (f"WHERE NOT {went} " if trained and untrained_only else "")
           + 'ORDER BY "rk"."key", CASE "q"."role" '
           + "".join(f"WHEN '{role}' THEN {n} " for role, n in ROLE_ORDER.items())
           + f'ELSE {len(ROLE_ORDER)} END, "q"."sk", "q"."pid"')
    tail = went_params if trained and untrained_only else []
    batches = (json.dumps(b) for b in _batches(order, tree.counts))
    yield from _made(tree, team_unit, reg, sql, ([*went_params, b, *params, *tail] for b in batches))


SORT_BATCH = 4096  # memberships SQLite sorts at once for roster_iter (about 2 MB of its memory)


def _batches(order: list[int], counts: dict[int, int], size: int = SORT_BATCH) -> Iterator[list[int]]:
    """``order`` cut into runs of teams holding about ``size`` memberships (a team is never cut)."""
    batch: list[int] = []
    n = 0
    for tid in order:
        batch.append(tid)
        n += counts.get(tid, 0)
        if n >= size:
            yield batch
            batch, n = [], 0
    if batch:
        yield batch


def _made(tree: Tree, team_unit: dict, reg, sql: str, batches: Iterable[list]) -> Iterator[RosterRow]:
    """The query's rows, asked with each of ``batches`` (its parameters) in turn, as :class:`RosterRow`
    (the raw values: peewee's per-value conversion was most of the time; a birth date is its ISO text)."""
    from models.schema import Membership

    shared: dict[Any, Any] = {}
    share = shared.setdefault
    villages: dict[int, str] = {}
    roles: dict[str, str] = {}
    with reg.read():
        db = Membership._meta.database
        for (tid, role, other, cat, pid, fam, giv, gender, bdate, byear, phone, cccd, vid, notes,
             went) in (row for params in batches for row in db.execute_sql(sql, params)):
            uid, tlevel, tname = team_unit[tid]
            vu = uid if tlevel == "thon" else vid
            village = villages.get(vu)
            if village is None:
                village = villages[vu] = (tree.village_label(vu) if tlevel == "thon" or vu in tree.units
                                          else "")
            if isinstance(bdate, str):
                bdate = dt.date.fromisoformat(bdate[:10])
            year = bdate.year if bdate else byear
            role_label = roles.get(role)
            if role_label is None:
                role_label = roles[role] = vocab.label(vocab.ROLES, role)
            other, notes = other or "", notes or ""
            yield RosterRow(tid, text.clean(f"{fam} {giv}"), share(gender, gender), share(year, year), role_label,
                            share(cat, cat), share(other, other), village, phone or "", cccd or "",
                            share(notes, notes), tname, bool(went), pid)


def cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s

