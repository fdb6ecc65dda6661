"""peewee models of the registry.

All models share one module-level database object, ``database``, a
``SqliteDatabase(None)`` initialised late by :mod:`models.db` with the single
in-memory connection the encrypted store is loaded into (peewee's default would
give each thread its own empty ``:memory:`` database).

Codes stored in the database are short ASCII identifiers; the Vietnamese labels
live in :mod:`models.vocab` so a label can be corrected without a migration.
"""

from __future__ import annotations

import peewee as pw

from .text import clean

SCHEMA_VERSION = 4


class MemoryDatabase(pw.SqliteDatabase):
    """A SqliteDatabase whose one connection is handed to it from outside.

    ``thread_safe=False`` makes peewee keep a single connection state shared by
    every thread (our worker threads and the main thread), instead of a fresh
    connection per thread. Serialising access is the Registry's job (an RLock).
    """

    def __init__(self):
        super().__init__(None, thread_safe=False, autoconnect=False)
        self._handed = None

    def hand_over(self, conn) -> None:
        self._handed = conn
        self.init(":memory:")
        if not self.is_closed():
            self._state.reset()
        self.connect()

    def _connect(self):  # noqa: D401 - peewee hook
        if self._handed is None:
            raise pw.InterfaceError("Sổ chưa được mở.")
        conn = self._handed
        self._add_conn_hooks(conn)
        return conn

    def _close(self, conn):
        # The Registry owns the connection; peewee must not close it.
        pass


database = MemoryDatabase()


class CleanCharField(pw.CharField):
    """CharField that stores NFC text with whitespace collapsed."""

    def db_value(self, value):
        if value is None:
            return None
        return super().db_value(clean(value))


class CleanTextField(pw.TextField):
    """TextField, NFC-normalised; keeps line breaks but trims each line."""

    def db_value(self, value):
        if value is None:
            return None
        lines = [clean(line) for line in str(value).splitlines()]
        return super().db_value("\n".join(lines).strip())


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


class Unit(BaseModel):
    """An administrative unit: province, legacy district, commune or village.

    level: tinh | huyen | xa | thon. kind: the unit's own word (tỉnh, thành phố,
    huyện, thị xã, xã, phường, đặc khu, thôn, tổ dân phố, bản, ấp, khóm,
    khu dân cư). former_unit: for villages, the commune before the 2025 merger.
    """

    parent = pw.ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    level = pw.CharField(max_length=8, index=True)
    kind = pw.CharField(max_length=16)
    name = CleanCharField(max_length=120)
    code = pw.CharField(max_length=16, default="")
    former_unit = CleanCharField(max_length=160, default="")
    sort_order = pw.IntegerField(default=0)
    active = pw.BooleanField(default=True)
    merged_into = pw.ForeignKeyField("self", null=True, backref="merged_from", on_delete="SET NULL")
    note = CleanTextField(default="")

    class Meta:
        indexes = ((("parent", "name"), False),)


class Category(BaseModel):
    """A composition category (thành phần), editable; the defaults are DOMAIN.md's composition table."""

    code = pw.CharField(max_length=16, unique=True)
    name = CleanCharField(max_length=120)
    name_en = CleanCharField(max_length=120, default="")
    sort_order = pw.IntegerField(default=0)
    active = pw.BooleanField(default=True)


class Team(BaseModel):
    """A Tổ CNSCĐ: commune-level (level='xa') or village-level (level='thon')."""

    unit = pw.ForeignKeyField(Unit, backref="teams", on_delete="RESTRICT")
    level = pw.CharField(max_length=8)
    name = CleanCharField(max_length=160)
    founded_on = pw.DateField(null=True)
    active = pw.BooleanField(default=True)
    note = CleanTextField(default="")


class Decision(BaseModel):
    """A founding (thanh_lap) or re-forming (kien_toan) decision of a team."""

    team = pw.ForeignKeyField(Team, backref="decisions", on_delete="RESTRICT")
    kind = pw.CharField(max_length=12, default="thanh_lap")
    number = CleanCharField(max_length=60)
    date = pw.DateField(null=True)
    issuer = CleanCharField(max_length=160, default="")
    note = CleanTextField(default="")


class Person(BaseModel):
    family_name = CleanCharField(max_length=80, default="")  # họ và tên đệm
    given_name = CleanCharField(max_length=40)  # tên
    gender = pw.CharField(max_length=4, default="")  # nam | nu | ''
    birth_date = pw.DateField(null=True)
    birth_year = pw.IntegerField(null=True)
    phone = pw.CharField(max_length=16, default="")
    cccd = pw.CharField(max_length=16, default="", index=True)
    cccd_legacy = pw.BooleanField(default=False)
    village = pw.ForeignKeyField(Unit, null=True, backref="residents", on_delete="SET NULL")
    notes = CleanTextField(default="")
    search_key = pw.CharField(max_length=160, default="", index=True)
    sort_key = pw.CharField(max_length=400, default="", index=True)


