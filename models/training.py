"""Training (tập huấn): courses and who attended them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Iterable

import peewee as pw

from . import text, validate, vocab
from .audit import apply_changes, log
from .common import get_row
from .errors import FieldError, InputError, NotFoundError
from .schema import Attendance, Course, Person


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------
@dataclass
class CourseInput:
    title: str = ""
    start_date: Any = ""
    end_date: Any = ""
    organiser: str = ""
    form: str = "truc_tiep"
    hours: Any = 0
    topics: list[str] = field(default_factory=list)
    location: str = ""
    note: str = ""


@dataclass(frozen=True)
class CourseInfo:
    id: int
    title: str
    start_date: dt.date
    end_date: dt.date | None
    organiser: str
    form: str
    form_label: str
    hours: float
    topics: tuple[str, ...]
    topic_labels: tuple[str, ...]
    location: str
    note: str
    attendee_count: int | None


def course_info(c: Course, n: int | None) -> CourseInfo:
    topics = tuple(t for t in c.topics.split(";") if t)
    return CourseInfo(c.id, c.title, c.start_date, c.end_date, c.organiser, c.form,
                      vocab.label(vocab.COURSE_FORMS, c.form), c.hours, topics,
                      tuple(vocab.label(vocab.TOPICS, t) for t in topics), c.location, c.note, n)


def _check_course(data: CourseInput) -> dict[str, Any]:
    errs = []
    title = text.clean(data.title)
    if not title:
        errs.append(FieldError("title", "Tên khóa tập huấn không được để trống."))
    sd = validate.parse_date(data.start_date, field="Ngày bắt đầu")
    if not sd.ok or sd.value is None:
        errs.append(FieldError("start_date", sd.error or "Ngày bắt đầu không được để trống."))
    ed_v = None
    if data.end_date not in (None, ""):
        ed = validate.parse_date(data.end_date, field="Ngày kết thúc")
        if not ed.ok:
            errs.append(FieldError("end_date", ed.error))
        else:
            ed_v = ed.value
            if sd.ok and sd.value and ed_v and ed_v < sd.value:
                errs.append(FieldError("end_date", "Ngày kết thúc trước ngày bắt đầu."))
    if data.form not in vocab.COURSE_FORMS:
        errs.append(FieldError("form", "Hình thức phải là Trực tiếp, Trực tuyến hoặc Kết hợp."))
    hours = 0.0
    if data.hours not in (None, ""):
        try:
            hours = float(str(data.hours).replace(",", "."))
            if hours < 0 or hours > 1000:
                raise ValueError
        except ValueError:
            errs.append(FieldError("hours", f"Số giờ «{data.hours}» không hợp lệ (ví dụ 4 hoặc 3,5)."))
    for t in data.topics:
        if t not in vocab.TOPICS:
            errs.append(FieldError("topics", f"Chủ đề «{t}» không có trong danh mục."))
    if errs:
        raise InputError(errs)
    return dict(title=title, start_date=sd.value, end_date=ed_v, organiser=text.clean(data.organiser),
                form=data.form, hours=hours, topics=";".join(data.topics), location=text.clean(data.location),
                note=data.note)


def add_course(reg, data: CourseInput) -> CourseInfo:
    values = _check_course(data)
    with reg.write():
        c = Course.create(**values)
        log(reg, "them", "course", c.id, f"Thêm khóa tập huấn «{c.title}» ({text.format_date(c.start_date)})")
        return course_info(c, 0)


def update_course(reg, course_id: int, data: CourseInput) -> CourseInfo:
    values = _check_course(data)
    with reg.write():
        c = get_row(Course, course_id, "khóa tập huấn")
        apply_changes(reg, c, "course", f"Khóa tập huấn «{c.title}»", values)
        return course_info(c, c.attendance.count())


def delete_course(reg, course_id: int) -> None:
    with reg.write():
        c = get_row(Course, course_id, "khóa tập huấn")
        n = c.attendance.count()
        title = c.title
        c.delete_instance(recursive=True)
        log(reg, "xoa", "course", course_id, f"Xóa khóa tập huấn «{title}» ({n} người dự)", "", title, "")


def list_courses(reg, *, year: int | None = None) -> list[CourseInfo]:
    with reg.read():
        q = (Course.select(Course, pw.fn.COUNT(Attendance.id).alias("n")).join(Attendance, pw.JOIN.LEFT_OUTER)
             .group_by(Course).order_by(Course.start_date.desc(), Course.id.desc()))
        if year:
            q = q.where((Course.start_date >= dt.date(year, 1, 1)) & (Course.start_date <= dt.date(year, 12, 31)))
        return [course_info(c, c.n) for c in q]




def set_attendance(reg, course_id: int, person_ids: Iterable[int], *, certificates: dict[int, str] | None = None) -> int:
    """Make the course's attendance exactly ``person_ids`` (bulk save). Returns the count."""
    wanted = set(person_ids)
    certificates = certificates or {}
    with reg.write():
        c = get_row(Course, course_id, "khóa tập huấn")
        have = {a.person_id: a for a in Attendance.select().where(Attendance.course == c)}
        known = {p.id for p in Person.select(Person.id).where(Person.id.in_(list(wanted)))} if wanted else set()
        missing = wanted - known
        if missing:
            raise NotFoundError(f"Không tìm thấy {len(missing)} người trong danh sách điểm danh.")
        added = wanted - set(have)
        removed = set(have) - wanted
        if added:
            Attendance.insert_many([{"course": c.id, "person": pid, "certificate_no": certificates.get(pid, "")}
                                    for pid in sorted(added)]).execute()
        if removed:
            Attendance.delete().where((Attendance.course == c) & Attendance.person.in_(list(removed))).execute()
        for pid, cert in certificates.items():
            if pid in have and have[pid].certificate_no != cert:
                have[pid].certificate_no = cert
                have[pid].save()
        if added or removed:
            log(reg, "sua", "attendance", c.id, f"Điểm danh «{c.title}»: thêm {len(added)}, bỏ {len(removed)}",
                 "attendance", len(have), len(wanted))
        return len(wanted)


