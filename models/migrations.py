"""Versioned schema migrations.

The schema version lives in SQLite's ``PRAGMA user_version`` inside the
encrypted payload (and is repeated in the file header). Each step takes the
database from version N to N+1 with ``playhouse.migrate`` and is recorded in
the audit log. Steps run inside the Registry's write transaction, so a failed
migration leaves the file as it was.

Version history
- 1: first release (no equipment needs, no per-person search/sort keys, no
  village merging).
- 2: ``equipment_need`` table; ``person.search_key``/``person.sort_key``
  (accent-insensitive search and Vietnamese name order); ``unit.merged_into``.
- 3: the teams' work: ``village_stat`` (denominators per village and year),
  ``activity`` and ``activity_count`` (tallies, counts only), ``duty_slot``
  (the support point's duty rota).
- 4: hand-off packages between a commune and its province: ``handoff_key`` (the registry's own
  signing key and age identity), ``received_package`` (one package per commune and period),
  ``known_sender`` (the signing key first seen per commune), ``received_person`` (keys to flag
  the same person in two communes).
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import peewee as pw

from playhouse.migrate import SqliteMigrator, migrate as run_migrations

from .schema import (Activity, ActivityCount, AuditLog, DutySlot, EquipmentNeed, HandoffKey, KnownSender, Person,
                     ReceivedPackage, ReceivedPerson, SCHEMA_VERSION, Unit, VillageStat, database)
from .errors import StoreError

# The schema of version 1, frozen as it was shipped. Used to test that a v1
# file still opens; never edit it.
V1_DDL = """
CREATE TABLE "unit" ("id" INTEGER NOT NULL PRIMARY KEY, "parent_id" INTEGER, "level" VARCHAR(8) NOT NULL, "kind" VARCHAR(16) NOT NULL, "name" VARCHAR(120) NOT NULL, "code" VARCHAR(16) NOT NULL, "former_unit" VARCHAR(160) NOT NULL, "sort_order" INTEGER NOT NULL, "active" INTEGER NOT NULL, "note" TEXT NOT NULL, FOREIGN KEY ("parent_id") REFERENCES "unit" ("id"));
CREATE TABLE "category" ("id" INTEGER NOT NULL PRIMARY KEY, "code" VARCHAR(16) NOT NULL, "name" VARCHAR(120) NOT NULL, "name_en" VARCHAR(120) NOT NULL, "sort_order" INTEGER NOT NULL, "active" INTEGER NOT NULL);
CREATE UNIQUE INDEX "category_code" ON "category" ("code");
CREATE TABLE "team" ("id" INTEGER NOT NULL PRIMARY KEY, "unit_id" INTEGER NOT NULL, "level" VARCHAR(8) NOT NULL, "name" VARCHAR(160) NOT NULL, "founded_on" DATE, "active" INTEGER NOT NULL, "note" TEXT NOT NULL, FOREIGN KEY ("unit_id") REFERENCES "unit" ("id"));
CREATE TABLE "decision" ("id" INTEGER NOT NULL PRIMARY KEY, "team_id" INTEGER NOT NULL, "kind" VARCHAR(12) NOT NULL, "number" VARCHAR(60) NOT NULL, "date" DATE, "issuer" VARCHAR(160) NOT NULL, "note" TEXT NOT NULL, FOREIGN KEY ("team_id") REFERENCES "team" ("id"));
CREATE TABLE "person" ("id" INTEGER NOT NULL PRIMARY KEY, "family_name" VARCHAR(80) NOT NULL, "given_name" VARCHAR(40) NOT NULL, "gender" VARCHAR(4) NOT NULL, "birth_date" DATE, "birth_year" INTEGER, "phone" VARCHAR(16) NOT NULL, "cccd" VARCHAR(16) NOT NULL, "cccd_legacy" INTEGER NOT NULL, "village_id" INTEGER, "notes" TEXT NOT NULL, FOREIGN KEY ("village_id") REFERENCES "unit" ("id"));
CREATE INDEX "person_cccd" ON "person" ("cccd");
CREATE TABLE "membership" ("id" INTEGER NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "team_id" INTEGER NOT NULL, "role" VARCHAR(12) NOT NULL, "category_id" INTEGER NOT NULL, "other_positions" VARCHAR(200) NOT NULL, "start_date" DATE, "end_date" DATE, "leave_reason" VARCHAR(200) NOT NULL, "decision_id" INTEGER, FOREIGN KEY ("person_id") REFERENCES "person" ("id"), FOREIGN KEY ("team_id") REFERENCES "team" ("id"), FOREIGN KEY ("category_id") REFERENCES "category" ("id"), FOREIGN KEY ("decision_id") REFERENCES "decision" ("id"));
CREATE TABLE "course" ("id" INTEGER NOT NULL PRIMARY KEY, "title" VARCHAR(200) NOT NULL, "start_date" DATE NOT NULL, "end_date" DATE, "organiser" VARCHAR(160) NOT NULL, "form" VARCHAR(12) NOT NULL, "hours" REAL NOT NULL, "topics" VARCHAR(400) NOT NULL, "location" VARCHAR(200) NOT NULL, "note" TEXT NOT NULL);
CREATE TABLE "attendance" ("id" INTEGER NOT NULL PRIMARY KEY, "course_id" INTEGER NOT NULL, "person_id" INTEGER NOT NULL, "certificate_no" VARCHAR(60) NOT NULL, FOREIGN KEY ("course_id") REFERENCES "course" ("id") ON DELETE CASCADE, FOREIGN KEY ("person_id") REFERENCES "person" ("id"));
CREATE UNIQUE INDEX "attendance_course_id_person_id" ON "attendance" ("course_id", "person_id");
CREATE TABLE "equipment" ("id" INTEGER NOT NULL PRIMARY KEY, "unit_id" INTEGER NOT NULL, "place" VARCHAR(160) NOT NULL, "kind" VARCHAR(16) NOT NULL, "description" VARCHAR(200) NOT NULL, "quantity" INTEGER NOT NULL, "condition" VARCHAR(12) NOT NULL, "funding" VARCHAR(16) NOT NULL, "funding_note" VARCHAR(160) NOT NULL, "acquired_on" DATE, "value" INTEGER NOT NULL, "note" TEXT NOT NULL, FOREIGN KEY ("unit_id") REFERENCES "unit" ("id"));
CREATE TABLE "setting" ("key" VARCHAR(64) NOT NULL PRIMARY KEY, "value" TEXT NOT NULL);
CREATE TABLE "audit_log" ("id" INTEGER NOT NULL PRIMARY KEY, "at" DATETIME NOT NULL, "actor" VARCHAR(80) NOT NULL, "action" VARCHAR(12) NOT NULL, "entity" VARCHAR(24) NOT NULL, "entity_id" INTEGER, "summary" VARCHAR(300) NOT NULL, "field" VARCHAR(40) NOT NULL, "old" TEXT NOT NULL, "new" TEXT NOT NULL);
CREATE INDEX "audit_log_at" ON "audit_log" ("at");
PRAGMA user_version = 1;
"""

# The schema of version 2 as a new registry got it, frozen as it was shipped. Used to
# test that a v2 file still opens; never edit it.
V2_DDL = """
CREATE TABLE "course" ("id" INTEGER NOT NULL PRIMARY KEY, "title" VARCHAR(200) NOT NULL, "start_date" DATE NOT NULL, "end_date" DATE, "organiser" VARCHAR(160) NOT NULL, "form" VARCHAR(12) NOT NULL, "hours" REAL NOT NULL, "topics" VARCHAR(400) NOT NULL, "location" VARCHAR(200) NOT NULL, "note" TEXT NOT NULL);
CREATE TABLE "unit" ("id" INTEGER NOT NULL PRIMARY KEY, "parent_id" INTEGER, "level" VARCHAR(8) NOT NULL, "kind" VARCHAR(16) NOT NULL, "name" VARCHAR(120) NOT NULL, "code" VARCHAR(16) NOT NULL, "former_unit" VARCHAR(160) NOT NULL, "sort_order" INTEGER NOT NULL, "active" INTEGER NOT NULL, "merged_into_id" INTEGER, "note" TEXT NOT NULL, FOREIGN KEY ("parent_id") REFERENCES "unit" ("id") ON DELETE RESTRICT, FOREIGN KEY ("merged_into_id") REFERENCES "unit" ("id") ON DELETE SET NULL);
CREATE INDEX "unit_parent_id" ON "unit" ("parent_id");
CREATE INDEX "unit_level" ON "unit" ("level");
CREATE INDEX "unit_merged_into_id" ON "unit" ("merged_into_id");
CREATE INDEX "unit_parent_id_name" ON "unit" ("parent_id", "name");
CREATE TABLE "person" ("id" INTEGER NOT NULL PRIMARY KEY, "family_name" VARCHAR(80) NOT NULL, "given_name" VARCHAR(40) NOT NULL, "gender" VARCHAR(4) NOT NULL, "birth_date" DATE, "birth_year" INTEGER, "phone" VARCHAR(16) NOT NULL, "cccd" VARCHAR(16) NOT NULL, "cccd_legacy" INTEGER NOT NULL, "village_id" INTEGER, "notes" TEXT NOT NULL, "search_key" VARCHAR(160) NOT NULL, "sort_key" VARCHAR(400) NOT NULL, FOREIGN KEY ("village_id") REFERENCES "unit" ("id") ON DELETE SET NULL);
CREATE INDEX "person_cccd" ON "person" ("cccd");
CREATE INDEX "person_village_id" ON "person" ("village_id");
CREATE INDEX "person_search_key" ON "person" ("search_key");
CREATE INDEX "person_sort_key" ON "person" ("sort_key");
CREATE TABLE "attendance" ("id" INTEGER NOT NULL PRIMARY KEY, "course_id" INTEGER NOT NULL, "person_id" INTEGER NOT NULL, "certificate_no" VARCHAR(60) NOT NULL, FOREIGN KEY ("course_id") REFERENCES "course" ("id") ON DELETE CASCADE, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE RESTRICT);
CREATE INDEX "attendance_course_id" ON "attendance" ("course_id");
CREATE INDEX "attendance_person_id" ON "attendance" ("person_id");
CREATE UNIQUE INDEX "attendance_course_id_person_id" ON "attendance" ("course_id", "person_id");
CREATE TABLE "audit_log" ("id" INTEGER NOT NULL PRIMARY KEY, "at" DATETIME NOT NULL, "actor" VARCHAR(80) NOT NULL, "action" VARCHAR(12) NOT NULL, "entity" VARCHAR(24) NOT NULL, "entity_id" INTEGER, "summary" VARCHAR(300) NOT NULL, "field" VARCHAR(40) NOT NULL, "old" TEXT NOT NULL, "new" TEXT NOT NULL);
CREATE INDEX "audit_log_at" ON "audit_log" ("at");
CREATE INDEX "audit_log_entity" ON "audit_log" ("entity");
CREATE TABLE "category" ("id" INTEGER NOT NULL PRIMARY KEY, "code" VARCHAR(16) NOT NULL, "name" VARCHAR(120) NOT NULL, "name_en" VARCHAR(120) NOT NULL, "sort_order" INTEGER NOT NULL, "active" INTEGER NOT NULL);
CREATE UNIQUE INDEX "category_code" ON "category" ("code");
CREATE TABLE "team" ("id" INTEGER NOT NULL PRIMARY KEY, "unit_id" INTEGER NOT NULL, "level" VARCHAR(8) NOT NULL, "name" VARCHAR(160) NOT NULL, "founded_on" DATE, "active" INTEGER NOT NULL, "note" TEXT NOT NULL, FOREIGN KEY ("unit_id") REFERENCES "unit" ("id") ON DELETE RESTRICT);
CREATE INDEX "team_unit_id" ON "team" ("unit_id");
CREATE TABLE "decision" ("id" INTEGER NOT NULL PRIMARY KEY, "team_id" INTEGER NOT NULL, "kind" VARCHAR(12) NOT NULL, "number" VARCHAR(60) NOT NULL, "date" DATE, "issuer" VARCHAR(160) NOT NULL, "note" TEXT NOT NULL, FOREIGN KEY ("team_id") REFERENCES "team" ("id") ON DELETE RESTRICT);
CREATE INDEX "decision_team_id" ON "decision" ("team_id");
CREATE TABLE "equipment" ("id" INTEGER NOT NULL PRIMARY KEY, "unit_id" INTEGER NOT NULL, "place" VARCHAR(160) NOT NULL, "kind" VARCHAR(16) NOT NULL, "description" VARCHAR(200) NOT NULL, "quantity" INTEGER NOT NULL, "condition" VARCHAR(12) NOT NULL, "funding" VARCHAR(16) NOT NULL, "funding_note" VARCHAR(160) NOT NULL, "acquired_on" DATE, "value" INTEGER NOT NULL, "note" TEXT NOT NULL, FOREIGN KEY ("unit_id") REFERENCES "unit" ("id") ON DELETE RESTRICT);
CREATE INDEX "equipment_unit_id" ON "equipment" ("unit_id");
CREATE TABLE "equipment_need" ("id" INTEGER NOT NULL PRIMARY KEY, "unit_id" INTEGER NOT NULL, "kind" VARCHAR(16) NOT NULL, "description" VARCHAR(200) NOT NULL, "quantity" INTEGER NOT NULL, "estimated_value" INTEGER NOT NULL, "reason" TEXT NOT NULL, "proposed_on" DATE, "status" VARCHAR(12) NOT NULL, FOREIGN KEY ("unit_id") REFERENCES "unit" ("id") ON DELETE RESTRICT);
CREATE INDEX "equipment_need_unit_id" ON "equipment_need" ("unit_id");
CREATE TABLE "membership" ("id" INTEGER NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "team_id" INTEGER NOT NULL, "role" VARCHAR(12) NOT NULL, "category_id" INTEGER NOT NULL, "other_positions" VARCHAR(200) NOT NULL, "start_date" DATE, "end_date" DATE, "leave_reason" VARCHAR(200) NOT NULL, "decision_id" INTEGER, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("team_id") REFERENCES "team" ("id") ON DELETE RESTRICT, FOREIGN KEY ("category_id") REFERENCES "category" ("id") ON DELETE RESTRICT, FOREIGN KEY ("decision_id") REFERENCES "decision" ("id") ON DELETE SET NULL);
CREATE INDEX "membership_person_id" ON "membership" ("person_id");
CREATE INDEX "membership_team_id" ON "membership" ("team_id");
CREATE INDEX "membership_category_id" ON "membership" ("category_id");
CREATE INDEX "membership_end_date" ON "membership" ("end_date");
CREATE INDEX "membership_decision_id" ON "membership" ("decision_id");
CREATE TABLE "setting" ("key" VARCHAR(64) NOT NULL PRIMARY KEY, "value" TEXT NOT NULL);
PRAGMA user_version = 2;
"""


# The schema of version 3 as a new registry got it, frozen as it was shipped. Used to
# test that a v3 file still opens; never edit it.
V3_DDL = """
CREATE TABLE "unit" ("id" INTEGER NOT NULL PRIMARY KEY, "parent_id" INTEGER, "level" VARCHAR(8) NOT NULL, "kind" VARCHAR(16) NOT NULL, "name" VARCHAR(120) NOT NULL, "code" VARCHAR(16) NOT NULL, "former_unit" VARCHAR(160) NOT NULL, "sort_order" INTEGER NOT NULL, "active" INTEGER NOT NULL, "merged_into_id" INTEGER, "note" TEXT NOT NULL, FOREIGN KEY ("parent_id") REFERENCES "unit" ("id") ON DELETE RESTRICT, FOREIGN KEY ("merged_into_id") REFERENCES "unit" ("id") ON DELETE SET NULL);
CREATE INDEX "unit_parent_id" ON "unit" ("parent_id");
CREATE INDEX "unit_level" ON "unit" ("level");
CREATE INDEX "unit_merged_into_id" ON "unit" ("merged_into_id");
CREATE INDEX "unit_parent_id_name" ON "unit" ("parent_id", "name");
CREATE TABLE "team" ("id" INTEGER NOT NULL PRIMARY KEY, "unit_id" INTEGER NOT NULL, "level" VARCHAR(8) NOT NULL, "name" VARCHAR(160) NOT NULL, "founded_on" DATE, "active" INTEGER NOT NULL, "note" TEXT NOT NULL, FOREIGN KEY ("unit_id") REFERENCES "unit" ("id") ON DELETE RESTRICT);
CREATE INDEX "team_unit_id" ON "team" ("unit_id");
CREATE TABLE "activity" ("id" INTEGER NOT NULL PRIMARY KEY, "team_id" INTEGER NOT NULL, "unit_id" INTEGER NOT NULL, "month" VARCHAR(7) NOT NULL, "day" DATE, "kinds" VARCHAR(200) NOT NULL, "members" TEXT NOT NULL, "needs" TEXT NOT NULL, "source" VARCHAR(8) NOT NULL, "note" TEXT NOT NULL, FOREIGN KEY ("team_id") REFERENCES "team" ("id") ON DELETE RESTRICT, FOREIGN KEY ("unit_id") REFERENCES "unit" ("id") ON DELETE RESTRICT);
CREATE INDEX "activity_team_id_month" ON "activity" ("team_id", "month");
CREATE TABLE "activity_count" ("activity_id" INTEGER NOT NULL, "service" VARCHAR(16) NOT NULL, "people" INTEGER NOT NULL, "households" INTEGER NOT NULL, "priority" INTEGER NOT NULL, "businesses" INTEGER NOT NULL, PRIMARY KEY ("activity_id", "service"), FOREIGN KEY ("activity_id") REFERENCES "activity" ("id") ON DELETE CASCADE) WITHOUT ROWID;
CREATE TABLE "course" ("id" INTEGER NOT NULL PRIMARY KEY, "title" VARCHAR(200) NOT NULL, "start_date" DATE NOT NULL, "end_date" DATE, "organiser" VARCHAR(160) NOT NULL, "form" VARCHAR(12) NOT NULL, "hours" REAL NOT NULL, "topics" VARCHAR(400) NOT NULL, "location" VARCHAR(200) NOT NULL, "note" TEXT NOT NULL);
CREATE TABLE "person" ("id" INTEGER NOT NULL PRIMARY KEY, "family_name" VARCHAR(80) NOT NULL, "given_name" VARCHAR(40) NOT NULL, "gender" VARCHAR(4) NOT NULL, "birth_date" DATE, "birth_year" INTEGER, "phone" VARCHAR(16) NOT NULL, "cccd" VARCHAR(16) NOT NULL, "cccd_legacy" INTEGER NOT NULL, "village_id" INTEGER, "notes" TEXT NOT NULL, "search_key" VARCHAR(160) NOT NULL, "sort_key" VARCHAR(400) NOT NULL, FOREIGN KEY ("village_id") REFERENCES "unit" ("id") ON DELETE SET NULL);
CREATE INDEX "person_cccd" ON "person" ("cccd");
CREATE INDEX "person_village_id" ON "person" ("village_id");
CREATE INDEX "person_search_key" ON "person" ("search_key");
CREATE INDEX "person_sort_key" ON "person" ("sort_key");
CREATE TABLE "attendance" ("id" INTEGER NOT NULL PRIMARY KEY, "course_id" INTEGER NOT NULL, "person_id" INTEGER NOT NULL, "certificate_no" VARCHAR(60) NOT NULL, FOREIGN KEY ("course_id") REFERENCES "course" ("id") ON DELETE CASCADE, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE RESTRICT);
CREATE INDEX "attendance_course_id" ON "attendance" ("course_id");
CREATE INDEX "attendance_person_id" ON "attendance" ("person_id");
CREATE UNIQUE INDEX "attendance_course_id_person_id" ON "attendance" ("course_id", "person_id");
CREATE TABLE "audit_log" ("id" INTEGER NOT NULL PRIMARY KEY, "at" DATETIME NOT NULL, "actor" VARCHAR(80) NOT NULL, "action" VARCHAR(12) NOT NULL, "entity" VARCHAR(24) NOT NULL, "entity_id" INTEGER, "summary" VARCHAR(300) NOT NULL, "field" VARCHAR(40) NOT NULL, "old" TEXT NOT NULL, "new" TEXT NOT NULL);
CREATE INDEX "audit_log_at" ON "audit_log" ("at");
CREATE INDEX "audit_log_entity" ON "audit_log" ("entity");
CREATE TABLE "category" ("id" INTEGER NOT NULL PRIMARY KEY, "code" VARCHAR(16) NOT NULL, "name" VARCHAR(120) NOT NULL, "name_en" VARCHAR(120) NOT NULL, "sort_order" INTEGER NOT NULL, "active" INTEGER NOT NULL);
CREATE UNIQUE INDEX "category_code" ON "category" ("code");
CREATE TABLE "decision" ("id" INTEGER NOT NULL PRIMARY KEY, "team_id" INTEGER NOT NULL, "kind" VARCHAR(12) NOT NULL, "number" VARCHAR(60) NOT NULL, "date" DATE, "issuer" VARCHAR(160) NOT NULL, "note" TEXT NOT NULL, FOREIGN KEY ("team_id") REFERENCES "team" ("id") ON DELETE RESTRICT);
CREATE INDEX "decision_team_id" ON "decision" ("team_id");
CREATE TABLE "duty_slot" ("id" INTEGER NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "weekday" INTEGER NOT NULL, "shift" VARCHAR(8) NOT NULL, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "duty_slot_person_id_weekday_shift" ON "duty_slot" ("person_id", "weekday", "shift");
CREATE TABLE "equipment" ("id" INTEGER NOT NULL PRIMARY KEY, "unit_id" INTEGER NOT NULL, "place" VARCHAR(160) NOT NULL, "kind" VARCHAR(16) NOT NULL, "description" VARCHAR(200) NOT NULL, "quantity" INTEGER NOT NULL, "condition" VARCHAR(12) NOT NULL, "funding" VARCHAR(16) NOT NULL, "funding_note" VARCHAR(160) NOT NULL, "acquired_on" DATE, "value" INTEGER NOT NULL, "note" TEXT NOT NULL, FOREIGN KEY ("unit_id") REFERENCES "unit" ("id") ON DELETE RESTRICT);
CREATE INDEX "equipment_unit_id" ON "equipment" ("unit_id");
CREATE TABLE "equipment_need" ("id" INTEGER NOT NULL PRIMARY KEY, "unit_id" INTEGER NOT NULL, "kind" VARCHAR(16) NOT NULL, "description" VARCHAR(200) NOT NULL, "quantity" INTEGER NOT NULL, "estimated_value" INTEGER NOT NULL, "reason" TEXT NOT NULL, "proposed_on" DATE, "status" VARCHAR(12) NOT NULL, FOREIGN KEY ("unit_id") REFERENCES "unit" ("id") ON DELETE RESTRICT);
CREATE INDEX "equipment_need_unit_id" ON "equipment_need" ("unit_id");
CREATE TABLE "membership" ("id" INTEGER NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "team_id" INTEGER NOT NULL, "role" VARCHAR(12) NOT NULL, "category_id" INTEGER NOT NULL, "other_positions" VARCHAR(200) NOT NULL, "start_date" DATE, "end_date" DATE, "leave_reason" VARCHAR(200) NOT NULL, "decision_id" INTEGER, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("team_id") REFERENCES "team" ("id") ON DELETE RESTRICT, FOREIGN KEY ("category_id") REFERENCES "category" ("id") ON DELETE RESTRICT, FOREIGN KEY ("decision_id") REFERENCES "decision" ("id") ON DELETE SET NULL);
CREATE INDEX "membership_person_id" ON "membership" ("person_id");
CREATE INDEX "membership_team_id" ON "membership" ("team_id");
CREATE INDEX "membership_category_id" ON "membership" ("category_id");
CREATE INDEX "membership_end_date" ON "membership" ("end_date");
CREATE INDEX "membership_decision_id" ON "membership" ("decision_id");
CREATE TABLE "setting" ("key" VARCHAR(64) NOT NULL PRIMARY KEY, "value" TEXT NOT NULL);
CREATE TABLE "village_stat" ("id" INTEGER NOT NULL PRIMARY KEY, "unit_id" INTEGER NOT NULL, "year" INTEGER NOT NULL, "households" INTEGER, "residents" INTEGER, "working_age" INTEGER, "businesses" INTEGER, "dossiers" INTEGER, "note" TEXT NOT NULL, FOREIGN KEY ("unit_id") REFERENCES "unit" ("id") ON DELETE RESTRICT);
CREATE INDEX "village_stat_unit_id" ON "village_stat" ("unit_id");
CREATE UNIQUE INDEX "village_stat_unit_id_year" ON "village_stat" ("unit_id", "year");
PRAGMA user_version = 3;
"""


def _v1_to_v2(conn: sqlite3.Connection) -> None:
    from .text import name_sort_key_str, search_key

    migrator = SqliteMigrator(database)
    run_migrations(
        migrator.add_column("person", "search_key", Person.search_key),
        migrator.add_column("person", "sort_key", Person.sort_key),
        migrator.add_column("unit", "merged_into_id", Unit.merged_into),
    )
    database.create_tables([EquipmentNeed])
    for p in Person.select(Person.id, Person.family_name, Person.given_name):
        Person.update(
            search_key=search_key(p.family_name, p.given_name),
            sort_key=name_sort_key_str(p.family_name, p.given_name),
        ).where(Person.id == p.id).execute()


def _v2_to_v3(conn: sqlite3.Connection) -> None:
    # New tables only; nothing existing changes.
    database.create_tables([VillageStat, Activity, ActivityCount, DutySlot])


def _v3_to_v4(conn: sqlite3.Connection) -> None:
    # New tables only; nothing existing changes.
    database.create_tables([HandoffKey, ReceivedPackage, KnownSender, ReceivedPerson])


STEPS = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}


class MigrationFailed(StoreError):
    """A step could not be applied to this file's data (exit 4; the file is left as it was)."""

    exit_code = 4

    def __init__(self, version: int, exc: Exception):
        self.version = version
        super().__init__(
            f"Không nâng cấp được sổ từ phiên bản cấu trúc {version} lên {version + 1}: dữ liệu trong sổ không "
            f"khớp bước nâng cấp ({exc}). Sổ chưa bị thay đổi; hãy gửi tệp sổ (bản mã hóa) cho người hỗ trợ."
        )


class MissingMigration(StoreError):
    """This program has no step from one schema version to the next (exit 4; the file is left as it was)."""

    exit_code = 4

    def __init__(self, version: int):
        self.version = version
        super().__init__(
            f"Không nâng cấp được sổ: chương trình thiếu bước nâng cấp cấu trúc dữ liệu từ phiên bản {version} "
            f"lên {version + 1}. Sổ chưa bị thay đổi. Hãy cài lại hoặc cập nhật chương trình Sổ Tổ CNSCĐ."
        )


def migrate(conn: sqlite3.Connection, found: int, *, actor: str) -> None:
    """Bring the database from version ``found`` to ``SCHEMA_VERSION``."""
    version = found
    while version < SCHEMA_VERSION:
        step = STEPS.get(version)
        if step is None:
            raise MissingMigration(version)
        try:
            step(conn)
        except (sqlite3.Error, pw.PeeweeException) as exc:  # the file's data do not fit the step
            raise MigrationFailed(version, exc) from exc
        version += 1
        conn.execute(f"PRAGMA user_version = {version}")
        AuditLog.create(
            at=dt.datetime.now().replace(microsecond=0),
            actor=actor,
            action="he_thong",
            entity="registry",
            summary=f"Nâng cấp cấu trúc dữ liệu từ phiên bản {version - 1} lên {version}",
            old=str(version - 1),
            new=str(version),
        )