class Membership(BaseModel):
    """A person's membership of a team over time; never deleted when leaving."""

    person = pw.ForeignKeyField(Person, backref="memberships", on_delete="RESTRICT")
    team = pw.ForeignKeyField(Team, backref="memberships", on_delete="RESTRICT")
    role = pw.CharField(max_length=12, default="thanh_vien")  # to_truong | to_pho | thanh_vien
    category = pw.ForeignKeyField(Category, backref="memberships", on_delete="RESTRICT")
    other_positions = CleanCharField(max_length=200, default="")
    start_date = pw.DateField(null=True)
    end_date = pw.DateField(null=True, index=True)
    leave_reason = CleanCharField(max_length=200, default="")
    decision = pw.ForeignKeyField(Decision, null=True, backref="memberships", on_delete="SET NULL")


class Course(BaseModel):
    title = CleanCharField(max_length=200)
    start_date = pw.DateField()
    end_date = pw.DateField(null=True)
    organiser = CleanCharField(max_length=160, default="")
    form = pw.CharField(max_length=12, default="truc_tiep")  # truc_tiep | truc_tuyen | ket_hop
    hours = pw.FloatField(default=0)
    topics = pw.CharField(max_length=400, default="")  # ';'-separated topic codes
    location = CleanCharField(max_length=200, default="")
    note = CleanTextField(default="")


class Attendance(BaseModel):
    course = pw.ForeignKeyField(Course, backref="attendance", on_delete="CASCADE")
    person = pw.ForeignKeyField(Person, backref="attendance", on_delete="RESTRICT")
    certificate_no = CleanCharField(max_length=60, default="")

    class Meta:
        indexes = ((("course", "person"), True),)


class Equipment(BaseModel):
    unit = pw.ForeignKeyField(Unit, backref="equipment", on_delete="RESTRICT")
    place = CleanCharField(max_length=160, default="")  # e.g. Nhà văn hóa thôn
    kind = pw.CharField(max_length=16)  # code from vocab.EQUIPMENT_KINDS
    description = CleanCharField(max_length=200, default="")
    quantity = pw.IntegerField(default=1)
    condition = pw.CharField(max_length=12, default="tot")  # tot | hong | can_thay
    funding = pw.CharField(max_length=16, default="ngan_sach")  # ngan_sach | xa_hoi_hoa | khac
    funding_note = CleanCharField(max_length=160, default="")
    acquired_on = pw.DateField(null=True)
    value = pw.BigIntegerField(default=0)  # đồng
    note = CleanTextField(default="")


class EquipmentNeed(BaseModel):
    unit = pw.ForeignKeyField(Unit, backref="equipment_needs", on_delete="RESTRICT")
    kind = pw.CharField(max_length=16)
    description = CleanCharField(max_length=200, default="")
    quantity = pw.IntegerField(default=1)
    estimated_value = pw.BigIntegerField(default=0)
    reason = CleanTextField(default="")
    proposed_on = pw.DateField(null=True)
    status = pw.CharField(max_length=12, default="de_xuat")  # de_xuat | da_dap_ung


class Setting(BaseModel):
    key = pw.CharField(max_length=64, primary_key=True)
    value = pw.TextField()  # JSON


class AuditLog(BaseModel):
    at = pw.DateTimeField(index=True)
    actor = CleanCharField(max_length=80, default="")
    action = pw.CharField(max_length=12)  # them | sua | xoa | roi_to | he_thong | xuat | nhap
    entity = pw.CharField(max_length=24, index=True)
    entity_id = pw.IntegerField(null=True)
    summary = CleanCharField(max_length=300, default="")
    field = pw.CharField(max_length=40, default="")
    old = pw.TextField(default="")
    new = pw.TextField(default="")


class VillageStat(BaseModel):
    """A village's denominators for a year: households, residents, working-age residents,
    business households, administrative dossiers arising. NULL = not known (a share
    against it cannot be computed); the commune's totals are sums, never stored."""

    unit = pw.ForeignKeyField(Unit, backref="yearly_stats", on_delete="RESTRICT")
    year = pw.IntegerField()
    households = pw.IntegerField(null=True)
    residents = pw.IntegerField(null=True)
    working_age = pw.IntegerField(null=True)
    businesses = pw.IntegerField(null=True)
    dossiers = pw.IntegerField(null=True)
    note = CleanTextField(default="")

    class Meta:
        indexes = ((("unit", "year"), True),)


class Activity(BaseModel):
    """What a team did: one activity on a day, or its month's tally (``day`` NULL: the
    leader's monthly sheet or the clerk's grid; at most one per team and month).

    Counts only: no resident's name or ID is ever stored. ``unit``: where the work
    was done (the team's village, or the commune for a commune-level team).
    ``kinds``: ``code:sessions`` pairs joined by ``;`` (codes in models.activities.KINDS);
    ``members``: ``;``-joined person ids of the members who took part.
    """

    # Indexes: (team, month) only — reports read every row of a period anyway, and each index
    # costs bytes in a file that is decrypted whole on every opening.
    team = pw.ForeignKeyField(Team, backref="activities", on_delete="RESTRICT", index=False)
    unit = pw.ForeignKeyField(Unit, backref="activities", on_delete="RESTRICT", index=False)
    month = pw.CharField(max_length=7)  # "2026-11"
    day = pw.DateField(null=True)
    kinds = pw.CharField(max_length=200, default="")
    members = pw.TextField(default="")
    needs = CleanTextField(default="")
    source = pw.CharField(max_length=8, default="nhap")  # nhap | phieu | luoi (see activities.SOURCES)
    note = CleanTextField(default="")

    class Meta:
        indexes = ((("team", "month"), False),)


