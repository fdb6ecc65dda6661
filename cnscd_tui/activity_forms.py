"""Forms of the «Hoạt động» tab: a village's figures for a year (denominators), a member on
the duty rota, and the targets. Each saves through ``models.activities`` in the form's worker;
the model's messages name the field."""

from __future__ import annotations

from models import text, validate

from .forms import F, FormModal
from .i18n import tr_pair


def _count_check(label: str):
    def check(v, _all) -> tuple[str, str]:
        if not str(v or "").strip():
            return "", tr_pair("để trống: chưa có số này", "blank: not known")
        r = validate.check_int(v, label, min=0, max=10_000_000)
        if not r.ok:
            return r.error or "", ""
        return "", f"→ {text.format_int(r.value)}"
    return check


class DenominatorForm(FormModal):
    """Households, residents, working-age residents, business households and dossiers arising
    of one village for one year (the commune's totals are computed, never typed)."""

    help_text = ("Số liệu của thôn trong năm: số hộ, số dân, số người trong độ tuổi lao động, số hộ kinh doanh, "
                 "số hồ sơ TTHC phát sinh. Để trống ô chưa có số. Tổng của xã được tính tự động từ các thôn. "
                 "Ctrl+S: lưu · Esc: hủy.")

    def __init__(self, den, year: int) -> None:
        self.den, self.year = den, year
        self.form_title = tr_pair(f"Số hộ, số dân năm {year} — {den.unit_name}",
                                  f"Households and residents {year} — {den.unit_name}")
        super().__init__()

    def fields(self) -> list[F]:
        from models.activities import DENOMINATORS

        d = self.den
        out = []
        if d.from_year and d.from_year != self.year:
            out.append(F("info", "Ghi chú", "info", tr_pair(
                f"Chưa có số năm {self.year}: các ô đang hiện số năm {d.from_year}. Lưu để dùng cho năm {self.year}.",
                f"No figures for {self.year} yet: showing {d.from_year}. Save to use them for {self.year}.")))
        for name, (label, _missing) in DENOMINATORS.items():
            v = d.get(name)
            out.append(F(name, label, value="" if v is None else str(v), check=_count_check(label)))
        out.append(F("note", "Nguồn số liệu, ghi chú", value=d.note, placeholder="ví dụ: theo thống kê của công an xã"))
        return out

    def save(self, values: dict):
        from models import activities as A

        figures = {k: (v if str(v or "").strip() else None) for k, v in values.items() if k in A.DENOMINATORS}
        return A.set_denominators(self.app.reg, A.DenominatorInput(self.den.unit_id, self.year, note=values["note"],
                                                                    **figures))


class DutyForm(FormModal):
    """A member on duty at the support point on a weekday."""

    help_text = "Chọn thứ và ca trực của người này tại điểm hỗ trợ. Ctrl+S: lưu · Esc: hủy."

    def __init__(self, person_id: int, name: str, saturday: bool) -> None:
        self.person_id, self.person_name, self.saturday = person_id, name, saturday
        self.form_title = tr_pair("Thêm người vào lịch trực", "Add to the duty rota")
        super().__init__()

    def fields(self) -> list[F]:
        from models.activities import SHIFTS, WEEKDAYS

        days = [(tr_pair(vi, en), d) for d, (vi, en) in WEEKDAYS.items() if d < 5 or self.saturday]
        return [
            F("who", "Người trực", "info", self.person_name),
            F("weekday", "Thứ", "select", 0, days, allow_blank=False),
            F("shift", "Ca", "select", "ca_ngay", [(tr_pair(vi, en), s) for s, (vi, en) in SHIFTS.items()],
              allow_blank=False),
        ]

    def save(self, values: dict):
        from models import activities as A

        return A.add_duty(self.app.reg, A.DutySlotInput(self.person_id, values["weekday"], values["shift"]))


KEEP = "__giu__"


class TargetsForm(FormModal):
    """The targets (share of households, working-age residents, business households, teams
    running anti-fraud guidance, online-dossier rate), or one of the plans' presets."""

    help_text = ("Chỉ tiêu năm, tính bằng phần trăm; để trống: không đặt chỉ tiêu đó. Hoặc chọn một bộ chỉ tiêu "
                 "theo kế hoạch mẫu. Ctrl+S: lưu · Esc: hủy.")

    def __init__(self, targets) -> None:
        self.targets = {t.metric: t for t in targets}
        self.form_title = tr_pair("Chỉ tiêu hoạt động", "Activity targets")
        super().__init__()

    def fields(self) -> list[F]:
        from models.activities import METRICS, TARGET_PRESETS

        out = [F("preset", "Bộ chỉ tiêu theo kế hoạch mẫu", "select", KEEP,
                 [(tr_pair("(giữ các ô bên dưới)", "(keep the boxes below)"), KEEP)]
                 + [(label, code) for code, (label, _t) in TARGET_PRESETS.items()], allow_blank=False)]
        for code, m in METRICS.items():
            t = self.targets.get(code)
            label = m.short + (" — trên (%)" if t and t.strict else " (%)")
            out.append(F(code, label, value="" if t is None else text.format_decimal(t.percent, 1).rstrip("0")
                         .rstrip(","), placeholder="để trống: không đặt"))
        return out

    def save(self, values: dict):
        from models import activities as A

        reg = self.app.reg
        if values.get("preset") not in (None, KEEP):
            return A.apply_target_preset(reg, values["preset"])
        default_strict = {t.metric: t.strict for t in A.TARGET_PRESETS["tat_ca"][1]}
        inputs = []
        for code in A.METRICS:
            raw = str(values.get(code) or "").strip()
            if raw:
                old = self.targets.get(code)
                inputs.append(A.TargetInput(code, raw, old.strict if old else default_strict.get(code, False)))
        return A.set_targets(reg, inputs)
