"""The forms of each entity (subclasses of :class:`FormModal`)."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Label, Static

from models import services as S
from models import text, vocab
from models.common import today
from models.errors import InputError

from .forms import (F, FormModal, GENDER_OPTIONS, check_birth, check_cccd, check_date, check_int, check_money,
                    check_phone, date_text, focus_now, vocab_options)
from .i18n import tr
from .widgets import Pick


def _opt(values: dict, key: str) -> Any:
    v = values.get(key)
    return None if v in ("", None) else v


# -- villages and teams ------------------------------------------------------------------
class VillageForm(FormModal):
    def __init__(self, village: S.VillageInfo | None = None) -> None:
        self.village = village
        self.form_title = f"Sửa {village.full_name}" if village else "Thêm thôn/tổ dân phố"
        super().__init__()

    def fields(self) -> list[F]:
        v = self.village
        kinds = [(k.capitalize(), k) for k in vocab.UNIT_KINDS["thon"]]
        return [
            F("kind", "Loại", "select", v.kind if v else "thôn", kinds, allow_blank=False),
            F("name", "Tên (không ghi chữ «thôn», «tổ dân phố»)", value=v.name if v else "", required=True,
              placeholder="ví dụ: Đông Hòa, Số 5"),
            F("former_unit", "Thuộc đơn vị cũ (trước sắp xếp 2025)", value=v.former_unit if v else "",
              placeholder="ví dụ: Phường Đồi Ngô"),
        ]

    def save(self, values: dict):
        reg = self.app.reg
        if self.village:
            return S.update_village(reg, self.village.id, name=values["name"], kind=values["kind"],
                                    former_unit=values["former_unit"])
        return S.add_village(reg, name=values["name"], kind=values["kind"], former_unit=values["former_unit"])


class MergeForm(FormModal):
    form_title = "Gộp thôn/tổ dân phố"

    def __init__(self, source: S.VillageInfo, villages: list[S.VillageInfo]) -> None:
        self.source = source
        self.villages = [v for v in villages if v.id != source.id]
        super().__init__()

    def fields(self) -> list[F]:
        return [
            F("source", "Gộp", "info", self.source.full_name),
            F("target", "Vào", "select", None, [(v.full_name, v.id) for v in self.villages], required=True),
            F("date", "Ngày gộp (dd/mm/yyyy)", value=date_text(today()), check=check_date("Ngày gộp")),
        ]

    def save(self, values: dict):
        from models import validate

        d = validate.parse_date(values["date"]).value if values["date"] else None
        return S.merge_villages(self.app.reg, self.source.id, values["target"], date=d)


class TeamForm(FormModal):
    """Found a team (with its founding decision) or re-form one (a new decision)."""

    def __init__(self, unit_id: int, unit_name: str, team_id: int | None = None, issuer: str = "") -> None:
        self.unit_id, self.unit_name, self.team_id, self.issuer = unit_id, unit_name, team_id, issuer
        self.form_title = (f"Kiện toàn Tổ CNSCĐ {unit_name}" if team_id else f"Thành lập Tổ CNSCĐ {unit_name}")
        super().__init__()

    def fields(self) -> list[F]:
        return [
            F("number", "Số quyết định", required=True, placeholder="ví dụ: 598/QĐ-UBND"),
            F("date", "Ngày quyết định (dd/mm/yyyy)", value=date_text(today()), required=True,
              check=check_date("Ngày quyết định", True)),
            F("issuer", "Cơ quan ban hành", value=self.issuer, placeholder="để trống: lấy từ Cài đặt"),
            F("note", "Ghi chú"),
        ]

    def save(self, values: dict):
        reg = self.app.reg
        if self.team_id:
            return S.reform_team(reg, self.team_id, decision_number=values["number"], decision_date=values["date"],
                                 issuer=values["issuer"], note=values["note"])
        return S.create_team(reg, unit_id=self.unit_id, decision_number=values["number"],
                             decision_date=values["date"], issuer=values["issuer"], note=values["note"])


def category_options(categories: list[S.CategoryInfo]) -> list[tuple[str, str]]:
    return [(c.name, c.code) for c in categories if c.active]


def category_of_title(title: str) -> str | None:
    """The category a typed position names («Công an viên» → CONG_AN), or None when unsure."""
    from models.positions import resolve_title

    r = resolve_title(title)
    return r.code if r is not None else None


def role_options() -> list[tuple[str, str]]:
    return vocab_options(vocab.ROLES)


class MemberForm(FormModal):
    """Role and category of a person in a team (new membership or a change)."""

    def __init__(self, team_id: int, person_name: str, categories: list[S.CategoryInfo], *, person_id: int | None = None,
                 member: S.MemberInfo | None = None) -> None:
        self.team_id, self.person_id, self.member, self.categories = team_id, person_id, member, categories
        self.form_title = (f"Vai trò của {person_name}" if member else f"Đưa {person_name} vào tổ")
        super().__init__()

    def fields(self) -> list[F]:
        m = self.member
        out = [
            F("role", "Vai trò trong Tổ", "pick", m.role if m else "thanh_vien", role_options(), allow_blank=False),
            F("category", "Thành phần", "pick", m.category_code if m else None, category_options(self.categories),
              required=True, resolver=category_of_title, placeholder="gõ vài chữ, ví dụ: cong an, doan"),
            F("other_positions", "Chức vụ khác", value=m.other_positions if m else "",
              placeholder="ví dụ: Bí thư Chi đoàn"),
        ]
        if not m:
            out.append(F("start_date", "Ngày tham gia (dd/mm/yyyy)", value=date_text(today()),
                         check=check_date("Ngày tham gia")))
        return out

    def save(self, values: dict):
        reg = self.app.reg
        if self.member:
            return S.change_membership(reg, self.member.membership_id, role=values["role"],
                                       category=values["category"], other_positions=values["other_positions"])
        return S.add_member(reg, self.team_id, self.person_id, role=values["role"], category=values["category"],
                            other_positions=values["other_positions"], start_date=values["start_date"])


class LeaveForm(FormModal):
    def __init__(self, member: S.MemberInfo) -> None:
        self.member = member
        self.form_title = f"{member.full_name} rời tổ (lịch sử vẫn được giữ)"
        super().__init__()

    def fields(self) -> list[F]:
        return [
            F("end_date", "Ngày rời tổ (dd/mm/yyyy)", value=date_text(today()), required=True,
              check=check_date("Ngày rời tổ", True)),
            F("reason", "Lý do", required=True, placeholder="ví dụ: chuyển công tác, xin thôi, nghỉ hưu"),
        ]

    def save(self, values: dict):
        return S.leave_team(self.app.reg, self.member.membership_id, end_date=values["end_date"],
                            reason=values["reason"])


# -- people --------------------------------------------------------------------------
NO_TEAM = 0  # the team pick's «not in a team» option


class PersonForm(FormModal):
    """A person's record. A new person can join a team in the same form (team, category, role,
    position), so one form adds a member; «Lưu và thêm người khác» (Ctrl+T) keeps the village and
    the team for the next one."""

    BINDINGS = [Binding("ctrl+t", "save_again", "Lưu, thêm người khác", id="person.again",
                        tooltip="Lưu người này rồi nhập người tiếp theo (giữ thôn và tổ)")]
    help_text = ("Họ và tên đầy đủ (ví dụ: Nguyễn Thị Hà). Thôn, tổ, thành phần, vai trò: gõ vài chữ không dấu "
                 "(«cong an», «doan») rồi Enter; thành phần tự chọn theo chức vụ nếu chưa chọn. Ngày sinh "
                 "dd/mm/yyyy hoặc chỉ năm sinh. Số điện thoại: 0912345678, +84 912 345 678 đều được. CCCD 12 số "
                 "được đối chiếu với năm sinh và giới tính. Enter ở ô cuối hoặc Ctrl+S: lưu; Ctrl+T: lưu rồi "
                 "nhập người tiếp theo (giữ thôn và tổ).")

    def __init__(self, villages: list[S.VillageInfo], detail: S.PersonDetail | None = None,
                 village_id: int | None = None, *, name: str = "", teams: list[S.TeamInfo] | None = None,
                 categories: list[S.CategoryInfo] | None = None, team: tuple[int, str] | None = None,
                 on_added=None, name_from: Input | None = None) -> None:
        self.villages, self.detail, self.village_id, self.typed_name = villages, detail, village_id, name
        self.name_from = name_from  # a search box whose text becomes the name
        self.focus_pending = name_from is not None
        if name_from is not None:
            self.AUTO_FOCUS = ""  # the name box is focused once it has the name (``_take_name``)
        self.teams, self.categories, self.team, self.on_added = teams, categories, team, on_added
        self.allow_duplicate = False
        self.added = 0  # people saved with «save and add another»
        self.joins = detail is None and categories is not None and (team is not None or teams is not None)
        self._auto_category = None  # the category the position chose (until the clerk chooses one)
        self.form_title = f"Thành viên: {detail.full_name}" if detail else "Thêm người mới"
        super().__init__()

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "save_again":
            return self.detail is None
        return super().check_action(action, parameters)

    # -- fields ---------------------------------------------------------------------------
    def fields(self) -> list[F]:
        d = self.detail
        if d is None:
            return self._new_fields()
        birth = date_text(d.birth_date) if d.birth_date else (str(d.birth_year) if d.birth_year else "")
        return [
            F("full_name", "Họ và tên", value=d.full_name, required=True),
            F("gender", "Giới tính", "pick", d.gender, GENDER_OPTIONS),
            F("birth", "Ngày sinh (dd/mm/yyyy) hoặc năm sinh", value=birth, check=check_birth),
            F("phone", "Số điện thoại", value=d.phone, check=check_phone),
            F("cccd", "Số CCCD (12 số)", value=d.cccd, check=check_cccd),
            F("village_id", "Thôn/Tổ dân phố", "pick", d.village_id, self._village_options()),
            F("notes", "Ghi chú", value=d.notes),
        ]

    def _village_options(self) -> list[tuple[str, int]]:
        return [(v.full_name, v.id) for v in self.villages]

    def _new_fields(self) -> list[F]:
        out = [F("full_name", "Họ và tên", value=self.typed_name, required=True, select_on_focus=not self.typed_name),
               F("village_id", "Thôn/Tổ dân phố", "pick", self.village_id, self._village_options())]
        if self.joins:
            if self.team is not None:
                out.append(F("team_info", "Vào tổ", "info", self.team[1]))
            else:
                out.append(F("team", "Vào tổ", "pick", self._team_of(self.village_id), self._team_options()))
            out += [
                F("category", "Thành phần", "pick", None, category_options(self.categories), check=self._check_category,
                  resolver=category_of_title, placeholder="gõ vài chữ, ví dụ: cong an, doan"),
                F("role", "Vai trò trong Tổ", "pick", "thanh_vien", role_options(), allow_blank=False),
                F("other_positions", "Chức vụ (ở thôn, đoàn thể…)", placeholder="ví dụ: Công an viên, Bí thư Chi đoàn"),
            ]
        out += [
            F("gender", "Giới tính", "pick", None, GENDER_OPTIONS),
            F("birth", "Ngày sinh (dd/mm/yyyy) hoặc năm sinh", check=check_birth),
            F("phone", "Số điện thoại", check=check_phone),
            F("cccd", "Số CCCD (12 số)", check=check_cccd),
            F("notes", "Ghi chú"),
        ]
        return out

    def _team_options(self) -> list[tuple[str, int]]:
        teams = sorted(self.teams or [], key=lambda t: t.level != "xa")  # the commune's team first
        return [(t.name, t.id) for t in teams] + [(tr("(không vào tổ nào — chỉ ghi vào sổ)"), NO_TEAM)]

    def _team_of(self, village_id: int | None) -> int | None:
        v = next((v for v in self.villages if v.id == village_id), None)
        return v.team_id if v is not None and v.team_id else None

    def _team_id(self, values: dict) -> int | None:
        if not self.joins:
            return None
        if self.team is not None:
            return self.team[0]
        return values.get("team") or None

    def _check_category(self, v, values) -> tuple[str, str]:
        if not v and self._team_id(values):
            return tr("Chọn thành phần (gõ vài chữ, ví dụ «cong an»; hoặc ghi chức vụ ở ô dưới)."), ""
        return "", ""

    def compose_extra(self) -> ComposeResult:
        d = self.detail
        if not d:
            return
        yield Label("Quá trình tham gia Tổ", classes="field-label")
        lines = []
        for team, m in d.memberships:
            span = f"từ {date_text(m.start_date) or '?'}" + (f" đến {date_text(m.end_date)} ({m.leave_reason})"
                                                           if m.end_date else " (đang tham gia)")
            lines.append(f"• {team}: {m.role_label}, {m.category_name} — {span}")
        yield Static("\n".join(lines) or "(chưa tham gia tổ nào)", id="person-memberships", classes="field-info")
        yield Label("Tập huấn đã dự", classes="field-label")
        tl = [f"• {date_text(c.start_date)} — {c.title} ({c.organiser or 'chưa ghi đơn vị'})" for c in d.trainings]
        yield Static("\n".join(tl) or "(chưa dự khóa nào)", id="person-trainings", classes="field-info")

    def focus_first_field(self) -> None:
        if self.name_from is None:
            super().focus_first_field()
            return
        # the search box may not have handled every key typed before Ctrl+N yet: read it after
        # them (the keys typed after Ctrl+N wait in this form until then)
        self.name_from.call_later(self._take_name)

    def _take_name(self) -> None:
        typed = text.clean(self.name_from.value)
        name = typed if any(ch.isalpha() for ch in typed) else ""
        if name == name.lower():  # searched in lower case: a name's words begin with a capital
            name = " ".join(w[:1].upper() + w[1:] for w in name.split())
        box = self.query_one("#f-full_name", Input)
        if name:
            box.select_on_focus = False
            with box.prevent(Input.Changed):
                box.value = name
            box.cursor_position = len(name)
        self._initial = self.values()
        self.focus_pending = False
        super().focus_first_field()

    # -- fields that follow others ----------------------------------------------------------
    @on(Pick.Changed, "#f-village_id")
    def _village_chosen(self, event: Pick.Changed) -> None:
        """The team follows the village (unless the clerk chose another team)."""
        if not self.joins or self.team is not None:
            return
        team = self.query_one("#f-team", Pick)
        before = getattr(self, "_village_team", self._team_of(self.village_id))
        if team.value in (None, before):
            team.pick(self._team_of(event.value))
        self._village_team = self._team_of(event.value)

    @on(Pick.Changed, "#f-category")
    def _category_chosen(self, event: Pick.Changed) -> None:
        if event.value != self._auto_category:
            self._auto_category = None  # the clerk's choice: the position no longer decides

    @on(Input.Changed, "#f-other_positions")
    def _position_typed(self, event: Input.Changed) -> None:
        """A typed position chooses the category while the clerk has not chosen one."""
        cat = self.query_one("#f-category", Pick)
        if cat.value is not None and cat.value != self._auto_category:
            return
        code = category_of_title(event.value) if event.value.strip() else None
        if code is not None and any(v == code for _, v in cat.options) and code != cat.value:
            self._auto_category = code
            cat.pick(code)

    @on(Input.Changed, "#f-full_name")
    def _name_typed(self) -> None:
        self.allow_duplicate = False

    # -- saving -------------------------------------------------------------------------
    def save(self, values: dict):
        data = S.PersonInput(full_name=values["full_name"], gender=values["gender"] or "", birth=values["birth"],
                             phone=values["phone"], cccd=values["cccd"], village_id=_opt(values, "village_id"),
                             notes=values["notes"])
        reg = self.app.reg
        if self.detail:
            return S.update_person(reg, self.detail.id, data)
        team_id = self._team_id(values)
        if not team_id:
            return S.add_person(reg, data, allow_duplicate=self.allow_duplicate)
        with reg.write():  # the person and the membership together, or neither
            person, warnings = S.add_person(reg, data, allow_duplicate=self.allow_duplicate)
            S.add_member(reg, team_id, person.id, role=values["role"], category=values["category"],
                         other_positions=values["other_positions"])
        return S.person_detail(reg, person.id), warnings

    def failed(self, message) -> None:
        if any(e.field == "full_name" and "đã có người này" in e.message for e in message.errors):
            self.allow_duplicate = True
            self.query_one("#form-error", Static).update(
                "Có thể trùng người đã có (xem dòng báo lỗi). Nếu đúng là người khác, nhấn Ctrl+S lần nữa để lưu; "
                "nếu là cùng một người, nhấn Esc và chọn người có sẵn.")

    def saved_again(self, result) -> None:
        """Saved; the form empties for the next person, keeping the village and the team."""
        person, warnings = result
        self.added += 1
        if self.on_added is not None:
            self.on_added(result)
        self.app.notify(tr("Đã thêm {name}.").format(name=person.full_name)
                        + ("\n" + "\n".join(warnings) if warnings else ""), timeout=4)
        for name in ("full_name", "other_positions", "birth", "phone", "cccd", "notes"):
            box = self.query("#f-" + name)
            if box:
                box.first(Input).value = ""
        for name, value in (("category", None), ("role", "thanh_vien"), ("gender", None)):
            box = self.query("#f-" + name)
            if box:
                box.first(Pick).pick(value)
        self._auto_category = None
        self.allow_duplicate = False
        self.query_one("#form-error", Static).update(tr("Đã lưu {name}. Nhập người tiếp theo.").format(
            name=person.full_name))
        self.refresh_checks()
        focus_now(self.query_one("#f-full_name"))


# -- training ------------------------------------------------------------------------
class CourseForm(FormModal):
    def __init__(self, course: S.CourseInfo | None = None) -> None:
        self.course = course
        self.form_title = f"Sửa khóa: {course.title}" if course else "Thêm khóa tập huấn"
        super().__init__()

    def fields(self) -> list[F]:
        c = self.course
        hours = text.format_hours(c.hours) if c else ""
        return [
            F("title", "Tên khóa tập huấn", value=c.title if c else "", required=True,
              placeholder="ví dụ: Tập huấn kỹ năng số cho Tổ CNSCĐ"),
            F("start_date", "Ngày bắt đầu (dd/mm/yyyy)", value=date_text(c.start_date) if c else "", required=True,
              check=check_date("Ngày bắt đầu", True)),
            F("end_date", "Ngày kết thúc", value=date_text(c.end_date) if c else "", check=check_date("Ngày kết thúc")),
            F("organiser", "Đơn vị tổ chức", value=c.organiser if c else "", placeholder=", ".join(vocab.ORGANISERS[:3])),
            F("form", "Hình thức", "select", c.form if c else "truc_tiep", vocab_options(vocab.COURSE_FORMS),
              allow_blank=False),
            F("hours", "Số giờ", value=hours, placeholder="ví dụ: 4 hoặc 3,5"),
            F("location", "Địa điểm", value=c.location if c else ""),
            F("topics", "Chủ đề (Space để chọn)", "multi", list(c.topics) if c else [], vocab_options(vocab.TOPICS)),
        ]

    def save(self, values: dict):
        data = S.CourseInput(title=values["title"], start_date=values["start_date"], end_date=values["end_date"],
                             organiser=values["organiser"], form=values["form"], hours=values["hours"],
                             topics=values["topics"], location=values["location"])
        if self.course:
            return S.update_course(self.app.reg, self.course.id, data)
        return S.add_course(self.app.reg, data)


# -- equipment -----------------------------------------------------------------------
def unit_options(villages: list[S.VillageInfo], commune: S.UnitInfo | None) -> list[tuple[str, int]]:
    out = []
    if commune:
        out.append((f"{commune.full_name} (nhà văn hóa/trụ sở)", commune.id))
    out += [(v.full_name, v.id) for v in villages]
    return out


class EquipmentForm(FormModal):
    def __init__(self, units: list[tuple[str, int]], item: S.EquipmentInfo | None = None) -> None:
        self.units, self.item = units, item
        self.form_title = "Sửa thiết bị" if item else "Thêm thiết bị"
        super().__init__()

    def fields(self) -> list[F]:
        e = self.item
        return [
            F("unit_id", "Thôn/TDP (hoặc xã)", "select", e.unit_id if e else None, self.units, required=True),
            F("place", "Nơi đặt", value=e.place if e else "Nhà văn hóa", placeholder="ví dụ: Nhà văn hóa"),
            F("kind", "Loại thiết bị", "select", e.kind if e else "MAY_TINH", vocab_options(vocab.EQUIPMENT_KINDS),
              allow_blank=False),
            F("description", "Mô tả", value=e.description if e else ""),
            F("quantity", "Số lượng", value=str(e.quantity) if e else "1", check=check_int("Số lượng")),
            F("condition", "Tình trạng", "select", e.condition if e else "tot", vocab_options(vocab.CONDITIONS),
              allow_blank=False),
            F("funding", "Nguồn kinh phí", "select", e.funding if e else "ngan_sach", vocab_options(vocab.FUNDING),
              allow_blank=False),
            F("acquired_on", "Ngày trang bị (dd/mm/yyyy)", value=date_text(e.acquired_on) if e else "",
              check=check_date("Ngày trang bị")),
            F("value", "Giá trị (đồng)", value=text.format_int(e.value) if e and e.value else "",
              check=check_money("Giá trị")),
        ]

    def save(self, values: dict):
        data = S.EquipmentInput(unit_id=values["unit_id"], place=values["place"], kind=values["kind"],
                                description=values["description"], quantity=values["quantity"],
                                condition=values["condition"], funding=values["funding"],
                                acquired_on=values["acquired_on"], value=values["value"] or 0)
        if self.item:
            return S.update_equipment(self.app.reg, self.item.id, data)
        return S.add_equipment(self.app.reg, data)


class NeedForm(FormModal):
    def __init__(self, units: list[tuple[str, int]], need: S.NeedInfo | None = None) -> None:
        self.units, self.need = units, need
        self.form_title = "Sửa đề xuất" if need else "Đề xuất bổ sung thiết bị"
        super().__init__()

    def fields(self) -> list[F]:
        n = self.need
        return [
            F("unit_id", "Thôn/TDP (hoặc xã)", "select", n.unit_id if n else None, self.units, required=True),
            F("kind", "Loại thiết bị", "select", n.kind if n else "MAY_SCAN", vocab_options(vocab.EQUIPMENT_KINDS),
              allow_blank=False),
            F("description", "Mô tả", value=n.description if n else ""),
            F("quantity", "Số lượng", value=str(n.quantity) if n else "1", check=check_int("Số lượng", 1)),
            F("estimated_value", "Kinh phí dự kiến (đồng)",
              value=text.format_int(n.estimated_value) if n and n.estimated_value else "",
              check=check_money("Kinh phí dự kiến")),
            F("reason", "Lý do", value=n.reason if n else ""),
            F("status", "Trạng thái", "select", n.status if n else "de_xuat", vocab_options(vocab.NEED_STATUS),
              allow_blank=False),
        ]

    def save(self, values: dict):
        data = S.NeedInput(unit_id=values["unit_id"], kind=values["kind"], description=values["description"],
                           quantity=values["quantity"], estimated_value=values["estimated_value"] or 0,
                           reason=values["reason"], status=values["status"])
        if self.need:
            return S.update_need(self.app.reg, self.need.id, data)
        return S.add_need(self.app.reg, data)


# -- settings ------------------------------------------------------------------------
class CategoryForm(FormModal):
    def __init__(self, category: S.CategoryInfo | None = None) -> None:
        self.category = category
        self.form_title = f"Sửa thành phần {category.code}" if category else "Thêm thành phần"
        super().__init__()

    def fields(self) -> list[F]:
        c = self.category
        out = []
        if not c:
            out.append(F("code", "Mã (chữ không dấu, ví dụ HOI_CTD)", required=True))
        out += [
            F("name", "Tên thành phần", value=c.name if c else "", required=True),
            F("name_en", "Tên tiếng Anh", value=c.name_en if c else ""),
            F("active", "Đang dùng", "check", c.active if c else True),
        ]
        return out

    def save(self, values: dict):
        code = self.category.code if self.category else values["code"]
        return S.save_category(self.app.reg, code=code, name=values["name"], name_en=values["name_en"],
                               active=values["active"])


from .strength import passphrase_strength  # noqa: E402  (kept importable from here)


def check_new_passphrase(v, _all, names=()) -> tuple[str, str]:
    """The rules for a new passphrase (``models.passphrase``: length, not a run of keys, not a common
    one, not the unit's name), and a hint on its strength."""
    from models.passphrase import check_new_passphrase as problems

    if not v:
        return "", ""
    found = problems(v, names)
    if found:
        return " ".join(found), ""
    return "", passphrase_strength(v)


def check_repeat(v, values) -> tuple[str, str]:
    if v and v != values.get("new"):
        return "Hai lần nhập mật khẩu không khớp.", ""
    return "", ("Khớp." if v else "")


class PassphraseForm(FormModal):
    """A new passphrase (and a new data key). When the old recovery key cannot be carried over, the
    save returns the new one, to be shown once; else True."""

    form_title = "Đổi mật khẩu sổ"

    def _unit_names(self) -> list[str]:
        s = getattr(self.app, "settings", None) if self.is_attached else None
        if s is None:
            return []
        return [n for n in (s.commune, f"{s.commune_kind} {s.commune}" if s.commune else "", s.province) if n]

    def fields(self) -> list[F]:
        return [
            F("current", "Mật khẩu hiện tại", "password", required=True),
            F("new", "Mật khẩu mới", "password", required=True,
              check=lambda v, values: check_new_passphrase(v, values, self._unit_names())),
            F("repeat", "Nhập lại mật khẩu mới", "password", required=True, check=check_repeat),
        ]

    def save(self, values: dict):
        from models.passphrase import check_new_passphrase as problems
        from models.passphrase import unit_names

        reg = self.app.reg
        if not reg.store.verify_passphrase(values["current"]):
            raise InputError("Mật khẩu hiện tại không đúng.", "current")
        found = problems(values["new"], unit_names(reg))
        if found:
            raise InputError(" ".join(found), "new")
        # the Registry holds its lock for the re-keying; a recovery key that cannot be carried over
        # is replaced by a new one, returned to be shown once
        new_key = reg.change_passphrase(values["new"], allow_new_recovery_key=True)
        S.log_event(reg, "he_thong", "registry", "Đổi mật khẩu sổ")
        return new_key or True
