"""The audit log: every change written with who, when, what, old → new, and read back
with names and labels the clerk knows (a village by its name, not its number).

``log`` and ``apply_changes`` are the public helpers every service uses inside
``reg.write()``; ``log_event`` records events that change no data (exports,
hand-offs, backups)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import peewee as pw

from . import text, vocab
from .common import full_name, now
from .schema import AuditLog, Category, Person, Team, Unit


# ---------------------------------------------------------------------------
# Audit log
# ---------------------------------------------------------------------------
def fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return text.format_date(value)
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def row_name(row: pw.Model | None) -> str:
    """A related row as the clerk knows it (a village by its name, not its number)."""
    if row is None:
        return ""
    if isinstance(row, Unit):
        return f"{row.kind[:1].upper()}{row.kind[1:]} {row.name}" if row.kind else row.name
    if isinstance(row, Person):
        return full_name(row)
    return str(getattr(row, "name", None) or getattr(row, "title", None) or getattr(row, "number", None) or row.id)


def shown(field_name: str, value: Any, entity: str = "") -> Any:
    """A value as the audit log shows it: codes by their label, related rows by their name."""
    if isinstance(value, pw.Model):
        return row_name(value)
    if field_name == "required_categories" and isinstance(value, (list, tuple)):
        names = {c.code: c.name for c in Category.select(Category.code, Category.name)}
        return [names.get(c, c) for c in value]
    if field_name == "language" and value in ("vi", "en"):
        return "Tiếng Việt" if value == "vi" else "English"
    table = vocab.field_vocab(entity, field_name)
    if table is not None:
        if isinstance(value, str) and ";" in value:
            value = [v for v in value.split(";") if v]
        if isinstance(value, (list, tuple)):
            return [vocab.label(table, v) if v in table else v for v in value]
        if isinstance(value, str) and value and value in table:
            return vocab.label(table, value)
    return value


def log(reg, action: str, entity: str, entity_id: int | None, summary: str,
         field_name: str = "", old: Any = "", new: Any = "") -> None:
    AuditLog.create(
        at=now(), actor=reg.actor, action=action, entity=entity, entity_id=entity_id,
        summary=summary[:300], field=field_name, old=fmt(old), new=fmt(new),
    )


def apply_changes(reg, row: pw.Model, entity: str, summary: str, changes: dict[str, Any]) -> bool:
    """Set changed fields on ``row``, save, and log each change. Returns True if anything changed."""
    changed = False
    for name, new in changes.items():
        fk = row._meta.fields.get(name)
        fk = fk if isinstance(fk, pw.ForeignKeyField) else None
        old = getattr(row, name + "_id") if fk else getattr(row, name)
        if isinstance(new, pw.Model):
            new_cmp = new.id
        else:
            new_cmp = text.clean(new) if isinstance(new, str) else new
        if old == new_cmp:
            continue
        if fk:  # the log names the related rows (a village, a category), not their numbers
            old_shown = row_name(fk.rel_model.get_or_none(fk.rel_model.id == old)) if old is not None else ""
            new_shown = row_name(new if isinstance(new, pw.Model) else
                                  (fk.rel_model.get_or_none(fk.rel_model.id == new_cmp) if new_cmp is not None else None))
        else:
            old_shown, new_shown = shown(name, old, entity), shown(name, new_cmp, entity)
        setattr(row, name, new)
        log(reg, "sua", entity, row.id, summary, name, old_shown, new_shown)
        changed = True
    if changed:
        row.save()
    return changed


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor: str
    action: str
    action_label: str
    entity: str
    entity_label: str
    entity_id: int | None
    summary: str
    field: str
    old: str
    new: str
    field_label: str = ""  # the field as the clerk knows it («Số điện thoại», not «phone»)


# fields of older log rows that hold a related row's number, and the table it is in
_AUDIT_ID_FIELDS = {"village": "unit", "unit": "unit", "merged_into": "unit", "parent": "unit",
                    "category": "category", "team": "team"}


class _AuditNames:
    """Reads names for old log rows lazily: only when a row needs one."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, str]] = {}

    def name(self, table: str, value: str) -> str:
        if table not in self._tables:
            if table == "unit":
                rows = {str(u.id): row_name(u) for u in Unit.select()}
            elif table == "category":
                rows = {str(c.id): c.name for c in Category.select()}
            else:
                rows = {str(t.id): t.name for t in Team.select()}
            self._tables[table] = rows
        return self._tables[table].get(value, value)

    def value(self, entity: str, field_name: str, value: str) -> str:
        if not value:
            return value
        table = _AUDIT_ID_FIELDS.get(field_name)
        if table and (value.isascii() and value.isdigit()):
            return self.name(table, value)
        codes = vocab.field_vocab(entity, field_name)
        if codes is not None:
            parts = [p.strip() for p in value.split(",")]
            if all(p in codes for p in parts):
                return ", ".join(vocab.label(codes, p) for p in parts)
        return value


def list_audit(reg, *, query: str = "", entity: str = "", action: str = "",
               since: dt.date | None = None, until: dt.date | None = None, limit: int = 2000) -> list[AuditEntry]:
    with reg.read():
        q = AuditLog.select().order_by(AuditLog.id.desc())
        if entity:
            q = q.where(AuditLog.entity == entity)
        if action:
            q = q.where(AuditLog.action == action)
        if since:
            q = q.where(AuditLog.at >= dt.datetime.combine(since, dt.time.min))
        if until:
            q = q.where(AuditLog.at <= dt.datetime.combine(until, dt.time.max))
        folded = text.fold(query)
        names = _AuditNames()
        out = []
        for r in q.iterator():
            label = vocab.field_label(r.entity, r.field) if r.field else ""
            summary, old, new = r.summary, r.old, r.new
            if r.field:  # rows written before the log named things: map them now
                if r.entity == "setting" and summary == f"Cài đặt {r.field}":
                    summary = f"Cài đặt: {label}"
                old, new = names.value(r.entity, r.field, old), names.value(r.entity, r.field, new)
            if folded and folded not in text.fold(f"{summary} {r.actor} {old} {new} {r.field} {label}"):
                continue
            out.append(AuditEntry(r.id, r.at, r.actor, r.action, vocab.label(vocab.AUDIT_ACTIONS, r.action),
                                  r.entity, vocab.ENTITY_LABELS.get(r.entity, r.entity), r.entity_id,
                                  summary, r.field, old, new, label))
            if len(out) >= limit:
                break
        return out


def log_event(reg, action: str, entity: str, summary: str, *, new: str = "") -> None:
    """Record an event that is not a data change (an export, a USB hand-off, a backup)."""
    with reg.write():
        log(reg, action, entity, None, summary, "", "", new)




def backup_now(reg):
    """«Sao lưu ngay»: note it in the log, then keep the file as it is now (with that note)
    as a backup of its own kind; returns the backup's path."""
    log_event(reg, "he_thong", "registry", "Sao lưu thủ công")
    with reg.read():
        return reg.store.backup_now()
