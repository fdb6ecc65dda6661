"""Bulk imports: a whole roster of people written in one transaction, and the
documents imports keep in the registry (column mappings, tables from lower units,
district templates).

    result = import_people(reg, [BulkPerson("Nguyễn Thị", "Hà", village=3, role="to_truong"),
                                 BulkPerson("Lê Văn", "Ba", village="tdp 3")],
                           villages=[NewVillage("tdp 3", "TDP 3")])

:func:`import_people` checks every row first (:class:`InputError` naming each
problem; nothing written), then in one ``reg.write()``:

* creates the commune (``new_commune``) and the villages (``villages``) the rows
  need, and for each village (or the commune) without an active team, a team —
  one made this way has no founding decision yet, and its note says so;
* inserts the new people and their memberships with peewee's ``insert_many``
  (in chunks; SQLite assigns the ids) and one audit row per person;
* gives an existing person (``person_id``) only what the row adds or changes
  (:func:`person_changes`: an empty field never erases), each change logged, and
  a membership in the row's team if they have none there yet.

Rows are expected to be checked already (``models.people.check_person``); the
text of a new person is stored cleaned, with its search and sort keys
(:func:`models.text.search_key`, :func:`models.text.name_sort_key_str`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import peewee as pw

from . import text, vocab
from .audit import apply_changes, log
from .errors import FieldError, InputError
from .schema import AuditLog, Category, Membership, Person, Setting, Team, Unit

__all__ = [
    "NewVillage", "BulkPerson", "BulkResult", "import_people", "person_changes", "DOCUMENT_PREFIXES",
    "save_document", "delete_document", "documents",
]

_CHUNK = 500  # rows per INSERT (SQLite's limit on bound values per statement)


@dataclass(frozen=True)
class NewVillage:
    """A village the import creates. ``ref``: how rows name it (:attr:`BulkPerson.village`);
    ``name`` as written — "Thôn An Lợi", "Tổ dân phố 3", "TDP 3", "Đồng Tâm": the kind is read
    from it (:func:`models.text.split_unit_kind`; «thôn» when it names none)."""

    ref: str
    name: str


@dataclass(frozen=True)
class BulkPerson:
    """One row: a person (already checked) and their place in a team.

    ``village``: an existing village's id, the ``ref`` of a :class:`NewVillage`, or None
    (the commune's own team). ``person_id``: an existing person (see :func:`person_changes`);
    None adds a new one.
    """

    family_name: str
    given_name: str
    gender: str = ""
    birth_date: dt.date | None = None
    birth_year: int | None = None
    phone: str = ""
    cccd: str = ""
    cccd_legacy: bool = False
    notes: str = ""
    village: int | str | None = None
    role: str = "thanh_vien"
    category: str = "KHAC"
    other_positions: str = ""
    person_id: int | None = None

    @property
    def full_name(self) -> str:
        return text.clean(f"{self.family_name} {self.given_name}")


@dataclass(frozen=True)
class BulkResult:
    created: int  # new people
    updated: int  # existing people changed or added to a team
    unchanged: int  # existing people the rows changed nothing for
    person_ids: tuple[int, ...]  # each row's person, in the rows' order
    villages_created: tuple[str, ...]  # "Thôn An Lợi"
    teams_created: tuple[str, ...]  # "Tổ CNSCĐ thôn An Lợi"
    commune_id: int | None


def person_changes(p, row, village_id: int | None) -> dict[str, Any]:
    """The fields ``row`` changes on person ``p`` (a Person row): a filled field that differs.
    An empty field never erases what the registry has; ``village_id`` None leaves the village."""
    out: dict[str, Any] = {}
    if (row.family_name, row.given_name) != (p.family_name, p.given_name):
        out["family_name"] = row.family_name
        out["given_name"] = row.given_name
    if row.gender and row.gender != p.gender:
        out["gender"] = row.gender
    if row.birth_date and row.birth_date != p.birth_date:
        out["birth_date"] = row.birth_date
        if p.birth_year is not None:
            out["birth_year"] = None
    elif row.birth_year and not row.birth_date:
        have = p.birth_date.year if p.birth_date else p.birth_year
        if have != row.birth_year:
            out["birth_year"] = row.birth_year
            if p.birth_date is not None:
                out["birth_date"] = None
    if row.phone and row.phone != p.phone:
        out["phone"] = row.phone
    if row.cccd and row.cccd != p.cccd:
        out["cccd"] = row.cccd
        out["cccd_legacy"] = row.cccd_legacy
    if village_id is not None and village_id != p.village_id:
        out["village"] = village_id
    if row.notes and row.notes != p.notes:
        out["notes"] = row.notes
    return out


# ---------------------------------------------------------------------------
# Checks (before anything is written)
# ---------------------------------------------------------------------------
def _village_kind(name: str) -> tuple[str, str]:
    """(kind, bare name) of a village as written; «thôn» when the name starts with no village kind."""
    kind, bare = text.split_unit_kind(name)
    return (kind if kind in vocab.UNIT_KINDS["thon"] else "thôn"), bare


def _check(people: Sequence[BulkPerson], villages: Sequence[NewVillage], commune_id: int | None,
           new_commune: str) -> None:
    errs: list[FieldError] = []
    refs = [v.ref for v in villages]
    ref_set = set(refs)
    if len(ref_set) != len(refs):
        errs.append(FieldError("villages", "Hai thôn/tổ dân phố mới trùng tên gọi (ref)."))
    for v in villages:
        if not _village_kind(v.name)[1]:
            errs.append(FieldError("villages", f"Tên thôn/tổ dân phố «{v.name}» không có tên riêng."))
    cats = {c for (c,) in Category.select(Category.code).tuples()}
    known_villages = {u for (u,) in _rows_in("SELECT id FROM unit WHERE id IN {in} AND +level = 'thon'",
                                             (p.village for p in people if isinstance(p.village, int)))}
    wanted_people = {p.person_id for p in people if p.person_id is not None}
    missing_people = wanted_people - _existing_ids(Person, wanted_people)
    for i, p in enumerate(people, 1):
        errs.extend(_check_row(i, p, cats, ref_set, known_villages, missing_people))
    needs_commune = bool(villages) or any(p.village is None for p in people)
    if commune_id is not None and not Unit.select().where((Unit.id == commune_id) & (Unit.level == "xa")).exists():
        errs.append(FieldError("commune", f"Không có xã/phường mã {commune_id}."))
    elif needs_commune and commune_id is None and not text.clean(new_commune):
        errs.append(FieldError("commune", "Chưa chọn xã/phường cho các thôn mới hoặc cho tổ cấp xã."))
    if errs:
        raise InputError(errs[:50] + ([FieldError("", f"… tổng cộng {len(errs)} lỗi.")] if len(errs) > 50 else []))


def _check_row(i: int, p: BulkPerson, cats: set[str], refs: set[str], known_villages: set[int],
               missing_people: set[int]) -> list[FieldError]:
    out = []
    if not text.clean(p.given_name):
        out.append(("given_name", "thiếu tên."))
    if p.role not in vocab.ROLES:
        out.append(("role", f"vai trò «{p.role}» không có."))
    if p.category not in cats:
        out.append(("category", f"thành phần «{p.category}» không có trong danh mục."))
    if isinstance(p.village, str) and p.village not in refs:
        out.append(("village", f"thôn/tổ dân phố mới «{p.village}» không có trong danh sách."))
    elif isinstance(p.village, int) and p.village not in known_villages:
        out.append(("village", f"không có thôn/tổ dân phố mã {p.village}."))
    if p.person_id in missing_people:
        out.append(("person_id", f"không có người mã {p.person_id} trong sổ."))
    return [FieldError(f, f"Dòng {i} ({p.full_name or 'không tên'}): {msg}") for f, msg in out]


def _existing_ids(model, ids: Iterable[int]) -> set[int]:
    ids = list(ids)
    out: set[int] = set()
    for chunk in pw.chunked(ids, _CHUNK):
        out |= {i for (i,) in model.select(model.id).where(model.id.in_(list(chunk))).tuples()}
    return out


# ---------------------------------------------------------------------------
# The import
# ---------------------------------------------------------------------------
def import_people(reg, people: Sequence[BulkPerson], *, villages: Sequence[NewVillage] = (),
                  commune_id: int | None = None, new_commune: str = "", start_date: dt.date | None = None,
                  source: str = "nhập danh sách",
                  progress: Callable[[int, int], None] | None = None) -> BulkResult:
    """Write ``people`` (new and existing) in one transaction; all rows or none.

    ``commune_id``/``new_commune``: the commune of the new villages and of rows without a village
    (``new_commune``: its name, created). ``start_date``: new memberships (default today).
    ``source`` names the import in the audit log ("nhập danh sách"). ``progress(done, total)`` is
    called every 50 rows and at the end; if it raises (the clerk cancelled), nothing is written.
    """
    with reg.write():
        _check(people, villages, commune_id, new_commune)
        job = _Import(reg, source, start_date or dt.date.today())
        job.commune = (Unit.get_by_id(commune_id) if commune_id is not None
                       else job.create_commune(new_commune) if text.clean(new_commune) else None)
        village_ids = {v.ref: job.create_village(v) for v in villages}
        total = len(people)
        new_rows: list[tuple[BulkPerson, int | None, int]] = []  # (row, village, team)
        new_at: list[int] = []  # their places in ``people``
        person_ids: list[int] = [0] * total
        existing = _load_existing(people)
        for i, row in enumerate(people):
            if progress is not None and i % 50 == 0:
                progress(i, total)
            village = village_ids[row.village] if isinstance(row.village, str) else row.village
            team = job.team_for(village)
            if row.person_id is None:
                new_rows.append((row, village, team))
                new_at.append(i)
                continue
            person_ids[i] = row.person_id
            # a village this import creates gives an existing person its team, not a new address
            job.update(existing, row, row.village if isinstance(row.village, int) else None, team)
        for i, pid in zip(new_at, job.insert_new(new_rows), strict=True):
            person_ids[i] = pid
        if progress is not None:
            progress(total, total)
    return BulkResult(len(new_rows), job.updated, job.unchanged, tuple(person_ids),
                      tuple(job.villages_created), tuple(job.teams_created),
                      job.commune.id if job.commune is not None else None)


@dataclass
class _Existing:
    people: dict[int, Any]  # id → Person row
    active: dict[tuple[int, int], Any]  # (person, team) → active Membership row


def _load_existing(people: Sequence[BulkPerson]) -> _Existing:
    ids = [p.person_id for p in people if p.person_id is not None]
    out = _Existing({}, {})
    for chunk in pw.chunked(ids, _CHUNK):
        chunk = list(chunk)
        out.people.update({p.id: p for p in Person.select().where(Person.id.in_(chunk))})
        for m in Membership.select().where(Membership.person.in_(chunk) & Membership.end_date.is_null()):
            out.active[(m.person_id, m.team_id)] = m
    return out


class _Import:
    """The writes of one :func:`import_people` call (inside its transaction)."""

    def __init__(self, reg, source: str, start: dt.date):
        self.reg, self.source, self.start = reg, source, start
        self.commune = None
        self.cats = {c.code: c for c in Category.select()}
        self.teams: dict[int, int | None] = {}  # unit → its (first) active team, read when a row needs it
        self.village_names: set[tuple[str, str]] | None = None  # the commune's villages (kind, folded name)
        self.villages_created: list[str] = []
        self.teams_created: list[str] = []
        self.updated = self.unchanged = 0

    def create_commune(self, name: str):
        kind, bare = text.split_unit_kind(name)
        kind = kind if kind in vocab.UNIT_KINDS["xa"] else "xã"
        parents = list(Unit.select().where(Unit.level == "huyen")) or list(Unit.select().where(Unit.level == "tinh"))
        parent = parents[0] if len(parents) == 1 else Unit.select().where(Unit.level == "tinh").first()
        u = Unit.create(level="xa", kind=kind, name=bare, parent=parent, sort_order=_next_order(parent))
        log(self.reg, "them", "unit", u.id, f"Thêm {kind} {bare} ({self.source} tổng hợp)")
        return u

    def create_village(self, v: NewVillage) -> int:
        kind, name = _village_kind(v.name)
        commune = self.commune
        if self.village_names is None:  # read once (a roster may create many villages)
            self.village_names = {(u.kind, text.fold(u.name)) for u in active_villages(commune.id)}
        if (kind, text.fold(name)) in self.village_names:
            raise InputError(f"{kind.capitalize()} «{name}» đã có trong {commune.kind} {commune.name}.", "villages")
        u = Unit.create(level="thon", kind=kind, name=name, parent=commune, sort_order=_next_order(commune))
        log(self.reg, "them", "unit", u.id, f"Thêm {kind} {name}")
        self.village_names.add((kind, text.fold(name)))
        self.villages_created.append(f"{kind[:1].upper()}{kind[1:]} {name}")
        return u.id

    def team_for(self, village_id: int | None) -> int:
        """The active team of the village (None: of the commune), created when there is none."""
        unit_id = village_id if village_id is not None else self.commune.id
        if unit_id not in self.teams:
            self.teams[unit_id] = first_active_teams([unit_id]).get(unit_id)
        if self.teams[unit_id] is not None:
            return self.teams[unit_id]
        unit = Unit.get_by_id(unit_id)
        name = f"Tổ CNSCĐ {unit.kind} {unit.name}"
        t = Team.create(unit=unit, level="thon" if village_id is not None else "xa", name=name, founded_on=None,
                        note=f"Lập khi {self.source}; chưa có quyết định thành lập.")
        log(self.reg, "them", "team", t.id, f"Lập {name} khi {self.source} (chưa có quyết định)")
        self.teams[unit_id] = t.id
        self.teams_created.append(name)
        return t.id

    def update(self, existing: _Existing, row: BulkPerson, village_id: int | None, team: int) -> None:
        """An existing person: what the row changes, and the team membership."""
        p = existing.people[row.person_id]
        name = text.clean(f"{p.family_name} {p.given_name}")
        changes = person_changes(p, row, village_id)
        changed = apply_changes(self.reg, p, "person", name, changes)
        if changed and ("family_name" in changes or "given_name" in changes):
            p.search_key = text.search_key(p.family_name, p.given_name)
            p.sort_key = text.name_sort_key_str(p.family_name, p.given_name)
            p.save()
        m = existing.active.get((p.id, team))
        if m is None:
            m = Membership.create(person=p.id, team=team, role=row.role, category=self.cats[row.category].id,
                                  other_positions=row.other_positions, start_date=self.start)
            existing.active[(p.id, team)] = m
            log(self.reg, "them", "membership", m.id, f"{name} vào tổ ({self.source})")
            changed = True
        else:
            want: dict[str, Any] = {"role": row.role, "category": self.cats[row.category]}
            if row.other_positions:
                want["other_positions"] = row.other_positions
            changed = apply_changes(self.reg, m, "membership", f"{name} ({self.source})", want) or changed
        if changed:
            self.updated += 1
        else:
            self.unchanged += 1

    def insert_new(self, rows: list[tuple[BulkPerson, int | None, int]]) -> list[int]:
        """New people (row, village, team), their memberships and their audit rows: a few INSERTs;
        returns the new ids in the rows' order."""
        if not rows:
            return []
        ids = _insert(Person, _PERSON_FIELDS, [
            (r.family_name, r.given_name, r.gender, r.birth_date, r.birth_year, r.phone, r.cccd, r.cccd_legacy,
             village, r.notes, text.search_key(r.family_name, r.given_name),
             text.name_sort_key_str(r.family_name, r.given_name)) for r, village, _ in rows], returning=True)
        cats = {code: c.id for code, c in self.cats.items()}
        _insert(Membership, _MEMBER_FIELDS, [(pid, team, r.role, cats[r.category], r.other_positions, self.start)
                                             for pid, (r, _, team) in zip(ids, rows, strict=True)])
        _log_new_people(self.reg, ids, self.source)
        return ids


_PERSON_FIELDS = (Person.family_name, Person.given_name, Person.gender, Person.birth_date, Person.birth_year,
                  Person.phone, Person.cccd, Person.cccd_legacy, Person.village, Person.notes, Person.search_key,
                  Person.sort_key)
_MEMBER_FIELDS = (Membership.person, Membership.team, Membership.role, Membership.category,
                  Membership.other_positions, Membership.start_date)
_LOG_FIELDS = (AuditLog.at, AuditLog.actor, AuditLog.action, AuditLog.entity, AuditLog.entity_id, AuditLog.summary)


def _log_new_people(reg, ids: list[int], source: str) -> None:
    """One audit row per new person, «Thêm Họ Tên (nhập danh sách)»: built by SQLite from the rows just
    inserted (INSERT … SELECT), in id order."""
    def raw(v: Any) -> pw.Value:  # a constant as it is (a field's converter would clean " " away)
        return pw.Value(v, converter=False)

    at = dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")
    name = pw.fn.TRIM(Person.family_name.concat(raw(" ")).concat(Person.given_name))
    summary = pw.fn.SUBSTR(raw("Thêm ").concat(name).concat(raw(f" ({text.clean(source)})")), 1, 300)
    for chunk in pw.chunked(ids, _CHUNK):
        rows = (Person.select(raw(at), raw(reg.actor), raw("them"), raw("person"), Person.id, summary,
                              raw(""), raw(""), raw(""))
                .where(Person.id.in_(list(chunk))).order_by(Person.id))
        AuditLog.insert_from(rows, fields=[*_LOG_FIELDS, AuditLog.field, AuditLog.old, AuditLog.new]).execute()


def _insert(model, fields: Sequence[pw.Field], rows: list[tuple], *, returning: bool = False) -> list[int]:
    """INSERT ``rows`` (tuples in ``fields`` order) in chunks of multi-row VALUES: what peewee's
    ``insert_many`` sends (each value through its field's ``db_value``, the model's defaults for the
    fields not given), the statement written once per chunk size rather than built node by node.

    With ``returning``: the ids SQLite gave the rows, in the rows' order (an INSERT gives its rows
    ascending ids in the order of its VALUES, so each chunk's returned ids are sorted)."""
    given = list(fields)
    names = {f.name for f in given}  # (a field's == builds an expression: compared by name)
    defaults = [(f, d) for f, d in model._meta.defaults.items() if f.name not in names]
    columns = given + [f for f, _ in defaults]
    convert = [f.db_value for f in columns]
    head = (f'INSERT INTO "{model._meta.table_name}" (' + ", ".join(f'"{f.column_name}"' for f in columns)
            + ") VALUES ")
    one = "(" + ", ".join("?" * len(columns)) + ")"
    db = model._meta.database
    ids: list[int] = []
    for chunk in pw.chunked(rows, _CHUNK):
        params: list[Any] = []
        for row in chunk:
            values = (*row, *(d() if callable(d) else d for _, d in defaults))
            params += [c(v) for c, v in zip(convert, values, strict=True)]
        sql = head + ", ".join([one] * len(chunk))
        if returning:
            ids.extend(sorted(i for (i,) in db.execute_sql(sql + ' RETURNING "id"', params).fetchall()))
        else:
            db.execute_sql(sql, params)
    return ids


def _next_order(parent) -> int:
    return (Unit.select(pw.fn.MAX(Unit.sort_order)).where(Unit.parent == parent).scalar() or 0) + 1


# ---------------------------------------------------------------------------
# Documents imports keep (Setting rows holding JSON)
# ---------------------------------------------------------------------------
DOCUMENT_PREFIXES = ("import_mapping:", "aggregate:phu_luc_1:", "template:")


def _document_key(key: str) -> str:
    if not key.startswith(DOCUMENT_PREFIXES) or len(key) > 64:
        raise InputError(f"Khóa «{key}» không phải khóa tài liệu nhập (bắt đầu bằng "
                         f"{', '.join(DOCUMENT_PREFIXES)}; tối đa 64 ký tự).", "key")
    return key


def save_document(reg, key: str, value: Any, *, action: str = "nhap", entity: str = "setting", summary: str = "",
                  field_name: str = "", old: Any = "", new: Any = "") -> None:
    """Store ``value`` (JSON) under ``key`` (replacing what was there); with ``summary``, log it."""
    key = _document_key(key)
    data = json.dumps(value, ensure_ascii=False)
    with reg.write():
        Setting.insert(key=key, value=data).on_conflict_replace().execute()
        if summary:
            log(reg, action, entity, None, summary, field_name, old, new)


def delete_document(reg, key: str, *, summary: str = "", entity: str = "setting") -> None:
    """Remove the document ``key``; with ``summary``, log it."""
    key = _document_key(key)
    with reg.write():
        Setting.delete().where(Setting.key == key).execute()
        if summary:
            log(reg, "xoa", entity, None, summary)


def documents(reg, prefix: str) -> dict[str, Any]:
    """The stored documents whose key starts with ``prefix`` (one of :data:`DOCUMENT_PREFIXES`), by key,
    in key order; one that is not valid JSON is left out."""
    _document_key(prefix)
    out: dict[str, Any] = {}
    with reg.read():
        for r in Setting.select().where(Setting.key.startswith(prefix)).order_by(Setting.key):
            try:
                out[r.key] = json.loads(r.value)
            except ValueError:
                continue
    return out


# ---------------------------------------------------------------------------
# Reads for planning an import: only the rows a roster can touch, as plain rows
# ---------------------------------------------------------------------------
# A roster is planned against the people it can match (by CCCD, phone, name in its villages), never
# the whole registry: the number of queries and the rows read follow the file, not the registry.
@dataclass(frozen=True, slots=True)
class KnownPerson:
    """A person as an import plans against it (what :func:`person_changes` compares)."""

    id: int
    family_name: str
    given_name: str
    gender: str
    birth_date: dt.date | None
    birth_year: int | None
    phone: str
    cccd: str
    village_id: int | None
    notes: str
    search_key: str


@dataclass(frozen=True, slots=True)
class KnownMembership:
    """An active membership as an import compares it."""

    person_id: int
    team_id: int
    role: str
    category_id: int
    other_positions: str


@dataclass(frozen=True, slots=True)
class KnownUnit:
    id: int
    parent_id: int | None
    level: str
    kind: str
    name: str
    active: bool


def _json_in() -> bool:
    """Whether this SQLite reads a JSON array as a table (``json_each``): a whole list of keys is then
    one parameter of one query; without it, lists go in chunks of :data:`_CHUNK` parameters."""
    global _JSON_IN
    if _JSON_IN is None:
        try:
            Person._meta.database.execute_sql("SELECT value FROM json_each('[1]')").fetchall()
            _JSON_IN = True
        except (pw.OperationalError, pw.DatabaseError):
            _JSON_IN = False
    return _JSON_IN


_JSON_IN: bool | None = None


def _rows_in(sql: str, values: Iterable, *params: Any) -> list[tuple]:
    """The rows of ``sql`` whose ``{in}`` stands for the list ``values`` (then ``params``): one query
    over a JSON array, or chunks of ≤ 500 parameters. Terms written ``+column`` keep SQLite on the
    index of the listed column (it has no statistics to choose by)."""
    values = list(dict.fromkeys(v for v in values if v is not None))
    if not values:
        return []
    db = Person._meta.database
    if _json_in():
        return db.execute_sql(sql.format(**{"in": "(SELECT value FROM json_each(?))"}),
                              (json.dumps(values), *params)).fetchall()
    out: list[tuple] = []
    for chunk in pw.chunked(values, _CHUNK - len(params)):
        chunk = list(chunk)
        out += db.execute_sql(sql.format(**{"in": "(" + ",".join("?" * len(chunk)) + ")"}),
                              (*chunk, *params)).fetchall()
    return out


_PERSON_SQL = ("SELECT id, family_name, given_name, gender, birth_date, birth_year, phone, cccd, village_id, notes, "
               "search_key FROM person WHERE ")
_PLANNED_BY = {"id": "id IN {in}", "cccd": "cccd IN {in}", "phone": "phone IN {in}",
               "village": "village_id IN {in}", "unplaced_key": "search_key IN {in} AND +village_id IS NULL"}


def people_by(what: str, values: Iterable) -> list[KnownPerson]:
    """The people whose ``what`` is one of ``values``, in id order: ``id``, ``cccd``, ``phone``,
    ``village`` (an id), or ``unplaced_key`` (a search key, among people without a village)."""
    as_date = Person.birth_date.python_value
    rows = _rows_in(_PERSON_SQL + _PLANNED_BY[what] + " ORDER BY id", values)
    return [KnownPerson(i, fam, giv, g, as_date(bd), by, ph, cc, v, n, k)
            for i, fam, giv, g, bd, by, ph, cc, v, n, k in rows]


def active_memberships(person_ids: Iterable[int]) -> list[KnownMembership]:
    """The active memberships of these people."""
    return [KnownMembership(*r) for r in _rows_in(
        "SELECT person_id, team_id, role, category_id, other_positions FROM membership "
        "WHERE person_id IN {in} AND +end_date IS NULL ORDER BY id", person_ids)]


def team_leaders(team_ids: Iterable[int]) -> dict[int, set[int]]:
    """The active Tổ trưởng of these teams: team → people."""
    out: dict[int, set[int]] = {}
    for team, person in _rows_in("SELECT team_id, person_id FROM membership WHERE team_id IN {in} "
                                 "AND +end_date IS NULL AND +role = ?", team_ids, "to_truong"):
        out.setdefault(team, set()).add(person)
    return out


_UNIT_SQL = "SELECT id, parent_id, level, kind, name, active FROM unit WHERE "


def communes() -> list[KnownUnit]:
    """Every commune (a registry holds a few hundred at most per province)."""
    return [KnownUnit(*r[:5], bool(r[5])) for r in Person._meta.database.execute_sql(
        _UNIT_SQL + "level = 'xa' ORDER BY id").fetchall()]


def active_villages(commune_id: int | None) -> list[KnownUnit]:
    """The active villages of a commune (None: of every commune)."""
    sql = _UNIT_SQL + ("parent_id = ? AND +level = 'thon'" if commune_id is not None else "level = 'thon'")
    sql += " AND +active = 1"
    rows = Person._meta.database.execute_sql(sql + " ORDER BY id", (commune_id,) if commune_id is not None else ())
    return [KnownUnit(*r[:5], bool(r[5])) for r in rows.fetchall()]


def first_active_teams(unit_ids: Iterable[int] | None) -> dict[int, int]:
    """Unit → its first active team (lowest id), for these units (None: every unit)."""
    sql = "SELECT unit_id, id FROM team WHERE {where} +active = 1 ORDER BY id DESC"
    if unit_ids is None:
        rows = Person._meta.database.execute_sql(sql.format(where="")).fetchall()
    else:
        rows = _rows_in(sql.format(where="unit_id IN {in} AND"), unit_ids)
    return dict(rows)  # the lowest id comes last and stays
