"""Packages received from communes, at the province: import (replace, never add), who sent them,
the same person in two communes, and the completeness board.

    plan = plan_import(reg, incoming)                     # what would happen, nothing written
    res = apply_import(reg, incoming, replace=True)        # one write for the whole batch
    board = completeness(reg, "2026-H2", today=dt.date(2026, 12, 20))
    dups = duplicates(reg, "2026-H2")

``incoming``: :class:`Incoming` packages already decrypted and checked by
``exports.package.open_package``. Rules:

- a package is kept per **unit and period**: a newer one for the same commune and period
  *replaces* the stored one (``replace`` says which replacements were confirmed); the same
  snapshot again changes nothing; an older one is skipped;
- the first signing key seen for a commune is remembered; a package signed by another key is
  refused unless ``accept_new_key`` (the officer compared the fingerprint with the commune);
- a package is matched to the registry's commune by official code, else by name (and district);
  one of a commune the registry does not list is still kept (shown apart on the board), unless
  it names another province;
- the same person (same CCCD, or same name + birth + phone) in packages of two communes for the
  same period is flagged (:func:`duplicates`).

The roll-up from the received snapshots is :mod:`models.received_rollup`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import zlib
from dataclasses import dataclass, field

from . import handoff_keys, snapshot, text
from .audit import log
from .common import now, today
from .schema import KnownSender, ReceivedPackage, ReceivedPerson, Unit, database


@dataclass(frozen=True)
class Incoming:
    """A package opened and checked (signature, hashes, shape) by ``exports.package``."""

    file_name: str
    package_sha256: str
    manifest: dict
    manifest_bytes: bytes
    signature: bytes
    snapshot_bytes: bytes
    snapshot: dict
    sender_public: bytes
    sender: str  # fingerprint (hex) of the signing key

    @property
    def unit_key(self) -> str:
        return self.snapshot["unit_key"]

    @property
    def period(self) -> str:
        return self.snapshot["period"]["code"]

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.snapshot["created_at"])

    @property
    def unit_label(self) -> str:
        u = self.snapshot["unit"]
        return snapshot.label(u["kind"], u["name"])

    @property
    def snapshot_sha256(self) -> str:
        return self.manifest["snapshot"]["sha256"]


@dataclass(frozen=True)
class Stored:
    """A package kept in the registry (no personal data: counts only)."""

    id: int
    unit_key: str
    unit_id: int | None
    unit_name: str
    period: str
    kind: str
    created_at: dt.datetime
    received_at: dt.datetime
    sender: str
    file_name: str
    snapshot_sha256: str
    members: int
    teams: int
    villages: int

    @property
    def kind_label(self) -> str:
        return snapshot.KIND_LABELS.get(self.kind, self.kind)


ACTIONS = {
    "moi": "Nhận mới",
    "thay": "Thay gói đã nhận (cần xác nhận)",
    "trung": "Đã nhận đúng gói này: không thay đổi",
    "cu_hon": "Cũ hơn gói đã nhận: bỏ qua",
    "sau_trong_lo": "Có gói mới hơn của cùng xã, cùng kỳ trong lần nhập này: bỏ qua",
    "khoa_khac": "Khóa ký khác khóa đã biết của xã: từ chối",
    "tinh_khac": "Gói của đơn vị thuộc tỉnh khác: từ chối",
}


@dataclass(frozen=True)
class PlanItem:
    incoming: Incoming
    action: str  # a key of ACTIONS
    commune_id: int | None
    previous: Stored | None
    new_key: bool = False  # signed by a key other than the known one (accepted when action is moi/thay)
    message: str = ""

    @property
    def importable(self) -> bool:
        return self.action in ("moi", "thay")

    @property
    def action_label(self) -> str:
        return ACTIONS[self.action]


@dataclass(frozen=True)
class ImportResult:
    added: list[PlanItem] = field(default_factory=list)
    replaced: list[PlanItem] = field(default_factory=list)
    unchanged: list[PlanItem] = field(default_factory=list)
    skipped: list[PlanItem] = field(default_factory=list)  # refused, older, or a replacement not confirmed
    duplicates: list = field(default_factory=list)  # Duplicate, for the periods touched

    @property
    def written(self) -> int:
        return len(self.added) + len(self.replaced)


# ---------------------------------------------------------------------------
# Matching a package to the registry's communes
# ---------------------------------------------------------------------------
class _Communes:
    """The registry's communes (level xa), to recognise a package's unit."""

    def __init__(self) -> None:
        units = {u[0]: u for u in Unit.select(Unit.id, Unit.parent, Unit.level, Unit.kind, Unit.name, Unit.code,
                                              Unit.active).tuples()}
        self.units = units
        self.communes = [u for u in units.values() if u[2] == "xa"]
        self.by_code = {re.sub(r"[^0-9A-Za-z]", "", u[5] or ""): u[0] for u in self.communes if u[5]}
        self.province = next((u for u in units.values() if u[2] == "tinh"), None)

    def district(self, uid: int) -> str:
        p = self.units.get(self.units[uid][1])
        return p[4] if p is not None and p[2] == "huyen" else ""

    def descriptor(self, uid: int) -> dict:
        u = self.units[uid]
        return {"name": u[4], "kind": u[3], "code": u[5] or "", "district": self.district(uid)}

    def key(self, uid: int) -> str:
        return snapshot.unit_key(self.descriptor(uid))

    def match(self, unit: dict) -> int | None:
        code = re.sub(r"[^0-9A-Za-z]", "", unit.get("code") or "")
        if code and code in self.by_code:
            return self.by_code[code]
        name = text.fold(unit["name"])
        hits = [u for u in self.communes if text.fold(u[4]) == name]
        if len(hits) > 1:
            hits = [u for u in hits if text.fold(u[3]) == text.fold(unit.get("kind", ""))] or hits
        if len(hits) > 1 and unit.get("district"):
            hits = [u for u in hits if text.fold(self.district(u[0])) == text.fold(unit["district"])]
        return hits[0][0] if len(hits) == 1 else None

    def other_province(self, unit: dict) -> bool:
        theirs = text.fold(text.strip_unit_kind(unit.get("province") or ""))
        return bool(self.province and theirs and theirs != text.fold(self.province[4]))


# ---------------------------------------------------------------------------
# Reading what is stored
# ---------------------------------------------------------------------------
_STORED_FIELDS = (ReceivedPackage.id, ReceivedPackage.unit_key, ReceivedPackage.unit, ReceivedPackage.unit_name,
                  ReceivedPackage.period, ReceivedPackage.kind, ReceivedPackage.created_at,
                  ReceivedPackage.received_at, ReceivedPackage.sender, ReceivedPackage.file_name,
                  ReceivedPackage.snapshot_sha256, ReceivedPackage.totals)


def _dt(v) -> dt.datetime:
    return v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(str(v))


def _stored(row: tuple) -> Stored:
    tot = json.loads(row[11])
    teams = sum(v[2] for v in tot["villages"]) + len(tot["commune_teams"])
    return Stored(row[0], row[1], row[2], row[3], row[4], row[5], _dt(row[6]), _dt(row[7]), row[8], row[9],
                  row[10], tot["members"], teams, len(tot["villages"]))


def list_packages(reg, period: str | None = None) -> list[Stored]:
    """The packages kept (of one period when given), by commune name."""
    with reg.read():
        q = ReceivedPackage.select(*_STORED_FIELDS)
        if period:
            q = q.where(ReceivedPackage.period == snapshot.period_span(period).code)
        rows = [_stored(r) for r in q.tuples()]
    rows.sort(key=lambda s: (s.period, text.vn_key(s.unit_name)))
    return rows


def package_totals(reg, period: str) -> list[tuple[Stored, dict]]:
    """Each package of ``period`` with its totals (the counts the roll-up reads)."""
    code = snapshot.period_span(period).code
    with reg.read():
        rows = list(ReceivedPackage.select(*_STORED_FIELDS).where(ReceivedPackage.period == code).tuples())
    out = [(_stored(r), json.loads(r[11])) for r in rows]
    out.sort(key=lambda x: text.vn_key(x[0].unit_name))
    return out


def stored_snapshot(reg, package_id: int) -> dict:
    """The snapshot a stored package carried (decompressed; personal data for a full package)."""
    with reg.read():
        blob = ReceivedPackage.select(ReceivedPackage.snapshot).where(ReceivedPackage.id == package_id).scalar()
    return json.loads(zlib.decompress(bytes(blob)).decode("utf-8"))


# ---------------------------------------------------------------------------
# Planning and applying an import
# ---------------------------------------------------------------------------
def _plan(incoming: list[Incoming], accept_new_key: bool, allow_older: bool) -> list[PlanItem]:
    """Inside the registry lock."""
    communes = _Communes()
    known = {k.unit_key: k.fingerprint for k in KnownSender.select()}
    stored = {(s.unit_key, s.period): s for s in
              (_stored(r) for r in ReceivedPackage.select(*_STORED_FIELDS).tuples())}
    newest: dict[tuple[str, str], Incoming] = {}
    for inc in incoming:
        k = (inc.unit_key, inc.period)
        if k not in newest or (inc.created_at, inc.package_sha256) > (newest[k].created_at, newest[k].package_sha256):
            newest[k] = inc
    items = []
    for inc in incoming:
        k = (inc.unit_key, inc.period)
        prev = stored.get(k)
        cid = communes.match(inc.snapshot["unit"])
        new_key = inc.unit_key in known and known[inc.unit_key] != inc.sender
        if newest[k] is not inc:
            action, msg = "sau_trong_lo", ""
        elif prev is not None and prev.snapshot_sha256 == inc.snapshot_sha256:
            action, msg = "trung", ""
        elif cid is None and communes.other_province(inc.snapshot["unit"]):
            action, msg = "tinh_khac", f"Gói ghi tỉnh «{inc.snapshot['unit']['province']}»."
        elif new_key and not accept_new_key:
            action = "khoa_khac"
            msg = (f"Khóa đã biết của {inc.unit_label}: {handoff_keys.grouped(known[inc.unit_key])}; khóa ký gói này: "
                   f"{handoff_keys.grouped(inc.sender)}. Gọi điện đối chiếu với xã; nếu xã đã đổi máy/cài lại "
                   "thì nhập lại và chấp nhận khóa mới (--accept-new-key).")
        elif prev is not None and inc.created_at < prev.created_at and not allow_older:
            action = "cu_hon"
            msg = (f"Gói đã nhận lập lúc {prev.created_at:%H:%M %d/%m/%Y}, gói này lập lúc "
                   f"{inc.created_at:%H:%M %d/%m/%Y}.")
        else:
            action = "thay" if prev is not None else "moi"
            msg = (f"Thay gói lập lúc {prev.created_at:%H:%M %d/%m/%Y} (nhận {prev.received_at:%d/%m/%Y})."
                   if prev is not None else "")
        items.append(PlanItem(inc, action, cid, prev, new_key, msg))
    return items


def plan_import(reg, incoming: list[Incoming], *, accept_new_key: bool = False,
                allow_older: bool = False) -> list[PlanItem]:
    """What importing ``incoming`` would do, package by package; nothing is written."""
    with reg.read():
        return _plan(incoming, accept_new_key, allow_older)


def apply_import(reg, incoming: list[Incoming], *, replace: bool | set[str] = False, accept_new_key: bool = False,
                 allow_older: bool = False) -> ImportResult:
    """Import the packages in one write (nothing at all when nothing changes).

    ``replace``: True, or the ``package_sha256`` of each replacement the officer confirmed; a
    replacement not confirmed is skipped."""
    res = ImportResult()
    with reg.read():
        items = _plan(incoming, accept_new_key, allow_older)
    todo = []
    for it in items:
        ok = it.action == "moi" or (it.action == "thay" and (replace is True or (
            isinstance(replace, set) and it.incoming.package_sha256 in replace)))
        if ok:
            todo.append(it)
        elif it.action == "trung":
            res.unchanged.append(it)
        else:
            res.skipped.append(it)
    if todo:
        with reg.write():
            items = {id(i.incoming): i for i in _plan([t.incoming for t in todo], accept_new_key, allow_older)}
            for t in todo:
                again = items[id(t.incoming)]
                if again.action != t.action:  # changed under us (another window imported it)
                    res.skipped.append(again)
                    continue
                _write(reg, again)
                (res.added if again.action == "moi" else res.replaced).append(again)
    periods = sorted({i.incoming.period for i in res.added + res.replaced})
    res.duplicates.extend(d for p in periods for d in duplicates(reg, p))
    return res


def _write(reg, it: PlanItem) -> None:
    inc = it.incoming
    snap = inc.snapshot
    tot = snapshot.totals(snap)
    stamp = now()
    values = dict(unit_key=inc.unit_key, period=inc.period, unit=it.commune_id, unit_name=inc.unit_label,
                  kind=snap["kind"], created_at=inc.created_at, received_at=stamp, sender=inc.sender,
                  package_sha256=inc.package_sha256, snapshot_sha256=inc.snapshot_sha256,
                  file_name=inc.file_name[:200], manifest=inc.manifest_bytes.decode("utf-8"),
                  signature=base64.b64encode(inc.signature).decode(),
                  snapshot=zlib.compress(inc.snapshot_bytes, 6),
                  totals=json.dumps(tot, ensure_ascii=False, separators=(",", ":")))
    if it.previous is not None:
        ReceivedPerson.delete().where(ReceivedPerson.package == it.previous.id).execute()
        ReceivedPackage.update(**values).where(ReceivedPackage.id == it.previous.id).execute()
        pid = it.previous.id
    else:
        pid = ReceivedPackage.insert(**values).execute()
    keys = sorted((k, pid) for k in person_keys(snap))
    database.connection().executemany("INSERT INTO received_person (key, package_id) VALUES (?, ?)", keys)
    _remember_sender(reg, inc, stamp, it.new_key)
    what = (f"Thay gói báo cáo kỳ {inc.period} của {inc.unit_label} (gói cũ lập {it.previous.created_at:%d/%m/%Y})"
            if it.previous is not None else f"Nhận gói báo cáo kỳ {inc.period} của {inc.unit_label}")
    log(reg, "nhap", "registry", None,
        f"{what}: {snapshot.KIND_LABELS[snap['kind']]}, lập {inc.created_at:%d/%m/%Y}, {tot['members']} thành viên, "
        f"khóa ký {handoff_keys.grouped(inc.sender)}" + ("" if it.commune_id else " — xã chưa có trong danh sách"),
        "", "", f"sha256:{inc.package_sha256}")


def _remember_sender(reg, inc: Incoming, stamp: dt.datetime, new_key: bool) -> None:
    row = KnownSender.get_or_none(KnownSender.unit_key == inc.unit_key)
    pub = base64.b64encode(inc.sender_public).decode()
    if row is None:
        KnownSender.create(unit_key=inc.unit_key, unit_name=inc.unit_label, public_key=pub, fingerprint=inc.sender,
                           first_seen=stamp, accepted_at=stamp)
    elif new_key:
        old = row.fingerprint
        KnownSender.update(public_key=pub, fingerprint=inc.sender, accepted_at=stamp, unit_name=inc.unit_label) \
            .where(KnownSender.unit_key == inc.unit_key).execute()
        log(reg, "sua", "registry", None, f"Chấp nhận khóa ký mới của {inc.unit_label}", "",
            handoff_keys.grouped(old), handoff_keys.grouped(inc.sender))


def known_senders(reg) -> dict[str, str]:
    """unit key → fingerprint of the signing key accepted for it."""
    with reg.read():
        return {k.unit_key: k.fingerprint for k in KnownSender.select()}


# ---------------------------------------------------------------------------
# The same person in two communes
# ---------------------------------------------------------------------------
def _h(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "big") >> 1


def _digits(s: str) -> str:
    d = re.sub(r"\D", "", s or "")
    return "0" + d[2:] if d.startswith("84") and len(d) == 11 else d


def _person_keys(p: list) -> list[tuple[str, int]]:
    """(how, key) of a snapshot person row: by CCCD, and by name + birth + phone when all are known."""
    out = []
    cccd = _digits(p[7])
    if len(cccd) >= 9:
        out.append(("cccd", _h("c:" + cccd)))
    name = " ".join(text.fold(f"{p[1]} {p[2]}").split())
    birth = p[4] or (str(p[5]) if p[5] else "")
    phone = _digits(p[6])
    if name and birth and len(phone) >= 9:
        out.append(("ten", _h(f"n:{name}|{birth}|{phone}")))
    return out


def person_keys(snap: dict) -> set[int]:
    if snap.get("kind") != snapshot.FULL:
        return set()
    return {k for p in snap["rows"]["people"] for _, k in _person_keys(p)}


@dataclass(frozen=True)
class Duplicate:
    name: str
    birth: str
    how: str  # «CCCD», «họ tên + ngày sinh + SĐT», or both
    communes: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.name} ({self.birth or 'không rõ năm sinh'}) có trong {len(self.communes)} xã: " \
               f"{'; '.join(self.communes)} — trùng {self.how}"


def duplicates(reg, period: str, *, limit: int = 500) -> list[Duplicate]:
    """People found in the packages of two or more communes for ``period``."""
    code = snapshot.period_span(period).code
    with reg.read():
        hits = database.execute_sql(
            "SELECT rp.key FROM received_person rp JOIN received_package p ON p.id = rp.package_id "
            "WHERE p.period = ? GROUP BY rp.key HAVING COUNT(DISTINCT p.unit_key) > 1", (code,)).fetchall()
        if not hits:
            return []
        keys = {k for (k,) in hits}
        pkgs = {r[0]: r[1] for r in database.execute_sql(
            "SELECT DISTINCT p.id, p.unit_name FROM received_person rp JOIN received_package p ON p.id = rp.package_id "
            f"WHERE p.period = ? AND rp.key IN ({','.join('?' * len(keys))})", (code, *keys)).fetchall()}
    found: dict[int, list[tuple[str, str, list]]] = {}
    for pid, unit_name in pkgs.items():
        for p in stored_snapshot(reg, pid)["rows"]["people"]:
            for how, k in _person_keys(p):
                if k in keys:
                    found.setdefault(k, []).append((how, unit_name, p))
    groups: dict[tuple, Duplicate] = {}
    for matches in found.values():
        communes = tuple(sorted({m[1] for m in matches}, key=text.vn_key))
        p = matches[0][2]
        gk = (text.fold(f"{p[1]} {p[2]}"), communes)
        how = "CCCD" if matches[0][0] == "cccd" else "họ tên + ngày sinh + SĐT"
        prev = groups.get(gk)
        if prev is not None and how not in prev.how:
            how = f"{prev.how}; {how}"
        birth = text.format_date(dt.date.fromisoformat(p[4])) if p[4] else (str(p[5]) if p[5] else "")
        groups[gk] = Duplicate(text.clean(f"{p[1]} {p[2]}"), birth, how, communes)
    out = sorted(groups.values(), key=lambda d: (text.vn_key(d.name), d.communes))
    return out[:limit]


# ---------------------------------------------------------------------------
# Completeness board
# ---------------------------------------------------------------------------
STATUS = {"dung_han": "Đã nhận, đúng hạn", "muon": "Đã nhận, muộn", "thieu": "Chưa nhận"}


@dataclass(frozen=True)
class BoardRow:
    unit_key: str
    label: str
    district: str
    status: str  # dung_han | muon | thieu
    status_label: str
    package: Stored | None
    in_registry: bool  # a commune the registry lists (else: a package of a commune it does not list)

    @property
    def sender(self) -> str:
        return handoff_keys.grouped(self.package.sender) if self.package else ""


@dataclass(frozen=True)
class Board:
    period: str
    deadline: dt.date
    today: dt.date
    rows: list[BoardRow]

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(1 for r in self.rows if r.status == s) for s in STATUS}

    @property
    def missing(self) -> list[BoardRow]:
        return [r for r in self.rows if r.status == "thieu"]

    @property
    def overdue(self) -> bool:
        return self.today > self.deadline


def period_deadline(settings, period: str) -> dt.date:
    """The period's deadline in the reporting calendar (``rules.deadlines``): a quarter's and the
    first half's their own; the second half's and the year's the annual report's."""
    from . import rules

    span = snapshot.period_span(period)
    want = str(span.year) if span.code.endswith("-H2") else span.code
    for d in rules.deadlines(settings, today=dt.date(span.year, 1, 1), horizon=100):
        if d.period == want:
            return d.due
    return span.end  # pragma: no cover - every period code has a deadline


def completeness(reg, period: str, *, day: dt.date | None = None) -> Board:
    """Every commune the registry lists, received on time / late / missing for ``period``, then the
    packages of communes it does not list. On time: the package's own date is on or before the deadline."""
    from .settings import get_settings

    span = snapshot.period_span(period)
    day = day or today()
    deadline = period_deadline(get_settings(reg), span.code)
    with reg.read():
        communes = _Communes()
        listed = [u for u in communes.communes if u[6]]
        order = {u[0]: (text.vn_key(communes.district(u[0])), text.vn_key(u[4])) for u in listed}
    keys = {communes.key(u[0]): u[0] for u in listed}  # a commune added to the list after its package came
    by_unit: dict[int, Stored] = {}
    unlisted: list[Stored] = []
    for s in list_packages(reg, span.code):
        uid = s.unit_id if s.unit_id is not None else keys.get(s.unit_key)
        if uid is not None:
            by_unit[uid] = s
        else:
            unlisted.append(s)
    rows = []
    for u in sorted(listed, key=lambda u: order[u[0]]):
        rows.append(_board_row(communes.key(u[0]), snapshot.label(u[3], u[4]), communes.district(u[0]),
                               by_unit.get(u[0]), deadline, day, True))
    for s in unlisted:
        rows.append(_board_row(s.unit_key, s.unit_name, "", s, deadline, day, False))
    return Board(span.code, deadline, day, rows)


def _board_row(key: str, label: str, district: str, pkg: Stored | None, deadline: dt.date, day: dt.date,
               listed: bool) -> BoardRow:
    if pkg is None:
        late = (day - deadline).days
        status, shown = "thieu", (f"Chưa nhận — quá hạn {late} ngày" if late > 0 else
                                  f"Chưa nhận — còn {-late} ngày" if late < 0 else "Chưa nhận — hạn hôm nay")
    elif pkg.created_at.date() <= deadline:
        status, shown = "dung_han", STATUS["dung_han"]
    else:
        status, shown = "muon", f"Đã nhận, muộn {(pkg.created_at.date() - deadline).days} ngày"
    return BoardRow(key, label, district, status, shown, pkg, listed)
