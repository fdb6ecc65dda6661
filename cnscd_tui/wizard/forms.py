"""The import wizard's pop-up forms: what a column holds (and its Vietnamese encoding), the
password of a protected file, and which village or category an unknown name stands for."""

from __future__ import annotations

from pathlib import Path

from ..forms import F, FormModal
from ..i18n import tr


class ColumnForm(FormModal):
    """Which field a column of the file holds, and (for text) its Vietnamese encoding."""

    def __init__(self, column) -> None:
        self.column = column
        super().__init__()
        self.form_title = tr("Cột {letter} «{header}»").format(letter=column.letter,
                                                              header=column.header or tr("(không tên)"))

    def fields(self) -> list[F]:
        from exports import importer
        from exports import legacy_text as lt

        fields = [(tr(label), key) for key, label in importer.FIELDS.items() if key != "ignore"]
        fields.append((tr("(không nhập cột này)"), "ignore"))
        out = [
            F("field", "Cột này là", "select", self.column.field or "ignore", fields, allow_blank=False),
            F("encoding", "Bảng mã chữ Việt (cột chữ)", "select", self.column.encoding,
              [(tr(label), key) for key, label in lt.ENCODING_LABELS.items()], allow_blank=False),
        ]
        if not self.column.encoding_sure:
            readings = "\n".join(f"• {tr(lt.ENCODING_LABELS[e])}: «{r}»" for e, r in self.column.candidates)
            where = tr(" (ô ở dòng {row})").format(row=self.column.sample_row) if self.column.sample_row else ""
            out.append(F("readings", "Chưa rõ bảng mã — chọn cách đọc đúng", "info",
                         (tr("Cùng một ô{where} đọc theo từng bảng mã:").format(where=where) + f"\n{readings}\n"
                          if readings else "")
                         + tr("Chọn bảng mã cho ra chữ Việt đúng rồi Ctrl+S; chưa chọn thì chưa nhập được.")))
        out.append(F("info", "Gợi ý", "info", tr("Nếu chữ trong bản xem trước hiện sai dấu (ví dụ «NguyÔn»), hãy "
                     "chọn bảng mã TCVN3 (phông .VnTime) hoặc VNI (phông VNI-Times). Chương trình nhớ cách ghép cột "
                     "cho các tệp cùng mẫu.")))
        return out

    def save(self, values: dict):
        return values


class OpenPasswordForm(FormModal):
    """The password of a protected file (checked in memory before the form closes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__()
        self.form_title = tr("Tệp «{name}» có mật khẩu").format(name=path.name)

    def fields(self) -> list[F]:
        return [
            F("info", "Lưu ý", "info", tr("Tệp này được đặt mật khẩu khi gửi đi. Hãy nhập mật khẩu mà người gửi "
              "báo cho bạn. Tệp chỉ được mở trong bộ nhớ, không lưu bản không mật khẩu nào ra đĩa.")),
            F("password", "Mật khẩu của tệp", "password", required=True),
        ]

    def save(self, values: dict):
        from exports import importer

        importer.check_file_password(self.path, values["password"])  # wrong → stays open with the message
        return values["password"]


class NameForm(FormModal):
    """A village or category named in the file that the registry does not know."""

    def __init__(self, kind: str, name: str, rows: list[int], options: list[tuple[str, str]], current: str = "") -> None:
        self.kind, self.item_name, self.rows, self.choice_options, self.current = kind, name, rows, options, current
        super().__init__()
        what = tr("Thôn/TDP") if kind == "village" else tr("Thành phần")
        self.form_title = tr("{what} «{name}» chưa có trong sổ").format(what=what, name=name)

    def fields(self) -> list[F]:
        shown = ", ".join(str(r) for r in self.rows[:12]) + ("…" if len(self.rows) > 12 else "")
        label = "Ứng với thôn/TDP trong sổ" if self.kind == "village" else "Ứng với thành phần"
        return [
            F("info", "Có ở các dòng", "info", tr("{n} dòng: {rows}").format(n=len(self.rows), rows=shown)),
            F("target", label, "pick", self.current, self.choice_options, required=True),
        ]

    def save(self, values: dict):
        return values["target"]


# -- a row of the preview, fixed in the wizard ---------------------------------------------------
EDITABLE = ("full_name", "family_name", "given_name", "birth", "birth_nam", "birth_nu", "gender", "phone", "cccd",
            "role", "position", "other_positions", "notes")


def cell_text(v) -> str:
    """A cell as the clerk reads and edits it (a date dd/mm/yyyy, a whole number without «.0»)."""
    import datetime as dt

    from models import text

    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, dt.date):
        return text.format_date(v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


class RowForm(FormModal):
    """One row of the file, fixed here (the file itself is not changed): its cells, its village and
    composition category picked from the registry's lists. An unknown village or an unsure position
    title is chosen for every row that has it. Saves to ``{"edits": {field: text}, "village": …,
    "category": …}``; the screen checks the rows again."""

    def __init__(self, row, values: dict, villages: list, categories: list, *, village_key: str = "",
                 category_key: str = "") -> None:
        self.row, self.cells = row, values
        self.villages, self.categories = villages, categories
        self.village_key, self.category_key = village_key, category_key
        super().__init__()
        self.form_title = tr("Dòng {row} của tệp — sửa tại đây (tệp không đổi)").format(row=row.row)

    def _shown_fields(self) -> list[str]:
        bad = {e.field for e in self.row.errors}
        return [f for f in EDITABLE if f in self.cells or f in bad]

    def fields(self) -> list[F]:
        """The row's details, then its fields — those with an error first (the form opens on them)."""
        from exports import importer

        from .preview_step import row_lines

        cells = {f: F(f, importer.FIELDS.get(f, f), value=cell_text(self.cells.get(f))) for f in self._shown_fields()}
        cells["village"] = self._village_field()
        cells["category"] = self._category_field()
        bad = [e.field for e in self.row.errors if e.field in cells]
        order = list(dict.fromkeys(bad + list(cells)))
        return [F("about", "Dòng này", "info", "\n".join(row_lines(self.row)))] + [cells[f] for f in order]

    def _village_field(self) -> F:
        in_file = cell_text(self.cells.get("village"))
        label = (tr("Thôn/TDP — cho mọi dòng ghi «{name}»").format(name=self.village_key) if self.village_key
                 else tr("Thôn/TDP (trong tệp: «{name}»)").format(name=in_file) if in_file else "Thôn/TDP")
        # the village the row was matched to (or the file's text, if that names one)
        self._village_now = next((v.full_name for v in self.villages
                                  if text_fold(v.full_name) in (text_fold(self.row.village), text_fold(in_file))), None)
        return F("village", label, "pick", self._village_now,
                 [(v.full_name, v.full_name) for v in self.villages if v.active])

    def _category_field(self) -> F:
        r = self.row
        label = (tr("Thành phần — cho mọi dòng có chức vụ «{title}»").format(title=self.category_key)
                 if self.category_key else "Thành phần")
        return F("category", label, "pick", None if r.category_asked else r.category or None,
                 [(c.name, c.code) for c in self.categories if c.active], required=r.category_asked,
                 placeholder=tr("gõ vài chữ, ví dụ: cong an, doan"))

    def save(self, values: dict):
        edits = {f: values[f] for f in self._shown_fields() if values[f] != cell_text(self.cells.get(f))}
        village = values["village"]
        if village == self._village_now:
            village = None  # as it was
        category = values["category"]
        if category == (self.row.category or None) and not self.row.category_asked:
            category = None
        return {"edits": edits, "village": village, "category": category}


def text_fold(s: str) -> str:
    from models import text

    return text.fold(s or "")