class ActivityCount(BaseModel):
    """People and households helped with one service in one :class:`Activity`.

    A table WITHOUT ROWID keyed by (activity, service): a province's year of monthly tallies is
    over 100.000 rows, and a separate index would nearly double their bytes in the file."""

    activity = pw.ForeignKeyField(Activity, backref="counts", on_delete="CASCADE", index=False)
    service = pw.CharField(max_length=16)  # code in models.activities.SERVICES
    people = pw.IntegerField(default=0)
    households = pw.IntegerField(default=0)
    priority = pw.IntegerField(default=0)  # of the people: elderly, vulnerable
    businesses = pw.IntegerField(default=0)  # of the households: business households

    class Meta:
        primary_key = pw.CompositeKey("activity", "service")
        without_rowid = True


class DutySlot(BaseModel):
    """A member on the support point's duty rota on one weekday (0 = Monday … 5 = Saturday)."""

    person = pw.ForeignKeyField(Person, backref="duty_slots", on_delete="RESTRICT", index=False)  # unique index below
    weekday = pw.IntegerField()
    shift = pw.CharField(max_length=8, default="ca_ngay")  # ca_ngay | sang | chieu

    class Meta:
        indexes = ((("person", "weekday", "shift"), True),)


# ---------------------------------------------------------------------------
# Hand-off packages between a commune and its province (schema v4)
# ---------------------------------------------------------------------------
class HandoffKey(BaseModel):
    """The registry's own keys for hand-off packages, kept inside the encrypted file.

    ``purpose``: ``ky`` — the Ed25519 key a commune signs its packages with (secret: the raw
    32-byte private key in base64; public: the raw public key in base64); ``nhan`` — the X25519
    age identity a province receives packages with (secret: ``AGE-SECRET-KEY-1…``; public:
    ``age1…``); ``tinh`` — the province's public key a commune last encrypted to (no secret)."""

    purpose = pw.CharField(max_length=8, primary_key=True)
    secret = pw.TextField(default="")
    public = pw.TextField()
    label = CleanCharField(max_length=160, default="")
    created_at = pw.DateTimeField()


class ReceivedPackage(BaseModel):
    """A commune's package for one period, as received by the province: at most one per unit and
    period (a newer package replaces it). ``snapshot``: the signed snapshot's exact bytes,
    zlib-compressed (re-checkable against ``manifest``/``signature``); ``totals``: the counts
    computed from it at import (JSON), which the completeness board and the roll-up read."""

    unit_key = pw.CharField(max_length=80)
    period = pw.CharField(max_length=8)
    unit = pw.ForeignKeyField(Unit, null=True, backref="received_packages", on_delete="SET NULL")
    unit_name = CleanCharField(max_length=160)
    kind = pw.CharField(max_length=8)  # day_du | so_lieu
    created_at = pw.DateTimeField()  # the package's own date (signed)
    received_at = pw.DateTimeField()
    sender = pw.CharField(max_length=64)  # SHA-256 of the signing key (hex)
    package_sha256 = pw.CharField(max_length=64)
    snapshot_sha256 = pw.CharField(max_length=64)
    file_name = CleanCharField(max_length=200, default="")
    manifest = pw.TextField()
    signature = pw.CharField(max_length=100)  # base64
    snapshot = pw.BlobField()
    totals = pw.TextField()

    class Meta:
        indexes = ((("unit_key", "period"), True),)


class KnownSender(BaseModel):
    """The signing key first seen (or last accepted) for a commune: a package signed by another key
    is refused unless the officer accepts the new key."""

    unit_key = pw.CharField(max_length=80, primary_key=True)
    unit_name = CleanCharField(max_length=160)
    public_key = pw.CharField(max_length=64)  # raw Ed25519 public key, base64
    fingerprint = pw.CharField(max_length=64)
    first_seen = pw.DateTimeField()
    accepted_at = pw.DateTimeField()


class ReceivedPerson(BaseModel):
    """Who is in a received package, as 63-bit keys (of the CCCD, and of name + birth + phone),
    to flag the same person in two communes. WITHOUT ROWID, keyed by (key, package)."""

    key = pw.BigIntegerField()
    package = pw.ForeignKeyField(ReceivedPackage, backref="person_keys", on_delete="CASCADE", index=False)

    class Meta:
        primary_key = pw.CompositeKey("key", "package")
        without_rowid = True


MODELS = [
    Unit,
    Category,
    Team,
    Decision,
    Person,
    Membership,
    Course,
    Attendance,
    Equipment,
    EquipmentNeed,
    Setting,
    AuditLog,
    VillageStat,
    Activity,
    ActivityCount,
    DutySlot,
    HandoffKey,
    ReceivedPackage,
    KnownSender,
    ReceivedPerson,
]
