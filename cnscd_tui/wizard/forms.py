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
            F("target", label, "select", self.current, self.choice_options, required=True),
        ]

    def save(self, values: dict):
        return values["target"]
