"""The registry as planning a roster import needs it (:mod:`exports.roster_plan`).

:class:`RegistryIndex` holds the commune the roster goes to, its villages and their teams,
the categories, and — loaded for each plan by :meth:`RegistryIndex.load_people` — only the
people the file's rows can be: the same CCCD or phone anywhere in the registry, the same
name in a village the file names (or without a village). The reads are a fixed handful of
queries over plain rows (:mod:`models.bulk`); neither their number nor what they keep in
memory grows with the registry, only with the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from models import bulk, text

__all__ = ["RegistryIndex", "village_keys", "pyear"]


class RegistryIndex:
    """The registry for matching: the commune, its villages and teams, categories; the people the rows
    can be (:meth:`load_people`), their active memberships, and the leaders of the teams they go to."""

    def __init__(self, commune_name: str = ""):
        self.units: dict[int, bulk.KnownUnit] = {u.id: u for u in bulk.communes()}
        self._find_commune(commune_name)
        self.villages: dict[str, list[int]] = {}  # every folded name a village goes by → its ids
        if not self.commune_new:
            for u in bulk.active_villages(self.commune.id if self.commune is not None else None):
                self.units[u.id] = u
                for k in village_keys(u.kind, u.name):
                    ids = self.villages.setdefault(k, [])
                    if u.id not in ids:
                        ids.append(u.id)
        self._load_categories()
        self.village_cache: dict[str, tuple[int | None, str]] = {}  # a village as the file writes it → found
        # unit → its first active team (the commune's villages and the commune; every unit without a commune)
        self.teams: dict[int, int] = bulk.first_active_teams(
            None if self.commune is None and not self.commune_new
            else [*(u for ids in self.villages.values() for u in ids),
                  *([self.commune.id] if self.commune is not None else [])])
        self.load_people((), (), (), ())
        self.leaders: dict[int, set[int]] = {}

    def _find_commune(self, commune_name: str) -> None:
        communes = [u for u in self.units.values() if u.level == "xa"]
        self.commune = None
        self.commune_problem = ""
        self.commune_new = ""
        if commune_name:
            want = text.fold(commune_name)
            hits = [u for u in communes if text.fold(u.name) == want or text.fold(f"{u.kind} {u.name}") == want]
            if not hits:
                self.commune_new = text.clean(commune_name)  # created on import (aggregating registries)
            else:
                self.commune = hits[0]
        elif len(communes) == 1:
            self.commune = communes[0]
        elif communes:
            self.commune_problem = "Sổ có nhiều xã/phường; hãy chọn xã/phường của danh sách này (--commune)."
        else:
            self.commune_problem = "Sổ chưa có xã/phường nào; hãy chọn xã/phường của danh sách này (--commune)."

    def _load_categories(self) -> None:
        from models.schema import Category

        self.cats = {c.code: c for c in Category.select()}
        self.cat_code = {c.id: c.code for c in self.cats.values()}
        self.cat_by_name = {text.fold(c.name): c.code for c in self.cats.values()}
        for c in self.cats.values():
            for part in re.split(r"[/,]", c.name):
                self.cat_by_name.setdefault(text.fold(part), c.code)
            self.cat_by_name.setdefault(text.fold(c.code), c.code)

    def load_people(self, cccds: Iterable[str], phones: Iterable[str], keys: Iterable[str],
                    villages: Iterable[int]) -> None:
        """The people rows with these CCCDs, phones and search keys can be: every person with one of the
        CCCDs or phones, every person with one of the keys in one of ``villages`` or without a village —
        indexed exactly as the whole registry would be for those lookups (ids ascending)."""
        keys = set(keys)
        found: dict[int, bulk.KnownPerson] = {}
        for what, values in (("cccd", cccds), ("phone", phones), ("unplaced_key", sorted(keys))):
            found.update((p.id, p) for p in bulk.people_by(what, values))
        found.update((p.id, p) for p in bulk.people_by("village", villages) if p.search_key in keys)
        self.people: dict[int, bulk.KnownPerson] = {}
        self.by_cccd: dict[str, int] = {}
        self.by_phone: dict[str, list[int]] = {}
        self.by_key: dict[tuple[str, int | None, int | None], list[int]] = {}
        self.by_name_village: dict[tuple[str, int | None], list[int]] = {}
        self._add_people(found[i] for i in sorted(found))
        self.active: dict[tuple[int, int], bulk.KnownMembership] = {  # (person, team) → membership
            (m.person_id, m.team_id): m for m in bulk.active_memberships(self.people)}

    def _add_people(self, people: Iterable[bulk.KnownPerson]) -> None:
        for p in people:
            self.people[p.id] = p
            if p.cccd:
                self.by_cccd[p.cccd] = p.id
            if p.phone:
                self.by_phone.setdefault(p.phone, []).append(p.id)
            self.by_key.setdefault((p.search_key, pyear(p), p.village_id), []).append(p.id)
            self.by_name_village.setdefault((p.search_key, p.village_id), []).append(p.id)

    def load_leaders(self, team_ids: Iterable[Any]) -> None:
        """The active Tổ trưởng of these teams (the ids among them), and their names."""
        self.leaders = bulk.team_leaders(t for t in team_ids if isinstance(t, int))
        missing = {pid for pids in self.leaders.values() for pid in pids} - set(self.people)
        self.people.update((p.id, p) for p in bulk.people_by("id", sorted(missing)))


def village_keys(kind: str, name: str) -> set[str]:
    """The folded names a village may be written as: "An Lợi", "Thôn An Lợi", "TDP 3", "Tổ 3", "Khu 5"."""
    keys = {text.fold(name), text.fold(f"{kind} {name}"), text.fold(text.strip_unit_kind(name))}
    if kind == "tổ dân phố":
        keys |= {text.fold(f"tdp {name}"), text.fold(f"to {name}")}
    if kind == "khu dân cư":
        keys.add(text.fold(f"khu {name}"))
    return {k for k in keys if k}


def pyear(p) -> int | None:
    return p.birth_date.year if p.birth_date else p.birth_year
